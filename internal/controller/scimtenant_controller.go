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
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// ScimTenantReconciler checks that the operator can sign in to a tenant's Graph.
type ScimTenantReconciler struct {
	client.Client
	// APIReader reads the reconciled object and Secrets from the API server, uncached.
	APIReader client.Reader
	Graph     GraphConfig
	// PollInterval is how often working credentials are checked again (they can expire or be revoked).
	PollInterval time.Duration
}

// Reconcile acquires a token with the tenant's credentials, makes one cheap Graph read and reports
// the result in CredentialsReady and Ready.
func (r *ScimTenantReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	tenant := &v1.ScimTenant{}
	// From the API server, for the same reason as ScimApplications: status must not go stale.
	if err := r.APIReader.Get(ctx, req.NamespacedName, tenant); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	base := tenant.DeepCopy()
	defer func() {
		retErr = errors.Join(retErr, r.patchStatus(ctx, base, tenant, retErr))
	}()

	graphCtx, cancel := r.Graph.graphContext(ctx)
	defer cancel()
	gc, err := r.Graph.tenantClient(graphCtx, r.Client, r.APIReader, tenant)
	if err == nil {
		err = gc.Ping(graphCtx)
	}
	if err != nil {
		o := classify(err, "Application.ReadWrite.OwnedBy", false)
		// Throttling says nothing about the credentials: a tenant that was Ready stays Ready, so its
		// applications do not stop.
		if o.reason != v1.ThrottledReason || !apimeta.IsStatusConditionTrue(tenant.Status.Conditions, v1.CredentialsReadyCondition) {
			r.setReady(tenant, metav1.ConditionFalse, o.reason, o.message)
		}
		log.FromContext(ctx).V(1).Info("Tenant credentials not ready", "reason", o.reason, "message", o.message)
		switch {
		case o.retryAfter > 0:
			return ctrl.Result{RequeueAfter: o.retryAfter}, nil
		case o.stalled:
			setCondition(&tenant.Status.Conditions, tenant.Generation, v1.StalledCondition, metav1.ConditionTrue, o.reason, o.message)
			// Secret and spec changes trigger a reconcile; poll for changes made in Entra.
			return ctrl.Result{RequeueAfter: jitter(r.PollInterval)}, nil
		}
		apimeta.RemoveStatusCondition(&tenant.Status.Conditions, v1.StalledCondition)
		return ctrl.Result{}, err
	}
	apimeta.RemoveStatusCondition(&tenant.Status.Conditions, v1.StalledCondition)
	r.setReady(tenant, metav1.ConditionTrue, v1.SucceededReason, "signed in to Microsoft Graph")
	return ctrl.Result{RequeueAfter: jitter(r.PollInterval)}, nil
}

func (r *ScimTenantReconciler) setReady(tenant *v1.ScimTenant, status metav1.ConditionStatus, reason, message string) {
	for _, t := range []string{v1.CredentialsReadyCondition, v1.ReadyCondition} {
		setCondition(&tenant.Status.Conditions, tenant.Generation, t, status, reason, message)
	}
	if status == metav1.ConditionTrue || reason == v1.InvalidCredentialsReason || reason == v1.ForbiddenReason ||
		reason == v1.SecretNotFoundReason || reason == v1.SecretKeyNotFoundReason || reason == v1.SecretNotLabelledReason ||
		reason == v1.EndpointNotAllowedReason || reason == v1.AudienceNotAllowedReason {
		tenant.Status.ObservedGeneration = tenant.Generation
	}
}

func (r *ScimTenantReconciler) patchStatus(ctx context.Context, base, tenant *v1.ScimTenant, reconcileErr error) error {
	if reconcileErr == nil {
		tenant.Status.ObservedGeneration = tenant.Generation
	}
	if equalStatus(base.Status, tenant.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Status().Patch(ctx, tenant, client.MergeFrom(base)))
}

// SetupWithManager registers the controller; Secret changes reach the tenants that reference them
// through a field index, from a metadata-only watch (no Secret data is cached).
func (r *ScimTenantReconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.ScimTenant{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.tenantsForSecret)).
		Named("scimtenant").
		WithOptions(controller.Options{MaxConcurrentReconciles: maxConcurrent}).
		Complete(r)
}

func (r *ScimTenantReconciler) tenantsForSecret(ctx context.Context, secret client.Object) []ctrl.Request {
	tenants := &v1.ScimTenantList{}
	if err := r.List(ctx, tenants, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{tenantSecretIndex: secret.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "Failed to list tenants for a Secret", "secret", secret.GetName())
		return nil
	}
	requests := make([]ctrl.Request, 0, len(tenants.Items))
	for _, t := range tenants.Items {
		requests = append(requests, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: t.Namespace, Name: t.Name}})
	}
	return requests
}
