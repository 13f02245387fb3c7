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
	"fmt"
	"slices"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// scrapeProblems returns why a ServiceMonitor of a render would not scrape the operator, one entry
// per problem: for every endpoint, a Service in the render must match the monitor's selector and
// namespaceSelector and name the endpoint's port; that Service must select the Deployment's pods and
// target a container port they have; the bearer token Secret must be in the render, in the monitor's
// namespace; with TLS verification on, the CA Secret must come from a Certificate in the render whose
// DNS names include serverName and whose Secret the Deployment mounts. Namespaced objects without a
// namespace are in the installers' namespace.
func scrapeProblems(objs []*unstructured.Unstructured) []string {
	nsOf := func(o *unstructured.Unstructured) string {
		if o.GetNamespace() == "" {
			return namespace
		}
		return o.GetNamespace()
	}
	var problems []string
	monitors := find(objs, "ServiceMonitor")
	if len(monitors) == 0 {
		return []string{"no ServiceMonitor in the render"}
	}
	for _, sm := range monitors {
		id := "ServiceMonitor " + nsOf(sm) + "/" + sm.GetName()
		namespaces := []string{nsOf(sm)}
		anyNamespace, _, _ := unstructured.NestedBool(sm.Object, "spec", "namespaceSelector", "any")
		if names, found, _ := unstructured.NestedStringSlice(sm.Object, "spec", "namespaceSelector", "matchNames"); found {
			namespaces = names
		}
		selector, err := labelSelector(sm.Object, "spec", "selector")
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: selector: %v", id, err))
			continue
		}
		var services []*unstructured.Unstructured
		for _, svc := range find(objs, "Service") {
			if (anyNamespace || slices.Contains(namespaces, nsOf(svc))) && selector.Matches(labels.Set(svc.GetLabels())) {
				services = append(services, svc)
			}
		}
		endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
		if len(endpoints) == 0 {
			problems = append(problems, id+": no endpoints")
		}
		for i, e := range endpoints {
			endpoint := e.(map[string]any)
			eid := fmt.Sprintf("%s endpoint %d", id, i)
			port, _ := endpoint["port"].(string)
			if len(services) == 0 {
				problems = append(problems, fmt.Sprintf("%s: no Service in %v matches selector %s", eid, namespaces, selector))
			}
			for _, svc := range services {
				problems = append(problems, servicePortProblems(objs, svc, port, nsOf)...)
			}
			if secret, found, _ := unstructured.NestedString(endpoint, "authorization", "credentials", "name"); found {
				if !hasObject(objs, "Secret", nsOf(sm), secret, nsOf) {
					problems = append(problems, fmt.Sprintf("%s: authorization Secret %s/%s is not in the render", eid, nsOf(sm), secret))
				}
			} else {
				problems = append(problems, eid+": no authorization credentials: the metrics server refuses unauthenticated scrapes")
			}
			if _, found := endpoint["bearerTokenFile"]; found {
				problems = append(problems, eid+": bearerTokenFile is deprecated; use authorization")
			}
			if skip, _, _ := unstructured.NestedBool(endpoint, "tlsConfig", "insecureSkipVerify"); skip {
				problems = append(problems, eid+": TLS verification is off")
				continue
			}
			serverName, _, _ := unstructured.NestedString(endpoint, "tlsConfig", "serverName")
			caSecret, _, _ := unstructured.NestedString(endpoint, "tlsConfig", "ca", "secret", "name")
			problems = append(problems, certificateProblems(objs, eid, nsOf(sm), caSecret, serverName, nsOf)...)
		}
	}
	return problems
}

// servicePortProblems checks that svc names port and that it reaches a container port of the pods
// of a Deployment it selects.
func servicePortProblems(objs []*unstructured.Unstructured, svc *unstructured.Unstructured, port string,
	nsOf func(*unstructured.Unstructured) string) []string {
	id := "Service " + nsOf(svc) + "/" + svc.GetName()
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	var targetPort any
	for _, p := range ports {
		if p.(map[string]any)["name"] == port {
			targetPort = p.(map[string]any)["targetPort"]
		}
	}
	if targetPort == nil {
		return []string{fmt.Sprintf("%s: no port named %q", id, port)}
	}
	podSelector, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	for _, d := range find(objs, "Deployment") {
		podLabels, _, _ := unstructured.NestedStringMap(d.Object, "spec", "template", "metadata", "labels")
		if nsOf(d) != nsOf(svc) || len(podSelector) == 0 || !labels.SelectorFromSet(podSelector).Matches(labels.Set(podLabels)) {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			cports, _, _ := unstructured.NestedSlice(c.(map[string]any), "ports")
			for _, cp := range cports {
				cp := cp.(map[string]any)
				if cp["name"] == targetPort || fmt.Sprint(cp["containerPort"]) == fmt.Sprint(targetPort) {
					return nil
				}
			}
		}
	}
	return []string{fmt.Sprintf("%s: port %q targets %v, which no pod of a Deployment it selects has", id, port, targetPort)}
}

