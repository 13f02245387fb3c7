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

// Package patch applies SCIM PATCH requests to a model.User as pure functions: Normalize rewrites the
// request body into the shape elimity-com/scim validates the way Entra needs, Operations reads the
// operations elimity would hand over for the bodies Entra sends without elimity, and Apply carries out the
// validated operations, all or nothing. DecodeResource does Normalize's work for the body of a POST or
// PUT.
package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/elimity-com/scim/schema"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// Normalize rewrites a PATCH request body before elimity validates it, for four Entra habits elimity does
// not serve:
//
//   - A path-less add or replace whose value keys are attribute paths ("name.givenName",
//     `addresses[type eq "work"].formatted`, URN-qualified names): elimity would hand them over as raw
//     keys and report a bad key as invalidValue, so each key becomes an operation of its own with that path,
//     which elimity then validates like any path (invalidPath for an unknown one).
//   - A null value on add or replace, which means "clear" to Entra and the Logic-App validator but is a 400
//     to elimity: it becomes a remove of the same path.
//   - A string-valued active ("True", "False"), Entra's legacy PATCH shape: it becomes a boolean (see
//     activeValue).
//   - Attributes the kind does not store (nickName, emails, an enterprise extension attribute, a home
//     address, name.formatted): their operations, or their part of a value, are dropped and returned as
//     ignored, by metric label (see ignoredPath). When nothing is left, the body becomes one empty
//     path-less replace, which changes nothing.
//
// A body that is not a JSON object with an Operations array is returned unchanged for elimity to reject,
// and so is a body that needs no rewrite, byte for byte.
func Normalize(body []byte, kind *model.KindSpec) ([]byte, []string) {
	n, ok := normalize(body, kind)
	if !ok || !n.changed {
		return body, nil
	}
	n.doc[n.opsKey] = n.ops
	data, err := json.Marshal(n.doc)
	if err != nil {
		return body, nil
	}
	return data, n.ignored
}

// normalized is a PATCH body decoded and normalised (see Normalize): the body as decoded (doc), the
// member that holds its operations (opsKey) and the operations normalised (ops), whether the operations
// changed, and what was ignored.
type normalized struct {
	doc     map[string]any
	opsKey  string
	ops     []any
	changed bool
	ignored []string
}

// normalize decodes and normalises a PATCH body; it reports false for a body that is not one JSON object
// with a non-empty Operations array.
func normalize(body []byte, kind *model.KindSpec) (normalized, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return normalized{}, false
	}
	opsKey := ""
	for k := range doc {
		if strings.EqualFold(k, "Operations") {
			opsKey = k
		}
	}
	ops, ok := doc[opsKey].([]any)
	if !ok || len(ops) == 0 {
		return normalized{}, false
	}
	n := normalized{doc: doc, opsKey: opsKey, ops: make([]any, 0, len(ops))}
	for _, raw := range ops {
		expanded, didChange := normalizeOp(raw)
		kept, dropped := dropIgnored(kind, expanded, &n.ignored)
		n.changed = n.changed || didChange || dropped
		n.ops = append(n.ops, kept...)
	}
	if len(n.ops) == 0 {
		n.ops = []any{map[string]any{opMember: "replace", valueMember: map[string]any{}}}
	}
	return n, true
}

// dropIgnored removes from ops (each with a path, as normalizeOp leaves them) what the kind does not store;
// it reports whether it removed anything.
func dropIgnored(kind *model.KindSpec, ops []any, ignored *[]string) ([]any, bool) {
	out := ops[:0:0]
	changed := false
	for _, raw := range ops {
		op, ok := raw.(map[string]any)
		if !ok {
			out = append(out, raw)
			continue
		}
		path, _ := op[keyOf(op, pathMember)].(string)
		if path == "" {
			out = append(out, raw)
			continue
		}
		parts, label, ignore := ignoredPath(kind, path)
		if ignore {
			*ignored = append(*ignored, label)
			changed = true
			continue
		}
		valueKey := keyOf(op, valueMember)
		value, hasValue := op[valueKey]
		if !hasValue || value == nil {
			out = append(out, raw)
			continue
		}
		before := len(*ignored)
		stripped, keep := stripValue(kind, parts, value, ignored)
		if len(*ignored) == before {
			out = append(out, raw)
			continue
		}
		changed = true
		if !keep {
			continue
		}
		copied := maps.Clone(op)
		copied[valueKey] = stripped
		out = append(out, copied)
	}
	return out, changed
}

