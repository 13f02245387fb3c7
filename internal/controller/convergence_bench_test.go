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
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// BenchmarkConvergence creates a fleet of ScimApplications (BENCH_APPS, default 200) at once and measures how long they take to become Ready against the simulator, the Graph
// calls each needed, and then the Graph calls per application per steady-state resync.
//
//	make test TEST_FLAGS='-run ^$ -bench Convergence -benchtime 1x ./internal/controller/'
func BenchmarkConvergence(b *testing.B) {
	apps := benchApps()
	for b.Loop() {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-"}}
		if err := k8s.Create(b.Context(), ns); err != nil {
			b.Fatal(err)
		}
		createBenchTenant(b, ns.Name)
		sim.ResetCalls()
		start := time.Now()
		for i := range apps {
			createBenchApp(b, ns.Name, i)
		}
		waitAllReady(b, ns.Name, apps)
		elapsed := time.Since(start)
		reads, writes := graphCalls()
		b.ReportMetric(elapsed.Seconds(), "s/converge")
		b.ReportMetric(float64(reads)/float64(apps), "reads/app")
		b.ReportMetric(float64(writes)/float64(apps), "writes/app")

		// Steady state: count the calls while every application polls a few more times.
		sim.ResetCalls()
		jobReads := func() int { return sim.CallCount("GET /servicePrincipals/{sp}/synchronization/jobs/{job}") }
		for jobReads() < 3*apps {
			time.Sleep(100 * time.Millisecond)
		}
		reads, writes = graphCalls()
		resyncs := float64(jobReads())
		b.ReportMetric(float64(reads)/resyncs, "reads/resync")
		b.ReportMetric(float64(writes)/resyncs, "writes/resync")
		if err := k8s.Delete(b.Context(), ns); err != nil {
			b.Fatal(err)
		}
	}
}

func benchApps() int {
	n := 200
	if v := os.Getenv("BENCH_APPS"); v != "" {
		_, _ = fmt.Sscanf(v, "%d", &n)
	}
	return n
}

// graphCalls counts Graph reads and writes, leaving out sign-in (tokens are cached per tenant).
func graphCalls() (reads, writes int) {
	for route, n := range sim.Calls() {
		switch {
		case isSignIn(route):
		case strings.HasPrefix(route, "GET "):
			reads += n
		default:
			writes += n
		}
	}
	return reads, writes
}

func createBenchTenant(b *testing.B, ns string) {
	b.Helper()
	for _, obj := range []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "graph", Labels: map[string]string{v1.SecretTypeLabel: v1.SecretTypeTenantCredentials}}, StringData: map[string]string{"client-secret": clientSecret}},
		&v1.ScimTenant{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bank"}, Spec: v1.ScimTenantSpec{
			Environment: v1.EnvironmentTest, TenantID: tenantID, ClientID: clientID,
			Credentials:     v1.TenantCredentials{ClientSecret: &v1.SecretKeySelector{Name: "graph", Key: "client-secret"}},
			Cloud:           v1.CloudCustom,
			CustomEndpoints: &v1.CustomEndpoints{AuthorityHost: simServer.URL + "/", GraphEndpoint: simServer.URL + "/v1.0"},
		}},
	} {
		if err := k8s.Create(b.Context(), obj); err != nil {
			b.Fatal(err)
		}
	}
}

func createBenchApp(b *testing.B, ns string, i int) {
	b.Helper()
	rt := v1.ResourceTypeAdvisors
	group := groupAdvisors.DisplayName
	if i%2 == 1 {
		rt, group = v1.ResourceTypeRooms, groupRooms.DisplayName
	}
	name := fmt.Sprintf("app-%03d", i)
	for _, obj := range []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{v1.SecretTypeLabel: v1.SecretTypeSCIMToken}}, StringData: map[string]string{"token": name + "-token-0123456789abcdef"}},
		&v1.ScimApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: v1.ScimApplicationSpec{
			TenantRef: v1.LocalObjectReference{Name: "bank"}, ResourceType: rt, DisplayName: ns + " " + name,
			TokenSecretRef: v1.SecretKeySelector{Name: name, Key: "token"},
			Assignments:    &v1.Assignments{Groups: []v1.GroupAssignment{{DisplayName: group}}},
		}},
	} {
		if err := k8s.Create(b.Context(), obj); err != nil {
			b.Fatal(err)
		}
	}
}

func waitAllReady(b *testing.B, ns string, want int) {
	b.Helper()
	deadline := time.Now().Add(15 * time.Minute)
	for time.Now().Before(deadline) {
		list := &v1.ScimApplicationList{}
		if err := k8s.List(b.Context(), list, client.InNamespace(ns)); err != nil {
			b.Fatal(err)
		}
		ready := 0
		for _, a := range list.Items {
			if apimeta.IsStatusConditionTrue(a.Status.Conditions, v1.ReadyCondition) {
				ready++
			}
		}
		if ready == want {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	b.Fatalf("not all %d applications became Ready within 15 minutes", want)
}
