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

package controller

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/andmoney/scim-operator/internal/graph"
)

// TestSecretsHashHoldsNoToken: the status hash changes with the token Secret's version, and the same
// hash cannot be computed from the token.
func TestSecretsHashHoldsNoToken(t *testing.T) {
	g := NewWithT(t)
	set := func(token string) []graph.Secret {
		return []graph.Secret{{Key: "BaseAddress", Value: "https://x/advisors/scim"}, {Key: secretTokenKey, Value: token}}
	}
	g.Expect(secretsHash(set("a"), "1")).To(Equal(secretsHash(set("b"), "1")), "the token value is not hashed")
	g.Expect(secretsHash(set("a"), "1")).NotTo(Equal(secretsHash(set("a"), "2")), "a new Secret version is pushed again")
	g.Expect(secretsHash(set("a"), "1")).NotTo(Equal(hashOf("BaseAddress", "https://x/advisors/scim", secretTokenKey, "a")))
}
