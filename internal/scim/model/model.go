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

// Package model is the SCIM User as the endpoint stores it: a typed value with exactly the attributes an
// Advisor or a Room keeps, its conversion from and to the SCIM attribute maps of elimity-com/scim and the
// Advisor and Room objects, and the one userName normalisation that filters, field indexes and uniqueness
// claims share.
package model

import (
	"fmt"
	"net/http"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// Kind is which record kind an endpoint serves; it equals the ScimApplication's resourceType.
type Kind = v1.ResourceType

// The two kinds, re-exported so that callers need not import the API package for them.
const (
	Advisors = v1.ResourceTypeAdvisors
	Rooms    = v1.ResourceTypeRooms
)

// WorkType is the SCIM address type the endpoint stores; no other address type has a place in a record.
const WorkType = "work"

// User is one SCIM User with the attributes a record keeps (a kind without a name keeps all but the name).
// Empty strings mean "absent".
type User struct {
	UserName    string
	DisplayName string
	ExternalID  string
	Active      bool
	GivenName   string
	FamilyName  string
	WorkAddress string
}

// Maximum lengths, equal to the CRD's, so that a too-long value is a SCIM 400 before anything is written.
const (
	maxName    = 256
	maxAddress = 1024
)

// Validate checks what the record kinds require: a userName, the CRD's length bounds, and no name where
// the kind keeps none.
func (u User) Validate(kind *KindSpec) error {
	if u.UserName == "" {
		return InvalidValue("userName is required")
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"userName", u.UserName, maxName},
		{"displayName", u.DisplayName, maxName},
		{"externalId", u.ExternalID, maxName},
		{"name.givenName", u.GivenName, maxName},
		{"name.familyName", u.FamilyName, maxName},
		{`addresses[type eq "work"].formatted`, u.WorkAddress, maxAddress},
	} {
		if len(f.value) > f.max {
			return InvalidValue(fmt.Sprintf("%s is longer than %d bytes", f.name, f.max))
		}
	}
	if !kind.HasName && (u.GivenName != "" || u.FamilyName != "") {
		return InvalidPath(fmt.Sprintf("%s have no name attribute", kind.Kind))
	}
	return nil
}

// InvalidValue is a SCIM 400 invalidValue error.
func InvalidValue(detail string) error { return scimError(scimerrors.ScimTypeInvalidValue, detail) }

// InvalidPath is a SCIM 400 invalidPath error.
func InvalidPath(detail string) error { return scimError(scimerrors.ScimTypeInvalidPath, detail) }

// InvalidFilter is a SCIM 400 invalidFilter error.
func InvalidFilter(detail string) error { return scimError(scimerrors.ScimTypeInvalidFilter, detail) }

// Mutability is a SCIM 400 mutability error.
func Mutability(detail string) error { return scimError(scimerrors.ScimTypeMutability, detail) }

// NoTarget is a SCIM 400 noTarget error.
func NoTarget(detail string) error { return scimError(scimerrors.ScimTypeNoTarget, detail) }

func scimError(t scimerrors.ScimType, detail string) error {
	return scimerrors.ScimError{ScimType: t, Detail: detail, Status: http.StatusBadRequest}
}

// FromAttributes builds a User from a POST or PUT body that elimity has validated against the schema: keys
// carry the schema's spelling, booleans are bools, unknown and read-only attributes are gone.
func FromAttributes(kind *KindSpec, attrs map[string]any) (User, error) {
	u := User{Active: true}
	var err error
	if u.UserName, err = stringAttr(attrs, "userName"); err != nil {
		return User{}, err
	}
	if u.DisplayName, err = stringAttr(attrs, "displayName"); err != nil {
		return User{}, err
	}
	if u.ExternalID, err = stringAttr(attrs, "externalId"); err != nil {
		return User{}, err
	}
	if v, ok := attrs["active"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			return User{}, InvalidValue("active must be a boolean")
		}
		u.Active = b
	}
	if v, ok := attrs["name"]; ok && v != nil && kind.HasName {
		name, ok := v.(map[string]any)
		if !ok {
			return User{}, InvalidValue("name must be a complex attribute")
		}
		if u.GivenName, err = stringAttr(name, "givenName"); err != nil {
			return User{}, err
		}
		if u.FamilyName, err = stringAttr(name, "familyName"); err != nil {
			return User{}, err
		}
	}
	if v, ok := attrs["addresses"]; ok && v != nil {
		if u.WorkAddress, err = WorkAddressOf(v); err != nil {
			return User{}, err
		}
	}
	if err := u.Validate(kind); err != nil {
		return User{}, err
	}
	return u, nil
}

