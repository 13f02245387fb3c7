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

package patch

import (
	"math/rand/v2"
	"testing"

	scimfilter "github.com/scim2/filter-parser/v2"
)

// TestSimplePathAgreesWithTheParser checks the shortcut against the general parser: every path it splits,
// the parser parses to the same attribute and sub-attribute, with no value filter.
func TestSimplePathAgreesWithTheParser(t *testing.T) {
	paths := []string{"displayName", "name.familyName", "name.givenName", "active", "userName", "externalId",
		"a", "a-b_c9", "x.y", "emails", "nickName", "name.formatted", "9a", "a.", ".a", "a..b", "a.b.c",
		"a b", "$ref", "name[x]", "addresses[type eq \"work\"].formatted", "urn:x:y", "é", "a.9"}
	const alphabet = "aZ09-_.[]\" $:é"
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]rune, 1+rng.IntN(8))
		for i := range b {
			b[i] = []rune(alphabet)[rng.IntN(len([]rune(alphabet)))]
		}
		paths = append(paths, string(b))
	}
	simple := 0
	for _, path := range paths {
		attr, sub, ok := simplePath(path)
		if !ok {
			continue
		}
		simple++
		p, err := scimfilter.ParsePath([]byte(path))
		if err != nil {
			t.Errorf("%q: split as %q.%q, but the parser refuses it: %v", path, attr, sub, err)
			continue
		}
		gotSub := p.AttributePath.SubAttributeName()
		if p.AttributePath.AttributeName != attr || gotSub != sub || p.ValueExpression != nil || p.SubAttribute != nil {
			t.Errorf("%q: split as %q.%q, parsed as %+v", path, attr, sub, p)
		}
	}
	if simple < 100 {
		t.Fatalf("only %d paths took the shortcut: the test checks too little", simple)
	}
}
