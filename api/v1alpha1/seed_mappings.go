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

package v1alpha1

import "slices"

// ActiveFromSoftDeleted is the seed guide's expression for active: a soft-deleted Entra user becomes an
// inactive record instead of disappearing.
const ActiveFromSoftDeleted = `Switch([IsSoftDeleted], , "False", "True", "True", "False")`

// seedRows is the seed guide's attribute-mapping table for a record that keeps every target.
var seedRows = []AttributeMapping{
	{Target: TargetUserName, Source: "userPrincipalName", MatchingPriority: 1},
	{Target: TargetActive, Source: ActiveFromSoftDeleted},
	{Target: TargetDisplayName, Source: "displayName"},
	{Target: TargetGivenName, Source: "givenName"},
	{Target: TargetFamilyName, Source: "surname"},
	{Target: TargetWorkAddress, Source: "physicalDeliveryOfficeName"},
	{Target: TargetExternalID, Source: "objectId"},
}

// storedTargets lists, per resource type, the mapping targets its records keep. This is the one place
// that says rooms have no name; the SCIM endpoint's schema, PATCH, filters and validation read it too.
var storedTargets = map[ResourceType][]MappingTarget{
	ResourceTypeAdvisors: {TargetUserName, TargetActive, TargetDisplayName, TargetGivenName, TargetFamilyName,
		TargetWorkAddress, TargetExternalID},
	ResourceTypeRooms: {TargetUserName, TargetActive, TargetDisplayName, TargetWorkAddress, TargetExternalID},
}

// SeedMappings returns the seed guide's attribute-mapping table for a resource type: the table a
// ScimApplication gets when its spec omits mappings. The API server fills it at admission (the
// MutatingAdmissionPolicy in config/admission); EffectiveMappings falls back to it on clusters
// that run without that policy.
func SeedMappings(resourceType ResourceType) []AttributeMapping {
	rows := make([]AttributeMapping, 0, len(seedRows))
	for _, row := range seedRows {
		if StoredBy(resourceType, row.Target) {
			rows = append(rows, row)
		}
	}
	return rows
}

// StoredBy reports whether the records of a resource type keep a target attribute. An unknown resource
// type keeps none.
func StoredBy(resourceType ResourceType, target MappingTarget) bool {
	return slices.Contains(storedTargets[resourceType], target)
}

// EffectiveMappings is the mapping table the controller pushes to Entra: the spec's, or the seed table
// when the spec has none.
func (s *ScimApplicationSpec) EffectiveMappings() []AttributeMapping {
	if len(s.Mappings) > 0 {
		return s.Mappings
	}
	return SeedMappings(s.ResourceType)
}
