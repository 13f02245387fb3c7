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
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// The invariants these tests race the endpoint against (see the store's package comment):
//
//	I1 one record per folded userName per application: its object's name is derived from it;
//	I2 one current object per SCIM id: two objects carry one id only inside a rename, and then one is
//	   marked renaming-to the other (idWatch checks every event a watcher sees);
//	I3 a create and a rename onto one userName: exactly one wins;
//	I4 delete then re-create: the re-create succeeds once the delete has;
//	I5 rename away, then re-create the old userName: it is free once the rename has answered.

// TestParallelCreatesOfOneName races 50 POSTs of one userName (in varying case): exactly one wins, the
// rest get 409 uniqueness, and exactly one object exists.
func TestParallelCreatesOfOneName(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	ids := watchIDs(t, e)
	var (
		mu    sync.Mutex
		codes = map[int]int{}
		wg    sync.WaitGroup
	)
	for i := range 50 {
		wg.Go(func() {
			name := "race@contoso.com"
			if i%2 == 1 {
				name = strings.ToUpper(name)
			}
			r := e.do(http.MethodPost, "/Users", userBody(e.prefix, name, fmt.Sprint(i)))
			mu.Lock()
			defer mu.Unlock()
			codes[r.status]++
			if r.status != http.StatusCreated {
				g.Expect(r.body).To(HaveKeyWithValue("scimType", "uniqueness"), "%s", r.raw)
			}
		})
	}
	wg.Wait()
	g.Expect(codes).To(Equal(map[int]int{http.StatusCreated: 1, http.StatusConflict: 49}))
	g.Expect(records(t, e)).To(HaveLen(1))
	ids.check(g)
}

