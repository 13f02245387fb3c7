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
// through field indexes, writes through the API server with optimistic concurrency, and keeps userName
// unique per ScimApplication with UserNameClaim objects.
//
// Uniqueness. Before a record is created, or its userName changes to one that folds differently, the store
// creates a UserNameClaim named after (application, folded userName). The API server creates an object
// name once, so of concurrent requests for one userName, on any replica, exactly one gets the claim; the
// others answer 409. The record's name (the SCIM id) is random and never changes, so renames keep the id.
// A claim is released (deleted) when its record is deleted or renamed away. A request interrupted between
// its two writes leaves a claim whose record is missing or holds another userName; such a claim is stale
// once it is older than the claim grace period (far longer than any request may run), and the next
// request that needs the userName deletes it (with a UID and resourceVersion precondition) and claims
// anew. Until then a request for that userName waits a moment for the claim's record and, if it does not
// come, answers ErrUserNameInFlight (503, try again later), not 409: the outcome is still open.
//
// API server outages. Each request's writes get its time less CleanupTimeout; the rest is for resolving
// and cleaning up, so that every request is answered within its timeout, never with a broken connection.
// A write the API server did not answer may have landed. An ambiguous create is sent again under the same
// name (it lands, or finds itself there); an ambiguous update or delete is read back. What cannot be
// resolved in time is answered with ErrUnavailable (503) and finished in the background as soon as the API
// server answers again (bounded by ResolveFor and MaxPending): an unanswered create is completed, so
// Entra's retry finds the record with its match lookup and makes no second one; a claim whose record
// never came is released. So no userName stays held by a claim without its record once the API server is
// back, unless the replica that made the claim died meanwhile (then the claim grace period applies).
//
// Read-your-writes. A write returns only once the informer cache holds it (bounded by CacheWait), so a
// GET or filter that follows on the same replica sees it; GET by id falls back to the API server on a
// cache miss, so it also holds across replicas.
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
	"k8s.io/apimachinery/pkg/util/validation"
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
	// CacheWait bounds how long a write waits for the informer cache to show it.
	CacheWait time.Duration
	// ClaimGrace is the age after which a claim whose record does not hold it counts as stale.
	ClaimGrace time.Duration
	// MaxConflictRetries bounds the optimistic-concurrency retries of one update.
	MaxConflictRetries int
	// CleanupTimeout is the part of a request's time kept back for resolving an ambiguous write and
	// releasing claims after the main work, and the bound of each background attempt at them.
	CleanupTimeout time.Duration
	// ResolveFor bounds how long work a request left for the API server's return is retried.
	ResolveFor time.Duration
	// MaxPending bounds the pieces of such work waiting at once.
	MaxPending int
}

// DefaultOptions are the options the server uses.
func DefaultOptions() Options {
	return Options{CacheWait: 5 * time.Second, ClaimGrace: 2 * time.Minute, MaxConflictRetries: 20,
		CleanupTimeout: 3 * time.Second, ResolveFor: 2 * time.Minute, MaxPending: 1024}
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
}

