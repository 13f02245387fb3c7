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
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	elimity "github.com/elimity-com/scim"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/patch"
)

// recordingHandler is a handler behind elimity that keeps the operations elimity hands it for a PATCH and
// answers with a stored record.
type recordingHandler struct {
	storelessHandler
	got *[]elimity.PatchOperation
}

func (h recordingHandler) Patch(_ *http.Request, _ string, ops []elimity.PatchOperation) (elimity.Resource, error) {
	*h.got = ops
	return h.resource(storedRecord(model.User{UserName: "u"})), nil
}

// throughElimityPatch is what elimity hands the handler for a PATCH body, after the endpoint's
// normalisation (patch.Normalize), and whether it accepted the body at all.
func throughElimityPatch(tb testing.TB, server elimity.Server, got *[]elimity.PatchOperation, kind *model.KindSpec,
	body string) ([]elimity.PatchOperation, bool) {
	tb.Helper()
	*got = nil
	normalized, _ := patch.Normalize([]byte(body), kind)
	w := httptest.NewRecorder()
	server.ServeHTTP(w, httptest.NewRequest(http.MethodPatch, "/Users/"+storedRecord(model.User{}).ID, bytes.NewReader(normalized)))
	return *got, w.Code == http.StatusOK
}

// entraPatchBodies are the PATCH bodies Entra sends, in both of its shapes (legacy, and
// aadOptscim062020's path-less replace), which servePatch must answer itself.
var entraPatchBodies = []string{
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	{"op":"Replace","path":"displayName","value":"Ada King"},{"op":"Replace","path":"name.familyName","value":"King"},
	{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"Room 9.01"},
	{"op":"Replace","path":"externalId","value":"6c1f2a9e"},{"op":"Add","path":"name.givenName","value":"Ada"}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	{"op":"replace","path":"addresses[type eq \"work\"].formatted","value":"Room 9.01"},
	{"op":"replace","value":{"displayName":"Ada King","name.givenName":"Ada","name.familyName":"King",
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"E17"}}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"active":"False"}}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"userName","value":"ada@bank.dk"}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":null},
	{"op":"Remove","path":"addresses[type eq \"work\"].formatted"}]}`,
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"nickName","value":"A"}]}`,
}

// TestPatchOperationsLikeElimity holds patch.Operations, which servePatch answers PATCH with, to
// elimity-com/scim's validation, which it stands in for: for every body it reads, elimity accepts the
// normalised body and hands the handler the very same operations (op, path as parsed, value as
// validated). Every body of Entra's must be read (else servePatch would not be used for Entra at all); a
// body it does not read goes to elimity, so it needs no comparison. Besides Entra's bodies, it tries
// thousands of generated ones, from every kind of op name, path, value and schemas member.
func TestPatchOperationsLikeElimity(t *testing.T) {
	bodies := generatedPatchBodies(4000)
	for _, kind := range []*model.KindSpec{model.AdvisorKind, model.RoomKind} {
		var got []elimity.PatchOperation
		server := elimityWith(t, kind, "https://api.booking.andmoney.dk/x/scim",
			recordingHandler{storelessHandler{userHandler{kind: kind}}, &got})
		against := bodySchema(kind)
		read, refused := 0, 0
		for i, body := range append(slices.Clone(entraPatchBodies), bodies...) {
			ops, _, ok := patch.Operations([]byte(body), kind, against)
			want, accepted := throughElimityPatch(t, server, &got, kind, body)
			if !accepted {
				refused++
			}
			if i < len(entraPatchBodies) && !ok {
				t.Errorf("%s: Entra's body %s is left to elimity", kind, body)
			}
			if !ok {
				continue
			}
			read++
			if !accepted {
				t.Errorf("%s: read %s, which elimity refuses", kind, body)
				continue
			}
			if !reflect.DeepEqual(ops, want) {
				t.Errorf("%s: %s\n read as %s\nelimity %s", kind, body, showOps(ops), showOps(want))
			}
		}
		t.Logf("%s: %d of %d bodies read beside elimity; elimity refused %d", kind, read, len(bodies)+len(entraPatchBodies), refused)
		if read < len(bodies)/10 || refused < len(bodies)/10 {
			t.Errorf("%s: %d bodies read, %d refused by elimity: the generated bodies test too little", kind, read, refused)
		}
	}
}

// showOps prints operations with their paths spelled out.
func showOps(ops []elimity.PatchOperation) string {
	var b strings.Builder
	for _, op := range ops {
		path := "<none>"
		if op.Path != nil {
			path = op.Path.String()
		}
		v, _ := json.Marshal(op.Value)
		b.WriteString(op.Op + " " + path + " " + string(v) + fmt.Sprintf(" (%T); ", op.Value))
	}
	return b.String()
}

