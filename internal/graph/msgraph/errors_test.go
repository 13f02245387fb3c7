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

package msgraph_test

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/graph/msgraph"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

func TestForbiddenKeepsGraphsMessage(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t, simulator.WithTransientSyncWriteFailures(http.StatusForbidden, 1))
	c := e.client(t, secretCredentials())
	ctx := ctxFor(t)
	sp, err := c.InstantiateApplication(ctx, "advisors")
	g.Expect(err).NotTo(HaveOccurred())

	_, err = c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
	g.Expect(graph.IsForbidden(err)).To(BeTrue(), "got %v", err)
	g.Expect(graph.IsReplicationLag(err)).To(BeTrue())
	ge := graphError(g, err)
	g.Expect(ge.Code).To(Equal("Authorization_RequestDenied"))
	g.Expect(ge.Message).To(Equal("Insufficient privileges to complete the operation."))
	g.Expect(ge.Error()).To(ContainSubstring("Insufficient privileges"))
	g.Expect(ge.RetryAfter).To(BeZero())

	_, err = c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
	g.Expect(err).NotTo(HaveOccurred(), "the transient 403 is gone")
}

func TestNotFoundAndConflictCodes(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	c := e.client(t, secretCredentials())
	ctx := ctxFor(t)
	sp, err := c.InstantiateApplication(ctx, "advisors")
	g.Expect(err).NotTo(HaveOccurred())

	_, err = c.GetJob(ctx, sp.ID, "scim.0000.missing")
	g.Expect(graph.IsNotFound(err)).To(BeTrue(), "got %v", err)
	g.Expect(graphError(g, err).Code).To(Equal("Request_ResourceNotFound"))
	_, err = c.GetSchema(ctx, sp.ID, "scim.0000.missing")
	g.Expect(graph.IsNotFound(err)).To(BeTrue(), "got %v", err)
	job, err := c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
	g.Expect(err).NotTo(HaveOccurred())
	schema, err := c.GetSchema(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	err = c.PutSchema(ctx, sp.ID, "scim.0000.missing", schema)
	g.Expect(graph.IsNotFound(err)).To(BeTrue(), "got %v", err)
	g.Expect(c.PutSchema(ctx, sp.ID, "x", []byte(`{not json`))).NotTo(Succeed())
	_, err = c.CreateJob(ctx, sp.ID, "noSuchTemplate")
	g.Expect(graphError(g, err).StatusCode).To(Equal(400))
}

func TestThrottling(t *testing.T) {
	t.Run("a 429 is retried after Retry-After", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t)
		c := e.client(t, secretCredentials())
		ctx := ctxFor(t)
		g.Expect(c.Ping(ctx)).To(Succeed())
		e.sim.ThrottleNext(1, time.Second)
		began := time.Now()
		g.Expect(c.Ping(ctx)).To(Succeed())
		g.Expect(time.Since(began)).To(BeNumerically(">=", time.Second))
		g.Expect(e.sim.CallCount(templateRoute)).To(Equal(3))
	})

	t.Run("bodies are replayed on retry, gzip and all", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t)
		c := e.client(t, secretCredentials())
		ctx := ctxFor(t)
		sp, err := c.InstantiateApplication(ctx, "advisors")
		g.Expect(err).NotTo(HaveOccurred())
		e.sim.FailNext(http.StatusServiceUnavailable, 1, time.Second)
		job, err := c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
		g.Expect(err).NotTo(HaveOccurred())
		schema, err := c.GetSchema(ctx, sp.ID, job.ID)
		g.Expect(err).NotTo(HaveOccurred())
		e.sim.ThrottleNext(2, time.Second)
		g.Expect(c.PutSchema(ctx, sp.ID, job.ID, schema)).To(Succeed())
		g.Expect(e.sim.CallCount(schemaPutRoute)).To(Equal(3))
		stored, _ := e.sim.JobSchema(job.ID)
		jsonEqual(g, stored, schema)
		e.sim.ThrottleNext(1, time.Second)
		g.Expect(c.PutSecrets(ctx, sp.ID, []graph.Secret{{Key: "BaseAddress", Value: "https://scim.example/scim"}})).To(Succeed())
		g.Expect(e.sim.Secrets(sp.ID)).To(Equal(map[string]string{"BaseAddress": "https://scim.example/scim"}))
		// 415 to the compressed body, then 429 to the uncompressed one: still the same body.
		e.sim.FailNext(http.StatusUnsupportedMediaType, 1, 0)
		e.sim.ThrottleNext(1, time.Second)
		g.Expect(c.PutSecrets(ctx, sp.ID, []graph.Secret{{Key: "SyncAll", Value: "true"}})).To(Succeed())
		g.Expect(e.sim.Secrets(sp.ID)).To(Equal(map[string]string{"SyncAll": "true"}))
		g.Expect(e.sim.CallCount("PUT /servicePrincipals/{sp}/synchronization/secrets")).To(Equal(5))
	})

	t.Run("retries exhausted: the 429 and its Retry-After reach the caller", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t)
		c := e.client(t, secretCredentials(), msgraph.WithRetry(1, time.Second))
		ctx := ctxFor(t)
		g.Expect(c.Ping(ctx)).To(Succeed())
		e.sim.ThrottleNext(5, 2*time.Second)
		err := c.Ping(ctx)
		g.Expect(graph.IsThrottled(err)).To(BeTrue(), "got %v", err)
		ge := graphError(g, err)
		g.Expect(ge.StatusCode).To(Equal(http.StatusTooManyRequests))
		g.Expect(ge.Code).To(Equal("TooManyRequests"))
		g.Expect(ge.RetryAfter).To(Equal(2 * time.Second))
		g.Expect(e.sim.CallCount(templateRoute)).To(Equal(3), "one call and one retry")
	})

	t.Run("a long Retry-After is not waited for", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t)
		c := e.client(t, secretCredentials())
		ctx := ctxFor(t)
		g.Expect(c.Ping(ctx)).To(Succeed())
		e.sim.FailNext(http.StatusServiceUnavailable, 1, 2*time.Minute)
		began := time.Now()
		err := c.Ping(ctx)
		g.Expect(time.Since(began)).To(BeNumerically("<", 5*time.Second))
		g.Expect(graph.IsThrottled(err)).To(BeTrue(), "got %v", err)
		g.Expect(graphError(g, err).RetryAfter).To(Equal(msgraph.RetryAfterCap), "capped")
		g.Expect(e.sim.CallCount(templateRoute)).To(Equal(2))
	})

	t.Run("no retries", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t)
		c := e.client(t, secretCredentials(), msgraph.WithRetry(0, time.Second))
		ctx := ctxFor(t)
		g.Expect(c.Ping(ctx)).To(Succeed())
		e.sim.ThrottleNext(1, time.Second)
		g.Expect(graph.IsThrottled(c.Ping(ctx))).To(BeTrue())
		g.Expect(e.sim.CallCount(templateRoute)).To(Equal(2))
	})

	t.Run("20 percent throttled requests converge", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t, directory()...)
		c := e.client(t, secretCredentials())
		ctx := ctxFor(t)
		e.sim.SetFaults(simulator.Faults{ThrottleRate: 0.2, RetryAfter: time.Second})
		sp, err := c.InstantiateApplication(ctx, "advisors")
		g.Expect(err).NotTo(HaveOccurred())
		job, err := c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(c.PutSecrets(ctx, sp.ID, []graph.Secret{{Key: "BaseAddress", Value: "https://scim.example/scim"}, {Key: "SecretToken", Value: "t"}})).To(Succeed())
		schema, err := c.GetSchema(ctx, sp.ID, job.ID)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(c.PutSchema(ctx, sp.ID, job.ID, schema)).To(Succeed())
		_, err = c.Assign(ctx, sp.ID, aliceID, graph.UserAppRoleID)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(c.StartJob(ctx, sp.ID, job.ID)).To(Succeed())
		for range 4 {
			_, err = c.GetJob(ctx, sp.ID, job.ID)
			g.Expect(err).NotTo(HaveOccurred())
		}
		graphCalls := 0
		for route, n := range e.sim.Calls() {
			if !strings.Contains(route, "{tenant}") {
				graphCalls += n
			}
		}
		g.Expect(graphCalls).To(BeNumerically(">", 11), "11 calls succeeded, some after a 429: %v", e.sim.Calls())
	})
}

