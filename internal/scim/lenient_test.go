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
	"testing"

	. "github.com/onsi/gomega"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// postmanUser is shaped like the users of Microsoft's SCIMReferenceCode Postman collection: capitalised
// member names, emails of two types, name.formatted, plus addresses of three types with sub-attributes a
// record does not keep, unknown core attributes and the enterprise extension.
const postmanUser = `{
  "UserName":"UserName123","Active":true,"DisplayName":"BobIsAmazing",
  "schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:ietf:params:scim:schemas:core:2.0:User"],
  "externalId":"9a1c","nickName":"Bob","title":"Boss","userType":"Employee","preferredLanguage":"da-DK",
  "name":{"formatted":"Ryan Leenay","familyName":"Leenay","givenName":"Ryan","middleName":"M"},
  "emails":[{"Primary":true,"type":"work","value":"testing@bob.com"},{"Primary":false,"type":"home","value":"h@bob.com"}],
  "phoneNumbers":[{"type":"mobile","value":"+45 12345678"}],
  "addresses":[{"type":"work","Formatted":"Room 1","streetAddress":"Street 1","locality":"Aarhus","Primary":true},
               {"type":"home","formatted":"Home 1"},{"type":"other","formatted":"Other 1"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"Department":"bob","Manager":{"Value":"SuzzyQ"}},
  "roles":[]
}`

