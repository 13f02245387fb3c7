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

// Package store keeps SCIM Users as Advisor and Room objects: reads from the manager's informer cache
// through field indexes, writes through the API server with optimistic concurrency.
//
// Names and ids. A record's object name is derived from (application, folded userName) (ObjectName), and
// its SCIM id, a random UUID, is its v1.RecordIDLabel label. The API server creates an object name once,
// so of any number of concurrent creates of one userName, on any replica, exactly one succeeds and the
// others get AlreadyExists (409): a create is one write, and userName uniqueness needs no other object.
//
// Renames. A userName change that folds differently moves the record to the object its new userName
// names, in three writes: (1) the old object is marked v1.RenamingToAnnotation (with its resourceVersion,
// so of two concurrent changes of one record one wins and the other re-reads); (2) the new object is
// created with the same id label (AlreadyExists: the userName is taken, the mark is removed, 409); (3)
// the old object is deleted. Between (2) and (3) two objects carry one id and the marked one is
// superseded: readers here skip it, and a consumer that watches records takes the object the mark
// names. A marked object whose successor does not exist yet is a rename in flight: writes to it wait for
// the outcome; a mark older than RenameGrace whose successor never came is abandoned and ignored. Any
// request that finds a superseded object finishes step (3).
//
// Records written before the id label existed are named by their id (and held their userName with a
// claim object, no longer used); they are read as before (their id is their name), their userName stays theirs through
// the cache check every write makes, and a rename moves them to a derived name like any record.
//
// API server outages. Each request's writes get its time less CleanupTimeout; the rest is for resolving
// an ambiguous write, so that every request is answered within its timeout, never with a broken
// connection. A create the API server did not answer is sent again under the same name: it lands, finds
// itself there (its id label), or is answered with ErrUnavailable (503); then Entra's retry converges by
// itself, since its match lookup finds the record if it landed, and a create of the same userName can
// never make a second one. An ambiguous update or delete is read back. A rename left half-done is
// finished or undone in the background as soon as the API server answers (bounded by ResolveFor and
// MaxPending), so no userName stays blocked once the API server is back.
//
// Read-your-writes. A read on the replica that made a create or an update waits until the informer cache
// shows it (bounded by CacheWait), when the read could see it: a GET of its id, a filter on its userName
// or externalId (before or after the write), a list of its application. A rename or a delete
// returns only once the cache shows it. A GET by an id the cache does not hold waits up to MissWait for
// the cache (another replica may have just created it) before answering 404.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/filter"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// LastModifiedAnnotation holds the time of a record's last SCIM write, for meta.lastModified.
const LastModifiedAnnotation = "scim.andmoney.dk/last-modified"

var (
	// ErrNotFound means the application has no record with that id.
	ErrNotFound = errors.New("record not found")
	// ErrUserNameTaken means another record of the application holds the userName.
	ErrUserNameTaken = errors.New("userName is already taken")
)

// App identifies the ScimApplication a request acts for: its records are the objects of its kind in its
// namespace that carry its name in the v1.ApplicationLabel label.
type App struct {
	Namespace string
	Name      string
	Kind      *model.KindSpec
}

// String renders the application as namespace/name.
func (a App) String() string { return a.Namespace + "/" + a.Name }

// Record is one stored SCIM User.
type Record struct {
	ID           string
	User         model.User
	Created      time.Time
	LastModified time.Time
}

// Options tune a Store.
type Options struct {
	// CacheWait bounds how long a write waits for the informer cache to show it, and how long a write
	// waits for a rename in flight to finish.
	CacheWait time.Duration
	// MissWait bounds how long a read by id waits for the informer cache to show a record it does not
	// hold: one another replica has just created.
	MissWait time.Duration
	// RenameGrace is the age after which a rename mark whose new object never came is abandoned. It is
	// longer than a request and its background resolution (ResolveFor) may take.
	RenameGrace time.Duration
	// MaxConflictRetries bounds the optimistic-concurrency retries of one update.
	MaxConflictRetries int
	// CleanupTimeout is the part of a request's time kept back for resolving an ambiguous write after
	// the main work, and the bound of each background attempt.
	CleanupTimeout time.Duration
	// ResolveFor bounds how long work a request left for the API server's return is retried.
	ResolveFor time.Duration
	// MaxPending bounds the pieces of such work waiting at once.
	MaxPending int
}

