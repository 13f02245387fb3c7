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

package scim_test

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/scimtest"
)

// TestDeletingApplicationRefusesWrites deletes an application whose finalizer holds it (as the
// controller's does while it cleans up Entra and the records): from then on its token opens nothing, so
// Entra cannot create records behind the cleanup.
func TestDeletingApplicationRefusesWrites(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	id := e.create("before-delete@contoso.com")

	app := &v1.ScimApplication{}
	g.Expect(cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(e.app), app)).To(Succeed())
	app.Finalizers = append(app.Finalizers, v1.Finalizer)
	g.Expect(cluster.Client.Update(t.Context(), app)).To(Succeed())
	g.Expect(cluster.Client.Delete(t.Context(), app)).To(Succeed())
	t.Cleanup(func() {
		_ = cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(app), app)
		app.Finalizers = nil
		_ = cluster.Client.Update(t.Context(), app)
	})

	// Wait with a read: a write used as the probe could land before the deletion is seen.
	g.Eventually(func() int {
		return e.do(http.MethodGet, "/Users", "").status
	}).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusUnauthorized))
	for _, w := range []struct{ method, path, body string }{
		{http.MethodPost, "/Users", userBody(e.prefix, "late@contoso.com", "ext-late")},
		{http.MethodPatch, "/Users/" + id, patchBody(`{"op":"replace","path":"active","value":false}`)},
		{http.MethodPut, "/Users/" + id, userBody(e.prefix, "before-delete@contoso.com", "ext-before-delete@contoso.com")},
		{http.MethodDelete, "/Users/" + id, ""},
	} {
		expectError(g, e.do(w.method, w.path, w.body), http.StatusUnauthorized, "")
	}
	// Nothing was written: the one record is still there, unchanged, and none was added.
	g.Expect(records(t, e)).To(HaveLen(1))
}

// TestTokenNormalisation: a token Secret with surrounding whitespace (an editor's trailing space, a
// file's newline) is accepted as Entra sends it, trimmed, which is what the controller pushes to Entra.
func TestTokenNormalisation(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
	next := scimtest.RandomToken()
	secret := tokenSecret(t, e)
	secret.Data["token"] = []byte(" " + next + " \t\r\n")
	g.Expect(cluster.Client.Update(t.Context(), secret)).To(Succeed())
	g.Eventually(func() int { return e.doWithToken(next, http.MethodGet, "/Users", "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))
}

// TestUnlabelledTokenSecretIsNotRead: a token Secret without the opt-in label, or labelled for another
// use (tenant credentials), is not read, so its token opens nothing; labelling it as a SCIM token makes it
// work.
func TestUnlabelledTokenSecretIsNotRead(t *testing.T) {
	for name, labels := range map[string]map[string]string{
		"unlabelled":                  nil,
		"labelled tenant-credentials": {v1.SecretTypeLabel: v1.SecretTypeTenantCredentials},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
			secret := tokenSecret(t, e)
			secret.Labels = labels
			g.Expect(cluster.Client.Update(t.Context(), secret)).To(Succeed())
			g.Eventually(func() int { return e.do(http.MethodGet, "/Users", "").status }).
				WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusUnauthorized))
			secret = tokenSecret(t, e)
			secret.Labels = optIn
			g.Expect(cluster.Client.Update(t.Context(), secret)).To(Succeed())
			g.Eventually(func() int { return e.do(http.MethodGet, "/Users", "").status }).
				WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))
		})
	}
}

