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
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// TestCacheWithoutManagedFields checks the manager's cache as cmd/main.go configures it: records are
// cached without managedFields, and the store's updates, made from those cached copies, still succeed and
// leave the API server's managedFields in place (an update without them keeps them).
func TestCacheWithoutManagedFields(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	id := e.create("Ada.Lovelace@contoso.com")
	recs := records(t, e)
	g.Expect(recs).To(HaveLen(1))
	g.Expect(recs[0].GetManagedFields()).NotTo(BeEmpty(), "the API server tracks field managers")

	cached := &v1.Advisor{}
	g.Expect(testMgr.GetCache().Get(t.Context(), client.ObjectKeyFromObject(recs[0]), cached)).To(Succeed())
	g.Expect(cached.ManagedFields).To(BeEmpty())

	r := e.do(http.MethodPatch, "/Users/"+id, patchBody(`{"op":"Replace","path":"displayName","value":"Countess"}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	g.Expect(r.body).To(HaveKeyWithValue("displayName", "Countess"))
	recs = records(t, e)
	g.Expect(recs).To(HaveLen(1))
	g.Expect(recs[0].GetManagedFields()).NotTo(BeEmpty())
	g.Eventually(func(g Gomega) {
		g.Expect(testMgr.GetCache().Get(t.Context(), client.ObjectKeyFromObject(recs[0]), cached)).To(Succeed())
		g.Expect(cached.ResourceVersion).To(Equal(recs[0].GetResourceVersion()))
		g.Expect(cached.ManagedFields).To(BeEmpty())
	}).WithTimeout(10 * time.Second).WithPolling(10 * time.Millisecond).Should(Succeed())
}
