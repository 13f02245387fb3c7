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
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// ScimApplicationReconciler keeps one Entra enterprise application configured as its
// ScimApplication says, and reports the provisioning job's health.
type ScimApplicationReconciler struct {
	client.Client
	// APIReader reads the reconciled object and Secrets from the API server, uncached.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Graph     GraphConfig
	// TenantURLBases maps an environment to the base of its Tenant URLs, e.g.
	// https://api.booking.andmoney.dk; the Tenant URL is <base>/<resourceType>/scim.
	TenantURLBases map[v1.Environment]string
	// PollInterval is how often Entra is read again for drift and job health.
	PollInterval time.Duration
}

// appScope carries what the steps of one reconcile learn and share.
type appScope struct {
	app    *v1.ScimApplication
	tenant *v1.ScimTenant
	graph  graph.Client
	job    *graph.Job
	schema json.RawMessage
	// recentlyCreated is true for some minutes after the operator created the application, while
	// Entra's replication makes 404/403/409 answers expected.
	recentlyCreated bool
	// release gives back the tenant slot reconcileTenant took.
	release func()
}

// appStep is one sub-reconciler. It sets its own condition; an error stops the reconcile.
type appStep func(ctx context.Context, s *appScope) error

// stepFailure carries the retry plan of a failed step to Reconcile.
type stepFailure struct {
	outcome
	err error
}

func (f *stepFailure) Error() string { return f.err.Error() }
func (f *stepFailure) Unwrap() error { return f.err }

// Reconcile is the entry point: fetch, finalizer, one deferred status patch, the steps in order.
func (r *ScimApplicationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	// Read from the API server, not the cache: status is what this controller wrote in its previous
	// pass, and a pass that started from a stale copy would both repeat Entra calls and, finding
	// nothing to change against that copy, leave an outdated status in place.
	app := &v1.ScimApplication{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, app); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !app.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, app)
	}
	// The finalizer goes on before anything is created in Entra. Its patch changes neither the
	// generation nor the annotations, which the watch filters on, so the reconcile goes on here.
	if !controllerutil.ContainsFinalizer(app, v1.Finalizer) {
		patch := client.MergeFrom(app.DeepCopy())
		controllerutil.AddFinalizer(app, v1.Finalizer)
		if err := r.Patch(ctx, app, patch); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}

	base := app.DeepCopy()
	s := &appScope{app: app, release: func() {}}
	defer func() {
		s.release()
		retErr = errors.Join(retErr, r.patchStatus(ctx, base, s))
	}()
	// The steps' Graph calls share one deadline; the status patch above does not.
	graphCtx, cancel := r.Graph.graphContext(ctx)
	defer cancel()
	err := r.runSteps(graphCtx, s, []appStep{
		r.reconcileTenant,
		r.reconcileServicePrincipal,
		r.reconcileJob,
		r.reconcileAdminCredentials,
		r.reconcileMappings,
		r.reconcileAssignments,
		r.reconcileJobState,
		r.reconcileRequests,
		r.reconcileHealth,
	})
	return r.result(ctx, app, err)
}

