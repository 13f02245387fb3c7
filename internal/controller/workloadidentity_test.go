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
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

// TestWorkloadIdentity signs in with no stored secret: the operator requests a token for the
// tenant's service account from the API server and Entra trusts it through a federated credential.
func TestWorkloadIdentity(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "graph-federation"}}
	g.Expect(k8s.Create(t.Context(), sa)).To(Succeed())

	const federatedClientID = "8b2f4d6e-1a3c-4e5f-9a7b-0c1d2e3f4a5b"
	sim.RegisterFederatedCredential(federatedClientID, simulator.FederatedCredential{
		Issuer:  serviceAccountIssuer(t, sa),
		Subject: "system:serviceaccount:" + ns + ":graph-federation",
	})
	tenant := &v1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bank"},
		Spec: v1.ScimTenantSpec{
			Environment: v1.EnvironmentTest, TenantID: tenantID, ClientID: federatedClientID,
			Credentials: v1.TenantCredentials{WorkloadIdentity: &v1.WorkloadIdentity{ServiceAccountName: "graph-federation"}},
		},
	}
	simulatorCloud(simServer)(tenant)
	g.Expect(k8s.Create(t.Context(), tenant)).To(Succeed())
	tenantCondition(t, tenant, v1.CredentialsReadyCondition, metav1.ConditionTrue, v1.SucceededReason)

	// The same app registration does not trust another namespace's service account.
	other := newNamespace(t)
	g.Expect(k8s.Create(t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "graph-federation"}})).To(Succeed())
	impostor := tenant.DeepCopy()
	impostor.ObjectMeta = metav1.ObjectMeta{Namespace: other, Name: "bank"}
	g.Expect(k8s.Create(t.Context(), impostor)).To(Succeed())
	tenantCondition(t, impostor, v1.CredentialsReadyCondition, metav1.ConditionFalse, v1.InvalidCredentialsReason)
}

// serviceAccountIssuer reads the issuer the API server puts in service account tokens.
func serviceAccountIssuer(t *testing.T, sa *corev1.ServiceAccount) string {
	t.Helper()
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: []string{"probe"}}}
	if err := k8s.SubResource("token").Create(t.Context(), sa, req); err != nil {
		t.Fatalf("request a token: %v", err)
	}
	parts := strings.Split(req.Status.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Issuer string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims.Issuer
}
