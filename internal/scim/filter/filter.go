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

// Package filter turns a SCIM filter, as elimity-com/scim parsed and validated it, into a Query: the field
// index to read candidates from, and a predicate over model.User that decides. It is a pure function, so
// what a filter means is tested without a server.
package filter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/elimity-com/scim/schema"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// Index is the field index a Query reads candidates from.
type Index int

// The indexes a Query can use; Scan reads every record of the application.
const (
	Scan Index = iota
	ByUserName
	ByExternalID
	ByID
)

// Query is a compiled filter.
type Query struct {
	// Index and Key select the candidates: an equality the whole filter requires (it is a conjunct of the
	// top-level and-chain), so that Entra's lookups never scan. Key is folded for ByUserName.
	Index Index
	Key   string

	match func(id string, u model.User) bool
}

// Matches reports whether a record passes the filter.
func (q Query) Matches(id string, u model.User) bool { return q.match == nil || q.match(id, u) }

// All is the query without a filter.
func All() Query { return Query{} }

// Compile compiles a filter expression. Supported: the attributes a record keeps (id, userName,
// displayName, externalId, active, name.givenName, name.familyName, addresses.formatted and
// addresses.type), optionally URN-qualified with the core User schema; the operators eq, ne, co, sw, ew
// and pr; and, or, not. userName and the other strings compare case-insensitively (userName with
// model.Fold, as uniqueness does), id and externalId exactly (RFC 7643 caseExact). Anything else, such as
// gt on a string or a value path, is an invalidFilter error.
func Compile(kind *model.KindSpec, e scimfilter.Expression) (Query, error) {
	m, err := compile(kind, e)
	if err != nil {
		return Query{}, err
	}
	q := Query{match: m}
	q.Index, q.Key = pickIndex(e)
	return q, nil
}

type matcher func(id string, u model.User) bool

func compile(kind *model.KindSpec, e scimfilter.Expression) (matcher, error) {
	switch e := e.(type) {
	case *scimfilter.LogicalExpression:
		l, err := compile(kind, e.Left)
		if err != nil {
			return nil, err
		}
		r, err := compile(kind, e.Right)
		if err != nil {
			return nil, err
		}
		if e.Operator == scimfilter.OR {
			return func(id string, u model.User) bool { return l(id, u) || r(id, u) }, nil
		}
		return func(id string, u model.User) bool { return l(id, u) && r(id, u) }, nil
	case *scimfilter.NotExpression:
		inner, err := compile(kind, e.Expression)
		if err != nil {
			return nil, err
		}
		return func(id string, u model.User) bool { return !inner(id, u) }, nil
	case *scimfilter.AttributeExpression:
		return compileAttr(kind, e)
	case nil:
		return nil, model.InvalidFilter("empty filter")
	default:
		return nil, model.InvalidFilter(fmt.Sprintf("%v: value paths are not supported", e))
	}
}

// field reads one attribute of a record.
type field struct {
	get       func(id string, u model.User) string
	caseExact bool
	boolean   bool
}

func lookupField(kind *model.KindSpec, p scimfilter.AttributePath) (field, error) {
	if uri := p.URI(); uri != "" && !strings.EqualFold(uri, schema.UserSchema) {
		return field{}, model.InvalidFilter(fmt.Sprintf("unknown schema %q", uri))
	}
	name := strings.ToLower(p.AttributeName)
	sub := strings.ToLower(p.SubAttributeName())
	var (
		f  field
		ok bool
	)
	if sub == "" {
		f, ok = simpleField(name)
	} else {
		f, ok = subField(kind, name, sub)
	}
	if !ok {
		return field{}, model.InvalidFilter(fmt.Sprintf("filtering on %s is not supported", p))
	}
	return f, nil
}

// simpleField looks up a top-level attribute without a sub-attribute; name is lower-cased.
func simpleField(name string) (field, bool) {
	switch name {
	case "id":
		return field{get: func(id string, _ model.User) string { return id }, caseExact: true}, true
	case "username":
		return field{get: func(_ string, u model.User) string { return u.UserName }}, true
	case "displayname":
		return field{get: func(_ string, u model.User) string { return u.DisplayName }}, true
	case "externalid":
		return field{get: func(_ string, u model.User) string { return u.ExternalID }, caseExact: true}, true
	case "active":
		return field{get: func(_ string, u model.User) string { return strconv.FormatBool(u.Active) }, boolean: true}, true
	}
	return field{}, false
}

