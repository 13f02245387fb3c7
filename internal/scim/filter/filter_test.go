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
	"errors"
	"reflect"
	"strings"
	"testing"

	scimerrors "github.com/elimity-com/scim/errors"
	. "github.com/onsi/gomega"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

var (
	adaID = "7b6c0000-0000-4000-8000-000000000001"
	ada   = model.User{UserName: "Ada.Lovelace@contoso.com", DisplayName: "Ada Lovelace", ExternalID: "6c1f",
		Active: true, GivenName: "Ada", FamilyName: "Lovelace", WorkAddress: "Room 4.12"}
)

func TestCompile(t *testing.T) {
	tests := map[string]struct {
		filter  string
		kind    *model.KindSpec
		index   Index
		key     string
		matches bool
		invalid bool
	}{
		"userName eq, other case":     {filter: `userName eq "ADA.lovelace@contoso.com"`, index: ByUserName, key: "ada.lovelace@contoso.com", matches: true},
		"userName eq, miss":           {filter: `userName eq "0f7c8e9a-5b1d-4c2e-9a77-3e1d2c4b5a69"`, index: ByUserName, key: "0f7c8e9a-5b1d-4c2e-9a77-3e1d2c4b5a69"},
		"URN-qualified userName":      {filter: `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ada.lovelace@contoso.com"`, index: ByUserName, key: "ada.lovelace@contoso.com", matches: true},
		"externalId is case-exact":    {filter: `externalId eq "6C1F"`, index: ByExternalID, key: "6C1F"},
		"externalId eq":               {filter: `externalId eq "6c1f"`, index: ByExternalID, key: "6c1f", matches: true},
		"id eq":                       {filter: `id eq "` + adaID + `"`, index: ByID, key: adaID, matches: true},
		"and prefers userName":        {filter: `externalId eq "6c1f" and userName eq "ada.lovelace@contoso.com"`, index: ByUserName, key: "ada.lovelace@contoso.com", matches: true},
		"and with a miss":             {filter: `userName eq "ada.lovelace@contoso.com" and externalId eq "x"`, index: ByUserName, key: "ada.lovelace@contoso.com"},
		"or scans":                    {filter: `userName eq "x" or externalId eq "6c1f"`, index: Scan, matches: true},
		"not scans":                   {filter: `not (userName eq "x")`, index: Scan, matches: true},
		"active eq false":             {filter: `active eq false`, index: Scan},
		"active eq true":              {filter: `active eq true`, index: Scan, matches: true},
		"active eq a string boolean":  {filter: `active eq "True"`, index: Scan, matches: true},
		"ne":                          {filter: `displayName ne "x"`, matches: true},
		"co, case-insensitive":        {filter: `displayName co "LOVE"`, matches: true},
		"sw":                          {filter: `userName sw "ada."`, matches: true},
		"ew":                          {filter: `userName ew "CONTOSO.COM"`, matches: true},
		"pr":                          {filter: `externalId pr`, matches: true},
		"name.familyName":             {filter: `name.familyName eq "lovelace"`, matches: true},
		"addresses.formatted":         {filter: `addresses.formatted eq "room 4.12"`, matches: true},
		"addresses.type":              {filter: `addresses.type eq "work"`, matches: true},
		"name on rooms":               {filter: `name.familyName eq "x"`, kind: model.RoomKind, invalid: true},
		"gt":                          {filter: `userName gt "a"`, invalid: true},
		"value path":                  {filter: `addresses[type eq "work"]`, invalid: true},
		"unknown attribute":           {filter: `emails eq "x"`, invalid: true},
		"meta":                        {filter: `meta.lastModified gt "2020-01-01T00:00:00Z"`, invalid: true},
		"other schema":                {filter: `urn:x:y:userName eq "a"`, invalid: true},
		"a number for a string":       {filter: `userName eq 1`, invalid: true},
		"a string that is no boolean": {filter: `active eq "yes"`, invalid: true},
		"co on a boolean":             {filter: `active co "t"`, invalid: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			e, err := scimfilter.ParseFilter([]byte(tc.filter))
			g.Expect(err).NotTo(HaveOccurred())
			kind := tc.kind
			if kind == nil {
				kind = model.AdvisorKind
			}
			q, err := Compile(kind, e)
			if tc.invalid {
				var scimErr scimerrors.ScimError
				g.Expect(errors.As(err, &scimErr)).To(BeTrue(), "error %v", err)
				g.Expect(scimErr.ScimType).To(Equal(scimerrors.ScimTypeInvalidFilter))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(q.Index).To(Equal(tc.index))
			g.Expect(q.Key).To(Equal(tc.key))
			g.Expect(q.Matches(adaID, ada)).To(Equal(tc.matches))
		})
	}
}

func TestAllMatchesEverything(t *testing.T) {
	g := NewWithT(t)
	g.Expect(All().Matches("", model.User{})).To(BeTrue())
	g.Expect(All().Index).To(Equal(Scan))
}

// FuzzCompile checks that any filter the parser accepts compiles to a query or an invalidFilter error,
// and that an indexed query only ever selects records the full filter would also match.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`userName eq "a"`, `userName eq "a" and externalId eq "b"`, `not (active eq false) or id pr`,
		`addresses[type eq "work" and formatted co "x"]`, `name.givenName sw "A" and userName ew "m"`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, `meta.created gt "2020"`,
	} {
		f.Add(s)
	}
	for s := range fastCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The fast path takes only what the parser accepts, and parses it to the same expression.
		fast, fastOK := ParseFast(s)
		if general, err := scimfilter.ParseFilter([]byte(strings.TrimSpace(s))); fastOK &&
			(err != nil || !reflect.DeepEqual(fast, general)) {
			t.Fatalf("%q: fast path %#v, general path %#v, %v", s, fast, general, err)
		}
		e, err := scimfilter.ParseFilter([]byte(s))
		if err != nil {
			return
		}
		q, err := Compile(model.AdvisorKind, e)
		if err != nil {
			var scimErr scimerrors.ScimError
			if !errors.As(err, &scimErr) || scimErr.ScimType != scimerrors.ScimTypeInvalidFilter {
				t.Fatalf("%q: not an invalidFilter error: %v", s, err)
			}
			return
		}
		if q.Index == ByUserName && q.Matches(adaID, ada) && q.Key != model.Fold(ada.UserName) {
			t.Fatalf("%q: matches a record outside its index key %q", s, q.Key)
		}
	})
}
