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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

// hangingGraph signs in and answers the tenant's ping like Entra, then never answers another
// call: a slow or hostile Graph. It counts the calls it holds at once.
type hangingGraph struct {
	server            *httptest.Server
	held, maxHeld     atomic.Int32
	release           chan struct{}
	signInAndPingOnly http.Handler
}

func newHangingGraph(t *testing.T) *hangingGraph {
	t.Helper()
	h := &hangingGraph{release: make(chan struct{}), signInAndPingOnly: simulator.New(
		simulator.WithTenantID(tenantID), simulator.WithClientSecret(clientID, clientSecret)).Handler()}
	h.server = httptest.NewUnstartedServer(h)
	h.server.StartTLS() // httptest's servers share one certificate, which the suite trusts
	t.Cleanup(h.server.Close)
	t.Cleanup(func() { close(h.release) }) // runs first: lets the held calls end
	return h
}

func (h *hangingGraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/v1.0/") || (r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1.0/applicationTemplates/")) {
		h.signInAndPingOnly.ServeHTTP(w, r)
		return
	}
	// Reading the body lets net/http notice when the operator gives up and closes the connection.
	_, _ = io.Copy(io.Discard, r.Body)
	n := h.held.Add(1)
	defer h.held.Add(-1)
	for m := h.maxHeld.Load(); n > m && !h.maxHeld.CompareAndSwap(m, n); m = h.maxHeld.Load() {
	}
	select {
	case <-r.Context().Done():
	case <-h.release:
	}
}

// TestHangingGraphDoesNotStallOtherTenants gives one bank a Graph that never answers and more
// applications than the controller has workers. Each of its reconciles ends at the reconcile
// deadline, at most maxConcurrentReconcilesPerTenant of them wait on it at once, and another bank's
// application converges meanwhile.
func TestHangingGraphDoesNotStallOtherTenants(t *testing.T) {
	g := NewWithT(t)
	hanging := newHangingGraph(t)
	slowNS := newNamespace(t)
	createTenant(t, slowNS, simulatorCloud(hanging.server))
	slowApps := make([]*v1.ScimApplication, 0, maxConcurrentReconciles+2)
	for i := range cap(slowApps) {
		name := fmt.Sprintf("advisors-%d", i)
		createSecret(t, slowNS, name+"-token", v1.SecretTypeSCIMToken, "token", name+"-token-0123456789abcdef0123456789")
		app := &v1.ScimApplication{
			ObjectMeta: metav1.ObjectMeta{Namespace: slowNS, Name: name},
			Spec: v1.ScimApplicationSpec{
				TenantRef: v1.LocalObjectReference{Name: "bank"}, ResourceType: v1.ResourceTypeAdvisors,
				TokenSecretRef: v1.SecretKeySelector{Name: name + "-token", Key: "token"},
			},
		}
		g.Expect(k8s.Create(t.Context(), app)).To(Succeed())
		slowApps = append(slowApps, app)
	}
	g.Eventually(hanging.held.Load).WithTimeout(time.Minute).Should(BeNumerically(">", 0), "the slow bank's reconciles reach its Graph")

	// Another bank, on the suite's healthy simulator, converges while the slow one hangs.
	_, app := newReadyApp(t, v1.ResourceTypeAdvisors, nil)
	g.Expect(app.Status.ServicePrincipalID).NotTo(BeEmpty())

	// The slow bank's reconciles end at the deadline and say why.
	g.Eventually(func(g Gomega) {
		unreachable := 0
		for _, app := range slowApps {
			g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
			if c := apimeta.FindStatusCondition(app.Status.Conditions, v1.ServicePrincipalReadyCondition); c != nil &&
				c.Status == metav1.ConditionFalse && c.Reason == v1.UnreachableReason {
				unreachable++
			}
		}
		g.Expect(unreachable).To(BeNumerically(">", 0))
	}).WithTimeout(time.Minute).Should(Succeed())
	g.Expect(hanging.maxHeld.Load()).To(BeNumerically("<=", maxConcurrentReconcilesPerTenant),
		"more of the slow bank's reconciles waited on its Graph at once than it has slots")
}
