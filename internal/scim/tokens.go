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
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
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
}

// tokenSecretIndex indexes ScimApplications by the name of their token Secret.
const tokenSecretIndex = "scim.tokenSecret"

// refreshInterval bounds the reads that failed authentications cause: at most one per application per
// interval, whatever the rate of bad tokens.
const refreshInterval = time.Second

// tokens is the digest table (token digest → application) and the controller that keeps it: a
// controller-runtime reconciler of ScimApplications that runs on every replica (every replica serves
// SCIM). A change of an application, or of the metadata of its token Secret, reconciles the application:
// its Secret is read from the API server and only the digest of its token is kept. Secrets are watched
// metadata-only, so no token value sits in a cache; a label selector for them belongs on the manager's
// cache (cache.Options.ByObject), and nothing here changes with it.
type tokens struct {
	kinds  model.Kinds
	cache  client.Reader // ScimApplications, through the manager's cache.
	secret client.Reader // Secrets, straight from the API server.

	mu        sync.RWMutex
	apps      map[types.NamespacedName]appEntry
	byDigest  map[tokenDigest][]appEntry
	refreshed map[types.NamespacedName]time.Time
}

func newTokens(cache, secrets client.Reader, kinds model.Kinds) *tokens {
	return &tokens{
		kinds: kinds, cache: cache, secret: secrets,
		apps:      map[types.NamespacedName]appEntry{},
		byDigest:  map[tokenDigest][]appEntry{},
		refreshed: map[types.NamespacedName]time.Time{},
	}
}

// setupWithManager registers the token controller and the Secret-name index it maps Secrets through.
func (t *tokens) setupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1.ScimApplication{}, tokenSecretIndex, func(o client.Object) []string {
		return []string{o.(*v1.ScimApplication).Spec.TokenSecretRef.Name}
	}); err != nil {
		return fmt.Errorf("index ScimApplications by token Secret: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("scim-tokens").
		For(&v1.ScimApplication{}).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(t.appsForSecret)).
		WithOptions(controller.Options{NeedLeaderElection: new(false)}).
		Complete(t)
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
		requests = append(requests, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&a)})
	}
	return requests
}

// Reconcile brings one application's row of the table up to date: gone when the application is gone or
// of a kind no endpoint serves, otherwise the digest of the token its Secret holds now.
func (t *tokens) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
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
		app:       store.App{Namespace: app.Namespace, Name: app.Name, Kind: kind},
		tenantURL: baseOf(tenantURL),
	}
	secret := &corev1.Secret{}
	err = t.secret.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TokenSecretRef.Name}, secret)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("read the token Secret of %s: %w", req.NamespacedName, err)
	default:
		// Trailing newlines come from `kubectl create secret --from-file`; Entra never sends them.
		if v := bytes.TrimRight(secret.Data[app.Spec.TokenSecretRef.Key], "\r\n"); len(v) > 0 {
			e.digest, e.hasToken = sha256.Sum256(v), true
		}
	}
	t.set(req.NamespacedName, e)
	return ctrl.Result{}, nil
}

// set replaces an application's row (nil removes it) and rebuilds the digest index.
func (t *tokens) set(name types.NamespacedName, e *appEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e == nil {
		delete(t.apps, name)
		delete(t.refreshed, name)
	} else {
		t.apps[name] = *e
	}
	by := make(map[tokenDigest][]appEntry, len(t.apps))
	for _, e := range t.apps {
		if e.hasToken {
			by[e.digest] = append(by[e.digest], e)
		}
	}
	t.byDigest = by
}

// refresh reconciles the applications of a kind at once, each at most once per refreshInterval. A failed
// authentication calls it: the token may belong to an application or Secret created or rotated a moment
// ago, and the operator's own controller runs Entra's test connection right then.
func (t *tokens) refresh(ctx context.Context, kind model.Kind) bool {
	apps := &v1.ScimApplicationList{}
	if err := t.cache.List(ctx, apps, client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "Failed to list ScimApplications from the cache")
		return false
	}
	now := time.Now()
	var due []types.NamespacedName
	t.mu.Lock()
	for i := range apps.Items {
		name := client.ObjectKeyFromObject(&apps.Items[i])
		if apps.Items[i].Spec.ResourceType != kind || now.Sub(t.refreshed[name]) < refreshInterval {
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

// synced reports whether every application in the cache has its row.
func (t *tokens) synced(ctx context.Context) bool {
	apps := &v1.ScimApplicationList{}
	if err := t.cache.List(ctx, apps, client.UnsafeDisableDeepCopy); err != nil {
		return false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
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
// constant-time all the same. A token shared by two applications of one kind selects neither.
func (t *tokens) lookup(token []byte, kind model.Kind) (appEntry, bool) {
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
	if n != 1 || subtle.ConstantTimeCompare(found.digest[:], d[:]) != 1 {
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
