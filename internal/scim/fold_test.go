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

// TestFoldedUserNames checks, end to end, that the filter finds exactly the userNames uniqueness refuses:
// a userName with the Kelvin sign, a final sigma or a decomposed å is the same as its folded spelling.
func TestFoldedUserNames(t *testing.T) {
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	for stored, other := range map[string]string{
		"\u212Aim@contoso.com":  "KIM@contoso.com",
		"οδυσσευς@contoso.com":  "ΟΔΥΣΣΕΥΣ@contoso.com",
		"a\u030Asa@contoso.com": "ÅSA@contoso.com",
	} {
		g := NewWithT(t)
		id := e.create(stored)
		r := e.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "`+other+`"`), "")
		g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
		g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeNumerically("==", 1)), "filter for %q finds %q", other, stored)
		g.Expect(r.body["Resources"].([]any)[0]).To(HaveKeyWithValue("id", id))
		r = e.do(http.MethodPost, "/Users", userBody(e.prefix, other, "ext-"+other))
		expectError(g, r, http.StatusConflict, "uniqueness")
	}
	g := NewWithT(t)
	// Simple folding only: ß and ss are different userNames.
	e.create("straße@contoso.com")
	e.create("strasse@contoso.com")
	g.Expect(records(t, e)).To(HaveLen(5))
}
