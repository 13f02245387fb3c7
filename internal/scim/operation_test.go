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

package scim

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestOperation(t *testing.T) {
	g := NewWithT(t)
	for _, tc := range []struct{ method, rest, want string }{
		{"GET", "/Users", opList}, {"POST", "/Users", opCreate}, {"GET", "/Users/x", opGet},
		{"PUT", "/Users/x", opReplace}, {"PATCH", "/Users/x", opPatch}, {"DELETE", "/Users/x", opDelete},
		{"GET", "/Groups", opGroups}, {"GET", "/Schemas/urn:x", opDiscovery}, {"GET", "/ServiceProviderConfig", opDiscovery},
		{"DELETE", "/Users", opUnknown}, {"GET", "/Widgets", opUnknown},
	} {
		g.Expect(operation(tc.method, tc.rest)).To(Equal(tc.want), "%s %s", tc.method, tc.rest)
	}
}
