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
	"testing"

	. "github.com/onsi/gomega"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// TestEntraCycle runs Entra's provisioning cycle, as §1.2 of the research note lists its requests, against
// both endpoints: test connection, match miss, create, read, both PATCH shapes, disable, enable, delete.
func TestEntraCycle(t *testing.T) {
	for _, rt := range []v1.ResourceType{v1.ResourceTypeAdvisors, v1.ResourceTypeRooms} {
		t.Run(string(rt), func(t *testing.T) {
			g := NewWithT(t)
			e := newApp(t, newNamespace(t), rt)
			advisors := rt == v1.ResourceTypeAdvisors

			// (0) Test connection: a random GUID on the matching attribute, encoded as Entra does.
			r := e.do(http.MethodGet, `/Users?filter=userName+eq+"0f7c8e9a-5b1d-4c2e-9a77-3e1d2c4b5a69"`, "")
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
			g.Expect(r.header.Get("Content-Type")).To(HavePrefix("application/scim+json"))
			g.Expect(r.raw).To(ContainSubstring(`"Resources":[]`))
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(0)))
			g.Expect(r.body).To(HaveKeyWithValue("itemsPerPage", BeEquivalentTo(0)))
			g.Expect(r.body).To(HaveKeyWithValue("startIndex", BeEquivalentTo(1)))

			// (1) Match lookups miss: userName, then externalId.
			r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "Ada.Lovelace@contoso.com"`), "")
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(0)))
			r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`externalId eq "6c1f2a9e"`), "")
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(0)))

			// (2) Create: 201, full resource, Location.
			r = e.do(http.MethodPost, "/Users", userBody(e.prefix, "Ada.Lovelace@contoso.com", "6c1f2a9e"))
			g.Expect(r.status).To(Equal(http.StatusCreated), "%s", r.raw)
			id, _ := r.body["id"].(string)
			g.Expect(id).NotTo(BeEmpty())
			g.Expect(r.header.Get("Location")).To(Equal(baseURL + e.prefix + "/Users/" + id))
			g.Expect(r.body).To(HaveKeyWithValue("userName", "Ada.Lovelace@contoso.com"))
			g.Expect(r.body).To(HaveKeyWithValue("externalId", "6c1f2a9e"))
			g.Expect(r.body).To(HaveKeyWithValue("active", true))
			g.Expect(r.body).To(HaveKeyWithValue("addresses", ConsistOf(map[string]any{"type": "work", "formatted": "Room 4.12"})))
			g.Expect(r.body).To(HaveKeyWithValue("meta", HaveKeyWithValue("location", baseURL+e.prefix+"/Users/"+id)))
			if advisors {
				g.Expect(r.body).To(HaveKeyWithValue("name", map[string]any{"givenName": "Ada", "familyName": "Lovelace"}))
			} else {
				g.Expect(r.body).NotTo(HaveKey("name"))
			}
			g.Expect(r.body).NotTo(HaveKey("roles"))

			// A duplicate create, in another case, is a 409 uniqueness.
			r = e.do(http.MethodPost, "/Users", userBody(e.prefix, "ADA.LOVELACE@contoso.com", "other"))
			expectError(g, r, http.StatusConflict, "uniqueness")

			// (3) Read right after the write: by id, and by filter in another case.
			r = e.do(http.MethodGet, "/Users/"+id, "")
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
			g.Expect(r.body).To(HaveKeyWithValue("displayName", "Ada Lovelace"))
			r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "ada.lovelace@CONTOSO.com"`), "")
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(1)))
			r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`externalId eq "6c1f2a9e"`), "")
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(1)))

			// (4a) Legacy PATCH: one capitalised op per attribute, string values.
			ops := `{"op":"Replace","path":"displayName","value":"Ada King"},
				{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"Room 9.01"},
				{"op":"Replace","path":"externalId","value":"6c1f2a9e"}`
			if advisors {
				ops += `,{"op":"Replace","path":"name.familyName","value":"King"},{"op":"Add","path":"name.givenName","value":"Augusta"}`
			}
			r = e.do(http.MethodPatch, "/Users/"+id, patchBody(ops))
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
			g.Expect(r.body).To(HaveKeyWithValue("displayName", "Ada King"))
			g.Expect(r.body).To(HaveKeyWithValue("addresses", ConsistOf(map[string]any{"type": "work", "formatted": "Room 9.01"})))
			if advisors {
				g.Expect(r.body).To(HaveKeyWithValue("name", map[string]any{"givenName": "Augusta", "familyName": "King"}))
			}

			// (4b) aadOptscim062020 PATCH: filtered path as its own op, the rest in one path-less replace
			// with dotted and URN-qualified keys.
			value := `"displayName":"Ada Byron","urn:ietf:params:scim:schemas:core:2.0:User:externalId":"7d2e"`
			if advisors {
				value += `,"name.givenName":"Ada","name.familyName":"Byron"`
			}
			r = e.do(http.MethodPatch, "/Users/"+id+"?aadOptscim062020", patchBody(
				`{"op":"replace","path":"addresses[type eq \"work\"].formatted","value":"Room 1.01"},
				 {"op":"replace","value":{`+value+`}}`))
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
			g.Expect(r.body).To(HaveKeyWithValue("displayName", "Ada Byron"))
			g.Expect(r.body).To(HaveKeyWithValue("externalId", "7d2e"))
			g.Expect(r.body).To(HaveKeyWithValue("addresses", ConsistOf(map[string]any{"type": "work", "formatted": "Room 1.01"})))
			if advisors {
				g.Expect(r.body).To(HaveKeyWithValue("name", map[string]any{"givenName": "Ada", "familyName": "Byron"}))
			}

			// (5) Disable with a string boolean; the record stays visible to filters, with active false.
			r = e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"Replace","path":"active","value":"False"}`))
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
			g.Expect(r.body).To(HaveKeyWithValue("active", false))
			r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "Ada.Lovelace@contoso.com"`), "")
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(1)))
			g.Expect(r.body["Resources"]).To(ConsistOf(HaveKeyWithValue("active", false)))

			// Enable again, path-less with a string boolean.
			r = e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"Replace","value":{"active":"True"}}`))
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
			g.Expect(r.body).To(HaveKeyWithValue("active", true))

			// (6) Delete: 204 without a body, then 404 for GET and a second DELETE.
			r = e.do(http.MethodDelete, "/Users/"+id, "")
			g.Expect(r.status).To(Equal(http.StatusNoContent))
			g.Expect(r.raw).To(BeEmpty())
			expectError(g, e.do(http.MethodGet, "/Users/"+id, ""), http.StatusNotFound, "")
			expectError(g, e.do(http.MethodDelete, "/Users/"+id, ""), http.StatusNotFound, "")
			r = e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "Ada.Lovelace@contoso.com"`), "")
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(0)))

			// The userName is free again.
			e.create("Ada.Lovelace@contoso.com")
			g.Expect(records(t, e)).To(HaveLen(1))
		})
	}
}
