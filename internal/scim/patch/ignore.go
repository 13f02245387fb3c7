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
	"maps"
	"strings"

	"github.com/elimity-com/scim/schema"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// Liberal in what is accepted, exact in what is stored: the functions here take out of a request body
// every attribute, sub-attribute and multi-valued element the kind does not store, before elimity sees it
// (elimity refuses unknown PATCH paths with invalidPath), and name what they took out, for the
// scim_ignored_attributes_total metric. Protected attributes (model.Protected) are left in, so that
// writing them stays an error. Malformed paths are left in too: a path that does not parse is the
// client's mistake to hear about, not an attribute to ignore.

var (
	coreUserPrefix   = strings.ToLower(schema.UserSchema) + ":"
	enterprisePrefix = strings.ToLower(schema.ExtensionEnterpriseUser().ID)
)

// pathParts is a PATCH path split by splitPath, after its core User schema URN, if any, is taken off.
// ok is false for a path that does not parse, and for an extension's path.
type pathParts struct {
	attr, sub   string
	valueFilter scimfilter.Expression
	ok          bool
}

// ignoredPath reports whether a PATCH operation on path is to be ignored, and the metric label it counts
// as. It returns the path's parts too, so that the path is split only once.
func ignoredPath(kind *model.KindSpec, path string) (pathParts, string, bool) {
	lower := strings.ToLower(path)
	switch {
	case strings.HasPrefix(lower, coreUserPrefix):
		path = path[len(coreUserPrefix):]
	case strings.HasPrefix(lower, enterprisePrefix):
		return pathParts{}, model.LabelEnterprise, true
	case strings.HasPrefix(lower, "urn:"):
		return pathParts{}, model.LabelExtension, true
	}
	var p pathParts
	p.attr, p.sub, p.valueFilter, p.ok = splitPath(path)
	switch {
	case !p.ok || model.Protected(p.attr):
		return p, "", false
	case !kind.Stores(p.attr, ""):
		return p, model.Label(p.attr, p.sub), true
	case !isComplex(p.attr):
		return p, "", false // userName.x and the like: malformed, left for an error.
	}
	if p.valueFilter != nil {
		if t, ok := typeFilter(p.valueFilter); ok && !strings.EqualFold(t, model.WorkType) {
			return p, model.LabelNonWorkAddresses, true
		}
	}
	if p.sub != "" && !kind.Stores(p.attr, p.sub) {
		return p, model.Label(p.attr, p.sub), true
	}
	return p, "", false
}

// splitPath returns a PATCH path's attribute, sub-attribute and value filter. Entra's paths are split
// without the general parser (quickPath); anything else goes to the parser, which takes thousands of
// allocations a path (BenchmarkSplitPath).
func splitPath(path string) (attr, sub string, valueFilter scimfilter.Expression, ok bool) {
	p, ok := quickPath(path)
	if !ok {
		var err error
		if p, err = scimfilter.ParsePath([]byte(path)); err != nil {
			return "", "", nil, false
		}
	}
	attr, sub = p.AttributePath.AttributeName, p.AttributePath.SubAttributeName()
	if sub == "" && p.SubAttribute != nil {
		sub = *p.SubAttribute
	}
	return attr, sub, p.ValueExpression, true
}

// quickPath parses Entra's PATCH paths, a name, name.sub and `addresses[type eq "work"].formatted`, into
// exactly what the general parser would (TestSimplePathAgreesWithTheParser,
// TestTypedPathAgreesWithTheParser), without it. It reports false for any other path.
func quickPath(path string) (scimfilter.Path, bool) {
	if attr, sub, ok := simplePath(path); ok {
		p := scimfilter.Path{AttributePath: scimfilter.AttributePath{AttributeName: attr}}
		if sub != "" {
			p.AttributePath.SubAttribute = &sub
		}
		return p, true
	}
	if attr, typ, sub, ok := typedPath(path); ok {
		p := scimfilter.Path{AttributePath: scimfilter.AttributePath{AttributeName: attr},
			ValueExpression: &scimfilter.AttributeExpression{AttributePath: scimfilter.AttributePath{AttributeName: "type"},
				Operator: scimfilter.EQ, CompareValue: typ}}
		if sub != "" {
			p.SubAttribute = &sub
		}
		return p, true
	}
	return scimfilter.Path{}, false
}

// simplePath splits "attr" or "attr.sub", when both are plain attribute names (the grammar's rule: a
// letter, then letters, digits, '-' and '_').
func simplePath(path string) (attr, sub string, ok bool) {
	attr, sub, dotted := strings.Cut(path, ".")
	if !attrName(attr) || (dotted && !attrName(sub)) {
		return "", "", false
	}
	return attr, sub, true
}

