package simulator

import (
	"crypto/subtle"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// FederatedCredential is a federated identity credential of an app registration: tokens
// whose iss, sub and aud match it can be exchanged for an access token (workload identity).
type FederatedCredential struct {
	Issuer  string
	Subject string
	// Audience defaults to api://AzureADTokenExchange.
	Audience string
}

type clientRegistration struct {
	clientID     string
	secrets      []string
	certificates []*x509.Certificate
	federated    []FederatedCredential
}

type issuedToken struct {
	clientID  string
	expiresAt time.Time
}

// RegisterClientSecret adds a client secret for clientID at run time.
func (s *Simulator) RegisterClientSecret(clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registerClientLocked(clientRegistration{clientID: clientID, secrets: []string{secret}})
}

// RegisterClientCertificate adds a certificate credential for clientID at run time.
func (s *Simulator) RegisterClientCertificate(clientID string, cert *x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registerClientLocked(clientRegistration{clientID: clientID, certificates: []*x509.Certificate{cert}})
}

// RegisterFederatedCredential adds a federated identity credential for clientID.
func (s *Simulator) RegisterFederatedCredential(clientID string, fc FederatedCredential) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registerClientLocked(clientRegistration{clientID: clientID, federated: []FederatedCredential{fc}})
}

func (s *Simulator) registerClientLocked(reg clientRegistration) {
	key := strings.ToLower(reg.clientID)
	existing, ok := s.clients[key]
	if !ok {
		existing = &clientRegistration{clientID: reg.clientID}
		s.clients[key] = existing
	}
	existing.secrets = append(existing.secrets, reg.secrets...)
	existing.certificates = append(existing.certificates, reg.certificates...)
	for _, fc := range reg.federated {
		if fc.Audience == "" {
			fc.Audience = FederatedTokenAudience
		}
		existing.federated = append(existing.federated, fc)
	}
}

// serveIdentity answers the Microsoft identity platform endpoints MSAL/azidentity use with
// a custom authority host (https://<simulator>/).
func (s *Simulator) serveIdentity(w http.ResponseWriter, r *http.Request, segments []string, requestID string) {
	c := &call{s: s, w: w, r: r, requestID: requestID}
	switch {
	case len(segments) == 3 && strings.EqualFold(segments[0], "common") && segments[1] == "discovery" && segments[2] == "instance":
		s.countCall("GET /common/discovery/instance", r.Method)
		s.handleInstanceDiscovery(c)
	case len(segments) == 4 && segments[1] == "v2.0" && segments[2] == ".well-known" && segments[3] == "openid-configuration":
		s.countCall("GET /{tenant}/v2.0/.well-known/openid-configuration", r.Method)
		s.handleOpenIDConfiguration(c, segments[0])
	case len(segments) == 4 && segments[1] == "oauth2" && segments[2] == "v2.0" && segments[3] == "token":
		s.countCall("POST /{tenant}/oauth2/v2.0/token", r.Method)
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		s.handleToken(c, segments[0])
	case len(segments) == 4 && segments[1] == "discovery" && segments[2] == "v2.0" && segments[3] == "keys":
		s.countCall("GET /{tenant}/discovery/v2.0/keys", r.Method)
		c.writeJSON(http.StatusOK, map[string]any{"keys": []any{}})
	default:
		s.countCall(r.Method+" (unmatched)", r.Method)
		c.fail(http.StatusNotFound, codeBadRequest, "The simulator serves Graph under /v1.0 and the identity endpoints under /{tenant}/.")
	}
}

// knownTenant accepts the tenant id, a registered domain, and the multi-tenant aliases.
func (s *Simulator) knownTenant(tenant string) bool {
	if strings.EqualFold(tenant, s.cfg.tenantID) {
		return true
	}
	for _, d := range s.cfg.tenantDomains {
		if strings.EqualFold(tenant, d) {
			return true
		}
	}
	return false
}

// handleOpenIDConfiguration answers tenant discovery. MSAL requires the issuer's host to
// equal the authority host, so every URL points back at the simulator.
func (s *Simulator) handleOpenIDConfiguration(c *call, tenant string) {
	if !s.knownTenant(tenant) {
		s.writeAADError(c, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf(
			"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant))
		return
	}
	base := requestBaseURL(c.r) + "/" + s.cfg.tenantID
	c.writeJSON(http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "name", "tid", "oid"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
	})
}

// handleInstanceDiscovery answers /common/discovery/instance. MSAL for Go only calls it on
// login.microsoftonline.com and other trusted hosts, never on a custom authority host, so
// clients must set DisableInstanceDiscovery; this is served for other MSAL flavours.
func (s *Simulator) handleInstanceDiscovery(c *call) {
	host := c.r.Host
	c.writeJSON(http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": requestBaseURL(c.r) + "/" + s.cfg.tenantID + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host, "preferred_cache": host, "aliases": []string{host},
		}},
	})
}