// DefaultOptions are the options the server uses.
func DefaultOptions() Options {
	return Options{CacheWait: 5 * time.Second, MissWait: time.Second, RenameGrace: 5 * time.Minute,
		MaxConflictRetries: 20, CleanupTimeout: 3 * time.Second, ResolveFor: 2 * time.Minute, MaxPending: 1024}
}

// Store reads and writes records.
type Store struct {
	cache  client.Reader
	api    client.Reader
	writer client.Client
	opts   Options
	now    func() time.Time
	// pending counts background work (see later), up to MaxPending.
	pending chan struct{}
	// ids finds records by id (see Watch).
	ids idIndex
}

// New returns a Store reading from cache (the manager's informer cache, with the indexes of
// RegisterIndexes; Watch must be called too), reading back ambiguous writes from api (an uncached
// reader) and writing with writer. Zero durations take DefaultOptions' values.
func New(cache, api client.Reader, writer client.Client, opts Options) *Store {
	d := DefaultOptions()
	for _, f := range []struct{ v, d *time.Duration }{
		{&opts.CacheWait, &d.CacheWait}, {&opts.MissWait, &d.MissWait}, {&opts.RenameGrace, &d.RenameGrace},
		{&opts.CleanupTimeout, &d.CleanupTimeout}, {&opts.ResolveFor, &d.ResolveFor},
	} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = d.MaxPending
	}
	return &Store{cache: cache, api: api, writer: writer, opts: opts, now: time.Now,
		pending: make(chan struct{}, max(opts.MaxPending, 1))}
}

// ObjectName is the name of the object that holds a folded userName of an application: a hash, since a
// userName may hold characters no object name can. Two records of one application can never hold one
// folded userName, because the API server creates a name once.
func ObjectName(app, folded string) string {
	sum := sha256.Sum256([]byte(app + "\x00" + folded))
	return "u-" + hex.EncodeToString(sum[:20])
}

// Get returns one record of the application.
func (s *Store) Get(ctx context.Context, app App, id string) (Record, error) {
	obj, err := s.get(ctx, app, id)
	if err != nil {
		return Record{}, err
	}
	return toRecord(app.Kind, obj), nil
}

// get returns the current object of a record from the cache (not a copy: read only), waiting up to
// MissWait when the cache does not hold it.
func (s *Store) get(ctx context.Context, app App, id string) (client.Object, error) {
	s.awaitSeen(ctx, app, ofRecord(id))
	found := s.byID(app, id)
	if found == nil {
		s.awaitIndex(ctx, s.opts.MissWait, func() bool { found = s.byID(app, id); return found != nil })
	}
	if found == nil {
		return nil, ErrNotFound
	}
	return found, nil
}

// byID returns the current object of a record (shared with the informer: read only), or nil.
func (s *Store) byID(app App, id string) client.Object {
	return current(s.ids.lookup(app.Namespace, app.Name, id))
}

// current picks, of the objects that carry one id, the one a finished rename leaves: not superseded by
// another of them. Normally there is exactly one object.
func current(objs []client.Object) client.Object {
	var pick client.Object
	for _, obj := range objs {
		if supersededIn(obj, objs) {
			continue
		}
		if pick == nil || obj.GetCreationTimestamp().After(pick.GetCreationTimestamp().Time) {
			pick = obj
		}
	}
	return pick
}

// supersededIn reports whether obj, one of the objects of its id, is the old half of a rename whose new
// object is among them.
func supersededIn(obj client.Object, objs []client.Object) bool {
	to := renamingTo(obj)
	return to != "" && slices.ContainsFunc(objs, func(o client.Object) bool { return o.GetName() == to })
}

// superseded reports whether a cached object is the old half of a rename whose new object the cache
// holds: readers skip it.
func (s *Store) superseded(app App, obj client.Object) bool {
	return supersededIn(obj, s.ids.lookup(app.Namespace, app.Name, idOf(obj)))
}

