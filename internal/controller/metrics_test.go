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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"maps"
	"math/big"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/deploytest/promrefs"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

// sample is one series of a scrape.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// scrape reads the manager's /metrics over HTTP, as Prometheus does.
func scrape(t *testing.T) []sample {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, metricsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape %s: %v", metricsURL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %d %v", metricsURL, resp.StatusCode, err)
	}
	var samples []sample
	for line := range strings.SplitSeq(string(body), "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		value, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		s := sample{name: m[1], labels: map[string]string{}, value: value}
		for _, l := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[l[1]] = l[2]
		}
		samples = append(samples, s)
	}
	return samples
}

// find is the value of the series of name whose labels include want; ok is false without one.
func find(samples []sample, name string, want map[string]string) (float64, bool) {
	for _, s := range samples {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			return s.value, true
		}
	}
	return 0, false
}

// labelNames are the label names of the series of name (the first one found).
func labelNames(samples []sample, name string) []string {
	for _, s := range samples {
		if s.name == name {
			names := make([]string, 0, len(s.labels))
			for k := range s.labels {
				names = append(names, k)
			}
			return names
		}
	}
	return nil
}

// TestMetricsAreScraped reconciles a tenant and an application through a provisioning cycle, a
// throttled Graph answer and a certificate tenant, then scrapes /metrics of the running manager
// over HTTP and checks that every metric the alerts and the dashboard use is there, with its labels
// and the values of these objects.
func TestMetricsAreScraped(t *testing.T) {
	g := NewWithT(t)
	ns, app := newReadyApp(t, v1.ResourceTypeAdvisors, nil)
	_, err := sim.RunCycle(t.Context(), app.Status.JobID)
	g.Expect(err).NotTo(HaveOccurred())
	// The simulator is shared with the other tests' tenants, so a queued 429 may be served to one of
	// them; throttle and poke again until this tenant has been throttled once.
	tenantSeries := map[string]string{"tenant_namespace": ns, "tenant": "bank"}
	poke := 0
	g.Eventually(func() bool {
		poke++
		sim.ThrottleNext(1, time.Second)
		annotate(t, app, "test.scim.andmoney.dk/poke", strconv.Itoa(poke))
		_, throttled := find(scrape(t), "scim_operator_graph_throttled_total", tenantSeries)
		return throttled
	}).WithTimeout(60 * time.Second).WithPolling(2 * time.Second).Should(BeTrue())

	notAfter := time.Now().Add(90 * 24 * time.Hour).Truncate(time.Second)
	certTenant := createCertificateTenant(t, ns, "cert-bank", notAfter)
	// The client secret's expiry comes from Graph, where the app registration lists its secrets.
	secretEnds := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)
	sim.RegisterAppRegistration(clientID, "scim-operator", simulator.PasswordCredential{Hint: clientSecret[:3], EndDateTime: secretEnds})

	appSeries := map[string]string{"namespace": ns, "name": app.Name}
	// A wrong SCIM token, the commonest cause of a quarantine, is counted as an error.
	unauthorized, err := http.NewRequestWithContext(t.Context(), http.MethodGet, scimBase+"/advisors/scim/Users", nil)
	g.Expect(err).NotTo(HaveOccurred())
	unauthorized.Header.Set("Authorization", "Bearer not-a-token-of-any-application")
	resp, err := http.DefaultClient.Do(unauthorized)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))

	contract := []struct {
		name   string
		labels []string
		series map[string]string
		value  func(float64) bool
	}{
		{"scim_operator_condition", []string{"kind", "namespace", "name", "type", "status"},
			map[string]string{"kind": "ScimApplication", "namespace": ns, "name": app.Name, "type": "Ready", "status": "True"}, equals(1)},
		{"scim_operator_condition", nil,
			map[string]string{"kind": "ScimApplication", "namespace": ns, "name": app.Name, "type": "Ready", "status": "False"}, equals(0)},
		{"scim_operator_condition", nil,
			map[string]string{"kind": "ScimTenant", "namespace": ns, "name": "bank", "type": "CredentialsReady", "status": "True"}, equals(1)},
		{"scim_operator_job_active", []string{"namespace", "name"}, appSeries, equals(1)},
		{"scim_operator_job_quarantined", []string{"namespace", "name"}, appSeries, equals(0)},
		{"scim_operator_job_last_successful_sync_timestamp_seconds", []string{"namespace", "name"}, appSeries, positive},
		{"scim_operator_job_last_cycle_exported", []string{"namespace", "name"}, appSeries, positive},
		{"scim_operator_job_last_cycle_escrowed", []string{"namespace", "name"}, appSeries, equals(0)},
		{"scim_operator_graph_requests_total", []string{"tenant_namespace", "tenant", "method", "code"},
			map[string]string{"tenant_namespace": ns, "tenant": "bank", "method": http.MethodGet, "code": "200"}, positive},
		{"scim_operator_graph_throttled_total", []string{"tenant_namespace", "tenant"}, tenantSeries, positive},
		{"scim_operator_tenant_credential_expiry_timestamp_seconds", []string{"namespace", "name"},
			map[string]string{"namespace": ns, "name": certTenant.Name}, equals(float64(notAfter.Unix()))},
		{"scim_operator_tenant_credential_expiry_timestamp_seconds", nil,
			map[string]string{"namespace": ns, "name": "bank"}, equals(float64(secretEnds.Unix()))},
		{"scim_requests_total", []string{"application", "operation", "code"}, nil, positive},
		{"scim_request_errors_total", []string{"application", "operation", "code"}, map[string]string{"code": "401"}, positive},
		{"scim_request_duration_seconds_count", []string{"application", "operation"}, nil, positive},
		{"controller_runtime_reconcile_total", []string{"controller", "result"},
			map[string]string{"controller": "scimtenant"}, positive},
		{"controller_runtime_reconcile_errors_total", []string{"controller"},
			map[string]string{"controller": "scimapplication"}, func(float64) bool { return true }},
	}
	for _, m := range contract {
		g.Eventually(func(g Gomega) {
			samples := scrape(t)
			value, ok := find(samples, m.name, m.series)
			g.Expect(ok).To(BeTrue(), "%s%v is not exported", m.name, m.series)
			g.Expect(m.value(value)).To(BeTrue(), "%s%v = %v", m.name, m.series, value)
			if m.labels != nil {
				g.Expect(labelNames(samples, m.name)).To(ConsistOf(m.labels), "labels of %s", m.name)
			}
		}).WithTimeout(60 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
	}

	// Every metric and label the shipped alerts and dashboard refer to is exported.
	checkAlertsAndDashboard(t, scrape(t))

	// A deleted application takes its series with it.
	g.Expect(k8s.Delete(t.Context(), app)).To(Succeed())
	g.Eventually(func() bool {
		samples := scrape(t)
		_, condition := find(samples, "scim_operator_condition", map[string]string{"kind": "ScimApplication", "namespace": ns, "name": app.Name})
		_, job := find(samples, "scim_operator_job_active", appSeries)
		return condition || job
	}).WithTimeout(60 * time.Second).Should(BeFalse())
}

