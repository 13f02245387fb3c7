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

package scim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/credential"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// tokenDigest is the SHA-256 of a bearer token: the only form in which tokens stay in memory.
type tokenDigest [sha256.Size]byte

// appEntry is what the token table knows of one ScimApplication.
type appEntry struct {
	app       store.App
	tenantURL string
	digest    tokenDigest
	hasToken  bool
	// previous is the token the Secret held before a rotation: Entra keeps sending it until the
	// controller's secrets PUT succeeds, so it stays accepted until status.secretsHash moves on from
	// pushedHash, and never past previousUntil.
	previous      tokenDigest
	previousUntil time.Time
	pushedHash    string
	// appVersion and secretVersion are the resource versions the row was built from: a failed
	// authentication re-reads only applications whose cached versions differ.
	appVersion, secretVersion string
}

// previousValid reports whether the previous token is accepted at now.
func (e *appEntry) previousValid(now time.Time) bool {
	return !e.previousUntil.IsZero() && now.Before(e.previousUntil)
}

// indexed is one accepted token of an application: its current one, or its previous one until a time.
type indexed struct {
	entry appEntry
	until time.Time // zero: no end
}

// tokenSecretIndex indexes ScimApplications by the name of their token Secret.
const tokenSecretIndex = "scim.tokenSecret"

// refreshInterval bounds the reads that failed authentications cause: at most one scan of the cache per
// kind per interval, whatever the rate of bad tokens, and one Secret read per changed application.
const refreshInterval = time.Second

// rotationOverlap bounds how long a rotated-out token keeps working while Entra has not been given the
// new one (the controller's secrets PUT keeps failing).
const rotationOverlap = time.Hour

// tokens is the digest table (token digest → application) and the controller that keeps it: a
// controller-runtime reconciler of ScimApplications that runs on every replica (every replica serves
// SCIM). A change of an application, or of the metadata of its token Secret, reconciles the application:
// its Secret is read from the API server, only if it opts in with v1.SecretTypeLabel, and only the digest
// of its token is kept. Secrets are watched metadata-only through the manager's cache, which selects the
// opted-in Secrets and strips their annotations (cmd/main.go); nothing here changes with that selector.
//
// A bearer token is checked without locks: the digest index is an immutable map behind an atomic
// pointer, replaced whole on every change. A token that matches nothing may be one whose Secret event the
// controller has not handled yet, so it triggers a refresh, but a bounded one: applications whose events
// are pending (dirty) are reconciled at once, each at most once per refreshInterval; a scan of the cache
// for rows older than the cached objects runs at most once per kind per refreshInterval. A flood of wrong
// tokens therefore costs neither API server reads nor lock contention.
type tokens struct {
	kinds  model.Kinds
	cache  client.Reader // ScimApplications and Secret metadata, through the manager's cache.
	secret client.Reader // Secrets, straight from the API server.
	// now is the clock; refreshEvery and overlap the bounds above (tests shorten or lengthen them).
	now          func() time.Time
	refreshEvery time.Duration
	overlap      time.Duration

	mu        sync.Mutex // guards apps and refreshed; never taken on the authentication path
	apps      map[types.NamespacedName]appEntry
	refreshed map[types.NamespacedName]time.Time
	byDigest  atomic.Pointer[map[tokenDigest][]indexed]
	// dirty holds applications with an event not reconciled yet; dirtyCount lets lookups skip it.
	dirty      sync.Map // types.NamespacedName → struct{}
	dirtyCount atomic.Int64
	// scans is the state of the cache scans, per kind; cacheVersions the cache's position.
	scans         sync.Map // model.Kind → *scanState
	cacheVersions func() string
}

// scanState is when a kind's cache scan last ran, and at which cache position.
type scanState struct {
	at       atomic.Int64 // UnixNano
	versions atomic.Pointer[string]
}

// lastSyncVersioner is the part of client-go's shared informer that tells the resource version of the
// last event it received; the informer's store is updated after that version is.
type lastSyncVersioner interface {
	LastSyncResourceVersion() string
}

