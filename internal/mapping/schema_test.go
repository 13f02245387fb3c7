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
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

const (
	ruleID     = "03f7d90d-bf71-41b1-bda6-aaf0ddbee5d8"
	userObject = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// fixtures are the scim template's default schema (docs/graph.md §11.4) as Entra names its source
// directory in older and in current tenants, with flowTypes written without and with spaces, and
// with fields Graph may add later that a PUT has to send back.
var fixtures = map[string]struct {
	file, sourceDirectory, flowTypes string
}{
	"AzureActiveDirectory": {"scim-template-aad.json", "Azure Active Directory", "Add,Update,Delete"},
	"MicrosoftEntraID":     {"scim-template-entra.json", "Microsoft Entra ID", "Add, Update, Delete"},
}

func TestApplyMappingsToTheTemplate(t *testing.T) {
	tables := map[string][]v1.AttributeMapping{
		"Advisors": v1.SeedMappings(v1.ResourceTypeAdvisors),
		"Rooms":    v1.SeedMappings(v1.ResourceTypeRooms),
	}
	for fixtureName, fx := range fixtures {
		for tableName, desired := range tables {
			t.Run(fixtureName+"/"+tableName, func(t *testing.T) {
				g := NewWithT(t)
				in := loadFixture(t, fx.file)
				out, changed, err := ApplyMappings(in, desired)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(changed).To(BeTrue())

				g.Expect(ObservedMappings(out)).To(HaveLen(len(desired)))
				expectMappings(t, out, desired)
				expectValidForEntra(t, out)

				before, after := generic(t, in), generic(t, out)
				g.Expect(userMapping(after)["flowTypes"]).To(Equal(fx.flowTypes))
				g.Expect(groupMapping(after)["enabled"]).To(BeFalse())
				g.Expect(userRow(after, "userName")).To(Equal(userRow(before, "userName")), "a matching row keeps every field")
				g.Expect(userRow(after, "active")).To(Equal(userRow(before, "active")), "the template's Switch tree is kept")

				externalID := userRow(after, "externalId")
				g.Expect(externalID["source"]).To(Equal(jsonValue(t, []byte(
					`{"expression":"[objectId]","name":"objectId","type":"Attribute","parameters":[]}`))))
				g.Expect(externalID["x-rowNote"]).To(Equal("replaced sources keep unknown fields"))

				// Apart from the user rows and the Group switch, nothing may differ: not the ids,
				// versions, directories, metadata, unknown fields or numbers.
				userMapping(before)["attributeMappings"] = userMapping(after)["attributeMappings"]
				groupMapping(before)["enabled"] = false
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("ApplyMappings changed more than the mappings (-template +updated):\n%s", diff)
				}

				g.Expect(RuleID(out)).To(Equal(ruleID))
			})
		}
	}
}

func TestApplyMappingsIsIdempotent(t *testing.T) {
	for name, fx := range fixtures {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			desired := v1.SeedMappings(v1.ResourceTypeAdvisors)
			once, changed, err := ApplyMappings(loadFixture(t, fx.file), desired)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(changed).To(BeTrue())

			twice, changed, err := ApplyMappings(once, desired)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(changed).To(BeFalse())
			g.Expect(twice).To(Equal(once), "an unchanged schema is returned as it came")
		})
	}
}

