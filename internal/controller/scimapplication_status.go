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
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// patchStatus writes the conditions from what the pass recorded in the scope (the steps' findings,
// or a failed Entra cleanup during deletion), summarises Ready, reports new failures as events and
// metrics, and writes status once, only when it changed.
func (r *ScimApplicationReconciler) patchStatus(ctx context.Context, base *v1.ScimApplication, s *appScope) error {
	app := s.app
	setTenantReadyCondition(s)
	setServicePrincipalReadyCondition(s)
	setJobReadyCondition(s)
	setAdminCredentialsReadyCondition(s)
	setMappingsSyncedCondition(s)
	setAssignmentsSyncedCondition(s)
	setProvisioningHealthyCondition(s)
	// Ready and Stalled read the conditions above, and Reconciling reads Stalled: keep this order.
	setReadyCondition(s)
	setStalledCondition(s)
	setReconcilingCondition(s)
	setObservedGeneration(s)
	recordFailureEvents(r.Recorder, app, base.Status.Conditions, app.Status.Conditions, ownedConditions)
	exportApplicationMetrics(app)
	if equalStatus(base.Status, app.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Status().Patch(ctx, app, client.MergeFrom(base)))
}

// failedOn is the failure the reconcile ended with, if it is reported on condition.
func failedOn(s *appScope, condition string) *stepFailure {
	if s.failure != nil && s.failure.condition == condition {
		return s.failure
	}
	return nil
}

// setFailed writes a step failure on its condition; it reports whether there was one.
func setFailed(s *appScope, condition string) bool {
	f := failedOn(s, condition)
	if f != nil {
		setCondition(&s.app.Status.Conditions, s.app.Generation, condition, metav1.ConditionFalse, f.reason, f.message)
	}
	return f != nil
}

func setTrue(s *appScope, condition, reason, message string) {
	setCondition(&s.app.Status.Conditions, s.app.Generation, condition, metav1.ConditionTrue, reason, message)
}

// setTenantReadyCondition: the ScimTenant exists, is Ready, and its Graph client was built.
func setTenantReadyCondition(s *appScope) {
	if !setFailed(s, v1.TenantReadyCondition) && s.graph != nil {
		setTrue(s, v1.TenantReadyCondition, v1.SucceededReason, "ScimTenant "+s.tenant.Name+" is Ready")
	}
}

// setServicePrincipalReadyCondition: the enterprise application was found or created in this pass.
// One taken from status as is keeps the condition it has.
func setServicePrincipalReadyCondition(s *appScope) {
	switch {
	case setFailed(s, v1.ServicePrincipalReadyCondition), s.principal == nil:
	case s.principalCreated:
		setTrue(s, v1.ServicePrincipalReadyCondition, v1.SucceededReason,
			"created enterprise application "+s.principalName+" ("+s.principal.ID+")")
	default:
		setTrue(s, v1.ServicePrincipalReadyCondition, v1.SucceededReason,
			"enterprise application "+s.principal.DisplayName+" ("+s.principal.ID+")")
	}
}

// setJobReadyCondition: the job exists (Progressing until its state is settled) and is started or
// paused as the spec asks.
func setJobReadyCondition(s *appScope) {
	if setFailed(s, v1.JobReadyCondition) || s.job == nil {
		return
	}
	job := s.job
	if !s.jobSettled {
		if !apimeta.IsStatusConditionTrue(s.app.Status.Conditions, v1.JobReadyCondition) {
			setTrue(s, v1.JobReadyCondition, v1.ProgressingReason, "provisioning job "+job.ID+" exists")
		}
		return
	}
	reason, msg := v1.SucceededReason, "provisioning job "+job.ID+" is active"
	if s.app.Spec.Provisioning.State == v1.ProvisioningPaused {
		reason, msg = v1.PausedReason, "provisioning job "+job.ID+" is paused as the spec asks"
	}
	if graph.IsLegacyJobTemplate(job.TemplateID) {
		reason, msg = v1.LegacyJobReason, msg+"; it uses the legacy customappsso template"
	}
	setTrue(s, v1.JobReadyCondition, reason, msg)
}

// setAdminCredentialsReadyCondition: this pass saved the Tenant URL and Secret Token in Entra. An
// unchanged set, not saved again, keeps the condition it has.
func setAdminCredentialsReadyCondition(s *appScope) {
	if !setFailed(s, v1.AdminCredentialsReadyCondition) && s.credentialsSaved {
		setTrue(s, v1.AdminCredentialsReadyCondition, v1.SucceededReason,
			"Tenant URL "+s.app.Status.TenantURL+" and Secret Token saved in Entra")
	}
}

// setMappingsSyncedCondition: the job's attribute mappings equal the spec's.
func setMappingsSyncedCondition(s *appScope) {
	if !setFailed(s, v1.MappingsSyncedCondition) && s.mappingsInPlace {
		setTrue(s, v1.MappingsSyncedCondition, v1.SucceededReason,
			fmt.Sprintf("%d attribute mappings in place", len(s.app.Spec.EffectiveMappings())))
	}
}

// setAssignmentsSyncedCondition: the spec's users and groups are assigned.
func setAssignmentsSyncedCondition(s *appScope) {
	if !setFailed(s, v1.AssignmentsSyncedCondition) && s.assignmentsSynced {
		setTrue(s, v1.AssignmentsSyncedCondition, v1.SucceededReason,
			fmt.Sprintf("%d users and groups assigned", len(s.app.Status.Assignments)))
	}
}

