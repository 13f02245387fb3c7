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

	scimerrors "github.com/elimity-com/scim/errors"
	. "github.com/onsi/gomega"
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
