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

package deploytest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/controller"
	"github.com/andmoney/scim-operator/internal/graph/msgraph"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
	"github.com/andmoney/scim-operator/internal/scheme"
	"github.com/andmoney/scim-operator/internal/scim"
)

const (
	rbacTenantID     = "0c5d2a7e-3f6b-4b8a-9d51-6e2f1a7c4b90"
	rbacClientID     = "5a1f3c2e-8b7d-4e6a-a9c0-2d4f6b8e1a37"
	rbacFederatedID  = "8b2f4d6e-1a3c-4e5f-9a7b-0c1d2e3f4a5b"
	rbacClientSecret = "rbac-client-secret"
	// stepTimeout bounds each step of the scenario: long enough for a Ready application on a loaded
	// machine, short enough that the rows where a step must fail stay cheap.
	stepTimeout = 15 * time.Second
)

// TestLeastPrivilegeAsTheChartsServiceAccount runs the real manager as the ServiceAccount the installers
// create, with only the RBAC they render (the API server authorises with RBAC; the manager impersonates
// the ServiceAccount). With the full manager role it reconciles a tenant and an application, serves SCIM,
// refuses an unlabelled Secret with a clear condition and cleans up on deletion. Then each rule of the
// role is removed in turn, and the step that needs it fails: every rule is needed, none is missing.
func TestLeastPrivilegeAsTheChartsServiceAccount(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	env := newRBACEnv(t)

	fromKustomize := rbacObjects(kustomizeBuild(g, ctx, "config/default"))
	fromChart := rbacObjects(mustTemplate(g, ctx))
	for _, installer := range []struct {
		name string
		objs []*unstructured.Unstructured
	}{{"kustomize", fromKustomize}, {"helm", fromChart}} {
		t.Run(installer.name, func(t *testing.T) {
			sa, role := applyRBAC(t, installer.objs)
			failed, err := env.scenario(t, sa, installer.name)
			NewWithT(t).Expect(err).NotTo(HaveOccurred(), "step %q failed as %s with role %s", failed, sa, role.Name)
		})
	}

	// One rule at a time, removed from kustomize's manager role (the chart's is the same, TestChartMatchesConfig).
	sa, role := applyRBAC(t, fromKustomize)
	full := role.DeepCopy()
	t.Cleanup(func() { restoreRole(t, full) })
	expected := map[string]string{
		"namespaces":            stepNamespaceDeletion,
		"secrets":               stepTenantReady,
		"serviceaccounts/token": stepWorkloadIdentity,
		"events":                stepEvent,
		// The SCIM store's record informers cannot sync: the manager never starts its controllers.
		"advisors":                stepTenantReady,
		"scimapplications":        stepTenantReady,
		"scimapplications/status": stepTenantReady,
	}
	for i, rule := range full.Rules {
		key := rule.Resources[0]
		want, ok := expected[key]
		if !ok {
			t.Errorf("rule %d (%v on %v) has no expected failure in this table: add one, or remove the rule", i, rule.Verbs, rule.Resources)
			continue
		}
		t.Run(fmt.Sprintf("without %s", strings.Join(rule.Resources, ",")), func(t *testing.T) {
			reduced := full.DeepCopy()
			reduced.Rules = append(reduced.Rules[:i:i], full.Rules[i+1:]...)
			restoreRole(t, reduced)
			failed, err := env.scenario(t, sa, fmt.Sprintf("rule-%d", i))
			NewWithT(t).Expect(err).To(HaveOccurred(), "nothing broke without %v on %v: the rule is not needed", rule.Verbs, rule.Resources)
			NewWithT(t).Expect(failed).To(Equal(want), "%v", err)
			t.Logf("without %v on %v: %s fails: %v", rule.Verbs, rule.Resources, failed, err)
		})
	}
	restoreRole(t, full)
}

// Steps of the scenario, in order.
const (
	stepTenantReady       = "tenant Ready"
	stepApplicationReady  = "application Ready"
	stepEvent             = "event recorded"
	stepSCIMWrite         = "SCIM write"
	stepUnlabelled        = "unlabelled Secret refused"
	stepWorkloadIdentity  = "workload identity"
	stepDeletion          = "deletion cleans up"
	stepNamespaceDeletion = "namespace deletion lets the application go"
)

// rbacEnv is the Graph simulator the scenario's tenants sign in to.
type rbacEnv struct {
	sim      *simulator.Simulator
	graphURL string
	caFile   string
}

