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
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// reconcileJob finds or creates the service principal's provisioning job from the scim template.
func (r *ScimApplicationReconciler) reconcileJob(ctx context.Context, s *appScope) *stepFailure {
	st := &s.app.Status
	if st.JobID != "" {
		job, err := s.graph.GetJob(ctx, st.ServicePrincipalID, st.JobID)
		if err == nil {
			s.job = job
			return r.jobFound(s)
		}
		if !graph.IsNotFound(err) || s.recentlyCreated {
			return s.fail(v1.JobReadyCondition, err, graph.PermissionSynchronization)
		}
		st.JobID = "" // deleted in Entra: find or create it again
	}
	jobs, err := s.graph.ListJobs(ctx, st.ServicePrincipalID)
	if err != nil {
		return s.fail(v1.JobReadyCondition, err, graph.PermissionSynchronization)
	}
	for i, job := range jobs {
		if job.TemplateID == graph.ScimJobTemplateID || graph.IsLegacyJobTemplate(job.TemplateID) {
			s.job, st.JobID = &jobs[i], job.ID
			return r.jobFound(s)
		}
	}
	job, err := s.graph.CreateJob(ctx, st.ServicePrincipalID, graph.ScimJobTemplateID)
	if err != nil {
		return s.fail(v1.JobReadyCondition, err, graph.PermissionSynchronization)
	}
	s.job, st.JobID = job, job.ID
	r.Recorder.Eventf(s.app, nil, corev1.EventTypeNormal, "Created", "CreateJob", "Created provisioning job %s", job.ID)
	return r.jobFound(s)
}

// jobFound warns, once, of a legacy customappsso job; reconcileJobState settles JobReady.
func (r *ScimApplicationReconciler) jobFound(s *appScope) *stepFailure {
	if graph.IsLegacyJobTemplate(s.job.TemplateID) {
		old := apimeta.FindStatusCondition(s.app.Status.Conditions, v1.JobReadyCondition)
		if old == nil || old.Status != metav1.ConditionTrue || old.Reason != v1.LegacyJobReason {
			r.Recorder.Eventf(s.app, nil, corev1.EventTypeWarning, v1.LegacyJobReason, "FindJob",
				"Job %s uses the legacy customappsso template; delete it in Entra to get a SCIM-compliant scim job", s.job.ID)
		}
	}
	return nil
}

// reconcileJobState starts or pauses the job as the spec asks. A quarantined job stays as Entra
// left it: starting it would clear the quarantine and hide the failure.
func (r *ScimApplicationReconciler) reconcileJobState(ctx context.Context, s *appScope) *stepFailure {
	app, job := s.app, s.job
	sp := app.Status.ServicePrincipalID
	want := app.Spec.Provisioning.State
	switch {
	case want == v1.ProvisioningPaused && job.ScheduleState != graph.SchedulePaused:
		if err := s.graph.PauseJob(ctx, sp, job.ID); err != nil {
			return s.fail(v1.JobReadyCondition, err, graph.PermissionSynchronization)
		}
		job.ScheduleState, job.Status.Code = graph.SchedulePaused, graph.JobCodePaused
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Paused", "PauseJob", "Paused provisioning job %s", job.ID)
	case want != v1.ProvisioningPaused && job.ScheduleState != graph.ScheduleActive:
		if err := s.graph.StartJob(ctx, sp, job.ID); err != nil {
			return s.fail(v1.JobReadyCondition, err, graph.PermissionSynchronization)
		}
		job.ScheduleState = graph.ScheduleActive
		if job.Status.Code == graph.JobCodeNotConfigured || job.Status.Code == graph.JobCodePaused {
			job.Status.Code = graph.JobCodeNotRun
		}
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Started", "StartJob", "Started provisioning job %s", job.ID)
	}
	s.jobSettled = true
	return nil
}