// certificateProblems checks that the CA Secret is written by a Certificate of the render whose DNS
// names include serverName, and that a Deployment mounts that Secret.
func certificateProblems(objs []*unstructured.Unstructured, id, namespace, caSecret, serverName string,
	nsOf func(*unstructured.Unstructured) string) []string {
	if caSecret == "" || serverName == "" {
		return []string{id + ": TLS verification needs tlsConfig.ca and tlsConfig.serverName"}
	}
	var problems []string
	var cert *unstructured.Unstructured
	for _, c := range find(objs, "Certificate") {
		if name, _, _ := unstructured.NestedString(c.Object, "spec", "secretName"); name == caSecret && nsOf(c) == namespace {
			cert = c
		}
	}
	if cert == nil {
		return []string{fmt.Sprintf("%s: no Certificate in the render writes the CA Secret %s/%s", id, namespace, caSecret)}
	}
	if dnsNames, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames"); !slices.Contains(dnsNames, serverName) {
		problems = append(problems, fmt.Sprintf("%s: serverName %s is not among the Certificate's dnsNames %v", id, serverName, dnsNames))
	}
	mounted := false
	for _, d := range find(objs, "Deployment") {
		volumes, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "volumes")
		for _, v := range volumes {
			if name, _, _ := unstructured.NestedString(v.(map[string]any), "secret", "secretName"); name == caSecret && nsOf(d) == namespace {
				mounted = true
			}
		}
	}
	if !mounted {
		problems = append(problems, fmt.Sprintf("%s: no Deployment mounts the certificate Secret %s", id, caSecret))
	}
	return problems
}

func hasObject(objs []*unstructured.Unstructured, kind, namespace, name string, nsOf func(*unstructured.Unstructured) string) bool {
	return slices.ContainsFunc(find(objs, kind), func(o *unstructured.Unstructured) bool {
		return o.GetName() == name && nsOf(o) == namespace
	})
}

func labelSelector(obj map[string]any, fields ...string) (labels.Selector, error) {
	raw, _, err := unstructured.NestedMap(obj, fields...)
	if err != nil {
		return nil, err
	}
	var sel metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &sel); err != nil {
		return nil, err
	}
	return metav1.LabelSelectorAsSelector(&sel)
}

// TestServiceMonitorScrapes proves, for the chart (its production values, and a ServiceMonitor in
// another namespace) and for the kustomize installer with its [PROMETHEUS] component, that the
// ServiceMonitor reaches the metrics port with credentials and a certificate it can verify; and that
// the API server accepts the monitoring objects.
func TestServiceMonitorScrapes(t *testing.T) {
	t.Run("chart production values", func(t *testing.T) {
		g := NewWithT(t)
		objs := mustTemplate(g, t.Context(), "--values", valuesFile("production"))
		g.Expect(find(objs, "ServiceMonitor")).To(HaveLen(1))
		g.Expect(find(objs, "PrometheusRule")).To(HaveLen(1))
		g.Expect(scrapeProblems(objs)).To(BeEmpty())
	})
	t.Run("chart with own CA Secret and monitor namespace", func(t *testing.T) {
		g := NewWithT(t)
		objs := mustTemplate(g, t.Context(),
			"--set", "metrics.serviceMonitor.enabled=true",
			"--set", "metrics.tls.secretName=metrics-tls",
			"--set", "metrics.serviceMonitor.namespace=monitoring",
			"--set", "metrics.serviceMonitor.caSecret.name=metrics-ca",
			"--set", "metrics.serviceMonitor.caSecret.key=ca.crt")
		// No Certificate in this render: the CA comes from outside, so only the selector, port and token
		// can be checked.
		problems := scrapeProblems(objs)
		g.Expect(problems).To(ConsistOf(ContainSubstring("no Certificate in the render writes the CA Secret monitoring/metrics-ca")))
		sm := find(objs, "ServiceMonitor")[0]
		g.Expect(sm.GetNamespace()).To(Equal("monitoring"))
		g.Expect(hasObject(objs, "Secret", "monitoring", "scim-operator-metrics-scraper-token", func(o *unstructured.Unstructured) string { return o.GetNamespace() })).To(BeTrue())
	})
	t.Run("kustomize", func(t *testing.T) {
		g := NewWithT(t)
		objs := kustomizeBuild(g, t.Context(), prometheusOverlay(t))
		g.Expect(scrapeProblems(objs)).To(BeEmpty())
		var monitoring []*unstructured.Unstructured
		for _, kind := range []string{"ServiceMonitor", "PrometheusRule", "Certificate", "Issuer", "ServiceAccount", "Secret", "ClusterRoleBinding", "Deployment"} {
			monitoring = append(monitoring, find(objs, kind)...)
		}
		g.Expect(applyDryRun(t.Context(), monitoring)).To(BeEmpty())
	})
	t.Run("the old chart selector is caught", func(t *testing.T) {
		g := NewWithT(t)
		objs := mustTemplate(g, t.Context(), "--values", valuesFile("production"))
		sm := find(objs, "ServiceMonitor")[0]
		g.Expect(unstructured.SetNestedStringMap(sm.Object, map[string]string{"control-plane": "controller-manager"},
			"spec", "selector", "matchLabels")).To(Succeed())
		g.Expect(scrapeProblems(objs)).To(ContainElement(ContainSubstring("no Service in")))
	})
}
