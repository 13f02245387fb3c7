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

package scim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/scimtest"
)

// TestIsolation checks that a token only reaches its own application: another application's token, in
// the same namespace or another, neither sees nor changes its records, and a token of the other kind, no
// token or a wrong one get a 401 with WWW-Authenticate: Bearer.
func TestIsolation(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	owner := newApp(t, ns, v1.ResourceTypeAdvisors)
	sameNS := newApp(t, ns, v1.ResourceTypeAdvisors)
	otherNS := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	rooms := newApp(t, ns, v1.ResourceTypeRooms)
	id := owner.create("owned@contoso.com")
	before := owner.do(http.MethodGet, "/Users/"+id, "")

	for name, other := range map[string]*endpoint{"same namespace": sameNS, "other namespace": otherNS} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			expectError(g, other.do(http.MethodGet, "/Users/"+id, ""), http.StatusNotFound, "")
			r := other.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "owned@contoso.com"`), "")
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(0)))
			r = other.do(http.MethodGet, "/Users", "")
			g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeEquivalentTo(0)))
			expectError(g, other.do(http.MethodPatch, "/Users/"+id,
				patchBody(`{"op":"replace","path":"displayName","value":"hijacked"}`)), http.StatusNotFound, "")
			expectError(g, other.do(http.MethodPut, "/Users/"+id,
				`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"hijacked"}`), http.StatusNotFound, "")
			expectError(g, other.do(http.MethodDelete, "/Users/"+id, ""), http.StatusNotFound, "")
			// userName is unique per application: the other one may use the same name.
			other.create("owned@contoso.com")
		})
	}
	g.Expect(owner.do(http.MethodGet, "/Users/"+id, "").raw).To(Equal(before.raw))

	for name, token := range map[string]string{
		"another kind's token": rooms.token, "no token": "", "a wrong token": scimtest.RandomToken(),
		"the token with a suffix": owner.token + "0", "a prefix of the token": owner.token[:20],
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			for _, path := range []string{"/Users/" + id, "/Users", "/ServiceProviderConfig"} {
				r := owner.doWithToken(token, http.MethodGet, path, "")
				expectError(g, r, http.StatusUnauthorized, "")
				g.Expect(r.header.Get("WWW-Authenticate")).To(HavePrefix("Bearer"))
			}
		})
	}
	r := owner.doWithToken("", http.MethodPost, "/Users", userBody(owner.prefix, "sneaky@contoso.com", "x"))
	expectError(g, r, http.StatusUnauthorized, "")
	g.Expect(records(t, owner)).To(HaveLen(1))
}

// TestTokenRotation rotates an application's Secret: the new token works and the old one stops working,
// without a restart.
func TestTokenRotation(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
	id := e.create("rotate@contoso.com")
	old, next := e.token, scimtest.RandomToken()

	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: e.app.Namespace, Name: e.app.Spec.TokenSecretRef.Name}
	g.Expect(cluster.Client.Get(t.Context(), key, secret)).To(Succeed())
	secret.Data["token"] = []byte(next)
	g.Expect(cluster.Client.Update(t.Context(), secret)).To(Succeed())

	g.Eventually(func() int { return e.doWithToken(next, http.MethodGet, "/Users/"+id, "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))
	g.Eventually(func() int { return e.doWithToken(old, http.MethodGet, "/Users/"+id, "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusUnauthorized))

	// Pointing the application at another Secret switches tokens too.
	other := &corev1.Secret{}
	other.Namespace, other.GenerateName = e.app.Namespace, "token-"
	other.Labels = optIn
	third := scimtest.RandomToken()
	other.Data = map[string][]byte{"t": []byte(third)}
	g.Expect(cluster.Client.Create(t.Context(), other)).To(Succeed())
	app := &v1.ScimApplication{}
	g.Expect(cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(e.app), app)).To(Succeed())
	app.Spec.TokenSecretRef = v1.SecretKeySelector{Name: other.Name, Key: "t"}
	g.Expect(cluster.Client.Update(t.Context(), app)).To(Succeed())
	g.Eventually(func() int { return e.doWithToken(third, http.MethodGet, "/Users/"+id, "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))
	g.Eventually(func() int { return e.doWithToken(next, http.MethodGet, "/Users/"+id, "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusUnauthorized))

	// Deleting the application revokes its token; its records stay.
	g.Expect(cluster.Client.Delete(t.Context(), app)).To(Succeed())
	g.Eventually(func() int { return e.doWithToken(third, http.MethodGet, "/Users/"+id, "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusUnauthorized))
	g.Expect(records(t, e)).To(HaveLen(1))
}

// TestMetrics checks the request, error, latency and record-count metrics on the manager's registry.
func TestMetrics(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	app := e.app.Namespace + "/" + e.app.Name
	id := e.create("metrics@contoso.com")
	e.create("metrics2@contoso.com")
	e.do(http.MethodGet, "/Users/"+id, "")
	e.do(http.MethodGet, "/Users/00000000-0000-4000-8000-000000000000", "")

	families, err := ctrlmetrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	find := func(name string, labels map[string]string) *dto.Metric {
		for _, f := range families {
			if f.GetName() != name {
				continue
			}
		metrics:
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
						continue metrics
					}
				}
				return m
			}
		}
		return nil
	}
	m := find("scim_requests_total", map[string]string{"application": app, "operation": "create", "code": "201"})
	g.Expect(m).NotTo(BeNil())
	g.Expect(m.GetCounter().GetValue()).To(BeEquivalentTo(2))
	m = find("scim_request_errors_total", map[string]string{"application": app, "operation": "get", "code": "404"})
	g.Expect(m).NotTo(BeNil())
	g.Expect(m.GetCounter().GetValue()).To(BeEquivalentTo(1))
	m = find("scim_request_duration_seconds", map[string]string{"application": app, "operation": "get"})
	g.Expect(m).NotTo(BeNil())
	g.Expect(m.GetHistogram().GetSampleCount()).To(BeEquivalentTo(2))
	m = find("scim_records", map[string]string{"application": app, "resource_type": "advisors"})
	g.Expect(m).NotTo(BeNil())
	g.Expect(m.GetGauge().GetValue()).To(BeEquivalentTo(2))
}

// TestNewApplicationTokenWorksAtOnce sends the first request as soon as the manager's cache holds a new
// application, as the operator's own controller runs Entra's test connection right after creating it: it
// must not be a 401 while the endpoint's Secret watch is still starting.
func TestNewApplicationTokenWorksAtOnce(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	for i := range 3 {
		token := scimtest.RandomToken()
		secret := &corev1.Secret{}
		secret.Namespace, secret.GenerateName = ns, "token-"
		secret.Labels = optIn
		secret.Data = map[string][]byte{"token": []byte(token)}
		g.Expect(cluster.Client.Create(t.Context(), secret)).To(Succeed())
		app := &v1.ScimApplication{}
		app.Namespace, app.GenerateName = ns, "fresh-"
		app.Spec = v1.ScimApplicationSpec{
			TenantRef: v1.LocalObjectReference{Name: "contoso"}, ResourceType: v1.ResourceTypeRooms,
			TokenSecretRef: v1.SecretKeySelector{Name: secret.Name, Key: "token"},
		}
		g.Expect(cluster.Client.Create(t.Context(), app)).To(Succeed())
		g.Eventually(func() error {
			return testMgr.GetCache().Get(t.Context(), client.ObjectKeyFromObject(app), &v1.ScimApplication{})
		}).WithTimeout(30 * time.Second).WithPolling(time.Millisecond).Should(Succeed())
		e := &endpoint{t: t, prefix: "/rooms/scim", token: token, app: app}
		r := e.do(http.MethodGet, `/Users?filter=userName+eq+"0f7c8e9a-5b1d-4c2e-9a77-3e1d2c4b5a69"`, "")
		g.Expect(r.status).To(Equal(http.StatusOK), "application %d: %s", i, r.raw)
	}
}

// TestStatusUpdateKeepsToken updates an application's status (as the controller does when it records the
// Tenant URL) and checks that its token never stops working meanwhile.
func TestStatusUpdateKeepsToken(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	for i := range 5 {
		app := &v1.ScimApplication{}
		g.Expect(cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(e.app), app)).To(Succeed())
		app.Status.TenantURL = fmt.Sprintf("https://scim%d.example.com/advisors/scim", i)
		g.Expect(cluster.Client.Status().Update(t.Context(), app)).To(Succeed())
		for range 20 {
			r := e.do(http.MethodGet, "/Users", "")
			g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
		}
	}
	// The Tenant URL in the status is the base of resource locations.
	id := e.create("located@contoso.com")
	g.Eventually(func() string { return e.do(http.MethodGet, "/Users/"+id, "").header.Get("Content-Type") }).
		Should(HavePrefix("application/scim+json"))
	g.Eventually(func() any {
		return e.do(http.MethodGet, "/Users/"+id, "").body["meta"].(map[string]any)["location"]
	}).Should(Equal("https://scim4.example.com/advisors/scim/Users/" + id))
}