// reconcileHealth records the job's status for ProvisioningHealthy, and turns new failures of the
// provisioning logs into Warning events. The logs are read only after a cycle that did not succeed.
func (r *ScimApplicationReconciler) reconcileHealth(ctx context.Context, s *appScope) *stepFailure {
	app, job := s.app, s.job
	previous := app.Status.Job
	summary := jobSummary(job)
	app.Status.Job = summary
	s.healthChecked = true

	if !newUnsuccessfulCycle(previous, summary) {
		return nil
	}
	since := time.Now().Add(-24 * time.Hour)
	if t := app.Status.LastProvisioningEventTime; t != nil {
		// Log times have second precision: read the last reported second again, skip known ids.
		since = t.Add(-time.Second)
	}
	failures, err := s.graph.ListProvisioningFailures(ctx, app.Status.JobID, since, maxReportedLogIDs/2)
	if err != nil {
		// The logs need AuditLog.Read.All and a P1 licence; their absence must not fail the reconcile.
		r.Recorder.Eventf(app, nil, corev1.EventTypeWarning, "ProvisioningLogsUnavailable", "ListProvisioningLogs",
			"Reading the provisioning logs failed (needs %s): %v", graph.PermissionAuditLog, err)
		return nil
	}
	reportFailures(app, failures, func(f graph.ProvisioningEvent) {
		r.Recorder.Eventf(app, nil, corev1.EventTypeWarning, "ProvisioningFailed", "Provision",
			"%s of %s failed: %s: %s", f.Action, f.SourceDisplayName, f.ErrorCode, truncate(f.Reason, 512))
	})
	return nil
}

// maxReportedLogIDs bounds status.reportedProvisioningLogIDs; maxFailuresInStatus bounds
// status.provisioningFailures.
const (
	maxReportedLogIDs   = 64
	maxFailuresInStatus = 10
)

// reportFailures reports each failure not reported before (by provisioning-log id), oldest first,
// and records it in the status.
func reportFailures(app *v1.ScimApplication, failures []graph.ProvisioningEvent, report func(graph.ProvisioningEvent)) {
	for _, f := range slices.Backward(failures) { // oldest first, so events read in order
		if f.ID != "" && slices.Contains(app.Status.ReportedProvisioningLogIDs, f.ID) {
			continue
		}
		report(f)
		if f.ID != "" {
			app.Status.ReportedProvisioningLogIDs = append(app.Status.ReportedProvisioningLogIDs, truncate(f.ID, 128))
		}
		t := metav1.NewTime(f.ActivityDateTime)
		app.Status.ProvisioningFailures = append(app.Status.ProvisioningFailures, v1.ProvisioningFailure{
			User: truncate(f.SourceDisplayName, 256), Action: truncate(f.Action, 64), Error: truncate(joinError(f.ErrorCode, f.Reason), 1024), Time: &t,
		})
		if app.Status.LastProvisioningEventTime == nil || app.Status.LastProvisioningEventTime.Before(&t) {
			app.Status.LastProvisioningEventTime = &t
		}
	}
	if n := len(app.Status.ReportedProvisioningLogIDs); n > maxReportedLogIDs {
		app.Status.ReportedProvisioningLogIDs = slices.Clone(app.Status.ReportedProvisioningLogIDs[n-maxReportedLogIDs:])
	}
	if n := len(app.Status.ProvisioningFailures); n > maxFailuresInStatus {
		app.Status.ProvisioningFailures = slices.Clone(app.Status.ProvisioningFailures[n-maxFailuresInStatus:])
	}
}

// newUnsuccessfulCycle reports a cycle that ended since the last look and did not fully succeed.
func newUnsuccessfulCycle(previous, current *v1.JobSummary) bool {
	if current == nil || current.LastExecution == nil || current.LastExecution.State == graph.ExecutionSucceeded || current.LastExecution.EndedAt == nil {
		return false
	}
	if previous == nil || previous.LastExecution == nil || previous.LastExecution.EndedAt == nil {
		return true
	}
	return current.LastExecution.EndedAt.After(previous.LastExecution.EndedAt.Time)
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
