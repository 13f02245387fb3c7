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
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// Desk is a throw-away third record kind that exists only in this test: its Go type, its CRD and its
// KindSpec are all here, and the SCIM endpoint serves it without a production file knowing of it.
type Desk struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitzero"`
	Spec              DeskSpec `json:"spec"`
}

// DeskSpec keeps the shared record fields and, like a Room, no name.
type DeskSpec struct {
	v1.RecordFields `json:",inline"`
}

// DeskList is a list of Desks.
type DeskList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []Desk `json:"items"`
}

func (d *Desk) DeepCopyObject() runtime.Object {
	out := &Desk{TypeMeta: d.TypeMeta}
	d.DeepCopyInto(&out.ObjectMeta)
	d.Spec.DeepCopyInto(&out.Spec.RecordFields)
	return out
}

func (l *DeskList) DeepCopyObject() runtime.Object {
	out := &DeskList{TypeMeta: l.TypeMeta}
	l.DeepCopyInto(&out.ListMeta)
	for i := range l.Items {
		out.Items = append(out.Items, *l.Items[i].DeepCopyObject().(*Desk))
	}
	return out
}

const desks = model.Kind("desks")

var deskKind = &model.KindSpec{
	Kind:        desks,
	Prefix:      "/desks/scim",
	HasName:     false,
	Description: "A desk, a kind only this test knows.",
	NewObject:   func() client.Object { return &Desk{} },
	NewList:     func() client.ObjectList { return &DeskList{} },
	Items: func(list client.ObjectList, fn func(client.Object)) {
		l := list.(*DeskList)
		for i := range l.Items {
			fn(&l.Items[i])
		}
	},
	UserOf: func(obj client.Object) model.User { return model.FromFields(&obj.(*Desk).Spec.RecordFields) },
	SetUser: func(obj client.Object, u model.User) {
		if u.UserName == panicUserName {
			panic("test panic") // See TestPanicIsA500.
		}
		obj.(*Desk).Spec.RecordFields = u.Fields()
	},
}

// panicUserName makes a Desk write panic inside the request.
const panicUserName = "panic@contoso.com"

const deskCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: desks.scim.andmoney.dk
spec:
  group: scim.andmoney.dk
  names: {kind: Desk, listKind: DeskList, plural: desks, singular: desk}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

// installDesks teaches the control plane the Desk kind before the suite's manager starts: the Desk CRD,
// and "desks" as a ScimApplication resourceType (test clusters only).
func installDesks(ctx context.Context) error {
	cluster.Scheme.AddKnownTypes(v1.GroupVersion, &Desk{}, &DeskList{})
	if err := cluster.ApplyYAML(ctx, []byte(deskCRD), ""); err != nil {
		return fmt.Errorf("install the Desk CRD: %w", err)
	}
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	if err := cluster.Client.Get(ctx, client.ObjectKey{Name: "scimapplications.scim.andmoney.dk"}, crd); err != nil {
		return err
	}
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, ver := range versions {
		path := []string{"schema", "openAPIV3Schema", "properties", "spec", "properties", "resourceType", "enum"}
		enum, _, _ := unstructured.NestedSlice(ver.(map[string]any), path...)
		if err := unstructured.SetNestedSlice(ver.(map[string]any), append(enum, string(desks)), path...); err != nil {
			return err
		}
	}
	if err := unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions"); err != nil {
		return err
	}
	if err := cluster.Client.Update(ctx, crd); err != nil {
		return fmt.Errorf("add desks to the ScimApplication resourceTypes: %w", err)
	}
	// Both changes take effect a moment after they are stored.
	probe := &v1.ScimApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "desk-probe"},
		Spec: v1.ScimApplicationSpec{
			TenantRef: v1.LocalObjectReference{Name: "contoso"}, ResourceType: desks,
			TokenSecretRef: v1.SecretKeySelector{Name: "none", Key: "token"},
		},
	}
	var err error
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = cluster.Client.Create(ctx, probe, client.DryRunAll); err != nil {
			continue
		}
		if err = cluster.Client.List(ctx, &DeskList{}); err == nil {
			return nil
		}
	}
	return fmt.Errorf("the control plane did not learn the Desk kind: %w", err)
}

// TestThrowAwayKindRoundTrips serves a kind defined only in this file: a record goes in through the
// endpoint, is stored as a Desk, is found by filter, patched, and deleted, and a name is refused as on a
// Room, because the Desk's KindSpec says it keeps none.
func TestThrowAwayKindRoundTrips(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), desks)
	g.Expect(e.prefix).To(Equal(deskKind.Prefix))

	r := e.do(http.MethodPost, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"Desk-1@contoso.com","externalId":"d1","active":true,"displayName":"Desk 1",
		"addresses":[{"type":"work","formatted":"Floor 3"}]}`)
	g.Expect(r.status).To(Equal(http.StatusCreated), "%s", r.raw)
	id := r.body["id"].(string)

	stored := &DeskList{}
	g.Expect(cluster.Client.List(t.Context(), stored, client.InNamespace(e.app.Namespace),
		client.MatchingLabels{v1.ApplicationLabel: e.app.Name})).To(Succeed())
	g.Expect(stored.Items).To(HaveLen(1))
	g.Expect(stored.Items[0].Labels).To(HaveKeyWithValue(v1.RecordIDLabel, id))
	g.Expect(stored.Items[0].Spec.UserName).To(Equal("Desk-1@contoso.com"))
	g.Expect(stored.Items[0].Spec.WorkAddress.Formatted).To(Equal("Floor 3"))

	r = e.do(http.MethodGet, `/Users?filter=userName+eq+"desk-1@contoso.com"`, "")
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	g.Expect(r.body).To(HaveKeyWithValue("totalResults", BeNumerically("==", 1)))

	r = e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"Replace","path":"active","value":"False"}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	g.Expect(r.body).To(HaveKeyWithValue("active", false))

	// A desk keeps no name: a name is ignored, as any attribute a kind does not store.
	r = e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"add","path":"name.givenName","value":"X"}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	g.Expect(r.body).NotTo(HaveKey("name"))

	g.Expect(e.do(http.MethodDelete, "/Users/"+id, "").status).To(Equal(http.StatusNoContent))
	g.Eventually(func() int { return e.do(http.MethodGet, "/Users/"+id, "").status }).Should(Equal(http.StatusNotFound))
}