func TestUnreachable(t *testing.T) {
	closed := httptest.NewTLSServer(http.NotFoundHandler())
	roots := x509.NewCertPool()
	roots.AddCert(closed.Certificate())
	deadURL := closed.URL
	closed.Close()

	t.Run("sign-in endpoint unreachable", func(t *testing.T) {
		g := NewWithT(t)
		c, err := msgraph.NewClient(secretCredentials(), graph.Endpoints{
			AuthorityHost: deadURL + "/", GraphBaseURL: deadURL + "/v1.0", RootCAs: roots,
		}, testOptions(msgraph.WithRetry(0, time.Second))...)
		g.Expect(err).NotTo(HaveOccurred(), "building a client does no I/O")
		err = c.Ping(ctxFor(t))
		g.Expect(graph.IsUnreachable(err)).To(BeTrue(), "got %T %v", err, err)
		g.Expect(graph.IsInvalidCredentials(err)).To(BeFalse())
	})

	t.Run("Graph unreachable", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t)
		endpoints := e.endpoints
		endpoints.GraphBaseURL = deadURL + "/v1.0"
		c, err := msgraph.NewClient(secretCredentials(), endpoints, testOptions(msgraph.WithRetry(0, time.Second))...)
		g.Expect(err).NotTo(HaveOccurred())
		err = c.Ping(ctxFor(t))
		g.Expect(graph.IsUnreachable(err)).To(BeTrue(), "got %T %v", err, err)
		g.Expect(e.sim.CallCount(tokenRoute)).To(Equal(1), "signed in, then failed to reach Graph")
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t)
		endpoints := e.endpoints
		endpoints.RootCAs = x509.NewCertPool()
		c, err := msgraph.NewClient(secretCredentials(), endpoints, testOptions(msgraph.WithRetry(0, time.Second))...)
		g.Expect(err).NotTo(HaveOccurred())
		err = c.Ping(ctxFor(t))
		g.Expect(graph.IsUnreachable(err)).To(BeTrue(), "got %T %v", err, err)
	})

	t.Run("an attempt times out", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t, simulator.WithFaults(simulator.Faults{Latency: 5 * time.Second}))
		c := e.client(t, secretCredentials(), msgraph.WithRetry(0, time.Second), msgraph.WithTimeout(300*time.Millisecond))
		began := time.Now()
		err := c.Ping(ctxFor(t))
		g.Expect(time.Since(began)).To(BeNumerically("<", 3*time.Second))
		g.Expect(graph.IsUnreachable(err)).To(BeTrue(), "got %T %v", err, err)
	})

	t.Run("cancelled by the caller", func(t *testing.T) {
		g := NewWithT(t)
		e := newEnv(t, simulator.WithFaults(simulator.Faults{Latency: time.Minute}))
		c := e.client(t, secretCredentials())
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(200 * time.Millisecond); cancel() }()
		err := c.Ping(ctx)
		g.Expect(errors.Is(err, context.Canceled)).To(BeTrue(), "got %v", err)
		g.Expect(graph.IsUnreachable(err)).To(BeFalse())
	})
}