func newTokens(cache, secrets client.Reader, kinds model.Kinds) *tokens {
	t := &tokens{
		kinds: kinds, cache: cache, secret: secrets,
		now: time.Now, refreshEvery: refreshInterval, overlap: rotationOverlap,
		apps:      map[types.NamespacedName]appEntry{},
		refreshed: map[types.NamespacedName]time.Time{},
	}
	t.byDigest.Store(&map[tokenDigest][]indexed{})
	t.cacheVersions = func() string { return "" }
	return t
}

// setupWithManager registers the token controller and the Secret-name index it maps Secrets through.
func (t *tokens) setupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1.ScimApplication{}, tokenSecretIndex, func(o client.Object) []string {
		return []string{o.(*v1.ScimApplication).Spec.TokenSecretRef.Name}
	}); err != nil {
		return fmt.Errorf("index ScimApplications by token Secret: %w", err)
	}
	secretMeta := &metav1.PartialObjectMetadata{}
	secretMeta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	var versioners []lastSyncVersioner
	for _, obj := range []client.Object{&v1.ScimApplication{}, secretMeta} {
		inf, err := mgr.GetCache().GetInformer(ctx, obj)
		if err != nil {
			return fmt.Errorf("get the informer of %T: %w", obj, err)
		}
		if v, ok := inf.(lastSyncVersioner); ok {
			versioners = append(versioners, v)
		}
	}
	t.cacheVersions = func() string {
		var b strings.Builder
		for _, v := range versioners {
			b.WriteString(v.LastSyncResourceVersion())
			b.WriteByte('/')
		}
		return b.String()
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("scim-tokens").
		For(&v1.ScimApplication{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			t.markDirty(client.ObjectKeyFromObject(o))
			return true
		}))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(t.appsForSecret)).
		WithOptions(controller.Options{NeedLeaderElection: new(false)}).
		Complete(t)
}

func (t *tokens) markDirty(name types.NamespacedName) {
	if _, loaded := t.dirty.LoadOrStore(name, struct{}{}); !loaded {
		t.dirtyCount.Add(1)
	}
}

func (t *tokens) clearDirty(name types.NamespacedName) {
	if _, loaded := t.dirty.LoadAndDelete(name); loaded {
		t.dirtyCount.Add(-1)
	}
}

func (t *tokens) appsForSecret(ctx context.Context, secret client.Object) []ctrl.Request {
	apps := &v1.ScimApplicationList{}
	if err := t.cache.List(ctx, apps, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{tokenSecretIndex: secret.GetName()}); err != nil {
		logf.FromContext(ctx).Error(err, "Failed to list the applications of a token Secret")
		return nil
	}
	requests := make([]ctrl.Request, 0, len(apps.Items))
	for _, a := range apps.Items {
		name := client.ObjectKeyFromObject(&a)
		t.markDirty(name)
		requests = append(requests, ctrl.Request{NamespacedName: name})
	}
	return requests
}

// Reconcile brings one application's row of the table up to date: gone when the application is gone or
// of a kind no endpoint serves, without a token while it is being deleted (Entra's writes must stop
// before its records are cleaned up), otherwise the digest of the token its Secret holds now, and the
// previous one while a rotation is under way.
func (t *tokens) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	t.clearDirty(req.NamespacedName)
	app := &v1.ScimApplication{}
	if err := t.cache.Get(ctx, req.NamespacedName, app); err != nil {
		if apierrors.IsNotFound(err) {
			t.set(req.NamespacedName, nil)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	kind, err := t.kinds.Lookup(app.Spec.ResourceType)
	if err != nil {
		// No endpoint serves the kind, so no token of it is accepted; nothing to retry until it changes.
		logf.FromContext(ctx).Info("No SCIM endpoint serves the application's resourceType", "error", err.Error())
		t.set(req.NamespacedName, nil)
		return ctrl.Result{}, nil
	}
	tenantURL := app.Status.TenantURL
	if tenantURL == "" {
		tenantURL = app.Spec.TenantURL
	}
	e := &appEntry{
		app:        store.App{Namespace: app.Namespace, Name: app.Name, Kind: kind},
		tenantURL:  baseOf(tenantURL),
		appVersion: app.ResourceVersion,
	}
	if !app.DeletionTimestamp.IsZero() {
		e.secretVersion = t.cachedSecretVersion(ctx, app)
		t.set(req.NamespacedName, e) // Known, but no token opens it any more.
		return ctrl.Result{}, nil
	}
	secret := &corev1.Secret{}
	// Only an opted-in Secret's data is read; an unlabelled one comes back metadata-only.
	err = credential.GetOptedIn(ctx, t.secret, client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TokenSecretRef.Name}, secret)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("read the token Secret of %s: %w", req.NamespacedName, err)
	case credential.CheckOptedIn(secret) != nil:
		// The controller reports it on the application (SecretNotLabelled); no token of it is accepted.
		// The metadata cache holds no such Secret, so the row's Secret version stays empty as well.
	default:
		e.secretVersion = secret.ResourceVersion
		if v := credential.NormalizeToken(string(secret.Data[app.Spec.TokenSecretRef.Key])); v != "" {
			e.digest, e.hasToken = sha256.Sum256([]byte(v)), true
		}
	}
	t.mu.Lock()
	old, hadOld := t.apps[req.NamespacedName]
	t.mu.Unlock()
	if hadOld {
		t.carryPrevious(e, &old, app.Status.SecretsHash)
	}
	t.set(req.NamespacedName, e)
	if e.previousValid(t.now()) {
		return ctrl.Result{RequeueAfter: e.previousUntil.Sub(t.now())}, nil
	}
	return ctrl.Result{}, nil
}

