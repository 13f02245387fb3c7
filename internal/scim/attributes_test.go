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
	"maps"
	"net/http"
	"net/url"
	"testing"

	. "github.com/onsi/gomega"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

const userSchemaURN = "urn:ietf:params:scim:schemas:core:2.0:User"

// TestAttributesOnReads: GET /Users and GET /Users/{id} answer the partial representation RFC 7644 §3.9
// asks for, and the whole resource without the parameters.
func TestAttributesOnReads(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	id := e.create("ada@bank.dk")
	e.create("grace@bank.dk")

	full := e.do(http.MethodGet, "/Users/"+id, "")
	g.Expect(full.status).To(Equal(http.StatusOK), "body: %s", full.raw)
	g.Expect(full.body).To(HaveKey("meta"))
	g.Expect(full.body).To(HaveKey("name"))
	minimal := map[string]any{"id": id, "schemas": []any{userSchemaURN}}
	plus := func(kv ...any) map[string]any {
		out := maps.Clone(minimal)
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	less := func(keys ...string) map[string]any {
		out := maps.Clone(full.body)
		for _, k := range keys {
			delete(out, k)
		}
		return out
	}

	for _, tc := range []struct {
		query string
		want  map[string]any
	}{
		{"attributes=userName", plus("userName", "ada@bank.dk")},
		{"attributes=" + url.QueryEscape("urn:ietf:params:scim:schemas:core:2.0:User:userName,DisplayName"),
			plus("userName", "ada@bank.dk", "displayName", "Ada Lovelace")},
		{"attributes=name.givenName&attributes=addresses.formatted",
			plus("name", map[string]any{"givenName": "Ada"}, "addresses", []any{map[string]any{"formatted": "Room 4.12"}})},
		{"attributes=meta", plus("meta", full.body["meta"])},
		{"attributes=emails,nickName", minimal},
		{"excludedAttributes=meta,externalId", less("meta", "externalId")},
		{"excludedAttributes=id,schemas,nickName", full.body},
		{"excludedAttributes=name.familyName", func() map[string]any {
			out := less()
			out["name"] = map[string]any{"givenName": "Ada"}
			return out
		}()},
	} {
		r := e.do(http.MethodGet, "/Users/"+id+"?"+tc.query, "")
		g.Expect(r.status).To(Equal(http.StatusOK), "%s: %s", tc.query, r.raw)
		g.Expect(r.header.Get("Content-Type")).To(HavePrefix("application/scim+json"))
		g.Expect(r.body).To(Equal(tc.want), "GET by id ?%s", tc.query)

		// The list projects each resource the same way, and leaves its envelope alone.
		filter := url.QueryEscape(`userName eq "ada@bank.dk"`)
		r = e.do(http.MethodGet, "/Users?filter="+filter+"&"+tc.query, "")
		g.Expect(r.status).To(Equal(http.StatusOK), "%s: %s", tc.query, r.raw)
		g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeNumerically("==", 1)))
		g.Expect(r.body).To(HaveKeyWithValue("itemsPerPage", BeNumerically("==", 1)))
		g.Expect(r.body).To(HaveKeyWithValue("schemas", ConsistOf("urn:ietf:params:scim:api:messages:2.0:ListResponse")))
		g.Expect(r.body["Resources"]).To(ConsistOf(tc.want), "list ?%s", tc.query)
	}

	// Every resource of a page is projected.
	r := e.do(http.MethodGet, "/Users?attributes=userName&count=10", "")
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	g.Expect(r.body["Resources"]).To(HaveLen(2))
	for _, res := range r.body["Resources"].([]any) {
		g.Expect(res).To(HaveLen(3), "only id, schemas and userName: %v", res)
		g.Expect(res).To(HaveKey("userName"))
	}

	// An error stays the error, whatever is asked of the resource it would have been.
	expectError(g, e.do(http.MethodGet, "/Users/no-such-id?attributes=userName", ""), http.StatusNotFound, "")
}

