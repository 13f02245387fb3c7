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
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// claim makes record id the holder of a folded userName, creating the claim unless the record already
// holds it (e.g. after an interrupted rename). ErrUserNameTaken when another record holds it, or may still
// come to hold it (a younger claim whose create or rename is in flight).
func (s *Store) claim(ctx context.Context, app App, folded, id string) error {
	key := client.ObjectKey{Namespace: app.Namespace, Name: ClaimName(app.Name, folded)}
	// Three rounds: a stale claim deleted by this request may be re-created by a competitor, who then wins.
	for range 3 {
		c := &v1.UserNameClaim{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: key.Namespace, Name: key.Name,
				Labels: map[string]string{v1.ApplicationLabel: app.Name},
			},
			Spec: v1.UserNameClaimSpec{Application: app.Name, UserName: folded, RecordName: id},
		}
		err := s.writer.Create(ctx, c)
		if err == nil {
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("claim userName in %s: %w", app.Namespace, unavailable(err))
		}
		existing := &v1.UserNameClaim{}
		if err := s.api.Get(ctx, key, existing); err != nil {
			if apierrors.IsNotFound(err) {
				continue // Released meanwhile: try again.
			}
			return fmt.Errorf("read userName claim %s: %w", key, unavailable(err))
		}
		if existing.Spec.RecordName == id {
			return nil
		}
		held, err := s.holds(ctx, app, existing)
		if err != nil {
			return unavailable(err)
		}
		if held {
			return ErrUserNameTaken
		}
		if s.now().Sub(existing.CreationTimestamp.Time) <= s.opts.ClaimGrace {
			// Its record is not there yet: another request is writing it (the usual race of parallel
			// creates, decided in milliseconds), or one that could not finish is doing so in the
			// background. Wait a moment for the outcome; if it stays open, say "later", not "taken".
			switch outcome, err := s.awaitClaim(ctx, app, existing); {
			case err != nil:
				return unavailable(err)
			case outcome == claimHeld:
				return ErrUserNameTaken
			case outcome == claimGone:
				continue
			}
			return ErrUserNameInFlight
		}
		logf.FromContext(ctx).Info("Reclaimed a stale userName claim", "claim", key, "record", existing.Spec.RecordName)
		if err := s.deleteClaim(ctx, existing); err != nil {
			return err
		}
	}
	return ErrUserNameTaken
}

type claimOutcome int

const (
	claimOpen claimOutcome = iota // Still there, its record still missing.
	claimHeld                     // Its record exists and holds the userName.
	claimGone                     // Released.
)

// awaitClaim waits up to CacheWait for a claim whose record is missing to be decided: its record appears
// or the claim is released.
func (s *Store) awaitClaim(ctx context.Context, app App, c *v1.UserNameClaim) (claimOutcome, error) {
	outcome := claimOpen
	var lastErr error
	s.poll(ctx, func() bool {
		cur := &v1.UserNameClaim{}
		if err := s.api.Get(ctx, client.ObjectKeyFromObject(c), cur); err != nil {
			if apierrors.IsNotFound(err) {
				outcome = claimGone
				return true
			}
			lastErr = err
			return false
		}
		if cur.UID != c.UID {
			outcome = claimGone // Released and claimed anew: look again from the start.
			return true
		}
		held, err := s.holds(ctx, app, cur)
		if err != nil {
			lastErr = err
			return false
		}
		if held {
			outcome = claimHeld
		}
		lastErr = nil
		return held
	})
	if outcome == claimOpen && lastErr != nil {
		return outcome, lastErr
	}
	return outcome, nil
}

// holds reports whether the claim's record exists in the application and holds the claimed userName.
func (s *Store) holds(ctx context.Context, app App, c *v1.UserNameClaim) (bool, error) {
	obj := app.Kind.NewObject()
	err := s.api.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: c.Spec.RecordName}, obj)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the holder of userName claim %s: %w", c.Name, err)
	}
	return obj.GetLabels()[v1.ApplicationLabel] == app.Name &&
		model.Fold(app.Kind.UserOf(obj).UserName) == c.Spec.UserName, nil
}

// releaseOrLater releases a claim in the time kept back for cleanup, or, when the API server does not
// answer, in the background as soon as it is back: a claim without its record would block the userName.
func (s *Store) releaseOrLater(ctx context.Context, app App, folded, id string) {
	cctx, cancel := s.cleanup(ctx)
	defer cancel()
	err := s.release(cctx, app, folded, id)
	if err == nil {
		return
	}
	if !IsUnavailable(err) {
		logf.FromContext(ctx).Error(err, "Failed to release a userName claim; it becomes stale after the grace period")
		return
	}
	s.later(ctx, "release claim "+ClaimName(app.Name, folded), func(ctx context.Context) error {
		return s.release(ctx, app, folded, id)
	})
}

// release deletes the claim of a folded userName if record id made it and does not hold the userName
// (any more, or at all). Checking the record makes release safe after an ambiguous write error, when the
// write may have landed after all.
func (s *Store) release(ctx context.Context, app App, folded, id string) error {
	key := client.ObjectKey{Namespace: app.Namespace, Name: ClaimName(app.Name, folded)}
	c := &v1.UserNameClaim{}
	if err := s.api.Get(ctx, key, c); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("read userName claim %s to release it: %w", key, err)
	}
	if c.Spec.RecordName != id {
		return nil
	}
	held, err := s.holds(ctx, app, c)
	if err != nil || held {
		return err
	}
	return s.deleteClaim(ctx, c)
}

// deleteClaim deletes exactly the claim version that was judged, never a successor.
func (s *Store) deleteClaim(ctx context.Context, c *v1.UserNameClaim) error {
	uid, rv := c.GetUID(), c.GetResourceVersion()
	err := s.writer.Delete(ctx, c, client.Preconditions{UID: &uid, ResourceVersion: &rv})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete userName claim %s/%s: %w", c.Namespace, c.Name, err)
	}
	return nil
}

// waitCached waits until the informer cache holds a record at resourceVersion rv or newer, so that reads
// after the write see it. It gives up silently after CacheWait: the write did happen.
func (s *Store) waitCached(ctx context.Context, app App, id, rv string) {
	want, numeric := parseRV(rv)
	s.poll(ctx, func() bool {
		obj := app.Kind.NewObject()
		if err := s.cache.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: id}, obj); err != nil {
			return false
		}
		if have, ok := parseRV(obj.GetResourceVersion()); ok && numeric {
			return have >= want
		}
		return obj.GetResourceVersion() == rv
	})
}

// waitGone waits until the informer cache no longer holds a deleted record.
func (s *Store) waitGone(ctx context.Context, app App, id string) {
	s.poll(ctx, func() bool {
		obj := app.Kind.NewObject()
		err := s.cache.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: id}, obj)
		return apierrors.IsNotFound(err)
	})
}

// poll calls done with a short, growing interval (informers deliver within milliseconds) until it
// returns true, CacheWait passes or ctx ends.
func (s *Store) poll(ctx context.Context, done func() bool) {
	deadline := time.NewTimer(s.opts.CacheWait)
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
			logf.FromContext(ctx).V(1).Info("The informer cache did not catch up with a write in time")
			return
		case <-t.C:
		}
		interval = min(2*interval, 20*time.Millisecond)
	}
}
