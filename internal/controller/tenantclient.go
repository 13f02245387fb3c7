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

package controller

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// GraphConfig is what both controllers need to reach a tenant's Graph.
type GraphConfig struct {
	// Factory builds (and caches) Graph clients.
	Factory graph.Factory
	// Trust carries the RootCAs (a local simulator's CA) or the Transport every tenant's client uses;
	// its URLs are ignored: they come from the tenant's cloud.
	Trust graph.Endpoints
	// AllowedCustomEndpoints are the origins a tenant of cloud Custom may name. Empty: none, so no
	// tenant can make the operator send its credentials to a host of the tenant's choosing.
	AllowedCustomEndpoints graph.EndpointAllowList
	// AllowedAudiences are the audiences the operator requests service account tokens for.
	AllowedAudiences []string
	// ReconcileTimeout bounds the Graph calls of one reconcile.
	ReconcileTimeout time.Duration
	// slots bound the reconciles that call one tenant's Graph at once.
	slots *tenantSlots
}

// graphContext bounds a reconcile's Graph calls by ReconcileTimeout.
func (g GraphConfig) graphContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if g.ReconcileTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, g.ReconcileTimeout)
}

// tenantSlots counts the reconciles in flight per tenant. A tenant whose Graph hangs holds at most
// limit workers until ReconcileTimeout; its other objects wait in the queue instead of in a worker.
type tenantSlots struct {
	limit    int
	mu       sync.Mutex
	inFlight map[types.UID]int
}

func newTenantSlots(limit int) *tenantSlots {
	return &tenantSlots{limit: max(limit, 1), inFlight: map[types.UID]int{}}
}

// tryAcquire takes a slot of tenant; release gives it back. Without slots (tests of one reconciler)
// everything is allowed.
func (t *tenantSlots) tryAcquire(tenant types.UID) (release func(), ok bool) {
	if t == nil {
		return func() {}, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inFlight[tenant] >= t.limit {
		return nil, false
	}
	t.inFlight[tenant]++
	return sync.OnceFunc(func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.inFlight[tenant]--; t.inFlight[tenant] <= 0 {
			delete(t.inFlight, tenant)
		}
	}), true
}

// DefaultTokenAudience is the audience Entra's workload identity federation expects.
const DefaultTokenAudience = "api://AzureADTokenExchange"

// clouds are the fixed endpoints of the named clouds.
var clouds = map[v1.Cloud]graph.Endpoints{
	v1.CloudAzurePublic:       graph.AzurePublic,
	v1.CloudAzureUSGovernment: graph.AzureUSGovernment,
	v1.CloudAzureChina:        graph.AzureChina,
}

// configError is a spec or Secret the user must fix: the controller reports it and stalls.
type configError struct {
	reason string
	err    error
}

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// endpoints are where the operator may sign in and call Graph for tenant: its named cloud's, or its
// custom endpoints when both are on allowed origins.
func (g GraphConfig) endpoints(tenant *v1.ScimTenant) (graph.Endpoints, error) {
	endpoints := graph.Endpoints{RootCAs: g.Trust.RootCAs, Transport: g.Trust.Transport}
	name := tenant.Spec.Cloud
	if name == "" {
		name = v1.CloudAzurePublic
	}
	if known, ok := clouds[name]; ok {
		endpoints.AuthorityHost, endpoints.GraphBaseURL = known.AuthorityHost, known.GraphBaseURL
		return endpoints, nil
	}
	custom := tenant.Spec.CustomEndpoints
	if name != v1.CloudCustom || custom == nil {
		return endpoints, &configError{reason: v1.EndpointNotAllowedReason,
			err: fmt.Errorf("cloud %q is not one the operator knows, or has no customEndpoints", name)}
	}
	for _, u := range []string{custom.AuthorityHost, custom.GraphEndpoint} {
		if !g.AllowedCustomEndpoints.Allows(u) {
			return endpoints, &configError{reason: v1.EndpointNotAllowedReason, err: fmt.Errorf(
				"custom endpoint %s is not allowed by the operator (allowed: %q); the operator sent it nothing. "+
					"Use cloud AzurePublic, AzureUSGovernment or AzureChina, or ask the platform administrator to add the origin to --allowed-custom-endpoints",
				u, g.AllowedCustomEndpoints.String())}
		}
	}
	endpoints.AuthorityHost, endpoints.GraphBaseURL = custom.AuthorityHost, custom.GraphEndpoint
	return endpoints, nil
}

// audience is the workload identity audience of wi, if the operator allows it.
func (g GraphConfig) audience(wi v1.WorkloadIdentity) (string, error) {
	audience := wi.Audience
	if audience == "" {
		audience = DefaultTokenAudience
	}
	if !slices.Contains(g.AllowedAudiences, audience) {
		return "", &configError{reason: v1.AudienceNotAllowedReason, err: fmt.Errorf(
			"the operator requests service account tokens only for the audiences %q, not %q; "+
				"ask the platform administrator to add it to --allowed-token-audiences", g.AllowedAudiences, audience)}
	}
	return audience, nil
}

