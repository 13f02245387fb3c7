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
	elimityfilter "github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// patchOpSchema is the one schema URI a PATCH body must name.
const patchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// Operations reads a PATCH body into the very operations elimity-com/scim hands its handler for the body
// Normalize makes of it, without elimity: elimity runs the general filter parser on every operation's
// path, at tens of microseconds and kilobytes each (BenchmarkSplitPath), where quickPath reads Entra's
// paths in nanoseconds. The schema is the kind's User schema with externalId (against), which elimity
// validates a PATCH against.
//
// It takes what Entra sends: a body naming the PatchOp schema, whose operations, once normalised, are
// each an add, replace or remove on a path quickPath reads, naming an attribute of the schema, with one
// value the attribute accepts (by elimity's own check, ValidateSingular), or no value for a remove. For
// any other body, ok is false, and elimity is to answer it, errors included. The ignored attributes are
// Normalize's.
func Operations(body []byte, kind *model.KindSpec, against schema.Schema) (ops []scim.PatchOperation, ignored []string, ok bool) {
	n, ok := normalize(body, kind)
	if !ok || !namesPatchOp(n.doc) || !unique(n.doc, "Operations") {
		return nil, nil, false
	}
	ops = make([]scim.PatchOperation, 0, len(n.ops))
	for _, raw := range n.ops {
		op, ok := quickOperation(raw, against)
		if !ok {
			return nil, nil, false
		}
		ops = append(ops, op)
	}
	return ops, n.ignored, true
}

// namesPatchOp reports whether a PATCH body's schemas member, matched as elimity matches it (in any case),
// is exactly the PatchOp schema: elimity refuses anything else as invalidValue.
func namesPatchOp(doc map[string]any) bool {
	if !unique(doc, "schemas") {
		return false
	}
	schemas, ok := doc[keyOf(doc, "schemas")].([]any)
	return ok && len(schemas) == 1 && schemas[0] == patchOpSchema
}

// unique reports whether m holds exactly one member named name in any case: with two, which one elimity
// reads depends on their order in the body, which a decoded map no longer has.
func unique(m map[string]any, name string) bool {
	count := 0
	for k := range m {
		if strings.EqualFold(k, name) {
			count++
		}
	}
	return count == 1
}

// quickOperation reads one normalised operation as elimity's validation would (see Operations); ok is
// false when it cannot tell that elimity would accept it.
func quickOperation(raw any, against schema.Schema) (scim.PatchOperation, bool) {
	op, path, value, ok := members(raw)
	if !ok {
		return scim.PatchOperation{}, false
	}
	if path == "" {
		// What Normalize leaves when it ignored every operation: one empty path-less replace, which elimity
		// hands over as an empty map.
		if fields, ok := value.(map[string]any); ok && len(fields) == 0 && op == scim.PatchOperationReplace {
			return scim.PatchOperation{Op: op, Value: map[string]any{}}, true
		}
		return scim.PatchOperation{}, false
	}
	p, ok := quickPath(path)
	if !ok {
		return scim.PatchOperation{}, false
	}
	target, ok := targetOf(p, against)
	if !ok {
		return scim.PatchOperation{}, false
	}
	switch value.(type) {
	case nil:
		if op != scim.PatchOperationRemove {
			return scim.PatchOperation{}, false // elimity: an add or replace needs a value.
		}
		return scim.PatchOperation{Op: op, Path: &p}, true
	case map[string]any, []any:
		return scim.PatchOperation{}, false // Complex and multi-valued values: elimity's to read.
	}
	if op == scim.PatchOperationRemove || target.MultiValued() {
		return scim.PatchOperation{}, false
	}
	checked, scimErr := target.ValidateSingular(value)
	if scimErr != nil {
		return scim.PatchOperation{}, false
	}
	return scim.PatchOperation{Op: op, Path: &p, Value: checked}, true
}

// targetOf finds the attribute a path names in the schema, as elimity's path validation does: the
// attribute, then its sub-attribute; for a value filter, the attribute must be complex (so that the
// filter is checked against its sub-attributes, as both of elimity's checks do), and the filter must pass
// elimity's filter validation; then the sub-attribute after the filter.
func targetOf(p scimfilter.Path, against schema.Schema) (schema.CoreAttribute, bool) {
	attr, ok := against.Attributes.ContainsAttribute(p.AttributePath.AttributeName)
	if !ok {
		return schema.CoreAttribute{}, false
	}
	if sub := p.AttributePath.SubAttributeName(); sub != "" {
		if attr, ok = subAttribute(attr, sub); !ok {
			return schema.CoreAttribute{}, false
		}
	}
	if p.ValueExpression != nil {
		if attr.AttributeType() != "complex" {
			return schema.CoreAttribute{}, false
		}
		valid := elimityfilter.NewFilterValidator(p.ValueExpression,
			schema.Schema{ID: against.ID, Attributes: attr.SubAttributes()}).Validate()
		if valid != nil {
			return schema.CoreAttribute{}, false
		}
	}
	if sub := p.SubAttributeName(); sub != "" {
		if attr, ok = subAttribute(attr, sub); !ok {
			return schema.CoreAttribute{}, false
		}
	}
	return attr, true
}

// members reads an operation's op (lower-cased, as elimity hands it over), path and value, when it is an
// object with each of them at most once, in any case, and nothing else, and its op is add, replace or
// remove.
func members(raw any) (op, path string, value any, ok bool) {
	m, isObject := raw.(map[string]any)
	if !isObject || !unique(m, opMember) || len(m) > 3 {
		return "", "", nil, false
	}
	name, isString := m[keyOf(m, opMember)].(string)
	op = strings.ToLower(name)
	if !isString || (op != scim.PatchOperationAdd && op != scim.PatchOperationReplace && op != scim.PatchOperationRemove) {
		return "", "", nil, false
	}
	if raw, has := m[keyOf(m, pathMember)]; has {
		if path, isString = raw.(string); !isString || !unique(m, pathMember) {
			return "", "", nil, false
		}
	}
	if _, has := m[keyOf(m, valueMember)]; has && !unique(m, valueMember) {
		return "", "", nil, false
	}
	return op, path, m[keyOf(m, valueMember)], true
}

func subAttribute(attr schema.CoreAttribute, name string) (schema.CoreAttribute, bool) {
	if !attr.HasSubAttributes() {
		return schema.CoreAttribute{}, false
	}
	return attr.SubAttributes().ContainsAttribute(name)
}
