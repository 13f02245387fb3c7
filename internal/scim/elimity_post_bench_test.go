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

package scim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	elimity "github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/patch"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// entraCreateBody is the body of Entra's POST /Users for an advisor, as hack/scimload sends it.
const entraCreateBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"ext-000001","userName":"user1@contoso.com","active":true,"displayName":"User 1",
"name":{"givenName":"Given","familyName":"Family 1"},"addresses":[{"type":"work","formatted":"Room 1"}],
"meta":{"resourceType":"User"},"roles":[]}`

// storelessHandler answers a create as userHandler does, without a store.
type storelessHandler struct{ userHandler }

func (h storelessHandler) Create(_ *http.Request, attrs elimity.ResourceAttributes) (elimity.Resource, error) {
	u, err := model.FromAttributes(h.kind, attrs)
	now := time.Now()
	return h.resource(store.Record{ID: "2819c223-7f76-453a-919d-413861904646", User: u, Created: now, LastModified: now}), err
}

// BenchmarkCreateBody sizes what a POST costs the endpoint's own CPU besides the API-server write: the
// body's normalisation, and elimity's validation and rendering. "schema built once" does what elimity
// does (decode, validate against the schema with externalId, render, Location) with the schema built once
// and the record rendered as GET renders it, which is what answering POST beside elimity could save
// (docs/benchmarks.md, fifth pass).
func BenchmarkCreateBody(b *testing.B) {
	kind := model.AdvisorKind
	body, _ := patch.NormalizeResource([]byte(entraCreateBody), kind)
	handler := storelessHandler{userHandler{kind: kind}}
	server, err := elimity.NewServer(&elimity.ServerArgs{ServiceProviderConfig: serviceProviderConfig(200),
		ResourceTypes: []elimity.ResourceType{{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
			Schema: userSchema(kind), Handler: handler}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("normalise", func(b *testing.B) {
		for b.Loop() {
			patch.NormalizeResource([]byte(entraCreateBody), kind)
		}
	})
	b.Run("elimity", func(b *testing.B) {
		for b.Loop() {
			w := httptest.NewRecorder()
			server.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/Users", bytes.NewReader(body)))
			if w.Code != http.StatusCreated {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
	// elimity's ResourceType.schemaWithCommon, which it rebuilds on every request.
	withExternalID := userSchema(kind)
	withExternalID.Attributes = append(withExternalID.Attributes, schema.SimpleCoreAttribute(
		schema.SimpleStringParams(schema.StringParams{CaseExact: true, Mutability: schema.AttributeMutabilityReadWrite(),
			Name: schema.CommonAttributeExternalID, Uniqueness: schema.AttributeUniquenessNone()})))
	b.Run("schema built once", func(b *testing.B) {
		for b.Loop() {
			w := httptest.NewRecorder()
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				b.Fatal(err)
			}
			attrs, scimErr := withExternalID.Validate(m)
			if scimErr != nil {
				b.Fatal(scimErr)
			}
			u, err := model.FromAttributes(kind, attrs)
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			rec := store.Record{ID: "2819c223-7f76-453a-919d-413861904646", User: u, Created: now, LastModified: now}
			out, err := json.Marshal(renderUser(kind, rec, "https://api.booking.andmoney.dk/advisors/scim"))
			if err != nil {
				b.Fatal(err)
			}
			w.Header().Set("Location", resourceLocation("https://api.booking.andmoney.dk/advisors/scim", rec.ID))
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(out)
		}
	})
}
