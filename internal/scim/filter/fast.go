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
	"unicode/utf8"

	"github.com/elimity-com/scim/schema"
	scimfilter "github.com/scim2/filter-parser/v2"
)

// ParseFast parses the filters Entra sends to match users, `attr eq "value"` and and-chains of them,
// where attr is userName, externalId or id (any letter case, optionally prefixed with the core User
// schema URN), without the general parser: that parser and elimity's validation cost about a hundred
// times more, on the hottest request Entra makes.
//
// It answers ok only for a filter the general path accepts, and then returns exactly the expression
// scimfilter.ParseFilter returns for it (strings.TrimSpace applied first, as elimity does), which elimity's
// validation accepts for every User schema of this endpoint (these attributes are in the core schema or in
// the common attributes elimity adds). So Compile on the result is what the general path would compile.
// Anything else (other attributes or operators, escapes, extra blanks, parentheses, non-UTF-8 values) is
// not ok, and the caller takes the general path, errors included. The fuzz target checks this against
// the general parser.
func ParseFast(s string) (scimfilter.Expression, bool) {
	s = strings.TrimSpace(s)
	var expr scimfilter.Expression
	for {
		attr, rest, ok := parseFastEq(s)
		if !ok {
			return nil, false
		}
		if expr == nil {
			expr = attr
		} else {
			// The parser's and-chains are left-associative.
			expr = &scimfilter.LogicalExpression{Left: expr, Right: attr, Operator: scimfilter.AND}
		}
		if rest == "" {
			return expr, true
		}
		if len(rest) < 5 || rest[0] != ' ' || !strings.EqualFold(rest[1:4], "and") || rest[4] != ' ' {
			return nil, false
		}
		s = rest[5:]
	}
}

// userSchemaPrefix is the URN prefix an attribute path may carry; elimity compares it case-sensitively.
const userSchemaPrefix = schema.UserSchema + ":"

// parseFastEq parses one `attr eq "value"` at the start of s and returns the rest.
func parseFastEq(s string) (*scimfilter.AttributeExpression, string, bool) {
	var path scimfilter.AttributePath
	if strings.HasPrefix(s, userSchemaPrefix) {
		uri := schema.UserSchema
		path.URIPrefix = &uri
		s = s[len(userSchemaPrefix):]
	}
	name, s, ok := strings.Cut(s, " ")
	if !ok || !fastAttribute(name) {
		return nil, "", false
	}
	path.AttributeName = name
	if len(s) < 4 || !strings.EqualFold(s[:2], "eq") || s[2] != ' ' || s[3] != '"' {
		return nil, "", false
	}
	s = s[4:]
	end := strings.IndexByte(s, '"')
	if end < 0 {
		return nil, "", false
	}
	value := s[:end]
	for i := 0; i < len(value); i++ {
		// The JSON string grammar: no control characters; a backslash starts an escape, which the
		// general path keeps verbatim, so leave it to that path.
		if c := value[i]; c < 0x20 || c == '\\' {
			return nil, "", false
		}
	}
	if !utf8.ValidString(value) {
		return nil, "", false
	}
	return &scimfilter.AttributeExpression{AttributePath: path, Operator: scimfilter.EQ, CompareValue: value}, s[end+1:], true
}

// fastAttribute reports whether name, in any casing, is an attribute the fast path filters on: userName,
// externalId or id.
func fastAttribute(name string) bool {
	return strings.EqualFold(name, "userName") || strings.EqualFold(name, "externalId") || strings.EqualFold(name, "id")
}
