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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// gone waits until obj no longer exists.
func gone(t *testing.T, obj client.Object) {
	t.Helper()
	NewWithT(t).Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(t.Context(), client.ObjectKeyFromObject(obj), obj))
	}).WithTimeout(60*time.Second).Should(BeTrue(), "%s still exists", obj.GetName())
}

func spExists(sp string) bool {
	for _, a := range sim.Applications() {
		if a.ServicePrincipalID == sp {
			return true
		}
	}
	return false
}

// TestDeletionWithoutTenantStallsUntilOrphaned: with its ScimTenant gone, an application being
// deleted cannot clean up Entra. It says so (Stalled, TenantNotFound, naming the escape) instead of
// retrying silently, and deletionPolicy: Orphan lets it go.
func TestDeletionWithoutTenantStallsUntilOrphaned(t *testing.T) {
	g := NewWithT(t)
	ns, app := newReadyApp(t, v1.ResourceTypeAdvisors, nil)
	sp := app.Status.ServicePrincipalID
	g.Expect(k8s.Delete(t.Context(), &v1.ScimTenant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bank"}})).To(Succeed())
	g.Expect(k8s.Delete(t.Context(), app)).To(Succeed())

	// Wait for the deletion's own report: a reconcile between the two deletes may already have set
	// Stalled with TenantNotFound for the live application.
	g.Eventually(func() []metav1.Condition {
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		return app.Status.Conditions
	}).WithTimeout(60 * time.Second).Should(ContainElement(And(HaveField("Type", v1.ReadyCondition),
		HaveField("Reason", v1.DeletingReason), HaveField("Message", ContainSubstring("deletionPolicy: Orphan")))))
	appCondition(t, app, v1.StalledCondition, metav1.ConditionTrue, v1.TenantNotFoundReason)
	g.Expect(app.Finalizers).To(ContainElement(v1.Finalizer))

	patch := client.MergeFrom(app.DeepCopy())
	app.Spec.DeletionPolicy = v1.DeletionPolicyOrphan
	g.Expect(k8s.Patch(t.Context(), app, patch)).To(Succeed())
	gone(t, app)
	g.Expect(spExists(sp)).To(BeTrue(), "Orphan leaves the Entra application")
}

// TestNamespaceDeletionOrphansWhatItCannotDelete: the bank's namespace is deleted, which takes its
// ScimTenant and credentials with it. Nobody is left to fix the tenant, so the application leaves
// its Entra objects behind instead of blocking the namespace forever. envtest runs no
// namespace controller, so the test deletes the namespace's objects itself, tenant first.
func TestNamespaceDeletionOrphansWhatItCannotDelete(t *testing.T) {
	g := NewWithT(t)
	ns, app := newReadyApp(t, v1.ResourceTypeAdvisors, nil)
	sp := app.Status.ServicePrincipalID
	g.Expect(k8s.Delete(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	g.Expect(k8s.Delete(t.Context(), &v1.ScimTenant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bank"}})).To(Succeed())
	g.Expect(k8s.Delete(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "graph"}})).To(Succeed())
	g.Expect(k8s.Delete(t.Context(), app)).To(Succeed())

	gone(t, app)
	g.Expect(spExists(sp)).To(BeTrue(), "the Entra application is left behind")
}

// TestNamespaceDeletionStillCleansUpWhatItCan: while the tenant is still there, a namespace
// deletion deletes the Entra application as usual.
func TestNamespaceDeletionStillCleansUpWhatItCan(t *testing.T) {
	g := NewWithT(t)
	ns, app := newReadyApp(t, v1.ResourceTypeRooms, nil)
	sp := app.Status.ServicePrincipalID
	g.Expect(k8s.Delete(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	g.Expect(k8s.Delete(t.Context(), app)).To(Succeed())
	gone(t, app)
	g.Expect(spExists(sp)).To(BeFalse())
}
