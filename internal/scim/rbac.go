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

package scim

// advisors;rooms are the resources of model.BuiltinKinds: a new record kind adds its resource here and to
// the deletecollection rule in internal/controller/rbac.go (markers cannot read the kind table).
//
// The SCIM endpoint reads ScimApplications and their token Secrets (watched metadata-only, read one by
// one from the API server), and writes Advisor and Room records.
// +kubebuilder:rbac:groups=scim.andmoney.dk,resources=scimapplications,verbs=get;list;watch
// +kubebuilder:rbac:groups=scim.andmoney.dk,resources=advisors;rooms,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
