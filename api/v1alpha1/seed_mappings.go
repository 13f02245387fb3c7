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

// ActiveFromSoftDeleted is the seed guide's expression for active: a soft-deleted Entra user becomes an
// inactive record instead of disappearing.
const ActiveFromSoftDeleted = `Switch([IsSoftDeleted], , "False", "True", "True", "False")`

// SeedMappings returns the seed guide's attribute-mapping table for a resource type: the table a
// ScimApplication gets when its spec omits mappings. The API server fills it at admission (the
// MutatingAdmissionPolicy in config/admission); EffectiveMappings falls back to it on clusters
// that run without that policy.
func SeedMappings(resourceType ResourceType) []AttributeMapping {
	rows := []AttributeMapping{
		{Target: TargetUserName, Source: "userPrincipalName", MatchingPriority: 1},
		{Target: TargetActive, Source: ActiveFromSoftDeleted},
		{Target: TargetDisplayName, Source: "displayName"},
		{Target: TargetGivenName, Source: "givenName"},
		{Target: TargetFamilyName, Source: "surname"},
		{Target: TargetWorkAddress, Source: "physicalDeliveryOfficeName"},
		{Target: TargetExternalID, Source: "objectId"},
	}
	if resourceType == ResourceTypeAdvisors {
		return rows
	}
	rooms := make([]AttributeMapping, 0, len(rows))
	for _, row := range rows {
		if StoredBy(resourceType, row.Target) {
			rooms = append(rooms, row)
		}
	}
	return rooms
}

// StoredBy reports whether the SCIM endpoint of a resource type stores a target attribute: rooms have
// no name.
func StoredBy(resourceType ResourceType, target MappingTarget) bool {
	if resourceType == ResourceTypeRooms {
		return target != TargetGivenName && target != TargetFamilyName
	}
	return true
}

// EffectiveMappings is the mapping table the controller pushes to Entra: the spec's, or the seed table
// when the spec has none.
func (s *ScimApplicationSpec) EffectiveMappings() []AttributeMapping {
	if len(s.Mappings) > 0 {
		return s.Mappings
	}
	return SeedMappings(s.ResourceType)
}