// TestAttributesBothRefused: the two parameters are mutually exclusive (RFC 7644 §3.9). Both at once is
// 400 invalidValue on every operation that returns a User, and a write is then not carried out.
func TestAttributesBothRefused(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	id := e.create("ada@bank.dk")
	const both = "?attributes=userName&excludedAttributes=meta"

	expectError(g, e.do(http.MethodGet, "/Users"+both, ""), http.StatusBadRequest, "invalidValue")
	expectError(g, e.do(http.MethodGet, "/Users/"+id+both, ""), http.StatusBadRequest, "invalidValue")
	expectError(g, e.do(http.MethodPost, "/Users"+both, userBody(e.prefix, "grace@bank.dk", "ext-g")),
		http.StatusBadRequest, "invalidValue")
	expectError(g, e.do(http.MethodPut, "/Users/"+id+both, userBody(e.prefix, "ada@bank.dk", "ext-put")),
		http.StatusBadRequest, "invalidValue")
	expectError(g, e.do(http.MethodPatch, "/Users/"+id+both, patchBody(`{"op":"replace","path":"displayName","value":"Changed"}`)),
		http.StatusBadRequest, "invalidValue")

	// None of the refused writes happened.
	g.Expect(records(t, e)).To(HaveLen(1))
	r := e.do(http.MethodGet, "/Users/"+id, "")
	g.Expect(r.body).To(HaveKeyWithValue("displayName", "Ada Lovelace"))
	g.Expect(r.body).To(HaveKeyWithValue("externalId", "ext-ada@bank.dk"))

	// DELETE returns no resource: the parameters mean nothing to it.
	g.Expect(e.do(http.MethodDelete, "/Users/"+id+both, "").status).To(Equal(http.StatusNoContent))
}

// TestAttributesOnWrites: POST, PUT and PATCH, answered by elimity-com/scim, return the partial
// representation too ("any operation that returns a resource", RFC 7644 §3.9), with their status and
// headers; the write itself is whole.
func TestAttributesOnWrites(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)

	r := e.do(http.MethodPost, "/Users?attributes=userName", userBody(e.prefix, "ada@bank.dk", "ext-ada"))
	g.Expect(r.status).To(Equal(http.StatusCreated), "body: %s", r.raw)
	g.Expect(r.header.Get("Content-Type")).To(HavePrefix("application/scim+json"))
	id, _ := r.body["id"].(string)
	g.Expect(id).NotTo(BeEmpty())
	g.Expect(r.header.Get("Location")).To(HaveSuffix("/Users/" + id))
	g.Expect(r.body).To(Equal(map[string]any{"id": id, "schemas": []any{userSchemaURN}, "userName": "ada@bank.dk"}))
	stored := e.do(http.MethodGet, "/Users/"+id, "")
	g.Expect(stored.body).To(HaveKeyWithValue("displayName", "Ada Lovelace"))
	g.Expect(stored.body).To(HaveKeyWithValue("externalId", "ext-ada"))

	r = e.do(http.MethodPut, "/Users/"+id+"?excludedAttributes=meta,name", userBody(e.prefix, "ada@bank.dk", "ext-put"))
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	g.Expect(r.body).NotTo(HaveKey("meta"))
	g.Expect(r.body).NotTo(HaveKey("name"))
	g.Expect(r.body).To(HaveKeyWithValue("externalId", "ext-put"))
	g.Expect(r.body).To(HaveKeyWithValue("id", id))
	g.Expect(e.do(http.MethodGet, "/Users/"+id, "").body).To(HaveKey("name"), "excluded from the answer, not from the record")

	r = e.do(http.MethodPatch, "/Users/"+id+"?attributes=active,name.familyName",
		patchBody(`{"op":"replace","path":"active","value":false}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	g.Expect(r.body).To(Equal(map[string]any{"id": id, "schemas": []any{userSchemaURN}, "active": false,
		"name": map[string]any{"familyName": "Lovelace"}}))

	// A refused write answers its error unchanged.
	expectError(g, e.do(http.MethodPost, "/Users?attributes=userName", userBody(e.prefix, "ada@bank.dk", "ext-2")),
		http.StatusConflict, "uniqueness")
	expectError(g, e.do(http.MethodPatch, "/Users/"+id+"?attributes=userName",
		patchBody(`{"op":"add","path":"groups","value":[{"value":"g"}]}`)), http.StatusBadRequest, "mutability")
}

// TestAttributesRoomWithoutName: a kind that keeps no name has none to return when asked for it.
func TestAttributesRoomWithoutName(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
	id := e.create("room1")
	r := e.do(http.MethodGet, "/Users/"+id+"?attributes=name,displayName", "")
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	g.Expect(r.body).To(Equal(map[string]any{"id": id, "schemas": []any{userSchemaURN}, "displayName": "Ada Lovelace"}))
}
