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
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// tokenDigest is the SHA-256 of a bearer token: the only form in which tokens stay in memory.
type tokenDigest [sha256.Size]byte

// appEntry is what the registry knows of one ScimApplication.
type appEntry struct {
	app       store.App
	secret    types.NamespacedName
	key       string
	tenantURL string
}

// secretWatch follows one Secret by name, in its namespace only.
type secretWatch struct {
	refs     int
	cancel   context.CancelFunc
	informer toolscache.SharedInformer
	digests  map[string]tokenDigest // Secret key -> digest of its (trimmed) value.
	version  uint64                 // resourceVersion the digests come from; 0 for none.
	// refreshed is when a failed authentication last read the Secret directly.
	refreshed time.Time
}

// refreshInterval bounds the direct Secret reads that failed authentications cause: at most one per
// Secret per interval, whatever the rate of bad tokens.
const refreshInterval = time.Second

// tokens maps bearer tokens to applications. It follows ScimApplications through the manager's cache and
// each referenced Secret through a watch of that one Secret (field selector on its name, in its
// namespace): there is no cluster-wide Secret cache, and a rotated token works, and the old one stops
// working, as soon as the watch event arrives.
type tokens struct {
	kinds   model.Kinds
	core    toolscache.Getter // The core/v1 REST client, for the watches.
	secrets corev1client.SecretsGetter

	mu       sync.RWMutex
	ctx      context.Context
	reader   client.Reader // The manager's cache, for refresh.
	apps     map[types.NamespacedName]appEntry
	watches  map[types.NamespacedName]*secretWatch
	byDigest map[tokenDigest][]appEntry
	// deleted holds the UIDs of deleted applications, so that refresh, which reads the cache without the
	// informer's ordering, never brings one back.
	deleted  map[types.UID]bool
	appsSync toolscache.InformerSynced
}

func newTokens(core corev1client.CoreV1Interface, kinds model.Kinds) *tokens {
	return &tokens{
		kinds:    kinds,
		core:     core.RESTClient(),
		secrets:  core,
		apps:     map[types.NamespacedName]appEntry{},
		watches:  map[types.NamespacedName]*secretWatch{},
		byDigest: map[tokenDigest][]appEntry{},
		deleted:  map[types.UID]bool{},
	}
}

