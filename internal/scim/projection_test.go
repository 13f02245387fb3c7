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
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// fullResource is an Advisor with every stored attribute, as the endpoint renders it without a
// projection, decoded as a client reads it.
func fullResource(t *testing.T) map[string]any {
	t.Helper()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := store.Record{ID: "id-1", Created: at, LastModified: at, User: model.User{
		UserName: "anna@bank.dk", DisplayName: "Anna Jensen", ExternalID: "e-1", Active: true,
		GivenName: "Anna", FamilyName: "Jensen", WorkAddress: "Hellerup"}}
	return decodeJSON(t, mustMarshal(t, renderUser(model.AdvisorKind, rec, "https://h/advisors/scim")))
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

// TestProjection is RFC 7644 §3.9 on one resource: which attributes each query leaves.
func TestProjection(t *testing.T) {
	full := fullResource(t)
	minimal := map[string]any{"id": full["id"], "schemas": full["schemas"]}
	with := func(base map[string]any, kv ...any) map[string]any {
		out := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	without := func(keys ...string) map[string]any {
		out := maps.Clone(full)
		for _, k := range keys {
			delete(out, k)
		}
		return out
	}
	meta := full["meta"].(map[string]any)
	for _, tc := range []struct {
		name  string
		query string
		want  map[string]any
	}{
		{"no parameter: the default representation", "", full},
		{"other parameters only", "filter=userName+eq+%22x%22&count=5", full},
		{"empty attributes: as if absent", "attributes=", full},
		{"attributes made of commas and blanks: as if absent", "attributes=,%20,", full},

		{"attributes: minimum set plus the one asked for", "attributes=userName", with(minimal, "userName", "anna@bank.dk")},
		{"attribute names are case-insensitive", "attributes=USERNAME", with(minimal, "userName", "anna@bank.dk")},
		{"qualified by the core User URN", "attributes=urn:ietf:params:scim:schemas:core:2.0:User:userName",
			with(minimal, "userName", "anna@bank.dk")},
		{"the URN is case-insensitive too", "attributes=URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:displayname",
			with(minimal, "displayName", "Anna Jensen")},
		{"comma-separated, with blanks", "attributes=userName,%20active%20,,externalId",
			with(minimal, "userName", "anna@bank.dk", "active", true, "externalId", "e-1")},
		{"repeated parameter", "attributes=userName&attributes=active",
			with(minimal, "userName", "anna@bank.dk", "active", true)},
		{"a complex attribute whole", "attributes=name", with(minimal, "name", full["name"])},
		{"a sub-attribute", "attributes=name.givenName", with(minimal, "name", map[string]any{"givenName": "Anna"})},
		{"a sub-attribute, qualified and in other case", "attributes=urn:ietf:params:scim:schemas:core:2.0:User:NAME.FAMILYNAME",
			with(minimal, "name", map[string]any{"familyName": "Jensen"})},
		{"two sub-attributes of one attribute", "attributes=name.givenName,name.familyName", with(minimal, "name", full["name"])},
		{"the whole attribute wins over one of its sub-attributes", "attributes=name.givenName,name",
			with(minimal, "name", full["name"])},
		{"a sub-attribute of a multi-valued attribute", "attributes=addresses.formatted",
			with(minimal, "addresses", []any{map[string]any{"formatted": "Hellerup"}})},
		{"a sub-attribute the value lacks: no empty complex", "attributes=name.middleName", minimal},
		{"meta only when asked for", "attributes=meta", with(minimal, "meta", meta)},
		{"a sub-attribute of meta", "attributes=meta.location", with(minimal, "meta", map[string]any{"location": meta["location"]})},
		{"id and schemas asked for: the minimum set", "attributes=id,schemas", minimal},
		{"unknown name ignored", "attributes=nickName", minimal},
		{"unknown next to known", "attributes=emails,userName", with(minimal, "userName", "anna@bank.dk")},
		{"a value filter is no attribute name", "attributes=" + url.QueryEscape(`emails[type eq "work"]`), minimal},
		{"a sub-attribute of a simple attribute selects nothing", "attributes=userName.value", minimal},
		{"another schema's attribute selects nothing", "attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", minimal},
		{"another schema's attribute next to a core one", "attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value,userName",
			with(minimal, "userName", "anna@bank.dk")},
		{"percent-encoded parameter name", "%61ttributes=userName", with(minimal, "userName", "anna@bank.dk")},

		{"excludedAttributes: the default set less those named", "excludedAttributes=meta,externalId", without("meta", "externalId")},
		{"excluded names are case-insensitive", "excludedAttributes=DISPLAYNAME", without("displayName")},
		{"excluded, qualified by the core User URN", "excludedAttributes=urn:ietf:params:scim:schemas:core:2.0:User:active", without("active")},
		{"id and schemas are never excluded", "excludedAttributes=id,schemas", full},
		{"an excluded sub-attribute", "excludedAttributes=name.givenName",
			with(full, "name", map[string]any{"familyName": "Jensen"})},
		{"every sub-attribute excluded: no empty complex", "excludedAttributes=name.givenName,name.familyName", without("name")},
		{"an excluded sub-attribute of a multi-valued attribute", "excludedAttributes=addresses.formatted",
			with(full, "addresses", []any{map[string]any{"type": "work"}})},
		{"an excluded sub-attribute of meta", "excludedAttributes=meta.created,meta.lastModified",
			with(full, "meta", map[string]any{"resourceType": "User", "location": meta["location"]})},
		{"excluded unknown name ignored", "excludedAttributes=nickName", full},
		{"excluded sub-attribute of a simple attribute: nothing removed", "excludedAttributes=userName.value", full},
		{"excluded other schema's attribute: nothing removed", "excludedAttributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", full},
		{"empty attributes next to excludedAttributes: not both", "attributes=&excludedAttributes=meta", without("meta")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &url.URL{RawQuery: tc.query}
			p, scimErr := requestProjection(opGet, u)
			if scimErr != nil {
				t.Fatalf("requestProjection: %v", scimErr)
			}
			in := maps.Clone(full)
			got := p.apply(in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s:\n got %v\nwant %v", tc.query, got, tc.want)
			}
			if !reflect.DeepEqual(in, full) {
				t.Errorf("apply changed its input: %v", in)
			}
		})
	}
}

// TestProjectionInactive: a request that names no attribute takes the default path, where no projection
// step runs at all.
func TestProjectionInactive(t *testing.T) {
	for _, query := range []string{"", "filter=userName+eq+%22x%22", "attributes=", "attributes=,%20&excludedAttributes="} {
		if p, scimErr := requestProjection(opList, &url.URL{RawQuery: query}); scimErr != nil || p.active() {
			t.Errorf("%q: got %v, %v; want the default representation", query, p, scimErr)
		}
	}
	if p, _ := requestProjection(opList, &url.URL{RawQuery: "excludedAttributes=nickName"}); !p.active() {
		t.Error("excludedAttributes=nickName: not active")
	}
}

// TestProjectionBothParameters: RFC 7644 §3.9 calls the two parameters mutually exclusive, so a request
// naming attributes in both is a 400 invalidValue, whatever the names.
func TestProjectionBothParameters(t *testing.T) {
	for _, query := range []string{
		"attributes=userName&excludedAttributes=meta",
		"excludedAttributes=nickName&attributes=nickName",
		"attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department&excludedAttributes=x",
	} {
		_, scimErr := requestProjection(opList, &url.URL{RawQuery: query})
		if scimErr == nil || scimErr.Status != http.StatusBadRequest || scimErr.ScimType != scimerrors.ScimTypeInvalidValue {
			t.Errorf("%s: got %v, want 400 invalidValue", query, scimErr)
		}
	}
}

// TestProjectionOnlyForUserResponses: DELETE, discovery and /Groups answer no User resource; their
// answers stay whole and the parameters cannot make them fail.
func TestProjectionOnlyForUserResponses(t *testing.T) {
	u := &url.URL{RawQuery: "attributes=userName&excludedAttributes=meta"}
	for _, op := range []string{opDelete, opDiscovery, opGroups, opUnknown} {
		if p, scimErr := requestProjection(op, u); scimErr != nil || p.active() {
			t.Errorf("%s: got %v, %v; want the default representation", op, p, scimErr)
		}
	}
	for _, op := range []string{opList, opGet, opCreate, opReplace, opPatch} {
		if _, scimErr := requestProjection(op, u); scimErr == nil {
			t.Errorf("%s: both parameters were not refused", op)
		}
	}
}

// TestHasProjectionParamsAllocatesNothing: the list and GET paths read the query for the parameters on
// every request, so Entra's queries, which never carry them, must not allocate for it.
func TestHasProjectionParamsAllocatesNothing(t *testing.T) {
	for _, query := range []string{
		"",
		"filter=userName+eq+%22anna%40bank.dk%22",
		"filter=externalId%20eq%20%22e-1%22&startIndex=1&count=100",
		"aadOptscim062020",
	} {
		if hasProjectionParams(query) {
			t.Errorf("%q: found a parameter that is not there", query)
		}
		if n := testing.AllocsPerRun(100, func() { _ = hasProjectionParams(query) }); n != 0 {
			t.Errorf("%q: %v allocations per call, want 0", query, n)
		}
	}
	for _, query := range []string{
		"attributes=userName", "count=1&excludedAttributes=meta", "excluded%41ttributes=meta", "attributes",
	} {
		if !hasProjectionParams(query) {
			t.Errorf("%q: parameter not found", query)
		}
	}
	// Only the exact parameter names, as for filter and count.
	for _, query := range []string{"Attributes=userName", "attribute=userName", "filter=attributes"} {
		if hasProjectionParams(query) {
			t.Errorf("%q: taken for a projection parameter", query)
		}
	}
}

// TestProjectingWriter: what elimity answers to a write is projected only when it is a User resource
// sent with success; its status and headers pass unchanged.
func TestProjectingWriter(t *testing.T) {
	proj, _ := parseProjection(url.Values{"attributes": {"userName"}})
	resource := string(mustMarshal(t, fullResource(t)))
	errorBody := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"x","status":"409"}`
	for _, tc := range []struct {
		name     string
		status   int // 0: Write without WriteHeader, as an implicit 200
		body     string
		wantBody string
	}{
		{"201 from POST", http.StatusCreated, resource, `{"id":"id-1","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"anna@bank.dk"}`},
		{"implicit 200 from PUT", 0, resource, `{"id":"id-1","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"anna@bank.dk"}`},
		{"an error passes unchanged", http.StatusConflict, errorBody, errorBody},
		{"a 200 that is no User resource passes unchanged", http.StatusOK, `{"schemas":["x"],"a":1}`, `{"schemas":["x"],"a":1}`},
		{"a 204 without body", http.StatusNoContent, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			w := &projectingWriter{ResponseWriter: rec, proj: proj}
			w.Header().Set("Location", "https://h/advisors/scim/Users/id-1")
			if tc.status != 0 {
				w.WriteHeader(tc.status)
			}
			if tc.body != "" {
				_, _ = w.Write([]byte(tc.body))
			}
			if rec.Body.Len() != 0 {
				t.Fatalf("written before finish: %s", rec.Body)
			}
			w.finish()
			wantStatus := tc.status
			if wantStatus == 0 {
				wantStatus = http.StatusOK
			}
			if rec.Code != wantStatus || rec.Body.String() != tc.wantBody {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, wantStatus, tc.wantBody)
			}
			if rec.Header().Get("Location") == "" {
				t.Error("header lost")
			}
		})
	}
}
