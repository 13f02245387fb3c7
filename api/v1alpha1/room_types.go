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

// RoomSpec is one meeting room as Entra provisioned it (a room mailbox user).
type RoomSpec struct {
	RecordFields `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:resource:categories=scim,shortName=rm
// +kubebuilder:printcolumn:name="User Name",type=string,JSONPath=`.spec.userName`
// +kubebuilder:printcolumn:name="Display Name",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Active",type=boolean,JSONPath=`.spec.active`
// +kubebuilder:printcolumn:name="Application",type=string,JSONPath=`.metadata.labels.scim\.andmoney\.dk/application`
// +kubebuilder:printcolumn:name="SCIM ID",type=string,JSONPath=`.metadata.labels.scim\.andmoney\.dk/id`,priority=1
// +kubebuilder:printcolumn:name="External ID",type=string,JSONPath=`.spec.externalId`,priority=1
// +kubebuilder:printcolumn:name="Address",type=string,JSONPath=`.spec.workAddress.formatted`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// Room is a meeting room provisioned by Microsoft Entra through the /rooms/scim endpoint. The SCIM
// server writes it; its label scim.andmoney.dk/application names the ScimApplication it belongs to.
type Room struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec is the room's SCIM attributes.
	// +required
	Spec RoomSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// RoomList is a list of Room.
type RoomList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []Room `json:"items"`
}

func init() {
	register(&Room{}, &RoomList{})
}
