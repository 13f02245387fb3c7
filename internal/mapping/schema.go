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

package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// ErrNoUserMapping means the schema has no object mapping whose sourceObjectName is User, so
// there is nowhere to put the attribute mappings.
var ErrNoUserMapping = errors.New(`the synchronization schema has no object mapping with sourceObjectName "User"`)

// flowAlways is Graph's default flowType; the spec writes it as "".
const flowAlways = string(v1.FlowAlways)

// The schema is handled as generic JSON rather than SDK models: a PUT replaces the whole
// document (docs/graph.md §5.4), so every field this package does not understand, including ones
// Graph adds later, must come back unchanged.
type object = map[string]any

// desiredRow is one spec mapping, parsed and in Graph's terms.
type desiredRow struct {
	target           string
	source           *Source
	matchingPriority int64
	flowType         string
}

// located is where the User object mapping sits in a decoded schema.
type located struct {
	rule  object
	user  object
	group []object
}

// ApplyMappings edits a job schema, as GET .../jobs/{job}/schema returns it, so that the User
// object mapping's attributeMappings are exactly desired, and disables the Group object mapping
// because &Money's SCIM endpoint stores no groups. It edits rather than synthesizes (§5.3): rows
// that already match keep Entra's own source trees and fields, differing rows get only the
// differing fields replaced, missing rows are added with Graph's defaults and other rows are
// dropped. Rows are compared as a set on target, canonical expression, matchingPriority, flowType
// and defaultValue, since Entra sorts them itself. Attributes the rows read or write that the
// directories do not declare are declared, because Entra rejects unknown ones (§5.4).
//
// changed is false when the schema already says all of this; updated is then schema itself, so
// the caller writes nothing in steady state. A desired source that does not parse is reported as
// an error wrapping *ExpressionError.
func ApplyMappings(schema json.RawMessage, desired []v1.AttributeMapping) (json.RawMessage, bool, error) {
	rows, err := parseDesired(desired)
	if err != nil {
		return nil, false, err
	}
	doc, err := decode(schema)
	if err != nil {
		return nil, false, err
	}
	loc, err := locate(doc)
	if err != nil {
		return nil, false, err
	}
	sourceObject, targetObject, err := endpoints(doc, loc)
	if err != nil {
		return nil, false, err
	}

	changed := setRows(loc.user, rows)
	for _, group := range loc.group {
		if enabled, ok := group["enabled"].(bool); !ok || enabled {
			group["enabled"] = false
			changed = true
		}
	}
	var sourceNames, targetNames []string
	for _, row := range rows {
		sourceNames = append(sourceNames, row.source.AttributeNames()...)
		targetNames = append(targetNames, row.target)
	}
	if declare(sourceObject, sourceNames) {
		changed = true
	}
	if declare(targetObject, targetNames) {
		changed = true
	}
	if !changed {
		return schema, false, nil
	}
	updated, err := encode(doc)
	if err != nil {
		return nil, false, err
	}
	return updated, true, nil
}

// ObservedMappings reads the User object mapping's rows back in the spec's terms, sorted by
// target: sources in canonical form (or verbatim when they do not parse) and flowType "" for
// Always. Compare it with CanonicalMappings of the spec to report drift.
func ObservedMappings(schema json.RawMessage) ([]v1.AttributeMapping, error) {
	doc, err := decode(schema)
	if err != nil {
		return nil, err
	}
	loc, err := locate(doc)
	if err != nil {
		return nil, err
	}
	var observed []v1.AttributeMapping
	for _, item := range asSlice(loc.user["attributeMappings"]) {
		row, ok := item.(object)
		if !ok {
			continue
		}
		expression, canonical := rowExpression(row)
		if !canonical {
			expression = asString(asObject(row["source"])["expression"])
		}
		observed = append(observed, v1.AttributeMapping{
			Target:           v1.MappingTarget(asString(row["targetAttributeName"])),
			Source:           expression,
			MatchingPriority: int32(min(max(asInt(row["matchingPriority"]), 0), math.MaxInt32)),
			FlowType:         specFlowType(rowFlowType(row)),
		})
	}
	sortByTarget(observed)
	return observed, nil
}

// CanonicalMappings is a spec table in the form ObservedMappings returns, so the two compare
// equal when Entra already holds the table.
func CanonicalMappings(desired []v1.AttributeMapping) ([]v1.AttributeMapping, error) {
	rows, err := parseDesired(desired)
	if err != nil {
		return nil, err
	}
	canonical := make([]v1.AttributeMapping, 0, len(rows))
	for _, row := range rows {
		canonical = append(canonical, v1.AttributeMapping{
			Target:           v1.MappingTarget(row.target),
			Source:           row.source.Expression,
			MatchingPriority: int32(row.matchingPriority),
			FlowType:         specFlowType(row.flowType),
		})
	}
	sortByTarget(canonical)
	return canonical, nil
}

