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

// storelessHandler answers a create or a replace as userHandler does, with the record it would store
// (storedRecord) and no store behind it.
type storelessHandler struct{ userHandler }

func (h storelessHandler) Create(_ *http.Request, attrs elimity.ResourceAttributes) (elimity.Resource, error) {
	u, err := model.FromAttributes(h.kind, attrs)
	return h.resource(storedRecord(u)), err
}

func (h storelessHandler) Replace(_ *http.Request, _ string, attrs elimity.ResourceAttributes) (elimity.Resource, error) {
	return h.Create(nil, attrs)
}

// storedRecord is the record a store without an API server would answer for u.
func storedRecord(u model.User) store.Record {
	at := time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
	return store.Record{ID: "2819c223-7f76-453a-919d-413861904646", User: u, Created: at, LastModified: at}
}

// answer is what a client sees of a POST or PUT.
type answer struct {
	status         int
	location, body string
}

// elimityForBodies is elimity's server for a kind, with storelessHandler behind it.
func elimityForBodies(tb testing.TB, kind *model.KindSpec, base string) elimity.Server {
	return elimityWith(tb, kind, base, storelessHandler{userHandler{kind: kind}})
}

// elimityWith is elimity's server for a kind, as the endpoint builds it, with handler behind it.
func elimityWith(tb testing.TB, kind *model.KindSpec, base string, handler elimity.ResourceHandler) elimity.Server {
	tb.Helper()
	server, err := elimity.NewServer(&elimity.ServerArgs{ServiceProviderConfig: serviceProviderConfig(200),
		ResourceTypes: []elimity.ResourceType{{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
			Schema: userSchema(kind), Handler: handler}}}, elimity.WithBaseURL(base))
	if err != nil {
		tb.Fatal(err)
	}
	return server
}

// throughElimity is how the endpoint answered a POST or PUT body before serveWrite: the body normalised
// and encoded again (left as it came when it did not decode), then elimity's validation and rendering
// (server, from elimityForBodies).
func throughElimity(tb testing.TB, server elimity.Server, kind *model.KindSpec, method, body string) answer {
	tb.Helper()
	in := []byte(body)
	if res, _, err := patch.DecodeResource(in, kind); err == nil {
		if in, err = json.Marshal(res); err != nil {
			tb.Fatal(err)
		}
	}
	path := "/Users"
	if method == http.MethodPut {
		path += "/" + storedRecord(model.User{}).ID
	}
	w := httptest.NewRecorder()
	server.ServeHTTP(w, httptest.NewRequest(method, path, bytes.NewReader(in)))
	return answer{w.Code, w.Header().Get("Location"), w.Body.String()}
}

// besideElimity is how serveWrite answers the same body, validated against the schema given (bodySchema),
// with storedRecord for the store's answer.
func besideElimity(tb testing.TB, kind *model.KindSpec, against schema.Schema, method, base, body string) answer {
	tb.Helper()
	u, _, err := acceptResource(kind, against, []byte(body))
	if err != nil {
		w := httptest.NewRecorder()
		writeError(w, checkError(err, method))
		return answer{w.Code, w.Header().Get("Location"), w.Body.String()}
	}
	rec := storedRecord(u)
	out, err := renderBody(kind, rec, base, projection{})
	if err != nil {
		tb.Fatal(err)
	}
	a := answer{status: http.StatusOK, body: string(out)}
	if method == http.MethodPost {
		a.status, a.location = http.StatusCreated, resourceLocation(base, rec.ID)
	}
	return a
}

// TestBodiesAcceptedLikeElimity holds serveWrite's handling of POST and PUT bodies to elimity-com/scim's,
// which it replaced: for each body, status, Location and response body must be the same, byte for byte,
// whether the body is accepted or refused.
func TestBodiesAcceptedLikeElimity(t *testing.T) {
	bodies := map[string]string{
		"Entra's create": entraCreateBody,
		"Entra's create, string active": `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"e","userName":"u@bank.dk",` +
			`"active":"False","displayName":"U","name":{"givenName":"G","familyName":"F"},"addresses":[{"type":"work","formatted":"R"}]}`,
		"only a userName":        `{"userName":"u"}`,
		"capitalised attributes": `{"UserName":"u","DisplayName":"D","Name":{"GivenName":"G","FamilyName":"F"},"Addresses":[{"Type":"work","Formatted":"R"}]}`,
		"what is not stored": `{"userName":"u","nickName":"n","emails":[{"value":"a@b","type":"work"}],"name":{"formatted":"F","givenName":"G"},` +
			`"addresses":[{"type":"home","formatted":"H"},{"type":"work","formatted":"W","streetAddress":"S"}],` +
			`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"7"},"urn:x:custom":{"a":1}}`,
		"id and meta sent along": `{"id":"client-chosen","meta":{"resourceType":"User","created":"2020-01-01T00:00:00Z"},"userName":"u"}`,
		"nulls":                  `{"userName":"u","displayName":null,"name":null,"addresses":null,"active":null,"externalId":null}`,
		"unicode":                `{"userName":"Åse.Østergård@bank.dk","displayName":"Åse \u00d8stergård <&>","name":{"familyName":"Østergård"}}`,
		"no userName":            `{"displayName":"D"}`,
		"empty userName":         `{"userName":""}`,
		"userName a number":      `{"userName":12}`,
		"active not a boolean":   `{"userName":"u","active":"no"}`,
		"active a number":        `{"userName":"u","active":1}`,
		"name a string":          `{"userName":"u","name":"G F"}`,
		"givenName a number":     `{"userName":"u","name":{"givenName":1}}`,
		"addresses an object":    `{"userName":"u","addresses":{"type":"work","formatted":"R"}}`,
		"two work addresses":     `{"userName":"u","addresses":[{"type":"work","formatted":"A"},{"type":"work","formatted":"B"}]}`,
		"externalId a number":    `{"userName":"u","externalId":5}`,
		"not JSON":               `{"userName":`,
		"an array":               `[{"userName":"u"}]`,
		"a string":               `"u"`,
		"empty":                  ``,
	}
	const base = "https://api.booking.andmoney.dk/x/scim"
	for _, kind := range []*model.KindSpec{model.AdvisorKind, model.RoomKind} {
		server, against := elimityForBodies(t, kind, base), bodySchema(kind)
		for _, method := range []string{http.MethodPost, http.MethodPut} {
			for name, body := range bodies {
				t.Run(kind.String()+"/"+method+"/"+name, func(t *testing.T) {
					want := throughElimity(t, server, kind, method, body)
					got := besideElimity(t, kind, against, method, base, body)
					if got != want {
						t.Errorf("answered unlike elimity:\n got %+v\nwant %+v", got, want)
					}
				})
			}
		}
	}
}

// TestBodiesThatAreNotOneObject: a body that decodes as more than one JSON value, or as null, is refused
// as invalidSyntax. elimity read only the first value and ignored the rest.
func TestBodiesThatAreNotOneObject(t *testing.T) {
	for _, body := range []string{`null`, `{"userName":"a"}{"userName":"b"}`, `{"userName":"a"} x`, `{"userName":"a"}}`} {
		got := besideElimity(t, model.AdvisorKind, bodySchema(model.AdvisorKind), http.MethodPost, "", body)
		if got.status != http.StatusBadRequest || !bytes.Contains([]byte(got.body), []byte(`"scimType":"invalidSyntax"`)) {
			t.Errorf("%s: got %+v, want 400 invalidSyntax", body, got)
		}
	}
}
