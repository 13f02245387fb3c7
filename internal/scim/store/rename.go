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
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// rename moves a record to the object its new userName names (see the package comment): mark the old
// object, create the new one under the same id, delete the old one. A conflict on the mark is returned for
// the caller to re-read and retry; a taken userName undoes the mark.
func (s *Store) rename(ctx, work context.Context, app App, obj client.Object, next model.User) (client.Object, error) {
	folded, id := model.Fold(next.UserName), idOf(obj)
	if taken, err := s.takenInCache(ctx, app, folded, id); err != nil || taken {
		return nil, joinTaken(err, taken)
	}
	// (1) Mark. The resourceVersion makes this the one change of the record that goes ahead.
	marked := obj.DeepCopyObject().(client.Object)
	setAnnotations(marked, map[string]string{
		v1.RenamingToAnnotation:    ObjectName(app.Name, folded),
		v1.RenamingSinceAnnotation: s.stamp(),
	})
	if err := s.writer.Update(work, marked); err != nil {
		if ambiguous(err) {
			s.later(ctx, "undo the rename mark of "+obj.GetName(), func(ctx context.Context) error {
				return s.resolveRename(ctx, app, marked)
			})
		}
		return nil, err
	}
	// (2) The new object, with the id, meta.created and a pointer back.
	want := s.newObject(app, folded, id, next)
	setAnnotations(want, map[string]string{
		v1.ReplacesAnnotation: obj.GetName(),
		v1.CreatedAnnotation:  createdOf(obj).UTC().Format(time.RFC3339),
	})
	created, err := s.createOrFree(ctx, work, app, want)
	if err != nil {
		// Taken: the mark goes. Unanswered: the new object may exist; resolveRename decides.
		cctx, cancel := s.cleanup(ctx)
		defer cancel()
		if rerr := s.resolveRename(cctx, app, marked); rerr != nil {
			s.later(ctx, "resolve the rename of "+obj.GetName(), func(ctx context.Context) error {
				return s.resolveRename(ctx, app, marked)
			})
		}
		return nil, err
	}
	// (3) The old object goes; if that fails, the next request that meets it finishes it.
	cctx, cancel := s.cleanup(ctx)
	defer cancel()
	if err := s.retire(cctx, marked); err != nil {
		s.later(ctx, "delete the renamed "+obj.GetName(), func(ctx context.Context) error { return s.retire(ctx, marked) })
	}
	return created, nil
}

// resolveRename ends a rename whose outcome the renaming request does not know: when the new object holds
// the id, the old one is deleted; otherwise the mark (if it is still this request's) is removed.
func (s *Store) resolveRename(ctx context.Context, app App, marked client.Object) error {
	cur := app.Kind.NewObject()
	if err := s.api.Get(ctx, client.ObjectKeyFromObject(marked), cur); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	if cur.GetUID() != marked.GetUID() ||
		cur.GetAnnotations()[v1.RenamingSinceAnnotation] != marked.GetAnnotations()[v1.RenamingSinceAnnotation] ||
		renamingTo(cur) != renamingTo(marked) {
		return nil // Not this request's mark (any more).
	}
	if next, err := s.successor(ctx, app, cur); err != nil || next != nil {
		if err != nil {
			return err
		}
		return s.retire(ctx, cur)
	}
	setAnnotations(cur, map[string]string{v1.RenamingToAnnotation: "", v1.RenamingSinceAnnotation: ""})
	if err := s.writer.Update(ctx, cur); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}

// settle returns the object a write to a record must act on, starting from one of its objects: it
// re-reads it from the API server when its resourceVersion is cleared (after a conflict), follows and
// finishes a rename that superseded it, and waits (up to CacheWait) for a rename in flight. nil means the
// record is gone; ErrUserNameInFlight means a rename is still open.
func (s *Store) settle(work context.Context, app App, obj client.Object) (client.Object, error) {
	out, err := s.settleOnce(work, app, obj)
	inFlight := func() bool { return err == nil && out != nil && renamingFresh(out, s.now(), s.opts.RenameGrace) }
	if inFlight() {
		s.poll(work, s.opts.CacheWait, func() bool {
			out.SetResourceVersion("") // out is this call's own copy, read from the API server: read it again.
			out, err = s.settleOnce(work, app, out)
			return !inFlight()
		})
	}
	if inFlight() {
		return nil, ErrUserNameInFlight
	}
	return out, err
}