// TestOneWritePerCreate counts the store's API writes: a create of a fresh userName is exactly one
// Create, and a create of a userName the cache shows taken is none.
func TestOneWritePerCreate(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	app := store.App{Namespace: e.app.Namespace, Name: e.app.Name, Kind: model.AdvisorKind}
	writes := &countingWriter{Client: testMgr.GetClient(), counts: map[string]int{}}
	st := newStore(t, writes, store.DefaultOptions())
	const n = 20
	for i := range n {
		_, err := st.Create(t.Context(), app, model.User{UserName: fmt.Sprintf("fresh%d@contoso.com", i), Active: true})
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(writes.snapshot()).To(Equal(map[string]int{"create": n}))
	_, err := st.Create(t.Context(), app, model.User{UserName: "FRESH0@contoso.com", Active: true})
	g.Expect(err).To(MatchError(store.ErrUserNameTaken))
	g.Expect(writes.snapshot()).To(Equal(map[string]int{"create": n}))
}

// TestRenames checks that a rename keeps the id and meta.created, that renaming onto a taken userName is
// a 409 that leaves the record as it was, and that the old userName is free afterwards.
func TestRenames(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
	ids := watchIDs(t, e)
	a, _ := e.create("a@contoso.com"), e.create("b@contoso.com")
	before := e.do(http.MethodGet, "/Users/"+a, "")

	expectError(g, rename(e, a, "B@CONTOSO.COM"), http.StatusConflict, "uniqueness")
	r := rename(e, a, "A@contoso.com") // Only the case changes: the same object.
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	r = rename(e, a, "c@contoso.com")
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	g.Expect(r.body).To(HaveKeyWithValue("id", a))
	g.Expect(r.body["meta"]).To(HaveKeyWithValue("created", before.body["meta"].(map[string]any)["created"]))
	got := e.do(http.MethodGet, "/Users/"+a, "")
	g.Expect(got.body).To(HaveKeyWithValue("userName", "c@contoso.com"))
	g.Expect(e.create("a@contoso.com")).NotTo(Equal(a), "the old userName is free")
	expectError(g, e.do(http.MethodPost, "/Users", userBody(e.prefix, "C@contoso.com", "x")), http.StatusConflict, "uniqueness")
	g.Expect(records(t, e)).To(HaveLen(3))
	for _, obj := range records(t, e) {
		g.Expect(obj.GetAnnotations()).NotTo(HaveKey(v1.RenamingToAnnotation), "no rename left open")
	}
	ids.check(g)
}

// TestRacedRenames races, per round, two renames of two records onto one userName against two creates
// of it (I3: exactly one wins), two renames of one record to two names, and a rename away against a
// create of the old userName (I5).
func TestRacedRenames(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
	ids := watchIDs(t, e)
	var wg sync.WaitGroup
	for round := range 5 {
		target := fmt.Sprintf("target%d@contoso.com", round)
		x, y := e.create(fmt.Sprintf("x%d@contoso.com", round)), e.create(fmt.Sprintf("y%d@contoso.com", round))
		var results [4]response
		wg.Go(func() { results[0] = rename(e, x, target) })
		wg.Go(func() { results[1] = rename(e, y, strings.ToUpper(target)) })
		wg.Go(func() { results[2] = e.do(http.MethodPost, "/Users", userBody(e.prefix, target, "p1")) })
		wg.Go(func() { results[3] = e.do(http.MethodPost, "/Users", userBody(e.prefix, target, "p2")) })
		wg.Wait()
		wins := 0
		for _, r := range results {
			switch r.status {
			case http.StatusOK, http.StatusCreated:
				wins++
			default:
				expectError(g, r, http.StatusConflict, "uniqueness")
			}
		}
		g.Expect(wins).To(Equal(1), "round %d: %v", round, results)
		g.Expect(holders(t, e, target)).To(Equal(1), "round %d", round)

		// One record, two renames at once: both may apply one after the other; the record ends as one
		// object holding one of the names, and the other name is free.
		z := e.create(fmt.Sprintf("z%d@contoso.com", round))
		first, second := fmt.Sprintf("first%d@contoso.com", round), fmt.Sprintf("second%d@contoso.com", round)
		var r1, r2 response
		wg.Go(func() { r1 = rename(e, z, first) })
		wg.Go(func() { r2 = rename(e, z, second) })
		wg.Wait()
		for _, r := range []response{r1, r2} {
			g.Expect(r.status).To(BeElementOf(http.StatusOK, http.StatusServiceUnavailable), "%s", r.raw)
		}
		final := e.do(http.MethodGet, "/Users/"+z, "").body["userName"]
		g.Expect(final).To(BeElementOf(first, second))
		g.Expect(holders(t, e, first) + holders(t, e, second)).To(Equal(1))
		free := first
		if final == first {
			free = second
		}
		g.Expect(e.create(free)).NotTo(BeEmpty())

		// Rename away against a create of the old userName: the create wins only if the rename went
		// first; either way each name has at most one holder and the record holds its new name.
		old := fmt.Sprintf("old%d@contoso.com", round)
		w := e.create(old)
		var rr, cr response
		wg.Go(func() { rr = rename(e, w, fmt.Sprintf("new%d@contoso.com", round)) })
		wg.Go(func() { cr = e.do(http.MethodPost, "/Users", userBody(e.prefix, old, "again")) })
		wg.Wait()
		g.Expect(rr.status).To(Equal(http.StatusOK), "%s", rr.raw)
		if cr.status != http.StatusCreated {
			expectError(g, cr, http.StatusConflict, "uniqueness")
			g.Expect(e.create(old)).NotTo(BeEmpty(), "I5: free once the rename has answered")
		}
		g.Expect(holders(t, e, old)).To(Equal(1), "round %d", round)
	}
	ids.check(g)
}

// TestDeleteThenRecreate races a DELETE of a record against a POST of its userName (I4): the POST wins
// only after the delete; afterwards the userName can be created again, and never has two holders.
func TestDeleteThenRecreate(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	ids := watchIDs(t, e)
	var wg sync.WaitGroup
	for round := range 5 {
		name := fmt.Sprintf("again%d@contoso.com", round)
		id := e.create(name)
		var del, post response
		wg.Go(func() { del = e.do(http.MethodDelete, "/Users/"+id, "") })
		wg.Go(func() { post = e.do(http.MethodPost, "/Users", userBody(e.prefix, name, "again")) })
		wg.Wait()
		g.Expect(del.status).To(Equal(http.StatusNoContent), "%s", del.raw)
		if post.status != http.StatusCreated {
			expectError(g, post, http.StatusConflict, "uniqueness")
			g.Expect(e.create(name)).NotTo(Equal(id))
		}
		g.Expect(holders(t, e, name)).To(Equal(1), "round %d", round)
		expectError(g, e.do(http.MethodGet, "/Users/"+id, ""), http.StatusNotFound, "")
	}
	ids.check(g)
}

// TestUnfinishedRenames covers renames whose request died: between the new object and the old one's
// deletion (the next request that meets it finishes it), and between the mark and the new object (an
// abandoned mark is ignored after the grace period; before that, writes wait and then say "later").
func TestUnfinishedRenames(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	ctx := t.Context()
	app := store.App{Namespace: e.app.Namespace, Name: e.app.Name, Kind: model.AdvisorKind}
	object := func(userName, id string, annotations map[string]string) *v1.Advisor {
		return &v1.Advisor{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: app.Namespace, Name: store.ObjectName(app.Name, model.Fold(userName)),
				Labels:      map[string]string{v1.ApplicationLabel: app.Name, v1.RecordIDLabel: id},
				Annotations: annotations,
			},
			Spec: v1.AdvisorSpec{RecordFields: v1.RecordFields{UserName: userName}},
		}
	}
	// Died between (2) and (3): the old object is superseded.
	const movedID = "00000000-0000-4000-8000-000000000001"
	newer := object("moved@contoso.com", movedID, map[string]string{v1.ReplacesAnnotation: store.ObjectName(app.Name, "before@contoso.com")})
	older := object("before@contoso.com", movedID, map[string]string{
		v1.RenamingToAnnotation: newer.Name, v1.RenamingSinceAnnotation: time.Now().UTC().Format(time.RFC3339),
	})
	g.Expect(cluster.Client.Create(ctx, older)).To(Succeed())
	g.Expect(cluster.Client.Create(ctx, newer)).To(Succeed())
	g.Eventually(func() any { return e.do(http.MethodGet, "/Users/"+movedID, "").body["userName"] }).Should(Equal("moved@contoso.com"))
	g.Expect(e.do(http.MethodGet, filterPath("before@contoso.com"), "").body["totalResults"]).To(BeEquivalentTo(0))
	g.Expect(e.do(http.MethodGet, "/Users", "").body["totalResults"]).To(BeEquivalentTo(1))
	g.Expect(e.create("before@contoso.com")).NotTo(Equal(movedID), "the create finishes the rename")
	g.Expect(holders(t, e, "before@contoso.com")).To(Equal(1))
	g.Expect(holders(t, e, "moved@contoso.com")).To(Equal(1))

	// Died between (1) and (2), long ago: the mark is abandoned; a write clears it.
	const stuckID = "00000000-0000-4000-8000-000000000002"
	stuck := object("stuck@contoso.com", stuckID, map[string]string{
		v1.RenamingToAnnotation:    store.ObjectName(app.Name, "never@contoso.com"),
		v1.RenamingSinceAnnotation: time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
	})
	g.Expect(cluster.Client.Create(ctx, stuck)).To(Succeed())
	g.Eventually(func() int { return e.do(http.MethodGet, "/Users/"+stuckID, "").status }).Should(Equal(http.StatusOK))
	r := e.do(http.MethodPatch, "/Users/"+stuckID, patchBody(`{"op":"replace","path":"displayName","value":"Unstuck"}`))
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	g.Expect(cluster.Client.Get(ctx, client.ObjectKeyFromObject(stuck), stuck)).To(Succeed())
	g.Expect(stuck.Annotations).NotTo(HaveKey(v1.RenamingToAnnotation))
	g.Expect(e.create("never@contoso.com")).NotTo(BeEmpty())

	// A fresh mark without its new object: a rename in flight. Writes wait for it, then say "later".
	const openID = "00000000-0000-4000-8000-000000000003"
	open := object("open@contoso.com", openID, map[string]string{
		v1.RenamingToAnnotation:    store.ObjectName(app.Name, "pending@contoso.com"),
		v1.RenamingSinceAnnotation: time.Now().UTC().Format(time.RFC3339),
	})
	g.Expect(cluster.Client.Create(ctx, open)).To(Succeed())
	st := newStore(t, testMgr.GetClient(), store.Options{CacheWait: 300 * time.Millisecond})
	g.Eventually(func() error { _, err := st.Get(ctx, app, openID); return err }).Should(Succeed())
	_, err := st.Update(ctx, app, openID, func(u model.User) (model.User, error) { u.DisplayName = "x"; return u, nil })
	g.Expect(err).To(MatchError(store.ErrUserNameInFlight))
	g.Expect(st.Delete(ctx, app, openID)).To(MatchError(store.ErrUserNameInFlight))
	_, err = st.Create(ctx, app, model.User{UserName: "Open@contoso.com", Active: true})
	g.Expect(err).To(MatchError(store.ErrUserNameTaken))
}

