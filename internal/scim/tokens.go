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
	"cmp"
	"context"
	"crypto/sha256"
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
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/credential"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// tokenSecretIndex indexes ScimApplications by the name of their token Secret.
const tokenSecretIndex = "scim.tokenSecret"

// refreshInterval bounds the reads that failed authentications cause while the cache stands still: at
// most one scan of the cache per kind per interval, whatever the rate of bad tokens.
const refreshInterval = time.Second

// tokens is the controller that keeps the token table (tokentable.go), on every replica (each serves
// SCIM). A change of an application, or of the metadata of its token Secret (watched metadata-only
// through the manager's cache, cmd/main.go), reconciles the application: its Secret is read from the API
// server, only if it opts in with v1.SecretTypeLabel, and only the digest of its token is kept.
//
// Readers take no lock: the table is immutable behind an atomic pointer, replaced whole on every change.
// A token that matches nothing may be one whose event the controller has not handled yet, so it
// triggers a refresh, but a bounded one (see refresh). A flood of wrong tokens therefore costs neither
// API server reads nor lock contention.
type tokens struct {
	kinds  model.Kinds
	cache  client.Reader // ScimApplications and Secret metadata, through the manager's cache.
	secret client.Reader // Secrets, straight from the API server.

	table atomic.Pointer[table]
	mu    sync.Mutex // Serialises the writers of table.
	// scans is when each kind's cache scan last ran, at which cache position (versioners').
	scans      map[model.Kind]*atomic.Pointer[scanMark]
	versioners []lastSyncVersioner
}

type scanMark struct {
	at       time.Time
	versions string
}

// lastSyncVersioner is the part of client-go's shared informer that tells the resource version of the
// last event it received; the informer's store is updated after that version is.
type lastSyncVersioner interface {
	LastSyncResourceVersion() string
}

func newTokens(cache, secrets client.Reader, kinds model.Kinds) *tokens {
	t := &tokens{kinds: kinds, cache: cache, secret: secrets, scans: map[model.Kind]*atomic.Pointer[scanMark]{}}
	for _, k := range kinds {
		t.scans[k.Kind] = &atomic.Pointer[scanMark]{}
	}
	t.table.Store(&table{rows: map[types.NamespacedName]appEntry{}})
	return t
}

// setupWithManager registers the token controller and the Secret-name index it maps Secrets through.
func (t *tokens) setupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1.ScimApplication{}, tokenSecretIndex, func(o client.Object) []string {
		return []string{o.(*v1.ScimApplication).Spec.TokenSecretRef.Name}
	}); err != nil {
		return fmt.Errorf("index ScimApplications by token Secret: %w", err)
	}
	for _, obj := range []client.Object{&v1.ScimApplication{}, secretMetadata()} {
		inf, err := mgr.GetCache().GetInformer(ctx, obj)
		if err != nil {
			return fmt.Errorf("get the informer of %T: %w", obj, err)
		}
		if v, ok := inf.(lastSyncVersioner); ok {
			t.versioners = append(t.versioners, v)
		}
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("scim-tokens").
		For(&v1.ScimApplication{}).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(t.appsForSecret)).
		WithOptions(controller.Options{NeedLeaderElection: new(false)}).
		Complete(t)
}

func secretMetadata() *metav1.PartialObjectMetadata {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return meta
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
// of a kind no endpoint serves, without a token while it is being deleted (Entra's writes must stop
// before its records are cleaned up), otherwise the digest of the token its Secret holds now, and the
// previous one while a rotation is under way. A row keeps an expired previous token until its next
// change: lookup refuses it.
func (t *tokens) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	app := &v1.ScimApplication{}
	err := t.cache.Get(ctx, req.NamespacedName, app)
	if apierrors.IsNotFound(err) {
		t.set(req.NamespacedName, nil, "")
		return ctrl.Result{}, nil
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	kind, err := t.kinds.Lookup(app.Spec.ResourceType)
	if err != nil {
		// No endpoint serves the kind, so no token of it is accepted; nothing to retry until it changes.
		logf.FromContext(ctx).Info("No SCIM endpoint serves the application's resourceType", "error", err.Error())
		t.set(req.NamespacedName, nil, "")
		return ctrl.Result{}, nil
	}
	e := &appEntry{
		app:        store.App{Namespace: app.Namespace, Name: app.Name, Kind: kind},
		tenantURL:  baseOf(cmp.Or(app.Status.TenantURL, app.Spec.TenantURL)),
		appVersion: app.ResourceVersion,
	}
	if !app.DeletionTimestamp.IsZero() {
		e.secretVersion = t.cachedSecretVersion(ctx, app) // Known, but no token opens it any more.
		t.set(req.NamespacedName, e, "")
		return ctrl.Result{}, nil
	}
	// Only the data of a Secret opted in as a SCIM token is read; any other comes back metadata-only and
	// opens nothing (the controller reports it on the application), and the row's Secret version stays
	// empty, as cachedSecretVersion reads it.
	secret := &corev1.Secret{}
	err = credential.GetOptedIn(ctx, t.secret, client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TokenSecretRef.Name}, v1.SecretTypeSCIMToken, secret)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("read the token Secret of %s: %w", req.NamespacedName, err)
	case credential.CheckOptedIn(secret, v1.SecretTypeSCIMToken) == nil:
		e.secretVersion = secret.ResourceVersion
		if v := credential.NormalizeToken(string(secret.Data[app.Spec.TokenSecretRef.Key])); v != "" {
			e.digest = sha256.Sum256([]byte(v))
		}
	}
	t.set(req.NamespacedName, e, app.Status.SecretsHash)
	return ctrl.Result{}, nil
}

