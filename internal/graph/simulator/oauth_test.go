package simulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestOpenIDConfiguration(t *testing.T) {
	cases := map[string]struct {
		tenant     string
		wantStatus int
		wantError  string
	}{
		"tenant id":      {tenant: testTenantID, wantStatus: http.StatusOK},
		"tenant domain":  {tenant: "andmoney.onmicrosoft.com", wantStatus: http.StatusOK},
		"unknown tenant": {tenant: "00000000-0000-0000-0000-000000000001", wantStatus: http.StatusBadRequest, wantError: "invalid_tenant"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, srv, _ := newSimulatorServer(t, WithTenantDomains("andmoney.onmicrosoft.com"))
			resp, err := http.Get(srv.URL + "/" + tc.tenant + "/v2.0/.well-known/openid-configuration")
			g.Expect(err).NotTo(HaveOccurred())
			defer func() { _ = resp.Body.Close() }()
			g.Expect(resp.StatusCode).To(Equal(tc.wantStatus))
			body := decodeBody(g, resp)
			if tc.wantError != "" {
				g.Expect(body["error"]).To(Equal(tc.wantError))
				g.Expect(body["error_codes"]).To(Equal([]any{float64(90002)}))
				g.Expect(body["error_description"]).To(HavePrefix("AADSTS90002: Tenant '" + tc.tenant + "' not found."))
				return
			}
			// MSAL requires the issuer host to be the authority host.
			g.Expect(body["issuer"]).To(Equal(srv.URL + "/" + testTenantID + "/v2.0"))
			g.Expect(body["token_endpoint"]).To(Equal(srv.URL + "/" + testTenantID + "/oauth2/v2.0/token"))
			g.Expect(body["authorization_endpoint"]).NotTo(BeEmpty())
		})
	}
}

