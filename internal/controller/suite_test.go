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
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/controller"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
	"github.com/andmoney/scim-operator/internal/localcluster"
	"github.com/andmoney/scim-operator/internal/testenv"
)

// The suite runs the real manager — both controllers and the SCIM endpoint — against a real
// kube-apiserver, and Entra is the Graph simulator over TLS, reached through msgraph-sdk-go and
// azidentity exactly as in production. Entra's test connection calls the real SCIM endpoint.
const (
	tenantID     = "0c5d2a7e-3f6b-4b8a-9d51-6e2f1a7c4b90"
	clientID     = "5a1f3c2e-8b7d-4e6a-a9c0-2d4f6b8e1a37"
	clientSecret = "suite-client-secret"
	staticToken  = "suite-graph-token" // lets tests change Entra "in the portal"
	pollInterval = 2 * time.Second
	// reconcileTimeout is short so that a test whose Graph hangs does not wait long.
	reconcileTimeout                 = 10 * time.Second
	maxConcurrentReconciles          = 4
	maxConcurrentReconcilesPerTenant = 2
)

var (
	cluster   *localcluster.Cluster
	k8s       client.Client
	sim       *simulator.Simulator
	simServer *httptest.Server
	scimBase  string
	// metricsURL is the manager's /metrics, served over plain HTTP.
	metricsURL string

	userAnna = simulator.User{ID: "11111111-1111-4111-8111-111111111111", UserPrincipalName: "anna@bank.dk", DisplayName: "Anna Jensen", GivenName: "Anna", Surname: "Jensen", OfficeLocation: "Strandvejen 1"}
	userBo   = simulator.User{ID: "22222222-2222-4222-8222-222222222222", UserPrincipalName: "bo@bank.dk", DisplayName: "Bo Nielsen", GivenName: "Bo", Surname: "Nielsen", OfficeLocation: "Strandvejen 1"}
	userRoom = simulator.User{ID: "33333333-3333-4333-8333-333333333333", UserPrincipalName: "room1@bank.dk", DisplayName: "Room 1", OfficeLocation: "Strandvejen 1"}
	// groupAdvisors has Anna only; Bo is assigned directly in tests that need him.
	groupAdvisors = simulator.Group{ID: "44444444-4444-4444-8444-444444444444", DisplayName: "Advisors", Members: []string{userAnna.ID}}
	groupRooms    = simulator.Group{ID: "55555555-5555-4555-8555-555555555555", DisplayName: "Meeting rooms", Members: []string{userRoom.ID}}
	groupTwinA    = simulator.Group{ID: "66666666-6666-4666-8666-666666666666", DisplayName: "Twins"}
	groupTwinB    = simulator.Group{ID: "77777777-7777-4777-8777-777777777777", DisplayName: "Twins"}
)

func TestMain(m *testing.M) { testenv.Main(m, run) }

func run(ctx context.Context, cancel context.CancelFunc, c *localcluster.Cluster, m *testing.M) (int, error) {
	cluster, k8s = c, c.Client

	sim = simulator.New(
		simulator.WithTenantID(tenantID),
		simulator.WithClientSecret(clientID, clientSecret),
		simulator.WithStaticToken(staticToken),
		simulator.WithHTTPSCIMProbe(&http.Client{Timeout: 10 * time.Second}),
		simulator.WithUsers(userAnna, userBo, userRoom),
		simulator.WithGroups(groupAdvisors, groupRooms, groupTwinA, groupTwinB),
		simulator.WithLegacyTemplate(),
	)
	graph, err := testenv.StartGraph(sim, "graph-sim-ca")
	if err != nil {
		return 0, err
	}
	defer graph.Close()
	simServer = graph.Server

	// The metrics server listens on a free loopback port, so that tests can scrape it over HTTP.
	metricsAddr, err := testenv.FreeLoopbackAddress()
	if err != nil {
		return 0, err
	}
	metricsURL = "http://" + metricsAddr + "/metrics"
	// The simulators listen on loopback; tenants reach them as cloud Custom (simulatorCloud).
	opts := testenv.ControllerOptions(graph.CAFile)
	opts.AllowedTokenAudiences = []string{controller.DefaultTokenAudience}
	opts.PollInterval = pollInterval
	opts.ReconcileTimeout = reconcileTimeout
	opts.MaxConcurrentReconciles = maxConcurrentReconciles
	opts.MaxConcurrentReconcilesPerTenant = maxConcurrentReconcilesPerTenant
	mgr, err := testenv.NewManager(ctx, cluster, metricsAddr, opts)
	if err != nil {
		return 0, err
	}
	scimBase = mgr.SCIMBase
	return mgr.RunTests(ctx, cancel, m)
}

