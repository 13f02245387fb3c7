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
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

// Reconcile is the entry point: fetch, finalizer, one deferred status patch, the steps in order.
func (r *ScimApplicationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	// Read from the API server, not the cache: status is what this controller wrote in its previous
	// pass, and a pass that started from a stale copy would both repeat Entra calls and, finding
	// nothing to change against that copy, leave an outdated status in place.
	app := &v1.ScimApplication{}
	if err := r.APIReader.Get(ctx, req.NamespacedName, app); err != nil {
		if apierrors.IsNotFound(err) {
			forgetObjectMetrics(kindApplication, req.Namespace, req.Name)
		}
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
	r.runSteps(graphCtx, s, []appStep{
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
	return r.result(ctx, s)
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
