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
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

// TestConvergesUnderThrottlingAndReplicationLag points a tenant at an Entra that answers 20 % of
// calls with 429 and hides new objects for a while, as Entra's replication does.
func TestConvergesUnderThrottlingAndReplicationLag(t *testing.T) {
	flaky := simulator.New(
		simulator.WithTenantID(tenantID),
		simulator.WithClientSecret(clientID, clientSecret),
		simulator.WithHTTPSCIMProbe(&http.Client{Timeout: 10 * time.Second}),
		simulator.WithReplicationLag(3*time.Second, true),
		simulator.WithTransientSyncWriteFailures(http.StatusConflict, 2),
		simulator.WithGroups(groupAdvisors, groupRooms),
		simulator.WithUsers(userAnna, userRoom),
	)
	flaky.SetFaults(simulator.Faults{ThrottleRate: 0.2, RetryAfter: time.Second})
	server := httptest.NewUnstartedServer(flaky.Handler())
	server.StartTLS() // httptest's servers share one certificate, which the suite trusts
	t.Cleanup(server.Close)

	ns := newNamespace(t)
	createTenant(t, ns, simulatorCloud(server))
	apps := []*v1.ScimApplication{createApp(t, ns, v1.ResourceTypeAdvisors, nil), createApp(t, ns, v1.ResourceTypeRooms, nil)}
	for _, app := range apps {
		// Replication lag and throttling stretch every step; a loaded CI machine stretches them more.
		eventuallyConditionWithin(t, 4*time.Minute, app, func() []metav1.Condition { return app.Status.Conditions },
			v1.ReadyCondition, metav1.ConditionTrue, "")
		g := NewWithT(t)
		g.Expect(flaky.Secrets(app.Status.ServicePrincipalID)).To(HaveKeyWithValue("BaseAddress", app.Status.TenantURL))
		j, ok := flaky.Job(app.Status.JobID)
		g.Expect(ok).To(BeTrue())
		g.Expect(j.Schedule.State).To(Equal("Active"))
	}
	NewWithT(t).Expect(flaky.Applications()).To(HaveLen(2), "no application was created twice")
}

// TestAssignmentsFollowSpec removes a user from the spec: the assignment the controller made goes.
func TestAssignmentsFollowSpec(t *testing.T) {
	g := NewWithT(t)
	_, app := newReadyApp(t, v1.ResourceTypeAdvisors, func(a *v1.ScimApplication) {
		a.Spec.Assignments.Users = []v1.UserAssignment{{ObjectID: userBo.ID}}
	})
	sp := app.Status.ServicePrincipalID
	g.Expect(sim.Assignments(sp)).To(ConsistOf(HaveField("PrincipalID", groupAdvisors.ID), HaveField("PrincipalID", userBo.ID)))

	patch := client.MergeFrom(app.DeepCopy())
	app.Spec.Assignments.Users = nil
	g.Expect(k8s.Patch(t.Context(), app, patch)).To(Succeed())
	g.Eventually(func() []simulator.AppRoleAssignment { return sim.Assignments(sp) }).WithTimeout(60 * time.Second).
		Should(ConsistOf(HaveField("PrincipalID", groupAdvisors.ID)))
}

// TestSteadyStateMakesNoGraphWrites lets every application of the suite poll for a while: none of
// them may write to Graph once it has converged.
func TestSteadyStateMakesNoGraphWrites(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	createTenant(t, ns, nil)
	for _, rt := range []v1.ResourceType{v1.ResourceTypeAdvisors, v1.ResourceTypeRooms} {
		app := createApp(t, ns, rt, nil)
		appCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, "")
	}
	before := graphWrites()
	// Wait until the applications have polled Entra several times.
	jobReads := func() int { return sim.CallCount("GET /servicePrincipals/{sp}/synchronization/jobs/{job}") }
	target := jobReads() + 12
	g.Eventually(jobReads).WithTimeout(2 * time.Minute).Should(BeNumerically(">=", target))
	g.Expect(graphWrites()).To(Equal(before))
}

// graphWrites counts the simulator's non-GET calls to Graph, leaving out sign-in.
func graphWrites() map[string]int {
	writes := map[string]int{}
	for route, n := range sim.Calls() {
		if !strings.HasPrefix(route, "GET ") && !isSignIn(route) {
			writes[route] = n
		}
	}
	return writes
}

// isSignIn tells the OAuth and OpenID routes from Graph's: tokens are cached, so they are no cost of
// a reconcile.
func isSignIn(route string) bool {
	return strings.Contains(route, "oauth2") || strings.Contains(route, "well-known")
}
