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

// TestFastFilterAnswersAsElimity sends each of Entra's lookups twice: as is, which the fast path serves,
// and with a second blank after the attribute name, which the fast path leaves to elimity (its parser
// takes the blank and yields the same expression). Status, media type and body must be the same, byte
// for byte, paging and errors included.
func TestFastFilterAnswersAsElimity(t *testing.T) {
	for _, rt := range []v1.ResourceType{v1.ResourceTypeAdvisors, v1.ResourceTypeRooms} {
		t.Run(string(rt), func(t *testing.T) {
			e := newApp(t, newNamespace(t), rt)
			adaID := e.create("Ada.Lovelace@contoso.com")
			e.create("Grace.Hopper@contoso.com")
			filters := []string{
				`userName eq "ADA.LOVELACE@contoso.com"`,
				`userName eq "nobody@contoso.com"`,
				`USERNAME eq "grace.hopper@contoso.com"`,
				`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ada.lovelace@contoso.com"`,
				`externalId eq "ext-Ada.Lovelace@contoso.com"`,
				`externalId eq "EXT-ADA.LOVELACE@CONTOSO.COM"`,
				`id eq "` + adaID + `"`,
				`userName eq "ada.lovelace@contoso.com" and externalId eq "ext-Ada.Lovelace@contoso.com"`,
				`userName eq "ada.lovelace@contoso.com" and id eq "nope"`,
			}
			paging := []string{"", "&count=0", "&count=1&startIndex=2", "&startIndex=5", "&count=abc", "&startIndex=-3&count=200"}
			for _, f := range filters {
				slow := strings.Replace(f, " eq ", "  eq ", 1)
				for _, p := range paging {
					t.Run(f+p, func(t *testing.T) {
						g := NewWithT(t)
						fast := e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(f)+p, "")
						general := e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(slow)+p, "")
						g.Expect(fast.status).To(Equal(general.status))
						g.Expect(fast.header.Get("Content-Type")).To(Equal(general.header.Get("Content-Type")))
						g.Expect(string(fast.raw)).To(Equal(string(general.raw)))
					})
				}
			}
		})
	}
}

// TestFastFilterFindsTheRecord checks the fast path's answers themselves, on both kinds.
func TestFastFilterFindsTheRecord(t *testing.T) {
	for _, rt := range []v1.ResourceType{v1.ResourceTypeAdvisors, v1.ResourceTypeRooms} {
		t.Run(string(rt), func(t *testing.T) {
			g := NewWithT(t)
			e := newApp(t, newNamespace(t), rt)
			id := e.create("Ada.Lovelace@contoso.com")
			for f, total := range map[string]int{
				`userName eq "ADA.LOVELACE@CONTOSO.COM"`:         1,
				`userName+eq+"ada.lovelace@contoso.com"`:         1,
				`externalId eq "ext-Ada.Lovelace@contoso.com"`:   1,
				`externalId eq "EXT-Ada.Lovelace@contoso.com"`:   0,
				`id eq "` + id + `"`:                             1,
				`id eq "` + strings.ToUpper(id) + `"`:            0,
				`userName eq "x" and id eq "` + id + `"`:         0,
				`userName eq "0f7c8e9a-5b1d-4c2e-9a77-3e1d2c4b"`: 0,
			} {
				q := url.QueryEscape(f)
				if strings.Contains(f, "+") {
					q = f
				}
				r := e.do(http.MethodGet, "/Users?filter="+q, "")
				g.Expect(r.status).To(Equal(http.StatusOK), "%s: %s", f, r.raw)
				g.Expect(r.header.Get("Content-Type")).To(HavePrefix("application/scim+json"))
				g.Expect(r.body).To(HaveKeyWithValue("schemas", ConsistOf("urn:ietf:params:scim:api:messages:2.0:ListResponse")), f)
				g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(total)), f)
				g.Expect(r.body).To(HaveKeyWithValue("itemsPerPage", BeEquivalentTo(total)), f)
				g.Expect(r.body).To(HaveKeyWithValue("startIndex", BeEquivalentTo(1)), f)
				g.Expect(r.body).To(HaveKeyWithValue("Resources", HaveLen(total)), f)
				if total == 1 {
					g.Expect(r.body["Resources"].([]any)[0]).To(HaveKeyWithValue("id", id), f)
				}
			}
		})
	}
}
