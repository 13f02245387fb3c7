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

// Package deploytest proves the delivery artefacts: the Helm chart (charts/scim-operator) lints and
// renders for each environment, the kustomize installer (config/default) builds, and what both render
// is accepted by a real kube-apiserver in a server-side dry-run; the chart's CRDs, RBAC and alerts equal
// config/'s; the Argo CD health check behaves as documented. It has tests only.
//
// helm and kustomize are the versions pinned in hack/tools/helm and hack/tools/kustomize, built from
// the Go module proxy on first use and cached by the go command. The third-party CRDs the chart can
// render objects of (Prometheus Operator, Gateway API) are pinned in hack/tools/crds.
package deploytest