// handleToken implements the client-credentials grant with a client secret (form or HTTP
// Basic), a certificate-signed client assertion or a federated client assertion.
func (s *Simulator) handleToken(c *call, tenant string) {
	if err := c.r.ParseForm(); err != nil {
		s.writeAADError(c, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	form := c.r.PostForm
	if !s.knownTenant(tenant) {
		s.writeAADError(c, http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf(
			"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant))
		return
	}
	clientID, clientSecret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := c.r.BasicAuth(); ok {
		clientID, clientSecret = user, pass
	}
	switch {
	case form.Get("grant_type") == "":
		s.writeAADError(c, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	case form.Get("grant_type") != "client_credentials":
		s.writeAADError(c, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"+form.Get("grant_type")+"'.")
		return
	case clientID == "":
		s.writeAADError(c, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
		return
	case form.Get("scope") == "":
		s.writeAADError(c, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
		return
	case !hasDefaultScope(form.Get("scope")):
		s.writeAADError(c, http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf(
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", form.Get("scope")))
		return
	}
	s.mu.Lock()
	reg, ok := s.clients[strings.ToLower(clientID)]
	var snapshot clientRegistration
	if ok {
		snapshot = *reg
	}
	s.mu.Unlock()
	if !ok {
		s.writeAADError(c, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant))
		return
	}
	assertion := form.Get("client_assertion")
	switch {
	case clientSecret != "":
		if !secretMatches(snapshot.secrets, clientSecret) {
			s.writeAADError(c, http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf(
				"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID))
			return
		}
	case assertion != "":
		if form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			s.writeAADError(c, http.StatusBadRequest, "invalid_request", 700025, "Client assertion type is not supported. Use 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.")
			return
		}
		tokenEndpoint := requestBaseURL(c.r) + "/" + s.cfg.tenantID + "/oauth2/v2.0/token"
		if failure := s.verifyClientAssertion(&snapshot, assertion, tokenEndpoint); failure != nil {
			s.writeAADError(c, failure.status, failure.errorName, failure.code, failure.description)
			return
		}
	default:
		s.writeAADError(c, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	token := "sim." + randomHex(32)
	lifetime := s.cfg.tokenLifetime
	s.mu.Lock()
	s.tokens[token] = issuedToken{clientID: clientID, expiresAt: s.now().Add(lifetime)}
	s.mu.Unlock()
	c.writeJSON(http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(lifetime.Seconds()),
		"ext_expires_in": int(lifetime.Seconds()),
		"access_token":   token,
	})
}

func hasDefaultScope(scope string) bool {
	for s := range strings.FieldsSeq(scope) {
		if strings.HasSuffix(s, "/.default") {
			return true
		}
	}
	return false
}

func secretMatches(secrets []string, candidate string) bool {
	for _, s := range secrets {
		if subtle.ConstantTimeCompare([]byte(s), []byte(candidate)) == 1 {
			return true
		}
	}
	return false
}

// writeAADError answers in the shape of the Entra token service, which MSAL and azidentity
// parse: error, error_description starting with AADSTS<code>, error_codes, trace and
// correlation ids.
func (s *Simulator) writeAADError(c *call, status int, errorName string, code int, description string) {
	now := s.now()
	correlationID := c.r.Header.Get("client-request-id")
	if correlationID == "" {
		correlationID = randomGUID()
	}
	traceID := randomGUID()
	timestamp := now.Format("2006-01-02 15:04:05Z")
	payload, _ := json.Marshal(map[string]any{
		"error": errorName,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			code, description, traceID, correlationID, timestamp),
		"error_codes":    []int{code},
		"timestamp":      timestamp,
		"trace_id":       traceID,
		"correlation_id": correlationID,
		"error_uri":      fmt.Sprintf("%s/error?code=%d", requestBaseURL(c.r), code),
	})
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(payload)
}

// authorize checks the bearer token of a Graph request, answering 401 like Graph.
func (s *Simulator) authorize(c *call) bool {
	if s.cfg.authDisabled {
		return true
	}
	header := c.r.Header.Get("Authorization")
	token, found := strings.CutPrefix(header, "Bearer ")
	if !found || strings.TrimSpace(token) == "" {
		c.w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"`)
		c.fail(http.StatusUnauthorized, codeInvalidAuthToken, "Access token is empty.")
		return false
	}
	s.mu.Lock()
	issued, ok := s.tokens[token]
	static := s.cfg.staticTokens[token]
	s.mu.Unlock()
	switch {
	case static:
		return true
	case !ok:
		c.fail(http.StatusUnauthorized, codeInvalidAuthToken, "IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.")
		return false
	case !s.now().Before(issued.expiresAt):
		c.fail(http.StatusUnauthorized, codeInvalidAuthToken, "Lifetime validation failed, the token is expired.")
		return false
	}
	return true
}
