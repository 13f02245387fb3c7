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
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// waitCached waits until the id index holds a written object at its resourceVersion or newer, so that
// reads after the write see it: the informer updates its store (which the filter reads) before it tells
// the id index. It gives up silently after CacheWait: the write did happen.
func (s *Store) waitCached(ctx context.Context, app App, written client.Object) {
	s.awaitIndex(ctx, s.opts.CacheWait, func() bool { return shows(s.ids.lookup(app.Namespace, app.Name, idOf(written)), written) })
}

// waitGone waits until the id index no longer holds a deleted object.
func (s *Store) waitGone(ctx context.Context, app App, deleted client.Object) {
	s.awaitIndex(ctx, s.opts.CacheWait, func() bool {
		return !slices.ContainsFunc(s.ids.lookup(app.Namespace, app.Name, idOf(deleted)),
			func(obj client.Object) bool { return obj.GetName() == deleted.GetName() })
	})
}

// awaitIndex calls done whenever the id index changes until it returns true, wait passes or ctx ends.
func (s *Store) awaitIndex(ctx context.Context, wait time.Duration, done func() bool) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		changed := s.ids.changes() // Taken before done looks, so that a change after its look wakes this.
		if done() {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-deadline.C:
			logf.FromContext(ctx).V(1).Info("Gave up waiting for the informer", "after", wait)
			return
		}
	}
}

// poll calls done with a short, growing interval until it returns true, wait passes or ctx ends: for
// what no event announces (a rename in flight, read from the API server).
func (s *Store) poll(ctx context.Context, wait time.Duration, done func() bool) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	interval := 500 * time.Microsecond
	for !done() {
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-deadline.C:
			t.Stop()
			logf.FromContext(ctx).V(1).Info("Gave up waiting", "after", wait)
			return
		case <-t.C:
		}
		interval = min(2*interval, 20*time.Millisecond)
	}
}
