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

// RecordFields are the SCIM User attributes that Advisor and Room share. The SCIM id of a record is its
// scim.andmoney.dk/id label; it never changes, also when userName does. The object's name is derived
// from its application and userName, which is what keeps userName unique, so a rename moves the record
// to a new object with the same id (see RenamingToAnnotation).
type RecordFields struct {
	// userName is the SCIM userName: unique per ScimApplication, compared case-insensitively. Entra
	// fills it from userPrincipalName and matches records on it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	UserName string `json:"userName"`

	// displayName is the name shown to bank customers.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	DisplayName string `json:"displayName,omitempty"`

	// externalId is the Entra object ID of the user the record came from.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	ExternalID string `json:"externalId,omitempty"`

	// active is false while the Entra user is soft-deleted or out of scope; the record stays.
	// +optional
	// +kubebuilder:default=true
	Active *bool `json:"active,omitempty"`

	// workAddress is the SCIM addresses entry of type work.
	// +optional
	WorkAddress *WorkAddress `json:"workAddress,omitempty"`
}

// WorkAddress is the work address of an advisor or a room.
type WorkAddress struct {
	// formatted is the full address as one string (Entra's physicalDeliveryOfficeName).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Formatted string `json:"formatted,omitempty"`
}

// IsActive reports the SCIM active attribute; an unset value means active, as the schema defaults it.
func (r *RecordFields) IsActive() bool { return r.Active == nil || *r.Active }
