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

	elimity "github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/patch"
)

// entraCreateBody is the body of Entra's POST /Users for an advisor, as hack/scimload sends it.
const entraCreateBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"ext-000001","userName":"user1@contoso.com","active":true,"displayName":"User 1",
"name":{"givenName":"Given","familyName":"Family 1"},"addresses":[{"type":"work","formatted":"Room 1"}],
"meta":{"resourceType":"User"},"roles":[]}`

// BenchmarkCreateBody compares what a POST costs the endpoint's own CPU besides the API-server write,
// through elimity (the body decoded and normalised, encoded again, then elimity's decoding, validation
// against a schema it builds again, and rendering through a map) and beside it, as serveWrite answers it
// (decoded once, validated against the schema built once, rendered as GET renders it). See
// docs/benchmarks.md, sixth pass.
func BenchmarkCreateBody(b *testing.B) {
	const base = "https://api.booking.andmoney.dk/advisors/scim"
	kind := model.AdvisorKind
	handler := storelessHandler{userHandler{kind: kind}}
	server, err := elimity.NewServer(&elimity.ServerArgs{ServiceProviderConfig: serviceProviderConfig(200),
		ResourceTypes: []elimity.ResourceType{{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
			Schema: userSchema(kind), Handler: handler}}}, elimity.WithBaseURL(base))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("through elimity", func(b *testing.B) {
		for b.Loop() {
			res, _, err := patch.DecodeResource([]byte(entraCreateBody), kind)
			if err != nil {
				b.Fatal(err)
			}
			body, err := json.Marshal(res)
			if err != nil {
				b.Fatal(err)
			}
			w := httptest.NewRecorder()
			server.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/Users", bytes.NewReader(body)))
			if w.Code != http.StatusCreated {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
	sch := bodySchema(kind)
	b.Run("beside elimity", func(b *testing.B) {
		for b.Loop() {
			u, _, err := acceptResource(kind, sch, []byte(entraCreateBody))
			if err != nil {
				b.Fatal(err)
			}
			w := httptest.NewRecorder()
			rec := storedRecord(u)
			out, err := json.Marshal(renderUser(kind, rec, base))
			if err != nil {
				b.Fatal(err)
			}
			w.Header().Set("Location", resourceLocation(base, rec.ID))
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(out)
		}
	})
}
