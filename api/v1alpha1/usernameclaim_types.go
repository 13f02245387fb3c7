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

// UserNameClaimSpec records which record holds a userName within one ScimApplication.
type UserNameClaimSpec struct {
	// application is the name of the ScimApplication, in this namespace, whose userName space the claim
	// is in.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Application string `json:"application"`

	// userName is the claimed userName, case-folded the way the SCIM endpoint compares userNames.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	UserName string `json:"userName"`

	// recordName is the metadata.name (the SCIM id) of the Advisor or Room that holds the userName.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	RecordName string `json:"recordName"`
}

// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=unc
// +kubebuilder:printcolumn:name="Application",type=string,JSONPath=`.spec.application`
// +kubebuilder:printcolumn:name="User Name",type=string,JSONPath=`.spec.userName`
// +kubebuilder:printcolumn:name="Record",type=string,JSONPath=`.spec.recordName`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// UserNameClaim reserves one case-folded userName within one ScimApplication for one Advisor or Room.
// The SCIM endpoint writes it before the record (create) or before changing the record's userName
// (rename), under a name derived from the application and the folded userName, so the API server's
// AlreadyExists makes userName unique even between concurrent requests and replicas. It is an
// implementation detail of the SCIM endpoint: do not edit it. A claim whose record is gone or holds
// another userName is left over from an interrupted request and is reclaimed by the next request that
// needs the userName.
type UserNameClaim struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec says who holds the userName.
	// +required
	Spec UserNameClaimSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// UserNameClaimList is a list of UserNameClaim.
type UserNameClaimList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []UserNameClaim `json:"items"`
}

func init() {
	register(&UserNameClaim{}, &UserNameClaimList{})
}