func TestApplyMappingsRepairsDrift(t *testing.T) {
	desired := v1.SeedMappings(v1.ResourceTypeAdvisors)
	cases := map[string]struct {
		edit    func(doc map[string]any)
		changed bool
	}{
		"SourceChangedInThePortal": {edit: func(doc map[string]any) {
			userRow(doc, "displayName")["source"] = map[string]any{"expression": "[mail]", "name": "mail", "type": "Attribute", "parameters": []any{}}
		}, changed: true},
		"SourceThatDoesNotParse": {edit: func(doc map[string]any) {
			userRow(doc, "displayName")["source"] = map[string]any{"expression": "Frobnicate([mail])", "name": "Frobnicate", "type": "Function"}
		}, changed: true},
		"SourceRemoved": {edit: func(doc map[string]any) {
			userRow(doc, "displayName")["source"] = nil
		}, changed: true},
		"MatchingPriorityChanged": {edit: func(doc map[string]any) {
			userRow(doc, "userName")["matchingPriority"] = json.Number("2")
		}, changed: true},
		"ExtraMatchingAttribute": {edit: func(doc map[string]any) {
			userRow(doc, "externalId")["matchingPriority"] = json.Number("2")
		}, changed: true},
		"FlowTypeChanged": {edit: func(doc map[string]any) {
			userRow(doc, "displayName")["flowType"] = "ObjectAddOnly"
		}, changed: true},
		"DefaultValueSet": {edit: func(doc map[string]any) {
			userRow(doc, "displayName")["defaultValue"] = "Unknown"
		}, changed: true},
		"RowAddedInThePortal": {edit: func(doc map[string]any) {
			m := userMapping(doc)
			m["attributeMappings"] = append(m["attributeMappings"].([]any), map[string]any{
				"targetAttributeName": "title", "matchingPriority": json.Number("0"), "flowType": "Always",
				"source": map[string]any{"expression": "[jobTitle]", "name": "jobTitle", "type": "Attribute", "parameters": []any{}},
			})
		}, changed: true},
		"RowDeletedInThePortal": {edit: func(doc map[string]any) {
			removeUserRow(doc, "externalId")
		}, changed: true},
		"DuplicateRow": {edit: func(doc map[string]any) {
			m := userMapping(doc)
			m["attributeMappings"] = append(m["attributeMappings"].([]any), userRow(doc, "displayName"))
		}, changed: true},
		"GroupMappingEnabledAgain": {edit: func(doc map[string]any) {
			groupMapping(doc)["enabled"] = true
		}, changed: true},
		"SourceAttributeUndeclared": {edit: func(doc map[string]any) {
			removeAttribute(directoryObject(doc, 0, "User"), "physicalDeliveryOfficeName")
		}, changed: true},
		"TargetAttributeUndeclared": {edit: func(doc map[string]any) {
			removeAttribute(directoryObject(doc, 1, userObject), "externalId")
		}, changed: true},
		"RowsReordered": {edit: func(doc map[string]any) {
			slices.Reverse(userMapping(doc)["attributeMappings"].([]any))
		}},
		"ExpressionSpacedDifferently": {edit: func(doc map[string]any) {
			userRow(doc, "active")["source"].(map[string]any)["expression"] = `Switch([IsSoftDeleted],,"False","True","True","False")`
		}},
		"FlowTypeOmitted": {edit: func(doc map[string]any) {
			delete(userRow(doc, "displayName"), "flowType")
		}},
		"DefaultValueEmpty": {edit: func(doc map[string]any) {
			userRow(doc, "displayName")["defaultValue"] = ""
		}},
		"UnmanagedFieldChanged": {edit: func(doc map[string]any) {
			userRow(doc, "displayName")["flowBehavior"] = "FlowAlways"
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			steady, _, err := ApplyMappings(loadFixture(t, "scim-template-aad.json"), desired)
			g.Expect(err).NotTo(HaveOccurred())
			doc := generic(t, steady)
			tc.edit(doc)
			drifted := encodeGeneric(t, doc)

			repaired, changed, err := ApplyMappings(drifted, desired)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(changed).To(Equal(tc.changed))
			expectMappings(t, repaired, desired)
			expectValidForEntra(t, repaired)

			_, changed, err = ApplyMappings(repaired, desired)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(changed).To(BeFalse(), "the repaired schema is in steady state")
		})
	}
}

