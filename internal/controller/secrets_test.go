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

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// TestUnlabelledSecretsAreNotRead: a tenant or application naming a Secret without the opt-in label, or
// labelled for the other use, gets a condition that names the label, and no credential leaves the
// cluster; labelling the Secret for its use fixes it.
func TestUnlabelledSecretsAreNotRead(t *testing.T) {
	t.Run("tenant credentials", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t)
		tenant := createTenant(t, ns, nil)
		unlabel(t, ns, "graph")
		tenantCondition(t, tenant, v1.CredentialsReadyCondition, metav1.ConditionFalse, v1.SecretNotLabelledReason)
		tenantCondition(t, tenant, v1.StalledCondition, metav1.ConditionTrue, v1.SecretNotLabelledReason)
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(tenant), tenant)).To(Succeed())
		c := apimeta.FindStatusCondition(tenant.Status.Conditions, v1.CredentialsReadyCondition)
		g.Expect(c.Message).To(ContainSubstring(v1.SecretTypeLabel + "=" + v1.SecretTypeTenantCredentials))
		relabel(t, ns, "graph", v1.SecretTypeTenantCredentials)
		tenantCondition(t, tenant, v1.ReadyCondition, metav1.ConditionTrue, v1.SucceededReason)
	})
	t.Run("SCIM token", func(t *testing.T) {
		g := NewWithT(t)
		ns, app := newReadyApp(t, v1.ResourceTypeRooms, nil)
		unlabel(t, ns, "rooms-token")
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		// A changed Secret is read again (status.secretsHash holds its version): now it is refused.
		appCondition(t, app, v1.AdminCredentialsReadyCondition, metav1.ConditionFalse, v1.SecretNotLabelledReason)
		appCondition(t, app, v1.StalledCondition, metav1.ConditionTrue, v1.SecretNotLabelledReason)
		relabel(t, ns, "rooms-token", v1.SecretTypeSCIMToken)
		appCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, "")
	})
	t.Run("tenant credentials labelled as a SCIM token", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t)
		tenant := createTenant(t, ns, nil)
		tenantCondition(t, tenant, v1.ReadyCondition, metav1.ConditionTrue, v1.SucceededReason)
		relabel(t, ns, "graph", v1.SecretTypeSCIMToken)
		tenantCondition(t, tenant, v1.CredentialsReadyCondition, metav1.ConditionFalse, v1.SecretNotLabelledReason)
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(tenant), tenant)).To(Succeed())
		c := apimeta.FindStatusCondition(tenant.Status.Conditions, v1.CredentialsReadyCondition)
		g.Expect(c.Message).To(ContainSubstring("labelled " + v1.SecretTypeLabel + "=" + v1.SecretTypeSCIMToken))
		g.Expect(c.Message).To(ContainSubstring(v1.SecretTypeLabel + "=" + v1.SecretTypeTenantCredentials))
		relabel(t, ns, "graph", v1.SecretTypeTenantCredentials)
		tenantCondition(t, tenant, v1.ReadyCondition, metav1.ConditionTrue, v1.SucceededReason)
	})
	t.Run("SCIM token labelled as tenant credentials", func(t *testing.T) {
		// Else an application could name its tenant's client-secret Secret as its token: that client
		// secret would open the SCIM endpoint and be pushed to Entra as the SCIM token.
		g := NewWithT(t)
		ns, app := newReadyApp(t, v1.ResourceTypeRooms, nil)
		relabel(t, ns, "rooms-token", v1.SecretTypeTenantCredentials)
		appCondition(t, app, v1.AdminCredentialsReadyCondition, metav1.ConditionFalse, v1.SecretNotLabelledReason)
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		c := apimeta.FindStatusCondition(app.Status.Conditions, v1.AdminCredentialsReadyCondition)
		g.Expect(c.Message).To(ContainSubstring(v1.SecretTypeLabel + "=" + v1.SecretTypeSCIMToken))
		relabel(t, ns, "rooms-token", v1.SecretTypeSCIMToken)
		appCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, "")
	})
}

func unlabel(t *testing.T, ns, name string) {
	t.Helper()
	s := &corev1.Secret{}
	NewWithT(t).Expect(k8s.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, s)).To(Succeed())
	s.Labels = nil
	NewWithT(t).Expect(k8s.Update(t.Context(), s)).To(Succeed())
}

func relabel(t *testing.T, ns, name, secretType string) {
	t.Helper()
	s := &corev1.Secret{}
	NewWithT(t).Expect(k8s.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, s)).To(Succeed())
	s.Labels = map[string]string{v1.SecretTypeLabel: secretType}
	NewWithT(t).Expect(k8s.Update(t.Context(), s)).To(Succeed())
}
