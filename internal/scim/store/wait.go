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
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// waitCached waits until the informer cache holds object name at resourceVersion rv or newer, so that
// reads after the write see it. It gives up silently after CacheWait: the write did happen.
func (s *Store) waitCached(ctx context.Context, app App, name, rv string) {
	want, numeric := parseRV(rv)
	s.poll(ctx, s.opts.CacheWait, func() bool {
		obj := app.Kind.NewObject()
		err := s.cache.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: name}, obj, client.UnsafeDisableDeepCopy)
		if err != nil {
			return false
		}
		if have, ok := parseRV(obj.GetResourceVersion()); ok && numeric {
			return have >= want
		}
		return obj.GetResourceVersion() == rv
	})
}

// waitGone waits until the informer cache no longer holds a deleted object.
func (s *Store) waitGone(ctx context.Context, app App, name string) {
	s.poll(ctx, s.opts.CacheWait, func() bool {
		obj := app.Kind.NewObject()
		err := s.cache.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: name}, obj, client.UnsafeDisableDeepCopy)
		return apierrors.IsNotFound(err)
	})
}

// poll calls done with a short, growing interval (informers deliver within milliseconds) until it
// returns true, wait passes or ctx ends.
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
