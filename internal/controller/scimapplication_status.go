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