// The members of a PATCH operation object.
const (
	opMember    = "op"
	pathMember  = "path"
	valueMember = "value"
)

// normalizeOp rewrites one operation into one or more; it reports whether anything changed.
func normalizeOp(raw any) ([]any, bool) {
	op, ok := raw.(map[string]any)
	if !ok {
		return []any{raw}, false
	}
	opKey, pathKey, valueKey := keyOf(op, opMember), keyOf(op, pathMember), keyOf(op, valueMember)
	name, _ := op[opKey].(string)
	name = strings.ToLower(name)
	if name != "add" && name != "replace" {
		return []any{raw}, false
	}
	value, hasValue := op[valueKey]
	path, _ := op[pathKey].(string)
	if path != "" {
		if hasValue && value == nil {
			return []any{map[string]any{opMember: "remove", pathMember: path}}, true
		}
		if b, ok := activeValue(path, value); ok {
			return []any{map[string]any{opMember: name, pathMember: path, valueMember: b}}, true
		}
		return []any{raw}, false
	}
	fields, ok := value.(map[string]any)
	if !ok {
		return []any{raw}, false
	}
	// Sorted, so that the same body always yields the same operations (and the same error, if any).
	keys := make([]string, 0, len(fields))
	for k := range fields {
		// Okta and others send the resource's id along; it is read-only and not theirs to change.
		if !strings.EqualFold(k, "id") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		if fields[k] == nil {
			out = append(out, map[string]any{opMember: "remove", pathMember: k})
			continue
		}
		v := fields[k]
		if b, ok := activeValue(k, v); ok {
			v = b
		}
		out = append(out, map[string]any{opMember: name, pathMember: k, valueMember: v})
	}
	if len(out) == 0 {
		// Nothing left to do; keep the operation so that elimity still sees a valid, empty replace.
		return []any{raw}, false
	}
	return out, true
}

// keyOf finds a member name case-insensitively, as Go's JSON decoding (and so elimity) matches it.
func keyOf(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// ErrNotAnObject is DecodeResource's error for a body that is not exactly one JSON object.
var ErrNotAnObject = errors.New("the body is not one JSON object")

// DecodeResource reads a POST or PUT body into the resource it holds, as elimity-com/scim's schema
// validates it: numbers stay json.Number, a string-valued active becomes a boolean, as in a PATCH, and what
// the kind does not store is taken out and returned as ignored, by metric label.
//
// For a PUT this means: every stored attribute takes the value the body gives it, and one the body leaves
// out is cleared (active: back to true), as RFC 7644 §3.5.1 allows; an ignored attribute never changes a
// stored one, and the response shows exactly what is stored.
func DecodeResource(body []byte, kind *model.KindSpec) (map[string]any, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var res map[string]any
	if err := dec.Decode(&res); err != nil {
		return nil, nil, errors.Join(ErrNotAnObject, err)
	}
	if _, err := dec.Token(); res == nil || err != io.EOF {
		return nil, nil, ErrNotAnObject
	}
	for k, v := range res {
		if b, ok := activeValue(k, v); ok {
			res[k] = b
		}
	}
	var ignored []string
	stripResource(kind, res, &ignored)
	return res, ignored, nil
}

// activeUserPath is the URN-qualified name of active, lower-cased.
var activeUserPath = strings.ToLower(schema.UserSchema) + ":active"

// activeValue turns a string value of the active attribute (path "active", in any case, or URN-qualified)
// into the boolean it spells, by strconv.ParseBool's rules: Entra sends "True" and "False". Any other
// value is left for elimity to validate (a string that is no boolean stays a 400 invalidValue).
func activeValue(path string, value any) (bool, bool) {
	s, ok := value.(string)
	if !ok {
		return false, false
	}
	if p := strings.ToLower(path); p != "active" && p != activeUserPath {
		return false, false
	}
	b, err := strconv.ParseBool(s)
	return b, err == nil
}
