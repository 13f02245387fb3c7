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
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TestAlertRules runs the promtool unit tests of config/prometheus/alerts_test.yaml on the rules of
// config/prometheus/alerts.yaml and on those the chart renders with its default values, and checks
// that every runbook_url points at a section of docs/operations.md that exists. promtool is the
// version pinned in hack/tools/promtool, built from the Go module proxy on first use.
func TestAlertRules(t *testing.T) {
	g := NewWithT(t)
	promtool, err := goTool(t.Context(), "promtool")
	g.Expect(err).NotTo(HaveOccurred())
	tests, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "alerts_test.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	anchors := markdownAnchors(g, filepath.Join(root, "docs", "operations.md"))

	rules := map[string]*unstructured.Unstructured{
		"kustomize": named(g, kustomizeBuild(g, t.Context(), prometheusOverlay(t)), "PrometheusRule", "scim-operator-alerts"),
		"chart":     named(g, mustTemplate(g, t.Context(), "--set", "metrics.prometheusRule.enabled=true"), "PrometheusRule", "scim-operator-alerts"),
	}
	for name, rule := range rules {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			spec, _, err := unstructured.NestedMap(rule.Object, "spec")
			g.Expect(err).NotTo(HaveOccurred())
			data, err := yaml.Marshal(spec)
			g.Expect(err).NotTo(HaveOccurred())
			dir := t.TempDir()
			g.Expect(os.WriteFile(filepath.Join(dir, "alerts.rules.yaml"), data, 0o600)).To(Succeed())
			g.Expect(os.WriteFile(filepath.Join(dir, "alerts_test.yaml"), tests, 0o600)).To(Succeed())
			out, err := command(t.Context(), promtool, "test", "rules", filepath.Join(dir, "alerts_test.yaml"))
			g.Expect(err).NotTo(HaveOccurred(), out)
			g.Expect(out).To(ContainSubstring("SUCCESS"))

			groups, _, _ := unstructured.NestedSlice(spec, "groups")
			for _, group := range groups {
				rs, _, _ := unstructured.NestedSlice(group.(map[string]any), "rules")
				for _, r := range rs {
					alert, _, _ := unstructured.NestedString(r.(map[string]any), "alert")
					url, _, _ := unstructured.NestedString(r.(map[string]any), "annotations", "runbook_url")
					g.Expect(url).To(HavePrefix("https://github.com/andmoney/scim-operator/blob/main/docs/operations.md#"), alert)
					anchor := url[strings.Index(url, "#")+1:]
					g.Expect(anchors).To(ContainElement(anchor), alert)
					g.Expect(anchor).To(Equal(strings.ToLower(alert)))
				}
			}
		})
	}
}

// markdownAnchors returns the anchors GitHub gives the headings of a Markdown file: lower case,
// spaces to dashes, punctuation other than dashes and underscores dropped.
func markdownAnchors(g Gomega, path string) []string {
	data, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	drop := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	var anchors []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		anchors = append(anchors, strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(title), ""), " ", "-"))
	}
	return anchors
}
