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

// Package promrefs finds the metric names and label names that PromQL expressions refer to, in the
// alert rules and the Grafana dashboard the project ships, so a test can compare them with what the
// operator exports. It tokenizes PromQL itself (the Prometheus parser would pull the whole Prometheus
// module into the product's go.mod); it knows enough of the grammar to tell metric names from
// functions, aggregations, keywords and label names, and skips strings, numbers and range selectors.
package promrefs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// nameLabel is the label that holds a series' metric name.
const nameLabel = "__name__"

// Matcher is one label matcher of a selector, e.g. code=~"5..".
type Matcher struct {
	Label, Op, Value string
}

// Selector is one vector selector: a metric name and its label matchers.
type Selector struct {
	Metric   string
	Matchers []Matcher
}

// Refs is what one expression refers to: its selectors, and the label names of by, without, on,
// ignoring, group_left and group_right clauses (which name labels of the selectors' series).
type Refs struct {
	Selectors      []Selector
	GroupingLabels []string
}

// Metrics returns the distinct metric names of the selectors, sorted.
func (r Refs) Metrics() []string {
	var out []string
	for _, s := range r.Selectors {
		out = append(out, s.Metric)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Labels returns the distinct label names the expression uses, in matchers and in grouping clauses,
// sorted. __name__ is left out.
func (r Refs) Labels() []string {
	out := slices.Clone(r.GroupingLabels)
	for _, s := range r.Selectors {
		for _, m := range s.Matchers {
			if m.Label != nameLabel {
				out = append(out, m.Label)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Expression is one PromQL expression of a rules file or a dashboard, with where it came from.
type Expression struct {
	Source string // e.g. "alert ScimOperatorAbsent" or "panel \"Ready\" target A"
	Expr   string
}

// notMetrics are identifiers that are never metric names where they stand outside braces: PromQL's
// keywords, aggregation operators and set operators.
var notMetrics = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"sum": true, "min": true, "max": true, "avg": true, "count": true, "stddev": true, "stdvar": true,
	"topk": true, "bottomk": true, "quantile": true, "count_values": true, "group": true,
	"limitk": true, "limit_ratio": true, "inf": true, "nan": true, "start": true, "end": true,
}

// groupingKeywords are followed by a parenthesized list of label names.
var groupingKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// grafanaVariables are replaced before parsing: Grafana's interval variables stand where PromQL
// expects a duration, any other $variable inside a string is left as it is.
var grafanaVariables = regexp.MustCompile(`\$(__rate_interval|__interval|__range|\{__rate_interval\}|\{__interval\}|\{__range\})`)

// Parse returns the selectors and grouping labels of a PromQL expression.
func Parse(expr string) (Refs, error) {
	expr = grafanaVariables.ReplaceAllString(expr, "5m")
	toks, err := tokenize(expr)
	if err != nil {
		return Refs{}, err
	}
	var refs Refs
	for i := 0; i < len(toks); i++ {
		if i, err = refs.add(toks, i); err != nil {
			return Refs{}, err
		}
	}
	return refs, nil
}

// add records what the token at toks[i] starts, and returns the index of its last token.
func (refs *Refs) add(toks []token, i int) (int, error) {
	t := toks[i]
	followedBy := func(text string) bool { return i+1 < len(toks) && toks[i+1].text == text }
	switch {
	case t.kind == tokIdent && groupingKeywords[t.text]:
		if !followedBy("(") {
			return i, nil
		}
		labels, end, err := identList(toks, i+1)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", t.text, err)
		}
		refs.GroupingLabels = append(refs.GroupingLabels, labels...)
		return end, nil
	case t.kind == tokIdent && (notMetrics[t.text] || followedBy("(")):
		return i, nil // a keyword, an operator, or a function call
	case t.kind == tokIdent:
		sel := Selector{Metric: t.text}
		if !followedBy("{") {
			refs.Selectors = append(refs.Selectors, sel)
			return i, nil
		}
		matchers, end, err := matcherList(toks, i+1)
		if err != nil {
			return 0, fmt.Errorf("selector %s: %w", t.text, err)
		}
		sel.Matchers = matchers
		refs.Selectors = append(refs.Selectors, sel)
		return end, nil
	case t.text == "{":
		// A selector without a metric name: {__name__="x", ...}.
		matchers, end, err := matcherList(toks, i)
		if err != nil {
			return 0, err
		}
		sel := Selector{Matchers: matchers}
		for _, m := range matchers {
			if m.Label == nameLabel && m.Op == "=" {
				sel.Metric = m.Value
			}
		}
		refs.Selectors = append(refs.Selectors, sel)
		return end, nil
	}
	return i, nil
}

// identList reads "(a, b, ...)" starting at the "(" at toks[start]; it returns the names and the index
// of the ")".
func identList(toks []token, start int) ([]string, int, error) {
	var names []string
	for i := start + 1; i < len(toks); i++ {
		switch {
		case toks[i].text == ")":
			return names, i, nil
		case toks[i].text == ",":
		case toks[i].kind == tokIdent:
			names = append(names, toks[i].text)
		default:
			return nil, 0, fmt.Errorf("unexpected %q in a label list", toks[i].text)
		}
	}
	return nil, 0, fmt.Errorf("unclosed label list")
}

// matcherList reads "{label op "value", ...}" starting at the "{" at toks[start]; it returns the
// matchers and the index of the "}".
func matcherList(toks []token, start int) ([]Matcher, int, error) {
	var matchers []Matcher
	for i := start + 1; i < len(toks); i++ {
		switch {
		case toks[i].text == "}":
			return matchers, i, nil
		case toks[i].text == ",":
		case toks[i].kind == tokString && (i+1 >= len(toks) || toks[i+1].kind != tokOp):
			// A quoted metric name inside braces (Prometheus 3): {"metric.name"}.
			matchers = append(matchers, Matcher{Label: nameLabel, Op: "=", Value: toks[i].text})
		case toks[i].kind == tokIdent || toks[i].kind == tokString:
			// A label name (quoted names are allowed since Prometheus 3), an operator, a string.
			if i+2 >= len(toks) || toks[i+1].kind != tokOp || toks[i+2].kind != tokString {
				return nil, 0, fmt.Errorf("label matcher at %q is not <label> <op> <string>", toks[i].text)
			}
			if !slices.Contains([]string{"=", "!=", "=~", "!~"}, toks[i+1].text) {
				return nil, 0, fmt.Errorf("unknown matcher operator %q", toks[i+1].text)
			}
			matchers = append(matchers, Matcher{Label: toks[i].text, Op: toks[i+1].text, Value: toks[i+2].text})
			i += 2
		default:
			return nil, 0, fmt.Errorf("unexpected %q in a selector", toks[i].text)
		}
	}
	return nil, 0, fmt.Errorf("unclosed selector")
}

type tokenKind int

const (
	tokIdent tokenKind = iota
	tokString
	tokNumber
	tokOp
	tokPunct
)

type token struct {
	kind tokenKind
	text string // a string token's text is its unquoted value
}

// tokenize splits a PromQL expression into identifiers, strings, numbers, operators and punctuation.
// Range and subquery brackets ([5m], [1h:5m]) and comments are dropped.
func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		tok, end, err := scan(s, i)
		if err != nil {
			return nil, err
		}
		if tok != nil {
			toks = append(toks, *tok)
		}
		i = end
	}
	return toks, nil
}

// scan reads the token at s[i]: it returns it (nil for space, comments and ranges) and the offset
// after it.
func scan(s string, i int) (*token, int, error) {
	if end, skipped, err := skip(s, i); skipped || err != nil {
		return nil, end, err
	}
	c := s[i]
	switch {
	case c == '"' || c == '\'' || c == '`':
		value, end, err := unquote(s, i)
		return &token{tokString, value}, end, err
	case isIdentStart(c):
		j := i + 1
		for j < len(s) && isIdentPart(s[j]) {
			j++
		}
		return &token{tokIdent, s[i:j]}, j, nil
	case c >= '0' && c <= '9' || c == '.':
		return scanNumber(s, i)
	case strings.IndexByte("(){},", c) >= 0:
		return &token{tokPunct, string(c)}, i + 1, nil
	case strings.IndexByte("=!~<>+-*/%^@:", c) >= 0:
		j := i + 1
		if j < len(s) && strings.IndexByte("=~", s[j]) >= 0 {
			j++
		}
		return &token{tokOp, s[i:j]}, j, nil
	}
	return nil, 0, fmt.Errorf("unexpected %q at offset %d", c, i)
}

// skip reports whether s[i] starts space, a comment or a range selector, and the offset after it.
func skip(s string, i int) (int, bool, error) {
	switch s[i] {
	case ' ', '\t', '\n', '\r':
		return i + 1, true, nil
	case '#':
		if end := strings.IndexByte(s[i:], '\n'); end >= 0 {
			return i + end, true, nil
		}
		return len(s), true, nil
	case '[':
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return 0, true, fmt.Errorf("unclosed [ at offset %d", i)
		}
		return i + end + 1, true, nil
	}
	return i, false, nil
}

// scanNumber reads a number or a duration (1e-3, 0x1f, 5m, 1h30m) at s[i].
func scanNumber(s string, i int) (*token, int, error) {
	j := i + 1
	for j < len(s) {
		exponentSign := (s[j] == '+' || s[j] == '-') && (s[j-1] == 'e' || s[j-1] == 'E')
		if !isIdentPart(s[j]) && s[j] != '.' && !exponentSign {
			break
		}
		j++
	}
	return &token{tokNumber, s[i:j]}, j, nil
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// unquote reads the string literal starting at s[start] and returns its value and the offset after
// it. Backquoted strings have no escapes; in the others a backslash escapes the next character.
func unquote(s string, start int) (string, int, error) {
	quote := s[start]
	var b strings.Builder
	for i := start + 1; i < len(s); i++ {
		switch {
		case s[i] == quote:
			return b.String(), i + 1, nil
		case s[i] == '\\' && quote != '`' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unclosed string at offset %d", start)
}

// FromRules returns the expressions of a rules document: a PrometheusRule object or a Prometheus
// rule file (groups at the top), in YAML.
func FromRules(data []byte) ([]Expression, error) {
	var doc struct {
		Spec   *ruleGroups `json:"spec"`
		Groups []ruleGroup `json:"groups"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	groups := doc.Groups
	if doc.Spec != nil {
		groups = doc.Spec.Groups
	}
	var out []Expression
	for _, g := range groups {
		for _, r := range g.Rules {
			name := "alert " + r.Alert
			if r.Alert == "" {
				name = "record " + r.Record
			}
			out = append(out, Expression{Source: name, Expr: r.Expr})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no rules")
	}
	return out, nil
}

type ruleGroups struct {
	Groups []ruleGroup `json:"groups"`
}

type ruleGroup struct {
	Rules []struct {
		Alert  string `json:"alert"`
		Record string `json:"record"`
		Expr   string `json:"expr"`
	} `json:"rules"`
}

// labelValues is Grafana's label_values(metric, label) query of a template variable.
var labelValues = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

// FromDashboard returns the expressions of a Grafana dashboard: every panel target's expr (rows'
// nested panels included) and every template variable's query. A label_values(selector, label)
// query becomes "count by (label) (selector)", which refers to the same metric and label.
func FromDashboard(data []byte) ([]Expression, error) {
	var dash struct {
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		return nil, err
	}
	var out []Expression
	var walk func([]panel)
	walk = func(panels []panel) {
		for _, p := range panels {
			for _, t := range p.Targets {
				if t.Expr != "" {
					out = append(out, Expression{Source: fmt.Sprintf("panel %q target %s", p.Title, t.RefID), Expr: t.Expr})
				}
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		var query string
		if json.Unmarshal(v.Query, &query) != nil {
			var q struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(v.Query, &q); err != nil {
				return nil, fmt.Errorf("variable %s: %w", v.Name, err)
			}
			query = q.Query
		}
		if m := labelValues.FindStringSubmatch(query); m != nil {
			query = fmt.Sprintf("count by (%s) (%s)", m[2], m[1])
		}
		out = append(out, Expression{Source: "variable " + v.Name, Expr: query})
	}
	return out, nil
}

type panel struct {
	Title   string `json:"title"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}
