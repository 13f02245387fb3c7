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

package filter

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// fastCases are the filters of the fast path's table: ok says whether it takes them.
var fastCases = map[string]bool{
	`userName eq "Ada.Lovelace@contoso.com"`:                 true,
	`userName+eq+"x"`:                                        false, // Not decoded: the caller's job.
	`  userName eq "0f7c8e9a-5b1d-4c2e-9a77-3e1d2c4b5a69"  `: true,
	`USERNAME EQ "a"`:                                        true,
	`externalId eq "6c1f2a9e"`:                               true,
	`externalid eq "6C1F"`:                                   true,
	`id eq "7b6c0000-0000-4000-8000-000000000001"`:           true,
	`Id eq ""`: true,
	`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`:                       true,
	`urn:ietf:params:scim:schemas:core:2.0:User:externalId eq "x"`:                     true,
	`URN:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`:                       false, // elimity compares the URN case-sensitively.
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"`: false,
	`userName eq "a" and externalId eq "b"`:                                            true,
	`userName eq "a" AND externalId eq "b" and id eq "c"`:                              true,
	`userName eq "a b and c"`:                                                          true,
	`userName eq "Zoë"`:                                                                true,
	`userName eq "a" or externalId eq "b"`:                                             false,
	`userName eq "a" and`:                                                              false,
	`userName eq "a"and externalId eq "b"`:                                             false,
	`userName  eq "a"`:                                                                 false, // The general parser's business.
	`userName eq  "a"`:                                                                 false,
	`(userName eq "a")`:                                                                false,
	`not (userName eq "a")`:                                                            false,
	`userName ne "a"`:                                                                  false,
	`userName sw "a"`:                                                                  false,
	`userName eq a`:                                                                    false,
	`userName eq "a`:                                                                   false,
	`userName eq "a"x`:                                                                 false,
	`userName eq "a\"b"`:                                                               false,
	`userName eq "a\\b"`:                                                               false,
	"userName eq \"a\tb\"":                                                             false,
	"userName eq \"\xff\"":                                                             false,
	`userName eq 1`:                                                                    false,
	`userName eq true`:                                                                 false,
	`userName pr`:                                                                      false,
	`displayName eq "a"`:                                                               false,
	`name.givenName eq "a"`:                                                            false,
	`userName.x eq "a"`:                                                                false,
	`emails[value eq "a"]`:                                                             false,
	``:                                                                                 false,
}

func TestParseFast(t *testing.T) {
	for s, ok := range fastCases {
		t.Run(s, func(t *testing.T) {
			g := NewWithT(t)
			e, got := ParseFast(s)
			g.Expect(got).To(Equal(ok))
			if !ok {
				g.Expect(e).To(BeNil())
				return
			}
			// The general parser's expression, exactly, and therefore the same query.
			want, err := scimfilter.ParseFilter([]byte(strings.TrimSpace(s)))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(e).To(Equal(want))
			qFast, err := Compile(model.AdvisorKind, e)
			g.Expect(err).NotTo(HaveOccurred())
			qGeneral, err := Compile(model.AdvisorKind, want)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(qFast.Index).To(Equal(qGeneral.Index))
			g.Expect(qFast.Key).To(Equal(qGeneral.Key))
			g.Expect(qFast.Matches(adaID, ada)).To(Equal(qGeneral.Matches(adaID, ada)))
		})
	}
}

func TestParseFastMatches(t *testing.T) {
	g := NewWithT(t)
	e, ok := ParseFast(`urn:ietf:params:scim:schemas:core:2.0:User:USERNAME eq "ADA.lovelace@contoso.com" and externalId eq "6c1f"`)
	g.Expect(ok).To(BeTrue())
	q, err := Compile(model.AdvisorKind, e)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(q.Index).To(Equal(ByUserName))
	g.Expect(q.Key).To(Equal("ada.lovelace@contoso.com"))
	g.Expect(q.Matches(adaID, ada)).To(BeTrue())
	e, ok = ParseFast(`userName eq "ada.lovelace@contoso.com" and externalId eq "6C1F"`)
	g.Expect(ok).To(BeTrue())
	q, err = Compile(model.AdvisorKind, e)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(q.Matches(adaID, ada)).To(BeFalse(), "externalId is case-exact")
}
