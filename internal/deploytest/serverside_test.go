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
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// argoCDManager is the field manager Argo CD applies with.
const argoCDManager = "argocd-controller"

// TestServerSideReapplyHasNoDiff proves what Argo CD's ServerSideDiff=true needs from the chart: after
// the production render (with a bank, as values onboard one) is server-side applied to a real API
// server, a server-side apply dry-run of the same render predicts every object exactly as it is live.
// That dry-run is how Argo CD computes a server-side diff, so defaults filled in by the CRDs' schemas
// and by the admission policy show as no difference, and no ignoreDifferences rule is needed.
func TestServerSideReapplyHasNoDiff(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	bank := writeValues(t, `
scimTenants:
- name: ssa-contoso
  spec:
    environment: Production
    tenantID: 0c5d2a7e-3f6b-4b8a-9d51-6e2f1a7c4b90
    clientID: 5a1f3c2e-8b7d-4e6a-a9c0-2d4f6b8e1a37
    credentials:
      clientSecret: {name: contoso-graph-credentials, key: client-secret}
scimApplications:
- name: ssa-contoso-advisors
  spec:
    tenantRef: {name: ssa-contoso}
    resourceType: advisors
    tokenSecretRef: {name: contoso-advisors-scim-token, key: token}
`)
	objs := mustTemplate(g, ctx, "--values", valuesFile("production"), "--values", bank)
	g.Expect(find(objs, "MutatingAdmissionPolicy")).To(HaveLen(1))

	// In Argo CD's order: CRDs and cluster policy first, the bank objects last.
	var first, rest, last []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "CustomResourceDefinition", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding":
			first = append(first, o)
		case "ScimTenant", "ScimApplication":
			last = append(last, o)
		default:
			rest = append(rest, o)
		}
	}
	for _, o := range first {
		g.Expect(serverSideApply(ctx, o, false)).To(Succeed(), o.GetKind()+" "+o.GetName())
	}
	for _, o := range find(first, "CustomResourceDefinition") {
		g.Eventually(func(g Gomega) {
			crd := o.DeepCopy()
			g.Expect(dryRun.Get(ctx, client.ObjectKey{Name: o.GetName()}, crd)).To(Succeed())
			conditions, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			g.Expect(conditions).To(ContainElement(And(
				HaveKeyWithValue("type", "Established"), HaveKeyWithValue("status", "True"))))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	}
	// The admission policy takes effect a moment after it is created; until then a ScimApplication
	// would be stored without the seed mappings it adds.
	app := find(last, "ScimApplication")[0]
	g.Eventually(func(g Gomega) {
		predicted := app.DeepCopy()
		g.Expect(applyPredicted(ctx, predicted)).To(Succeed())
		mappings, _, _ := unstructured.NestedSlice(predicted.Object, "spec", "mappings")
		g.Expect(mappings).NotTo(BeEmpty())
	}).WithTimeout(30 * time.Second).Should(Succeed())
	for _, o := range append(rest, last...) {
		g.Expect(serverSideApply(ctx, o, false)).To(Succeed(), o.GetKind()+" "+o.GetName())
	}

	for _, o := range objs {
		id := o.GetKind() + " " + o.GetName()
		live := o.DeepCopy()
		g.Expect(dryRun.Get(ctx, client.ObjectKeyFromObject(withNamespace(live)), live)).To(Succeed(), id)
		predicted := o.DeepCopy()
		g.Expect(applyPredicted(ctx, predicted)).To(Succeed(), id)
		g.Expect(cmp.Diff(comparable(live), comparable(predicted))).To(BeEmpty(), "server-side diff of "+id)
	}
	// The test can fail: a change of a defaulted field is a difference.
	changed := find(last, "ScimApplication")[0].DeepCopy()
	g.Expect(unstructured.SetNestedField(changed.Object, "Delete", "spec", "deletionPolicy")).To(Succeed())
	live := changed.DeepCopy()
	g.Expect(dryRun.Get(ctx, client.ObjectKeyFromObject(withNamespace(live)), live)).To(Succeed())
	g.Expect(applyPredicted(ctx, changed)).To(Succeed())
	g.Expect(cmp.Diff(comparable(live), comparable(changed))).NotTo(BeEmpty())
}

// serverSideApply applies obj as Argo CD does with ServerSideApply=true, leaving obj as it is.
func serverSideApply(ctx context.Context, obj *unstructured.Unstructured, dry bool) error {
	obj = obj.DeepCopy()
	opts := []client.ApplyOption{client.FieldOwner(argoCDManager), client.ForceOwnership}
	if dry {
		opts = append(opts, client.DryRunAll)
	}
	return dryRun.Apply(ctx, client.ApplyConfigurationFromUnstructured(withNamespace(obj)), opts...)
}

// applyPredicted replaces obj with what a server-side apply dry-run of it returns.
func applyPredicted(ctx context.Context, obj *unstructured.Unstructured) error {
	withNamespace(obj)
	ac := client.ApplyConfigurationFromUnstructured(obj)
	if err := dryRun.Apply(ctx, ac, client.FieldOwner(argoCDManager), client.ForceOwnership, client.DryRunAll); err != nil {
		return err
	}
	return nil
}

func withNamespace(obj *unstructured.Unstructured) *unstructured.Unstructured {
	if namespaced, err := dryRun.IsObjectNamespaced(obj); err == nil && namespaced && obj.GetNamespace() == "" {
		obj.SetNamespace(namespace)
	}
	return obj
}

// comparable drops what a diff ignores: who manages which field.
func comparable(obj *unstructured.Unstructured) map[string]any {
	c := obj.DeepCopy()
	c.SetManagedFields(nil)
	return c.Object
}