// TestRecordsFromBeforeDerivedNames covers a record written by an earlier version: named by its id, with
// no id label. It is found by its id, keeps its userName, and a rename moves it to a derived name.
func TestRecordsFromBeforeDerivedNames(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	const id = "6f0e2a5c-1b7d-4c8e-9f3a-2d4b6c8e0a1f"
	legacy := &v1.Advisor{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.app.Namespace, Name: id,
			Labels: map[string]string{v1.ApplicationLabel: e.app.Name}},
		Spec: v1.AdvisorSpec{RecordFields: v1.RecordFields{UserName: "Legacy@contoso.com"}},
	}
	g.Expect(cluster.Client.Create(t.Context(), legacy)).To(Succeed())
	g.Eventually(func() int { return e.do(http.MethodGet, "/Users/"+id, "").status }).Should(Equal(http.StatusOK))
	expectError(g, e.do(http.MethodPost, "/Users", userBody(e.prefix, "legacy@CONTOSO.com", "x")), http.StatusConflict, "uniqueness")
	r := rename(e, id, "renamed@contoso.com")
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	g.Expect(r.body).To(HaveKeyWithValue("id", id))
	objs := records(t, e)
	g.Expect(objs).To(HaveLen(1))
	g.Expect(objs[0].GetName()).To(Equal(store.ObjectName(e.app.Name, "renamed@contoso.com")))
	g.Expect(objs[0].GetLabels()).To(HaveKeyWithValue(v1.RecordIDLabel, id))
	g.Expect(e.create("legacy@contoso.com")).NotTo(Equal(id))
}