func newRBACEnv(t *testing.T) *rbacEnv {
	t.Helper()
	sim := simulator.New(
		simulator.WithTenantID(rbacTenantID),
		simulator.WithClientSecret(rbacClientID, rbacClientSecret),
		simulator.WithHTTPSCIMProbe(&http.Client{Timeout: 10 * time.Second}),
	)
	server := httptest.NewUnstartedServer(sim.Handler())
	server.StartTLS()
	t.Cleanup(server.Close)
	caFile := filepath.Join(t.TempDir(), "graph-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	sim.AddGroup(simulator.Group{ID: "b0000000-0000-4000-8000-0000000000f1", DisplayName: "Advisors"})
	return &rbacEnv{sim: sim, graphURL: server.URL, caFile: caFile}
}

// rbacObjects are the ServiceAccount and RBAC objects of an installer's output.
func rbacObjects(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding":
			out = append(out, o)
		}
	}
	return out
}

// applyRBAC applies the objects and returns the manager's ServiceAccount (as a user name) and its role.
func applyRBAC(t *testing.T, objs []*unstructured.Unstructured) (string, *rbacv1.ClusterRole) {
	t.Helper()
	g := NewWithT(t)
	var sa string
	var role *rbacv1.ClusterRole
	for _, o := range objs {
		o = o.DeepCopy()
		if namespaced, err := cluster.Client.IsObjectNamespaced(o); err == nil && namespaced && o.GetNamespace() == "" {
			o.SetNamespace(namespace)
		}
		g.Expect(cluster.Client.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(o),
			client.FieldOwner("deploytest-rbac"), client.ForceOwnership)).To(Succeed(), o.GetKind()+" "+o.GetName())
		if o.GetKind() == "ClusterRoleBinding" && strings.HasSuffix(o.GetName(), "manager-rolebinding") {
			binding := &rbacv1.ClusterRoleBinding{}
			g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, binding)).To(Succeed())
			sa = "system:serviceaccount:" + binding.Subjects[0].Namespace + ":" + binding.Subjects[0].Name
			role = &rbacv1.ClusterRole{}
			g.Expect(cluster.Client.Get(t.Context(), client.ObjectKey{Name: binding.RoleRef.Name}, role)).To(Succeed())
		}
	}
	g.Expect(sa).NotTo(BeEmpty(), "no ClusterRoleBinding of the manager role")
	return sa, role
}

func restoreRole(t *testing.T, role *rbacv1.ClusterRole) {
	t.Helper()
	current := &rbacv1.ClusterRole{}
	if err := cluster.Client.Get(context.Background(), client.ObjectKey{Name: role.Name}, current); err != nil {
		t.Fatal(err)
	}
	current.Rules = role.Rules
	if err := cluster.Client.Update(context.Background(), current); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the RBAC authorizer reads roles through an informer
}

// scenario starts the manager as user (a ServiceAccount) and walks a bank through the steps in a new
// namespace; it returns the first step that failed and why.
func (env *rbacEnv) scenario(t *testing.T, user, name string) (string, error) {
	return env.scenarioIn(t, user, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "rbac-" + strings.ToLower(name) + "-"}}, nil)
}