// subField looks up a sub-attribute of a complex attribute; name and sub are lower-cased.
func subField(kind *model.KindSpec, name, sub string) (field, bool) {
	switch {
	case name == "name" && kind.HasName && sub == "givenname":
		return field{get: func(_ string, u model.User) string { return u.GivenName }}, true
	case name == "name" && kind.HasName && sub == "familyname":
		return field{get: func(_ string, u model.User) string { return u.FamilyName }}, true
	case name == "addresses" && sub == "formatted":
		return field{get: func(_ string, u model.User) string { return u.WorkAddress }}, true
	case name == "addresses" && sub == "type":
		return field{get: func(_ string, u model.User) string {
			if u.WorkAddress == "" {
				return ""
			}
			return model.WorkType
		}}, true
	}
	return field{}, false
}

func compileAttr(kind *model.KindSpec, e *scimfilter.AttributeExpression) (matcher, error) {
	f, err := lookupField(kind, e.AttributePath)
	if err != nil {
		return nil, err
	}
	if e.Operator == scimfilter.PR {
		return func(id string, u model.User) bool { return f.get(id, u) != "" }, nil
	}
	want, err := compareValue(f, e)
	if err != nil {
		return nil, err
	}
	norm := func(s string) string { return s }
	if !f.caseExact {
		norm = model.Fold
		want = model.Fold(want)
	}
	var cmp func(have string) bool
	switch e.Operator {
	case scimfilter.EQ:
		cmp = func(have string) bool { return have == want }
	case scimfilter.NE:
		cmp = func(have string) bool { return have != want }
	case scimfilter.CO:
		cmp = func(have string) bool { return strings.Contains(have, want) }
	case scimfilter.SW:
		cmp = func(have string) bool { return strings.HasPrefix(have, want) }
	case scimfilter.EW:
		cmp = func(have string) bool { return strings.HasSuffix(have, want) }
	default:
		return nil, model.InvalidFilter(fmt.Sprintf("operator %s is not supported", e.Operator))
	}
	if f.boolean && e.Operator != scimfilter.EQ && e.Operator != scimfilter.NE {
		return nil, model.InvalidFilter(fmt.Sprintf("operator %s does not apply to a boolean", e.Operator))
	}
	return func(id string, u model.User) bool { return cmp(norm(f.get(id, u))) }, nil
}

// compareValue returns the comparison value as the string the field compares against.
func compareValue(f field, e *scimfilter.AttributeExpression) (string, error) {
	switch v := e.CompareValue.(type) {
	case string:
		if f.boolean {
			// Tolerated like the string booleans Entra sends in bodies.
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				return "", model.InvalidFilter(fmt.Sprintf("%s compares with a boolean", e.AttributePath))
			}
			return strconv.FormatBool(b), nil
		}
		return v, nil
	case bool:
		if !f.boolean {
			return "", model.InvalidFilter(fmt.Sprintf("%s compares with a string", e.AttributePath))
		}
		return strconv.FormatBool(v), nil
	default:
		return "", model.InvalidFilter(fmt.Sprintf("%s: unsupported comparison value %v", e.AttributePath, e.CompareValue))
	}
}

// pickIndex finds an equality that the whole filter implies, walking only the top-level and-chain: an eq
// under or or not does not narrow the result.
func pickIndex(e scimfilter.Expression) (Index, string) {
	best, key := Scan, ""
	var walk func(scimfilter.Expression)
	walk = func(e scimfilter.Expression) {
		switch e := e.(type) {
		case *scimfilter.LogicalExpression:
			if e.Operator == scimfilter.AND {
				walk(e.Left)
				walk(e.Right)
			}
		case *scimfilter.AttributeExpression:
			v, ok := e.CompareValue.(string)
			if e.Operator != scimfilter.EQ || !ok || e.AttributePath.SubAttribute != nil {
				return
			}
			var idx Index
			switch strings.ToLower(e.AttributePath.AttributeName) {
			case "username":
				idx, v = ByUserName, model.Fold(v)
			case "externalid":
				idx = ByExternalID
			case "id":
				idx = ByID
			default:
				return
			}
			// userName first: it is Entra's matching attribute, and unique.
			if best == Scan || idx < best {
				best, key = idx, v
			}
		}
	}
	walk(e)
	return best, key
}