func (r *ScimApplicationReconciler) runSteps(ctx context.Context, s *appScope, steps []appStep) error {
	for _, step := range steps {
		if err := step(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// result turns the steps' outcome into a requeue plan: poll slowly in steady state and on
// configuration errors, wait as Entra asks when throttled, back off on other errors.
func (r *ScimApplicationReconciler) result(ctx context.Context, app *v1.ScimApplication, err error) (ctrl.Result, error) {
	var failure *stepFailure
	if errors.Is(err, errCreatedApplication) {
		return ctrl.Result{RequeueAfter: replicationRetry}, nil // the annotation's event usually comes first
	}
	if errors.Is(err, errTenantBusy) {
		return ctrl.Result{RequeueAfter: jitter(tenantBusyRetry)}, nil
	}
	if err == nil {
		app.Status.ObservedGeneration = app.Generation
		return ctrl.Result{RequeueAfter: jitter(r.PollInterval)}, nil
	}
	if !errors.As(err, &failure) {
		return ctrl.Result{}, err
	}
	log.FromContext(ctx).V(1).Info("Reconcile step failed", "reason", failure.reason, "message", failure.message)
	if !failure.stalled {
		apimeta.RemoveStatusCondition(&app.Status.Conditions, v1.StalledCondition)
	}
	switch {
	case failure.retryAfter > 0:
		return ctrl.Result{RequeueAfter: failure.retryAfter}, nil
	case failure.stalled:
		setCondition(&app.Status.Conditions, app.Generation, v1.StalledCondition, metav1.ConditionTrue, failure.reason, failure.message)
		app.Status.ObservedGeneration = app.Generation
		return ctrl.Result{RequeueAfter: jitter(r.PollInterval)}, nil
	}
	return ctrl.Result{}, failure.err
}

// fail sets a step's condition from its error and returns the error Reconcile acts on.
func (r *ScimApplicationReconciler) fail(s *appScope, conditionType string, err error, permission string) error {
	o := classify(err, permission, s.recentlyCreated)
	setCondition(&s.app.Status.Conditions, s.app.Generation, conditionType, metav1.ConditionFalse, o.reason, o.message)
	return &stepFailure{outcome: o, err: err}
}

func (r *ScimApplicationReconciler) succeed(s *appScope, conditionType, reason, message string) {
	setCondition(&s.app.Status.Conditions, s.app.Generation, conditionType, metav1.ConditionTrue, reason, message)
}

// patchStatus summarises Ready and writes status once, only when it changed.
func (r *ScimApplicationReconciler) patchStatus(ctx context.Context, base *v1.ScimApplication, s *appScope) error {
	app := s.app
	summarizeReady(app)
	exportJobMetrics(app)
	if equalStatus(base.Status, app.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Status().Patch(ctx, app, client.MergeFrom(base)))
}

// ownedConditions are the conditions Ready summarises, in the order of the steps.
var ownedConditions = []string{
	v1.ServicePrincipalReadyCondition,
	v1.JobReadyCondition,
	v1.AdminCredentialsReadyCondition,
	v1.MappingsSyncedCondition,
	v1.AssignmentsSyncedCondition,
	v1.ProvisioningHealthyCondition,
}

// summarizeReady sets Ready from the owned conditions: the first False one explains Ready=False,
// else the first one not yet True for this generation. Reconciling and Stalled follow kstatus:
// present only while true.
func summarizeReady(app *v1.ScimApplication) {
	conditions := &app.Status.Conditions
	gen := app.Generation
	var blocking *metav1.Condition
	for _, t := range ownedConditions {
		c := apimeta.FindStatusCondition(*conditions, t)
		switch {
		case c != nil && c.Status == metav1.ConditionFalse:
			blocking = c
		case c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != gen:
			if blocking == nil {
				blocking = &metav1.Condition{Reason: v1.ProgressingReason, Message: "waiting for " + t}
			}
			continue
		default:
			continue
		}
		break
	}
	if blocking != nil {
		setCondition(conditions, gen, v1.ReadyCondition, metav1.ConditionFalse, blocking.Reason, blocking.Message)
		if stalled := apimeta.FindStatusCondition(*conditions, v1.StalledCondition); stalled == nil || stalled.ObservedGeneration != gen {
			apimeta.RemoveStatusCondition(conditions, v1.StalledCondition)
			setCondition(conditions, gen, v1.ReconcilingCondition, metav1.ConditionTrue, v1.ProgressingReason, blocking.Message)
		}
		return
	}
	message := "provisioning job configured"
	if app.Status.Job != nil && app.Status.Job.State != "" {
		message = "provisioning job " + app.Status.Job.State
	}
	setCondition(conditions, gen, v1.ReadyCondition, metav1.ConditionTrue, v1.SucceededReason, message)
	apimeta.RemoveStatusCondition(conditions, v1.ReconcilingCondition)
	apimeta.RemoveStatusCondition(conditions, v1.StalledCondition)
}

// SetupWithManager watches ScimApplications (spec changes and annotation requests), their
// ScimTenants and token Secrets (metadata only).
func (r *ScimApplicationReconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.ScimApplication{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&v1.ScimTenant{}, handler.EnqueueRequestsFromMapFunc(r.appsForTenant)).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.appsForSecret)).
		Named("scimapplication").
		WithOptions(controller.Options{MaxConcurrentReconciles: maxConcurrent}).
		Complete(r)
}

func (r *ScimApplicationReconciler) appsForTenant(ctx context.Context, tenant client.Object) []ctrl.Request {
	return r.appsMatching(ctx, tenant.GetNamespace(), appTenantIndex, tenant.GetName())
}

func (r *ScimApplicationReconciler) appsForSecret(ctx context.Context, secret client.Object) []ctrl.Request {
	return r.appsMatching(ctx, secret.GetNamespace(), appTokenSecretIndex, secret.GetName())
}

func (r *ScimApplicationReconciler) appsMatching(ctx context.Context, namespace, index, value string) []ctrl.Request {
	apps := &v1.ScimApplicationList{}
	if err := r.List(ctx, apps, client.InNamespace(namespace), client.MatchingFields{index: value}); err != nil {
		log.FromContext(ctx).Error(err, "Failed to list applications", "index", index, "value", value)
		return nil
	}
	requests := make([]ctrl.Request, 0, len(apps.Items))
	for _, a := range apps.Items {
		requests = append(requests, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: a.Namespace, Name: a.Name}})
	}
	return requests
}
