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

package controller

import (
	"fmt"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// Label names and kind values of the per-object series.
const (
	labelNamespace       = "namespace"
	labelName            = "name"
	labelTenantNamespace = "tenant_namespace"
	labelTenant          = "tenant"
	kindTenant           = "ScimTenant"
	kindApplication      = "ScimApplication"
)

// The operator's metrics, for the alerts and the dashboard. Per-object series are deleted with
// their object, so that a deleted application does not alert forever.
var (
	conditionGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_condition",
		Help: "Conditions of ScimTenants and ScimApplications: 1 on the series of the condition's current status, 0 on the others.",
	}, []string{"kind", labelNamespace, labelName, "type", "status"})
	jobQuarantined = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_job_quarantined",
		Help: "1 while Entra holds the ScimApplication's provisioning job in quarantine, else 0.",
	}, []string{labelNamespace, labelName})
	jobActive = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_job_active",
		Help: "1 when the provisioning job is meant to run (spec state Active and Entra reports it Active or in quarantine), 0 when paused.",
	}, []string{labelNamespace, labelName})
	jobLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_job_last_successful_sync_timestamp_seconds",
		Help: "Unix time at which the provisioning job's last successful cycle ended; absent before the first.",
	}, []string{labelNamespace, labelName})
	jobLastExported = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_job_last_cycle_exported",
		Help: "Changes the provisioning job's last cycle exported to the SCIM endpoint.",
	}, []string{labelNamespace, labelName})
	jobLastEscrowed = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_job_last_cycle_escrowed",
		Help: "Changes the provisioning job's last cycle failed and left to retry (escrows).",
	}, []string{labelNamespace, labelName})
	graphRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scim_operator_graph_requests_total",
		Help: "HTTP requests to Microsoft Graph by tenant, method and status code (each attempt; code 0 when no answer came).",
	}, []string{labelTenantNamespace, labelTenant, "method", "code"})
	graphThrottled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scim_operator_graph_throttled_total",
		Help: "Answers of Microsoft Graph that asked the operator to slow down (429 or 503 with Retry-After), by tenant.",
	}, []string{labelTenantNamespace, labelTenant})
	credentialExpiry = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_tenant_credential_expiry_timestamp_seconds",
		Help: "Unix time at which the ScimTenant's client certificate or client secret expires; absent when unknown.",
	}, []string{labelNamespace, labelName})
)

// jobSeries are the per-application job metrics, deleted together.
var jobSeries = []*prometheus.GaugeVec{jobQuarantined, jobActive, jobLastSuccess, jobLastExported, jobLastEscrowed}

func init() {
	metrics.Registry.MustRegister(conditionGauge, jobQuarantined, jobActive, jobLastSuccess, jobLastExported, jobLastEscrowed,
		graphRequests, graphThrottled, credentialExpiry)
}

// kindOf names the kind of the objects the controllers reconcile, for logs and metrics.
func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *v1.ScimTenant:
		return kindTenant
	case *v1.ScimApplication:
		return kindApplication
	}
	return fmt.Sprintf("%T", obj)
}

// conditionStatuses are the series every condition has, as kube-state-metrics exports them.
var conditionStatuses = []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}

// exportConditionMetrics sets the condition series of obj, and deletes those of conditions it no
// longer has (Stalled and Reconciling come and go).
func exportConditionMetrics(obj client.Object, conditions []metav1.Condition) {
	kind, ns, name := kindOf(obj), obj.GetNamespace(), obj.GetName()
	present := map[string]bool{}
	for _, c := range conditions {
		present[c.Type] = true
		for _, status := range conditionStatuses {
			value := 0.0
			if c.Status == status {
				value = 1
			}
			conditionGauge.WithLabelValues(kind, ns, name, c.Type, string(status)).Set(value)
		}
	}
	for _, t := range knownConditions[kind] {
		if !present[t] {
			for _, status := range conditionStatuses {
				conditionGauge.DeleteLabelValues(kind, ns, name, t, string(status))
			}
		}
	}
}

// knownConditions are the condition types each kind can have.
var knownConditions = map[string][]string{
	kindTenant: {v1.ReadyCondition, v1.StalledCondition, v1.CredentialsReadyCondition},
	kindApplication: append([]string{v1.ReadyCondition, v1.ReconcilingCondition, v1.StalledCondition},
		ownedConditions...),
}

// forgetObjectMetrics deletes every series of a deleted object.
func forgetObjectMetrics(kind, namespace, name string) {
	conditionGauge.DeletePartialMatch(prometheus.Labels{"kind": kind, labelNamespace: namespace, labelName: name})
	switch kind {
	case kindApplication:
		for _, g := range jobSeries {
			g.DeleteLabelValues(namespace, name)
		}
	case kindTenant:
		credentialExpiry.DeleteLabelValues(namespace, name)
		graphRequests.DeletePartialMatch(prometheus.Labels{labelTenantNamespace: namespace, labelTenant: name})
		graphThrottled.DeleteLabelValues(namespace, name)
	}
}

// exportApplicationMetrics sets an application's condition and job series.
func exportApplicationMetrics(app *v1.ScimApplication) {
	exportConditionMetrics(app, app.Status.Conditions)
	job := app.Status.Job
	if job == nil {
		return
	}
	ns, name := app.Namespace, app.Name
	jobQuarantined.WithLabelValues(ns, name).Set(boolValue(job.State == graph.JobCodeQuarantine))
	jobActive.WithLabelValues(ns, name).Set(boolValue(app.Spec.Provisioning.State != v1.ProvisioningPaused &&
		(job.State == graph.JobCodeActive || job.State == graph.JobCodeQuarantine)))
	if job.LastSuccessfulSync != nil {
		jobLastSuccess.WithLabelValues(ns, name).Set(float64(job.LastSuccessfulSync.Unix()))
	}
	if e := job.LastExecution; e != nil {
		jobLastExported.WithLabelValues(ns, name).Set(float64(e.Processed))
		jobLastEscrowed.WithLabelValues(ns, name).Set(float64(e.Failed))
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// graphObserver counts one tenant's Graph requests; the msgraph transport calls it per answer.
func graphObserver(tenant *v1.ScimTenant) func(method string, code int, throttled bool) {
	ns, name := tenant.Namespace, tenant.Name
	return func(method string, code int, throttled bool) {
		graphRequests.WithLabelValues(ns, name, method, strconv.Itoa(code)).Inc()
		if throttled {
			graphThrottled.WithLabelValues(ns, name).Inc()
		}
	}
}
