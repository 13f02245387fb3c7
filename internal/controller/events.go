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
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// recordFailureEvents records a Warning event, with the condition's reason, for each of the
// conditions that turned False or changed its reason since before: on the transition, not on every
// resync. Ready and Stalled repeat the reason of the condition that failed, so they are reported
// only when none of conditions did (a failed deletion has nothing else to say).
func recordFailureEvents(recorder events.EventRecorder, obj client.Object, before, after []metav1.Condition, conditions []string) {
	if recorder == nil {
		return
	}
	recorded := false
	for _, t := range conditions {
		recorded = recordIfNewlyFailed(recorder, obj, before, after, t, metav1.ConditionFalse) || recorded
	}
	if !recorded && !recordIfNewlyFailed(recorder, obj, before, after, v1.StalledCondition, metav1.ConditionTrue) {
		recordIfNewlyFailed(recorder, obj, before, after, v1.ReadyCondition, metav1.ConditionFalse)
	}
}

// notFailures are reasons of a False condition that mean "not there yet" rather than "broken": a
// new object waiting for its job, or for its tenant (which reports its own failure). A Warning for
// them would greet every healthy object at creation.
var notFailures = map[string]bool{v1.ProgressingReason: true, v1.DependencyNotReadyReason: true}

// recordIfNewlyFailed records the condition t when it has the failing status now and did not have
// it, with the same reason, before.
func recordIfNewlyFailed(recorder events.EventRecorder, obj client.Object, before, after []metav1.Condition, t string, failing metav1.ConditionStatus) bool {
	now := apimeta.FindStatusCondition(after, t)
	if now == nil || now.Status != failing || notFailures[now.Reason] {
		return false
	}
	if old := apimeta.FindStatusCondition(before, t); old != nil && old.Status == failing && old.Reason == now.Reason {
		return false
	}
	recorder.Eventf(obj, nil, corev1.EventTypeWarning, now.Reason, "Reconcile", "%s: %s", t, truncate(now.Message, 1024))
	return true
}
