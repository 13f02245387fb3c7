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

// Package outage tests the SCIM endpoint while its API server is frozen and thawed under load. It has
// its own control plane, because freezing one stops every test that uses it.
package outage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/localcluster"
	"github.com/andmoney/scim-operator/internal/scim"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/scimtest"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// requestTimeout is the endpoint's, short so that the test is; the write timeout is a little longer, as
// in production (25 s and 30 s).
const (
	requestTimeout = 6 * time.Second
	writeTimeout   = 8 * time.Second
	freeze         = 10 * time.Second // Longer than a request may take: requests must time out.
)

var (
	cluster *localcluster.Cluster
	baseURL string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var err error
	if cluster, err = localcluster.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "start local control plane:", err)
		return 1
	}
	defer func() { _ = cluster.Stop() }()
	endpoint, err := scimtest.Start(cluster, scim.Options{RequestTimeout: requestTimeout, WriteTimeout: writeTimeout,
		Kinds: model.BuiltinKinds()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	baseURL = endpoint.URL
	defer func() {
		if err := endpoint.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return m.Run()
}

// TestAPIServerOutage freezes the API server (SIGSTOP) for longer than a request may take while eight
// clients create users, then thaws it (SIGCONT). Every answer is a 201 or a 503 with Retry-After, none is
// a broken connection; once the API server is back, every userName converges within the request timeout
// the way Entra retries (match lookup, then POST if not found), and no userName has two records or a claim
// without its record.
func TestAPIServerOutage(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t)
	pid := apiServerPID(t)

	type result struct {
		name       string
		status     int
		retryAfter string
		err        error
	}
	var (
		mu      sync.Mutex
		results []result
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("user-%d-%d@contoso.com", w, i)
				r, err := e.try(http.MethodPost, "/Users", userBody(name))
				mu.Lock()
				results = append(results, result{name: name, status: r.status, retryAfter: r.header.Get("Retry-After"), err: err})
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Second)
	g.Expect(syscall.Kill(pid, syscall.SIGSTOP)).To(Succeed())
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	defer thaw()
	time.Sleep(freeze)
	thaw()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	statuses := map[int]int{}
	var unavailable []string
	for _, r := range results {
		g.Expect(r.err).NotTo(HaveOccurred(), "%s: the connection must never break", r.name)
		statuses[r.status]++
		g.Expect(r.status).To(BeElementOf(http.StatusCreated, http.StatusServiceUnavailable), "%s", r.name)
		if r.status == http.StatusServiceUnavailable {
			g.Expect(r.retryAfter).NotTo(BeEmpty(), "%s: a 503 says when to retry", r.name)
			unavailable = append(unavailable, r.name)
		}
	}
	t.Logf("answers during the outage: %v", statuses)
	g.Expect(unavailable).NotTo(BeEmpty(), "the freeze must have made some requests time out")

	// Entra's retry, once the API server has been back for a request timeout: its match lookup finds
	// the user whose create landed, and a create of the others
	// succeeds: no userName is still blocked.
	time.Sleep(requestTimeout)
	found := 0
	for _, name := range unavailable {
		r, err := e.try(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), "")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
		if r.body["totalResults"].(float64) == 1 {
			found++
			continue
		}
		r, err = e.try(http.MethodPost, "/Users", userBody(name))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(r.status).To(Equal(http.StatusCreated), "%s is still blocked: %s", name, r.raw)
	}
	t.Logf("after the outage: %d of %d unanswered creates were found by the match lookup, the rest created", found, len(unavailable))

	// No duplicates, and every record is the object its userName names, with its id.
	advisors := &v1.AdvisorList{}
	g.Expect(cluster.Client.List(t.Context(), advisors, client.InNamespace(e.app.Namespace))).To(Succeed())
	byName := map[string]int{}
	for _, a := range advisors.Items {
		folded := model.Fold(a.Spec.UserName)
		byName[folded]++
		g.Expect(a.Name).To(Equal(store.ObjectName(e.app.Name, folded)), "%s", a.Spec.UserName)
		g.Expect(a.Labels).To(HaveKey(v1.RecordIDLabel), "%s", a.Spec.UserName)
	}
	for name, n := range byName {
		g.Expect(n).To(Equal(1), "%s has %d records", name, n)
	}
}

// apiServerPID finds the test control plane's kube-apiserver by the port it serves on.
func apiServerPID(t *testing.T) int {
	t.Helper()
	u, err := url.Parse(cluster.Config.Host)
	if err != nil {
		t.Fatalf("parse the API server URL: %v", err)
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range dirs {
		cmd, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		args := strings.Split(string(cmd), "\x00")
		if !strings.HasSuffix(args[0], "kube-apiserver") || !bytes.Contains(cmd, []byte("--secure-port="+u.Port())) {
			continue
		}
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(filepath.Dir(f)), "%d", &pid); err == nil {
			return pid
		}
	}
	t.Fatalf("no kube-apiserver process serves port %s", u.Port())
	return 0
}

type endpoint struct {
	token  string
	app    *v1.ScimApplication
	client *http.Client
}

type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func newApp(t *testing.T) *endpoint {
	t.Helper()
	g := NewWithT(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "outage-"}}
	g.Expect(cluster.Client.Create(t.Context(), ns)).To(Succeed())
	token := scimtest.RandomToken()
	app, err := scimtest.NewApplication(t.Context(), cluster.Client, ns.Name, "", v1.ResourceTypeAdvisors, token)
	g.Expect(err).NotTo(HaveOccurred())
	// Keep-alive connections, as Entra uses, and a client timeout far above the server's.
	e := &endpoint{token: token, app: app, client: &http.Client{Timeout: 60 * time.Second}}
	g.Eventually(func() int {
		r, _ := e.try(http.MethodGet, "/ServiceProviderConfig", "")
		return r.status
	}).WithTimeout(30 * time.Second).Should(Equal(http.StatusOK))
	return e
}

// try sends one request; err is a transport error (a reset or closed connection).
func (e *endpoint) try(method, path, body string) (response, error) {
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, baseURL+"/advisors/scim"+path, rdr)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := e.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			return r, fmt.Errorf("response is not JSON: %w: %s", err, raw)
		}
	}
	return r, nil
}

func userBody(userName string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"active":true,`+
		`"displayName":"Outage","name":{"givenName":"O","familyName":"U"},"addresses":[{"type":"work","formatted":"R1"}]}`, userName)
}
