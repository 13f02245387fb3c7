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

package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scheme"
	"github.com/andmoney/scim-operator/internal/scim/filter"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// lagging is a Store whose informer shows nothing until the test says so: the API server and the informer
// cache are two fake clients, and the id index is fed by show, as the informer's event handlers feed it.
// This is a narrow test of when reads wait; the envtest suites run the store against a real API server.
type lagging struct {
	*Store
	app   App
	cache client.Client
}

func newLagging(t *testing.T) *lagging {
	t.Helper()
	sch := scheme.New()
	cached := fake.NewClientBuilder().WithScheme(sch)
	for name, extract := range indexers(model.AdvisorKind) {
		cached = cached.WithIndex(model.AdvisorKind.NewObject(), name, extract)
	}
	api := fake.NewClientBuilder().WithScheme(sch).Build()
	// CacheWait is far longer than any test: a read that waits for what is never shown hangs the test.
	// MissWait (for records another replica created) is all but off, so that a GET by id can only wait
	// for this replica's unseen writes.
	s := New(cached.Build(), api, api, Options{CacheWait: time.Hour, MissWait: time.Nanosecond})
	return &lagging{Store: s, app: App{Namespace: "bank", Name: "advisors", Kind: model.AdvisorKind}, cache: s.cache.(client.Client)}
}

// show puts the API server's current version of a record's object into the informer cache and the id
// index, as the informer does when the watch delivers it.
func (l *lagging) show(t *testing.T, id string) {
	t.Helper()
	list := &v1.AdvisorList{}
	if err := l.api.List(t.Context(), list, client.InNamespace(l.app.Namespace), client.MatchingLabels{v1.RecordIDLabel: id}); err != nil || len(list.Items) != 1 {
		t.Fatalf("the API server holds %d objects of %s: %v", len(list.Items), id, err)
	}
	obj := &list.Items[0]
	shown := obj.DeepCopy()
	shown.SetResourceVersion("") // The cache's own fake assigns its versions; the id index gets the API server's.
	existing := &v1.Advisor{}
	if err := l.cache.Get(t.Context(), client.ObjectKeyFromObject(obj), existing); err == nil {
		shown.SetResourceVersion(existing.GetResourceVersion())
		if err := l.cache.Update(t.Context(), shown); err != nil {
			t.Fatal(err)
		}
	} else if err := l.cache.Create(t.Context(), shown); err != nil {
		t.Fatal(err)
	}
	l.ids.put(obj)
}

// read runs a read in the background, as the next request on the same replica.
func read[T any](f func(ctx context.Context) (T, error)) <-chan T {
	out := make(chan T, 1)
	go func() {
		v, _ := f(context.Background())
		out <- v
	}()
	return out
}

// notBefore fails when a read answered before the informer showed the write it must wait for. A read that
// waits as it should never answers here; one that does not answers at once, so the grace only decides how
// surely a regression is caught, never whether correct code passes.
func notBefore[T any](t *testing.T, answer <-chan T) {
	t.Helper()
	select {
	case v := <-answer:
		t.Fatalf("answered before the informer showed the write: %+v", v)
	case <-time.After(200 * time.Millisecond):
	}
}

