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
	"slices"
	"sync"
	"sync/atomic"

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// idIndex maps a record's SCIM id to its objects (normally one; two inside a rename), fed by the record
// informers' events. A GET by id is Entra's and the booking backend's most frequent request: here it is
// one lock-free map read of objects the informer already holds, where a lookup through the cache's field
// index takes the informer store's lock and builds a list for every request.
type idIndex struct {
	writers sync.Mutex // Serialises the informers' event handlers; readers take no lock.
	entries sync.Map   // idKey → []client.Object, replaced on every change, never modified in place.
	synced  []toolscache.InformerSynced
	// changed is closed, and replaced, on every change: a read waiting for the informer to show a write
	// wakes when it does, instead of polling.
	changed atomic.Pointer[chan struct{}]
	// unseen are this replica's writes that the informer has not shown yet.
	unseen unseenWrites
}

// changes returns a channel closed at the index's next change.
func (x *idIndex) changes() <-chan struct{} {
	if ch := x.changed.Load(); ch != nil {
		return *ch
	}
	ch := make(chan struct{})
	if x.changed.CompareAndSwap(nil, &ch) {
		return ch
	}
	return *x.changed.Load()
}

// notify wakes the waiters of changes; the caller holds writers.
func (x *idIndex) notify() {
	next := make(chan struct{})
	if old := x.changed.Swap(&next); old != nil {
		close(*old)
	}
}

func idKey(namespace, app, id string) string { return namespace + "/" + app + "\x00" + id }

// Watch feeds the store's id index from the record informers of kinds. Call it before the cache starts.
func (s *Store) Watch(ctx context.Context, informers cache.Informers, kinds model.Kinds) error {
	for _, kind := range kinds {
		informer, err := informers.GetInformer(ctx, kind.NewObject())
		if err != nil {
			return fmt.Errorf("get the %s informer: %w", kind.Kind, err)
		}
		reg, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { s.ids.put(obj) },
			UpdateFunc: func(old, obj any) { s.ids.remove(old); s.ids.put(obj) },
			DeleteFunc: func(obj any) { s.ids.remove(obj) },
		})
		if err != nil {
			return fmt.Errorf("watch %s for the id index: %w", kind.Kind, err)
		}
		s.ids.synced = append(s.ids.synced, reg.HasSynced)
	}
	return nil
}

// Synced reports whether the id index holds every record the informers listed at start.
func (s *Store) Synced() bool {
	for _, synced := range s.ids.synced {
		if !synced() {
			return false
		}
	}
	return true
}

// lookup returns the objects carrying an id in an application (shared with the informer: read only).
func (x *idIndex) lookup(namespace, app, id string) []client.Object {
	return x.load(idKey(namespace, app, id))
}

func (x *idIndex) load(key string) []client.Object {
	v, ok := x.entries.Load(key)
	if !ok {
		return nil
	}
	return v.([]client.Object)
}

func (x *idIndex) put(o any) {
	obj, key, ok := indexed(o)
	if !ok {
		return
	}
	x.writers.Lock()
	defer x.writers.Unlock()
	objs := x.load(key)
	next := make([]client.Object, 0, len(objs)+1)
	for _, other := range objs {
		if other.GetName() != obj.GetName() {
			next = append(next, other)
		}
	}
	x.entries.Store(key, append(next, obj))
	x.unseen.shown(obj)
	x.notify()
}

func (x *idIndex) remove(o any) {
	if tombstone, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
		o = tombstone.Obj
	}
	obj, key, ok := indexed(o)
	if !ok {
		return
	}
	x.writers.Lock()
	defer x.writers.Unlock()
	next := slices.DeleteFunc(slices.Clone(x.load(key)), func(other client.Object) bool { return other.GetName() == obj.GetName() })
	if len(next) == 0 {
		x.entries.Delete(key)
	} else {
		x.entries.Store(key, next)
	}
	x.notify()
}

// indexed returns a record object and its key, if it belongs to an application.
func indexed(o any) (client.Object, string, bool) {
	obj, ok := o.(client.Object)
	if !ok {
		return nil, "", false
	}
	app := obj.GetLabels()[v1.ApplicationLabel]
	if app == "" {
		return nil, "", false
	}
	return obj, idKey(obj.GetNamespace(), app, idOf(obj)), true
}