// secretError is a Secret reference that cannot be resolved: a configuration error the user fixes.
type secretError struct {
	reason string
	err    error
}

func (e *secretError) Error() string { return e.err.Error() }
func (e *secretError) Unwrap() error { return e.err }

// readSecretKey reads one key of a Secret in namespace straight from the API server (the operator
// caches no Secret data), if the Secret opts in for use (v1.SecretTypeLabel).
func readSecretKey(ctx context.Context, reader client.Reader, namespace string, ref v1.SecretKeySelector, use string) ([]byte, string, error) {
	secret := &corev1.Secret{}
	if err := getOptedIn(ctx, reader, client.ObjectKey{Namespace: namespace, Name: ref.Name}, use, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", &secretError{reason: v1.SecretNotFoundReason, err: fmt.Errorf("secret %s/%s not found", namespace, ref.Name)}
		}
		return nil, "", fmt.Errorf("read secret %s/%s: %w", namespace, ref.Name, err)
	}
	if err := checkOptedIn(secret, use); err != nil {
		return nil, "", err
	}
	value := secret.Data[ref.Key]
	if len(value) == 0 {
		return nil, "", &secretError{reason: v1.SecretKeyNotFoundReason,
			err: fmt.Errorf("secret %s/%s has no key %q or its value is empty", namespace, ref.Name, ref.Key)}
	}
	return value, secret.ResourceVersion, nil
}

// tenantClient builds the Graph client of a ScimTenant from its spec and credential Secret. The
// endpoints and the token audience are checked before any credential is read or minted.
func (g GraphConfig) tenantClient(ctx context.Context, c client.Client, reader client.Reader, tenant *v1.ScimTenant) (graph.Client, error) {
	endpoints, err := g.endpoints(tenant)
	if err != nil {
		return nil, err
	}
	endpoints.ObserveRequest = graphObserver(tenant)
	creds := graph.Credentials{TenantID: tenant.Spec.TenantID, ClientID: tenant.Spec.ClientID}
	version := ""
	switch cred := tenant.Spec.Credentials; {
	case cred.ClientSecret != nil:
		value, rv, err := readSecretKey(ctx, reader, tenant.Namespace, *cred.ClientSecret, v1.SecretTypeTenantCredentials)
		if err != nil {
			return nil, err
		}
		creds.ClientSecret, version = string(value), rv
	case cred.ClientCertificate != nil:
		value, rv, err := readSecretKey(ctx, reader, tenant.Namespace, *cred.ClientCertificate, v1.SecretTypeTenantCredentials)
		if err != nil {
			return nil, err
		}
		creds.ClientCertificatePEM, version = value, rv
		exportCertificateExpiry(tenant, value)
	case cred.WorkloadIdentity != nil:
		audience, err := g.audience(*cred.WorkloadIdentity)
		if err != nil {
			return nil, err
		}
		creds.FederatedToken = serviceAccountToken(c, tenant.Namespace, cred.WorkloadIdentity.ServiceAccountName, audience)
	default:
		return nil, &configError{reason: v1.InvalidCredentialsReason, err: errors.New("spec.credentials names no credential")}
	}
	// A new generation or a rotated Secret gives a new client; an unchanged one reuses the cached
	// client and its token.
	key := fmt.Sprintf("%s/%d/%s", tenant.UID, tenant.Generation, version)
	return g.Factory.ForTenant(ctx, key, creds, endpoints)
}

// exportCertificateExpiry exports when the first certificate of a client certificate PEM expires.
// A PEM that does not parse exports nothing: signing in reports it.
func exportCertificateExpiry(tenant *v1.ScimTenant, pemBytes []byte) {
	for rest := pemBytes; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
			credentialExpiry.WithLabelValues(tenant.Namespace, tenant.Name).Set(float64(cert.NotAfter.Unix()))
		}
		return
	}
}

// serviceAccountToken requests short-lived tokens for a service account, as the projected token
// of a pod would be, for workload identity federation.
func serviceAccountToken(c client.Client, namespace, serviceAccount, audience string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: serviceAccount}}
		req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
			Audiences:         []string{audience},
			ExpirationSeconds: new(int64(time.Hour.Seconds())),
		}}
		if err := c.SubResource("token").Create(ctx, sa, req); err != nil {
			return "", fmt.Errorf("request a token for service account %s/%s: %w", namespace, serviceAccount, err)
		}
		return req.Status.Token, nil
	}
}

// hashOf is a stable SHA-256 of values, for recording what was pushed without recording it.
func hashOf(values ...string) string {
	h := sha256.New()
	for _, v := range values {
		_, _ = fmt.Fprintf(h, "%d:%s;", len(v), v) // a hash.Hash never fails to write
	}
	return hex.EncodeToString(h.Sum(nil))
}
