package simulator

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	. "github.com/onsi/gomega"
)

// TestAzidentityAgainstSimulator proves the identity endpoints work with the real
// azidentity/MSAL client pointed at the simulator as a custom authority host (§10.7):
// https is mandatory, instance discovery must be disabled.
func TestAzidentityAgainstSimulator(t *testing.T) {
	cert, key := testCertificate(t, "operator")
	strangerCert, strangerKey := testCertificate(t, "stranger")
	const (
		k8sIssuer  = "https://kubernetes.default.svc.cluster.local"
		k8sSubject = "system:serviceaccount:scim-operator:scim-operator-controller"
	)
	type credentialFactory func(t *testing.T, opts azcore.ClientOptions, tenant string) (azcore.TokenCredential, error)
	secret := func(value string) credentialFactory {
		return func(_ *testing.T, opts azcore.ClientOptions, tenant string) (azcore.TokenCredential, error) {
			return azidentity.NewClientSecretCredential(tenant, testClientID, value, &azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
		}
	}
	certificate := func(c *x509.Certificate, k crypto.PrivateKey) credentialFactory {
		return func(_ *testing.T, opts azcore.ClientOptions, tenant string) (azcore.TokenCredential, error) {
			return azidentity.NewClientCertificateCredential(tenant, testClientID, []*x509.Certificate{c}, k, &azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
		}
	}
	workloadIdentity := func(subject string) credentialFactory {
		return func(t *testing.T, opts azcore.ClientOptions, tenant string) (azcore.TokenCredential, error) {
			now := time.Now()
			saToken := signJWT(t, "RS256", nil, nil, map[string]any{
				"iss": k8sIssuer, "sub": subject, "aud": []string{FederatedTokenAudience},
				"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			})
			file := filepath.Join(t.TempDir(), "azure-identity-token")
			if err := os.WriteFile(file, []byte(saToken), 0o600); err != nil {
				return nil, err
			}
			return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
				ClientOptions: opts, ClientID: testClientID, TenantID: tenant, TokenFilePath: file, DisableInstanceDiscovery: true,
			})
		}
	}

	cases := map[string]struct {
		credential credentialFactory
		tenant     string
		wantStatus int    // status of the failed token request; 0 = success
		wantInErr  string // AADSTS code azidentity surfaces
	}{
		"client secret":                  {credential: secret(testSecret)},
		"wrong client secret":            {credential: secret("wrong"), wantStatus: http.StatusUnauthorized, wantInErr: "AADSTS7000215"},
		"unknown tenant":                 {credential: secret(testSecret), tenant: "11111111-2222-3333-4444-555555555555", wantStatus: http.StatusBadRequest, wantInErr: "AADSTS90002"},
		"client certificate":             {credential: certificate(cert, key)},
		"unregistered certificate":       {credential: certificate(strangerCert, strangerKey), wantStatus: http.StatusUnauthorized, wantInErr: "AADSTS700027"},
		"workload identity":              {credential: workloadIdentity(k8sSubject)},
		"workload identity, wrong sub":   {credential: workloadIdentity("system:serviceaccount:default:default"), wantStatus: http.StatusBadRequest, wantInErr: "AADSTS70021"},
		"workload identity, domain name": {credential: workloadIdentity(k8sSubject), tenant: "andmoney.onmicrosoft.com"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			sim := New(WithTenantID(testTenantID), WithTenantDomains("andmoney.onmicrosoft.com"),
				WithClientSecret(testClientID, testSecret),
				WithClientCertificate(testClientID, cert),
				WithFederatedCredential(testClientID, FederatedCredential{Issuer: k8sIssuer, Subject: k8sSubject}))
			srv := httptest.NewTLSServer(sim.Handler())
			t.Cleanup(srv.Close)
			opts := azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL + "/"},
				Transport: srv.Client(), // trusts the test server's certificate
			}
			tenant := tc.tenant
			if tenant == "" {
				tenant = testTenantID
			}
			cred, err := tc.credential(t, opts, tenant)
			g.Expect(err).NotTo(HaveOccurred())
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			token, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{GraphScope}})
			if tc.wantStatus != 0 {
				g.Expect(err).To(HaveOccurred())
				var authErr *azidentity.AuthenticationFailedError
				g.Expect(errors.As(err, &authErr)).To(BeTrue(), "got %T: %v", err, err)
				g.Expect(authErr.RawResponse).NotTo(BeNil())
				g.Expect(authErr.RawResponse.StatusCode).To(Equal(tc.wantStatus))
				g.Expect(err.Error()).To(ContainSubstring(tc.wantInErr))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(token.Token).NotTo(BeEmpty())
			g.Expect(token.ExpiresOn).To(BeTemporally(">", time.Now().Add(30*time.Minute)))

			// The issued token authorizes Graph calls; discovery then token, nothing else.
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1.0/servicePrincipals", nil)
			g.Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Authorization", "Bearer "+token.Token)
			resp, err := srv.Client().Do(req)
			g.Expect(err).NotTo(HaveOccurred())
			_ = resp.Body.Close()
			g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
			g.Expect(sim.CallCount("GET /{tenant}/v2.0/.well-known/openid-configuration")).To(Equal(1))
			g.Expect(sim.CallCount("POST /{tenant}/oauth2/v2.0/token")).To(Equal(1))
			g.Expect(sim.CallCount("GET /common/discovery/instance")).To(BeZero())
		})
	}
}
