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
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	elimity "github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// TestRenderedLikeElimity holds renderUser (and so GET by id and every listed resource) to what
// elimity-com/scim itself answers for the same record, byte for byte: elimity is run with a handler that
// returns the record, as the general path does.
func TestRenderedLikeElimity(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	full := model.User{UserName: "Anna.Jensen@bank.dk", DisplayName: "Anna <Jensen> & Co", ExternalID: "e-1",
		Active: true, GivenName: "Anna", FamilyName: "Jensen", WorkAddress: "Hellerup, 2. sal"}
	for _, tc := range []struct {
		name string
		kind *model.KindSpec
		rec  store.Record
		base string
	}{
		{"advisor with every attribute", model.AdvisorKind, store.Record{ID: "6f0e2a5c-1b7d-4c8e-9f3a-2d4b6c8e0a1f", User: full}, "https://api.booking.andmoney.dk/advisors/scim"},
		{"room: no name", model.RoomKind, store.Record{ID: "r1", User: full}, "https://api.booking.andmoney.dk/rooms/scim"},
		{"only a userName, inactive", model.AdvisorKind, store.Record{ID: "x", User: model.User{UserName: "u@bank.dk"}}, ""},
		{"only a family name", model.AdvisorKind, store.Record{ID: "y", User: model.User{UserName: "u", FamilyName: "Æblø"}}, "http://host:8080/advisors/scim?aadOptscim062020"},
		{"id needing escapes", model.AdvisorKind, store.Record{ID: "a b/c", User: model.User{UserName: "u", Active: true}}, "http://host/advisors/scim"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tc.rec
			rec.Created, rec.LastModified = created, created.Add(time.Hour)
			want := elimityRendering(t, tc.kind, rec, tc.base)
			got, err := json.Marshal(renderUser(tc.kind, rec, tc.base))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("renderUser differs from elimity:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// elimityRendering is elimity's GET /Users/{id} body for a record.
func elimityRendering(t *testing.T, kind *model.KindSpec, rec store.Record, base string) string {
	t.Helper()
	h := userHandler{kind: kind}
	server, err := elimity.NewServer(&elimity.ServerArgs{
		ServiceProviderConfig: &elimity.ServiceProviderConfig{},
		ResourceTypes: []elimity.ResourceType{{
			ID: optional.NewString("User"), Name: "User", Endpoint: "/Users", Schema: userSchema(kind),
			Handler: fixedHandler{ResourceHandler: h, res: h.resource(rec)},
		}},
	}, elimity.WithBaseURL(base))
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	server.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/Users/"+url.PathEscape(rec.ID), nil))
	body, _ := io.ReadAll(w.Result().Body)
	if w.Code != http.StatusOK {
		t.Fatalf("elimity answered %d: %s", w.Code, body)
	}
	return string(body)
}

// fixedHandler answers every GET with one resource.
type fixedHandler struct {
	elimity.ResourceHandler
	res elimity.Resource
}

func (f fixedHandler) Get(*http.Request, string) (elimity.Resource, error) { return f.res, nil }