// carryPrevious keeps the token Entra may still hold. A rotation starts when the token changes while
// Entra has been given one (status.secretsHash is set); it ends when the hash changes (the controller
// pushed the new token), when the Secret goes back to the previous token, or at the overlap's end.
func (t *tokens) carryPrevious(e, old *appEntry, secretsHash string) {
	now := t.now()
	switch {
	case old.previousValid(now) && old.pushedHash == secretsHash:
		e.previous, e.previousUntil, e.pushedHash = old.previous, old.previousUntil, old.pushedHash
	case old.hasToken && e.hasToken && old.digest != e.digest && secretsHash != "":
		e.previous, e.previousUntil, e.pushedHash = old.digest, now.Add(t.overlap), secretsHash
	}
	if !e.hasToken || e.previous == e.digest {
		e.previous, e.previousUntil, e.pushedHash = tokenDigest{}, time.Time{}, ""
	}
}

// set replaces an application's row (nil removes it) and publishes a new digest index.
func (t *tokens) set(name types.NamespacedName, e *appEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e == nil {
		delete(t.apps, name)
		delete(t.refreshed, name)
	} else {
		t.apps[name] = *e
	}
	by := make(map[tokenDigest][]indexed, len(t.apps))
	for _, e := range t.apps {
		if e.hasToken {
			by[e.digest] = append(by[e.digest], indexed{entry: e})
		}
		if e.hasToken && !e.previousUntil.IsZero() {
			by[e.previous] = append(by[e.previous], indexed{entry: e, until: e.previousUntil})
		}
	}
	t.byDigest.Store(&by)
}

// refresh reconciles, after a failed authentication, the applications of a kind whose row may be behind:
// those with a pending event, and (at most once per refreshEvery per kind) those whose cached application
// or Secret metadata is newer than their row. Each is reconciled at most once per refreshEvery. It
// reports whether it reconciled anything, so that the caller looks the token up again.
func (t *tokens) refresh(ctx context.Context, kind model.Kind) bool {
	now := t.now()
	var candidates []types.NamespacedName
	if t.dirtyCount.Load() > 0 {
		t.dirty.Range(func(k, _ any) bool {
			candidates = append(candidates, k.(types.NamespacedName))
			return true
		})
	}
	if t.scanDue(kind, now) {
		candidates = append(candidates, t.stale(ctx, kind)...)
	}
	if len(candidates) == 0 {
		return false
	}
	var due []types.NamespacedName
	t.mu.Lock()
	for _, name := range candidates {
		if now.Sub(t.refreshed[name]) < t.refreshEvery {
			continue
		}
		t.refreshed[name] = now
		due = append(due, name)
	}
	t.mu.Unlock()
	for _, name := range due {
		if _, err := t.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			logf.FromContext(ctx).Error(err, "Failed to refresh a token", "application", name)
		}
	}
	return len(due) > 0
}

