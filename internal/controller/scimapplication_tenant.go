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
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// replicationWindow is how long after creating an application Entra's replication errors are
// expected rather than reported.
const replicationWindow = 10 * time.Minute

// reconcileTenant finds the ScimTenant and builds its Graph client.
func (r *ScimApplicationReconciler) reconcileTenant(ctx context.Context, s *appScope) *stepFailure {
	app := s.app
	tenant := &v1.ScimTenant{}
	err := r.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TenantRef.Name}, tenant)
	if apierrors.IsNotFound(err) {
		return stall(v1.TenantReadyCondition, v1.TenantNotFoundReason,
			fmt.Sprintf("ScimTenant %q not found in namespace %s", app.Spec.TenantRef.Name, app.Namespace))
	}
	if err != nil {
		return transient(err)
	}
	s.tenant = tenant
	if ready := apimeta.FindStatusCondition(tenant.Status.Conditions, v1.ReadyCondition); ready == nil || ready.Status != metav1.ConditionTrue {
		msg := fmt.Sprintf("ScimTenant %q is not Ready", tenant.Name)
		if ready != nil {
			msg += ": " + ready.Message
		}
		// The tenant's status change triggers the next reconcile through the watch.
		return failWith(v1.TenantReadyCondition, outcome{reason: v1.DependencyNotReadyReason, message: msg, retryAfter: r.PollInterval}, errors.New(msg))
	}
	release, ok := r.Graph.slots.tryAcquire(tenant.UID)
	if !ok {
		return waitFor(jitter(tenantBusyRetry), errTenantBusy)
	}
	s.release = release
	gc, err := r.Graph.tenantClient(ctx, r.Client, r.APIReader, tenant)
	if err != nil {
		return s.fail(v1.TenantReadyCondition, err, "")
	}
	s.graph = gc
	created := apimeta.FindStatusCondition(app.Status.Conditions, v1.ServicePrincipalReadyCondition)
	s.recentlyCreated = app.Status.Origin == v1.OriginCreated && created != nil &&
		time.Since(created.LastTransitionTime.Time) < replicationWindow
	return nil
}

// errTenantBusy is why a pass ends before any Graph call: other reconciles hold all of the tenant's
// slots (its Graph may be slow), so this one waits in the queue rather than in a worker.
var errTenantBusy = errors.New("the tenant's Graph is busy with other reconciles")

// tenantBusyRetry is how soon a reconcile that found its tenant busy is tried again.
const tenantBusyRetry = 2 * time.Second