// scenarioIn is scenario in the namespace ns (created here), with the manager watching only the
// namespaces of watch (all when empty), as --watch-namespaces does.
func (env *rbacEnv) scenarioIn(t *testing.T, user string, ns *corev1.Namespace, watch []string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Logf("manager: %v", err)
			}
		case <-time.After(10 * time.Second):
			// A manager whose caches cannot sync (a row without a list rule) is slow to stop; its context
			// is cancelled, so it starts nothing more.
			t.Log("the manager did not stop within 10s")
		}
	}()
	cfg := rest.CopyConfig(cluster.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"}}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 cluster.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true), CacheSyncTimeout: 5 * time.Second},
		Cache:                  scheme.CacheOptions(watch...),
	})
	if err != nil {
		return "manager", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "manager", err
	}
	scimBase := "http://" + ln.Addr().String()
	scimOpts := scim.DefaultOptions()
	scimOpts.Listener = ln
	if err := scim.Setup(mgr, scimOpts); err != nil {
		return "manager", err
	}
	if err := controller.Setup(ctx, mgr, msgraph.NewFactory(msgraph.WithRetry(1, 50*time.Millisecond), msgraph.WithMaxRetryAfter(time.Second)),
		controller.Options{
			TestBaseURL: scimBase, ProductionBaseURL: "https://api.booking.andmoney.dk",
			AllowedCustomEndpoints: "https://127.0.0.1:*", AllowedTokenAudiences: []string{controller.DefaultTokenAudience},
			GraphCAFile: env.caFile, PollInterval: time.Minute, ReconcileTimeout: stepTimeout,
			MaxConcurrentReconciles: 4, MaxConcurrentReconcilesPerTenant: 2,
		}); err != nil {
		return "manager", err
	}
	go func() { done <- mgr.Start(ctx) }()

	admin := cluster.Client
	if ns.ResourceVersion == "" { // not created by the caller
		if err := admin.Create(ctx, ns); err != nil {
			return "namespace", err
		}
	}
	bank := ns.Name
	secret := func(name, key, value string, labels map[string]string) error {
		return admin.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: bank, Name: name, Labels: labels},
			StringData: map[string]string{key: value}})
	}
	tenantLabels := map[string]string{v1.SecretTypeLabel: v1.SecretTypeTenantCredentials}
	tokenLabels := map[string]string{v1.SecretTypeLabel: v1.SecretTypeSCIMToken}
	custom := &v1.CustomEndpoints{AuthorityHost: env.graphURL + "/", GraphEndpoint: env.graphURL + "/v1.0"}
	tenantSpec := func(secretName string) v1.ScimTenantSpec {
		return v1.ScimTenantSpec{Environment: v1.EnvironmentTest, TenantID: rbacTenantID, ClientID: rbacClientID,
			Cloud: v1.CloudCustom, CustomEndpoints: custom,
			Credentials: v1.TenantCredentials{ClientSecret: &v1.SecretKeySelector{Name: secretName, Key: "client-secret"}}}
	}

	// 1. The tenant.
	if err := secret("graph", "client-secret", rbacClientSecret, tenantLabels); err != nil {
		return "setup", err
	}
	tenant := &v1.ScimTenant{ObjectMeta: metav1.ObjectMeta{Namespace: bank, Name: "bank"}, Spec: tenantSpec("graph")}
	if err := admin.Create(ctx, tenant); err != nil {
		return "setup", err
	}
	if err := waitFor(ctx, tenant, func() []metav1.Condition { return tenant.Status.Conditions },
		v1.CredentialsReadyCondition, metav1.ConditionTrue, ""); err != nil {
		return stepTenantReady, err
	}

	// 2. The application.
	token := "rbac-token-" + bank + "-0123456789abcdef"
	if err := secret("advisors-token", "token", token, tokenLabels); err != nil {
		return "setup", err
	}
	app := &v1.ScimApplication{ObjectMeta: metav1.ObjectMeta{Namespace: bank, Name: "advisors"}, Spec: v1.ScimApplicationSpec{
		TenantRef: v1.LocalObjectReference{Name: "bank"}, ResourceType: v1.ResourceTypeAdvisors, DisplayName: bank + " advisors",
		TokenSecretRef:  v1.SecretKeySelector{Name: "advisors-token", Key: "token"},
		Assignments:     &v1.Assignments{Groups: []v1.GroupAssignment{{DisplayName: "Advisors"}}},
		RecordRetention: v1.RecordRetentionDelete,
	}}
	if err := admin.Create(ctx, app); err != nil {
		return "setup", err
	}
	if err := waitFor(ctx, app, func() []metav1.Condition { return app.Status.Conditions },
		v1.ReadyCondition, metav1.ConditionTrue, ""); err != nil {
		return stepApplicationReady, err
	}

	// 3. The event of the saved admin credentials.
	if err := poll(ctx, func() error {
		events := &eventsv1.EventList{}
		if err := admin.List(ctx, events, client.InNamespace(bank)); err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.Regarding.Name == app.Name && e.Reason == "Saved" {
				return nil
			}
		}
		return errors.New("no Saved event for the application")
	}); err != nil {
		return stepEvent, err
	}

	// 4. Entra writes a record through the SCIM endpoint.
	if err := poll(ctx, func() error {
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@bank.dk","externalId":"ext-ada","active":true,"displayName":"Ada"}`
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, scimBase+"/advisors/scim/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusConflict {
			return fmt.Errorf("POST /Users: %d %s", resp.StatusCode, raw)
		}
		return nil
	}); err != nil {
		return stepSCIMWrite, err
	}

	// 5. A tenant naming an unlabelled Secret gets a clear condition.
	if err := secret("unlabelled", "client-secret", rbacClientSecret, nil); err != nil {
		return "setup", err
	}
	other := &v1.ScimTenant{ObjectMeta: metav1.ObjectMeta{Namespace: bank, Name: "other"}, Spec: tenantSpec("unlabelled")}
	if err := admin.Create(ctx, other); err != nil {
		return "setup", err
	}
	if err := waitFor(ctx, other, func() []metav1.Condition { return other.Status.Conditions },
		v1.CredentialsReadyCondition, metav1.ConditionFalse, v1.SecretNotLabelledReason); err != nil {
		return stepUnlabelled, err
	}

	// 6. Workload identity: the operator requests a token for the tenant's ServiceAccount.
	if err := env.workloadIdentity(ctx, bank); err != nil {
		return stepWorkloadIdentity, err
	}

	// 7. Deleting the application deletes its Entra objects and its records.
	if err := admin.Delete(ctx, app); err != nil {
		return "setup", err
	}
	if err := poll(ctx, func() error {
		if err := admin.Get(ctx, client.ObjectKeyFromObject(app), &v1.ScimApplication{}); !apierrors.IsNotFound(err) {
			return errors.Join(errors.New("application still there"), err)
		}
		records := &v1.AdvisorList{}
		if err := admin.List(ctx, records, client.InNamespace(bank)); err != nil {
			return err
		}
		if len(records.Items) > 0 {
			return fmt.Errorf("%d records left", len(records.Items))
		}
		return nil
	}); err != nil {
		return stepDeletion, err
	}

	// 8. The namespace is being deleted and the application's tenant is gone: nobody can clean up Entra,
	// so the operator, having read that the namespace is terminating, lets the application go.
	rooms := app.DeepCopy()
	rooms.ObjectMeta = metav1.ObjectMeta{Namespace: bank, Name: "rooms"}
	rooms.Spec.ResourceType, rooms.Spec.DisplayName = v1.ResourceTypeRooms, bank+" rooms"
	rooms.Spec.Mappings = nil // the admission policy fills in the rooms table
	if err := admin.Create(ctx, rooms); err != nil {
		return "setup", err
	}
	if err := waitFor(ctx, rooms, func() []metav1.Condition { return rooms.Status.Conditions },
		v1.ReadyCondition, metav1.ConditionTrue, ""); err != nil {
		return stepApplicationReady, err
	}
	for _, obj := range []client.Object{ns, tenant, rooms} {
		if err := admin.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
			return "setup", err
		}
	}
	if err := poll(ctx, func() error {
		err := admin.Get(ctx, client.ObjectKeyFromObject(rooms), rooms)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if c := apimeta.FindStatusCondition(rooms.Status.Conditions, v1.ReadyCondition); c != nil {
			return fmt.Errorf("application still there: %s %s", c.Reason, c.Message)
		}
		return errors.Join(errors.New("application still there"), err)
	}); err != nil {
		return stepNamespaceDeletion, err
	}
	return "", nil
}

