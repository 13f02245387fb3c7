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
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// TestCustomEndpointsOutsideTheAllowListGetNothing is the confused deputy of a bank editor who may
// write ScimTenants but not read Secrets: a tenant naming their own listener and an unrelated
// Secret as its client secret. The operator, whose allow-list has 127.0.0.1 only, stalls the tenant
// and never connects to the listener.
func TestCustomEndpointsOutsideTheAllowListGetNothing(t *testing.T) {
	g := NewWithT(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = listener.Close() })
	var connections atomic.Int32
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			connections.Add(1)
			_ = conn.Close()
		}
	}()
	// "localhost" reaches the listener but is not an allowed origin: the list names hosts exactly.
	attacker := "https://localhost:" + strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)

	ns := newNamespace(t)
	createSecret(t, ns, "unrelated-db-password", v1.SecretTypeTenantCredentials, "password", "s3cret")
	tenant := createTenant(t, ns, func(tn *v1.ScimTenant) {
		tn.Spec.CustomEndpoints = &v1.CustomEndpoints{AuthorityHost: attacker + "/", GraphEndpoint: attacker + "/v1.0"}
		tn.Spec.Credentials.ClientSecret = &v1.SecretKeySelector{Name: "unrelated-db-password", Key: "password"}
	})
	tenantCondition(t, tenant, v1.StalledCondition, metav1.ConditionTrue, v1.EndpointNotAllowedReason)
	g.Expect(tenant.Status.Conditions).To(ContainElement(And(
		HaveField("Type", v1.ReadyCondition), HaveField("Status", metav1.ConditionFalse),
		HaveField("Reason", v1.EndpointNotAllowedReason), HaveField("Message", ContainSubstring("--allowed-custom-endpoints")))))
	g.Expect(connections.Load()).To(BeZero(), "the operator connected to a host the tenant chose")

	// An application of the tenant waits for it and creates nothing.
	app := createApp(t, ns, v1.ResourceTypeAdvisors, nil)
	appCondition(t, app, v1.TenantReadyCondition, metav1.ConditionFalse, v1.DependencyNotReadyReason)
	g.Expect(connections.Load()).To(BeZero())

}

// TestWorkloadIdentityAudienceOutsideTheAllowList: a tenant cannot make the operator mint a
// service account token for an audience of its choosing (another system's).
func TestWorkloadIdentityAudienceOutsideTheAllowList(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	g.Expect(k8s.Create(t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ci-deployer"}})).To(Succeed())
	tenant := createTenant(t, ns, func(tn *v1.ScimTenant) {
		tn.Spec.Credentials = v1.TenantCredentials{WorkloadIdentity: &v1.WorkloadIdentity{
			ServiceAccountName: "ci-deployer", Audience: "https://vault.bank.internal"}}
	})
	tenantCondition(t, tenant, v1.StalledCondition, metav1.ConditionTrue, v1.AudienceNotAllowedReason)
	g.Expect(tenant.Status.Conditions).To(ContainElement(And(
		HaveField("Type", v1.CredentialsReadyCondition), HaveField("Reason", v1.AudienceNotAllowedReason),
		HaveField("Message", ContainSubstring("--allowed-token-audiences")))))
}