// TestGatewayErrorPage: an HTML error page (a proxy in front of Graph) keeps its status.
func TestGatewayErrorPage(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	base := &http.Transport{TLSClientConfig: e.srv.Client().Transport.(*http.Transport).TLSClientConfig}
	endpoints := e.endpoints
	endpoints.RootCAs = nil
	endpoints.Transport = roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		if !strings.HasPrefix(r.URL.Path, "/v1.0/") {
			return base.RoundTrip(r)
		}
		return &http.Response{
			StatusCode: http.StatusBadGateway, Request: r, Header: http.Header{"Content-Type": {"text/html"}},
			Body: io.NopCloser(strings.NewReader("<html><body><h1>502 Bad Gateway</h1>\n<p>upstream timed out</p></body></html>")),
		}, nil
	})
	c, err := msgraph.NewClient(secretCredentials(), endpoints, testOptions()...)
	g.Expect(err).NotTo(HaveOccurred())
	err = c.Ping(ctxFor(t))
	ge := graphError(g, err)
	g.Expect(ge.StatusCode).To(Equal(http.StatusBadGateway))
	g.Expect(ge.Message).To(Equal("502 Bad Gateway upstream timed out"))
}

// TestGzipRejected: a server answering 415 to compressed bodies gets them uncompressed.
func TestGzipRejected(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t, simulator.WithGzipRejected())
	c := e.client(t, secretCredentials())
	ctx := ctxFor(t)
	sp, err := c.InstantiateApplication(ctx, "advisors")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.PutSecrets(ctx, sp.ID, []graph.Secret{{Key: "SyncAll", Value: "true"}})).To(Succeed())
	g.Expect(e.sim.Secrets(sp.ID)).To(Equal(map[string]string{"SyncAll": "true"}))
}
