/*
Copyright 2026 &Money.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestPrepareCollection checks the ids the expected list is keyed by: folder path, request name, "#n" for
// a repeated name, and the reference implementation's /Token login dropped with its then-empty folder.
func TestPrepareCollection(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.json")
	req := func(name, path string) map[string]any {
		return map[string]any{"name": name, "request": map[string]any{"url": map[string]any{"raw": "{{Protocol}}://{{Server}}/{{Api}}/" + path}}}
	}
	coll := map[string]any{"info": map[string]any{"_postman_id": "v1"}, "item": []any{
		map[string]any{"name": "Get Token", "item": []any{req("Get Token", "Token")}},
		map[string]any{"name": "Group tests", "item": []any{req("Get group by id", "Groups/1"), req("Get group by id", "Groups/1?x=/Token")}},
		req("Get all users", "Users"),
	}}
	raw, _ := json.Marshal(coll)
	if err := os.WriteFile(in, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, version, err := prepareCollection(in, filepath.Join(dir, "out.json"))
	if err != nil {
		t.Fatal(err)
	}
	if version != "v1" {
		t.Errorf("version = %q, want the collection's _postman_id", version)
	}
	var got struct {
		Item []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Item []struct {
				ID string `json:"id"`
			} `json:"item"`
		} `json:"item"`
	}
	raw, _ = os.ReadFile(out)
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Item) != 2 || got.Item[0].Name != "Group tests" || got.Item[1].ID != "Get all users" {
		t.Fatalf("want the Token folder dropped and the rest kept in order, got %s", raw)
	}
	if ids := got.Item[0].Item; len(ids) != 2 || ids[0].ID != "Group tests/Get group by id" || ids[1].ID != "Group tests/Get group by id#2" {
		t.Fatalf("want numbered ids for the repeated name, got %s", raw)
	}
}

// TestJudge checks the three outcomes that decide the exit code.
func TestJudge(t *testing.T) {
	saved := expectedFailures
	t.Cleanup(func() { expectedFailures = saved })
	expectedFailures = []expectedFailure{{Key: "A :: fails", Reason: "why"}, {Key: "B :: fails", Reason: "why"},
		{Key: "D :: fails", Reason: "why", OnlyIn: "older"}}
	a, b := result{key: "A :: fails", failed: true}, result{key: "B :: fails", failed: true}
	dFails, dPasses := result{key: "D :: fails", failed: true}, result{key: "D :: fails"}
	tests := map[string]struct {
		version string
		results []result
		ok      bool
	}{
		"only expected failures":               {"newer", []result{a, b, {key: "C :: ok"}}, true},
		"an unexpected failure":                {"newer", []result{a, b, {key: "C :: ok", failed: true}}, false},
		"an expected one passes":               {"newer", []result{a, {key: "B :: fails"}}, false},
		"an expected one did not run":          {"newer", []result{a}, false},
		"the older version":                    {"older", []result{a, b, dFails}, true},
		"the older version's failure passes":   {"older", []result{a, b, dPasses}, false},
		"the older version's request missing":  {"older", []result{a, b}, false},
		"the same request passes in the newer": {"newer", []result{a, b, dPasses}, true},
		"the same request fails in the newer":  {"newer", []result{a, b, dFails}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := judge(tc.results, len(tc.results), tc.version); got != tc.ok {
				t.Fatalf("judge = %v, want %v", got, tc.ok)
			}
		})
	}
}
