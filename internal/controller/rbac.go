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

// Package controller holds the reconcilers that configure Microsoft Entra provisioning from ScimTenant
// and ScimApplication objects.
package controller

// The controllers' permissions, least privilege: they read Secrets (never write them, and only those
// labelled scim.andmoney.dk/secret-type), request tokens only for the service accounts a ScimTenant names
// for workload identity, and write only their own kinds, their status and events. Finalizers are
// written through the objects themselves: no */finalizers rule is needed, as no owner reference with
// blockOwnerDeletion is ever set. internal/deploytest's TestLeastPrivilegeAsTheChartsServiceAccount
// removes each rule in turn and shows what breaks.
//
// +kubebuilder:rbac:groups=scim.andmoney.dk,resources=scimtenants;scimapplications,verbs=get;list;watch;patch;update
// +kubebuilder:rbac:groups=scim.andmoney.dk,resources=scimtenants/status;scimapplications/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=core,resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=core,resources=serviceaccounts/token,verbs=create
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
//
// advisors;rooms are the resources of the SCIM endpoint's record kinds (model.BuiltinKinds): deleting an
// application deletes its records. A new kind adds its resource here and in internal/scim/rbac.go.
// +kubebuilder:rbac:groups=scim.andmoney.dk,resources=advisors;rooms,verbs=deletecollection
