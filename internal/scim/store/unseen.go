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
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// unseenWrites are the creates and updates this replica made that its informer has not shown yet.
//
// A write answers as soon as the API server has stored it; a read that could see it waits until the
// informer shows it (bounded by CacheWait). Waiting in the read rather than in the write keeps
// read-your-writes on a replica and takes the informer's delay off Entra's create cycle, whose filter for
// the next user's userName matches no write in flight: under load the wait was about a sixth of a create.
type unseenWrites struct {
	mu sync.Mutex
	// byApp holds each application's unseen writes, by appKey.
	byApp map[string][]unseenWrite
	// count is the number of unseen writes, so that reads skip the lock when there are none.
	count atomic.Int64
}

// unseenWrite is one write the informer has not shown.
type unseenWrite struct {
	id   string // The record's SCIM id.
	name string // The object written.
	// version is the resourceVersion the write returned; a shown object at it or newer is this write (or
	// a later one). When it is not a number, only the same string counts.
	version string
	// lookups are what a filter may look the record up by, before and after the write (see lookupKey).
	lookups []string
	// until is when reads stop waiting for it, as the write's own wait once did.
	until time.Time
}

func appKey(namespace, app string) string { return namespace + "/" + app }

// Lookup kinds: a filter on a folded userName or on an externalId.
const (
	lookupUserName   = "u"
	lookupExternalID = "e"
)

func lookupKey(kind, value string) string { return kind + "\x00" + value }

// userLookups are the lookup keys of the users given (a record before and after a write).
func userLookups(users ...model.User) []string {
	var keys []string
	for _, u := range users {
		keys = append(keys, lookupKey(lookupUserName, model.Fold(u.UserName)))
		if u.ExternalID != "" {
			keys = append(keys, lookupKey(lookupExternalID, u.ExternalID))
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// note records a write of obj (as the API server returned it) to an application, unless the id index
// already shows it: the informer may deliver a write before the writer has read its answer. The check
// runs under mu, which the index's put takes (in shown) only after storing the object, so every write is
// either found here or dropped there.
func (x *idIndex) note(app App, obj client.Object, lookups []string, now time.Time, wait time.Duration) {
	w := &x.unseen
	w.mu.Lock()
	defer w.mu.Unlock()
	if shows(x.lookup(app.Namespace, app.Name, idOf(obj)), obj) {
		return
	}
	if w.byApp == nil {
		w.byApp = map[string][]unseenWrite{}
	}
	key := appKey(app.Namespace, app.Name)
	// Writes past their time go here too, so that while an informer is stuck an application that nobody
	// reads holds no more than one wait's worth of them.
	w.drop(key, func(u unseenWrite) bool { return now.After(u.until) })
	w.byApp[key] = append(w.byApp[key], unseenWrite{id: idOf(obj), name: obj.GetName(),
		version: obj.GetResourceVersion(), lookups: lookups, until: now.Add(wait)})
	w.count.Add(1)
}

// shown drops the writes that a shown object of an application (added or updated in the informer) is, or
// supersedes. The id index calls it for every object it stores, before it wakes its waiters. It always
// takes the lock: skipping it when count reads zero would race a note that has looked at the index but
// not yet counted its write, and that write would then be waited for until its time ran out.
func (w *unseenWrites) shown(obj client.Object) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.drop(appKey(obj.GetNamespace(), obj.GetLabels()[v1.ApplicationLabel]), func(u unseenWrite) bool {
		return isWrite(obj, u.name, u.version)
	})
}

// forget drops the writes of one record (deleted by this replica: the informer may never show them).
func (w *unseenWrites) forget(app App, id string) {
	if w.count.Load() == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.drop(appKey(app.Namespace, app.Name), func(u unseenWrite) bool { return u.id == id })
}

// drop removes an application's writes that gone selects; the caller holds mu.
func (w *unseenWrites) drop(key string, gone func(unseenWrite) bool) {
	writes := w.byApp[key]
	kept := slices.DeleteFunc(writes, gone)
	w.count.Add(int64(len(kept) - len(writes)))
	if len(kept) == 0 {
		delete(w.byApp, key)
	} else {
		w.byApp[key] = kept
	}
}

// any reports whether an application has an unseen write that match selects, dropping those past their
// time.
func (w *unseenWrites) any(app App, now time.Time, match func(unseenWrite) bool) bool {
	if w.count.Load() == 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	key := appKey(app.Namespace, app.Name)
	w.drop(key, func(u unseenWrite) bool { return now.After(u.until) })
	return slices.ContainsFunc(w.byApp[key], match)
}

// shows reports whether objects (an id's, from the index) hold a written object at its version or newer.
func shows(objs []client.Object, written client.Object) bool {
	return slices.ContainsFunc(objs, func(obj client.Object) bool {
		return isWrite(obj, written.GetName(), written.GetResourceVersion())
	})
}

// isWrite reports whether a shown object is the write of object name at version, or a later one.
func isWrite(shown client.Object, name, version string) bool {
	return shown.GetName() == name && atOrAfter(shown.GetResourceVersion(), version)
}

// atOrAfter reports whether resourceVersion have is want or newer. The API server's resourceVersions are
// numbers in practice; when either is not, only the same string counts. Any version is at or after none.
func atOrAfter(have, want string) bool {
	if want == "" {
		return true
	}
	h, hok := parseRV(have)
	w, wok := parseRV(want)
	if hok && wok {
		return h >= w
	}
	return have == want
}

// Selections of unseen writes for the reads that wait for them.
func ofRecord(id string) func(unseenWrite) bool {
	return func(u unseenWrite) bool { return u.id == id }
}

func withLookup(key string) func(unseenWrite) bool {
	return func(u unseenWrite) bool { return slices.Contains(u.lookups, key) }
}

func anyWrite(unseenWrite) bool { return true }

// noteUnseen records a write for the reads that could see it; see unseenWrites.
func (s *Store) noteUnseen(app App, written client.Object, lookups []string) {
	s.ids.note(app, written, lookups, s.now(), s.opts.CacheWait)
}

// awaitSeen waits until the informer shows every write of this replica to an application that match
// selects, up to CacheWait.
func (s *Store) awaitSeen(ctx context.Context, app App, match func(unseenWrite) bool) {
	if s.ids.unseen.count.Load() == 0 {
		return
	}
	s.awaitIndex(ctx, s.opts.CacheWait, func() bool { return !s.ids.unseen.any(app, s.now(), match) })
}