func TestTokenEndpoint(t *testing.T) {
	cert, key := testCertificate(t, "operator")
	otherCert, otherKey := testCertificate(t, "someone-else")
	const (
		k8sIssuer  = "https://oidc.prod-aks.azure.com/abc/"
		k8sSubject = "system:serviceaccount:scim-operator:controller"
	)
	now := time.Now()
	certClaims := func(aud string) map[string]any {
		return map[string]any{"aud": aud, "iss": testClientID, "sub": testClientID, "jti": "1", "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	}
	federatedClaims := func(iss, sub, aud string) map[string]any {
		return map[string]any{"aud": []string{aud}, "iss": iss, "sub": sub, "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}

	cases := map[string]struct {
		tenant     string
		form       func(tokenEndpoint string) url.Values
		wantStatus int
		wantError  string
		wantCode   string
	}{
		"client secret": {
			form: func(string) url.Values { return secretForm(testSecret) },
		},
		"wrong client secret": {
			form:       func(string) url.Values { return secretForm("wrong") },
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client", wantCode: "AADSTS7000215",
		},
		"unknown tenant": {
			tenant:     "11111111-2222-3333-4444-555555555555",
			form:       func(string) url.Values { return secretForm(testSecret) },
			wantStatus: http.StatusBadRequest, wantError: "invalid_request", wantCode: "AADSTS90002",
		},
		"unknown client": {
			form: func(string) url.Values {
				f := secretForm(testSecret)
				f.Set("client_id", "99999999-0000-0000-0000-000000000000")
				return f
			},
			wantStatus: http.StatusBadRequest, wantError: "unauthorized_client", wantCode: "AADSTS700016",
		},
		"scope without .default": {
			form: func(string) url.Values {
				f := secretForm(testSecret)
				f.Set("scope", "https://graph.microsoft.com/User.Read")
				return f
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_scope", wantCode: "AADSTS1002012",
		},
		"no credential": {
			form: func(string) url.Values {
				f := secretForm(testSecret)
				f.Del("client_secret")
				return f
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client", wantCode: "AADSTS7000218",
		},
		"certificate assertion PS256 (MSAL default)": {
			form: func(ep string) url.Values { return assertionForm(signJWT(t, "PS256", cert, key, certClaims(ep))) },
		},
		"certificate assertion RS256 with x5t": {
			form: func(ep string) url.Values { return assertionForm(signJWT(t, "RS256", cert, key, certClaims(ep))) },
		},
		"assertion signed by an unregistered certificate": {
			form: func(ep string) url.Values {
				return assertionForm(signJWT(t, "PS256", otherCert, otherKey, certClaims(ep)))
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client", wantCode: "AADSTS700027",
		},
		"assertion naming the registered certificate but signed by another key": {
			form:       func(ep string) url.Values { return assertionForm(signJWT(t, "PS256", cert, otherKey, certClaims(ep))) },
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client", wantCode: "AADSTS700027",
		},
		"assertion for another audience": {
			form: func(string) url.Values {
				return assertionForm(signJWT(t, "PS256", cert, key, certClaims("https://login.microsoftonline.com/x/oauth2/v2.0/token")))
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client", wantCode: "AADSTS700027",
		},
		"expired assertion": {
			form: func(ep string) url.Values {
				claims := certClaims(ep)
				claims["exp"] = now.Add(-time.Hour).Unix()
				return assertionForm(signJWT(t, "PS256", cert, key, claims))
			},
			wantStatus: http.StatusUnauthorized, wantError: "invalid_client", wantCode: "AADSTS700024",
		},
		"federated assertion (workload identity)": {
			form: func(string) url.Values {
				return assertionForm(signJWT(t, "RS256", nil, nil, federatedClaims(k8sIssuer, k8sSubject, FederatedTokenAudience)))
			},
		},
		"federated assertion with the wrong subject": {
			form: func(string) url.Values {
				return assertionForm(signJWT(t, "RS256", nil, nil, federatedClaims(k8sIssuer, "system:serviceaccount:default:default", FederatedTokenAudience)))
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_request", wantCode: "AADSTS70021",
		},
		"federated assertion with the wrong audience": {
			form: func(string) url.Values {
				return assertionForm(signJWT(t, "RS256", nil, nil, federatedClaims(k8sIssuer, k8sSubject, "api://other")))
			},
			wantStatus: http.StatusBadRequest, wantError: "invalid_request", wantCode: "AADSTS70021",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			sim, srv, c := newSimulatorServer(t,
				WithClientSecret(testClientID, testSecret),
				WithClientCertificate(testClientID, cert),
				WithFederatedCredential(testClientID, FederatedCredential{Issuer: k8sIssuer, Subject: k8sSubject}),
			)
			tenant := tc.tenant
			if tenant == "" {
				tenant = testTenantID
			}
			tokenEndpoint := srv.URL + "/" + testTenantID + "/oauth2/v2.0/token"
			resp := postForm(t, srv.URL+"/"+tenant+"/oauth2/v2.0/token", tc.form(tokenEndpoint))
			if tc.wantStatus != 0 {
				g.Expect(resp.status).To(Equal(tc.wantStatus), string(resp.raw))
				g.Expect(resp.body["error"]).To(Equal(tc.wantError))
				g.Expect(resp.body["error_description"]).To(HavePrefix(tc.wantCode + ": "))
				g.Expect(resp.body["error_codes"]).To(HaveLen(1))
				g.Expect(resp.body["correlation_id"]).NotTo(BeEmpty())
				return
			}
			g.Expect(resp.status).To(Equal(http.StatusOK), string(resp.raw))
			g.Expect(resp.body["token_type"]).To(Equal("Bearer"))
			g.Expect(resp.body["expires_in"]).To(BeNumerically(">", 0))
			token, _ := resp.body["access_token"].(string)
			g.Expect(token).NotTo(BeEmpty())

			// The issued token opens Graph.
			c.token = token
			g.Expect(c.do(http.MethodGet, "/servicePrincipals", nil).status).To(Equal(http.StatusOK))
			g.Expect(sim.CallCount("POST /{tenant}/oauth2/v2.0/token")).To(Equal(1))
		})
	}
}

func TestGraphAuthorization(t *testing.T) {
	clock := NewManualClock(time.Now())
	cases := map[string]struct {
		token      func(t *testing.T, srvURL string) string
		advance    time.Duration
		wantStatus int
		wantMsg    string
	}{
		"no token": {
			token:      func(*testing.T, string) string { return "" },
			wantStatus: http.StatusUnauthorized, wantMsg: "Access token is empty.",
		},
		"unknown token": {
			token:      func(*testing.T, string) string { return "forged" },
			wantStatus: http.StatusUnauthorized, wantMsg: "IDX14100",
		},
		"static token": {
			token:      func(*testing.T, string) string { return testToken },
			wantStatus: http.StatusOK,
		},
		"issued token": {
			token:      issueToken,
			wantStatus: http.StatusOK,
		},
		"expired issued token": {
			token:      issueToken,
			advance:    2 * time.Hour,
			wantStatus: http.StatusUnauthorized, wantMsg: "Lifetime validation failed",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, srv, c := newSimulatorServer(t, WithClock(clock.Now), WithClientSecret(testClientID, testSecret))
			c.token = tc.token(t, srv.URL)
			clock.Advance(tc.advance)
			resp := c.do(http.MethodGet, "/users", nil)
			g.Expect(resp.status).To(Equal(tc.wantStatus))
			if tc.wantMsg != "" {
				g.Expect(resp.errorCode()).To(Equal("InvalidAuthenticationToken"))
				g.Expect(resp.errorMessage()).To(ContainSubstring(tc.wantMsg))
			}
		})
	}

	t.Run("authorization disabled", func(t *testing.T) {
		g := NewWithT(t)
		_, _, c := newSimulatorServer(t, WithoutAuthorization())
		c.token = ""
		g.Expect(c.do(http.MethodGet, "/users", nil).status).To(Equal(http.StatusOK))
	})
}

func TestInstanceDiscovery(t *testing.T) {
	g := NewWithT(t)
	_, srv, _ := newSimulatorServer(t)
	resp, err := http.Get(srv.URL + "/common/discovery/instance?api-version=1.1&authorization_endpoint=x")
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	body := decodeBody(g, resp)
	g.Expect(body["tenant_discovery_endpoint"]).To(Equal(srv.URL + "/" + testTenantID + "/v2.0/.well-known/openid-configuration"))
	g.Expect(lookupPath(body, "metadata")).To(HaveLen(1))
}

func issueToken(t *testing.T, srvURL string) string {
	t.Helper()
	resp := postForm(t, srvURL+"/"+testTenantID+"/oauth2/v2.0/token", secretForm(testSecret))
	if resp.status != http.StatusOK {
		t.Fatalf("token request: %d %s", resp.status, resp.raw)
	}
	return resp.body["access_token"].(string)
}

func secretForm(secret string) url.Values {
	return url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {testClientID},
		"client_secret": {secret},
		"scope":         {GraphScope + " openid offline_access profile"},
	}
}

func assertionForm(assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {testClientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {strings.Join([]string{GraphScope, "openid", "offline_access", "profile"}, " ")},
	}
}

func decodeBody(g Gomega, resp *http.Response) map[string]any {
	out := map[string]any{}
	g.Expect(json.NewDecoder(resp.Body).Decode(&out)).To(Succeed())
	return out
}
