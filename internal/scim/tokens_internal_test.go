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
	"crypto/sha256"
	"maps"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// row is the row Reconcile builds for an application whose Secret holds token ("" for none).
func row(name string, kind *model.KindSpec, token string) *appEntry {
	e := &appEntry{app: store.App{Namespace: "ns", Name: name, Kind: kind}}
	if token != "" {
		e.digest = sha256.Sum256([]byte(token))
	}
	return e
}

func accepts(t *tokens, token string, kind *model.KindSpec) bool {
	_, ok := t.lookup([]byte(token), kind.Kind)
	return ok
}

// TestRotationCarriesThePreviousToken walks the table through a rotation without the API server: the
// previous token is kept only once Entra has been given one, until the controller records that Entra
// has the new one, and never past the overlap.
func TestRotationCarriesThePreviousToken(t *testing.T) {
	g := NewWithT(t)
	tt := newTokens(nil, nil, model.BuiltinKinds())
	app := types.NamespacedName{Namespace: "ns", Name: "a"}
	kind := model.AdvisorKind

	// Before Entra was given any token, a rotation keeps nothing.
	tt.set(app, row("a", kind, "first"), "")
	tt.set(app, row("a", kind, "second"), "")
	g.Expect(accepts(tt, "first", kind)).To(BeFalse())
	g.Expect(accepts(tt, "second", kind)).To(BeTrue())

	// Entra has "second"; the Secret moves on to "third": both work, also across unrelated changes.
	tt.set(app, row("a", kind, "second"), "pushed-second")
	tt.set(app, row("a", kind, "third"), "pushed-second")
	tt.set(app, row("a", kind, "third"), "pushed-second")
	g.Expect(accepts(tt, "second", kind)).To(BeTrue())
	g.Expect(accepts(tt, "third", kind)).To(BeTrue())
	g.Expect(accepts(tt, "second", model.RoomKind)).To(BeFalse(), "a token opens only its own kind")

	// The controller pushed "third": the previous token stops.
	tt.set(app, row("a", kind, "third"), "pushed-third")
	g.Expect(accepts(tt, "second", kind)).To(BeFalse())
	g.Expect(accepts(tt, "third", kind)).To(BeTrue())

	// Going back to the previous token ends the rotation: one token, not two.
	tt.set(app, row("a", kind, "fourth"), "pushed-third")
	g.Expect(accepts(tt, "third", kind)).To(BeTrue())
	tt.set(app, row("a", kind, "third"), "pushed-third")
	g.Expect(accepts(tt, "fourth", kind)).To(BeFalse())
	g.Expect(tt.table.Load().rows[app].previousUntil.IsZero()).To(BeTrue())

	// The overlap ends at rotationOverlap even while Entra never gets the new token.
	tt.set(app, row("a", kind, "fifth"), "pushed-third")
	until := tt.table.Load().rows[app].previousUntil
	g.Expect(until).To(BeTemporally("~", time.Now().Add(rotationOverlap), time.Minute))
	expire(tt, app)
	g.Expect(accepts(tt, "third", kind)).To(BeFalse())
	g.Expect(accepts(tt, "fifth", kind)).To(BeTrue())

	// An application being deleted, or gone, accepts nothing.
	tt.set(app, row("a", kind, ""), "pushed-third")
	g.Expect(accepts(tt, "fifth", kind)).To(BeFalse())
	tt.set(app, row("a", kind, "sixth"), "pushed-third")
	tt.set(app, nil, "")
	g.Expect(accepts(tt, "sixth", kind)).To(BeFalse())
	g.Expect(tt.applications()).To(BeEmpty())
}

// expire publishes the application's row with its overlap in the past, as an hour without the new
// token leaves it. The row is put in place first, so that set has no running overlap to carry, and set
// then republishes the index (it keeps the previous token of the row it is given).
func expire(tt *tokens, app types.NamespacedName) {
	old := tt.table.Load()
	rows := maps.Clone(old.rows)
	r := rows[app]
	r.previousUntil = time.Now().Add(-time.Second)
	rows[app] = r
	tt.table.Store(&table{rows: rows, byDigest: old.byDigest})
	tt.set(app, &r, r.pushedHash)
}

// TestSharedTokenOpensNeither: a token two applications of one kind share selects neither of them.
func TestSharedTokenOpensNeither(t *testing.T) {
	g := NewWithT(t)
	tt := newTokens(nil, nil, model.BuiltinKinds())
	tt.set(types.NamespacedName{Namespace: "ns", Name: "a"}, row("a", model.AdvisorKind, "shared"), "")
	tt.set(types.NamespacedName{Namespace: "ns", Name: "b"}, row("b", model.AdvisorKind, "shared"), "")
	tt.set(types.NamespacedName{Namespace: "ns", Name: "c"}, row("c", model.RoomKind, "shared"), "")
	g.Expect(accepts(tt, "shared", model.AdvisorKind)).To(BeFalse())
	e, ok := tt.lookup([]byte("shared"), model.RoomKind.Kind)
	g.Expect(ok).To(BeTrue())
	g.Expect(e.app.Name).To(Equal("c"))
	g.Expect(accepts(tt, "", model.RoomKind)).To(BeFalse(), "no token opens nothing")
}

// TestStaleReconcileDoesNotWin: a refresh reconciles outside the controller's queue, so a reconcile
// that read the Secret before a rotation can land after one that read it after; the row keeps the
// newer Secret's token and the carried previous one.
func TestStaleReconcileDoesNotWin(t *testing.T) {
	g := NewWithT(t)
	tt := newTokens(nil, nil, model.BuiltinKinds())
	app := types.NamespacedName{Namespace: "ns", Name: "a"}
	kind := model.AdvisorKind
	at := func(token, version string) *appEntry {
		e := row("a", kind, token)
		e.secretVersion = version
		return e
	}
	tt.set(app, at("old", "10"), "pushed-old")
	tt.set(app, at("next", "11"), "pushed-old") // The rotation.
	tt.set(app, at("old", "10"), "pushed-old")  // A reconcile that read the Secret before it.
	g.Expect(accepts(tt, "next", kind)).To(BeTrue())
	g.Expect(accepts(tt, "old", kind)).To(BeTrue(), "Entra still holds the old token")
	tt.set(app, at("next", "11"), "pushed-next")
	g.Expect(accepts(tt, "old", kind)).To(BeFalse())
}
