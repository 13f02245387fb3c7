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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// TestStepFailurePlans: every way a step ends maps to one requeue plan, and only a failure reported
// on a condition changes the conditions. A Kubernetes API error (transient) and a wait leave a
// Stalled of this generation in place and observe nothing. (The Stalled of the completed pass stays
// because JobReady is still False from before: this pass did not run the job's step.)
func TestStepFailurePlans(t *testing.T) {
	apiErr := errors.New("the API server is unavailable")
	for name, tc := range map[string]struct {
		failure     *stepFailure
		result      ctrl.Result
		err         error
		keepStalled bool
		observed    bool
	}{
		"completed":  {failure: nil, result: ctrl.Result{RequeueAfter: time.Minute}, keepStalled: true, observed: true},
		"transient":  {failure: transient(apiErr), err: apiErr, keepStalled: true},
		"waiting":    {failure: waitFor(5*time.Second, errCreatedApplication), result: ctrl.Result{RequeueAfter: 5 * time.Second}, keepStalled: true},
		"failed":     {failure: failWith(v1.JobReadyCondition, outcome{reason: v1.GraphErrorReason, message: "boom"}, apiErr), err: apiErr},
		"stalled":    {failure: stall(v1.JobReadyCondition, v1.InvalidExpressionReason, "bad"), result: ctrl.Result{RequeueAfter: time.Minute}, keepStalled: true, observed: true},
		"throttled":  {failure: failWith(v1.JobReadyCondition, outcome{reason: v1.ThrottledReason, retryAfter: 30 * time.Second}, apiErr), result: ctrl.Result{RequeueAfter: 30 * time.Second}},
		"dependency": {failure: failWith(v1.JobReadyCondition, outcome{reason: v1.DependencyNotReadyReason, retryAfter: time.Minute}, apiErr), result: ctrl.Result{RequeueAfter: time.Minute}},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			app := &v1.ScimApplication{}
			app.Generation = 2
			setCondition(&app.Status.Conditions, 2, v1.StalledCondition, metav1.ConditionTrue, v1.TenantNotFoundReason, "earlier")
			setCondition(&app.Status.Conditions, 2, v1.JobReadyCondition, metav1.ConditionFalse, v1.TenantNotFoundReason, "earlier")
			s := &appScope{app: app}
			r := &ScimApplicationReconciler{PollInterval: time.Minute}
			r.runSteps(context.Background(), s, []appStep{func(context.Context, *appScope) *stepFailure { return tc.failure }})

			result, err := r.result(context.Background(), s)
			if tc.result.RequeueAfter == time.Minute {
				// The poll is jittered by ±10%.
				g.Expect(result.RequeueAfter).To(BeNumerically("~", time.Minute, 6*time.Second))
			} else {
				g.Expect(result).To(Equal(tc.result))
			}
			if tc.err == nil {
				g.Expect(err).NotTo(HaveOccurred())
			} else {
				g.Expect(err).To(BeIdenticalTo(tc.err), "the API error itself goes to the work queue's backoff")
			}

			setObservedGeneration(s)
			g.Expect(app.Status.ObservedGeneration == 2).To(Equal(tc.observed))
			setStalledCondition(s)
			stalled := conditionOf(app, v1.StalledCondition)
			switch {
			case tc.failure != nil && tc.failure.stalled:
				g.Expect(stalled.Reason).To(Equal(v1.InvalidExpressionReason))
			case tc.keepStalled:
				g.Expect(stalled.Reason).To(Equal(v1.TenantNotFoundReason))
			default:
				g.Expect(stalled.Status).To(BeEmpty())
			}
			setJobReadyCondition(s)
			job := conditionOf(app, v1.JobReadyCondition)
			if tc.failure != nil && tc.failure.reported() {
				g.Expect(job.Reason).To(Equal(tc.failure.reason))
			} else {
				g.Expect(job.Reason).To(Equal(v1.TenantNotFoundReason), "a failure reported on no condition writes none")
			}
		})
	}
}
