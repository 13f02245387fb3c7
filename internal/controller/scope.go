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

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// appScope carries what the steps of one reconcile learn and share. The steps write no
// conditions: they record what they found here, and scimapplication_status.go turns that into
// conditions, each from one function.
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

	// failure is the step failure that ended the pass; nil when every step completed.
	failure *stepFailure
	// deletionFailure is how deleting the Entra objects failed, in a pass for an object being
	// deleted; such a pass runs no steps.
	deletionFailure *outcome
	// principal is the service principal the step resolved in this pass (nil when the one in status
	// was taken as is), and principalCreated whether the step created it, as principalName.
	principal        *graph.ServicePrincipal
	principalCreated bool
	principalName    string
	// jobSettled is true once reconcileJobState put the job in the state the spec asks for.
	jobSettled bool
	// credentialsSaved is true when this pass saved the Tenant URL and Secret Token in Entra.
	credentialsSaved bool
	// mappingsInPlace, assignmentsSynced and healthChecked are true when their step completed.
	mappingsInPlace   bool
	assignmentsSynced bool
	healthChecked     bool
}

// appStep is one sub-reconciler. It records what it found in the scope and fails in one way: with a
// *stepFailure, built by fail, stall or failWith (reported on the step's condition), or by waitFor
// or transient (reported on none). The result type, not an error, makes that the only way: a step
// cannot hand a bare error of the Kubernetes API (or anything else) past this API.
type appStep func(ctx context.Context, s *appScope) *stepFailure

// stepFailure is how a step fails: the condition it reports on, with a reason, a message and a
// retry plan, modelled on Flux's serror (Generic, Stalling, Waiting). It is deliberately not an
// error, so that it cannot be mixed up with one. Build it only through the constructors below.
type stepFailure struct {
	// condition is the condition the failure is written on; "" for a failure written on none
	// (waitFor, transient), which the status treats as a pass that learnt nothing new.
	condition string
	outcome
	err error
}

// reported tells whether the failure is written on a condition (and so logged and evented).
func (f *stepFailure) reported() bool { return f.condition != "" }

// fail reports err on condition, classified (Graph, configuration or Secret error) into a reason
// and a retry plan. permission names the Graph application permission the call needs, for a 403.
func (s *appScope) fail(condition string, err error, permission string) *stepFailure {
	return failWith(condition, classify(err, permission, s.recentlyCreated), err)
}

// stall reports a problem only a change of the spec, a Secret or Entra fixes: the object is marked
// Stalled and polled slowly.
func stall(condition, reason, message string) *stepFailure {
	return failWith(condition, outcome{reason: reason, message: message, stalled: true}, errors.New(message))
}

// failWith reports a failure whose retry plan the step decides itself.
func failWith(condition string, o outcome, err error) *stepFailure {
	return &stepFailure{condition: condition, outcome: o, err: err}
}

// waitFor ends the pass without a failure to report: the step's plan is to come back after d
// (Flux's serror.Waiting), with no error for the work queue. why names what it waits for; nothing
// reports it, since waiting is no failure.
func waitFor(d time.Duration, why error) *stepFailure {
	return &stepFailure{outcome: outcome{retryAfter: d}, err: why}
}

// transient ends the pass on an error of the Kubernetes API (reading the tenant, recording the
// created application). It is retried with backoff through the work queue and written on no
// condition, since an API server that failed a request says nothing about the object; the log
// has it (controller-runtime logs the error result returns).
func transient(err error) *stepFailure {
	return &stepFailure{err: err}
}

// runSteps runs the steps in order until one fails, and keeps that failure in the scope for the
// status and the requeue plan.
func (r *ScimApplicationReconciler) runSteps(ctx context.Context, s *appScope, steps []appStep) {
	for _, step := range steps {
		if s.failure = step(ctx, s); s.failure != nil {
			return
		}
	}
}

// result turns the pass's failure (s.failure, nil when all steps completed) into a requeue plan.
// Only failures reported on a condition are logged here.
func (r *ScimApplicationReconciler) result(ctx context.Context, s *appScope) (ctrl.Result, error) {
	f := s.failure
	if f == nil {
		return ctrl.Result{RequeueAfter: jitter(r.PollInterval)}, nil
	}
	if f.reported() {
		logFailure(ctx, s.app, f.condition, f.outcome)
	}
	return requeue(f.outcome, f.err, r.PollInterval)
}

// requeue is the retry plan of a failure, the same for both controllers: wait as Entra asks when
// throttled or replicating, poll slowly when stalled (a watch brings the fix sooner), else back
// off through the work queue.
func requeue(o outcome, err error, pollInterval time.Duration) (ctrl.Result, error) {
	switch {
	case o.retryAfter > 0:
		return ctrl.Result{RequeueAfter: o.retryAfter}, nil
	case o.stalled:
		return ctrl.Result{RequeueAfter: jitter(pollInterval)}, nil
	}
	return ctrl.Result{}, err
}

// logFailure logs a failure at the default level. Its message comes from Graph, the spec or a
// Secret's name and key, never from a credential or token value.
func logFailure(ctx context.Context, obj client.Object, condition string, o outcome) {
	log.FromContext(ctx).Info("Reconcile failed", "kind", kindOf(obj), "condition", condition,
		"reason", o.reason, "message", o.message, "stalled", o.stalled, "retryAfter", o.retryAfter)
}
