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

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// tenantConditions are the conditions whose failures a ScimTenant reports as events.
var tenantConditions = []string{v1.CredentialsReadyCondition}

// patchStatus writes the tenant's conditions from the reconcile's failure (nil: signed in), reports
// a new failure as an event and in metrics, and writes status once, only when it changed.
func (r *ScimTenantReconciler) patchStatus(ctx context.Context, base, tenant *v1.ScimTenant, failure *outcome, reconcileErr error) error {
	setCredentialsReadyCondition(tenant, failure)
	setTenantStalledCondition(tenant, failure)
	if reconcileErr == nil {
		tenant.Status.ObservedGeneration = tenant.Generation
	}
	recordFailureEvents(r.Recorder, tenant, base.Status.Conditions, tenant.Status.Conditions, tenantConditions)
	exportConditionMetrics(tenant, tenant.Status.Conditions)
	if equalStatus(base.Status, tenant.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Status().Patch(ctx, tenant, client.MergeFrom(base)))
}

// setCredentialsReadyCondition sets CredentialsReady and Ready (a tenant has nothing else to
// summarise). Throttling says nothing about the credentials: a tenant that was Ready stays Ready,
// so its applications do not stop.
func setCredentialsReadyCondition(tenant *v1.ScimTenant, failure *outcome) {
	status, reason, message := metav1.ConditionTrue, v1.SucceededReason, "signed in to Microsoft Graph"
	if failure != nil {
		if failure.reason == v1.ThrottledReason && apimeta.IsStatusConditionTrue(tenant.Status.Conditions, v1.CredentialsReadyCondition) {
			return
		}
		status, reason, message = metav1.ConditionFalse, failure.reason, failure.message
	}
	for _, t := range []string{v1.CredentialsReadyCondition, v1.ReadyCondition} {
		setCondition(&tenant.Status.Conditions, tenant.Generation, t, status, reason, message)
	}
	if status == metav1.ConditionTrue || reason == v1.InvalidCredentialsReason || reason == v1.ForbiddenReason ||
		reason == v1.SecretNotFoundReason || reason == v1.SecretKeyNotFoundReason || reason == v1.SecretNotLabelledReason ||
		reason == v1.EndpointNotAllowedReason || reason == v1.AudienceNotAllowedReason {
		tenant.Status.ObservedGeneration = tenant.Generation
	}
}

// setTenantStalledCondition: Stalled while a failure only a person fixes stops the tenant.
func setTenantStalledCondition(tenant *v1.ScimTenant, failure *outcome) {
	if failure != nil && failure.stalled {
		setCondition(&tenant.Status.Conditions, tenant.Generation, v1.StalledCondition, metav1.ConditionTrue, failure.reason, failure.message)
		return
	}
	// A throttled tenant keeps the Stalled it had: throttling says nothing about the cause.
	if failure == nil || failure.retryAfter <= 0 {
		apimeta.RemoveStatusCondition(&tenant.Status.Conditions, v1.StalledCondition)
	}
}
