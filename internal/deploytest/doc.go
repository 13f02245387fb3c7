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
// config/'s; every ServiceMonitor reaches the metrics port with a token and a certificate it can
// verify; the alerts pass their promtool unit tests; a server-side re-apply of the production render
// changes nothing (what Argo CD's server-side diff relies on); the Argo CD health check and files
// behave as documented. It has tests only; its subpackage promrefs finds the metrics and labels that
// the alerts and the dashboard refer to.
//
// helm and kustomize are the versions pinned in hack/tools/helm and hack/tools/kustomize, built from
// the Go module proxy on first use and cached by the go command, and so is promtool
// (hack/tools/promtool). The third-party CRDs the chart can render objects of (Prometheus Operator,
// cert-manager, Gateway API) are pinned in hack/tools/crds.
package deploytest