func TestApplyMappingsWithCustomExpressions(t *testing.T) {
	g := NewWithT(t)
	desired := []v1.AttributeMapping{
		{Target: v1.TargetUserName, Source: "[mail]", MatchingPriority: 1},
		{Target: v1.TargetActive, Source: `Switch([accountEnabled], "False", "True", "True")`},
		{Target: v1.TargetDisplayName, Source: `Join(" ",[givenName] , [surname])`},
		{Target: v1.TargetExternalID, Source: "objectId", FlowType: v1.FlowObjectAddOnly},
		{Target: v1.TargetWorkAddress, Source: "extension_5f2c_officeCode"},
	}
	in := generic(t, loadFixture(t, "scim-template-entra.json"))
	removeAttribute(directoryObject(in, 1, userObject), string(v1.TargetWorkAddress))

	out, changed, err := ApplyMappings(encodeGeneric(t, in), desired)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	expectMappings(t, out, desired)
	expectValidForEntra(t, out)

	doc := generic(t, out)
	g.Expect(userRow(doc, "displayName")["source"]).To(Equal(jsonValue(t, []byte(
		`{"expression":"Join(\" \", [givenName], [surname])","name":"Join","type":"Function","parameters":[
			{"key":"separator","value":{"expression":"\" \"","name":" ","type":"Constant","parameters":[]}},
			{"key":"source","value":{"expression":"[givenName]","name":"givenName","type":"Attribute","parameters":[]}},
			{"key":"source","value":{"expression":"[surname]","name":"surname","type":"Attribute","parameters":[]}}]}`))))
	g.Expect(userRow(doc, "externalId")["flowType"]).To(Equal("ObjectAddOnly"))

	declared := `{"anchor":false,"apiExpressions":[],"caseExact":false,"defaultValue":null,"flowNullValues":false,
		"metadata":[],"multivalued":false,"mutability":"ReadWrite","name":%q,"referencedObjects":[],"required":false,"type":"String"}`
	g.Expect(attribute(directoryObject(doc, 0, "User"), "extension_5f2c_officeCode")).To(Equal(
		jsonValue(t, []byte(strings.Replace(declared, "%q", `"extension_5f2c_officeCode"`, 1)))))
	g.Expect(attribute(directoryObject(doc, 1, userObject), string(v1.TargetWorkAddress))).To(Equal(
		jsonValue(t, []byte(strings.Replace(declared, "%q", `"addresses[type eq \"work\"].formatted"`, 1)))))
}

func TestApplyMappingsDeclaresBooleans(t *testing.T) {
	g := NewWithT(t)
	in := generic(t, loadFixture(t, "scim-template-aad.json"))
	removeAttribute(directoryObject(in, 0, "User"), "IsSoftDeleted")
	removeAttribute(directoryObject(in, 1, userObject), "active")

	out, _, err := ApplyMappings(encodeGeneric(t, in), v1.SeedMappings(v1.ResourceTypeRooms))
	g.Expect(err).NotTo(HaveOccurred())
	doc := generic(t, out)
	g.Expect(attribute(directoryObject(doc, 0, "User"), "IsSoftDeleted")["type"]).To(Equal("Boolean"))
	g.Expect(attribute(directoryObject(doc, 1, userObject), "active")["type"]).To(Equal("Boolean"))
}

func TestApplyMappingsErrors(t *testing.T) {
	seed := v1.SeedMappings(v1.ResourceTypeAdvisors)
	template := func(t *testing.T, edit func(doc map[string]any)) json.RawMessage {
		doc := generic(t, loadFixture(t, "scim-template-aad.json"))
		edit(doc)
		return encodeGeneric(t, doc)
	}
	withoutUser := func(doc map[string]any) {
		rule := doc["synchronizationRules"].([]any)[0].(map[string]any)
		rule["objectMappings"] = slices.DeleteFunc(rule["objectMappings"].([]any), func(m any) bool {
			return m.(map[string]any)["sourceObjectName"] == "User"
		})
	}
	cases := map[string]struct {
		schema  func(t *testing.T) json.RawMessage
		desired []v1.AttributeMapping
		want    string
		is      error
	}{
		"NoUserMapping": {
			schema: func(t *testing.T) json.RawMessage { return template(t, withoutUser) }, desired: seed,
			want: `the synchronization schema has no object mapping with sourceObjectName "User"`, is: ErrNoUserMapping,
		},
		"TwoUserMappings": {
			schema: func(t *testing.T) json.RawMessage {
				return template(t, func(doc map[string]any) {
					rules := doc["synchronizationRules"].([]any)
					doc["synchronizationRules"] = append(rules, rules[0])
				})
			},
			desired: seed, want: "has 2 object mappings with sourceObjectName \"User\"; expected one",
		},
		"SourceDirectoryMissing": {
			schema: func(t *testing.T) json.RawMessage {
				return template(t, func(doc map[string]any) {
					doc["directories"].([]any)[0].(map[string]any)["name"] = "Somewhere else"
				})
			},
			desired: seed, want: `source directory "Azure Active Directory" of rule "USERGROUP_OUTBOUND_USERGROUP" is not in the schema's directories`,
		},
		"TargetObjectMissing": {
			schema: func(t *testing.T) json.RawMessage {
				return template(t, func(doc map[string]any) { userMapping(doc)["targetObjectName"] = "urn:example:User" })
			},
			desired: seed, want: `target directory "customappsso" does not define object "urn:example:User"`,
		},
		"NotJSON": {
			schema: func(*testing.T) json.RawMessage { return json.RawMessage(`{"id":`) }, desired: seed,
			want: "decode the synchronization schema",
		},
		"TrailingData": {
			schema: func(*testing.T) json.RawMessage { return json.RawMessage(`{} {}`) }, desired: seed,
			want: "unexpected data after the JSON object",
		},
		"NoMappings": {
			schema: func(t *testing.T) json.RawMessage { return loadFixture(t, "scim-template-aad.json") },
			want:   "no attribute mappings",
		},
		"DuplicateTarget": {
			schema:  func(t *testing.T) json.RawMessage { return loadFixture(t, "scim-template-aad.json") },
			desired: append(slices.Clone(seed), v1.AttributeMapping{Target: v1.TargetDisplayName, Source: "mail"}),
			want:    "target displayName is mapped more than once",
		},
		"NoMatchingAttribute": {
			schema:  func(t *testing.T) json.RawMessage { return loadFixture(t, "scim-template-aad.json") },
			desired: []v1.AttributeMapping{{Target: v1.TargetUserName, Source: "userPrincipalName"}},
			want:    "no attribute mapping has a matchingPriority above 0",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, changed, err := ApplyMappings(tc.schema(t), tc.desired)
			g.Expect(err).To(MatchError(ContainSubstring(tc.want)))
			g.Expect(changed).To(BeFalse())
			if tc.is != nil {
				g.Expect(errors.Is(err, tc.is)).To(BeTrue())
			}
		})
	}
}

