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

package msgraph_test

import (
	"testing"

	. "github.com/onsi/gomega"
)

// TestFindTaggedApplication finds, among applications of one display name, the one carrying the
// marker, with its service principal.
func TestFindTaggedApplication(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	c := e.client(t, secretCredentials())
	ctx := ctxFor(t)

	other, err := c.InstantiateApplication(ctx, "advisors")
	g.Expect(err).NotTo(HaveOccurred())
	ours, err := c.InstantiateApplication(ctx, "advisors")
	g.Expect(err).NotTo(HaveOccurred())

	found, err := c.FindTaggedApplication(ctx, "advisors", "scim-operator:uid-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found).To(BeNil(), "nothing is tagged yet")

	g.Expect(c.TagApplication(ctx, ours.ApplicationObjectID, []string{"scim-operator:uid-1"})).To(Succeed())
	found, err = c.FindTaggedApplication(ctx, "advisors", "scim-operator:uid-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found).NotTo(BeNil())
	g.Expect(found.ID).To(Equal(ours.ID))
	g.Expect(found.ApplicationObjectID).To(Equal(ours.ApplicationObjectID))
	g.Expect(found.AppID).To(Equal(ours.AppID))
	g.Expect(found.ID).NotTo(Equal(other.ID))

	found, err = c.FindTaggedApplication(ctx, "rooms", "scim-operator:uid-1")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found).To(BeNil(), "another display name")

	g.Expect(c.TagApplication(ctx, "00000000-0000-0000-0000-000000000000", []string{"x"})).To(MatchError(ContainSubstring("404")))
}
