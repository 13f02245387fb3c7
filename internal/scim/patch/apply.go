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
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// Apply carries out PATCH operations, in order, on a copy of u. It is all or nothing (RFC 7644 §3.5.2):
// on the first failing operation it returns the error and the caller stores nothing.
//
// Semantics beyond the RFC's, each one an Entra habit: attributes the kind does not store are ignored
// (Normalize has already taken them out and counted them); op names in any case; a null or empty value, or
// a remove that carries a value, clears the target; `addresses[type eq "work"]...` creates the work address
// when there is none, and several operations on it land in the one element; path-less values with
// attribute-path keys; string booleans ("False").
func Apply(u model.User, kind *model.KindSpec, ops []scim.PatchOperation) (model.User, error) {
	for i, op := range ops {
		var err error
		if u, err = applyOp(u, kind, op); err != nil {
			return model.User{}, numbered(i, err)
		}
	}
	if err := u.Validate(kind); err != nil {
		return model.User{}, err
	}
	return u, nil
}

// numbered prefixes a SCIM error's detail with the failing operation's position, keeping its type.
func numbered(i int, err error) error {
	if scimErr, ok := errors.AsType[scimerrors.ScimError](err); ok {
		scimErr.Detail = fmt.Sprintf("operation %d: %s", i+1, scimErr.Detail)
		return scimErr
	}
	return fmt.Errorf("operation %d: %w", i+1, err)
}

func applyOp(u model.User, kind *model.KindSpec, op scim.PatchOperation) (model.User, error) {
	name := strings.ToLower(op.Op)
	switch name {
	case scim.PatchOperationAdd, scim.PatchOperationReplace, scim.PatchOperationRemove:
	default:
		return u, model.InvalidValue(fmt.Sprintf("unknown op %q", op.Op))
	}
	if op.Path != nil {
		return applyPath(u, kind, name, *op.Path, op.Value)
	}
	if name == scim.PatchOperationRemove {
		return u, model.NoTarget("remove needs a path")
	}
	fields, ok := op.Value.(map[string]any)
	if !ok {
		return u, model.InvalidValue("a path-less " + name + " needs an object value")
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.EqualFold(k, "id") {
			continue
		}
		p, err := scimfilter.ParsePath([]byte(k))
		if err != nil {
			return u, model.InvalidPath(fmt.Sprintf("invalid attribute path %q", k))
		}
		if u, err = applyPath(u, kind, name, p, fields[k]); err != nil {
			return u, err
		}
	}
	return u, nil
}

// clears reports whether an operation empties its target: a remove (whatever value it carries, as legacy
// Entra sends the old value along), or a null or empty-string value.
func clears(op string, value any) bool {
	if op == scim.PatchOperationRemove || value == nil {
		return true
	}
	s, ok := value.(string)
	return ok && s == ""
}

// The lower-cased names of the two complex attributes.
const (
	addressesAttr = "addresses"
	nameAttr      = "name"
)

func applyPath(u model.User, kind *model.KindSpec, op string, p scimfilter.Path, value any) (model.User, error) {
	if uri := p.AttributePath.URI(); uri != "" && !strings.EqualFold(uri, schema.UserSchema) {
		return u, nil // An extension's attribute: nothing of it is stored.
	}
	attr := strings.ToLower(p.AttributePath.AttributeName)
	sub := strings.ToLower(p.AttributePath.SubAttributeName())
	if attr != addressesAttr && (p.ValueExpression != nil || p.SubAttribute != nil) {
		return u, model.InvalidPath(fmt.Sprintf("%s is not multi-valued", p.AttributePath.AttributeName))
	}
	if attr != nameAttr && attr != addressesAttr && sub != "" {
		return u, model.InvalidPath(fmt.Sprintf("%s has no sub-attributes", p.AttributePath.AttributeName))
	}
	var err error
	switch attr {
	case "username":
		if clears(op, value) {
			return u, model.InvalidValue("userName is required and cannot be removed")
		}
		u.UserName, err = str("userName", value)
	case "displayname":
		u.DisplayName, err = setString(op, "displayName", value)
	case "externalid":
		u.ExternalID, err = setString(op, "externalId", value)
	case "active":
		u.Active, err = setBool(op, value)
	case nameAttr:
		if !kind.HasName {
			return u, nil // Not stored by this kind: ignored, as Normalize does.
		}
		return applyName(u, op, sub, value)
	case addressesAttr:
		return applyAddresses(u, op, p, value)
	case "id", "meta", "groups", "schemas":
		return u, model.Mutability(p.AttributePath.AttributeName + " is read-only")
	default:
		// Not stored by any kind: ignored, as Normalize does before elimity would refuse it.
		return u, nil
	}
	return u, err
}

func str(name string, value any) (string, error) {
	s, ok := value.(string)
	if !ok {
		return "", model.InvalidValue(name + " must be a string")
	}
	return s, nil
}

func setString(op, name string, value any) (string, error) {
	if clears(op, value) {
		return "", nil
	}
	return str(name, value)
}

// setBool reads active. Cleared, it reverts to the schema default, true, as an Advisor or Room without
// spec.active is active.
func setBool(op string, value any) (bool, error) {
	if clears(op, value) {
		return true, nil
	}
	switch v := value.(type) {
	case bool:
		return v, nil
	case string:
		// elimity already turns "False" into false; this keeps Apply right without it.
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			return false, model.InvalidValue(fmt.Sprintf("active must be a boolean, not %q", v))
		}
		return b, nil
	default:
		return false, model.InvalidValue("active must be a boolean")
	}
}

func applyName(u model.User, op, sub string, value any) (model.User, error) {
	var err error
	switch sub {
	case "givenname":
		u.GivenName, err = setString(op, "name.givenName", value)
		return u, err
	case "familyname":
		u.FamilyName, err = setString(op, "name.familyName", value)
		return u, err
	case "":
	default:
		return u, nil // name.formatted and the like are not stored.
	}
	if clears(op, value) {
		u.GivenName, u.FamilyName = "", ""
		return u, nil
	}
	parts, ok := value.(map[string]any)
	if !ok {
		return u, model.InvalidValue("name must be a complex value")
	}
	if op == scim.PatchOperationReplace && len(parts) == 0 {
		return u, nil
	}
	// RFC 7644 §3.5.2.3: sub-attributes not given are left unchanged, for add and replace alike.
	for k, v := range parts {
		switch strings.ToLower(k) {
		case "givenname":
			u.GivenName, err = setString(op, "name.givenName", v)
		case "familyname":
			u.FamilyName, err = setString(op, "name.familyName", v)
		}
		if err != nil {
			return u, err
		}
	}
	return u, nil
}