// newNamespace gives a test its own namespace.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ctrl-"}}
	if err := k8s.Create(t.Context(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// createSecret creates a Secret the operator may read for use (the value of v1.SecretTypeLabel:
// v1.SecretTypeTenantCredentials or v1.SecretTypeSCIMToken).
func createSecret(t *testing.T, ns, name, use, key, value string) {
	t.Helper()
	testenv.CreateSecret(t, k8s, ns, name, use, key, value)
}

// simulatorCloud points a tenant at the Graph simulator served by server, which the suite's
// --allowed-custom-endpoints allows.
func simulatorCloud(server *httptest.Server) func(*v1.ScimTenant) {
	return func(tn *v1.ScimTenant) {
		tn.Spec.Cloud = v1.CloudCustom
		tn.Spec.CustomEndpoints = &v1.CustomEndpoints{AuthorityHost: server.URL + "/", GraphEndpoint: server.URL + "/v1.0"}
	}
}

// createTenant creates the credential Secret and a ScimTenant in the Test environment, signing in to
// the suite's simulator.
func createTenant(t *testing.T, ns string, mutate func(*v1.ScimTenant)) *v1.ScimTenant {
	t.Helper()
	createSecret(t, ns, "graph", v1.SecretTypeTenantCredentials, "client-secret", clientSecret)
	tenant := &v1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bank"},
		Spec: v1.ScimTenantSpec{
			Environment: v1.EnvironmentTest, TenantID: tenantID, ClientID: clientID,
			Credentials:   v1.TenantCredentials{ClientSecret: &v1.SecretKeySelector{Name: "graph", Key: "client-secret"}},
			Notifications: &v1.Notifications{Recipients: []v1.EmailAddress{"ops@bank.dk"}},
		},
	}
	simulatorCloud(simServer)(tenant)
	if mutate != nil {
		mutate(tenant)
	}
	if err := k8s.Create(t.Context(), tenant); err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	return tenant
}

// createApp creates a token Secret and a ScimApplication with the seed mappings (filled in by the
// API server) and a group assignment.
func createApp(t *testing.T, ns string, rt v1.ResourceType, mutate func(*v1.ScimApplication)) *v1.ScimApplication {
	t.Helper()
	group := groupAdvisors.DisplayName
	if rt == v1.ResourceTypeRooms {
		group = groupRooms.DisplayName
	}
	app := testenv.Application(ns, rt, group)
	createSecret(t, ns, app.Spec.TokenSecretRef.Name, v1.SecretTypeSCIMToken, app.Spec.TokenSecretRef.Key, testenv.Token(ns, rt))
	if mutate != nil {
		mutate(app)
	}
	if err := k8s.Create(t.Context(), app); err != nil {
		t.Fatalf("create application: %v", err)
	}
	return app
}

// newReadyApp creates a namespace with a tenant and one application, and waits until it is Ready.
func newReadyApp(t *testing.T, rt v1.ResourceType, mutate func(*v1.ScimApplication)) (string, *v1.ScimApplication) {
	t.Helper()
	ns := newNamespace(t)
	createTenant(t, ns, nil)
	app := createApp(t, ns, rt, mutate)
	appCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, "")
	return ns, app
}

// eventuallyCondition waits until an object's condition has the status and reason.
func eventuallyCondition(t *testing.T, obj client.Object, conditions func() []metav1.Condition, conditionType string, status metav1.ConditionStatus, reason string) {
	t.Helper()
	eventuallyConditionWithin(t, 90*time.Second, obj, conditions, conditionType, status, reason)
}

// eventuallyConditionWithin is eventuallyCondition with a timeout of its own, for tests whose Entra is
// slow on purpose.
func eventuallyConditionWithin(t *testing.T, timeout time.Duration, obj client.Object, conditions func() []metav1.Condition, conditionType string, status metav1.ConditionStatus, reason string) {
	t.Helper()
	g := NewWithT(t)
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		var found *metav1.Condition
		for i := range conditions() {
			if conditions()[i].Type == conditionType {
				found = &conditions()[i]
			}
		}
		g.Expect(found).NotTo(BeNil(), "condition %s", conditionType)
		g.Expect(found.Status).To(Equal(status), "%s: %s %s", conditionType, found.Reason, found.Message)
		if reason != "" {
			g.Expect(found.Reason).To(Equal(reason), found.Message)
		}
	}).WithTimeout(timeout).WithPolling(250 * time.Millisecond).Should(Succeed())
}

func appCondition(t *testing.T, app *v1.ScimApplication, conditionType string, status metav1.ConditionStatus, reason string) {
	t.Helper()
	eventuallyCondition(t, app, func() []metav1.Condition { return app.Status.Conditions }, conditionType, status, reason)
}

func tenantCondition(t *testing.T, tenant *v1.ScimTenant, conditionType string, status metav1.ConditionStatus, reason string) {
	t.Helper()
	eventuallyCondition(t, tenant, func() []metav1.Condition { return tenant.Status.Conditions }, conditionType, status, reason)
}

// annotate sets an annotation with a merge patch, as `kubectl annotate` does.
func annotate(t *testing.T, obj client.Object, key, value string) {
	t.Helper()
	testenv.Annotate(t, k8s, obj, key, value)
}

// caPool is the simulator's CA, for raw calls the tests make "in the portal".
func caPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(simServer.Certificate())
	return pool
}
