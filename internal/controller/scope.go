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

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

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
