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
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/graph/msgraph"
)

func TestFactoryCachesClientsPerKey(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	ctx := ctxFor(t)
	f := msgraph.NewFactory(testOptions(msgraph.WithCacheSize(2))...)

	a1, err := f.ForTenant(ctx, "tenant-a/1", secretCredentials(), e.endpoints)
	g.Expect(err).NotTo(HaveOccurred())
	a1again, err := f.ForTenant(ctx, "tenant-a/1", graph.Credentials{}, graph.Endpoints{})
	g.Expect(err).NotTo(HaveOccurred(), "a cached client is returned without looking at the arguments")
	g.Expect(a1again).To(BeIdenticalTo(a1))
	g.Expect(e.sim.Calls()).To(BeEmpty(), "building clients does no network I/O")

	// The cached client keeps its token: two calls, one sign-in.
	g.Expect(a1.Ping(ctx)).To(Succeed())
	g.Expect(a1again.Ping(ctx)).To(Succeed())
	g.Expect(e.sim.CallCount(tokenRoute)).To(Equal(1))

	a2, err := f.ForTenant(ctx, "tenant-a/2", secretCredentials(), e.endpoints)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(a2).NotTo(BeIdenticalTo(a1), "a new credential version is a new client")
	g.Expect(a2.Ping(ctx)).To(Succeed())
	g.Expect(e.sim.CallCount(tokenRoute)).To(Equal(2))
	g.Expect(f.Len()).To(Equal(2))

	// Least recently used goes first: touch a1, add b, a2 is evicted.
	_, _ = f.ForTenant(ctx, "tenant-a/1", secretCredentials(), e.endpoints)
	_, err = f.ForTenant(ctx, "tenant-b/1", secretCredentials(), e.endpoints)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.Len()).To(Equal(2))
	stillA1, _ := f.ForTenant(ctx, "tenant-a/1", secretCredentials(), e.endpoints)
	g.Expect(stillA1).To(BeIdenticalTo(a1))
	rebuiltA2, _ := f.ForTenant(ctx, "tenant-a/2", secretCredentials(), e.endpoints)
	g.Expect(rebuiltA2).NotTo(BeIdenticalTo(a2))

	f.Forget("tenant-a/1")
	rebuiltA1, _ := f.ForTenant(ctx, "tenant-a/1", secretCredentials(), e.endpoints)
	g.Expect(rebuiltA1).NotTo(BeIdenticalTo(a1))
}

func TestFactoryConcurrentUse(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	ctx := ctxFor(t)
	f := msgraph.NewFactory(testOptions()...)
	var wg sync.WaitGroup
	var failures atomic.Int32
	clients := make([]graph.Client, 8)
	for i := range clients {
		wg.Go(func() {
			c, err := f.ForTenant(ctx, "shared", secretCredentials(), e.endpoints)
			if err == nil {
				err = c.Ping(ctx)
			}
			if err != nil {
				failures.Add(1)
			}
			clients[i] = c
		})
	}
	wg.Wait()
	g.Expect(failures.Load()).To(BeZero())
	for _, c := range clients {
		g.Expect(c).To(BeIdenticalTo(clients[0]))
	}
	g.Expect(e.sim.CallCount(templateRoute)).To(Equal(len(clients)))
}

func TestFactoryRejectsUnusableConfiguration(t *testing.T) {
	_, bundle := selfSignedCertificate(t, "x")
	token := func(context.Context) (string, error) { return "t", nil }
	cases := map[string]struct {
		creds     graph.Credentials
		endpoints graph.Endpoints
	}{
		"no credential":           {creds: graph.Credentials{TenantID: tenantID, ClientID: clientID}},
		"two credentials":         {creds: graph.Credentials{TenantID: tenantID, ClientID: clientID, ClientSecret: "s", FederatedToken: token}},
		"no tenant":               {creds: graph.Credentials{ClientID: clientID, ClientSecret: "s"}},
		"no client":               {creds: graph.Credentials{TenantID: tenantID, ClientSecret: "s"}},
		"certificate without key": {creds: graph.Credentials{TenantID: tenantID, ClientID: clientID, ClientCertificatePEM: bundle[:len(bundle)/2]}},
		"not a PEM bundle":        {creds: graph.Credentials{TenantID: tenantID, ClientID: clientID, ClientCertificatePEM: []byte("hello")}},
		"plain http authority":    {creds: secretCredentials(), endpoints: graph.Endpoints{AuthorityHost: "http://login.example/"}},
		"relative Graph URL":      {creds: secretCredentials(), endpoints: graph.Endpoints{GraphBaseURL: "/v1.0"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := msgraph.NewFactory().ForTenant(context.Background(), name, tc.creds, tc.endpoints)
			g.Expect(errors.Is(err, msgraph.ErrInvalidConfig)).To(BeTrue(), "got %v", err)
		})
	}
	t.Run("defaults are the public cloud", func(t *testing.T) {
		g := NewWithT(t)
		_, err := msgraph.NewClient(secretCredentials(), graph.Endpoints{})
		g.Expect(err).NotTo(HaveOccurred())
	})
}

// TestEndpointsTransport: a caller-supplied transport carries both sign-in and Graph.
func TestEndpointsTransport(t *testing.T) {
	g := NewWithT(t)
	e := newEnv(t)
	var requests atomic.Int32
	base := &http.Transport{TLSClientConfig: e.srv.Client().Transport.(*http.Transport).TLSClientConfig}
	endpoints := e.endpoints
	endpoints.RootCAs = nil
	endpoints.Transport = roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		requests.Add(1)
		return base.RoundTrip(r)
	})
	c, err := msgraph.NewClient(secretCredentials(), endpoints, testOptions()...)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.Ping(ctxFor(t))).To(Succeed())
	g.Expect(requests.Load()).To(BeNumerically("==", 3), "openid-configuration, token, Graph")
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
