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

// Package v1alpha1 contains the scim.andmoney.dk/v1alpha1 API: ScimTenant and ScimApplication, which
// configure Microsoft Entra provisioning, and Advisor and Room, the records Entra provisions.
// +kubebuilder:object:generate=true
// +groupName=scim.andmoney.dk
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is group version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "scim.andmoney.dk", Version: "v1alpha1"}

	// SchemeBuilder collects the functions that add this group-version's kinds to a scheme.
	SchemeBuilder runtime.SchemeBuilder
)

// AddToScheme adds the types in this group-version to the given scheme.
func AddToScheme(s *runtime.Scheme) error { return SchemeBuilder.AddToScheme(s) }

// register adds kinds to SchemeBuilder; each kind's file calls it from init.
func register(objects ...runtime.Object) {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(GroupVersion, objects...)
		metav1.AddToGroupVersion(s, GroupVersion)
		return nil
	})
}