func equals(want float64) func(float64) bool { return func(v float64) bool { return v == want } }

func positive(v float64) bool { return v > 0 }

// createCertificateTenant creates a ScimTenant that signs in with a client certificate that
// expires at notAfter. The simulator does not know the certificate, so the tenant is not Ready;
// the expiry is exported all the same, read from the Secret.
func createCertificateTenant(t *testing.T, ns, name string, notAfter time.Time) *v1.ScimTenant {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	createSecret(t, ns, name+"-cert", v1.SecretTypeTenantCredentials, "tls.pem", string(pemBytes))
	tenant := &v1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.ScimTenantSpec{
			Environment: v1.EnvironmentTest, TenantID: tenantID, ClientID: clientID,
			Credentials: v1.TenantCredentials{ClientCertificate: &v1.SecretKeySelector{Name: name + "-cert", Key: "tls.pem"}},
		},
	}
	simulatorCloud(simServer)(tenant)
	if err := k8s.Create(t.Context(), tenant); err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	return tenant
}

// prometheusLabels are the labels Prometheus adds to every series it scrapes through the shipped
// ServiceMonitor (target labels), and promSeries the series it makes itself.
var (
	prometheusLabels = []string{"job", "instance", "namespace", "pod", "service", "container", "endpoint"}
	promSeries       = []string{"up", "ALERTS", "ALERTS_FOR_STATE"}
)

// checkAlertsAndDashboard parses every PromQL expression of the shipped alert rules and Grafana
// dashboard and fails for a metric the scrape does not have, or a label none of its series has.
func checkAlertsAndDashboard(t *testing.T, samples []sample) {
	t.Helper()
	labelsOf := map[string]map[string]bool{}
	for _, s := range samples {
		if labelsOf[s.name] == nil {
			labelsOf[s.name] = map[string]bool{}
		}
		for k := range s.labels {
			labelsOf[s.name][k] = true
		}
	}
	var expressions []promrefs.Expression
	for _, f := range []struct {
		path  string
		parse func([]byte) ([]promrefs.Expression, error)
	}{
		{"../../config/prometheus/alerts.yaml", promrefs.FromRules},
		{"../../charts/scim-operator/dashboards/scim-operator.json", promrefs.FromDashboard},
	} {
		data, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		exprs, err := f.parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
		expressions = append(expressions, exprs...)
	}
	for _, e := range expressions {
		refs, err := promrefs.Parse(e.Expr)
		if err != nil {
			t.Errorf("%s: %v", e.Source, err)
			continue
		}
		known := map[string]bool{}
		for _, l := range prometheusLabels {
			known[l] = true
		}
		for _, sel := range refs.Selectors {
			if slices.Contains(promSeries, sel.Metric) {
				known["job"] = true
				continue
			}
			labels, ok := labelsOf[sel.Metric]
			if !ok {
				t.Errorf("%s refers to %s, which the operator does not export", e.Source, sel.Metric)
				continue
			}
			maps.Copy(known, labels)
		}
		for _, l := range refs.Labels() {
			if !known[l] {
				t.Errorf("%s uses the label %s, which no series of %v has", e.Source, l, refs.Metrics())
			}
		}
	}
}
