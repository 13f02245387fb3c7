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

package model

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	scimerrors "github.com/elimity-com/scim/errors"
	. "github.com/onsi/gomega"
	"golang.org/x/text/unicode/norm"
)

func TestFromAttributes(t *testing.T) {
	tests := map[string]struct {
		kind     *KindSpec
		attrs    map[string]any
		want     User
		scimType scimerrors.ScimType
	}{
		"Entra's create": {
			kind: AdvisorKind,
			attrs: map[string]any{"userName": "ada@c", "displayName": "Ada", "externalId": "e", "active": false,
				"name":      map[string]any{"givenName": "Ada", "familyName": "L"},
				"addresses": []any{map[string]any{"type": "work", "formatted": "R"}}},
			want: User{UserName: "ada@c", DisplayName: "Ada", ExternalID: "e", GivenName: "Ada", FamilyName: "L", WorkAddress: "R"},
		},
		"active defaults to true": {kind: RoomKind, attrs: map[string]any{"userName": "r"}, want: User{UserName: "r", Active: true}},
		"an untyped address is the work address": {
			kind: RoomKind, attrs: map[string]any{"userName": "r", "addresses": map[string]any{"formatted": "R"}},
			want: User{UserName: "r", Active: true, WorkAddress: "R"},
		},
		"no userName": {kind: RoomKind, attrs: map[string]any{}, scimType: scimerrors.ScimTypeInvalidValue},
		"a home address is ignored": {
			kind:  RoomKind,
			attrs: map[string]any{"userName": "r", "addresses": []any{map[string]any{"type": "home", "formatted": "H"}, map[string]any{"type": "work", "formatted": "W"}}},
			want:  User{UserName: "r", Active: true, WorkAddress: "W"},
		},
		"a name on a room is ignored": {kind: RoomKind, attrs: map[string]any{"userName": "r", "name": map[string]any{"givenName": "x"}}, want: User{UserName: "r", Active: true}},
		"too long":                    {kind: RoomKind, attrs: map[string]any{"userName": strings.Repeat("u", 257)}, scimType: scimerrors.ScimTypeInvalidValue},
		"a non-string":                {kind: RoomKind, attrs: map[string]any{"userName": 1}, scimType: scimerrors.ScimTypeInvalidValue},
		"a non-boolean active":        {kind: RoomKind, attrs: map[string]any{"userName": "r", "active": "x"}, scimType: scimerrors.ScimTypeInvalidValue},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := FromAttributes(tc.kind, tc.attrs)
			if tc.scimType != "" {
				var scimErr scimerrors.ScimError
				g.Expect(errors.As(err, &scimErr)).To(BeTrue(), "error %v", err)
				g.Expect(scimErr.ScimType).To(Equal(tc.scimType))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

// TestRoundTrip checks that a User survives the trip through the record fields and back, and that the
// SCIM attributes always carry active.
func TestRoundTrip(t *testing.T) {
	g := NewWithT(t)
	u := User{UserName: "a", DisplayName: "b", ExternalID: "c", Active: false, GivenName: "d", FamilyName: "e", WorkAddress: "f"}
	f := u.Fields()
	back := FromFields(&f)
	n := u.PersonName()
	back.GivenName, back.FamilyName = n.GivenName, n.FamilyName
	g.Expect(back).To(Equal(u))
	g.Expect(User{UserName: "a"}.Attributes(RoomKind)).To(Equal(map[string]any{"userName": "a", "active": false}))
	g.Expect(u.Attributes(RoomKind)).NotTo(HaveKey("name"))
	g.Expect(Fold("ÅSA@Contoso.COM")).To(Equal("åsa@contoso.com"))
}

func TestUnknownKindIsAnError(t *testing.T) {
	g := NewWithT(t)
	k, err := BuiltinKinds().Lookup("desks")
	g.Expect(err).To(MatchError(ErrUnknownKind))
	g.Expect(k).To(BeNil())
	k, err = BuiltinKinds().Lookup(Rooms)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(k.HasName).To(BeFalse())
	g.Expect(AdvisorKind.HasName).To(BeTrue())
}

// TestFold pins down which userNames are the same one: NFC, then Unicode simple case folding.
func TestFold(t *testing.T) {
	tests := map[string]struct {
		a, b string
		same bool
	}{
		"ASCII case":                         {"Ada.Lovelace@Contoso.COM", "ada.lovelace@contoso.com", true},
		"Danish letters":                     {"ÅSA.ØRSTED@contoso.dk", "åsa.ørsted@contoso.dk", true},
		"Kelvin sign and k":                  {"\u212Aim@contoso.com", "kim@contoso.com", true},
		"Kelvin sign and K":                  {"\u212Aim@contoso.com", "Kim@contoso.com", true},
		"final sigma and sigma":              {"οδυσσευς@x", "οδυσσευσ@x", true},
		"final sigma and capital sigma":      {"ΟΔΥΣΣΕΥΣ@x", "οδυσσευς@x", true},
		"long s":                             {"\u017Fara@x", "SARA@x", true},
		"decomposed and precomposed å":       {"a\u030Asa@x", "åsa@x", true},
		"decomposed capital and precomposed": {"A\u030ASA@x", "åsa@x", true},
		"Angstrom sign and Å":                {"\u212Bsa@x", "åsa@x", true},
		"titlecase digraph":                  {"\u01C5x@x", "\u01C6X@x", true},
		"sharp s is not ss (simple folding)": {"stra\u00DFe@x", "strasse@x", false},
		"capital sharp s is sharp s":         {"STRA\u1E9EE@x", "stra\u00DFe@x", true},
		"dotted capital I is not i":          {"\u0130lker@x", "ilker@x", false},
		"dotless i is not i":                 {"\u0131lker@x", "ilker@x", false},
		"different letters":                  {"ada@x", "ida@x", false},
		"full-width is not ASCII":            {"\uFF41da@x", "ada@x", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			if tc.same {
				g.Expect(Fold(tc.a)).To(Equal(Fold(tc.b)))
			} else {
				g.Expect(Fold(tc.a)).NotTo(Equal(Fold(tc.b)))
			}
			g.Expect(Fold(Fold(tc.a))).To(Equal(Fold(tc.a)), "idempotent")
		})
	}
}

// TestFoldAgreesWithEqualFold checks, for every character of the Basic Multilingual Plane, that Fold makes
// two characters equal exactly when Go's simple-folding comparison (strings.EqualFold) does, and that ASCII folds as before
// (plain lower case), so that existing claims and indexes keep their keys.
func TestFoldAgreesWithEqualFold(t *testing.T) {
	for r := range rune(0x10000) {
		if !utf8.ValidRune(r) || norm.NFC.String(string(r)) != string(r) {
			continue // Surrogates, and characters NFC rewrites: compared after normalisation above.
		}
		if f := Fold(string(r)); !strings.EqualFold(f, string(r)) {
			t.Fatalf("Fold(%U) = %q, which EqualFold does not take for the same", r, f)
		}
		for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
			if norm.NFC.String(string(o)) != string(o) {
				continue
			}
			if Fold(string(r)) != Fold(string(o)) {
				t.Fatalf("Fold(%U) = %q, Fold(%U) = %q; EqualFold says they are the same", r, Fold(string(r)), o, Fold(string(o)))
			}
		}
	}
	for r := range rune(utf8.RuneSelf) {
		if Fold(string(r)) != strings.ToLower(string(r)) {
			t.Fatalf("ASCII %q folds to %q", r, Fold(string(r)))
		}
	}
}
