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

	"github.com/andmoney/scim-operator/internal/scim/model"
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
			in:   `{"Operations":[{"op":"add","value":{"displayName":1.50}}]}`,
			want: `{"Operations":[{"op":"add","path":"displayName","value":1.50}]}`,
		},
		"member names in any case": {
			in:   `{"operations":[{"OP":"add","Value":{"displayName":"A"}}]}`,
			want: `{"operations":[{"op":"add","path":"displayName","value":"A"}]}`,
		},
		"path-less with only an id is left for elimity":   {in: `{"Operations":[{"op":"replace","value":{"id":"x"}}]}`},
		"path-less with a non-object value is left alone": {in: `{"Operations":[{"op":"replace","value":"x"}]}`},
		"remove is left alone":                            {in: `{"Operations":[{"op":"remove","path":"displayName","value":null}]}`},
		"not JSON":                                        {in: `{"Operations":[`},
		"trailing data":                                   {in: `{"Operations":[]} {}`},
		"no Operations":                                   {in: `{"schemas":[]}`},
		"Operations not a list":                           {in: `{"Operations":{}}`},
		"an op that is not an object":                     {in: `{"Operations":[1,"x",null]}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got, ignored := Normalize([]byte(tc.in), model.AdvisorKind)
			g.Expect(ignored).To(BeEmpty())
			if tc.want == "" {
				g.Expect(string(got)).To(Equal(tc.in))
				return
			}
			g.Expect(got).To(MatchJSON(tc.want))
		})
	}
}

func TestDecodeResource(t *testing.T) {
	tests := map[string]struct {
		in   string
		want string // "" means: not one JSON object, refused.
	}{
		"string active":      {in: `{"userName":"a","active":"False"}`, want: `{"userName":"a","active":false}`},
		"any case":           {in: `{"userName":"a","Active":"TRUE"}`, want: `{"userName":"a","Active":true}`},
		"boolean active":     {in: `{"userName":"a","active":false}`, want: `{"userName":"a","active":false}`},
		"not a boolean":      {in: `{"userName":"a","active":"no"}`, want: `{"userName":"a","active":"no"}`},
		"other strings stay": {in: `{"userName":"True","displayName":"False"}`, want: `{"userName":"True","displayName":"False"}`},
		"numbers stay exact": {in: `{"userName":"a","x-count":12345678901234567890}`, want: `{"userName":"a"}`},
		"blanks around":      {in: " \n{\"userName\":\"a\"}\r\n ", want: `{"userName":"a"}`},
		"not JSON":           {in: `{"userName":`},
		"not an object":      {in: `["active"]`},
		"null":               {in: `null`},
		"empty":              {in: ``},
		"two objects":        {in: `{"userName":"a"}{"userName":"b"}`},
		"trailing brace":     {in: `{"userName":"a"}}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got, _, err := DecodeResource([]byte(tc.in), model.AdvisorKind)
			if tc.want == "" {
				g.Expect(err).To(MatchError(ErrNotAnObject))
				g.Expect(got).To(BeNil())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(json.Marshal(got)).To(MatchJSON(tc.want))
		})
	}
	// A number keeps its digits for the schema to judge (elimity's validation needs json.Number).
	got, _, err := DecodeResource([]byte(`{"userName":1e400}`), model.AdvisorKind)
	g := NewWithT(t)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got["userName"]).To(Equal(json.Number("1e400")))
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
		out, _ := Normalize(body, model.AdvisorKind)
		if json.Valid(body) && !json.Valid(out) {
			t.Fatalf("valid input %q became invalid %q", body, out)
		}
		if again, _ := Normalize(out, model.AdvisorKind); string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", body, out, again)
		}
	})
}