func TestApplyMappingsReportsBadExpressions(t *testing.T) {
	g := NewWithT(t)
	desired := v1.SeedMappings(v1.ResourceTypeAdvisors)
	desired[2].Source = `Join(" ", [givenName] [surname])`
	_, changed, err := ApplyMappings(loadFixture(t, "scim-template-aad.json"), desired)
	g.Expect(changed).To(BeFalse())
	g.Expect(err).To(MatchError(`source of displayName: column 23: expected ")" or ","`))
	var exprErr *ExpressionError
	g.Expect(errors.As(err, &exprErr)).To(BeTrue())
	g.Expect(exprErr.Offset).To(Equal(22))
}

func TestObservedMappingsOfTheTemplate(t *testing.T) {
	g := NewWithT(t)
	observed, err := ObservedMappings(loadFixture(t, "scim-template-aad.json"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(observed).To(HaveLen(22))
	g.Expect(slices.IsSortedFunc(observed, func(a, b v1.AttributeMapping) int {
		return strings.Compare(string(a.Target), string(b.Target))
	})).To(BeTrue())
	g.Expect(observed).To(ContainElements(
		v1.AttributeMapping{Target: "userName", Source: "[userPrincipalName]", MatchingPriority: 1},
		v1.AttributeMapping{Target: "active", Source: v1.ActiveFromSoftDeleted},
		v1.AttributeMapping{Target: "externalId", Source: "[mailNickname]"},
		v1.AttributeMapping{Target: "name.formatted", Source: `Join(" ", [givenName], [surname])`},
	))

	_, err = ObservedMappings(json.RawMessage(`{"synchronizationRules":[]}`))
	g.Expect(errors.Is(err, ErrNoUserMapping)).To(BeTrue())
}

func TestRuleID(t *testing.T) {
	for name, fx := range fixtures {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(RuleID(loadFixture(t, fx.file))).To(Equal(ruleID))
		})
	}
	t.Run("NoUserMapping", func(t *testing.T) {
		g := NewWithT(t)
		_, err := RuleID(json.RawMessage(`{"synchronizationRules":[{"id":"x","objectMappings":[{"sourceObjectName":"Group"}]}]}`))
		g.Expect(errors.Is(err, ErrNoUserMapping)).To(BeTrue())
	})
	t.Run("RuleWithoutID", func(t *testing.T) {
		g := NewWithT(t)
		_, err := RuleID(json.RawMessage(`{"synchronizationRules":[{"name":"r","objectMappings":[{"sourceObjectName":"User"}]}]}`))
		g.Expect(err).To(MatchError(ContainSubstring(`rule "r" holding the User object mapping has no id`)))
	})
}