// List returns the application's records that pass the query, ordered by id so that paging is stable.
func (s *Store) List(ctx context.Context, app App, q filter.Query) ([]Record, error) {
	if q.Index == filter.ByID {
		obj, err := s.get(ctx, app, q.Key)
		if errors.Is(err, ErrNotFound) {
			return []Record{}, nil
		}
		if err != nil {
			return nil, err
		}
		rec := toRecord(app.Kind, obj)
		if !q.Matches(rec.ID, rec.User) {
			return []Record{}, nil
		}
		return []Record{rec}, nil
	}
	var sel client.MatchingFields
	switch q.Index {
	case filter.ByUserName:
		sel = client.MatchingFields{IndexUserName: indexKey(app.Name, q.Key)}
		s.awaitSeen(ctx, app, withLookup(lookupKey(lookupUserName, q.Key)))
	case filter.ByExternalID:
		sel = client.MatchingFields{IndexExternalID: indexKey(app.Name, q.Key)}
		s.awaitSeen(ctx, app, withLookup(lookupKey(lookupExternalID, q.Key)))
	default:
		sel = client.MatchingFields{IndexApplication: app.Name}
		s.awaitSeen(ctx, app, anyWrite)
	}
	list := app.Kind.NewList()
	// The cache's objects are only read here and converted at once, so the deep copy is saved.
	if err := s.cache.List(ctx, list, client.InNamespace(app.Namespace), sel, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list %s in %s: %w", app.Kind.Kind, app.Namespace, err)
	}
	out := []Record{}
	app.Kind.Items(list, func(obj client.Object) {
		if s.superseded(app, obj) {
			return
		}
		rec := toRecord(app.Kind, obj)
		if q.Matches(rec.ID, rec.User) {
			out = append(out, rec)
		}
	})
	slices.SortFunc(out, func(a, b Record) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out, nil
}

// Count returns how many records the application has in the cache, as it is: a metric's reading, which
// waits for no write in flight.
func (s *Store) Count(ctx context.Context, app App) (int, error) {
	list := app.Kind.NewList()
	err := s.cache.List(ctx, list, client.InNamespace(app.Namespace),
		client.MatchingFields{IndexApplication: app.Name}, client.UnsafeDisableDeepCopy)
	if err != nil {
		return 0, fmt.Errorf("count %s in %s: %w", app.Kind.Kind, app.Namespace, err)
	}
	n := 0
	app.Kind.Items(list, func(obj client.Object) {
		if !s.superseded(app, obj) {
			n++
		}
	})
	return n, nil
}

// Create stores a new record and returns it with its new id: one write, a create of the object its
// userName names.
func (s *Store) Create(ctx context.Context, app App, u model.User) (Record, error) {
	folded := model.Fold(u.UserName)
	if taken, err := s.takenInCache(ctx, app, folded, ""); err != nil || taken {
		return Record{}, errors.Join(err, takenErr(taken))
	}
	id, err := newID()
	if err != nil {
		return Record{}, err
	}
	want := s.newObject(app, folded, id, u)
	work, cancel := s.budget(ctx)
	defer cancel()
	obj, err := s.createOrFree(ctx, work, app, want)
	if err != nil {
		return Record{}, err
	}
	s.noteUnseen(app, obj, userLookups(u))
	return toRecord(app.Kind, obj), nil
}

// createOrFree creates a record object. When its name is held by an object that a rename has superseded
// (or that is being renamed away right now), it finishes that rename and tries once more; when the name
// is held by a record that keeps its userName, the answer is ErrUserNameTaken.
func (s *Store) createOrFree(ctx, work context.Context, app App, want client.Object) (client.Object, error) {
	for attempt := 0; ; attempt++ {
		obj, err := s.createObject(ctx, work, want)
		if err == nil || !apierrors.IsAlreadyExists(err) {
			return obj, err
		}
		if attempt > 0 {
			return nil, ErrUserNameTaken
		}
		holder := app.Kind.NewObject()
		if err := s.api.Get(work, client.ObjectKeyFromObject(want), holder); err != nil {
			if apierrors.IsNotFound(err) {
				continue // Deleted meanwhile.
			}
			return nil, fmt.Errorf("read the holder of %s: %w", want.GetName(), unavailable(err))
		}
		if holder.GetDeletionTimestamp() != nil {
			return nil, ErrUserNameInFlight // Being deleted: free in a moment.
		}
		if renamingTo(holder) == "" {
			return nil, ErrUserNameTaken
		}
		settled, err := s.settle(work, app, holder)
		if err != nil {
			return nil, err
		}
		if settled != nil && settled.GetName() == holder.GetName() {
			return nil, ErrUserNameTaken // The rename was undone or abandoned: the holder keeps it.
		}
	}
}

// createObject creates want (a copy of it). A create the API server did not answer may have landed: it is
// sent again under the same name and counts as done when it finds an object with its id there.
func (s *Store) createObject(ctx, work context.Context, want client.Object) (client.Object, error) {
	obj := want.DeepCopyObject().(client.Object)
	err := s.writer.Create(work, obj)
	if err == nil || !ambiguous(err) {
		return obj, wrapWrite("create", want, err)
	}
	cctx, cancel := s.cleanup(ctx)
	defer cancel()
	obj = want.DeepCopyObject().(client.Object)
	retryErr := s.writer.Create(cctx, obj)
	if retryErr == nil {
		return obj, nil
	}
	if apierrors.IsAlreadyExists(retryErr) {
		if err := s.api.Get(cctx, client.ObjectKeyFromObject(want), obj); err == nil && idOf(obj) == idOf(want) {
			return obj, nil
		}
		return nil, wrapWrite("create", want, retryErr)
	}
	return nil, wrapWrite("create", want, err)
}

// newObject returns a new record object of an application holding u under id.
func (s *Store) newObject(app App, folded, id string, u model.User) client.Object {
	obj := app.Kind.NewObject()
	obj.SetNamespace(app.Namespace)
	obj.SetName(ObjectName(app.Name, folded))
	obj.SetLabels(map[string]string{v1.ApplicationLabel: app.Name, v1.RecordIDLabel: id})
	obj.SetAnnotations(map[string]string{LastModifiedAnnotation: s.stamp()})
	app.Kind.SetUser(obj, u)
	return obj
}

// Update changes a record with mutate, which gets the stored User and returns the new one. A write
// conflict re-reads the record from the API server and calls mutate again, so the change always applies to
// the latest version and a conflict never reaches the client. A mutate error is returned as is.
func (s *Store) Update(ctx context.Context, app App, id string, mutate func(model.User) (model.User, error)) (Record, error) {
	cached, err := s.get(ctx, app, id)
	if err != nil {
		return Record{}, err
	}
	obj := cached.DeepCopyObject().(client.Object)
	work, cancel := s.budget(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		if obj, err = s.settle(work, app, obj); err != nil || obj == nil {
			return Record{}, errors.Join(err, notFoundIf(obj == nil && err == nil))
		}
		cur := app.Kind.UserOf(obj)
		next, err := mutate(cur)
		if err != nil {
			return Record{}, err
		}
		if next == cur {
			return toRecord(app.Kind, obj), nil
		}
		var written client.Object
		renaming := model.Fold(next.UserName) != model.Fold(cur.UserName)
		if renaming {
			written, err = s.rename(ctx, work, app, obj, next)
		} else {
			written, err = s.write(ctx, work, app, obj, next)
		}
		switch {
		case err == nil && renaming:
			s.waitCached(ctx, app, written) // Two objects change; readers pick by what the cache shows.
			return toRecord(app.Kind, written), nil
		case err == nil:
			s.noteUnseen(app, written, userLookups(cur, next))
			return toRecord(app.Kind, written), nil
		case (apierrors.IsConflict(err) || apierrors.IsNotFound(err)) && attempt < s.opts.MaxConflictRetries:
			// Changed or renamed meanwhile: settle re-reads it and follows a rename.
			obj = obj.DeepCopyObject().(client.Object)
			obj.SetResourceVersion("")
		case apierrors.IsNotFound(err):
			return Record{}, ErrNotFound
		default:
			return Record{}, wrapWrite("update", obj, err)
		}
	}
}

// write updates a record in place to hold next (its userName folds as before), clearing an abandoned
// rename mark. An update the API server did not answer may have landed: the record is read back (in the
// time kept for it) and the update taken as done if it holds exactly what was written.
func (s *Store) write(ctx, work context.Context, app App, obj client.Object, next model.User) (client.Object, error) {
	obj = obj.DeepCopyObject().(client.Object)
	app.Kind.SetUser(obj, next)
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	delete(annotations, v1.RenamingToAnnotation)
	delete(annotations, v1.RenamingSinceAnnotation)
	annotations[LastModifiedAnnotation] = s.stamp()
	obj.SetAnnotations(annotations)
	base := obj.GetResourceVersion()
	err := s.writer.Update(work, obj) // Carries resourceVersion: the API server refuses a stale base.
	if err != nil && ambiguous(err) {
		if landed, ok := s.landed(ctx, app, obj.GetName(), base, next); ok {
			return landed, nil
		}
	}
	return obj, err
}

// landed reads a record back from the API server after an ambiguous update from resourceVersion base, and
// reports whether it holds want at a newer version: then the update landed (or an identical one did).
func (s *Store) landed(ctx context.Context, app App, name, base string, want model.User) (client.Object, bool) {
	cctx, cancel := s.cleanup(ctx)
	defer cancel()
	obj := app.Kind.NewObject()
	if err := s.api.Get(cctx, client.ObjectKey{Namespace: app.Namespace, Name: name}, obj); err != nil {
		return nil, false
	}
	return obj, obj.GetResourceVersion() != base && app.Kind.UserOf(obj) == want
}

// Delete removes a record: its object, and the old half of a rename that did not finish.
func (s *Store) Delete(ctx context.Context, app App, id string) error {
	cached, err := s.get(ctx, app, id)
	if err != nil {
		return err
	}
	obj := cached.DeepCopyObject().(client.Object)
	work, cancel := s.budget(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		if obj, err = s.settle(work, app, obj); err != nil || obj == nil {
			return errors.Join(err, notFoundIf(obj == nil && err == nil))
		}
		// The resourceVersion precondition keeps a delete from landing on a record that a rename has
		// just marked: the rename would bring it back under its new name.
		uid, rv := obj.GetUID(), obj.GetResourceVersion()
		err = s.writer.Delete(work, obj, client.Preconditions{UID: &uid, ResourceVersion: &rv})
		switch {
		case err == nil:
		case (apierrors.IsConflict(err) || apierrors.IsNotFound(err)) && attempt < s.opts.MaxConflictRetries:
			obj = obj.DeepCopyObject().(client.Object)
			obj.SetResourceVersion("")
			continue
		case apierrors.IsNotFound(err):
			return ErrNotFound
		case !ambiguous(err) || !s.gone(ctx, app, obj.GetName(), uid):
			return wrapWrite("delete", obj, err)
		}
		s.ids.unseen.forget(app, id)
		s.waitGone(ctx, app, obj)
		return nil
	}
}

// gone reports whether, read back from the API server after an ambiguous delete, the object version uid
// is no longer there.
func (s *Store) gone(ctx context.Context, app App, name string, uid types.UID) bool {
	cctx, cancel := s.cleanup(ctx)
	defer cancel()
	obj := app.Kind.NewObject()
	err := s.api.Get(cctx, client.ObjectKey{Namespace: app.Namespace, Name: name}, obj)
	return apierrors.IsNotFound(err) || (err == nil && obj.GetUID() != uid)
}

// takenInCache is the cheap check before any write: Entra's usual duplicate (a POST for a userName it
// failed to match) is answered from the cache, and so are userNames held by records from before derived
// object names. self is the id of the record asking (a rename), which does not count.
func (s *Store) takenInCache(ctx context.Context, app App, folded, self string) (bool, error) {
	list := app.Kind.NewList()
	err := s.cache.List(ctx, list, client.InNamespace(app.Namespace),
		client.MatchingFields{IndexUserName: indexKey(app.Name, folded)}, client.UnsafeDisableDeepCopy)
	if err != nil {
		return false, fmt.Errorf("look up userName in %s: %w", app.Namespace, err)
	}
	taken := false
	app.Kind.Items(list, func(obj client.Object) {
		taken = taken || (idOf(obj) != self && !s.superseded(app, obj))
	})
	return taken, nil
}

func takenErr(taken bool) error {
	if taken {
		return ErrUserNameTaken
	}
	return nil
}

func notFoundIf(missing bool) error {
	if missing {
		return ErrNotFound
	}
	return nil
}

// wrapWrite names the write and the object in err, marking an unavailable API server.
func wrapWrite(verb string, obj client.Object, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s/%s: %w", verb, obj.GetNamespace(), obj.GetName(), unavailable(err))
}

// stamp is the current time as the annotations hold it.
func (s *Store) stamp() string { return s.now().UTC().Format(time.RFC3339) }

// newID returns a random RFC 4122 version 4 UUID, lower-case, as Entra expects ids to look.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate an id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// parseRV reads a resourceVersion as a number. Kubernetes calls them opaque, but etcd's are revision
// numbers; where one is not, the caller falls back to equality.
func parseRV(rv string) (uint64, bool) {
	n, err := strconv.ParseUint(rv, 10, 64)
	return n, err == nil
}
