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
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	elimityfilter "github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	. "github.com/onsi/gomega"

	"github.com/andmoney/scim-operator/internal/scim/filter"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// elimityFilter is what elimity does with a filter before the handler runs (its getFilterValidator): trim,
// parse, validate against the resource type's schema plus the common attributes.
func elimityFilter(kind *model.KindSpec, f string) (elimityfilter.Validator, error) {
	s := userSchema(kind)
	attrs := make([]schema.CoreAttribute, len(s.Attributes), len(s.Attributes)+len(schema.CommonAttributes()))
	copy(attrs, s.Attributes)
	s.Attributes = append(attrs, schema.CommonAttributes()...)
	v, err := elimityfilter.NewValidator(strings.TrimSpace(f), s)
	if err != nil {
		return v, err
	}
	return v, v.Validate()
}

// FuzzFastFilterIsElimitys checks the fast path against elimity's own handling, for both kinds: a filter
// the fast path takes, elimity accepts, with the same expression, and both compile to the same query.
func FuzzFastFilterIsElimitys(f *testing.F) {
	for _, s := range []string{
		`userName eq "Ada.Lovelace@contoso.com"`, `externalId eq "6c1f"`, `id eq "x"`, `USERNAME eq "x"`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, `urn:ietf:params:scim:schemas:core:2.0:User:ID eq "x"`,
		`userName eq "a" and externalId eq "b" AND id eq "c"`, `userName eq "a" or id eq "b"`, `userName  eq "a"`,
		`displayName eq "a"`, `userName eq "a\"b"`, `URN:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := filter.ParseFast(s)
		if !ok {
			return
		}
		for _, kind := range model.BuiltinKinds() {
			v, err := elimityFilter(kind, s)
			if err != nil {
				t.Fatalf("%s %q: the fast path takes a filter elimity refuses: %v", kind, s, err)
			}
			if !reflect.DeepEqual(fast, v.GetFilter()) {
				t.Fatalf("%s %q: fast path %#v, elimity %#v", kind, s, fast, v.GetFilter())
			}
			qf, errF := filter.Compile(kind, fast)
			qe, errE := filter.Compile(kind, v.GetFilter())
			if errF != nil || errE != nil || qf.Index != qe.Index || qf.Key != qe.Key {
				t.Fatalf("%s %q: queries differ: %+v %v / %+v %v", kind, s, qf, errF, qe, errE)
			}
		}
	})
}

// TestParseListRequest checks the list parameters as elimity reads them: the first filter parameter is
// the filter (by the fast path or the general parser, to the same expression), paging is defaulted,
// capped and checked.
func TestParseListRequest(t *testing.T) {
	type want struct {
		filter            string // "" for none
		startIndex, count int
		scimType          string
		detail            string // A part of the error's detail.
	}
	tests := map[string]struct {
		rawQuery string
		want     want
	}{
		"Entra's lookup":     {`filter=userName+eq+"a"`, want{filter: `userName eq "a"`, startIndex: 1, count: 50}},
		"with paging":        {`startIndex=2&filter=userName%20eq%20%22a%22&count=7`, want{filter: `userName eq "a"`, startIndex: 2, count: 7}},
		"second filter":      {`filter=userName+eq+"a"&filter=displayName+eq+"b"`, want{filter: `userName eq "a"`, startIndex: 1, count: 50}},
		"first filter slow":  {`filter=displayName+eq+"b"&filter=userName+eq+"a"`, want{filter: `displayName eq "b"`, startIndex: 1, count: 50}},
		"no filter":          {`count=5`, want{startIndex: 1, count: 5}},
		"empty filter":       {`filter=`, want{startIndex: 1, count: 50}},
		"general filter":     {`filter=userName+sw+"a"`, want{filter: `userName sw "a"`, startIndex: 1, count: 50}},
		"count capped":       {`count=500&startIndex=0`, want{startIndex: 1, count: 50}},
		"negative count":     {`count=-3`, want{startIndex: 1, count: 0}},
		"bad count":          {`count=abc&filter=userName+eq+"a"`, want{detail: "Invalid parameter provided in request: count."}},
		"bad filter":         {`filter=nickName+eq+"a"`, want{scimType: "invalidFilter", detail: "filter"}},
		"undecodable filter": {`filter=userName+eq+"%zz"`, want{startIndex: 1, count: 50}},
	}
	filterSchema := withCommonAttributes(userSchema(model.AdvisorKind))
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			q, _ := url.ParseQuery(tc.rawQuery)
			req, scimErr := parseListRequest(q, filterSchema, 50)
			if tc.want.detail != "" {
				g.Expect(scimErr).NotTo(BeNil())
				g.Expect(scimErr.Status).To(Equal(http.StatusBadRequest))
				g.Expect(string(scimErr.ScimType)).To(Equal(tc.want.scimType))
				g.Expect(scimErr.Detail).To(ContainSubstring(tc.want.detail))
				return
			}
			g.Expect(scimErr).To(BeNil())
			g.Expect(req.startIndex).To(Equal(tc.want.startIndex))
			g.Expect(req.count).To(Equal(tc.want.count))
			if tc.want.filter == "" {
				g.Expect(req.filter).To(BeNil())
				return
			}
			v, err := elimityFilter(model.AdvisorKind, tc.want.filter)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(req.filter).To(Equal(v.GetFilter()))
		})
	}
}

// BenchmarkFilter compares the fast path with elimity's parse and validation, for Entra's lookup.
func BenchmarkFilter(b *testing.B) {
	const f = `userName eq "0F7C8E9A-5B1D-4C2E-9A77-3E1D2C4B5A69@contoso.com"`
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e, ok := filter.ParseFast(f)
			if !ok {
				b.Fatal("not taken")
			}
			if _, err := filter.Compile(model.AdvisorKind, e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("elimity", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, err := elimityFilter(model.AdvisorKind, f)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := filter.Compile(model.AdvisorKind, v.GetFilter()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