// generatedPatchBodies makes n PATCH bodies of one to three operations each, drawn from op names, paths and
// values that elimity accepts (mostly, so that many bodies pass) and refuses, and schemas members right and
// wrong.
func generatedPatchBodies(n int) []string {
	opNames := [2][]string{{`"add"`, `"Add"`, `"replace"`, `"Replace"`, `"REPLACE"`, `"remove"`, `"Remove"`}, {`"merge"`, `1`, `null`, `""`}}
	paths := [2][]string{{"displayName", "DisplayName", "userName", "active", "Active", "externalId", "name.givenName",
		"name.FamilyName", "Name.givenName", "name.formatted", "nickName", "title", `addresses[type eq \"work\"].formatted`,
		`addresses[type eq \"Work\"].Formatted`, `addresses[type eq \"home\"].formatted`, `addresses[type eq \"work\"].type`,
		`addresses[type eq \"work\"].streetAddress`, "urn:ietf:params:scim:schemas:core:2.0:User:displayName",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", `emails[type eq \"work\"].value`},
		{"name", "id", "meta", "schemas", `addresses[type eq \"work\"]`, `addresses[type eq \"work\"].bogus`,
			`addresses[primary eq true].formatted`, "addresses", "addresses.formatted", "userName.x", "displayName.x", "active.x",
			"name.givenName.x", "bogus", "a b", "", `name[type eq \"x\"]`, `displayName[type eq \"x\"]`, `addresses[type eq \"w\\\"x\"]`}}
	values := [2][]string{{`"x"`, `""`, `"False"`, `"true"`, `true`, `false`, `"Åse Østergård"`, `null`},
		{`1`, `1.5`, `{}`, `{"givenName":"G"}`, `{"formatted":"F","type":"work"}`, `[{"type":"work","formatted":"F"}]`,
			`["x"]`, `[]`, `{"id":"x"}`, `"2026-12-07T00:00:00Z"`}}
	schemas := [2][]string{{`"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],`,
		`"Schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],`},
		{``, `"schemas":[],`, `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp","urn:x"],`,
			`"schemas":"urn:ietf:params:scim:api:messages:2.0:PatchOp",`, `"schemas":["urn:ietf:params:scim:api:messages:2.0:patchop"],`,
			`"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"SCHEMAS":["urn:x"],`}}
	rng := rand.New(rand.NewPCG(7, 8))
	// pick draws from the good half of a pool four times in five.
	pick := func(pool [2][]string) string {
		s := pool[0]
		if rng.IntN(5) == 0 {
			s = pool[1]
		}
		return s[rng.IntN(len(s))]
	}
	out := make([]string, 0, n)
	for range n {
		var ops []string
		for range 1 + rng.IntN(3) {
			var members []string
			if rng.IntN(20) > 0 {
				members = append(members, `"op":`+pick(opNames))
			}
			if rng.IntN(15) > 0 {
				members = append(members, `"path":"`+pick(paths)+`"`)
			}
			if rng.IntN(6) > 0 {
				members = append(members, `"value":`+pick(values))
			}
			if rng.IntN(30) == 0 {
				members = append(members, `"Op":"add"`)
			}
			if rng.IntN(30) == 0 {
				members = append(members, `"extra":1`)
			}
			ops = append(ops, "{"+strings.Join(members, ",")+"}")
		}
		out = append(out, "{"+pick(schemas)+`"Operations":[`+strings.Join(ops, ",")+"]}")
	}
	return out
}

// BenchmarkPatchBody compares the cost of reading Entra's PATCH bodies and answering with the record,
// through elimity (as the endpoint did before servePatch) and beside it (patch.Operations, renderBody),
// with no store behind either: applying the operations and storing the record cost the same both ways.
func BenchmarkPatchBody(b *testing.B) {
	kind, base := model.AdvisorKind, "https://api.booking.andmoney.dk/advisors/scim"
	var got []elimity.PatchOperation
	server := elimityWith(b, kind, base, recordingHandler{storelessHandler{userHandler{kind: kind}}, &got})
	against := bodySchema(kind)
	rec := storedRecord(model.User{UserName: "u"})
	for name, body := range map[string]string{"disable": entraPatchBodies[0], "legacy": entraPatchBodies[2]} {
		b.Run(name+"/through elimity", func(b *testing.B) {
			for b.Loop() {
				if _, ok := throughElimityPatch(b, server, &got, kind, body); !ok {
					b.Fatal("refused")
				}
			}
		})
		b.Run(name+"/beside elimity", func(b *testing.B) {
			for b.Loop() {
				if _, _, ok := patch.Operations([]byte(body), kind, against); !ok {
					b.Fatal("not read")
				}
				if _, err := renderBody(kind, rec, base, projection{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
