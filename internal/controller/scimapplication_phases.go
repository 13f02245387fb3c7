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
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/mapping"
)

// replicationWindow is how long after creating an application Entra's replication errors are
// expected rather than reported.
const replicationWindow = 10 * time.Minute

// reconcileTenant finds the ScimTenant and builds its Graph client.
func (r *ScimApplicationReconciler) reconcileTenant(ctx context.Context, s *appScope) error {
	app := s.app
	tenant := &v1.ScimTenant{}
	err := r.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TenantRef.Name}, tenant)
	if apierrors.IsNotFound(err) {
		msg := fmt.Sprintf("ScimTenant %q not found in namespace %s", app.Spec.TenantRef.Name, app.Namespace)
		setCondition(&app.Status.Conditions, app.Generation, v1.ServicePrincipalReadyCondition, metav1.ConditionFalse, v1.TenantNotFoundReason, msg)
		return &stepFailure{outcome: outcome{reason: v1.TenantNotFoundReason, message: msg, stalled: true}, err: errors.New(msg)}
	}
	if err != nil {
		return err
	}
	s.tenant = tenant
	if ready := apimeta.FindStatusCondition(tenant.Status.Conditions, v1.ReadyCondition); ready == nil || ready.Status != metav1.ConditionTrue {
		msg := fmt.Sprintf("ScimTenant %q is not Ready", tenant.Name)
		if ready != nil {
			msg += ": " + ready.Message
		}
		setCondition(&app.Status.Conditions, app.Generation, v1.ServicePrincipalReadyCondition, metav1.ConditionFalse, v1.DependencyNotReadyReason, msg)
		// The tenant's status change triggers the next reconcile through the watch.
		return &stepFailure{outcome: outcome{reason: v1.DependencyNotReadyReason, message: msg, retryAfter: r.PollInterval}, err: errors.New(msg)}
	}
	release, ok := r.Graph.slots.tryAcquire(tenant.UID)
	if !ok {
		return errTenantBusy
	}
	s.release = release
	gc, err := r.Graph.tenantClient(ctx, r.Client, r.APIReader, tenant)
	if err != nil {
		return r.fail(s, v1.ServicePrincipalReadyCondition, err, "")
	}
	s.graph = gc
	created := apimeta.FindStatusCondition(app.Status.Conditions, v1.ServicePrincipalReadyCondition)
	s.recentlyCreated = app.Status.Origin == v1.OriginCreated && created != nil &&
		time.Since(created.LastTransitionTime.Time) < replicationWindow
	return nil
}

// errTenantBusy ends a reconcile before any Graph call: other reconciles hold all of the tenant's
// slots (its Graph may be slow), so this one waits in the queue rather than in a worker.
var errTenantBusy = errors.New("the tenant's Graph is busy with other reconciles")

// tenantBusyRetry is how soon a reconcile that found its tenant busy is tried again.
const tenantBusyRetry = 2 * time.Second

