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

package patch

import (
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
)

func TestNormalize(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string // "" means: unchanged, byte for byte.
	}{
		"string active becomes a boolean": {
			in:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			want: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`,
		},
		"path-less string active becomes a boolean": {
			in:   `{"Operations":[{"op":"Replace","value":{"active":"True"}}]}`,
			want: `{"Operations":[{"op":"replace","path":"active","value":true}]}`,
		},
		"URN-qualified string active becomes a boolean": {
			in:   `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:ACTIVE","value":"true"}]}`,
			want: `{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:ACTIVE","value":true}]}`,
		},
		"a string that is no boolean is left for elimity": {
			in: `{"Operations":[{"op":"replace","path":"active","value":"maybe"}]}`,
		},
		"other string attributes stay strings": {
			in: `{"Operations":[{"op":"replace","path":"displayName","value":"True"}]}`,
		},
		"null value becomes remove": {
			in:   `{"Operations":[{"op":"Replace","path":"displayName","value":null}]}`,
			want: `{"Operations":[{"op":"remove","path":"displayName"}]}`,
		},
		"path-less value is split by key, sorted, ids dropped, nulls removed": {
			in: `{"Operations":[{"op":"Replace","value":{"name.givenName":"A","displayName":"B","id":"x","externalId":null}}]}`,
			want: `{"Operations":[{"op":"replace","path":"displayName","value":"B"},{"op":"remove","path":"externalId"},` +
				`{"op":"replace","path":"name.givenName","value":"A"}]}`,
		},
		"numbers keep their text": {
			in:   `{"Operations":[{"op":"add","value":{"x":1.50}}]}`,
			want: `{"Operations":[{"op":"add","path":"x","value":1.50}]}`,
		},
		"member names in any case": {
			in:   `{"operations":[{"OP":"add","Value":{"displayName":"A"}}]}`,
			want: `{"operations":[{"op":"add","path":"displayName","value":"A"}]}`,
		},
		"path-less with only an id is left for elimity":   {in: `{"Operations":[{"op":"replace","value":{"id":"x"}}]}`},
		"path-less with a non-object value is left alone": {in: `{"Operations":[{"op":"replace","value":"x"}]}`},
		"remove is left alone":                            {in: `{"Operations":[{"op":"remove","path":"x","value":null}]}`},
		"not JSON":                                        {in: `{"Operations":[`},
		"trailing data":                                   {in: `{"Operations":[]} {}`},
		"no Operations":                                   {in: `{"schemas":[]}`},
		"Operations not a list":                           {in: `{"Operations":{}}`},
		"an op that is not an object":                     {in: `{"Operations":[1,"x",null]}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := Normalize([]byte(tc.in))
			if tc.want == "" {
				g.Expect(string(got)).To(Equal(tc.in))
				return
			}
			g.Expect(got).To(MatchJSON(tc.want))
		})
	}
}

func TestNormalizeResource(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string // "" means: unchanged, byte for byte.
	}{
		"string active":      {in: `{"userName":"a","active":"False"}`, want: `{"userName":"a","active":false}`},
		"any case":           {in: `{"userName":"a","Active":"TRUE"}`, want: `{"userName":"a","Active":true}`},
		"boolean active":     {in: `{"userName":"a","active":false}`},
		"not a boolean":      {in: `{"userName":"a","active":"no"}`},
		"other strings stay": {in: `{"userName":"True","displayName":"False"}`},
		"not JSON":           {in: `{"userName":`},
		"not an object":      {in: `["active"]`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := NormalizeResource([]byte(tc.in))
			if tc.want == "" {
				g.Expect(string(got)).To(Equal(tc.in))
				return
			}
			g.Expect(got).To(MatchJSON(tc.want))
		})
	}
}

// FuzzNormalize checks that Normalize never panics, returns valid JSON for valid JSON, and is idempotent.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		`{"Operations":[{"op":"Replace","path":"displayName","value":null}]}`,
		`{"Operations":[{"op":"replace","value":{"name.givenName":"A","id":"x","x":null}}]}`,
		`{"Operations":[{"op":"add","value":{"addresses[type eq \"work\"].formatted":"R"}}]}`,
		`{"Operations":[1,{"op":{}},{"op":"add","path":5,"value":{}}]}`,
		`{"operations":[{"OP":"Add","VALUE":{"a":[1,2,{"b":null}]}}]}`,
		`[]`, `null`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out := Normalize(body)
		if json.Valid(body) && !json.Valid(out) {
			t.Fatalf("valid input %q became invalid %q", body, out)
		}
		if again := Normalize(out); string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", body, out, again)
		}
	})
}