// TestNamespaceScopedInstall renders the chart with watchNamespaces, and kustomize's config/namespaced
// overlay: the manager role is a Role in the watched namespace, bound there, the ServiceAccount may not
// read Secrets elsewhere, and the manager (watching that namespace only) runs the same scenario as that
// ServiceAccount.
func TestNamespaceScopedInstall(t *testing.T) {
	env := newRBACEnv(t)
	for _, installer := range []struct {
		name, bank string
		render     func(g Gomega, ctx context.Context, bank string) []*unstructured.Unstructured
	}{
		{"helm", "rbac-namespaced-bank", func(g Gomega, ctx context.Context, bank string) []*unstructured.Unstructured {
			return mustTemplate(g, ctx, "--set", "watchNamespaces={"+bank+"}", "--set", "fullnameOverride=namespaced")
		}},
		{"kustomize", "bank-a", func(g Gomega, ctx context.Context, _ string) []*unstructured.Unstructured {
			return kustomizeBuild(g, ctx, "config/namespaced")
		}},
	} {
		t.Run(installer.name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := t.Context()
			bank := installer.bank
			rendered := installer.render(g, ctx, bank)
			var args []string
			for _, d := range find(rendered, "Deployment") {
				containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
				a, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
				args = append(args, a...)
			}
			g.Expect(args).To(ContainElement("--watch-namespaces=" + bank))
			objs := rbacObjects(rendered)
			var roles []string
			for _, o := range objs {
				if o.GetKind() == "ClusterRoleBinding" {
					g.Expect(o.GetName()).NotTo(HaveSuffix("manager-rolebinding"), "no cluster-wide binding of the manager role")
				}
				if o.GetKind() == "Role" {
					roles = append(roles, o.GetNamespace()+"/"+o.GetName())
				}
			}
			g.Expect(roles).To(ContainElement(HavePrefix(bank + "/")))
			// An earlier test bound the same ServiceAccount name cluster-wide: remove that binding.
			for _, o := range find(kustomizeBuild(g, ctx, "config/default"), "ClusterRoleBinding") {
				if strings.HasSuffix(o.GetName(), "manager-rolebinding") {
					g.Expect(client.IgnoreNotFound(cluster.Client.Delete(ctx, o))).To(Succeed())
				}
			}
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: bank}}
			g.Expect(cluster.Client.Create(ctx, ns)).To(Succeed()) // before its Role
			var sa string
			for _, o := range objs {
				o = o.DeepCopy()
				if namespaced, err := cluster.Client.IsObjectNamespaced(o); err == nil && namespaced && o.GetNamespace() == "" {
					o.SetNamespace(namespace)
				}
				g.Expect(cluster.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o),
					client.FieldOwner("deploytest-rbac"), client.ForceOwnership)).To(Succeed(), o.GetKind()+" "+o.GetName())
				if o.GetKind() == "ServiceAccount" {
					sa = "system:serviceaccount:" + o.GetNamespace() + ":" + o.GetName()
				}
			}
			time.Sleep(500 * time.Millisecond) // the RBAC authorizer reads bindings through an informer
			for _, other := range []string{"default", namespace} {
				review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
					User: sa, ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "get", Resource: "secrets", Namespace: other}}}
				g.Expect(cluster.Client.Create(ctx, review)).To(Succeed())
				g.Expect(review.Status.Allowed).To(BeFalse(), "%s may read Secrets in %s", sa, other)
			}
			g.Expect(cluster.Client.Get(ctx, client.ObjectKeyFromObject(ns), ns)).To(Succeed())
			failed, err := env.scenarioIn(t, sa, ns, []string{bank})
			g.Expect(err).NotTo(HaveOccurred(), "step %q failed as %s in namespace-scoped mode", failed, sa)
		})
	}
}