// reconcileServicePrincipal adopts spec.servicePrincipalID, reuses the one in status, or creates the
// application from the non-gallery template.
func (r *ScimApplicationReconciler) reconcileServicePrincipal(ctx context.Context, s *appScope) error {
	app, st := s.app, &s.app.Status
	want := app.Spec.ServicePrincipalID
	if want == "" {
		want = st.ServicePrincipalID
	}
	if created := app.Annotations[v1.CreatedServicePrincipalAnnotation]; want == "" && created != "" {
		want, st.Origin = created, v1.OriginCreated // status was lost; the annotation remembers
	}
	if want != "" && want == st.ServicePrincipalID && st.ApplicationID != "" {
		return nil // known; a vanished application shows up as a 404 of its job
	}
	if want != "" {
		sp, err := s.graph.GetServicePrincipal(ctx, want)
		if err != nil {
			return r.fail(s, v1.ServicePrincipalReadyCondition, err, "Application.Read.All")
		}
		if app.Spec.ServicePrincipalID != "" && st.ServicePrincipalID != want {
			st.Origin = v1.OriginAdopted
		}
		recordServicePrincipal(st, sp)
		r.succeed(s, v1.ServicePrincipalReadyCondition, v1.SucceededReason, "enterprise application "+sp.DisplayName+" ("+sp.ID+")")
		return nil
	}
	name := app.Spec.DisplayName
	if name == "" {
		name = app.Name
	}
	// A previous pass may have created the application and then failed to record it (the API server
	// was down): the marker finds it, instead of creating a second one.
	marker := creationMarker(app)
	sp, err := s.graph.FindTaggedApplication(ctx, name, marker)
	if err != nil {
		return r.fail(s, v1.ServicePrincipalReadyCondition, err, "Application.ReadWrite.OwnedBy")
	}
	if sp == nil {
		if sp, err = s.graph.InstantiateApplication(ctx, name); err != nil {
			return r.fail(s, v1.ServicePrincipalReadyCondition, err, "Application.ReadWrite.OwnedBy")
		}
		if err := tagCreated(ctx, s.graph, sp.ApplicationObjectID, marker); err != nil {
			// Recorded below it is found all the same; only a failure of both could leave it behind.
			r.Recorder.Eventf(app, nil, corev1.EventTypeWarning, "TagFailed", "TagApplication",
				"Could not mark enterprise application %s as this object's: %v", sp.ID, err)
		}
	}
	if err := r.annotateCreated(ctx, app, sp.ID); err != nil {
		return err
	}
	st.Origin = v1.OriginCreated
	recordServicePrincipal(st, sp)
	r.succeed(s, v1.ServicePrincipalReadyCondition, v1.SucceededReason, "created enterprise application "+name+" ("+sp.ID+")")
	r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Created", "CreateApplication",
		"Created enterprise application %s (service principal %s)", name, sp.ID)
	// Stop here, so that the application is on record (annotation and status) before anything else is
	// created for it; the annotation's change starts the next pass at once.
	return errCreatedApplication
}

// creationMarker is the tag the operator puts on an application it creates: the ScimApplication's
// UID, unique per object and stable across passes.
func creationMarker(app *v1.ScimApplication) string {
	return "scim-operator:" + string(app.UID)
}

