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
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

// denyRecordLabel marks the ScimApplications whose created-service-principal annotation the API
// server refuses to store, as an API server that is down between the two steps would.
const denyRecordLabel = "test.scim.andmoney.dk/deny-record"

// TestFailedRecordCreatesNoSecondApplication: the operator creates the Entra application, then
// cannot record it on the ScimApplication. Each later pass finds the application by its marker
// instead of creating another one, and records it once the API server accepts the write.
func TestFailedRecordCreatesNoSecondApplication(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	denyRecording(t, ns)
	createTenant(t, ns, nil)
	app := createApp(t, ns, v1.ResourceTypeAdvisors, func(a *v1.ScimApplication) {
		a.Labels = map[string]string{denyRecordLabel: "true"}
	})
	named := func() []simulator.Application {
		var out []simulator.Application
		for _, a := range sim.Applications() {
			if a.DisplayName == app.Spec.DisplayName {
				out = append(out, a)
			}
		}
		return out
	}
	// The application is created, and several passes fail to record it.
	g.Eventually(named).WithTimeout(time.Minute).Should(HaveLen(1))
	g.Eventually(func() int { return sim.CallCount("GET /applications") }).WithTimeout(time.Minute).
		Should(BeNumerically(">=", 3), "passes that looked for the application")
	g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
	g.Expect(app.Annotations).NotTo(HaveKey(v1.CreatedServicePrincipalAnnotation))
	g.Expect(named()).To(HaveLen(1), "a pass created a second application")

	// The API server is back: the one application is recorded and configured.
	patch := client.MergeFrom(app.DeepCopy())
	delete(app.Labels, denyRecordLabel)
	g.Expect(k8s.Patch(t.Context(), app, patch)).To(Succeed())
	appCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, "")
	g.Expect(named()).To(ConsistOf(HaveField("ServicePrincipalID", app.Status.ServicePrincipalID)))
	g.Expect(app.Annotations).To(HaveKeyWithValue(v1.CreatedServicePrincipalAnnotation, app.Status.ServicePrincipalID))
	g.Expect(app.Status.Origin).To(Equal(v1.OriginCreated))
}

// denyRecording makes the API server refuse, in namespace ns, to add the created-service-principal
// annotation to a ScimApplication labelled denyRecordLabel, and waits until it does.
func denyRecording(t *testing.T, ns string) {
	t.Helper()
	g := NewWithT(t)
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "deny-record-" + ns},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: new(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{v1.GroupVersion.Group},
						APIVersions: []string{v1.GroupVersion.Version}, Resources: []string{"scimapplications"}},
				},
			}}},
			Validations: []admissionregistrationv1.Validation{{
				Expression: "!has(object.metadata.annotations) || !('" + v1.CreatedServicePrincipalAnnotation + "' in object.metadata.annotations)",
				Message:    "the API server is down (test)",
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "deny-record-" + ns},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}},
				ObjectSelector:    &metav1.LabelSelector{MatchLabels: map[string]string{denyRecordLabel: "true"}},
			},
		},
	}
	g.Expect(k8s.Create(t.Context(), policy)).To(Succeed())
	g.Expect(k8s.Create(t.Context(), binding)).To(Succeed())
	t.Cleanup(func() {
		_ = k8s.Delete(context.Background(), binding)
		_ = k8s.Delete(context.Background(), policy)
	})
	// A probe names no tenant, so the operator calls no Graph for it.
	probe := &v1.ScimApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probe", Labels: map[string]string{denyRecordLabel: "true"}},
		Spec: v1.ScimApplicationSpec{TenantRef: v1.LocalObjectReference{Name: "none"}, ResourceType: v1.ResourceTypeRooms,
			TokenSecretRef: v1.SecretKeySelector{Name: "none", Key: "token"}},
	}
	g.Expect(k8s.Create(t.Context(), probe)).To(Succeed())
	g.Eventually(func() error {
		g := NewWithT(t)
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(probe), probe)).To(Succeed())
		patch := client.MergeFrom(probe.DeepCopy())
		metav1.SetMetaDataAnnotation(&probe.ObjectMeta, v1.CreatedServicePrincipalAnnotation, "probe")
		return k8s.Patch(t.Context(), probe, patch)
	}).WithTimeout(30 * time.Second).Should(MatchError(ContainSubstring("the API server is down")))
}