// set publishes the table with an application's row replaced (nil removes it). A refresh after a failed
// authentication reconciles outside the controller's queue, so two reconciles of one application can
// race; table.with keeps the row of the newer Secret.
func (t *tokens) set(name types.NamespacedName, e *appEntry, secretsHash string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.table.Store(t.table.Load().with(name, e, secretsHash, time.Now()))
}

// lookup returns the application a bearer token belongs to among those of the given kind. It takes no
// lock.
func (t *tokens) lookup(token []byte, kind model.Kind) (appEntry, bool) {
	return t.table.Load().lookup(token, kind, time.Now())
}

// refresh reconciles, after a failed authentication, the applications of the kind whose cached
// application or Secret metadata is newer than their row: their event may not have reached the
// controller yet. It scans the cache only when the cache has changed since the last scan, or else once
// per refreshInterval, so with the cache unchanged it reads nothing and takes no lock. It reports whether
// it reconciled anything, so that the caller looks the token up again.
func (t *tokens) refresh(ctx context.Context, kind model.Kind) bool {
	if !t.scanDue(kind, time.Now()) {
		return false
	}
	stale := t.stale(ctx, kind)
	for _, name := range stale {
		if _, err := t.Reconcile(ctx, ctrl.Request{NamespacedName: name}); err != nil {
			logf.FromContext(ctx).Error(err, "Failed to refresh a token", "application", name)
		}
	}
	return len(stale) > 0
}

// scanDue claims the kind's cache scan: due when the cache received an event since the last scan (the
// event may be the application or Secret a new token belongs to), or else once per refreshInterval. A
// flood of wrong tokens on an unchanging cluster therefore scans once per refreshInterval, not once per
// request.
func (t *tokens) scanDue(kind model.Kind, now time.Time) bool {
	last, ok := t.scans[kind]
	if !ok {
		return false
	}
	var b strings.Builder
	for _, v := range t.versioners {
		b.WriteString(v.LastSyncResourceVersion())
		b.WriteByte('/')
	}
	prev := last.Load()
	if prev != nil && prev.versions == b.String() && now.Sub(prev.at) < refreshInterval {
		return false
	}
	return last.CompareAndSwap(prev, &scanMark{at: now, versions: b.String()}) // else another request claimed it
}

// stale lists, from the cache, the applications of a kind whose row is missing or older than the cached
// application or its Secret's metadata.
func (t *tokens) stale(ctx context.Context, kind model.Kind) []types.NamespacedName {
	apps := &v1.ScimApplicationList{}
	if err := t.cache.List(ctx, apps, client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "Failed to list ScimApplications from the cache")
		return nil
	}
	rows := t.table.Load().rows
	var out []types.NamespacedName
	for i := range apps.Items {
		a := &apps.Items[i]
		if a.Spec.ResourceType != kind {
			continue
		}
		name := client.ObjectKeyFromObject(a)
		row, ok := rows[name]
		if !ok || row.appVersion != a.ResourceVersion || row.secretVersion != t.cachedSecretVersion(ctx, a) {
			out = append(out, name)
		}
	}
	return out
}

// cachedSecretVersion is the resource version of an application's token Secret in the metadata cache,
// empty when the cache has none (missing, or not opted in as a SCIM token), as Reconcile leaves the row's.
func (t *tokens) cachedSecretVersion(ctx context.Context, app *v1.ScimApplication) string {
	meta := secretMetadata()
	if err := t.cache.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TokenSecretRef.Name}, meta); err != nil ||
		credential.CheckOptedIn(meta, v1.SecretTypeSCIMToken) != nil {
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

// synced reports whether every application in the cache, of a kind an endpoint serves, has its row.
func (t *tokens) synced(ctx context.Context) bool {
	apps := &v1.ScimApplicationList{}
	if err := t.cache.List(ctx, apps, client.UnsafeDisableDeepCopy); err != nil {
		return false
	}
	rows := t.table.Load().rows
	for i := range apps.Items {
		_, known := rows[client.ObjectKeyFromObject(&apps.Items[i])]
		if _, err := t.kinds.Lookup(apps.Items[i].Spec.ResourceType); err == nil && !known {
			return false
		}
	}
	return true
}

// applications lists the known applications, for the record-count metric.
func (t *tokens) applications() []store.App {
	rows := t.table.Load().rows
	out := make([]store.App, 0, len(rows))
	for _, e := range rows {
		out = append(out, e.app)
	}
	return out
}

// baseOf reduces a Tenant URL to scheme, host and path: Entra's ?aadOptscim062020 flag is no part of
// resource locations.
func baseOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