// TestRotationOverlap: once Entra has been given a token (status.secretsHash set), a rotated-out token
// keeps working until the controller records that Entra has the new one (the hash changes).
func TestRotationOverlap(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	setSecretsHash(t, e, "pushed-with-the-first-token")
	old, next := e.token, scimtest.RandomToken()
	secret := tokenSecret(t, e)
	secret.Data["token"] = []byte(next)
	g.Expect(cluster.Client.Update(t.Context(), secret)).To(Succeed())
	g.Eventually(func() int { return e.doWithToken(next, http.MethodGet, "/Users", "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))
	// Entra still has the old token, and it still works.
	g.Consistently(func() int { return e.doWithToken(old, http.MethodGet, "/Users", "").status }).
		WithTimeout(2 * time.Second).WithPolling(100 * time.Millisecond).Should(Equal(http.StatusOK))
	g.Expect(e.doWithToken(old, http.MethodPost, "/Users", userBody(e.prefix, "overlap@contoso.com", "ext-overlap")).status).
		To(Equal(http.StatusCreated))

	// The controller pushed the new token: the old one stops.
	setSecretsHash(t, e, "pushed-with-the-second-token")
	g.Eventually(func() int { return e.doWithToken(old, http.MethodGet, "/Users", "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusUnauthorized))
	g.Expect(e.doWithToken(next, http.MethodGet, "/Users", "").status).To(Equal(http.StatusOK))
}

// TestBadTokenFloodCostsNoAPIReads sends 10 000 requests with wrong tokens, good ones among them: the
// good ones keep succeeding, and the API server sees (almost) no Secret reads for them, where a refresh
// per wrong token would read every application's Secret once a second.
func TestBadTokenFloodCostsNoAPIReads(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	var apps []*endpoint
	for range 5 {
		apps = append(apps, newApp(t, ns, v1.ResourceTypeAdvisors))
	}
	// Let the token controller finish the reads the new applications' own events cause.
	var before int64
	g.Eventually(func() bool {
		prev := secretReads(t)
		time.Sleep(500 * time.Millisecond)
		before = secretReads(t)
		return before == prev
	}).WithTimeout(30 * time.Second).Should(BeTrue())
	const total, workers = 10000, 8
	var next, good, goodFailed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > total {
					return
				}
				e := apps[i%int64(len(apps))]
				if i%100 == 0 {
					good.Add(1)
					if e.do(http.MethodGet, "/Users?count=1", "").status != http.StatusOK {
						goodFailed.Add(1)
					}
					continue
				}
				if s := e.doWithToken("wrong-"+strconv.FormatInt(i, 10), http.MethodGet, "/Users", "").status; s != http.StatusUnauthorized {
					goodFailed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	reads := secretReads(t) - before
	t.Logf("%d requests (%d with a good token), %d Secret reads at the API server", total, good.Load(), reads)
	g.Expect(goodFailed.Load()).To(BeZero())
	g.Expect(good.Load()).To(BeEquivalentTo(total / 100))
	// Every application's Secret is current in the table, so nothing needs reading. A refresh per wrong
	// token (each application's Secret read at most once a second) reads them over and over.
	g.Expect(reads).To(BeZero())
}

func tokenSecret(t *testing.T, e *endpoint) *corev1.Secret {
	t.Helper()
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: e.app.Namespace, Name: e.app.Spec.TokenSecretRef.Name}
	if err := cluster.Client.Get(t.Context(), key, secret); err != nil {
		t.Fatal(err)
	}
	return secret
}

func setSecretsHash(t *testing.T, e *endpoint, hash string) {
	t.Helper()
	app := &v1.ScimApplication{}
	if err := cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(e.app), app); err != nil {
		t.Fatal(err)
	}
	app.Status.SecretsHash = hash
	if err := cluster.Client.Status().Update(t.Context(), app); err != nil {
		t.Fatal(err)
	}
}

// secretReads is the API server's count of GET and LIST requests on Secrets (apiserver_request_total):
// a token Secret is read with a LIST by name and label, a WATCH is no read.
func secretReads(t *testing.T) int64 {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		read := strings.Contains(line, `verb="GET"`) || strings.Contains(line, `verb="LIST"`)
		if !strings.HasPrefix(line, "apiserver_request_total{") || !strings.Contains(line, `resource="secrets"`) || !read {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		n += int64(v)
	}
	return n
}