// setProvisioningHealthyCondition: Entra reports the job neither quarantined nor failed.
func setProvisioningHealthyCondition(s *appScope) {
	if !s.healthChecked {
		return
	}
	app, job := s.app, s.job
	set := func(reason, msg string) {
		setCondition(&app.Status.Conditions, app.Generation, v1.ProvisioningHealthyCondition, metav1.ConditionFalse, reason, msg)
	}
	switch {
	case job.Status.Code == graph.JobCodeQuarantine && job.Status.Quarantine != nil:
		q := job.Status.Quarantine
		set(v1.QuarantinedReason, fmt.Sprintf("Entra quarantined the job (%s): %s: %s; next attempt %s",
			q.Reason, q.ErrorCode, q.ErrorMessage, q.NextAttempt.UTC().Format(time.RFC3339)))
	case job.Status.Code == graph.JobCodeQuarantine:
		set(v1.QuarantinedReason, "Entra quarantined the job")
	case job.Status.LastExecution != nil && job.Status.LastExecution.State == graph.ExecutionFailed:
		e := job.Status.LastExecution
		set(v1.LastExecutionFailedReason, fmt.Sprintf("the last provisioning cycle failed: %s: %s", e.ErrorCode, e.ErrorMessage))
	default:
		setTrue(s, v1.ProvisioningHealthyCondition, v1.SucceededReason, "job "+job.Status.Code)
	}
}

// setObservedGeneration: a completed pass, or one stopped by a failure only a person fixes, has
// observed the generation; a deletion pass has not.
func setObservedGeneration(s *appScope) {
	if s.failure == nil && s.deletionFailure == nil || s.failure != nil && s.failure.stalled {
		s.app.Status.ObservedGeneration = s.app.Generation
	}
}

// ownedConditions are the conditions Ready summarises, in the order of the steps.
var ownedConditions = []string{
	v1.TenantReadyCondition,
	v1.ServicePrincipalReadyCondition,
	v1.JobReadyCondition,
	v1.AdminCredentialsReadyCondition,
	v1.MappingsSyncedCondition,
	v1.AssignmentsSyncedCondition,
	v1.ProvisioningHealthyCondition,
}

// notReadyBecause is what keeps the owned conditions from making the object Ready, nil when
// nothing does: the first False one, else the first one not yet True for this generation.
func notReadyBecause(app *v1.ScimApplication) *metav1.Condition {
	var waiting *metav1.Condition
	for _, t := range ownedConditions {
		c := apimeta.FindStatusCondition(app.Status.Conditions, t)
		switch {
		case c != nil && c.Status == metav1.ConditionFalse:
			return c
		case waiting == nil && (c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != app.Generation):
			waiting = &metav1.Condition{Reason: v1.ProgressingReason, Message: "waiting for " + t}
		}
	}
	return waiting
}

// deletionFailedMessage is the message of Ready and Stalled for a failed Entra cleanup; it names
// the way out, since a person may be waiting on the deletion.
func deletionFailedMessage(o *outcome) string {
	return "deleting the Entra objects failed (set deletionPolicy: Orphan to leave them): " + o.message
}

// setReadyCondition summarises the owned conditions, or reports a failed Entra cleanup during
// deletion.
func setReadyCondition(s *appScope) {
	app := s.app
	if o := s.deletionFailure; o != nil {
		setCondition(&app.Status.Conditions, app.Generation, v1.ReadyCondition, metav1.ConditionFalse, v1.DeletingReason, deletionFailedMessage(o))
		return
	}
	if blocking := notReadyBecause(app); blocking != nil {
		setCondition(&app.Status.Conditions, app.Generation, v1.ReadyCondition, metav1.ConditionFalse, blocking.Reason, blocking.Message)
		return
	}
	message := "provisioning job configured"
	if app.Status.Job != nil && app.Status.Job.State != "" {
		message = "provisioning job " + app.Status.Job.State
	}
	setTrue(s, v1.ReadyCondition, v1.SucceededReason, message)
}

// setStalledCondition: Stalled, present only while true (kstatus), while a failure only a person
// fixes stops the reconcile or the deletion. A pass cut short by a failure written on no condition
// (an API error, a busy tenant) keeps a Stalled of this generation: it learnt nothing new.
func setStalledCondition(s *appScope) {
	app := s.app
	stalled := apimeta.FindStatusCondition(app.Status.Conditions, v1.StalledCondition)
	switch o := s.deletionFailure; {
	case o != nil:
		// A cleanup that is retrying keeps what an earlier attempt found.
		if o.stalled {
			setCondition(&app.Status.Conditions, app.Generation, v1.StalledCondition, metav1.ConditionTrue, o.reason, deletionFailedMessage(o))
		}
	case notReadyBecause(app) == nil:
		apimeta.RemoveStatusCondition(&app.Status.Conditions, v1.StalledCondition)
	case s.failure != nil && s.failure.stalled:
		setCondition(&app.Status.Conditions, app.Generation, v1.StalledCondition, metav1.ConditionTrue, s.failure.reason, s.failure.message)
	case s.failure != nil && s.failure.reported(), stalled != nil && stalled.ObservedGeneration != app.Generation:
		apimeta.RemoveStatusCondition(&app.Status.Conditions, v1.StalledCondition)
	}
}

// setReconcilingCondition: Reconciling, present only while true (kstatus), while the object is not
// Ready for a reason the operator is still working on. A Stalled object keeps the Reconciling it
// had, and a deletion reports only in Ready and Stalled.
func setReconcilingCondition(s *appScope) {
	app := s.app
	if s.deletionFailure != nil || apimeta.FindStatusCondition(app.Status.Conditions, v1.StalledCondition) != nil {
		return
	}
	if blocking := notReadyBecause(app); blocking != nil {
		setCondition(&app.Status.Conditions, app.Generation, v1.ReconcilingCondition, metav1.ConditionTrue, v1.ProgressingReason, blocking.Message)
		return
	}
	apimeta.RemoveStatusCondition(&app.Status.Conditions, v1.ReconcilingCondition)
}
