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

package scim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// TestQuirks sends each Entra habit (research note §1.2 and §4.1) to a fresh advisor created with
// userBody, and checks the stored result through a GET.
func TestQuirks(t *testing.T) {
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	tests := map[string]struct {
		ops  string
		want map[string]types.GomegaMatcher
	}{
		"capitalised op and string boolean": {
			ops:  `{"op":"Replace","path":"active","value":"False"}`,
			want: map[string]types.GomegaMatcher{"active": Equal(false)},
		},
		"lower-case string boolean, flag shape": {
			ops:  `{"op":"replace","path":"active","value":"false"}`,
			want: map[string]types.GomegaMatcher{"active": Equal(false)},
		},
		"path-less replace with a string boolean": {
			ops:  `{"op":"Replace","value":{"active":"False"}}`,
			want: map[string]types.GomegaMatcher{"active": Equal(false)},
		},
		"path-less replace with dotted keys": {
			ops:  `{"op":"replace","value":{"name.givenName":"Grace","name.familyName":"Hopper"}}`,
			want: map[string]types.GomegaMatcher{"name": Equal(map[string]any{"givenName": "Grace", "familyName": "Hopper"})},
		},
		"path-less replace with URN-qualified keys": {
			ops: `{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User:displayName":"Grace",
				"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName":"Hopper"}}`,
			want: map[string]types.GomegaMatcher{
				"displayName": Equal("Grace"),
				"name":        Equal(map[string]any{"givenName": "Ada", "familyName": "Hopper"}),
			},
		},
		"URN-qualified path": {
			ops:  `{"op":"Replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"Grace"}`,
			want: map[string]types.GomegaMatcher{"displayName": Equal("Grace")},
		},
		"Add where the attribute was empty": {
			ops:  `{"op":"Remove","path":"displayName"},{"op":"Add","path":"displayName","value":"Grace"}`,
			want: map[string]types.GomegaMatcher{"displayName": Equal("Grace")},
		},
		"filtered path creates the missing work address": {
			ops: `{"op":"Remove","path":"addresses"},
				{"op":"Add","path":"addresses[type eq \"work\"].formatted","value":"Room 2"}`,
			want: map[string]types.GomegaMatcher{"addresses": ConsistOf(map[string]any{"type": "work", "formatted": "Room 2"})},
		},
		"several filtered ops merge into one element, sub-attribute capitalised": {
			ops: `{"op":"Replace","path":"addresses[type eq \"work\"].Formatted","value":"Room 3"},
				{"op":"Replace","path":"addresses[Type eq \"Work\"].type","value":"work"}`,
			want: map[string]types.GomegaMatcher{"addresses": ConsistOf(map[string]any{"type": "work", "formatted": "Room 3"})},
		},
		"remove carrying the old value": {
			ops:  `{"op":"Remove","path":"name.givenName","value":"Ada"}`,
			want: map[string]types.GomegaMatcher{"name": Equal(map[string]any{"familyName": "Lovelace"})},
		},
		"remove of a filtered path carrying the old value": {
			ops:  `{"op":"Remove","path":"addresses[type eq \"work\"].formatted","value":"Room 4.12"}`,
			want: map[string]types.GomegaMatcher{"addresses": BeNil()},
		},
		"null value means remove": {
			ops:  `{"op":"Replace","path":"displayName","value":null}`,
			want: map[string]types.GomegaMatcher{"displayName": BeNil()},
		},
		"empty value means remove": {
			ops:  `{"op":"Replace","path":"displayName","value":""}`,
			want: map[string]types.GomegaMatcher{"displayName": BeNil()},
		},
		"null in a path-less value means remove": {
			ops:  `{"op":"replace","value":{"displayName":null,"name.familyName":""}}`,
			want: map[string]types.GomegaMatcher{"displayName": BeNil(), "name": Equal(map[string]any{"givenName": "Ada"})},
		},
		"rename keeps the id": {
			ops:  `{"op":"Replace","path":"userName","value":"renamed@contoso.com"}`,
			want: map[string]types.GomegaMatcher{"userName": Equal("renamed@contoso.com")},
		},
		"id sent along in a path-less value is ignored": {
			ops:  `{"op":"replace","value":{"id":"other","displayName":"Okta"}}`,
			want: map[string]types.GomegaMatcher{"displayName": Equal("Okta")},
		},
	}
	n := 0
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			n++
			id := e.create(fmt.Sprintf("quirk%d@contoso.com", n))
			r := e.do(http.MethodPatch, "/Users/"+id, patchBody(tc.ops))
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
			r = e.do(http.MethodGet, "/Users/"+id, "")
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
			g.Expect(r.body).To(HaveKeyWithValue("id", id))
			for attr, m := range tc.want {
				g.Expect(r.body[attr]).To(m, "attribute %s in %s", attr, r.raw)
			}
		})
	}
}