// TestNormalizeIgnores covers the bodies Microsoft's SCIMReferenceCode tests and Entra mappings send with
// attributes a record does not keep: each is taken out and named, nothing else changes.
func TestNormalizeIgnores(t *testing.T) {
	const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tests := map[string]struct {
		kind    *model.KindSpec
		in      string
		want    string
		ignored []string
	}{
		"unknown core attribute": {
			in:      `{"Operations":[{"op":"replace","path":"nickName","value":"x"},{"op":"replace","path":"displayName","value":"D"}]}`,
			want:    `{"Operations":[{"op":"replace","path":"displayName","value":"D"}]}`,
			ignored: []string{"nickName"},
		},
		"nothing left is an empty replace": {
			in:      `{"Operations":[{"op":"Replace","value":{"nickName":"x","title":"T"}}]}`,
			want:    `{"Operations":[{"op":"replace","value":{}}]}`,
			ignored: []string{"nickName", "title"},
		},
		"path-less with dotted and extension keys": {
			in:      `{"Operations":[{"op":"replace","value":{"name.formatted":"F","name.givenName":"G","` + enterprise + `:employeeNumber":"7","` + enterprise + `":{"department":"x"}}}]}`,
			want:    `{"Operations":[{"op":"replace","path":"name.givenName","value":"G"}]}`,
			ignored: []string{model.LabelEnterprise, model.LabelEnterprise, "name.formatted"},
		},
		"a home address": {
			in:      `{"Operations":[{"op":"add","path":"addresses[type eq \"home\"].formatted","value":"x"}]}`,
			want:    `{"Operations":[{"op":"replace","value":{}}]}`,
			ignored: []string{model.LabelNonWorkAddresses},
		},
		"streetAddress of the work address, capitalised": {
			in:      `{"Operations":[{"op":"replace","path":"addresses[type eq \"work\"].StreetAddress","value":"x"},{"op":"replace","path":"addresses[type eq \"work\"].Formatted","value":"F"}]}`,
			want:    `{"Operations":[{"op":"replace","path":"addresses[type eq \"work\"].Formatted","value":"F"}]}`,
			ignored: []string{"addresses.streetAddress"},
		},
		"an address list with home and other elements and extra sub-attributes": {
			in:      `{"Operations":[{"op":"add","path":"addresses","value":[{"type":"work","formatted":"W","streetAddress":"S","primary":true},{"type":"home","formatted":"H"},{"type":"other"}]}]}`,
			want:    `{"Operations":[{"op":"add","path":"addresses","value":[{"type":"work","formatted":"W"}]}]}`,
			ignored: []string{"addresses.streetAddress", "addresses.primary", model.LabelNonWorkAddresses, model.LabelNonWorkAddresses},
		},
		"a name value with formatted": {
			in:      `{"Operations":[{"op":"replace","path":"name","value":{"formatted":"F","familyName":"L"}}]}`,
			want:    `{"Operations":[{"op":"replace","path":"name","value":{"familyName":"L"}}]}`,
			ignored: []string{"name.formatted"},
		},
		"URN-qualified name and addresses values": {
			in: `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name","value":{"formatted":"F","givenName":"G"}},` +
				`{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:addresses","value":[{"type":"home","formatted":"H"},{"type":"work","formatted":"W"}]}]}`,
			want: `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name","value":{"givenName":"G"}},` +
				`{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:addresses","value":[{"type":"work","formatted":"W"}]}]}`,
			ignored: []string{"name.formatted", model.LabelNonWorkAddresses},
		},
		"the work address by filter, as a whole": {
			in:      `{"Operations":[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"formatted":"W","locality":"L"}}]}`,
			want:    `{"Operations":[{"op":"replace","path":"addresses[type eq \"work\"]","value":{"formatted":"W"}}]}`,
			ignored: []string{"addresses.locality"},
		},
		"a name on a room": {
			kind:    model.RoomKind,
			in:      `{"Operations":[{"op":"replace","path":"name.givenName","value":"x"},{"op":"replace","path":"active","value":"False"}]}`,
			want:    `{"Operations":[{"op":"replace","path":"active","value":false}]}`,
			ignored: []string{"name.givenName"},
		},
		"emails and phoneNumbers by filter": {
			in:      `{"Operations":[{"op":"add","path":"emails[type eq \"work\"].value","value":"a@b"},{"op":"remove","path":"phoneNumbers[type eq \"mobile\"]"},{"op":"add","path":"x-custom","value":1}]}`,
			want:    `{"Operations":[{"op":"replace","value":{}}]}`,
			ignored: []string{"emails.value", "phoneNumbers", "other"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			kind := tc.kind
			if kind == nil {
				kind = model.AdvisorKind
			}
			got, ignored := Normalize([]byte(tc.in), kind)
			g.Expect(got).To(MatchJSON(tc.want))
			g.Expect(ignored).To(ConsistOf(tc.ignored))
		})
	}
}

// TestNormalizeKeepsProtected checks that writes of what no client may write are left for elimity and
// Apply to refuse, not ignored.
func TestNormalizeKeepsProtected(t *testing.T) {
	for _, body := range []string{
		`{"Operations":[{"op":"add","path":"groups","value":[{"value":"g"}]}]}`,
		`{"Operations":[{"op":"replace","path":"meta.created","value":"x"}]}`,
		`{"Operations":[{"op":"replace","path":"id","value":"x"}]}`,
		`{"Operations":[{"op":"replace","path":"userName.x","value":"x"}]}`,
		`{"Operations":[{"op":"replace","path":"nick[","value":"x"}]}`,
	} {
		got, ignored := Normalize([]byte(body), model.AdvisorKind)
		if string(got) != body || len(ignored) != 0 {
			t.Errorf("%s: got %s, ignored %v; want it unchanged", body, got, ignored)
		}
	}
}

func TestDecodeResourceIgnores(t *testing.T) {
	in := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"userName":"u","nickName":"n","title":null,"emails":[{"value":"a@b","type":"work"}],"phoneNumbers":[{"value":"1"}],` +
		`"name":{"formatted":"F","givenName":"G","FamilyName":"L"},` +
		`"addresses":[{"type":"work","Formatted":"W","streetAddress":"S"},{"type":"home","formatted":"H"}],` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7"},"id":"client","meta":{"resourceType":"User"}}`
	g := NewWithT(t)
	got, ignored, err := DecodeResource([]byte(in), model.AdvisorKind)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(json.Marshal(got)).To(MatchJSON(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"userName":"u","name":{"givenName":"G","FamilyName":"L"},"addresses":[{"type":"work","Formatted":"W"}],"id":"client","meta":{"resourceType":"User"}}`))
	g.Expect(ignored).To(ConsistOf("nickName", "emails", "phoneNumbers", "name.formatted", "addresses.streetAddress",
		model.LabelNonWorkAddresses, model.LabelEnterprise))

	got, ignored, err = DecodeResource([]byte(`{"userName":"r","name":{"givenName":"G"}}`), model.RoomKind)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(json.Marshal(got)).To(MatchJSON(`{"userName":"r"}`))
	g.Expect(ignored).To(ConsistOf("name"))
}
