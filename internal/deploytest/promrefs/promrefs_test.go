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

package promrefs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := map[string]struct {
		expr    string
		want    Refs
		wantErr string
	}{
		"bare metric": {expr: "up", want: Refs{Selectors: []Selector{{Metric: "up"}}}},
		"matchers of every operator": {
			expr: `x{a="1", b!="2", c=~"5..", d!~'e\'f'}`,
			want: Refs{Selectors: []Selector{{Metric: "x", Matchers: []Matcher{
				{"a", "=", "1"}, {"b", "!=", "2"}, {"c", "=~", "5.."}, {"d", "!~", "e'f"}}}}},
		},
		"functions, aggregation with grouping, range": {
			expr: `sum by (application, code) (rate(scim_requests_total{code="401"}[5m]))`,
			want: Refs{
				Selectors:      []Selector{{Metric: "scim_requests_total", Matchers: []Matcher{{"code", "=", "401"}}}},
				GroupingLabels: []string{"application", "code"},
			},
		},
		"grouping after the parentheses, vector matching, set operators and comparisons": {
			expr: "time() - max(a > 0) without (pod) > 7200\n  and on (namespace, name) group_left (kind)\nmax by (namespace) (b) == 1 unless c offset 5m",
			want: Refs{
				Selectors:      []Selector{{Metric: "a"}, {Metric: "b"}, {Metric: "c"}},
				GroupingLabels: []string{"pod", "namespace", "name", "kind", "namespace"},
			},
		},
		"absent, numbers with exponents, and a subquery": {
			expr: `absent(up{job="j"} == 1) or max_over_time(x[1h:5m]) * 1e-3 + 14 * 86400`,
			want: Refs{Selectors: []Selector{{Metric: "up", Matchers: []Matcher{{"job", "=", "j"}}}, {Metric: "x"}}},
		},
		"Grafana interval variables and a variable in a matcher": {
			expr: `histogram_quantile(0.95, sum by (le) (rate(d_bucket{application=~"$namespace/.*"}[$__rate_interval])))`,
			want: Refs{
				Selectors:      []Selector{{Metric: "d_bucket", Matchers: []Matcher{{"application", "=~", "$namespace/.*"}}}},
				GroupingLabels: []string{"le"},
			},
		},
		"a selector without a metric name": {
			expr: `count({__name__="scim_records", application!=""})`,
			want: Refs{Selectors: []Selector{{Metric: "scim_records", Matchers: []Matcher{
				{"__name__", "=", "scim_records"}, {"application", "!=", ""}}}}},
		},
		"a label that looks like a keyword inside braces": {
			expr: `x{on="a", by="b"}`,
			want: Refs{Selectors: []Selector{{Metric: "x", Matchers: []Matcher{{"on", "=", "a"}, {"by", "=", "b"}}}}},
		},
		"comment":          {expr: "x # a comment y", want: Refs{Selectors: []Selector{{Metric: "x"}}}},
		"unclosed string":  {expr: `x{a="1}`, wantErr: "unclosed string"},
		"unclosed braces":  {expr: `x{a="1"`, wantErr: "unclosed selector"},
		"bad matcher":      {expr: `x{a}`, wantErr: "not <label> <op> <string>"},
		"unclosed by list": {expr: `sum by (a`, wantErr: "unclosed label list"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Parse(tc.expr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRefsMetricsAndLabels(t *testing.T) {
	refs, err := Parse(`sum by (tenant) (rate(g{code="429", __name__="g"}[5m])) / sum by (tenant) (rate(g[5m])) + h`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := refs.Metrics(), []string{"g", "h"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Metrics() = %v, want %v", got, want)
	}
	if got, want := refs.Labels(), []string{"code", "tenant"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Labels() = %v, want %v", got, want)
	}
}

func TestFromRulesAndDashboard(t *testing.T) {
	rules, err := FromRules([]byte("spec:\n  groups:\n  - rules:\n    - alert: A\n      expr: up == 0\n    - record: r\n      expr: sum(x)\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []Expression{{"alert A", "up == 0"}, {"record r", "sum(x)"}}; !reflect.DeepEqual(rules, want) {
		t.Errorf("FromRules = %+v, want %+v", rules, want)
	}
	if _, err := FromRules([]byte("groups: []\n")); err == nil {
		t.Error("FromRules accepted a document without rules")
	}

	dash, err := FromDashboard([]byte(`{"panels":[{"type":"row","panels":[{"title":"P","targets":[{"refId":"A","expr":"x"}]}]},
		{"title":"Q","targets":[{"refId":"B","expr":"y"},{"refId":"C"}]}],
		"templating":{"list":[{"name":"ds","type":"datasource","query":"prometheus"},
		{"name":"ns","type":"query","query":{"query":"label_values(z{a=\"b\"}, namespace)"}},
		{"name":"old","type":"query","query":"label_values(w, pod)"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Expression{
		{`panel "P" target A`, "x"}, {`panel "Q" target B`, "y"},
		{"variable ns", `count by (namespace) (z{a="b"})`}, {"variable old", "count by (pod) (w)"},
	}
	if !reflect.DeepEqual(dash, want) {
		t.Errorf("FromDashboard = %+v\nwant %+v", dash, want)
	}
}

// TestShippedFiles parses every expression of the alert rules and the dashboard the project ships,
// and checks they name only the metrics of the metrics contract (docs/operations.md) plus the ones
// Prometheus and controller-runtime provide. The scrape of the real manager compares with what it
// exports.
func TestShippedFiles(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	rules, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dashboard, err := os.ReadFile(filepath.Join(root, "charts", "scim-operator", "dashboards", "scim-operator.json"))
	if err != nil {
		t.Fatal(err)
	}
	fromRules, err := FromRules(rules)
	if err != nil {
		t.Fatal(err)
	}
	fromDashboard, err := FromDashboard(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"up": true, "controller_runtime_reconcile_errors_total": true}
	for _, m := range []string{
		"scim_requests_total", "scim_request_errors_total", "scim_request_duration_seconds_bucket", "scim_records",
		"scim_operator_job_quarantined", "scim_operator_job_last_successful_sync_timestamp_seconds",
		"scim_operator_condition", "scim_operator_job_active", "scim_operator_job_last_cycle_exported",
		"scim_operator_job_last_cycle_escrowed", "scim_operator_graph_requests_total",
		"scim_operator_graph_throttled_total", "scim_operator_tenant_credential_expiry_timestamp_seconds",
	} {
		known[m] = true
	}
	exprs := append(fromRules, fromDashboard...)
	if len(fromRules) < 8 || len(fromDashboard) < 10 {
		t.Fatalf("found %d rule and %d dashboard expressions, want at least 8 and 10", len(fromRules), len(fromDashboard))
	}
	for _, e := range exprs {
		refs, err := Parse(e.Expr)
		if err != nil {
			t.Errorf("%s: %v", e.Source, err)
			continue
		}
		if len(refs.Selectors) == 0 {
			t.Errorf("%s: no metric in %q", e.Source, e.Expr)
		}
		for _, m := range refs.Metrics() {
			if !known[m] {
				t.Errorf("%s: unknown metric %s", e.Source, m)
			}
		}
	}
}
