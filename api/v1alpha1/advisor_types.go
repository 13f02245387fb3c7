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

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AdvisorSpec is one advisor as Entra provisioned it.
type AdvisorSpec struct {
	RecordFields `json:",inline"`

	// name is the advisor's given and family name.
	// +optional
	Name *PersonName `json:"name,omitempty"`
}

// PersonName is the SCIM name of an advisor.
type PersonName struct {
	// givenName is the first name (Entra's givenName).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	GivenName string `json:"givenName,omitempty"`

	// familyName is the last name (Entra's surname).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	FamilyName string `json:"familyName,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:resource:categories=scim,shortName=adv
// +kubebuilder:printcolumn:name="User Name",type=string,JSONPath=`.spec.userName`
// +kubebuilder:printcolumn:name="Display Name",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Active",type=boolean,JSONPath=`.spec.active`
// +kubebuilder:printcolumn:name="Application",type=string,JSONPath=`.metadata.labels.scim\.andmoney\.dk/application`
// +kubebuilder:printcolumn:name="SCIM ID",type=string,JSONPath=`.metadata.labels.scim\.andmoney\.dk/id`,priority=1
// +kubebuilder:printcolumn:name="External ID",type=string,JSONPath=`.spec.externalId`,priority=1
// +kubebuilder:printcolumn:name="Office",type=string,JSONPath=`.spec.workAddress.formatted`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// Advisor is a bank advisor provisioned by Microsoft Entra through the /advisors/scim endpoint. The SCIM
// server writes it; its label scim.andmoney.dk/application names the ScimApplication it belongs to.
type Advisor struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the advisor's SCIM attributes.
	// +required
	Spec AdvisorSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// AdvisorList is a list of Advisor.
type AdvisorList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []Advisor `json:"items"`
}

func init() {
	register(&Advisor{}, &AdvisorList{})
}