// TestLiberalInExactOut sends, on POST, PATCH (with and without path) and PUT, attributes a record does not
// keep: none is refused, none is stored, each is counted, and what is stored stays exact.
func TestLiberalInExactOut(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	before := ignoredCount(t, "nickName")

	r := e.do(http.MethodPost, "/Users", postmanUser)
	g.Expect(r.status).To(Equal(http.StatusCreated), "body: %s", r.raw)
	id := r.body["id"].(string)
	stored := map[string]any{
		"userName": "UserName123", "displayName": "BobIsAmazing", "active": true, "externalId": "9a1c",
		"name":      map[string]any{"givenName": "Ryan", "familyName": "Leenay"},
		"addresses": []any{map[string]any{"type": "work", "formatted": "Room 1"}},
	}
	expectStored(g, r, stored)
	expectStored(g, e.do(http.MethodGet, "/Users/"+id, ""), stored)
	g.Expect(ignoredCount(t, "nickName")).To(Equal(before + 1))
	g.Expect(ignoredCount(t, "enterprise")).To(BeNumerically(">=", 1))
	g.Expect(ignoredCount(t, "addresses[non-work]")).To(BeNumerically(">=", 2))

	// PATCH with paths: unknown core attributes, filtered emails, an address sub-attribute not kept
	// (capitalised), another address type, an enterprise attribute, next to changes that are kept.
	r = e.do(http.MethodPatch, "/Users/"+id, patchBody(`
		{"op":"Replace","path":"nickName","value":"Bobby"},
		{"op":"Add","path":"emails[type eq \"work\"].value","value":"new@bob.com"},
		{"op":"Replace","path":"addresses[type eq \"work\"].StreetAddress","value":"Street 2"},
		{"op":"Replace","path":"addresses[type eq \"work\"].Formatted","value":"Room 2"},
		{"op":"Add","path":"addresses[type eq \"home\"].formatted","value":"Home 2"},
		{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"x"},
		{"op":"Replace","path":"name.formatted","value":"R. L."},
		{"op":"Replace","path":"displayName","value":"Bob"}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	stored["displayName"] = "Bob"
	stored["addresses"] = []any{map[string]any{"type": "work", "formatted": "Room 2"}}
	expectStored(g, r, stored)

	// Path-less, Entra's SCIM-compliant shape, with keys that are not kept.
	r = e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"replace","value":{
		"nickName":"B","title":"T","name.givenName":"Bryan","name.middleName":"M",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"7",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"costCenter":"c"}}}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	stored["name"] = map[string]any{"givenName": "Bryan", "familyName": "Leenay"}
	expectStored(g, r, stored)

	// Only ignored attributes: a PATCH that changes nothing, and says so with the unchanged resource.
	r = e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"replace","path":"title","value":"x"},{"op":"remove","path":"phoneNumbers"}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	expectStored(g, r, stored)

	// PUT replaces what is stored with what the body says; what is not stored is ignored, and never
	// takes a stored value with it: name.formatted does not clear givenName, a home address does not
	// clear the work address.
	r = e.do(http.MethodPut, "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"UserName123","displayName":"Put","nickName":"n",
		"name":{"formatted":"F","givenName":"Ryan","familyName":"Leenay"},
		"addresses":[{"type":"home","formatted":"H"},{"type":"work","formatted":"Room 3","postalCode":"8000"}]}`)
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	expectStored(g, r, map[string]any{
		"userName": "UserName123", "displayName": "Put", "active": true,
		"name":      map[string]any{"givenName": "Ryan", "familyName": "Leenay"},
		"addresses": []any{map[string]any{"type": "work", "formatted": "Room 3"}},
	})

	// What no client may write stays protected.
	expectError(g, e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"add","path":"groups","value":[{"value":"g"}]}`)), 400, "mutability")
	expectError(g, e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"replace","path":"id","value":"other"}`)), 400, "invalidPath")
	expectError(g, e.do(http.MethodPatch, "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"replace","path":"displayName","value":"x"}]}`), 400, "invalidValue")
	r = e.do(http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"withid","id":"mine","meta":{"created":"2001-01-01T00:00:00Z"}}`)
	g.Expect(r.status).To(Equal(http.StatusCreated), "body: %s", r.raw)
	g.Expect(r.body["id"]).NotTo(Equal("mine"))
	g.Expect(r.body["meta"]).NotTo(HaveKeyWithValue("created", "2001-01-01T00:00:00Z"))
	g.Expect(records(t, e)).To(HaveLen(2))
}

// TestRoomIgnoresName checks that a name sent to the rooms endpoint, which keeps none, is ignored.
func TestRoomIgnoresName(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
	r := e.do(http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"room1","name":{"givenName":"R"}}`)
	g.Expect(r.status).To(Equal(http.StatusCreated), "body: %s", r.raw)
	g.Expect(r.body).NotTo(HaveKey("name"))
	r = e.do(http.MethodPatch, "/Users/"+r.body["id"].(string), patchBody(`{"op":"replace","path":"name.givenName","value":"x"}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
	g.Expect(r.body).NotTo(HaveKey("name"))
}

// TestSchemasSayWhatIsStored checks /Schemas: "User Account", and exactly the attributes a record keeps.
func TestSchemasSayWhatIsStored(t *testing.T) {
	g := NewWithT(t)
	for kind, want := range map[v1.ResourceType][]string{
		v1.ResourceTypeAdvisors: {"userName", "displayName", "name", "active", "addresses", "groups"},
		v1.ResourceTypeRooms:    {"userName", "displayName", "active", "addresses", "groups"},
	} {
		e := newApp(t, newNamespace(t), kind)
		r := e.do(http.MethodGet, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "")
		g.Expect(r.status).To(Equal(http.StatusOK), "body: %s", r.raw)
		g.Expect(r.body).To(HaveKeyWithValue("description", "User Account"))
		var names []string
		for _, a := range r.body["attributes"].([]any) {
			names = append(names, a.(map[string]any)["name"].(string))
		}
		g.Expect(names).To(ConsistOf(want), "%s", kind)
	}
}

// expectStored checks a response's user attributes against exactly what should be stored.
func expectStored(g Gomega, r response, want map[string]any) {
	g.ExpectWithOffset(1, r.status).To(BeElementOf(http.StatusOK, http.StatusCreated), "body: %s", r.raw)
	got := map[string]any{}
	for k, v := range r.body {
		switch k {
		case "id", "meta", "schemas":
		default:
			got[k] = v
		}
	}
	g.ExpectWithOffset(1, got).To(Equal(want))
}

// ignoredCount reads scim_ignored_attributes_total for an advisors attribute from the manager's registry.
func ignoredCount(t *testing.T, attribute string) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() != "scim_ignored_attributes_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == "advisors" && labels["attribute"] == attribute {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