// WorkAddressOf reads the work address out of a SCIM addresses value: a list of address objects or, as
// elimity lets through, one bare object. An address without a type counts as the work address; addresses
// of any other type are ignored, as a record has nowhere to keep them (the request middleware has already
// taken them out and counted them).
func WorkAddressOf(v any) (string, error) {
	var elems []any
	switch t := v.(type) {
	case []any:
		elems = t
	case map[string]any:
		elems = []any{t}
	default:
		return "", InvalidValue("addresses must be a list of addresses")
	}
	formatted := ""
	for _, e := range elems {
		addr, ok := e.(map[string]any)
		if !ok {
			return "", InvalidValue("an address must be a complex value")
		}
		t, err := stringAttr(addr, typeAttr)
		if err != nil {
			return "", err
		}
		if t != "" && !strings.EqualFold(t, WorkType) {
			continue
		}
		f, err := stringAttr(addr, "formatted")
		if err != nil {
			return "", err
		}
		if f != "" {
			formatted = f
		}
	}
	return formatted, nil
}

// CheckWorkType refuses an address object whose type is set and is not work.
func CheckWorkType(addr map[string]any) error {
	t, err := stringAttr(addr, typeAttr)
	if err != nil {
		return err
	}
	if t != "" && !strings.EqualFold(t, WorkType) {
		return InvalidValue(fmt.Sprintf("only the work address is stored, not %q", t))
	}
	return nil
}

// stringAttr reads a string attribute by case-insensitive name; absent and null read as "".
func stringAttr(m map[string]any, name string) (string, error) {
	for k, v := range m {
		if !strings.EqualFold(k, name) {
			continue
		}
		if v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", InvalidValue(name + " must be a string")
		}
		return s, nil
	}
	return "", nil
}

// Attributes renders the User as SCIM attributes for elimity's response, without id, externalId and meta,
// which elimity adds from the Resource. Every stored attribute is returned, active always: an attribute
// Entra does not see echoed looks changed to it and is sent again on every cycle.
func (u User) Attributes(kind *KindSpec) map[string]any {
	attrs := make(map[string]any, 6)
	attrs["userName"] = u.UserName
	attrs["active"] = u.Active
	if u.DisplayName != "" {
		attrs["displayName"] = u.DisplayName
	}
	if kind.HasName && (u.GivenName != "" || u.FamilyName != "") {
		name := make(map[string]any, 2)
		if u.GivenName != "" {
			name["givenName"] = u.GivenName
		}
		if u.FamilyName != "" {
			name["familyName"] = u.FamilyName
		}
		attrs["name"] = name
	}
	if u.WorkAddress != "" {
		attrs["addresses"] = []any{map[string]any{typeAttr: WorkType, formattedAttr: u.WorkAddress}}
	}
	return attrs
}

// Fields returns the record fields for an Advisor's or a Room's spec.
func (u User) Fields() v1.RecordFields {
	f := v1.RecordFields{
		UserName:    u.UserName,
		DisplayName: u.DisplayName,
		ExternalID:  u.ExternalID,
		Active:      new(u.Active),
	}
	if u.WorkAddress != "" {
		f.WorkAddress = &v1.WorkAddress{Formatted: u.WorkAddress}
	}
	return f
}

// PersonName returns an Advisor's spec.name, nil when both parts are empty.
func (u User) PersonName() *v1.PersonName {
	if u.GivenName == "" && u.FamilyName == "" {
		return nil
	}
	return &v1.PersonName{GivenName: u.GivenName, FamilyName: u.FamilyName}
}

// FromFields reads the shared record fields into a User.
func FromFields(f *v1.RecordFields) User {
	u := User{
		UserName:    f.UserName,
		DisplayName: f.DisplayName,
		ExternalID:  f.ExternalID,
		Active:      f.IsActive(),
	}
	if f.WorkAddress != nil {
		u.WorkAddress = f.WorkAddress.Formatted
	}
	return u
}
