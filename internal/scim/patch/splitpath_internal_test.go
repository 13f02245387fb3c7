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
	"reflect"
	"testing"

	scimfilter "github.com/scim2/filter-parser/v2"
)

// TestSimplePathAgreesWithTheParser checks the shortcut against the general parser: every path it splits,
// the parser parses to the same attribute and sub-attribute, with no value filter, and to the very Path
// quickPath builds.
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
		if quick, ok := quickPath(path); !ok || !reflect.DeepEqual(quick, p) {
			t.Errorf("%q: quickPath gives %+v (%v), the parser %+v", path, quick, ok, p)
		}
	}
	if simple < 100 {
		t.Fatalf("only %d paths took the shortcut: the test checks too little", simple)
	}
}

// TestTypedPathAgreesWithTheParser checks the second shortcut against the general parser: every path
// splitPath takes as `attr[type eq "typ"]` or `attr[type eq "typ"].sub` without the parser, the parser
// parses to the same attribute, value filter and sub-attribute: to the very Path quickPath builds.
func TestTypedPathAgreesWithTheParser(t *testing.T) {
	paths := []string{`addresses[type eq "work"].formatted`, `addresses[type eq "work"]`, `addresses[type eq "home"].Formatted`,
		`emails[type eq "work"].value`, `addresses[type eq ""].formatted`, `addresses[type eq "a b"].x`, `a[type eq "w"].`,
		`addresses[type eq "wo\"rk"].formatted`, `addresses[type eq "w\\"].formatted`, `addresses[type eq "w"]x`, `[type eq "w"]`,
		`9a[type eq "w"]`, `addresses[type eq "é"]`, `addresses[type eq "w"].a.b`, `addresses[type eq "w"]].x`,
		`addresses[Type eq "work"]`, `addresses[type EQ "work"]`, `addresses[type eq "work" and primary eq true].formatted`}
	names := []string{"addresses", "emails", "a", "x-y_9", "9a", "", "a b", "name.givenName", "é"}
	const alphabet = "wrk aZ09\"\\]. é\t$"
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		typ := make([]rune, rng.IntN(6))
		for i := range typ {
			typ[i] = []rune(alphabet)[rng.IntN(len([]rune(alphabet)))]
		}
		path := names[rng.IntN(len(names))] + `[type eq "` + string(typ) + `"]`
		if rng.IntN(3) > 0 {
			path += "." + names[rng.IntN(len(names))]
		}
		paths = append(paths, path)
	}
	typed := 0
	for _, path := range paths {
		if _, _, ok := simplePath(path); ok {
			continue
		}
		attr, typ, sub, ok := typedPath(path)
		if !ok {
			continue
		}
		typed++
		p, err := scimfilter.ParsePath([]byte(path))
		if err != nil {
			t.Errorf("%q: split as %q, %q, %q, but the parser refuses it: %v", path, attr, typ, sub, err)
			continue
		}
		gotAttr, gotSub, gotFilter, _ := splitPath(path)
		quick, ok := quickPath(path)
		if gotAttr != attr || gotSub != sub || !ok || !reflect.DeepEqual(p, quick) || !reflect.DeepEqual(p.ValueExpression, gotFilter) {
			t.Errorf("%q: split as %q, %+v, %q, quickPath %+v; parsed as %+v", path, attr, gotFilter, sub, quick, p)
		}
	}
	if typed < 1000 {
		t.Fatalf("only %d paths took the shortcut: the test checks too little", typed)
	}
}

// BenchmarkSplitPath compares, for Entra's PATCH paths, splitPath's shortcuts with the general parser they
// stand in for (docs/benchmarks.md, sixth pass).
func BenchmarkSplitPath(b *testing.B) {
	for _, path := range []string{"displayName", "name.familyName", `addresses[type eq "work"].formatted`} {
		b.Run(path+"/shortcut", func(b *testing.B) {
			for b.Loop() {
				if _, _, _, ok := splitPath(path); !ok {
					b.Fatal(path)
				}
			}
		})
		b.Run(path+"/parser", func(b *testing.B) {
			for b.Loop() {
				if _, err := scimfilter.ParsePath([]byte(path)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
