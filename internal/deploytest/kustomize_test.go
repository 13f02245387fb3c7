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
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func kustomizeBuild(g Gomega, ctx context.Context, dir string) []*unstructured.Unstructured {
	out, err := command(ctx, kustomize, "build", dir)
	g.Expect(err).NotTo(HaveOccurred())
	objs, err := decode(out)
	g.Expect(err).NotTo(HaveOccurred())
	return objs
}

// TestKustomizeDefault builds the installer (what make build-installer writes to dist/install.yaml)
// and has the API server accept every object in a dry-run.
func TestKustomizeDefault(t *testing.T) {
	g := NewWithT(t)
	objs := kustomizeBuild(g, t.Context(), "config/default")
	g.Expect(applyDryRun(t.Context(), objs)).To(BeEmpty())

	// Every CRD controller-gen writes is installed: config/crd/kustomization.yaml lists them all.
	g.Expect(find(objs, "CustomResourceDefinition")).To(HaveLen(len(crdFiles(g))))
	for _, o := range objs {
		if o.GetNamespace() != "" {
			g.Expect(o.GetNamespace()).To(Equal(namespace), o.GetKind()+" "+o.GetName())
		}
	}

	var deploy appsv1.Deployment
	g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(
		named(g, objs, "Deployment", "scim-operator-controller-manager").Object, &deploy)).To(Succeed())
	g.Expect(deploy.Spec.Replicas).To(HaveValue(BeNumerically(">", 1)))
	g.Expect(deploy.Spec.Template.Spec.TerminationGracePeriodSeconds).To(HaveValue(BeNumerically(">=", 30)))
	g.Expect(deploy.Spec.Template.Spec.ServiceAccountName).To(Equal("scim-operator-controller-manager"))
	g.Expect(deploy.Spec.Template.Spec.Containers[0].Args).To(ContainElements(
		"--leader-elect", "--metrics-bind-address=:8443", "--scim-bind-address=:8080"))

	// The binding follows the admission policy's prefixed name.
	policy := named(g, objs, "MutatingAdmissionPolicy", "scim-operator-scimapplication-mapping-defaults.scim.andmoney.dk")
	binding := named(g, objs, "MutatingAdmissionPolicyBinding", policy.GetName())
	g.Expect(binding.Object["spec"]).To(HaveKeyWithValue("policyName", policy.GetName()))

	// Role bindings name roles and service accounts that exist.
	for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
		for _, b := range find(objs, kind) {
			roleKind, _, _ := unstructured.NestedString(b.Object, "roleRef", "kind")
			roleName, _, _ := unstructured.NestedString(b.Object, "roleRef", "name")
			named(g, objs, roleKind, roleName)
			subjects, _, _ := unstructured.NestedSlice(b.Object, "subjects")
			for _, s := range subjects {
				named(g, objs, "ServiceAccount", s.(map[string]any)["name"].(string))
			}
		}
	}
}

// TestKustomizePrometheus builds config/default with its [PROMETHEUS] lines uncommented, as the
// comment there tells, and has the API server accept the ServiceMonitor and the PrometheusRule.
func TestKustomizePrometheus(t *testing.T) {
	g := NewWithT(t)
	objs := kustomizeBuild(g, t.Context(), prometheusOverlay(t))
	g.Expect(find(objs, "ServiceMonitor")).To(HaveLen(1))
	g.Expect(find(objs, "PrometheusRule")).To(HaveLen(1))
	g.Expect(applyDryRun(t.Context(), append(find(objs, "ServiceMonitor"), find(objs, "PrometheusRule")...))).To(BeEmpty())
}

// prometheusOverlay copies config/ into a temporary directory with the [PROMETHEUS] resource of
// config/default uncommented, and returns the copy of config/default.
func prometheusOverlay(t *testing.T) string {
	g := NewWithT(t)
	dst := filepath.Join(t.TempDir(), "config")
	src := filepath.Join(root, "config")
	g.Expect(filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})).To(Succeed())

	path := filepath.Join(dst, "default", "kustomization.yaml")
	data, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	const commented = "#components:\n#- ../prometheus\n"
	g.Expect(string(data)).To(ContainSubstring(commented))
	g.Expect(os.WriteFile(path, []byte(strings.Replace(string(data), commented, "components:\n- ../prometheus\n", 1)), 0o644)).To(Succeed())
	return filepath.Join(dst, "default")
}