// RuleID returns the id of the synchronization rule holding the User object mapping: the
// ruleId provision-on-demand needs.
func RuleID(schema json.RawMessage) (string, error) {
	doc, err := decode(schema)
	if err != nil {
		return "", err
	}
	loc, err := locate(doc)
	if err != nil {
		return "", err
	}
	id := asString(loc.rule["id"])
	if id == "" {
		return "", fmt.Errorf("the synchronization rule %q holding the User object mapping has no id", asString(loc.rule["name"]))
	}
	return id, nil
}

func parseDesired(desired []v1.AttributeMapping) ([]desiredRow, error) {
	if len(desired) == 0 {
		return nil, errors.New("no attribute mappings: Entra needs at least the userName mapping")
	}
	rows := make([]desiredRow, 0, len(desired))
	seen := map[string]bool{}
	matching := false
	for _, m := range desired {
		target := string(m.Target)
		if target == "" {
			return nil, errors.New("an attribute mapping has no target")
		}
		if seen[target] {
			return nil, fmt.Errorf("target %s is mapped more than once", target)
		}
		seen[target] = true
		source, err := Parse(m.Source)
		if err != nil {
			return nil, fmt.Errorf("source of %s: %w", target, err)
		}
		if m.MatchingPriority < 0 {
			return nil, fmt.Errorf("target %s: matchingPriority must not be negative", target)
		}
		matching = matching || m.MatchingPriority > 0
		flowType := string(m.FlowType)
		if flowType == "" {
			flowType = flowAlways
		}
		rows = append(rows, desiredRow{target: target, source: source, matchingPriority: int64(m.MatchingPriority), flowType: flowType})
	}
	if !matching {
		return nil, errors.New("no attribute mapping has a matchingPriority above 0: Entra needs a matching attribute, usually userName")
	}
	return rows, nil
}

// locate finds the User object mapping by sourceObjectName, never by its display name, which
// differs between "Azure Active Directory" and "Microsoft Entra ID" tenants (§5.2).
func locate(doc object) (located, error) {
	var found []located
	for _, item := range asSlice(doc["synchronizationRules"]) {
		rule := asObject(item)
		var users, groups []object
		for _, om := range asSlice(rule["objectMappings"]) {
			m := asObject(om)
			switch name := asString(m["sourceObjectName"]); {
			case strings.EqualFold(name, "User"):
				users = append(users, m)
			case strings.EqualFold(name, "Group"):
				groups = append(groups, m)
			}
		}
		for _, user := range users {
			found = append(found, located{rule: rule, user: user, group: groups})
		}
	}
	switch len(found) {
	case 0:
		return located{}, ErrNoUserMapping
	case 1:
		return found[0], nil
	}
	// Editing one of several would leave the others provisioning with an unmanaged table.
	return located{}, fmt.Errorf("the synchronization schema has %d object mappings with sourceObjectName \"User\"; expected one", len(found))
}

// endpoints returns the object definitions the User mapping reads from and writes to, by the
// directory names the rule itself gives.
func endpoints(doc object, loc located) (source, target object, err error) {
	find := func(role, directoryName, objectName string) (object, error) {
		for _, d := range asSlice(doc["directories"]) {
			dir := asObject(d)
			if !strings.EqualFold(asString(dir["name"]), directoryName) {
				continue
			}
			for _, o := range asSlice(dir["objects"]) {
				if obj := asObject(o); strings.EqualFold(asString(obj["name"]), objectName) {
					return obj, nil
				}
			}
			return nil, fmt.Errorf("%s directory %q does not define object %q", role, directoryName, objectName)
		}
		return nil, fmt.Errorf("%s directory %q of rule %q is not in the schema's directories", role, directoryName, asString(loc.rule["name"]))
	}
	source, err = find("source", asString(loc.rule["sourceDirectoryName"]), asString(loc.user["sourceObjectName"]))
	if err != nil {
		return nil, nil, err
	}
	target, err = find("target", asString(loc.rule["targetDirectoryName"]), asString(loc.user["targetObjectName"]))
	if err != nil {
		return nil, nil, err
	}
	return source, target, nil
}

// setRows makes the object mapping's attributeMappings the desired set and reports a change.
func setRows(user object, rows []desiredRow) bool {
	byTarget := make(map[string]desiredRow, len(rows))
	for _, row := range rows {
		byTarget[row.target] = row
	}
	changed := false
	done := map[string]bool{}
	kept := make([]any, 0, len(rows))
	for _, item := range asSlice(user["attributeMappings"]) {
		existing, ok := item.(object)
		target := asString(existing["targetAttributeName"])
		row, wanted := byTarget[target]
		// Entra does not de-duplicate (§5.4), so a second row for a target is dropped too.
		if !ok || !wanted || done[target] {
			changed = true
			continue
		}
		done[target] = true
		if editRow(existing, row) {
			changed = true
		}
		kept = append(kept, existing)
	}
	for _, row := range rows {
		if !done[row.target] {
			kept = append(kept, newRow(row))
			changed = true
		}
	}
	if changed {
		user["attributeMappings"] = kept
	}
	return changed
}