// New returns a Store reading from cache (the manager's informer cache, with the indexes of
// RegisterIndexes), falling back to api (an uncached reader) and writing with writer. Zero durations
// take DefaultOptions' values.
func New(cache, api client.Reader, writer client.Client, opts Options) *Store {
	d := DefaultOptions()
	for _, f := range []struct{ v, d *time.Duration }{
		{&opts.CacheWait, &d.CacheWait}, {&opts.ClaimGrace, &d.ClaimGrace},
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

// Get returns one record of the application.
func (s *Store) Get(ctx context.Context, app App, id string) (Record, error) {
	obj, err := s.get(ctx, app, id)
	if err != nil {
		return Record{}, err
	}
	return toRecord(app.Kind, obj), nil
}

// get reads a record from the cache, falling back to the API server on a miss.
func (s *Store) get(ctx context.Context, app App, id string) (client.Object, error) {
	if len(validation.IsDNS1123Subdomain(id)) > 0 {
		return nil, ErrNotFound // Not a name any record can have; also keeps odd ids out of API paths.
	}
	obj := app.Kind.NewObject()
	key := client.ObjectKey{Namespace: app.Namespace, Name: id}
	err := s.cache.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) {
		err = s.api.Get(ctx, key, obj)
	}
	if apierrors.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %s/%s: %w", app.Kind.Kind, app.Namespace, id, unavailable(err))
	}
	if obj.GetLabels()[v1.ApplicationLabel] != app.Name {
		return nil, ErrNotFound // Another application's record: it does not exist for this one.
	}
	return obj, nil
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
	case filter.ByExternalID:
		sel = client.MatchingFields{IndexExternalID: indexKey(app.Name, q.Key)}
	default:
		sel = client.MatchingFields{IndexApplication: app.Name}
	}
	list := app.Kind.NewList()
	// The cache's objects are only read here and converted at once, so the deep copy is saved.
	if err := s.cache.List(ctx, list, client.InNamespace(app.Namespace), sel, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list %s in %s: %w", app.Kind.Kind, app.Namespace, err)
	}
	out := []Record{}
	app.Kind.Items(list, func(obj client.Object) {
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

// Count returns how many records the application has in the cache.
func (s *Store) Count(ctx context.Context, app App) (int, error) {
	list := app.Kind.NewList()
	err := s.cache.List(ctx, list, client.InNamespace(app.Namespace),
		client.MatchingFields{IndexApplication: app.Name}, client.UnsafeDisableDeepCopy)
	if err != nil {
		return 0, fmt.Errorf("count %s in %s: %w", app.Kind.Kind, app.Namespace, err)
	}
	n := 0
	app.Kind.Items(list, func(client.Object) { n++ })
	return n, nil
}

// Create stores a new record and returns it with its new id.
//
// When the API server does not answer the record's create in time, the create may have landed. The store
// then tries, in the time kept back for it, to finish it: it sends the same create again (same name),
// which either lands or finds the record there. If that fails too, the client gets ErrUnavailable (503)
// and the create is finished in the background as soon as the API server is back; the claim stays with
// its record, no userName is left blocked by a claim without a record, and Entra's retry finds the record
// with its match lookup instead of creating a second one.
func (s *Store) Create(ctx context.Context, app App, u model.User) (Record, error) {
	folded := model.Fold(u.UserName)
	if taken, err := s.takenInCache(ctx, app, folded, ""); err != nil || taken {
		return Record{}, errors.Join(err, takenErr(taken))
	}
	id, err := newID()
	if err != nil {
		return Record{}, err
	}
	work, cancel := s.budget(ctx)
	defer cancel()
	if err := s.claim(work, app, folded, id); err != nil {
		if ambiguous(err) {
			// The claim may have landed without a record to hold it: release it, now or once the
			// API server is back.
			s.releaseOrLater(ctx, app, folded, id)
		}
		return Record{}, unavailable(err)
	}
	obj := app.Kind.NewObject()
	obj.SetNamespace(app.Namespace)
	obj.SetName(id)
	obj.SetLabels(map[string]string{v1.ApplicationLabel: app.Name})
	obj.SetAnnotations(map[string]string{LastModifiedAnnotation: s.now().UTC().Format(time.RFC3339)})
	app.Kind.SetUser(obj, u)
	want := obj.DeepCopyObject().(client.Object)
	if err := s.writer.Create(work, obj); err != nil {
		if !ambiguous(err) {
			// Refused: the claim must not outlive a record that never came to be.
			s.releaseOrLater(ctx, app, folded, id)
			return Record{}, fmt.Errorf("create %s %s/%s: %w", app.Kind.Kind, app.Namespace, id, err)
		}
		cctx, cancelCleanup := s.cleanup(ctx)
		defer cancelCleanup()
		done, finishErr := s.finishCreate(cctx, want)
		if finishErr != nil {
			s.later(ctx, "finish create "+app.String()+"/"+id, func(ctx context.Context) error {
				_, err := s.finishCreate(ctx, want)
				return err
			})
			return Record{}, unavailable(fmt.Errorf("create %s %s/%s: %w", app.Kind.Kind, app.Namespace, id, err))
		}
		obj = done
	}
	s.waitCached(ctx, app, obj.GetName(), obj.GetResourceVersion())
	return toRecord(app.Kind, obj), nil
}

// finishCreate makes sure a record whose create may or may not have landed exists: it creates it again
// under the same name, or reads it if it is there. The name is random and claimed for this record, so an
// object of that name is this record.
func (s *Store) finishCreate(ctx context.Context, want client.Object) (client.Object, error) {
	obj := want.DeepCopyObject().(client.Object)
	err := s.writer.Create(ctx, obj)
	if err == nil {
		return obj, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	obj = want.DeepCopyObject().(client.Object)
	if err := s.api.Get(ctx, client.ObjectKeyFromObject(want), obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// Update changes a record with mutate, which gets the stored User and returns the new one. A write
// conflict re-reads the record from the API server and calls mutate again, so the change always applies to
// the latest version and a conflict never reaches the client. A mutate error is returned as is.
func (s *Store) Update(ctx context.Context, app App, id string, mutate func(model.User) (model.User, error)) (Record, error) {
	obj, err := s.get(ctx, app, id)
	if err != nil {
		return Record{}, err
	}
	claimed := map[string]bool{} // Claims this call holds for userNames other than the stored one.
	defer func() {
		for folded := range claimed {
			s.releaseOrLater(ctx, app, folded, id)
		}
	}()
	work, cancel := s.budget(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		cur := app.Kind.UserOf(obj)
		next, err := mutate(cur)
		if err != nil {
			return Record{}, err
		}
		if next == cur {
			return toRecord(app.Kind, obj), nil
		}
		oldFolded, newFolded := model.Fold(cur.UserName), model.Fold(next.UserName)
		if newFolded != oldFolded && !claimed[newFolded] {
			if err := s.claimRename(ctx, work, app, newFolded, id, claimed); err != nil {
				return Record{}, err
			}
		}
		obj, err = s.write(ctx, work, app, obj, next)
		switch {
		case err == nil:
			delete(claimed, newFolded) // Held by the record now; the old userName's claim goes instead.
			if newFolded != oldFolded {
				claimed[oldFolded] = true
			}
			s.waitCached(ctx, app, id, obj.GetResourceVersion())
			return toRecord(app.Kind, obj), nil
		case apierrors.IsConflict(err) && attempt < s.opts.MaxConflictRetries:
			obj = app.Kind.NewObject()
			if err := s.api.Get(work, client.ObjectKey{Namespace: app.Namespace, Name: id}, obj); err != nil {
				if apierrors.IsNotFound(err) {
					return Record{}, ErrNotFound
				}
				return Record{}, fmt.Errorf("re-read %s %s/%s after a conflict: %w", app.Kind.Kind, app.Namespace, id, unavailable(err))
			}
		case apierrors.IsNotFound(err):
			return Record{}, ErrNotFound
		default:
			return Record{}, fmt.Errorf("update %s %s/%s: %w", app.Kind.Kind, app.Namespace, id, unavailable(err))
		}
	}
}

// claimRename claims the userName a record is renamed to, adding it to claimed when the claim is (or may
// be) there, so that the caller releases it unless the record comes to hold it.
func (s *Store) claimRename(ctx, work context.Context, app App, folded, id string, claimed map[string]bool) error {
	if taken, err := s.takenInCache(ctx, app, folded, id); err != nil || taken {
		return errors.Join(err, takenErr(taken))
	}
	err := s.claim(work, app, folded, id)
	if err == nil || ambiguous(err) {
		claimed[folded] = true // When ambiguous, it may have landed; released on the way out.
	}
	return unavailable(err)
}

// write updates a record to hold next. An update the API server did not answer may have landed: the record
// is read back (in the time kept for it) and the update taken as done if it holds exactly what was written.
func (s *Store) write(ctx, work context.Context, app App, obj client.Object, next model.User) (client.Object, error) {
	app.Kind.SetUser(obj, next)
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[LastModifiedAnnotation] = s.now().UTC().Format(time.RFC3339)
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
func (s *Store) landed(ctx context.Context, app App, id, base string, want model.User) (client.Object, bool) {
	cctx, cancel := s.cleanup(ctx)
	defer cancel()
	obj := app.Kind.NewObject()
	if err := s.api.Get(cctx, client.ObjectKey{Namespace: app.Namespace, Name: id}, obj); err != nil {
		return nil, false
	}
	return obj, obj.GetResourceVersion() != base && app.Kind.UserOf(obj) == want
}

// Delete removes a record and releases its userName.
func (s *Store) Delete(ctx context.Context, app App, id string) error {
	obj, err := s.get(ctx, app, id)
	if err != nil {
		return err
	}
	uid := obj.GetUID()
	work, cancel := s.budget(ctx)
	defer cancel()
	if err := s.writer.Delete(work, obj, client.Preconditions{UID: &uid}); err != nil {
		if apierrors.IsNotFound(err) {
			return ErrNotFound
		}
		if !ambiguous(err) || !s.gone(ctx, app, id, uid) {
			return fmt.Errorf("delete %s %s/%s: %w", app.Kind.Kind, app.Namespace, id, unavailable(err))
		}
	}
	s.releaseOrLater(ctx, app, model.Fold(app.Kind.UserOf(obj).UserName), id)
	s.waitGone(ctx, app, id)
	return nil
}

// gone reports whether, read back from the API server after an ambiguous delete, the record version uid is
// no longer there.
func (s *Store) gone(ctx context.Context, app App, id string, uid types.UID) bool {
	cctx, cancel := s.cleanup(ctx)
	defer cancel()
	obj := app.Kind.NewObject()
	err := s.api.Get(cctx, client.ObjectKey{Namespace: app.Namespace, Name: id}, obj)
	return apierrors.IsNotFound(err) || (err == nil && obj.GetUID() != uid)
}

// takenInCache is the cheap check before any write: Entra's usual duplicate (a POST for a userName it
// failed to match) is answered from the cache. The claim decides races.
func (s *Store) takenInCache(ctx context.Context, app App, folded, self string) (bool, error) {
	list := app.Kind.NewList()
	err := s.cache.List(ctx, list, client.InNamespace(app.Namespace),
		client.MatchingFields{IndexUserName: indexKey(app.Name, folded)}, client.UnsafeDisableDeepCopy)
	if err != nil {
		return false, fmt.Errorf("look up userName in %s: %w", app.Namespace, err)
	}
	taken := false
	app.Kind.Items(list, func(obj client.Object) { taken = taken || obj.GetName() != self })
	return taken, nil
}

func takenErr(taken bool) error {
	if taken {
		return ErrUserNameTaken
	}
	return nil
}

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

// ClaimName is the name of the UserNameClaim for a folded userName of an application: a hash, since a
// userName may hold characters no object name can.
func ClaimName(app, folded string) string {
	sum := sha256.Sum256([]byte(app + "\x00" + folded))
	return "u-" + hex.EncodeToString(sum[:20])
}

// parseRV reads a resourceVersion as a number. Kubernetes calls them opaque, but etcd's are revision
// numbers; where one is not, the caller falls back to equality.
func parseRV(rv string) (uint64, bool) {
	n, err := strconv.ParseUint(rv, 10, 64)
	return n, err == nil
}
