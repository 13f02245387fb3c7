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
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// Job health metrics, for alerting on quarantine and on cycles that stopped succeeding.
var (
	jobQuarantined = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_job_quarantined",
		Help: "1 while Entra holds the ScimApplication's provisioning job in quarantine, else 0.",
	}, []string{"namespace", "name"})
	jobLastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "scim_operator_job_last_successful_sync_timestamp_seconds",
		Help: "Unix time at which the provisioning job's last successful cycle ended; absent before the first.",
	}, []string{"namespace", "name"})
)

func init() {
	metrics.Registry.MustRegister(jobQuarantined, jobLastSuccess)
}

func exportJobMetrics(app *v1.ScimApplication) {
	job := app.Status.Job
	if job == nil {
		return
	}
	quarantined := 0.0
	if job.State == graph.JobCodeQuarantine {
		quarantined = 1
	}
	jobQuarantined.WithLabelValues(app.Namespace, app.Name).Set(quarantined)
	if job.LastSuccessfulSync != nil {
		jobLastSuccess.WithLabelValues(app.Namespace, app.Name).Set(float64(job.LastSuccessfulSync.Unix()))
	}
}
