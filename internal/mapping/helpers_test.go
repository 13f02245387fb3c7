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

package mapping

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// expectMappings checks that the schema's User rows are exactly the desired table.
func expectMappings(t *testing.T, schema json.RawMessage, desired []v1.AttributeMapping) {
	t.Helper()
	want, err := CanonicalMappings(desired)
	if err != nil {
		t.Fatalf("CanonicalMappings: %v", err)
	}
	got, err := ObservedMappings(schema)
	if err != nil {
		t.Fatalf("ObservedMappings: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mappings in the schema differ from the desired table (-want +got):\n%s", diff)
	}
}

// expectValidForEntra applies the checks Entra makes on a schema PUT (docs/graph.md §5.4) to the
// User and Group mappings: declared source and target attributes, unique targets, a matching
// attribute, and a source on every row.
func expectValidForEntra(t *testing.T, schema json.RawMessage) {
	t.Helper()
	doc := generic(t, schema)
	for _, m := range []map[string]any{userMapping(doc), groupMapping(doc)} {
		sourceObject := directoryObject(doc, 0, m["sourceObjectName"].(string))
		targetObject := directoryObject(doc, 1, m["targetObjectName"].(string))
		seen := map[string]bool{}
		matching := false
		for _, r := range m["attributeMappings"].([]any) {
			row := r.(map[string]any)
			target := row["targetAttributeName"].(string)
			if seen[strings.ToLower(target)] {
				t.Errorf("target %s is mapped twice", target)
			}
			seen[strings.ToLower(target)] = true
			if attribute(targetObject, target) == nil {
				t.Errorf("target %s is not declared on %s", target, targetObject["name"])
			}
			matching = matching || row["matchingPriority"] != json.Number("0")
			source, ok := row["source"].(map[string]any)
			if !ok {
				t.Errorf("target %s has no source", target)
				continue
			}
			for _, name := range sourceAttributes(source) {
				if attribute(sourceObject, name) == nil {
					t.Errorf("source attribute %s of %s is not declared on %s", name, target, sourceObject["name"])
				}
			}
		}
		if !matching {
			t.Errorf("object mapping %s has no matching attribute", m["name"])
		}
	}
}

func sourceAttributes(source map[string]any) []string {
	if source["type"] == "Attribute" {
		return []string{source["name"].(string)}
	}
	var names []string
	for _, p := range source["parameters"].([]any) {
		names = append(names, sourceAttributes(p.(map[string]any)["value"].(map[string]any))...)
	}
	return names
}

func loadFixture(t *testing.T, name string) json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return raw
}

// generic decodes like ApplyMappings does, with numbers kept as written, so that comparisons see
// a number that lost digits or changed form.
func generic(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var doc map[string]any
	if err := decoder.Decode(&doc); err != nil {
		t.Fatalf("decode schema: %v", err)
	}
	return doc
}

func encodeGeneric(t *testing.T, doc map[string]any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("encode schema: %v", err)
	}
	return raw
}

func objectMapping(doc map[string]any, sourceObjectName string) map[string]any {
	for _, m := range doc["synchronizationRules"].([]any)[0].(map[string]any)["objectMappings"].([]any) {
		if m.(map[string]any)["sourceObjectName"] == sourceObjectName {
			return m.(map[string]any)
		}
	}
	return nil
}

func userMapping(doc map[string]any) map[string]any  { return objectMapping(doc, "User") }
func groupMapping(doc map[string]any) map[string]any { return objectMapping(doc, "Group") }

func userRow(doc map[string]any, target string) map[string]any {
	for _, r := range userMapping(doc)["attributeMappings"].([]any) {
		if r.(map[string]any)["targetAttributeName"] == target {
			return r.(map[string]any)
		}
	}
	return nil
}

func removeUserRow(doc map[string]any, target string) {
	m := userMapping(doc)
	m["attributeMappings"] = slices.DeleteFunc(m["attributeMappings"].([]any), func(r any) bool {
		return r.(map[string]any)["targetAttributeName"] == target
	})
}

// directoryObject returns an object of the source (0) or target (1) directory of the fixtures.
func directoryObject(doc map[string]any, directory int, name string) map[string]any {
	for _, o := range doc["directories"].([]any)[directory].(map[string]any)["objects"].([]any) {
		if o.(map[string]any)["name"] == name {
			return o.(map[string]any)
		}
	}
	return nil
}

func attribute(obj map[string]any, name string) map[string]any {
	for _, a := range obj["attributes"].([]any) {
		if strings.EqualFold(a.(map[string]any)["name"].(string), name) {
			return a.(map[string]any)
		}
	}
	return nil
}

func removeAttribute(obj map[string]any, name string) {
	obj["attributes"] = slices.DeleteFunc(obj["attributes"].([]any), func(a any) bool {
		return a.(map[string]any)["name"] == name
	})
}
