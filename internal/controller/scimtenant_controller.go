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
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// ScimTenantReconciler checks that the operator can sign in to a tenant's Graph.
type ScimTenantReconciler struct {
	client.Client
	// APIReader reads the reconciled object and Secrets from the API server, uncached.
	APIReader client.Reader
	Recorder  events.EventRecorder
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
		if apierrors.IsNotFound(err) {
			forgetObjectMetrics(kindTenant, req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	base := tenant.DeepCopy()
	var failure *outcome
	defer func() {
		retErr = errors.Join(retErr, r.patchStatus(ctx, base, tenant, failure, retErr))
	}()
	graphCtx, cancel := r.Graph.graphContext(ctx)
	defer cancel()
	gc, err := r.Graph.tenantClient(graphCtx, r.Client, r.APIReader, tenant)
	if err == nil {
		err = gc.Ping(graphCtx)
	}
	if err != nil {
		o := classify(err, graph.PermissionApplicationOwnedBy, false)
		failure = &o
		logFailure(ctx, tenant, v1.CredentialsReadyCondition, o)
		// Secret and spec changes trigger a reconcile; a stalled tenant polls for changes made in Entra.
		return requeue(o, err, r.PollInterval)
	}
	// The expiry read takes one of the tenant's Graph slots, like an application's reconcile, so that
	// a slow Graph holds no more of the operator's calls; when all are taken it waits for the next poll.
	if release, ok := r.Graph.slots.tryAcquire(tenant.UID); ok {
		exportClientSecretExpiry(graphCtx, tenant, gc)
		release()
	}
	return ctrl.Result{RequeueAfter: jitter(r.PollInterval)}, nil
}

// exportClientSecretExpiry exports when the tenant's client secret expires, read from its app
// registration. Reading needs a permission that covers the registration's own application object;
// without it the expiry is unknown and nothing else changes. A certificate's expiry is exported
// when it is read (tenantClient); workload identity has none.
func exportClientSecretExpiry(ctx context.Context, tenant *v1.ScimTenant, gc graph.Client) {
	cred := tenant.Spec.Credentials
	if cred.ClientCertificate != nil {
		return
	}
	if cred.ClientSecret == nil {
		credentialExpiry.DeleteLabelValues(tenant.Namespace, tenant.Name)
		return
	}
	expiry, ok, err := gc.ClientSecretExpiry(ctx)
	switch {
	case err != nil:
		log.FromContext(ctx).V(1).Info("Cannot read the client secret's expiry from the app registration", "error", err.Error())
		if graph.IsForbidden(err) || graph.IsNotFound(err) {
			credentialExpiry.DeleteLabelValues(tenant.Namespace, tenant.Name)
		}
	case ok:
		credentialExpiry.WithLabelValues(tenant.Namespace, tenant.Name).Set(float64(expiry.Unix()))
	default:
		credentialExpiry.DeleteLabelValues(tenant.Namespace, tenant.Name)
	}
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