// tagCreated marks a new application, waiting out Entra's replication (a just-created application
// can answer 404 for seconds) until the reconcile's deadline.
func tagCreated(ctx context.Context, gc graph.Client, applicationObjectID, marker string) error {
	for {
		err := gc.TagApplication(ctx, applicationObjectID, []string{marker})
		if err == nil || !graph.IsReplicationLag(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// errCreatedApplication ends a reconcile right after the application was created and recorded.
var errCreatedApplication = errors.New("created the enterprise application")

// annotateCreated records the created service principal on the object itself, keeping the status
// this reconcile has computed so far (a patch answers with the stored object, status included).
func (r *ScimApplicationReconciler) annotateCreated(ctx context.Context, app *v1.ScimApplication, spID string) error {
	status := app.Status.DeepCopy()
	patch := client.MergeFrom(app.DeepCopy())
	metav1.SetMetaDataAnnotation(&app.ObjectMeta, v1.CreatedServicePrincipalAnnotation, spID)
	err := r.Patch(ctx, app, patch)
	app.Status = *status
	if err != nil {
		return fmt.Errorf("record the created service principal %s: %w", spID, err)
	}
	return nil
}

func recordServicePrincipal(st *v1.ScimApplicationStatus, sp *graph.ServicePrincipal) {
	st.ServicePrincipalID, st.ApplicationID, st.ApplicationObjectID = sp.ID, sp.AppID, sp.ApplicationObjectID
}

// reconcileJob finds or creates the service principal's provisioning job from the scim template.
func (r *ScimApplicationReconciler) reconcileJob(ctx context.Context, s *appScope) error {
	st := &s.app.Status
	if st.JobID != "" {
		job, err := s.graph.GetJob(ctx, st.ServicePrincipalID, st.JobID)
		if err == nil {
			s.job = job
			return r.jobFound(s)
		}
		if !graph.IsNotFound(err) || s.recentlyCreated {
			return r.fail(s, v1.JobReadyCondition, err, "Synchronization.ReadWrite.All")
		}
		st.JobID = "" // deleted in Entra: find or create it again
	}
	jobs, err := s.graph.ListJobs(ctx, st.ServicePrincipalID)
	if err != nil {
		return r.fail(s, v1.JobReadyCondition, err, "Synchronization.ReadWrite.All")
	}
	for i, job := range jobs {
		if job.TemplateID == graph.ScimJobTemplateID || strings.HasPrefix(job.TemplateID, "customappsso") {
			s.job, st.JobID = &jobs[i], job.ID
			return r.jobFound(s)
		}
	}
	job, err := s.graph.CreateJob(ctx, st.ServicePrincipalID, graph.ScimJobTemplateID)
	if err != nil {
		return r.fail(s, v1.JobReadyCondition, err, "Synchronization.ReadWrite.All")
	}
	s.job, st.JobID = job, job.ID
	r.Recorder.Eventf(s.app, nil, corev1.EventTypeNormal, "Created", "CreateJob", "Created provisioning job %s", job.ID)
	return r.jobFound(s)
}

// jobFound reports a legacy customappsso job; reconcileJobState settles JobReady.
func (r *ScimApplicationReconciler) jobFound(s *appScope) error {
	if c := apimeta.FindStatusCondition(s.app.Status.Conditions, v1.JobReadyCondition); c == nil || c.Status != metav1.ConditionTrue {
		r.succeed(s, v1.JobReadyCondition, v1.ProgressingReason, "provisioning job "+s.job.ID+" exists")
	}
	if strings.HasPrefix(s.job.TemplateID, "customappsso") {
		old := apimeta.FindStatusCondition(s.app.Status.Conditions, v1.JobReadyCondition)
		if old == nil || old.Reason != v1.LegacyJobReason {
			r.Recorder.Eventf(s.app, nil, corev1.EventTypeWarning, v1.LegacyJobReason, "FindJob",
				"Job %s uses the legacy customappsso template; delete it in Entra to get a SCIM-compliant scim job", s.job.ID)
		}
	}
	return nil
}

// reconcileAdminCredentials pushes the Tenant URL, the Secret Token and the settings, after Entra's
// test connection accepted them. A hash in status avoids pushing an unchanged set again.
func (r *ScimApplicationReconciler) reconcileAdminCredentials(ctx context.Context, s *appScope) error {
	app := s.app
	token, tokenVersion, err := readSecretKey(ctx, r.APIReader, app.Namespace, app.Spec.TokenSecretRef)
	if err != nil {
		return r.fail(s, v1.AdminCredentialsReadyCondition, err, "")
	}
	tenantURL := r.tenantURL(s)
	app.Status.TenantURL = tenantURL
	secrets := desiredSecrets(s, tenantURL, normalizedToken(token))
	hash := secretsHash(secrets, tokenVersion)
	if hash == app.Status.SecretsHash {
		return nil
	}
	sp, job := app.Status.ServicePrincipalID, app.Status.JobID
	if err := s.graph.ValidateCredentials(ctx, sp, job, secrets[:2]); err != nil {
		if ge, ok := graph.AsError(err); ok && ge.StatusCode >= 400 && ge.StatusCode < 500 && !graph.IsThrottled(err) &&
			!graph.IsForbidden(err) && (!s.recentlyCreated || !graph.IsReplicationLag(err)) {
			msg := fmt.Sprintf("Entra's test connection to %s failed: %s", tenantURL, ge.Message)
			setCondition(&app.Status.Conditions, app.Generation, v1.AdminCredentialsReadyCondition, metav1.ConditionFalse, v1.ConnectionTestFailedReason, msg)
			return &stepFailure{outcome: outcome{reason: v1.ConnectionTestFailedReason, message: msg}, err: err}
		}
		return r.fail(s, v1.AdminCredentialsReadyCondition, err, "Synchronization.ReadWrite.All")
	}
	if err := s.graph.PutSecrets(ctx, sp, secrets); err != nil {
		return r.fail(s, v1.AdminCredentialsReadyCondition, err, "Synchronization.ReadWrite.All")
	}
	rotated := app.Status.SecretsHash != ""
	app.Status.SecretsHash = hash
	r.succeed(s, v1.AdminCredentialsReadyCondition, v1.SucceededReason, "Tenant URL "+tenantURL+" and Secret Token saved in Entra")
	action := "Saved"
	if rotated {
		action = "Updated"
	}
	r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, action, "PutSecrets", "%s admin credentials for %s", action, tenantURL)
	return nil
}

// tenantURL is the spec's override or <environment base>/<resourceType>/scim.
func (r *ScimApplicationReconciler) tenantURL(s *appScope) string {
	if s.app.Spec.TenantURL != "" {
		return s.app.Spec.TenantURL
	}
	base := strings.TrimSuffix(r.TenantURLBases[s.tenant.Spec.Environment], "/")
	return base + "/" + string(s.app.Spec.ResourceType) + "/scim"
}

// notificationSettings is the JSON Entra keeps in the SyncNotificationSettings secret.
type notificationSettings struct {
	Enabled                bool   `json:"Enabled"`
	Recipients             string `json:"Recipients"`
	DeleteThresholdEnabled bool   `json:"DeleteThresholdEnabled"`
	DeleteThresholdValue   int32  `json:"DeleteThresholdValue,omitempty"`
}

// desiredSecrets is the complete secret set: Graph's PUT replaces the set, so nothing is left out.
// BaseAddress and SecretToken come first; ValidateCredentials tests those two.
func desiredSecrets(s *appScope, tenantURL, token string) []graph.Secret {
	notify := s.app.Spec.Notifications
	if notify == nil {
		notify = s.tenant.Spec.Notifications
	}
	settings := notificationSettings{}
	if notify != nil {
		recipients := make([]string, 0, len(notify.Recipients))
		for _, rcpt := range notify.Recipients {
			recipients = append(recipients, string(rcpt))
		}
		settings.Recipients = strings.Join(recipients, ";")
		settings.Enabled = notify.Mode == v1.NotificationsEnabled || (notify.Mode == "" && len(recipients) > 0)
	}
	if t := s.app.Spec.Provisioning.DeleteThreshold; t == nil || *t > 0 {
		settings.DeleteThresholdEnabled, settings.DeleteThresholdValue = true, 500
		if t != nil {
			settings.DeleteThresholdValue = *t
		}
	}
	settingsJSON, _ := json.Marshal(settings) //nolint:errchkjson // a struct of strings, bools and ints always marshals.
	return []graph.Secret{
		{Key: "BaseAddress", Value: tenantURL},
		{Key: "SecretToken", Value: token},
		{Key: "SyncNotificationSettings", Value: string(settingsJSON)},
		{Key: "SyncAll", Value: strconv.FormatBool(s.app.Spec.Provisioning.Scope == v1.ScopeAll)},
	}
}

// reconcileMappings makes the job's User attribute mappings equal the spec's table; it writes only
// when they differ, so a mapping changed in the portal is put back and steady state writes nothing.
func (r *ScimApplicationReconciler) reconcileMappings(ctx context.Context, s *appScope) error {
	app := s.app
	schema, err := s.graph.GetSchema(ctx, app.Status.ServicePrincipalID, app.Status.JobID)
	if err != nil {
		return r.fail(s, v1.MappingsSyncedCondition, err, "Synchronization.ReadWrite.All")
	}
	updated, changed, err := mapping.ApplyMappings(schema, app.Spec.EffectiveMappings())
	if exprErr, ok := errors.AsType[*mapping.ExpressionError](err); ok {
		msg := "invalid source expression: " + exprErr.Error()
		setCondition(&app.Status.Conditions, app.Generation, v1.MappingsSyncedCondition, metav1.ConditionFalse, v1.InvalidExpressionReason, msg)
		return &stepFailure{outcome: outcome{reason: v1.InvalidExpressionReason, message: msg, stalled: true}, err: err}
	}
	if err != nil {
		return r.fail(s, v1.MappingsSyncedCondition, fmt.Errorf("edit the job schema: %w", err), "")
	}
	s.schema = schema
	if changed {
		if err := s.graph.PutSchema(ctx, app.Status.ServicePrincipalID, app.Status.JobID, updated); err != nil {
			return r.fail(s, v1.MappingsSyncedCondition, err, "Synchronization.ReadWrite.All")
		}
		s.schema = updated
		old := apimeta.FindStatusCondition(app.Status.Conditions, v1.MappingsSyncedCondition)
		reason := "Updated attribute mappings"
		if old != nil && old.Status == metav1.ConditionTrue && old.ObservedGeneration == app.Generation {
			reason = "Restored attribute mappings changed outside the operator"
		}
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "MappingsUpdated", "PutSchema", "%s", reason)
	}
	r.succeed(s, v1.MappingsSyncedCondition, v1.SucceededReason,
		fmt.Sprintf("%d attribute mappings in place", len(app.Spec.EffectiveMappings())))
	return nil
}
