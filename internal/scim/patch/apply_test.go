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

package patch

import (
	"errors"
	"testing"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	. "github.com/onsi/gomega"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

func op(name, path string, value any) scim.PatchOperation {
	o := scim.PatchOperation{Op: name, Value: value}
	if path != "" {
		p, err := scimfilter.ParsePath([]byte(path))
		if err != nil {
			panic(err)
		}
		o.Path = &p
	}
	return o
}

var ada = model.User{
	UserName: "ada@contoso.com", DisplayName: "Ada Lovelace", ExternalID: "e1", Active: true,
	GivenName: "Ada", FamilyName: "Lovelace", WorkAddress: "Room 4.12",
}

func TestApply(t *testing.T) {
	with := func(f func(*model.User)) model.User { u := ada; f(&u); return u }
	tests := map[string]struct {
		kind     *model.KindSpec
		ops      []scim.PatchOperation
		want     model.User
		scimType scimerrors.ScimType
	}{
		"replace displayName": {
			ops:  []scim.PatchOperation{op("replace", "displayName", "Ada King")},
			want: with(func(u *model.User) { u.DisplayName = "Ada King" }),
		},
		"capitalised op": {
			ops:  []scim.PatchOperation{op("Replace", "displayName", "Ada King")},
			want: with(func(u *model.User) { u.DisplayName = "Ada King" }),
		},
		"attribute names in any case": {
			ops:  []scim.PatchOperation{op("replace", "DISPLAYNAME", "x"), op("replace", "Name.GivenName", "y")},
			want: with(func(u *model.User) { u.DisplayName, u.GivenName = "x", "y" }),
		},
		"string boolean False": {
			ops:  []scim.PatchOperation{op("Replace", "active", "False")},
			want: with(func(u *model.User) { u.Active = false }),
		},
		"boolean": {
			ops:  []scim.PatchOperation{op("replace", "active", false), op("replace", "active", true)},
			want: ada,
		},
		"removing active restores the default": {
			ops:  []scim.PatchOperation{op("replace", "active", false), op("remove", "active", nil)},
			want: ada,
		},
		"not a boolean": {
			ops: []scim.PatchOperation{op("replace", "active", "nope")}, scimType: scimerrors.ScimTypeInvalidValue,
		},
		"path-less replace with dotted and URN keys": {
			ops: []scim.PatchOperation{op("replace", "", map[string]any{
				"name.givenName": "Augusta", "urn:ietf:params:scim:schemas:core:2.0:User:displayName": "A. King",
				"addresses[type eq \"work\"].formatted": "Room 1", "id": "ignored",
			})},
			want: with(func(u *model.User) { u.GivenName, u.DisplayName, u.WorkAddress = "Augusta", "A. King", "Room 1" }),
		},
		"path-less with a bad key": {
			ops: []scim.PatchOperation{op("replace", "", map[string]any{"nick[": "x"})}, scimType: scimerrors.ScimTypeInvalidPath,
		},
		"path-less with an extension attribute is ignored": {
			ops: []scim.PatchOperation{op("replace", "", map[string]any{
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "1",
			})},
			want: ada,
		},
		"path-less remove": {
			ops: []scim.PatchOperation{op("remove", "", nil)}, scimType: scimerrors.ScimTypeNoTarget,
		},
		"path-less with a non-object value": {
			ops: []scim.PatchOperation{op("replace", "", "x")}, scimType: scimerrors.ScimTypeInvalidValue,
		},
		"filtered path creates the work address": {
			ops: []scim.PatchOperation{
				op("remove", "addresses", nil), op("Add", `addresses[type eq "work"].formatted`, "Room 2"),
			},
			want: with(func(u *model.User) { u.WorkAddress = "Room 2" }),
		},
		"filtered sub-attribute capitalised, type value capitalised": {
			ops:  []scim.PatchOperation{op("replace", `addresses[type eq "Work"].Formatted`, "Room 3")},
			want: with(func(u *model.User) { u.WorkAddress = "Room 3" }),
		},
		"filtered element value merges": {
			ops:  []scim.PatchOperation{op("replace", `addresses[type eq "work"]`, map[string]any{"formatted": "Room 5"})},
			want: with(func(u *model.User) { u.WorkAddress = "Room 5" }),
		},
		"filtered element of another type is ignored": {
			ops: []scim.PatchOperation{op("add", `addresses[type eq "home"].formatted`, "x")}, want: ada,
		},
		"an address sub-attribute not stored is ignored": {
			ops: []scim.PatchOperation{op("replace", `addresses[type eq "work"].streetAddress`, "x")}, want: ada,
		},
		"an address list keeps only the work address": {
			ops: []scim.PatchOperation{op("replace", "addresses", []any{
				map[string]any{"type": "home", "formatted": "H"}, map[string]any{"type": "work", "formatted": "W"},
			})},
			want: with(func(u *model.User) { u.WorkAddress = "W" }),
		},
		"name.formatted is ignored": {
			ops: []scim.PatchOperation{op("replace", "name.formatted", "x")}, want: ada,
		},
		"remove of another type is a no-op": {
			ops: []scim.PatchOperation{op("remove", `addresses[type eq "home"]`, nil)}, want: ada,
		},
		"unsupported address filter": {
			ops: []scim.PatchOperation{op("replace", `addresses[formatted eq "x"].formatted`, "y")}, scimType: scimerrors.ScimTypeInvalidFilter,
		},
		"setting the type to work is accepted": {
			ops: []scim.PatchOperation{op("replace", `addresses[type eq "work"].type`, "work")}, want: ada,
		},
		"setting the type to home is not": {
			ops: []scim.PatchOperation{op("replace", `addresses[type eq "work"].type`, "home")}, scimType: scimerrors.ScimTypeInvalidValue,
		},
		"add of an address list": {
			ops:  []scim.PatchOperation{op("add", "addresses", []any{map[string]any{"type": "work", "formatted": "Room 6"}})},
			want: with(func(u *model.User) { u.WorkAddress = "Room 6" }),
		},
		"replace of the address list without a work address clears it": {
			ops:  []scim.PatchOperation{op("replace", "addresses", []any{})},
			want: with(func(u *model.User) { u.WorkAddress = "" }),
		},
		"addresses.formatted without a filter": {
			ops:  []scim.PatchOperation{op("replace", "addresses.formatted", "Room 7")},
			want: with(func(u *model.User) { u.WorkAddress = "Room 7" }),
		},
		"remove carrying a value": {
			ops:  []scim.PatchOperation{op("Remove", "name.givenName", "Ada"), op("Remove", `addresses[type eq "work"].formatted`, "Room 4.12")},
			want: with(func(u *model.User) { u.GivenName, u.WorkAddress = "", "" }),
		},
		"remove of the address list with a value": {
			ops:  []scim.PatchOperation{op("remove", "addresses", []any{map[string]any{"formatted": "Room 4.12"}})},
			want: with(func(u *model.User) { u.WorkAddress = "" }),
		},
		"null and empty values clear": {
			ops:  []scim.PatchOperation{op("replace", "displayName", nil), op("replace", "externalId", "")},
			want: with(func(u *model.User) { u.DisplayName, u.ExternalID = "", "" }),
		},
		"name as a complex value keeps what it leaves out": {
			ops:  []scim.PatchOperation{op("replace", "name", map[string]any{"familyName": "King"})},
			want: with(func(u *model.User) { u.FamilyName = "King" }),
		},
		"remove name": {
			ops:  []scim.PatchOperation{op("remove", "name", nil)},
			want: with(func(u *model.User) { u.GivenName, u.FamilyName = "", "" }),
		},
		"name on a room is ignored": {
			kind: model.RoomKind, ops: []scim.PatchOperation{op("replace", "name.givenName", "x")},
			want: func() model.User { u := ada; u.GivenName, u.FamilyName = "", ""; return u }(),
		},
		"rename": {
			ops:  []scim.PatchOperation{op("replace", "userName", "ada.king@contoso.com")},
			want: with(func(u *model.User) { u.UserName = "ada.king@contoso.com" }),
		},
		"remove userName": {
			ops: []scim.PatchOperation{op("remove", "userName", nil)}, scimType: scimerrors.ScimTypeInvalidValue,
		},
		"empty userName": {
			ops: []scim.PatchOperation{op("replace", "userName", "")}, scimType: scimerrors.ScimTypeInvalidValue,
		},
		"too long": {
			ops: []scim.PatchOperation{op("replace", "displayName", string(make([]byte, 300)))}, scimType: scimerrors.ScimTypeInvalidValue,
		},
		"read-only groups": {
			ops: []scim.PatchOperation{op("add", "groups", []any{})}, scimType: scimerrors.ScimTypeMutability,
		},
		"read-only id": {
			ops: []scim.PatchOperation{op("replace", "id", "x")}, scimType: scimerrors.ScimTypeMutability,
		},
		"unknown attribute is ignored": {
			ops: []scim.PatchOperation{op("replace", "nickName", "x")}, want: ada,
		},
		"sub-attribute of a simple attribute": {
			ops: []scim.PatchOperation{op("replace", "displayName.x", "x")}, scimType: scimerrors.ScimTypeInvalidPath,
		},
		"unknown op": {
			ops: []scim.PatchOperation{op("merge", "displayName", "x")}, scimType: scimerrors.ScimTypeInvalidValue,
		},
		"atomic: the first op's change is not returned when the second fails": {
			ops:      []scim.PatchOperation{op("replace", "displayName", "x"), op("replace", "userName", "")},
			scimType: scimerrors.ScimTypeInvalidValue,
		},
		"a wrong value type": {
			ops: []scim.PatchOperation{op("replace", "displayName", 42)}, scimType: scimerrors.ScimTypeInvalidValue,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			kind := tc.kind
			if kind == nil {
				kind = model.AdvisorKind
			}
			start := ada
			if kind == model.RoomKind {
				start.GivenName, start.FamilyName = "", ""
			}
			got, err := Apply(start, kind, tc.ops)
			if tc.scimType != "" {
				var scimErr scimerrors.ScimError
				g.Expect(errors.As(err, &scimErr)).To(BeTrue(), "error %v", err)
				g.Expect(scimErr.ScimType).To(Equal(tc.scimType))
				g.Expect(scimErr.Status).To(Equal(400))
				g.Expect(got).To(BeZero())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

// FuzzApply checks that any path and value Apply may be handed yields a valid User or a SCIM 400, never a
// panic or another error.
func FuzzApply(f *testing.F) {
	for _, s := range []struct{ op, path, value string }{
		{"replace", "displayName", "x"},
		{"Add", `addresses[type eq "work"].formatted`, "Room"},
		{"remove", `addresses[type eq "home"]`, ""},
		{"replace", "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName", "A"},
		{"replace", "active", "False"},
		{"remove", "userName", ""},
		{"add", `addresses[not (type eq "x")].type`, "work"},
		{"replace", "groups", "x"},
	} {
		f.Add(s.op, s.path, s.value)
	}
	f.Fuzz(func(t *testing.T, name, path, value string) {
		p, err := scimfilter.ParsePath([]byte(path))
		if err != nil {
			return
		}
		for _, kind := range model.BuiltinKinds() {
			for _, v := range []any{value, nil, map[string]any{"formatted": value, "type": value, "givenName": value},
				[]any{map[string]any{"type": value, "formatted": value}}} {
				got, err := Apply(ada, kind, []scim.PatchOperation{{Op: name, Path: &p, Value: v}})
				if err != nil {
					var scimErr scimerrors.ScimError
					if !errors.As(err, &scimErr) || scimErr.Status != 400 {
						t.Fatalf("%s %s %v: not a SCIM 400: %v", name, path, v, err)
					}
					continue
				}
				if err := got.Validate(kind); err != nil && kind == model.AdvisorKind {
					t.Fatalf("%s %s %v: invalid result %+v: %v", name, path, v, got, err)
				}
			}
		}
	})
}
