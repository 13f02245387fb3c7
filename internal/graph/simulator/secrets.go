package simulator

import (
	"fmt"
	"net/http"
)

// secretPair is one synchronizationSecretKeyStringValuePair.
type secretPair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// synchronizationSecretKeys is the synchronizationSecret enum of msgraph-sdk-go v1.103.0
// (docs/graph.md §4.1, §10.7). The service matches these names case-sensitively.
var synchronizationSecretKeys = map[string]bool{}

func init() {
	for _, k := range []string{
		"None", "UserName", "Password", "SecretToken", "AppKey", "BaseAddress",
		"ClientIdentifier", "ClientSecret", "SingleSignOnType", "Sandbox", "Url", "Domain",
		"ConsumerKey", "ConsumerSecret", "TokenKey", "TokenExpiration", "Oauth2AccessToken",
		"Oauth2AccessTokenCreationTime", "Oauth2RefreshToken", "SyncAll", "InstanceName",
		"Oauth2ClientId", "Oauth2ClientSecret", "CompanyId", "UpdateKeyOnSoftDelete",
		"SynchronizationSchedule", "SystemOfRecord", "SandboxName", "EnforceDomain",
		"SyncNotificationSettings", "SkipOutOfScopeDeletions", "Oauth2AuthorizationCode",
		"Oauth2RedirectUri", "ApplicationTemplateIdentifier", "Oauth2TokenExchangeUri",
		"Oauth2AuthorizationUri", "AuthenticationType", "Server",
		"PerformInboundEntitlementGrants", "HardDeletesEnabled", "SyncAgentCompatibilityKey",
		"SyncAgentADContainer", "ValidateDomain", "TestReferences", "ConnectionString",
	} {
		synchronizationSecretKeys[k] = true
	}
}

// maskedSecretKeys are returned as "*" by GET; terraform's handling of "*" shows the
// service redacts at least these credential-like keys (§4.2).
var maskedSecretKeys = map[string]bool{
	"SecretToken": true, "Password": true, "ClientSecret": true, "AppKey": true,
	"ConsumerSecret": true, "TokenKey": true, "Oauth2AccessToken": true,
	"Oauth2RefreshToken": true, "Oauth2ClientSecret": true, "Oauth2AuthorizationCode": true,
	"ConnectionString": true,
}

// unknownSecretKey returns the first key that is not in the enum, and whether there is one.
func unknownSecretKey(pairs []secretPair) (string, bool) {
	for _, p := range pairs {
		if !synchronizationSecretKeys[p.Key] {
			return p.Key, true
		}
	}
	return "", false
}

// failUnknownSecretKey reproduces the backend's enum-parse failure for a mis-cased or
// unknown key: 500 InternalError "Requested value 'baseAddress' was not found." (§3.6).
func failUnknownSecretKey(c *call, key string) {
	c.fail(http.StatusInternalServerError, codeInternalError, fmt.Sprintf("Requested value '%s' was not found.", key))
}

func secretValue(pairs []secretPair, key string) string {
	for _, p := range pairs {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

// handlePutSecrets replaces the whole stored set; keys with an empty value are dropped,
// which is how terraform deletes them (§4.1).
func (s *Simulator) handlePutSecrets(c *call) {
	var body struct {
		Value []secretPair `json:"value"`
	}
	if !c.decode(&body) {
		return
	}
	if key, bad := unknownSecretKey(body.Value); bad {
		failUnknownSecretKey(c, key)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	if !ok || s.transientSyncFailureLocked(c, sp) {
		return
	}
	stored := make([]secretPair, 0, len(body.Value))
	seen := map[string]int{}
	for _, p := range body.Value {
		if i, dup := seen[p.Key]; dup {
			stored[i].Value = p.Value // the last value for a repeated key wins
			continue
		}
		seen[p.Key] = len(stored)
		stored = append(stored, p)
	}
	kept := stored[:0]
	for _, p := range stored {
		if p.Value != "" {
			kept = append(kept, p)
		}
	}
	sp.previousSecrets = sp.secrets
	sp.secrets = kept
	sp.secretsPutAt = s.now()
	c.noContent()
}

// handleGetSecrets returns the stored set with credential values masked as "*" (§4.2),
// or the previous set while the configured read-after-write lag lasts.
func (s *Simulator) handleGetSecrets(c *call) {
	s.mu.Lock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	var values []secretPair
	if ok {
		current := sp.secrets
		if lag := s.cfg.secretsReadLag; lag > 0 && s.now().Before(sp.secretsPutAt.Add(lag)) {
			current = sp.previousSecrets
		}
		values = make([]secretPair, 0, len(current))
		for _, p := range current {
			if s.cfg.maskAllSecrets || maskedSecretKeys[p.Key] {
				p.Value = "*"
			}
			values = append(values, p)
		}
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	c.writeJSON(http.StatusOK, map[string]any{
		"@odata.context": c.context("servicePrincipals('" + c.params["sp"] + "')/synchronization/secrets"),
		"value":          values,
	})
}

// SetSecret changes one stored synchronization secret of a service principal, as an admin
// editing the field in the portal does; an empty value removes it. False when the service
// principal is unknown.
func (s *Simulator) SetSecret(servicePrincipalID, key, value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.servicePrincipals[servicePrincipalID]
	if !ok {
		return false
	}
	kept := sp.secrets[:0:0]
	for _, p := range sp.secrets {
		if p.Key != key {
			kept = append(kept, p)
		}
	}
	if value != "" {
		kept = append(kept, secretPair{Key: key, Value: value})
	}
	sp.secrets = kept
	return true
}