// scanDue claims the kind's cache scan: due when the cache received an event since the last scan (the
// event may be the application or Secret a new token belongs to), or else once per refreshEvery. A flood
// of wrong tokens on an unchanging cluster therefore scans once per refreshEvery, not once per request.
func (t *tokens) scanDue(kind model.Kind, now time.Time) bool {
	v, _ := t.scans.LoadOrStore(kind, &scanState{})
	st := v.(*scanState)
	versions := t.cacheVersions()
	prev := st.versions.Load()
	if prev != nil && *prev == versions && now.Sub(time.Unix(0, st.at.Load())) < t.refreshEvery {
		return false
	}
	if !st.versions.CompareAndSwap(prev, &versions) {
		return false // another request claimed it
	}
	st.at.Store(now.UnixNano())
	return true
}

// stale lists, from the cache, the applications of a kind whose row is missing or older than the cached
// application or its Secret's metadata.
func (t *tokens) stale(ctx context.Context, kind model.Kind) []types.NamespacedName {
	apps := &v1.ScimApplicationList{}
	if err := t.cache.List(ctx, apps, client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "Failed to list ScimApplications from the cache")
		return nil
	}
	var out []types.NamespacedName
	for i := range apps.Items {
		a := &apps.Items[i]
		if a.Spec.ResourceType != kind {
			continue
		}
		name := client.ObjectKeyFromObject(a)
		t.mu.Lock()
		row, ok := t.apps[name]
		t.mu.Unlock()
		if !ok || row.appVersion != a.ResourceVersion || row.secretVersion != t.cachedSecretVersion(ctx, a) {
			out = append(out, name)
		}
	}
	return out
}

// cachedSecretVersion is the resource version of an application's token Secret in the metadata cache,
// empty when the cache has none (missing, or not opted in).
func (t *tokens) cachedSecretVersion(ctx context.Context, app *v1.ScimApplication) string {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := t.cache.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TokenSecretRef.Name}, meta); err != nil {
		return ""
	}
	return meta.ResourceVersion
}

// deleting reports whether the cached application is being deleted. Writes check it on top of the
// table: the table drops a deleted application's token as soon as its controller runs, and this check
// closes the moment between the cache's update and that run, before the records are cleaned up.
func (t *tokens) deleting(ctx context.Context, app store.App) bool {
	cached := &v1.ScimApplication{}
	// Read-only, on every write request: a shallow copy of the cached object, not a deep copy.
	err := t.cache.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: app.Name}, cached, client.UnsafeDisableDeepCopy)
	return err != nil || !cached.DeletionTimestamp.IsZero()
}

// synced reports whether every application in the cache has its row.
func (t *tokens) synced(ctx context.Context) bool {
	apps := &v1.ScimApplicationList{}
	if err := t.cache.List(ctx, apps, client.UnsafeDisableDeepCopy); err != nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range apps.Items {
		if _, err := t.kinds.Lookup(apps.Items[i].Spec.ResourceType); err != nil {
			continue
		}
		if _, ok := t.apps[client.ObjectKeyFromObject(&apps.Items[i])]; !ok {
			return false
		}
	}
	return true
}

// lookup returns the application a bearer token belongs to among those of the given kind. The digest
// (not the token) is the map key, so lookup time tells nothing about the token; the final comparison is
// constant-time all the same. A token shared by two applications of one kind selects neither. It takes
// no lock.
func (t *tokens) lookup(token []byte, kind model.Kind) (appEntry, bool) {
	if len(token) == 0 {
		return appEntry{}, false
	}
	d := sha256.Sum256(token)
	cands := (*t.byDigest.Load())[d]
	now := t.now()
	var found indexed
	n := 0
	for _, c := range cands {
		if c.entry.app.Kind.Kind == kind && (c.until.IsZero() || now.Before(c.until)) {
			found = c
			n++
		}
	}
	if n != 1 {
		return appEntry{}, false
	}
	want := found.entry.digest
	if !found.until.IsZero() {
		want = found.entry.previous
	}
	if subtle.ConstantTimeCompare(want[:], d[:]) != 1 {
		return appEntry{}, false
	}
	return found.entry, true
}

// applications lists the known applications, for the record-count metric.
func (t *tokens) applications() []store.App {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]store.App, 0, len(t.apps))
	for _, e := range t.apps {
		out = append(out, e.app)
	}
	return out
}

// baseOf reduces a Tenant URL to scheme, host and path: Entra's ?aadOptscim062020 flag is no part of
// resource locations.
func baseOf(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
