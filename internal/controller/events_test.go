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

package controller_test

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// warnings lists the Warning events about the object named name, by reason.
func warnings(t *testing.T, g Gomega, ns, name, reason string) []eventsv1.Event {
	list := &eventsv1.EventList{}
	g.Expect(k8s.List(t.Context(), list, client.InNamespace(ns))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Type == corev1.EventTypeWarning && e.Regarding.Name == name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// TestFailuresBecomeWarningEvents: a tenant whose secret Entra rejects, and an application whose
// tenant does not exist, each record one Warning event with the condition's reason, on the
// transition and not again on the resyncs that follow (the suite polls every two seconds).
func TestFailuresBecomeWarningEvents(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	createSecret(t, ns, "graph-wrong", v1.SecretTypeTenantCredentials, "client-secret", "not-the-client-secret")
	tenant := createTenant(t, ns, func(tn *v1.ScimTenant) {
		tn.Spec.Credentials.ClientSecret.Name = "graph-wrong"
	})
	tenantCondition(t, tenant, v1.CredentialsReadyCondition, metav1.ConditionFalse, v1.InvalidCredentialsReason)
	app := createApp(t, ns, v1.ResourceTypeAdvisors, func(a *v1.ScimApplication) { a.Spec.TenantRef.Name = "absent" })
	appCondition(t, app, v1.TenantReadyCondition, metav1.ConditionFalse, v1.TenantNotFoundReason)

	for _, want := range []struct{ name, reason, condition string }{
		{tenant.Name, v1.InvalidCredentialsReason, v1.CredentialsReadyCondition},
		{app.Name, v1.TenantNotFoundReason, v1.TenantReadyCondition},
	} {
		g.Eventually(func(g Gomega) {
			events := warnings(t, g, ns, want.name, want.reason)
			g.Expect(events).To(HaveLen(1))
			g.Expect(events[0].Note).To(HavePrefix(want.condition + ": "))
			g.Expect(strings.Contains(events[0].Note, "not-the-client-secret")).To(BeFalse(), "an event must not carry a secret")
		}).Should(Succeed())
	}
	// Several resyncs later there is still one event each, not a series.
	g.Consistently(func(g Gomega) {
		for _, name := range []string{tenant.Name, app.Name} {
			for _, e := range append(warnings(t, g, ns, name, v1.InvalidCredentialsReason), warnings(t, g, ns, name, v1.TenantNotFoundReason)...) {
				g.Expect(e.Series).To(BeNil(), "event %s repeated", e.Reason)
			}
			g.Expect(len(warnings(t, g, ns, name, v1.InvalidCredentialsReason)) + len(warnings(t, g, ns, name, v1.TenantNotFoundReason))).To(Equal(1))
		}
	}).WithTimeout(3 * pollInterval).WithPolling(pollInterval / 2).Should(Succeed())
}