// TestPutReplaces checks that PUT replaces the whole resource: attributes left out are cleared.
func TestPutReplaces(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	id := e.create("put@contoso.com")
	r := e.do(http.MethodPut, "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"put@contoso.com","active":"False"}`)
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	r = e.do(http.MethodGet, "/Users/"+id, "")
	g.Expect(r.body).To(HaveKeyWithValue("active", false))
	for _, gone := range []string{"displayName", "name", "addresses", "externalId"} {
		g.Expect(r.body).NotTo(HaveKey(gone))
	}
	expectError(g, e.do(http.MethodPut, "/Users/00000000-0000-4000-8000-000000000000",
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x"}`), http.StatusNotFound, "")
}

// TestFiltersAndPaging covers and-filters, URN-qualified names and RFC 7644 paging with a stable order.
func TestFiltersAndPaging(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
	ids := map[string]bool{}
	for i := range 12 {
		ids[e.create(fmt.Sprintf("room%02d@contoso.com", i))] = true
	}
	list := func(query string) response {
		r := e.do(http.MethodGet, "/Users?"+query, "")
		g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
		return r
	}
	filter := func(f string) string { return "filter=" + url.QueryEscape(f) }

	r := list(filter(`userName eq "ROOM03@contoso.com" and externalId eq "ext-room03@contoso.com"`))
	g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(1)))
	r = list(filter(`userName eq "room03@contoso.com" and externalId eq "EXT-ROOM03@contoso.com"`))
	g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(0)), "externalId is case-exact")
	r = list(filter(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "room04@contoso.com"`))
	g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(1)))
	r = list(filter(`userName sw "room1" and active eq true`))
	g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(2)))

	// Pages of 5 cover every record once, in one order.
	var seen []string
	for start := 1; start <= 12; start += 5 {
		r = list(fmt.Sprintf("startIndex=%d&count=5", start))
		g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(12)))
		g.Expect(r.body).To(HaveKeyWithValue("startIndex", BeEquivalentTo(start)))
		res := r.body["Resources"].([]any)
		g.Expect(r.body).To(HaveKeyWithValue("itemsPerPage", BeEquivalentTo(len(res))))
		for _, x := range res {
			seen = append(seen, x.(map[string]any)["id"].(string))
		}
	}
	g.Expect(seen).To(HaveLen(12))
	for i := 1; i < len(seen); i++ {
		g.Expect(seen[i-1] < seen[i]).To(BeTrue(), "pages are ordered by id")
		g.Expect(ids).To(HaveKey(seen[i]))
	}

	edge := map[string]struct{ start, items int }{
		"startIndex=0&count=3":   {1, 3},  // startIndex < 1 is 1
		"startIndex=-5&count=3":  {1, 3},  // likewise
		"count=-1":               {1, 0},  // negative count is 0
		"count=0":                {1, 0},  // only totalResults
		"startIndex=11&count=5":  {11, 2}, // the last, short page
		"startIndex=13&count=5":  {13, 0}, // past the end
		"startIndex=1&count=500": {1, 12}, // clamped to maxResults (50), all 12 fit
	}
	for q, want := range edge {
		r = list(q)
		g.Expect(r.body).To(HaveKeyWithValue("startIndex", BeEquivalentTo(want.start)), q)
		g.Expect(r.body).To(HaveKeyWithValue("itemsPerPage", BeEquivalentTo(want.items)), q)
		g.Expect(r.body["Resources"]).To(HaveLen(want.items), q)
		g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(12)), q)
	}
	g.Expect(strings.Contains(string(list("count=0").raw), `"Resources":[]`)).To(BeTrue())
}
