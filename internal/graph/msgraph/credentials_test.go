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
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

const (
	saIssuer  = "https://oidc.cluster.example/issuer"
	saSubject = "system:serviceaccount:scim-operator-system:scim-operator-controller-manager"
)

// TestCredentialKinds signs in with each credential kind through azidentity against the
// simulator's token endpoint, and checks that the wrong credential is reported as invalid.
func TestCredentialKinds(t *testing.T) {
	registered, bundle := selfSignedCertificate(t, "scim-operator")
	_, unregisteredBundle := selfSignedCertificate(t, "someone-else")
	var federatedCalls atomic.Int32
	federated := func(issuer, subject string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			federatedCalls.Add(1)
			return serviceAccountToken(issuer, subject), nil
		}
	}

	cases := []struct {
		name  string
		good  graph.Credentials
		bad   graph.Credentials
		code  string
		check func(g *WithT)
	}{{
		name: "client secret",
		good: secretCredentials(),
		bad:  graph.Credentials{TenantID: tenantID, ClientID: clientID, ClientSecret: "wrong"},
		code: "AADSTS7000215",
	}, {
		name: "client certificate",
		good: graph.Credentials{TenantID: tenantID, ClientID: clientID, ClientCertificatePEM: bundle},
		bad:  graph.Credentials{TenantID: tenantID, ClientID: clientID, ClientCertificatePEM: unregisteredBundle},
		code: "AADSTS700027",
	}, {
		name: "workload identity federation",
		good: graph.Credentials{TenantID: tenantID, ClientID: clientID, FederatedToken: federated(saIssuer, saSubject)},
		bad:  graph.Credentials{TenantID: tenantID, ClientID: clientID, FederatedToken: federated(saIssuer, "system:serviceaccount:default:default")},
		code: "AADSTS70021",
		check: func(g *WithT) {
			g.Expect(federatedCalls.Load()).To(BeNumerically(">=", 2), "the projected token is read per token request")
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			e := newEnv(t,
				simulator.WithClientCertificate(clientID, registered),
				simulator.WithFederatedCredential(clientID, simulator.FederatedCredential{Issuer: saIssuer, Subject: saSubject}),
			)
			ctx := ctxFor(t)

			g.Expect(e.client(t, tc.good).Ping(ctx)).To(Succeed())
			g.Expect(e.sim.CallCount(tokenRoute)).To(Equal(1))
			g.Expect(e.sim.CallCount(templateRoute)).To(Equal(1))

			err := e.client(t, tc.bad).Ping(ctx)
			g.Expect(graph.IsInvalidCredentials(err)).To(BeTrue(), "got %v", err)
			ge := graphError(g, err)
			g.Expect(ge.Code).To(Equal(tc.code))
			g.Expect(ge.Message).NotTo(BeEmpty())
			g.Expect(ge.Message).NotTo(ContainSubstring("AADSTS"), "the code is in Code")
			g.Expect(ge.Message).NotTo(ContainSubstring("Trace ID"))
			g.Expect(graph.IsUnreachable(err)).To(BeFalse())
			g.Expect(e.sim.CallCount(templateRoute)).To(Equal(1), "no Graph call without a token")
			if tc.check != nil {
				tc.check(g)
			}
		})
	}
}

// TestSignInErrors covers the other sign-in failures the ScimTenant controller reports.
func TestSignInErrors(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t)

	t.Run("unknown client", func(t *testing.T) {
		g := NewWithT(t)
		err := e.client(t, graph.Credentials{TenantID: tenantID, ClientID: "00000000-1111-2222-3333-444444444444", ClientSecret: clientSecret}).Ping(ctx)
		ge := graphError(g, err)
		g.Expect(ge.StatusCode).To(Equal(400))
		g.Expect(ge.Code).To(Equal("AADSTS700016"))
		g.Expect(graph.IsInvalidCredentials(err)).To(BeTrue())
	})
	t.Run("unknown tenant", func(t *testing.T) {
		g := NewWithT(t)
		err := e.client(t, graph.Credentials{TenantID: "11111111-2222-3333-4444-555555555555", ClientID: clientID, ClientSecret: clientSecret}).Ping(ctx)
		ge := graphError(g, err)
		g.Expect(ge.StatusCode).To(Equal(400))
		g.Expect(ge.Code).To(Equal("AADSTS90002"))
		g.Expect(graph.IsInvalidCredentials(err)).To(BeTrue())
	})
	t.Run("federated token source fails", func(t *testing.T) {
		g := NewWithT(t)
		boom := errors.New("token file not mounted")
		err := e.client(t, graph.Credentials{TenantID: tenantID, ClientID: clientID,
			FederatedToken: func(context.Context) (string, error) { return "", boom }}).Ping(ctx)
		g.Expect(err).To(HaveOccurred())
		g.Expect(err.Error()).To(ContainSubstring("token file not mounted"))
		g.Expect(graph.IsInvalidCredentials(err)).To(BeFalse())
		g.Expect(graph.IsUnreachable(err)).To(BeFalse(), "no request was made")
	})
}
