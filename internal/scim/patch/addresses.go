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
	"strings"

	"github.com/elimity-com/scim"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// applyAddresses handles every path into addresses. A record has one address, the work one, so a filter
// selects it or nothing, and an add or replace through a filter that selects it creates it when absent:
// Entra sends `addresses[type eq "work"].formatted` to users that have no address yet (servers that answer
// noTarget there break provisioning).
func applyAddresses(u model.User, op string, p scimfilter.Path, value any) (model.User, error) {
	sub := strings.ToLower(p.SubAttributeName())
	if attrSub := p.AttributePath.SubAttributeName(); attrSub != "" {
		// addresses.formatted: a sub-attribute of every element, which here is the one work address.
		sub = strings.ToLower(attrSub)
	}
	if p.ValueExpression != nil {
		work, err := selectsWork(p.ValueExpression)
		if err != nil {
			return u, err
		}
		if !work {
			return u, nil // Nothing of another type is stored: ignored, as Normalize does.
		}
	}
	switch {
	case sub != "":
		return applyAddressSub(u, op, sub, value)
	case p.ValueExpression != nil:
		return applyWorkAddress(u, op, value)
	default:
		return applyAddressList(u, op, value)
	}
}

// applyAddressSub sets or clears one sub-attribute (lower-cased) of the work address.
func applyAddressSub(u model.User, op, sub string, value any) (model.User, error) {
	switch sub {
	case "formatted":
		var err error
		u.WorkAddress, err = setString(op, "addresses.formatted", value)
		return u, err
	case "type":
		if clears(op, value) {
			return u, nil // The type of the one stored address is always work.
		}
		t, err := str("addresses.type", value)
		if err != nil {
			return u, err
		}
		if !strings.EqualFold(t, model.WorkType) {
			return u, model.InvalidValue("only the work address is stored")
		}
		return u, nil
	default:
		return u, nil // streetAddress and the like are not stored.
	}
}

// applyWorkAddress handles addresses[type eq "work"] with an element value: it merges the value's members
// into the work address.
func applyWorkAddress(u model.User, op string, value any) (model.User, error) {
	if clears(op, value) {
		u.WorkAddress = ""
		return u, nil
	}
	addr, ok := value.(map[string]any)
	if !ok {
		return u, model.InvalidValue("an address must be a complex value")
	}
	if err := model.CheckWorkType(addr); err != nil {
		return u, err
	}
	for k, v := range addr {
		if strings.EqualFold(k, "formatted") {
			var err error
			if u.WorkAddress, err = setString(op, "addresses.formatted", v); err != nil {
				return u, err
			}
		}
	}
	return u, nil
}

// applyAddressList handles the whole addresses attribute, without a filter or sub-attribute.
func applyAddressList(u model.User, op string, value any) (model.User, error) {
	if op == scim.PatchOperationRemove {
		// With or without a value listing the elements to remove: the only element is the work address.
		u.WorkAddress = ""
		return u, nil
	}
	if value == nil {
		u.WorkAddress = ""
		return u, nil
	}
	formatted, err := model.WorkAddressOf(value)
	if err != nil {
		return u, err
	}
	if op == scim.PatchOperationReplace || formatted != "" {
		u.WorkAddress = formatted
	}
	return u, nil
}

// selectsWork reports whether a value filter selects the work address: `type eq "work"`, with any casing
// of the attribute and the value. Other filters are not supported, as no record has anything to match them.
func selectsWork(e scimfilter.Expression) (bool, error) {
	a, ok := e.(*scimfilter.AttributeExpression)
	if !ok || a.Operator != scimfilter.EQ || !strings.EqualFold(a.AttributePath.AttributeName, "type") ||
		a.AttributePath.SubAttribute != nil {
		return false, model.InvalidFilter(`only addresses[type eq "..."] is supported`)
	}
	v, ok := a.CompareValue.(string)
	if !ok {
		return false, model.InvalidFilter("the address type must be a string")
	}
	return strings.EqualFold(v, model.WorkType), nil
}
