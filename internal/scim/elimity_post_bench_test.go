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
	"net/http"
	"testing"

	"github.com/andmoney/scim-operator/internal/scim/model"
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
	server, against := elimityForBodies(b, kind, base), bodySchema(kind)
	for name, answer := range map[string]func() answer{
		"through elimity": func() answer { return throughElimity(b, server, kind, http.MethodPost, entraCreateBody) },
		"beside elimity":  func() answer { return besideElimity(b, kind, against, http.MethodPost, base, entraCreateBody) },
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if a := answer(); a.status != http.StatusCreated {
					b.Fatal(a.status, a.body)
				}
			}
		})
	}
}
