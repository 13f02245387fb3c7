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
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// TestBadInput checks the status and scimType of every kind of bad request, and that none of them stores
// anything: the record is unchanged afterwards and no record was added.
func TestBadInput(t *testing.T) {
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	id := e.create("bad@contoso.com")
	before := e.do(http.MethodGet, "/Users/"+id, "")
	big := `"` + strings.Repeat("x", 20<<10) + `"`
	tests := map[string]struct {
		method, path, body string
		status             int
		scimType           string
	}{
		"malformed JSON on POST":          {http.MethodPost, "/Users", `{"userName":`, 400, "invalidSyntax"},
		"malformed JSON on PATCH":         {http.MethodPatch, "/Users/" + id, `{"Operations":[`, 400, "invalidSyntax"},
		"malformed JSON on PUT":           {http.MethodPut, "/Users/" + id, `not json`, 400, "invalidSyntax"},
		"POST without userName":           {http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"}`, 400, "invalidValue"},
		"POST with a too-long userName":   {http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + strings.Repeat("u", 300) + `"}`, 400, "invalidValue"},
		"filter syntax":                   {http.MethodGet, "/Users?filter=" + url.QueryEscape(`userName eq`), "", 400, "invalidFilter"},
		"filter with single quotes":       {http.MethodGet, "/Users?filter=" + url.QueryEscape(`userName eq 'x'`), "", 400, "invalidFilter"},
		"filter on an unknown attribute":  {http.MethodGet, "/Users?filter=" + url.QueryEscape(`emails eq "x"`), "", 400, "invalidFilter"},
		"unsupported filter operator":     {http.MethodGet, "/Users?filter=" + url.QueryEscape(`userName gt "x"`), "", 400, "invalidFilter"},
		"unsupported value path filter":   {http.MethodGet, "/Users?filter=" + url.QueryEscape(`addresses[type eq "work"]`), "", 400, "invalidFilter"},
		"PATCH of meta":                   {http.MethodPatch, "/Users/" + id, patchBody(`{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}`), 400, "invalidPath"},
		"read-only PATCH target":          {http.MethodPatch, "/Users/" + id, patchBody(`{"op":"add","path":"groups","value":[{"value":"g1"}]}`), 400, "mutability"},
		"remove of userName":              {http.MethodPatch, "/Users/" + id, patchBody(`{"op":"remove","path":"userName"}`), 400, "invalidValue"},
		"remove without a path":           {http.MethodPatch, "/Users/" + id, patchBody(`{"op":"remove"}`), 400, "noTarget"},
		"PATCH atomic: second op fails":   {http.MethodPatch, "/Users/" + id, patchBody(`{"op":"replace","path":"displayName","value":"changed"},{"op":"remove","path":"userName"}`), 400, "invalidValue"},
		"PATCH with a non-boolean active": {http.MethodPatch, "/Users/" + id, patchBody(`{"op":"replace","path":"active","value":"maybe"}`), 400, "invalidValue"},
		"oversized POST":                  {http.MethodPost, "/Users", `{"userName":` + big + `}`, 413, ""},
		"oversized PUT":                   {http.MethodPut, "/Users/" + id, `{"userName":` + big + `}`, 413, ""},
		"oversized PATCH":                 {http.MethodPatch, "/Users/" + id, patchBody(`{"op":"replace","path":"displayName","value":` + big + `}`), 413, ""},
		"unknown id":                      {http.MethodGet, "/Users/00000000-0000-4000-8000-000000000000", "", 404, ""},
		"id that is no object name":       {http.MethodGet, "/Users/..%2F..%2Fsecrets", "", 404, ""},
		"unknown endpoint":                {http.MethodGet, "/Widgets", "", 404, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			expectError(g, e.do(tc.method, tc.path, tc.body), tc.status, tc.scimType)
		})
	}
	g := NewWithT(t)
	g.Expect(e.do(http.MethodGet, "/Users/"+id, "").raw).To(Equal(before.raw), "nothing partial stored")
	g.Expect(records(t, e)).To(HaveLen(1))
}

// TestPanicIsA500 makes a request panic inside the handler chain (the test-only Desk kind panics on a
// userName meant for it): the client gets a SCIM 500, and the server goes on serving.
func TestPanicIsA500(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), desks)
	r := e.do(http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+panicUserName+`"}`)
	expectError(g, r, http.StatusInternalServerError, "")
	r = e.do(http.MethodGet, "/Users", "")
	g.Expect(r.status).To(Equal(http.StatusOK))
}

// TestDiscoveryAndGroups checks /ServiceProviderConfig, /Schemas, /ResourceTypes and the empty /Groups.
func TestDiscoveryAndGroups(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)

	r := e.do(http.MethodGet, "/ServiceProviderConfig", "")
	g.Expect(r.status).To(Equal(http.StatusOK))
	g.Expect(r.header.Get("Content-Type")).To(HavePrefix("application/scim+json"))
	g.Expect(r.body).To(HaveKeyWithValue("patch", HaveKeyWithValue("supported", true)))
	g.Expect(r.body).To(HaveKeyWithValue("filter", And(HaveKeyWithValue("supported", true), HaveKeyWithValue("maxResults", BeEquivalentTo(50)))))
	g.Expect(r.body).To(HaveKeyWithValue("bulk", HaveKeyWithValue("supported", false)))
	g.Expect(r.body).To(HaveKeyWithValue("etag", HaveKeyWithValue("supported", false)))
	g.Expect(r.header.Get("ETag")).To(BeEmpty())
	g.Expect(r.body["authenticationSchemes"]).To(ContainElement(HaveKeyWithValue("type", "oauthbearertoken")))
	id := e.create("etag@contoso.com")
	g.Expect(e.do(http.MethodGet, "/Users/"+id, "").header.Get("ETag")).To(BeEmpty(), "no ETags, as advertised")

	r = e.do(http.MethodGet, "/Schemas", "")
	g.Expect(r.status).To(Equal(http.StatusOK))
	g.Expect(string(r.raw)).To(ContainSubstring("urn:ietf:params:scim:schemas:core:2.0:User"))
	r = e.do(http.MethodGet, "/ResourceTypes", "")
	g.Expect(r.status).To(Equal(http.StatusOK))
	g.Expect(string(r.raw)).To(ContainSubstring(`"endpoint":"/Users"`))

	r = e.do(http.MethodGet, "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "x"`), "")
	g.Expect(r.status).To(Equal(http.StatusOK))
	g.Expect(r.header.Get("Content-Type")).To(HavePrefix("application/scim+json"))
	g.Expect(string(r.raw)).To(ContainSubstring(`"Resources":[]`))
	g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(0)))
	expectError(g, e.do(http.MethodGet, "/Groups/abc", ""), http.StatusNotFound, "")
}