// workloadIdentity creates a tenant signing in with a ServiceAccount token Entra trusts, and waits for
// its credentials to be accepted.
func (env *rbacEnv) workloadIdentity(ctx context.Context, bank string) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: bank, Name: "graph-federation"}}
	if err := cluster.Client.Create(ctx, sa); err != nil {
		return err
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: []string{"probe"}}}
	if err := cluster.Client.SubResource("token").Create(ctx, sa, req); err != nil {
		return err
	}
	parts := strings.Split(req.Status.Token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return err
	}
	var claims struct {
		Issuer string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return err
	}
	env.sim.RegisterFederatedCredential(rbacFederatedID, simulator.FederatedCredential{
		Issuer: claims.Issuer, Subject: "system:serviceaccount:" + bank + ":graph-federation"})
	tenant := &v1.ScimTenant{ObjectMeta: metav1.ObjectMeta{Namespace: bank, Name: "federated"}, Spec: v1.ScimTenantSpec{
		Environment: v1.EnvironmentTest, TenantID: rbacTenantID, ClientID: rbacFederatedID, Cloud: v1.CloudCustom,
		CustomEndpoints: &v1.CustomEndpoints{AuthorityHost: env.graphURL + "/", GraphEndpoint: env.graphURL + "/v1.0"},
		Credentials:     v1.TenantCredentials{WorkloadIdentity: &v1.WorkloadIdentity{ServiceAccountName: "graph-federation"}},
	}}
	if err := cluster.Client.Create(ctx, tenant); err != nil {
		return err
	}
	return waitFor(ctx, tenant, func() []metav1.Condition { return tenant.Status.Conditions },
		v1.CredentialsReadyCondition, metav1.ConditionTrue, "")
}

// waitFor waits up to stepTimeout for a condition of obj (read as cluster-admin) to have the status and
// reason; the error says what it had instead.
func waitFor(ctx context.Context, obj client.Object, conditions func() []metav1.Condition, conditionType string,
	status metav1.ConditionStatus, reason string) error {
	return poll(ctx, func() error {
		if err := cluster.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		c := apimeta.FindStatusCondition(conditions(), conditionType)
		switch {
		case c == nil:
			return fmt.Errorf("%s %s has no %s condition", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), conditionType)
		case c.Status != status || (reason != "" && c.Reason != reason):
			return fmt.Errorf("%s of %s is %s %s: %s", conditionType, obj.GetName(), c.Status, c.Reason, c.Message)
		}
		return nil
	})
}

// poll calls f until it succeeds or stepTimeout passes, and returns its last error.
func poll(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(stepTimeout)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