// settleOnce is one look: re-read when needed, and when a rename superseded the object, finish it and
// return its successor.
func (s *Store) settleOnce(ctx context.Context, app App, obj client.Object) (client.Object, error) {
	if obj.GetResourceVersion() == "" {
		fresh := app.Kind.NewObject()
		err := s.api.Get(ctx, client.ObjectKeyFromObject(obj), fresh)
		switch {
		case apierrors.IsNotFound(err):
			return s.afterGone(ctx, app, obj)
		case err != nil:
			return nil, fmt.Errorf("re-read %s/%s: %w", obj.GetNamespace(), obj.GetName(), unavailable(err))
		}
		obj = fresh
	}
	if renamingTo(obj) == "" {
		return obj, nil
	}
	next, err := s.successor(ctx, app, obj)
	if err != nil || next == nil {
		return obj, err
	}
	if err := s.retire(ctx, obj); err != nil {
		return nil, err
	}
	return next, nil
}

// afterGone finds where a record went whose object is no longer there: to the object its rename mark
// names, or, when the mark was not seen, wherever the cache holds its id once it has caught up with the
// deletion (up to MissWait). nil: the record was deleted.
func (s *Store) afterGone(ctx context.Context, app App, gone client.Object) (client.Object, error) {
	if next, err := s.successor(ctx, app, gone); err != nil || next != nil {
		return next, err
	}
	found := s.byID(app, idOf(gone))
	moved := func() bool { found = s.byID(app, idOf(gone)); return found == nil || found.GetName() != gone.GetName() }
	if !moved() {
		s.awaitIndex(ctx, s.opts.MissWait, moved)
	}
	if found == nil || found.GetName() == gone.GetName() {
		return nil, nil // Deleted (or only the cache's stale copy is left).
	}
	next := found.DeepCopyObject().(client.Object)
	next.SetResourceVersion("")
	return s.settleOnce(ctx, app, next)
}

// successor reads, from the API server, the object a rename mark names, if it holds the same id.
func (s *Store) successor(ctx context.Context, app App, obj client.Object) (client.Object, error) {
	to := renamingTo(obj)
	if to == "" {
		return nil, nil
	}
	next := app.Kind.NewObject()
	err := s.api.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: to}, next)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the rename target of %s/%s: %w", obj.GetNamespace(), obj.GetName(), unavailable(err))
	case idOf(next) != idOf(obj):
		return nil, nil
	}
	return next, nil
}

// retire deletes the old object of a finished rename, exactly that object.
func (s *Store) retire(ctx context.Context, old client.Object) error {
	uid := old.GetUID()
	err := s.writer.Delete(ctx, old, client.Preconditions{UID: &uid})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete %s/%s, renamed: %w", old.GetNamespace(), old.GetName(), unavailable(err))
	}
	if err == nil {
		logf.FromContext(ctx).V(1).Info("Finished a rename", "old", old.GetName(), "new", renamingTo(old))
	}
	return nil
}

// renamingTo is the object name a rename mark names, or "".
func renamingTo(obj client.Object) string { return obj.GetAnnotations()[v1.RenamingToAnnotation] }

// renamingFresh reports whether obj carries a rename mark younger than grace: its rename may still be in
// flight. An older mark whose new object never came is abandoned.
func renamingFresh(obj client.Object, now time.Time, grace time.Duration) bool {
	if renamingTo(obj) == "" {
		return false
	}
	since, err := time.Parse(time.RFC3339, obj.GetAnnotations()[v1.RenamingSinceAnnotation])
	return err == nil && now.Sub(since) < grace
}

// idOf is a record's SCIM id: its id label, or, for a record from before the label, its name.
func idOf(obj client.Object) string {
	if id := obj.GetLabels()[v1.RecordIDLabel]; id != "" {
		return id
	}
	return obj.GetName()
}

// createdOf is a record's meta.created: when its first object was created.
func createdOf(obj client.Object) time.Time {
	created := obj.GetCreationTimestamp().Time
	if t, err := time.Parse(time.RFC3339, obj.GetAnnotations()[v1.CreatedAnnotation]); err == nil && t.Before(created) {
		return t
	}
	return created
}

// setAnnotations sets annotations on obj; an empty value removes one.
func setAnnotations(obj client.Object, set map[string]string) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	for k, v := range set {
		if v == "" {
			delete(annotations, k)
		} else {
			annotations[k] = v
		}
	}
	obj.SetAnnotations(annotations)
}

func joinTaken(err error, taken bool) error {
	if err != nil {
		return err
	}
	return takenErr(taken)
}