// editRow replaces only the compared fields that differ, so Entra's own source tree and fields
// this package does not manage (flowBehavior, exportMissingReferences, ...) stay as they are.
func editRow(existing object, row desiredRow) bool {
	changed := false
	if expression, ok := rowExpression(existing); !ok || expression != row.source.Expression {
		existing["source"] = row.source
		changed = true
	}
	if asInt(existing["matchingPriority"]) != row.matchingPriority {
		existing["matchingPriority"] = row.matchingPriority
		changed = true
	}
	if rowFlowType(existing) != row.flowType {
		existing["flowType"] = row.flowType
		changed = true
	}
	// The spec has no default value. "" counts as none too: if Entra ever echoes null as "", a
	// strict comparison would PUT on every reconcile.
	if value, set := existing["defaultValue"]; set && value != nil && value != "" {
		existing["defaultValue"] = nil
		changed = true
	}
	return changed
}

// newRow is a mapping row with the defaults Entra gives direct mappings (§5.3).
func newRow(row desiredRow) object {
	return object{
		"defaultValue":            nil,
		"exportMissingReferences": false,
		"flowBehavior":            "FlowWhenChanged",
		"flowType":                row.flowType,
		"matchingPriority":        row.matchingPriority,
		"source":                  row.source,
		"targetAttributeName":     row.target,
	}
}

// rowExpression is the canonical expression of an existing row; ok is false when the row has
// no source or Entra's text does not parse here, which then counts as a difference.
func rowExpression(row object) (string, bool) {
	source := asObject(row["source"])
	if source == nil {
		return "", false
	}
	expression, err := Normalize(asString(source["expression"]))
	return expression, err == nil
}

func rowFlowType(row object) string {
	if flowType := asString(row["flowType"]); flowType != "" {
		return flowType
	}
	return flowAlways
}

func specFlowType(flowType string) v1.FlowType {
	if flowType == flowAlways {
		return ""
	}
	return v1.FlowType(flowType)
}

// booleanAttributes are the names this package may have to declare whose type is not String:
// declaring active as a String would make Entra send "True" instead of true to the SCIM endpoint.
var booleanAttributes = map[string]bool{"active": true, "IsSoftDeleted": true, "accountEnabled": true}

// declare adds an attribute definition to obj for every name it lacks (matched case-insensitively,
// as Entra does) and reports whether it added any.
func declare(obj object, names []string) bool {
	attributes := asSlice(obj["attributes"])
	has := func(name string) bool {
		return slices.ContainsFunc(attributes, func(a any) bool {
			return strings.EqualFold(asString(asObject(a)["name"]), name)
		})
	}
	added := false
	for _, name := range names {
		if has(name) {
			continue
		}
		kind := "String"
		if booleanAttributes[name] {
			kind = "Boolean"
		}
		attributes = append(attributes, object{
			"anchor": false, "apiExpressions": []any{}, "caseExact": false, "defaultValue": nil,
			"flowNullValues": false, "metadata": []any{}, "multivalued": false, "mutability": "ReadWrite",
			"name": name, "referencedObjects": []any{}, "required": false, "type": kind,
		})
		added = true
	}
	if added {
		obj["attributes"] = attributes
	}
	return added
}

func sortByTarget(mappings []v1.AttributeMapping) {
	slices.SortFunc(mappings, func(a, b v1.AttributeMapping) int { return strings.Compare(string(a.Target), string(b.Target)) })
}

func decode(schema json.RawMessage) (object, error) {
	decoder := json.NewDecoder(bytes.NewReader(schema))
	// Numbers stay json.Number so that ids or versions held as numbers keep every digit.
	decoder.UseNumber()
	var doc object
	if err := decoder.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode the synchronization schema: %w", err)
	}
	if doc == nil {
		return nil, errors.New("decode the synchronization schema: it is not a JSON object")
	}
	if _, err := decoder.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode the synchronization schema: unexpected data after the JSON object")
	}
	return doc, nil
}

func encode(doc object) (json.RawMessage, error) {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	// Target names such as addresses[type eq "work"] and expressions may hold <, > or &; keep them
	// readable in the PUT body and in test fixtures.
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode the synchronization schema: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func asObject(v any) object {
	m, _ := v.(object)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// asInt reads a JSON integer; anything else is -1, which never equals a valid priority and so
// gets rewritten.
func asInt(v any) int64 {
	switch n := v.(type) {
	case nil:
		return 0
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i
		}
	case int64:
		return n
	}
	return -1
}
