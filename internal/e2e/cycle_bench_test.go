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
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
	"github.com/andmoney/scim-operator/internal/testenv"
)

// benchUsers is the size of the assigned group of BenchmarkInitialCycle.
const benchUsers = 2000

// BenchmarkInitialCycle measures Entra's initial cycle of 2 000 assigned users through the real SCIM
// endpoint into etcd: each iteration is a fresh application whose first cycle must create every
// user with exactly a match lookup and a POST, and whose second cycle must send no request at all.
//
//	go test ./internal/e2e/ -run '^$' -bench BenchmarkInitialCycle -benchtime 1x
func BenchmarkInitialCycle(b *testing.B) {
	ctx := b.Context()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-"}}
		if err := k8s.Create(ctx, ns); err != nil {
			b.Fatal(err)
		}
		group := simulator.Group{DisplayName: fmt.Sprintf("Bench advisors %d", i)}
		for u := range benchUsers {
			group.Members = append(group.Members, sim.AddUser(simulator.User{
				UserPrincipalName: fmt.Sprintf("bench%d.user%04d@bank.dk", i, u), DisplayName: fmt.Sprintf("User %04d", u),
				GivenName: "User", Surname: fmt.Sprintf("%04d", u), OfficeLocation: "Strandvejen 1",
			}))
		}
		sim.AddGroup(group)
		app := setUpBenchApplication(b, ns.Name, group.DisplayName)

		mark := len(sim.SCIMRequests())
		b.StartTimer()
		started := time.Now()
		execution, err := sim.RunCycle(ctx, app.Status.JobID)
		elapsed := time.Since(started)
		b.StopTimer()
		if err != nil || execution.State != "Succeeded" || execution.CountExported != benchUsers {
			b.Fatalf("initial cycle: %v %+v", err, execution)
		}
		initial := len(sim.SCIMRequests()) - mark
		if initial != 2*benchUsers {
			b.Fatalf("the initial cycle sent %d SCIM requests, want 2 per user (%d)", initial, 2*benchUsers)
		}
		mark = len(sim.SCIMRequests())
		if _, err := sim.RunCycle(ctx, app.Status.JobID); err != nil {
			b.Fatal(err)
		}
		next := len(sim.SCIMRequests()) - mark
		if next != 0 {
			b.Fatalf("the cycle after sent %d SCIM requests, want 0", next)
		}
		list := &v1.AdvisorList{}
		if err := k8s.List(ctx, list, client.InNamespace(ns.Name)); err != nil || len(list.Items) != benchUsers {
			b.Fatalf("%d advisors (%v), want %d", len(list.Items), err, benchUsers)
		}
		b.ReportMetric(float64(initial)/benchUsers, "requests/user")
		b.ReportMetric(float64(next), "requests-next-cycle")
		b.ReportMetric(elapsed.Seconds(), "s/initial-cycle")
		b.ReportMetric(float64(benchUsers)/elapsed.Seconds(), "users/s")
		b.StartTimer()
	}
}

func setUpBenchApplication(b *testing.B, ns, group string) *v1.ScimApplication {
	b.Helper()
	ctx := b.Context()
	testenv.CreateSecret(b, k8s, ns, "graph", v1.SecretTypeTenantCredentials, "client-secret", clientSecret)
	testenv.CreateSecret(b, k8s, ns, "advisors-token", v1.SecretTypeSCIMToken, "token", ns+"-advisors-token-0123456789abcdef")
	if err := k8s.Create(ctx, &v1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bank"},
		Spec:       simulatorTenantSpec(),
	}); err != nil {
		b.Fatal(err)
	}
	app := &v1.ScimApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "advisors"},
		Spec: v1.ScimApplicationSpec{
			TenantRef: v1.LocalObjectReference{Name: "bank"}, ResourceType: v1.ResourceTypeAdvisors, DisplayName: ns + " advisors",
			TokenSecretRef: v1.SecretKeySelector{Name: "advisors-token", Key: "token"},
			Assignments:    &v1.Assignments{Groups: []v1.GroupAssignment{{DisplayName: group}}},
		},
	}
	if err := k8s.Create(ctx, app); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(app), app); err != nil {
			b.Fatal(err)
		}
		for _, c := range app.Status.Conditions {
			if c.Type == v1.ReadyCondition && c.Status == metav1.ConditionTrue {
				return app
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("application not Ready: %+v", app.Status.Conditions)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