// start follows ScimApplications until ctx ends.
func (t *tokens) start(ctx context.Context, cache ctrlcache.Cache) error {
	t.mu.Lock()
	t.ctx, t.reader = ctx, cache
	t.mu.Unlock()
	inf, err := cache.GetInformer(ctx, &v1alpha1.ScimApplication{})
	if err != nil {
		return fmt.Errorf("get the ScimApplication informer: %w", err)
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { t.setApp(obj) },
		UpdateFunc: func(_, obj any) { t.setApp(obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if app, ok := obj.(*v1alpha1.ScimApplication); ok {
				t.deleteApp(types.NamespacedName{Namespace: app.Namespace, Name: app.Name}, app.UID)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("watch ScimApplications: %w", err)
	}
	t.mu.Lock()
	t.appsSync = reg.HasSynced
	t.mu.Unlock()
	return nil
}

// synced reports whether every application and every referenced Secret has been read once.
func (t *tokens) synced() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.appsSync == nil || !t.appsSync() {
		return false
	}
	for _, w := range t.watches {
		if !w.informer.HasSynced() {
			return false
		}
	}
	return true
}

func (t *tokens) setApp(obj any) {
	app, ok := obj.(*v1alpha1.ScimApplication)
	if !ok {
		return
	}
	name := types.NamespacedName{Namespace: app.Namespace, Name: app.Name}
	kind, err := t.kinds.Lookup(app.Spec.ResourceType)
	if err != nil {
		return // No endpoint serves the application's kind, so no token of it can be accepted.
	}
	tenantURL := app.Status.TenantURL
	if tenantURL == "" {
		tenantURL = app.Spec.TenantURL
	}
	e := appEntry{
		app:       store.App{Namespace: app.Namespace, Name: app.Name, Kind: kind},
		secret:    types.NamespacedName{Namespace: app.Namespace, Name: app.Spec.TokenSecretRef.Name},
		key:       app.Spec.TokenSecretRef.Key,
		tenantURL: baseOf(tenantURL),
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.deleted[app.UID] {
		return
	}
	old, had := t.apps[name]
	if had && old == e {
		return
	}
	// Watch before unwatching: when the Secret stays the same (a status update changed the Tenant URL),
	// its watch and the digests it holds must survive, or the token would fail until it re-synced.
	t.watchLocked(e.secret)
	if had {
		t.unwatchLocked(old.secret)
	}
	t.apps[name] = e
	t.rebuildLocked()
}

func (t *tokens) deleteApp(name types.NamespacedName, uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deleted[uid] = true
	old, ok := t.apps[name]
	if !ok {
		return
	}
	delete(t.apps, name)
	t.unwatchLocked(old.secret)
	t.rebuildLocked()
}

func (t *tokens) watchLocked(secret types.NamespacedName) {
	if w, ok := t.watches[secret]; ok {
		w.refs++
		return
	}
	ctx, cancel := context.WithCancel(t.ctx)
	lw := toolscache.NewListWatchFromClient(t.core, "secrets", secret.Namespace,
		fields.OneTermEqualSelector("metadata.name", secret.Name))
	inf := toolscache.NewSharedInformer(lw, &corev1.Secret{}, 0)
	w := &secretWatch{refs: 1, cancel: cancel, informer: inf, digests: map[string]tokenDigest{}}
	update := func(obj any) {
		if s, ok := obj.(*corev1.Secret); ok {
			t.setSecret(w, s)
		}
	}
	_, _ = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    update,
		UpdateFunc: func(_, obj any) { update(obj) },
		DeleteFunc: func(any) {
			t.mu.Lock()
			defer t.mu.Unlock()
			w.digests, w.version = map[string]tokenDigest{}, 0
			t.rebuildLocked()
		},
	})
	t.watches[secret] = w
	go inf.RunWithContext(ctx)
	logf.FromContext(ctx).V(1).Info("Watching token Secret", "secret", secret)
}

// setSecret records a Secret's token digests, unless a newer version is already recorded (a direct read
// and the watch can deliver versions out of order).
func (t *tokens) setSecret(w *secretWatch, s *corev1.Secret) {
	digests := make(map[string]tokenDigest, len(s.Data))
	for k, v := range s.Data {
		// Trailing newlines come from `kubectl create secret --from-file`; Entra never sends them.
		if v = bytes.TrimRight(v, "\r\n"); len(v) > 0 {
			digests[k] = sha256.Sum256(v)
		}
	}
	version, err := strconv.ParseUint(s.ResourceVersion, 10, 64)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err == nil && version < w.version {
		return
	}
	w.digests, w.version = digests, version
	t.rebuildLocked()
}

// refresh reads the Secrets of the applications of a kind straight from the API server, each at most once
// per refreshInterval. A failed authentication calls it: the token may be in a Secret that was created or
// rotated a moment ago, and the operator's own controller runs Entra's test connection right then.
func (t *tokens) refresh(ctx context.Context, kind v1alpha1.ResourceType) bool {
	// The cache may already hold an application whose event has not reached this registry yet.
	t.mu.RLock()
	reader := t.reader
	t.mu.RUnlock()
	if reader == nil {
		return false
	}
	apps := &v1alpha1.ScimApplicationList{}
	if err := reader.List(ctx, apps, client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "Failed to list ScimApplications from the cache")
	}
	for i := range apps.Items {
		if apps.Items[i].Spec.ResourceType == kind {
			t.setApp(&apps.Items[i])
		}
	}
	now := time.Now()
	type due struct {
		name types.NamespacedName
		w    *secretWatch
	}
	var todo []due
	t.mu.Lock()
	for _, e := range t.apps {
		w := t.watches[e.secret]
		if e.app.Kind.Kind != kind || w == nil || now.Sub(w.refreshed) < refreshInterval {
			continue
		}
		w.refreshed = now
		todo = append(todo, due{e.secret, w})
	}
	t.mu.Unlock()
	for _, d := range todo {
		s, err := t.secrets.Secrets(d.name.Namespace).Get(ctx, d.name.Name, metav1.GetOptions{})
		if err != nil {
			if !apierrors.IsNotFound(err) {
				logf.FromContext(ctx).Error(err, "Failed to read a token Secret", "secret", d.name)
			}
			continue
		}
		t.setSecret(d.w, s)
	}
	return len(todo) > 0
}

func (t *tokens) unwatchLocked(secret types.NamespacedName) {
	w, ok := t.watches[secret]
	if !ok {
		return
	}
	if w.refs--; w.refs == 0 {
		w.cancel()
		delete(t.watches, secret)
	}
}

func (t *tokens) rebuildLocked() {
	by := make(map[tokenDigest][]appEntry, len(t.apps))
	for _, e := range t.apps {
		w, ok := t.watches[e.secret]
		if !ok {
			continue
		}
		if d, ok := w.digests[e.key]; ok {
			by[d] = append(by[d], e)
		}
	}
	t.byDigest = by
}

// lookup returns the application a bearer token belongs to among those of the given kind. The digest
// (not the token) is the map key, so lookup time tells nothing about the token; the final comparison is
// constant-time all the same. A token shared by two applications of one kind selects neither.
func (t *tokens) lookup(token []byte, kind v1alpha1.ResourceType) (appEntry, bool) {
	if len(token) == 0 {
		return appEntry{}, false
	}
	d := sha256.Sum256(token)
	t.mu.RLock()
	cands := t.byDigest[d]
	t.mu.RUnlock()
	var found appEntry
	n := 0
	for _, e := range cands {
		if e.app.Kind.Kind == kind {
			found = e
			n++
		}
	}
	if n != 1 {
		return appEntry{}, false
	}
	t.mu.RLock()
	w := t.watches[found.secret]
	var stored tokenDigest
	if w != nil {
		stored = w.digests[found.key]
	}
	t.mu.RUnlock()
	if subtle.ConstantTimeCompare(stored[:], d[:]) != 1 {
		return appEntry{}, false
	}
	return found, true
}

// applications lists the known applications, for the record-count metric.
func (t *tokens) applications() []store.App {
	t.mu.RLock()
	defer t.mu.RUnlock()
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