// newStore is a store beside the suite's server, on its manager's cache, writing through writer.
func newStore(t *testing.T, writer client.Client, opts store.Options) *store.Store {
	t.Helper()
	st := store.New(testMgr.GetCache(), testMgr.GetAPIReader(), writer, opts)
	if err := st.Watch(t.Context(), testMgr.GetCache(), model.BuiltinKinds()); err != nil {
		t.Fatal(err)
	}
	NewWithT(t).Eventually(st.Synced).Should(BeTrue())
	return st
}

func kindOf(e *endpoint) *model.KindSpec {
	if e.app.Spec.ResourceType == v1.ResourceTypeRooms {
		return model.RoomKind
	}
	return model.AdvisorKind
}

func rename(e *endpoint, id, to string) response {
	return e.do(http.MethodPatch, "/Users/"+id, patchBody(fmt.Sprintf(`{"op":"Replace","path":"userName","value":%q}`, to)))
}

func filterPath(userName string) string {
	return "/Users?filter=" + strings.ReplaceAll(fmt.Sprintf("userName eq %q", userName), " ", "%20")
}

// holders counts the current records (not superseded by a rename) that hold a userName, from the API
// server.
func holders(t *testing.T, e *endpoint, userName string) int {
	objs := records(t, e)
	names := map[string]bool{}
	for _, obj := range objs {
		names[obj.GetName()] = true
	}
	n := 0
	for _, obj := range objs {
		if names[obj.GetAnnotations()[v1.RenamingToAnnotation]] {
			continue
		}
		if model.Fold(kindOf(e).UserOf(obj).UserName) == model.Fold(userName) {
			n++
		}
	}
	return n
}

// idWatch follows an application's records as a consumer would, through a watch, and notes every
// moment an id has more than one current object (I2).
type idWatch struct {
	mu         sync.Mutex
	objects    map[string]client.Object // by name
	violations []string
	events     int
}

func watchIDs(t *testing.T, e *endpoint) *idWatch {
	t.Helper()
	wc, err := client.NewWithWatch(cluster.Config, client.Options{Scheme: cluster.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	kind := kindOf(e)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := wc.Watch(ctx, kind.NewList(), client.InNamespace(e.app.Namespace), client.MatchingLabels{v1.ApplicationLabel: e.app.Name})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	iw := &idWatch{objects: map[string]client.Object{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			obj, ok := ev.Object.(client.Object)
			if !ok {
				continue
			}
			iw.observe(ev.Type, obj)
		}
	}()
	t.Cleanup(func() { w.Stop(); cancel(); <-done })
	return iw
}

func (w *idWatch) observe(t watch.EventType, obj client.Object) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events++
	if t == watch.Deleted {
		delete(w.objects, obj.GetName())
		return
	}
	w.objects[obj.GetName()] = obj
	id := obj.GetLabels()[v1.RecordIDLabel]
	var current []string
	for name, o := range w.objects {
		if o.GetLabels()[v1.RecordIDLabel] != id {
			continue
		}
		if to := o.GetAnnotations()[v1.RenamingToAnnotation]; to != "" && w.objects[to] != nil && w.objects[to].GetLabels()[v1.RecordIDLabel] == id {
			continue
		}
		current = append(current, name)
	}
	if len(current) > 1 {
		w.violations = append(w.violations, fmt.Sprintf("id %s has %d current objects: %v", id, len(current), current))
	}
}

// check fails on any violation; it waits until the watch has delivered something, so that a broken
// watch cannot pass.
func (w *idWatch) check(g Gomega) {
	g.Eventually(func() int { w.mu.Lock(); defer w.mu.Unlock(); return w.events }).Should(BeNumerically(">", 0))
	w.mu.Lock()
	defer w.mu.Unlock()
	g.Expect(w.violations).To(BeEmpty())
}

// countingWriter counts the writes a store sends to the API server.
type countingWriter struct {
	client.Client
	mu     sync.Mutex
	counts map[string]int
}

func (c *countingWriter) count(verb string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[verb]++
}

func (c *countingWriter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

func (c *countingWriter) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.count("create")
	return c.Client.Create(ctx, obj, opts...)
}

func (c *countingWriter) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	c.count("update")
	return c.Client.Update(ctx, obj, opts...)
}

func (c *countingWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	c.count("patch")
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *countingWriter) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.count("delete")
	return c.Client.Delete(ctx, obj, opts...)
}
