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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

func forgetJobMetrics(app *v1.ScimApplication) {
	jobQuarantined.DeleteLabelValues(app.Namespace, app.Name)
	jobLastSuccess.DeleteLabelValues(app.Namespace, app.Name)
}

// jobSummary is the status view of Entra's job.
func jobSummary(job *graph.Job) *v1.JobSummary {
	st := job.Status
	summary := &v1.JobSummary{State: st.Code, SteadyState: steadyState(job)}
	if e := st.LastExecution; e != nil {
		summary.LastExecution = &v1.JobExecution{
			State: e.State, StartedAt: timeOrNil(e.TimeBegan), EndedAt: timeOrNil(e.TimeEnded),
			Processed: e.CountExports, Failed: e.CountEscrows, Error: joinError(e.ErrorCode, e.ErrorMessage),
		}
	}
	if e := st.LastSuccessfulExecution; e != nil {
		summary.LastSuccessfulSync = timeOrNil(e.TimeEnded)
	}
	if q := st.Quarantine; q != nil {
		summary.Quarantine = &v1.JobQuarantine{
			Reason: truncate(q.Reason, 256), Error: joinError(q.ErrorCode, q.ErrorMessage),
			Since: timeOrNil(q.CurrentBegan), NextAttempt: timeOrNil(q.NextAttempt),
		}
	}
	return summary
}

// steadyState condenses the job's status into one word, as the portal's "Current cycle status".
func steadyState(job *graph.Job) string {
	st := job.Status
	switch {
	case st.Code == graph.JobCodeQuarantine:
		return "Quarantined"
	case st.LastExecution == nil:
		return graph.JobCodeNotRun
	case st.LastExecution.State == graph.ExecutionFailed:
		return graph.ExecutionFailed
	case !st.SteadyStateLastAchievedTime.IsZero() && !st.SteadyStateLastAchievedTime.Before(st.LastExecution.TimeBegan):
		return "Completed"
	}
	return "Running"
}

func joinError(code, message string) string {
	if code == "" && message == "" {
		return ""
	}
	return truncate(code+": "+message, 1024)
}

func timeOrNil(t time.Time) *metav1.Time {
	if t.IsZero() || t.Year() <= 1 {
		return nil
	}
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}
