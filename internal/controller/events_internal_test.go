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
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

func TestRecordFailureEvents(t *testing.T) {
	cond := func(t string, status metav1.ConditionStatus, reason string) metav1.Condition {
		return metav1.Condition{Type: t, Status: status, Reason: reason, Message: "m"}
	}
	owned := []string{v1.TenantReadyCondition, v1.JobReadyCondition}
	cases := map[string]struct {
		before, after []metav1.Condition
		want          []string
	}{
		"a condition turns False": {
			before: []metav1.Condition{cond(v1.JobReadyCondition, "True", "Succeeded")},
			after:  []metav1.Condition{cond(v1.JobReadyCondition, "False", "Forbidden"), cond(v1.ReadyCondition, "False", "Forbidden")},
			want:   []string{"Warning Forbidden JobReady: m"},
		},
		"a new condition is False": {
			after: []metav1.Condition{cond(v1.TenantReadyCondition, "False", "TenantNotFound"), cond(v1.StalledCondition, "True", "TenantNotFound")},
			want:  []string{"Warning TenantNotFound TenantReady: m"},
		},
		"the same failure on a resync": {
			before: []metav1.Condition{cond(v1.JobReadyCondition, "False", "Forbidden")},
			after:  []metav1.Condition{cond(v1.JobReadyCondition, "False", "Forbidden")},
		},
		"a failure with a new reason": {
			before: []metav1.Condition{cond(v1.JobReadyCondition, "False", "Throttled")},
			after:  []metav1.Condition{cond(v1.JobReadyCondition, "False", "Forbidden")},
			want:   []string{"Warning Forbidden JobReady: m"},
		},
		"a recovery": {
			before: []metav1.Condition{cond(v1.JobReadyCondition, "False", "Forbidden")},
			after:  []metav1.Condition{cond(v1.JobReadyCondition, "True", "Succeeded")},
		},
		"a failed deletion that stalls": {
			after: []metav1.Condition{cond(v1.ReadyCondition, "False", "Deleting"), cond(v1.StalledCondition, "True", "TenantNotFound")},
			want:  []string{"Warning TenantNotFound Stalled: m"},
		},
		"a new object waiting for its job": {
			after: []metav1.Condition{cond(v1.JobReadyCondition, "False", v1.ProgressingReason), cond(v1.ReadyCondition, "False", v1.ProgressingReason)},
		},
		"a tenant that is not Ready yet": {
			after: []metav1.Condition{cond(v1.TenantReadyCondition, "False", v1.DependencyNotReadyReason), cond(v1.ReadyCondition, "False", v1.DependencyNotReadyReason)},
		},
		"a failed deletion": {
			after: []metav1.Condition{cond(v1.ReadyCondition, "False", "Deleting")},
			want:  []string{"Warning Deleting Ready: m"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			recorder := events.NewFakeRecorder(10)
			recordFailureEvents(recorder, &v1.ScimApplication{}, tc.before, tc.after, owned)
			close(recorder.Events)
			var got []string
			for e := range recorder.Events {
				got = append(got, e)
			}
			g.Expect(got).To(Equal(tc.want))
		})
	}
}
