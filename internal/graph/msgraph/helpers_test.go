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
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/graph/msgraph"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

const (
	tenantID     = "ff8bf889-e031-41ac-8f7b-aedb059892ee"
	clientID     = "6a1f3c1e-0c6d-4b61-9d3e-5f3f1b0c2d11"
	clientSecret = "correct-horse-battery-staple"

	tokenRoute    = "POST /{tenant}/oauth2/v2.0/token"
	templateRoute = "GET /applicationTemplates/{template}"
)

// testOptions keep in-line retries short: the simulator's Retry-After is at least one second.
func testOptions(extra ...msgraph.Option) []msgraph.Option {
	return append([]msgraph.Option{
		msgraph.WithRetry(3, time.Second),
		msgraph.WithMaxRetryAfter(5 * time.Second),
		msgraph.WithTimeout(20 * time.Second),
	}, extra...)
}

// env is a simulator served over TLS (azidentity refuses a plain-http authority) and the
// endpoints that point the SDK and azidentity at it.
type env struct {
	sim       *simulator.Simulator
	srv       *httptest.Server
	endpoints graph.Endpoints
}

func newEnv(t testing.TB, opts ...simulator.Option) *env {
	t.Helper()
	sim := simulator.New(append([]simulator.Option{
		simulator.WithTenantID(tenantID),
		simulator.WithSeed(7),
		simulator.WithClientSecret(clientID, clientSecret),
	}, opts...)...)
	srv := httptest.NewTLSServer(sim.Handler())
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return &env{
		sim: sim,
		srv: srv,
		endpoints: graph.Endpoints{
			AuthorityHost: srv.URL + "/",
			GraphBaseURL:  srv.URL + "/v1.0",
			RootCAs:       roots,
		},
	}
}

func secretCredentials() graph.Credentials {
	return graph.Credentials{TenantID: tenantID, ClientID: clientID, ClientSecret: clientSecret}
}

// client builds a client through a fresh Factory, the way the controllers do.
func (e *env) client(t *testing.T, creds graph.Credentials, opts ...msgraph.Option) graph.Client {
	t.Helper()
	c, err := msgraph.NewFactory(testOptions(opts...)...).ForTenant(context.Background(), t.Name(), creds, e.endpoints)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return c
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// graphError asserts err is a *graph.Error and returns it.
func graphError(g *WithT, err error) *graph.Error {
	ge, ok := graph.AsError(err)
	g.Expect(ok).To(BeTrue(), "want *graph.Error, got %T: %v", err, err)
	return ge
}

// selfSignedCertificate returns a certificate and the PEM bundle (certificate + PKCS#8 key)
// ClientCertificatePEM expects.
func selfSignedCertificate(t *testing.T, commonName string) (*x509.Certificate, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	bundle := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	bundle = append(bundle, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	return cert, bundle
}

// serviceAccountToken is a projected service account token as the kubelet writes it. The
// simulator checks issuer, subject, audience and lifetime, not the signature.
func serviceAccountToken(issuer, subject string) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "test"})
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{
		"iss": issuer, "sub": subject, "aud": []string{simulator.FederatedTokenAudience},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	return enc.EncodeToString(header) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString([]byte("not-verified"))
}

// jsonEqual compares two JSON objects semantically, ignoring the top-level "@odata.context"
// annotation Graph adds to answers.
func jsonEqual(g *WithT, got, want []byte) {
	var a, b map[string]any
	g.Expect(json.Unmarshal(got, &a)).To(Succeed())
	g.Expect(json.Unmarshal(want, &b)).To(Succeed())
	delete(a, "@odata.context")
	delete(b, "@odata.context")
	g.Expect(a).To(Equal(b))
}
