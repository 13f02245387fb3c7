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
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestArgoCDHealthCheck runs the health check of docs/argocd/argocd-cm-health.yaml with gopher-lua and
// only the libraries Argo CD opens for custom health checks, on objects in each state.
func TestArgoCDHealthCheck(t *testing.T) {
	g := NewWithT(t)
	cms, err := decodeFile("docs/argocd/argocd-cm-health.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cms).To(HaveLen(1))
	data, _, _ := unstructured.NestedStringMap(cms[0].Object, "data")
	scripts := map[string]string{}
	for _, kind := range []string{"ScimTenant", "ScimApplication"} {
		script := data["resource.customizations.health.scim.andmoney.dk_"+kind]
		g.Expect(script).NotTo(BeEmpty(), kind)
		path := filepath.Join(t.TempDir(), kind+".lua")
		g.Expect(os.WriteFile(path, []byte(script), 0o600)).To(Succeed())
		scripts[kind] = path
	}

	runner := filepath.Join(t.TempDir(), "argocd-lua")
	_, err = command(t.Context(), "go", "-C", filepath.Join("hack", "tools", "argocd-lua"), "build", "-o", runner, ".")
	g.Expect(err).NotTo(HaveOccurred())

	cond := func(typ, status, reason, message string, generation int) map[string]any {
		return map[string]any{"type": typ, "status": status, "reason": reason, "message": message, "observedGeneration": generation}
	}
	cases := map[string]struct {
		conditions  []any // nil: no status at all
		wantStatus  string
		wantMessage string
	}{
		"new object without status": {wantStatus: "Progressing", wantMessage: "Waiting for the operator"},
		"no Ready condition yet": {
			conditions: []any{cond("Reconciling", "True", "Progressing", "Creating the application", 2)},
			wantStatus: "Progressing", wantMessage: "Waiting for the operator",
		},
		"ready": {
			conditions: []any{cond("Ready", "True", "Succeeded", "Provisioning is active", 2)},
			wantStatus: "Healthy", wantMessage: "Provisioning is active",
		},
		"ready for an older generation": {
			conditions: []any{cond("Ready", "True", "Succeeded", "Provisioning is active", 1)},
			wantStatus: "Progressing", wantMessage: "generation 2",
		},
		"stalled": {
			conditions: []any{
				cond("Ready", "False", "SecretNotFound", `Secret "graph" not found`, 2),
				cond("Stalled", "True", "SecretNotFound", `Secret "graph" not found`, 2),
			},
			wantStatus: "Degraded", wantMessage: `Secret "graph" not found`,
		},
		"quarantined": {
			conditions: []any{cond("Ready", "False", "Quarantined", "Entra quarantined the job", 2)},
			wantStatus: "Degraded", wantMessage: "Entra quarantined the job",
		},
		"waiting for the tenant": {
			conditions: []any{cond("Ready", "False", "DependencyNotReady", "ScimTenant contoso is not Ready", 2)},
			wantStatus: "Progressing", wantMessage: "ScimTenant contoso",
		},
		"reconciling": {
			conditions: []any{
				cond("Ready", "False", "GraphError", "Request_BadRequest", 2),
				cond("Reconciling", "True", "Progressing", "Updating the mappings", 2),
			},
			wantStatus: "Progressing", wantMessage: "Request_BadRequest",
		},
		"unknown": {
			conditions: []any{cond("Ready", "Unknown", "Progressing", "Reconciling", 2)},
			wantStatus: "Progressing", wantMessage: "Reconciling",
		},
	}
	for kind, script := range scripts {
		for name, tc := range cases {
			t.Run(kind+"/"+name, func(t *testing.T) {
				g := NewWithT(t)
				obj := map[string]any{
					"apiVersion": "scim.andmoney.dk/v1alpha1", "kind": kind,
					"metadata": map[string]any{"name": "contoso", "namespace": "banks", "generation": 2},
					"spec":     map[string]any{},
				}
				if tc.conditions != nil {
					obj["status"] = map[string]any{"conditions": tc.conditions}
				}
				in, err := json.Marshal(obj)
				g.Expect(err).NotTo(HaveOccurred())
				cmd := exec.CommandContext(t.Context(), runner, script)
				cmd.Stdin = bytes.NewReader(in)
				out, err := cmd.Output()
				g.Expect(err).NotTo(HaveOccurred(), string(exitStderr(err)))
				var got map[string]string
				g.Expect(json.Unmarshal(out, &got)).To(Succeed())
				g.Expect(got).To(HaveKeyWithValue("status", tc.wantStatus))
				g.Expect(got).To(HaveKeyWithValue("message", ContainSubstring(tc.wantMessage)))
			})
		}
	}
}

// TestArgoCDApplicationSet checks that every environment of the ApplicationSet has a values file,
// that the sync options the issue requires are set, and that the chart rendered as Argo CD renders it
// (values file plus the ApplicationSet's valuesObject) is accepted by the API server.
func TestArgoCDApplicationSet(t *testing.T) {
	g := NewWithT(t)
	docs, err := decodeFile("docs/argocd/applicationset.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(docs).To(HaveLen(1))
	appSet := docs[0]
	g.Expect(appSet.GetKind()).To(Equal("ApplicationSet"))

	generators, _, _ := unstructured.NestedSlice(appSet.Object, "spec", "generators")
	g.Expect(generators).To(HaveLen(1))
	elements, _, _ := unstructured.NestedSlice(generators[0].(map[string]any), "list", "elements")
	var envs []string
	for _, e := range elements {
		envs = append(envs, e.(map[string]any)["environment"].(string))
	}
	g.Expect(envs).To(ConsistOf("test", "production"))

	source, _, _ := unstructured.NestedMap(appSet.Object, "spec", "template", "spec", "source")
	g.Expect(source).To(HaveKeyWithValue("path", chart))
	valueFiles, _, _ := unstructured.NestedStringSlice(source, "helm", "valueFiles")
	g.Expect(valueFiles).To(Equal([]string{"values-{{ .environment }}.yaml"}))
	syncOptions, _, _ := unstructured.NestedStringSlice(appSet.Object, "spec", "template", "spec", "syncPolicy", "syncOptions")
	g.Expect(syncOptions).To(ContainElements("ServerSideApply=true", "CreateNamespace=true"))
	destination, _, _ := unstructured.NestedString(appSet.Object, "spec", "template", "spec", "destination", "namespace")
	g.Expect(destination).To(Equal(namespace))

	valuesObject, _, _ := unstructured.NestedMap(source, "helm", "valuesObject")
	g.Expect(valuesObject).NotTo(BeEmpty())
	asJSON, err := json.Marshal(valuesObject)
	g.Expect(err).NotTo(HaveOccurred())
	fromAppSet := writeValues(t, string(asJSON))
	for _, env := range envs {
		values := strings.ReplaceAll(valueFiles[0], "{{ .environment }}", env)
		objs := mustTemplate(g, t.Context(), "--values", filepath.Join(chart, values), "--values", fromAppSet)
		g.Expect(applyDryRun(t.Context(), objs)).To(BeEmpty(), env)
		for _, crd := range find(objs, "CustomResourceDefinition") {
			g.Expect(crd.GetAnnotations()).To(HaveKeyWithValue("argocd.argoproj.io/sync-options", ContainSubstring("ServerSideApply=true")))
		}
	}
}

func decodeFile(rel string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return nil, err
	}
	return decode(string(data))
}

func exitStderr(err error) []byte {
	if exit, ok := errors.AsType[*exec.ExitError](err); ok {
		return exit.Stderr
	}
	return nil
}

// TestArgoCDSafety checks what makes the Argo CD files safe to copy: an AppProject that the
// Applications use instead of default, Production pinned to a release tag, server-side diff, and no
// way for a prune to delete a bank's Entra application (production values and every bank directory
// default ScimApplications to deletionPolicy Orphan; the bank objects are accepted by the API server).
func TestArgoCDSafety(t *testing.T) {
	g := NewWithT(t)
	projects, err := decodeFile("docs/argocd/appproject.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(projects).To(HaveLen(1))
	project := projects[0]
	g.Expect(project.GetKind()).To(Equal("AppProject"))
	blacklist, _, _ := unstructured.NestedSlice(project.Object, "spec", "namespaceResourceBlacklist")
	g.Expect(blacklist).To(ContainElements(HaveKeyWithValue("kind", "Advisor"), HaveKeyWithValue("kind", "Room")))

	for _, file := range []string{"docs/argocd/applicationset.yaml", "docs/argocd/bank-applications.yaml"} {
		docs, err := decodeFile(file)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(docs).To(HaveLen(1))
		tmpl, _, _ := unstructured.NestedMap(docs[0].Object, "spec", "template")
		g.Expect(tmpl).To(HaveKeyWithValue("spec", HaveKeyWithValue("project", project.GetName())), file)
		annotations, _, _ := unstructured.NestedStringMap(tmpl, "metadata", "annotations")
		g.Expect(annotations).To(HaveKeyWithValue("argocd.argoproj.io/compare-options", ContainSubstring("ServerSideDiff=true")), file)
	}

	appSet, err := decodeFile("docs/argocd/applicationset.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	generators, _, _ := unstructured.NestedSlice(appSet[0].Object, "spec", "generators")
	elements, _, _ := unstructured.NestedSlice(generators[0].(map[string]any), "list", "elements")
	for _, e := range elements {
		e := e.(map[string]any)
		if e["environment"] == "production" {
			g.Expect(e["revision"]).To(MatchRegexp(`^v[0-9]+\.[0-9]+\.[0-9]+$`), "production is pinned to a release tag")
		}
	}

	// Production values: a ScimApplication that says nothing is Orphan; one that says Delete keeps it.
	objs := mustTemplate(g, t.Context(), "--values", valuesFile("production"), "--set-json",
		`scimApplications=[{"name":"a","spec":{"tenantRef":{"name":"t"},"resourceType":"advisors","tokenSecretRef":{"name":"s","key":"token"}}},`+
			`{"name":"b","spec":{"tenantRef":{"name":"t"},"resourceType":"rooms","tokenSecretRef":{"name":"s","key":"token"},"deletionPolicy":"Delete"}}]`)
	policies := map[string]string{}
	for _, app := range find(objs, "ScimApplication") {
		policies[app.GetName()], _, _ = unstructured.NestedString(app.Object, "spec", "deletionPolicy")
	}
	g.Expect(policies).To(Equal(map[string]string{"a": "Orphan", "b": "Delete"}))
	objs = mustTemplate(g, t.Context(), "--values", valuesFile("test"), "--set-json",
		`scimApplications=[{"name":"a","spec":{"tenantRef":{"name":"t"},"resourceType":"advisors","tokenSecretRef":{"name":"s","key":"token"}}}]`)
	g.Expect(find(objs, "ScimApplication")[0].Object).NotTo(HaveKeyWithValue("spec", HaveKey("deletionPolicy")))

	banks, err := filepath.Glob(filepath.Join(root, "docs", "argocd", "banks", "*", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(banks).NotTo(BeEmpty())
	for _, file := range banks {
		rel, _ := filepath.Rel(root, file)
		bankObjs, err := decodeFile(rel)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(find(bankObjs, "ScimApplication")).NotTo(BeEmpty(), rel)
		for _, app := range find(bankObjs, "ScimApplication") {
			policy, _, _ := unstructured.NestedString(app.Object, "spec", "deletionPolicy")
			g.Expect(policy).To(Equal("Orphan"), rel+" "+app.GetName())
		}
		g.Expect(applyDryRun(t.Context(), bankObjs)).To(BeEmpty(), rel)
	}
}
