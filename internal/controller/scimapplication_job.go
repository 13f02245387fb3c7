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
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/mapping"
)

// defaultRestartScope clears what a stuck job needs cleared without forgetting who it provisioned.
const defaultRestartScope = "Watermark,Escrows,QuarantineState"

// maxOnDemandUsers bounds one provision-on-demand request; Entra allows 5 calls per 10 seconds.
const maxOnDemandUsers = 16

// reconcileJobState starts or pauses the job as the spec asks. A quarantined job stays as Entra
// left it: starting it would clear the quarantine and hide the failure.
func (r *ScimApplicationReconciler) reconcileJobState(ctx context.Context, s *appScope) error {
	app, job := s.app, s.job
	sp := app.Status.ServicePrincipalID
	want := app.Spec.Provisioning.State
	switch {
	case want == v1.ProvisioningPaused && job.ScheduleState != graph.SchedulePaused:
		if err := s.graph.PauseJob(ctx, sp, job.ID); err != nil {
			return r.fail(s, v1.JobReadyCondition, err, "Synchronization.ReadWrite.All")
		}
		job.ScheduleState, job.Status.Code = graph.SchedulePaused, graph.JobCodePaused
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Paused", "PauseJob", "Paused provisioning job %s", job.ID)
	case want != v1.ProvisioningPaused && job.ScheduleState != graph.ScheduleActive:
		if err := s.graph.StartJob(ctx, sp, job.ID); err != nil {
			return r.fail(s, v1.JobReadyCondition, err, "Synchronization.ReadWrite.All")
		}
		job.ScheduleState = graph.ScheduleActive
		if job.Status.Code == graph.JobCodeNotConfigured || job.Status.Code == graph.JobCodePaused {
			job.Status.Code = graph.JobCodeNotRun
		}
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Started", "StartJob", "Started provisioning job %s", job.ID)
	}
	reason, msg := v1.SucceededReason, "provisioning job "+job.ID+" is active"
	if want == v1.ProvisioningPaused {
		reason, msg = v1.PausedReason, "provisioning job "+job.ID+" is paused as the spec asks"
	}
	if strings.HasPrefix(job.TemplateID, "customappsso") {
		reason, msg = v1.LegacyJobReason, msg+"; it uses the legacy customappsso template"
	}
	r.succeed(s, v1.JobReadyCondition, reason, msg)
	return nil
}

// reconcileRequests carries out the restart and provision-on-demand requests of the annotations,
// each value once.
func (r *ScimApplicationReconciler) reconcileRequests(ctx context.Context, s *appScope) error {
	app := s.app
	sp, jobID := app.Status.ServicePrincipalID, app.Status.JobID
	if token := app.Annotations[v1.RestartAnnotation]; token != "" && token != app.Status.LastHandledRestart {
		scope := app.Annotations[v1.RestartScopeAnnotation]
		if scope == "" {
			scope = defaultRestartScope
		}
		if err := s.graph.RestartJob(ctx, sp, jobID, scope); err != nil {
			return r.fail(s, v1.JobReadyCondition, err, "Synchronization.ReadWrite.All")
		}
		app.Status.LastHandledRestart = token
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Restarted", "RestartJob", "Restarted provisioning job with reset scope %s", scope)
	}
	request := app.Annotations[v1.ProvisionOnDemandAnnotation]
	if request == "" || (app.Status.OnDemand != nil && app.Status.OnDemand.Request == request) {
		return nil
	}
	ruleID, err := mapping.RuleID(s.schema)
	if err != nil {
		return r.fail(s, v1.JobReadyCondition, fmt.Errorf("find the synchronization rule for provision on demand: %w", err), "")
	}
	results := make([]v1.OnDemandResult, 0, maxOnDemandUsers)
	for _, user := range splitUsers(request) {
		result, err := r.provisionOnDemand(ctx, s, ruleID, user)
		results = append(results, result)
		if graph.IsThrottled(err) {
			break // the rest would be throttled too; a new annotation value retries
		}
	}
	app.Status.OnDemand = &v1.OnDemandStatus{Request: truncate(request, 4096), Results: results}
	return nil
}

// provisionOnDemand provisions one user; the error is returned only for the caller to stop on
// throttling, it is already part of the result.
func (r *ScimApplicationReconciler) provisionOnDemand(ctx context.Context, s *appScope, ruleID, user string) (v1.OnDemandResult, error) {
	now := metav1.Now()
	result := v1.OnDemandResult{User: truncate(user, 256), Time: &now}
	principal, err := s.graph.GetUser(ctx, user)
	if err == nil {
		var out *graph.OnDemandResult
		out, err = s.graph.ProvisionOnDemand(ctx, s.app.Status.ServicePrincipalID, s.app.Status.JobID, ruleID, principal.ID)
		if err == nil {
			result.Result, result.Action, result.Details = out.Result, out.Action, truncate(out.Details, 1024)
			if out.Result != "Success" {
				r.Recorder.Eventf(s.app, nil, corev1.EventTypeWarning, "ProvisionOnDemand"+out.Result, "ProvisionOnDemand",
					"Provisioning %s on demand: %s: %s", user, out.Result, truncate(out.Details, 512))
			}
			return result, nil
		}
	}
	result.Result, result.Details = "Failure", truncate(err.Error(), 1024)
	return result, err
}

func splitUsers(request string) []string {
	var users []string
	for u := range strings.SplitSeq(request, ",") {
		if u = strings.TrimSpace(u); u != "" && len(users) < maxOnDemandUsers {
			users = append(users, u)
		}
	}
	return users
}

// reconcileHealth records the job's status, sets ProvisioningHealthy, and turns new failures of the
// provisioning logs into Warning events. The logs are read only after a cycle that did not succeed.
func (r *ScimApplicationReconciler) reconcileHealth(ctx context.Context, s *appScope) error {
	app, job := s.app, s.job
	previous := app.Status.Job
	summary := jobSummary(job)
	app.Status.Job = summary

	switch {
	case job.Status.Code == graph.JobCodeQuarantine && job.Status.Quarantine != nil:
		q := job.Status.Quarantine
		msg := fmt.Sprintf("Entra quarantined the job (%s): %s: %s; next attempt %s",
			q.Reason, q.ErrorCode, q.ErrorMessage, q.NextAttempt.UTC().Format(time.RFC3339))
		setCondition(&app.Status.Conditions, app.Generation, v1.ProvisioningHealthyCondition, metav1.ConditionFalse, v1.QuarantinedReason, msg)
	case job.Status.Code == graph.JobCodeQuarantine:
		setCondition(&app.Status.Conditions, app.Generation, v1.ProvisioningHealthyCondition, metav1.ConditionFalse, v1.QuarantinedReason, "Entra quarantined the job")
	case job.Status.LastExecution != nil && job.Status.LastExecution.State == graph.ExecutionFailed:
		e := job.Status.LastExecution
		setCondition(&app.Status.Conditions, app.Generation, v1.ProvisioningHealthyCondition, metav1.ConditionFalse, v1.LastExecutionFailedReason,
			fmt.Sprintf("the last provisioning cycle failed: %s: %s", e.ErrorCode, e.ErrorMessage))
	default:
		r.succeed(s, v1.ProvisioningHealthyCondition, v1.SucceededReason, "job "+job.Status.Code)
	}

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
			"Reading the provisioning logs failed (needs AuditLog.Read.All): %v", err)
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