// typedPath splits Entra's path to one typed element of a multi-valued attribute, `attr[type eq "typ"]`
// or `attr[type eq "typ"].sub`, when attr and sub are plain attribute names and typ is a plainString.
func typedPath(path string) (attr, typ, sub string, ok bool) {
	attr, rest, found := strings.Cut(path, `[type eq "`)
	if !found || !attrName(attr) {
		return "", "", "", false
	}
	typ, rest, found = strings.Cut(rest, `"]`)
	if !found || !plainString(typ) {
		return "", "", "", false
	}
	if rest == "" {
		return attr, typ, "", true
	}
	sub, found = strings.CutPrefix(rest, ".")
	if !found || !attrName(sub) {
		return "", "", "", false
	}
	return attr, typ, sub, true
}

// plainString reports whether s is printable ASCII without a quote or a backslash: a string value that reads
// the same inside JSON quotes as outside them.
func plainString(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// attrName reports whether s is an ATTRNAME of RFC 7644's grammar: ALPHA *(ALPHA / DIGIT / "-" / "_").
func attrName(s string) bool {
	for i, c := range []byte(s) {
		letter := c|0x20 >= 'a' && c|0x20 <= 'z'
		nameChar := c >= '0' && c <= '9' || c == '-' || c == '_'
		if !letter && (i == 0 || !nameChar) {
			return false
		}
	}
	return s != ""
}

// isComplex reports whether a stored attribute has sub-attributes.
func isComplex(attr string) bool {
	a := strings.ToLower(attr)
	return a == nameAttr || a == addressesAttr
}

// typeFilter reads the type out of a `type eq "..."` value filter.
func typeFilter(e scimfilter.Expression) (string, bool) {
	a, ok := e.(*scimfilter.AttributeExpression)
	if !ok || a.Operator != scimfilter.EQ || !strings.EqualFold(a.AttributePath.AttributeName, "type") ||
		a.AttributePath.SubAttribute != nil {
		return "", false
	}
	t, ok := a.CompareValue.(string)
	return t, ok
}

// stripValue takes out of an add or replace value on a path (its parts, p) what the kind does not store:
// unknown sub-attributes of name or of an address, and addresses of another type than work. It returns the
// value to keep and whether anything is left to do.
func stripValue(kind *model.KindSpec, p pathParts, value any, ignored *[]string) (any, bool) {
	if !p.ok || p.sub != "" {
		return value, true
	}
	switch strings.ToLower(p.attr) {
	case nameAttr:
		return stripComplex(kind, nameAttr, value, ignored), true
	case addressesAttr:
		if p.valueFilter != nil {
			return stripComplex(kind, addressesAttr, value, ignored), true
		}
		return stripAddresses(kind, value, ignored)
	}
	return value, true
}

// stripComplex drops the members of a complex value that are not stored sub-attributes of attr.
func stripComplex(kind *model.KindSpec, attr string, value any, ignored *[]string) any {
	m, ok := value.(map[string]any)
	if !ok {
		return value
	}
	var out map[string]any
	for k := range m {
		if kind.Stores(attr, k) {
			continue
		}
		if out == nil {
			out = maps.Clone(m)
		}
		delete(out, k)
		*ignored = append(*ignored, model.Label(attr, k))
	}
	if out == nil {
		return value
	}
	return out
}

// stripAddresses keeps the work address (or an untyped one, which counts as work) of an addresses value,
// without the sub-attributes a record does not keep. It reports false when a value that had addresses has
// none left, so that an add of only other addresses becomes no operation at all.
func stripAddresses(kind *model.KindSpec, value any, ignored *[]string) (any, bool) {
	var elems []any
	switch t := value.(type) {
	case []any:
		elems = t
	case map[string]any:
		elems = []any{t}
	default:
		return value, true
	}
	out := make([]any, 0, len(elems))
	for _, e := range elems {
		addr, ok := e.(map[string]any)
		if !ok {
			out = append(out, e) // Malformed; left for an error.
			continue
		}
		if t, ok := memberString(addr, "type"); ok && t != "" && !strings.EqualFold(t, model.WorkType) {
			*ignored = append(*ignored, model.LabelNonWorkAddresses)
			continue
		}
		out = append(out, stripComplex(kind, addressesAttr, addr, ignored))
	}
	return out, len(out) > 0 || len(elems) == 0
}

// memberString reads a string member by case-insensitive name.
func memberString(m map[string]any, name string) (string, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			s, ok := v.(string)
			return s, ok
		}
	}
	return "", false
}

// stripResource takes out of a POST or PUT body what the kind does not store.
func stripResource(kind *model.KindSpec, res map[string]any, ignored *[]string) {
	for k, v := range res {
		lower := strings.ToLower(k)
		switch {
		case model.Protected(k) || lower == "externalid":
		case strings.HasPrefix(lower, enterprisePrefix):
			delete(res, k)
			*ignored = append(*ignored, model.LabelEnterprise)
		case strings.HasPrefix(lower, "urn:"):
			delete(res, k)
			*ignored = append(*ignored, model.LabelExtension)
		case !kind.Stores(k, ""):
			delete(res, k)
			if v != nil {
				*ignored = append(*ignored, model.Label(k, ""))
			}
		case lower == nameAttr:
			res[k] = stripComplex(kind, nameAttr, v, ignored)
		case lower == addressesAttr:
			res[k], _ = stripAddresses(kind, v, ignored)
		}
	}
}
