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

package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

// TestRotationWhileGraphFails rotates an application's token while every Graph request answers 503:
// Entra cannot be given the new token, so it keeps provisioning with the old one, which the endpoint
// keeps accepting; the new token works at once. When Graph recovers the controller pushes the new
// token, and only then does the old one stop working.
func TestRotationWhileGraphFails(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	dora := simulator.User{ID: "a0000000-0000-4000-8000-0000000000d1", UserPrincipalName: "dora.lund@bank.dk",
		DisplayName: "Dora Lund", GivenName: "Dora", Surname: "Lund", OfficeLocation: "Torvet 2"}
	eik := simulator.User{ID: "a0000000-0000-4000-8000-0000000000d2", UserPrincipalName: "eik.berg@bank.dk",
		DisplayName: "Eik Berg", GivenName: "Eik", Surname: "Berg", OfficeLocation: "Torvet 2"}
	group := simulator.Group{ID: "b0000000-0000-4000-8000-0000000000d1", DisplayName: "Rotation advisors", Members: []string{dora.ID}}
	sim.AddUser(dora)
	sim.AddUser(eik)
	sim.AddGroup(group)

	ns := newTenantNamespace(t, "e2e-rotation-")
	app := createApp(t, ns.Name, v1.ResourceTypeAdvisors, group.DisplayName)
	waitReady(t, app)
	cycle(t, app, "Succeeded")
	sp := app.Status.ServicePrincipalID
	old := sim.Secrets(sp)["SecretToken"]
	g.Expect(old).NotTo(BeEmpty())

	// Graph fails; the token is rotated.
	sim.SetFaults(simulator.Faults{UnavailableRate: 1, RetryAfter: time.Second})
	t.Cleanup(func() { sim.SetFaults(simulator.Faults{}) })
	next := "advisors-token-rotated-while-graph-fails-" + ns.Name // Unique per run, as in TestProvisioningLoop.
	rotateToken(t, app, next)
	g.Eventually(func() int { return scimStatus(ctx, next) }).
		WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Equal(http.StatusOK))
	// The controller tried, and failed, to give Entra the new token.
	waitCondition(t, app, v1.ReadyCondition, metav1.ConditionFalse, v1.ThrottledReason, "")
	g.Expect(sim.Secrets(sp)["SecretToken"]).To(Equal(old))

	// Entra keeps working with the old token: a cycle provisions a newly assigned user.
	g.Expect(scimStatus(ctx, old)).To(Equal(http.StatusOK))
	sim.AddGroupMembers(group.ID, eik.ID)
	cycle(t, app, "Succeeded")
	g.Expect(record(t, ns.Name, app, eik.UserPrincipalName).ExternalID).To(Equal(eik.ID))

	// Graph recovers: Entra gets the new token, and the old one stops working.
	sim.SetFaults(simulator.Faults{})
	g.Eventually(func() string { return sim.Secrets(sp)["SecretToken"] }).
		WithTimeout(60 * time.Second).WithPolling(250 * time.Millisecond).Should(Equal(next))
	g.Eventually(func() int { return scimStatus(ctx, old) }).
		WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Equal(http.StatusUnauthorized))
	g.Expect(scimStatus(ctx, next)).To(Equal(http.StatusOK))
	cycle(t, app, "Succeeded")

	// The status hash says nothing about the token.
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
	g.Expect(app.Status.SecretsHash).NotTo(BeEmpty())
	g.Expect(app.Status.SecretsHash).NotTo(ContainSubstring(next))
}

// scimStatus is the status of a list request to the advisors endpoint with the token.
func scimStatus(ctx context.Context, token string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scimBase+"/advisors/scim/Users?count=1", nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