// create makes the record every case reads: anna@bank.dk, externalId ext-anna.
func (l *lagging) create(t *testing.T) Record {
	t.Helper()
	rec, err := l.Create(t.Context(), l.app, model.User{UserName: "anna@bank.dk", ExternalID: "ext-anna", DisplayName: "before", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (l *lagging) list(q filter.Query) func(ctx context.Context) ([]Record, error) {
	return func(ctx context.Context) ([]Record, error) { return l.List(ctx, l.app, q) }
}

// TestReadsWaitForTheirOwnUnseenWrites checks read-your-writes without a wait in the write: a create or an
// update answers while the informer has not shown it, and every read on the replica that could see it
// waits until the informer does.
func TestReadsWaitForTheirOwnUnseenWrites(t *testing.T) {
	byUserName := func(v string) filter.Query { return filter.Query{Index: filter.ByUserName, Key: model.Fold(v)} }
	byExternalID := func(v string) filter.Query { return filter.Query{Index: filter.ByExternalID, Key: v} }
	all := filter.Query{Index: filter.Scan}

	t.Run("a created record, by id", func(t *testing.T) {
		l := newLagging(t)
		rec := l.create(t)
		answer := read(func(ctx context.Context) (Record, error) { return l.Get(ctx, l.app, rec.ID) })
		notBefore(t, answer)
		l.show(t, rec.ID)
		if got := <-answer; got.ID != rec.ID {
			t.Fatalf("GET by id answered %+v", got)
		}
	})
	for name, q := range map[string]filter.Query{
		"by userName in another case": byUserName("ANNA@bank.dk"),
		"by externalId":               byExternalID("ext-anna"),
		"in a list of all":            all,
	} {
		t.Run("a created record, "+name, func(t *testing.T) {
			l := newLagging(t)
			rec := l.create(t)
			answer := read(l.list(q))
			notBefore(t, answer)
			l.show(t, rec.ID)
			if got := <-answer; len(got) != 1 || got[0].ID != rec.ID {
				t.Fatalf("the filter answered %+v", got)
			}
		})
	}
	// A metric's reading waits for nothing: a scrape must not hang on a stuck informer.
	t.Run("a count does not wait", func(t *testing.T) {
		l := newLagging(t)
		rec := l.create(t)
		if got, err := l.Count(t.Context(), l.app); err != nil || got != 0 {
			t.Fatalf("counted %d %v before the informer showed the record", got, err)
		}
		l.show(t, rec.ID)
		if got, err := l.Count(t.Context(), l.app); err != nil || got != 1 {
			t.Fatalf("counted %d %v after", got, err)
		}
	})

	t.Run("an updated record, by id and by its old externalId", func(t *testing.T) {
		l := newLagging(t)
		rec := l.create(t)
		l.show(t, rec.ID)
		_, err := l.Update(t.Context(), l.app, rec.ID, func(u model.User) (model.User, error) {
			u.DisplayName, u.ExternalID = "after", "ext-anna-2"
			return u, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		byID := read(func(ctx context.Context) (Record, error) { return l.Get(ctx, l.app, rec.ID) })
		byOld := read(l.list(byExternalID("ext-anna")))
		notBefore(t, byID)
		notBefore(t, byOld)
		l.show(t, rec.ID)
		if got := <-byID; got.User.DisplayName != "after" {
			t.Fatalf("GET by id answered %+v", got)
		}
		if got := <-byOld; len(got) != 0 {
			t.Fatalf("the old externalId still finds %+v", got)
		}
	})

	// Entra's create cycle: the match lookup for the next user must not wait for the creates in flight.
	t.Run("other userNames and externalIds do not wait", func(t *testing.T) {
		l := newLagging(t)
		l.create(t)
		for _, q := range []filter.Query{byUserName("bo@bank.dk"), byExternalID("ext-bo")} {
			// Bounded, so that a read that waits ends here and fails rather than hangs.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			got, err := l.List(ctx, l.app, q)
			waited := ctx.Err() != nil
			cancel()
			if err != nil || len(got) != 0 || waited {
				t.Fatalf("%+v: %v %v, waited for the unseen create: %v", q, got, err, waited)
			}
		}
	})

	t.Run("a write not shown within CacheWait is not waited for", func(t *testing.T) {
		l := newLagging(t)
		rec := l.create(t)
		now := time.Now()
		l.now = func() time.Time { return now.Add(2 * time.Hour) }
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		got, err := l.List(ctx, l.app, byUserName("anna@bank.dk"))
		if err != nil || len(got) != 0 || ctx.Err() != nil {
			t.Fatalf("answered %v %v after waiting %v, for the record %s", got, err, ctx.Err(), rec.ID)
		}
	})
}

// TestWriteShownBeforeItIsNoted checks the informer overtaking the writer: when the index already shows a
// write (at its version or newer) as the writer notes it, nothing waits for it.
func TestWriteShownBeforeItIsNoted(t *testing.T) {
	app := App{Namespace: "bank", Name: "advisors", Kind: model.AdvisorKind}
	obj := func(version string) client.Object {
		return &v1.Advisor{ObjectMeta: metav1.ObjectMeta{Namespace: "bank", Name: "u-1", ResourceVersion: version,
			Labels: map[string]string{v1.ApplicationLabel: "advisors", v1.RecordIDLabel: "id-1"}}}
	}
	for shown, unseen := range map[string]bool{"41": true, "42": false, "43": false} {
		var x idIndex
		x.put(obj(shown))
		x.note(app, obj("42"), nil, time.Now(), time.Minute)
		if got := x.unseen.any(app, time.Now(), anyWrite); got != unseen {
			t.Errorf("write at 42 noted while the index shows %s: unseen = %v, want %v", shown, got, unseen)
		}
	}
}

// TestUnseenWritesAreBounded checks that writes the informer never shows do not pile up: a note drops
// its application's writes that are past their time.
func TestUnseenWritesAreBounded(t *testing.T) {
	app := App{Namespace: "bank", Name: "advisors", Kind: model.AdvisorKind}
	var x idIndex
	start := time.Now()
	for i := range 100 {
		obj := &v1.Advisor{ObjectMeta: metav1.ObjectMeta{Namespace: "bank", Name: fmt.Sprintf("u-%d", i), ResourceVersion: "1",
			Labels: map[string]string{v1.ApplicationLabel: "advisors", v1.RecordIDLabel: fmt.Sprintf("id-%d", i)}}}
		x.note(app, obj, nil, start.Add(time.Duration(i)*time.Second), 10*time.Second)
	}
	// Notes at 0..99 s, each waited for 10 s: at the last note, those of 89..99 s are left.
	if got := x.unseen.count.Load(); got != 11 {
		t.Fatalf("%d writes held, want the 11 of the last wait", got)
	}
}

// TestUnseenWrites checks which shown objects end the wait for a write, and what forget and expiry drop.
func TestUnseenWrites(t *testing.T) {
	app := App{Namespace: "bank", Name: "advisors", Kind: model.AdvisorKind}
	written := func(name, version string) client.Object {
		return &v1.Advisor{ObjectMeta: metav1.ObjectMeta{Namespace: "bank", Name: name, ResourceVersion: version,
			Labels: map[string]string{v1.ApplicationLabel: "advisors", v1.RecordIDLabel: "id-" + name}}}
	}
	now := time.Now()
	tests := map[string]struct {
		then    func(w *unseenWrites)
		unseen  bool
		atCount int64
	}{
		"nothing shown":    {then: func(*unseenWrites) {}, unseen: true, atCount: 1},
		"an older version": {then: func(w *unseenWrites) { w.shown(written("u-1", "41")) }, unseen: true, atCount: 1},
		"the same version": {then: func(w *unseenWrites) { w.shown(written("u-1", "42")) }, atCount: 0},
		"a newer version":  {then: func(w *unseenWrites) { w.shown(written("u-1", "107")) }, atCount: 0},
		"another object":   {then: func(w *unseenWrites) { w.shown(written("u-2", "107")) }, unseen: true, atCount: 1},
		"another namespace's": {then: func(w *unseenWrites) {
			other := written("u-1", "107")
			other.SetNamespace("other-bank")
			w.shown(other)
		}, unseen: true, atCount: 1},
		"forgotten": {then: func(w *unseenWrites) { w.forget(app, "id-u-1") }, atCount: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var x idIndex
			w := &x.unseen
			x.note(app, written("u-1", "42"), userLookups(model.User{UserName: "Anna@bank.dk"}), now, time.Minute)
			tc.then(w)
			if got := w.any(app, now, ofRecord("id-u-1")); got != tc.unseen {
				t.Errorf("unseen = %v, want %v", got, tc.unseen)
			}
			if got := w.any(app, now, withLookup(lookupKey(lookupUserName, "anna@bank.dk"))); got != tc.unseen {
				t.Errorf("unseen by folded userName = %v, want %v", got, tc.unseen)
			}
			if got := w.count.Load(); got != tc.atCount {
				t.Errorf("count = %d, want %d", got, tc.atCount)
			}
			if w.any(app, now.Add(2*time.Minute), anyWrite) || w.count.Load() != 0 {
				t.Errorf("a write past its time is still waited for (count %d)", w.count.Load())
			}
		})
	}
}
