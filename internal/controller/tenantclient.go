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
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// GraphConfig is what both controllers need to reach a tenant's Graph.
type GraphConfig struct {
	// Factory builds (and caches) Graph clients.
	Factory graph.Factory
	// Endpoints are the defaults a ScimTenant's spec.cloud overrides: empty for Microsoft's public
	// cloud, or a local simulator in development.
	Endpoints graph.Endpoints
}

// secretError is a Secret reference that cannot be resolved: a configuration error the user fixes.
type secretError struct {
	reason string
	err    error
}

func (e *secretError) Error() string { return e.err.Error() }
func (e *secretError) Unwrap() error { return e.err }

// readSecretKey reads one key of a Secret in namespace straight from the API server: the operator
// keeps no Secret cache.
func readSecretKey(ctx context.Context, reader client.Reader, namespace string, ref v1.SecretKeySelector) ([]byte, string, error) {
	secret := &corev1.Secret{}
	if err := reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", &secretError{reason: v1.SecretNotFoundReason, err: fmt.Errorf("secret %s/%s not found", namespace, ref.Name)}
		}
		return nil, "", fmt.Errorf("read secret %s/%s: %w", namespace, ref.Name, err)
	}
	value := secret.Data[ref.Key]
	if len(value) == 0 {
		return nil, "", &secretError{reason: v1.SecretKeyNotFoundReason,
			err: fmt.Errorf("secret %s/%s has no key %q or its value is empty", namespace, ref.Name, ref.Key)}
	}
	return value, secret.ResourceVersion, nil
}

// tenantClient builds the Graph client of a ScimTenant from its spec and credential Secret.
func (g GraphConfig) tenantClient(ctx context.Context, c client.Client, reader client.Reader, tenant *v1.ScimTenant) (graph.Client, error) {
	creds := graph.Credentials{TenantID: tenant.Spec.TenantID, ClientID: tenant.Spec.ClientID}
	version := ""
	switch cred := tenant.Spec.Credentials; {
	case cred.ClientSecret != nil:
		value, rv, err := readSecretKey(ctx, reader, tenant.Namespace, *cred.ClientSecret)
		if err != nil {
			return nil, err
		}
		creds.ClientSecret, version = string(value), rv
	case cred.ClientCertificate != nil:
		value, rv, err := readSecretKey(ctx, reader, tenant.Namespace, *cred.ClientCertificate)
		if err != nil {
			return nil, err
		}
		creds.ClientCertificatePEM, version = value, rv
	case cred.WorkloadIdentity != nil:
		creds.FederatedToken = serviceAccountToken(c, tenant.Namespace, *cred.WorkloadIdentity)
	default:
		return nil, &secretError{reason: v1.InvalidCredentialsReason, err: errors.New("spec.credentials names no credential")}
	}
	endpoints := g.Endpoints
	if cloud := tenant.Spec.Cloud; cloud != nil {
		if cloud.AuthorityHost != "" {
			endpoints.AuthorityHost = cloud.AuthorityHost
		}
		if cloud.GraphEndpoint != "" {
			endpoints.GraphBaseURL = cloud.GraphEndpoint
		}
	}
	// A new generation or a rotated Secret gives a new client; an unchanged one reuses the cached
	// client and its token.
	key := fmt.Sprintf("%s/%d/%s", tenant.UID, tenant.Generation, version)
	return g.Factory.ForTenant(ctx, key, creds, endpoints)
}

// serviceAccountToken requests short-lived tokens for a service account, as the projected token
// of a pod would be, for workload identity federation.
func serviceAccountToken(c client.Client, namespace string, wi v1.WorkloadIdentity) func(context.Context) (string, error) {
	audience := wi.Audience
	if audience == "" {
		audience = "api://AzureADTokenExchange"
	}
	return func(ctx context.Context) (string, error) {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: wi.ServiceAccountName}}
		req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
			Audiences:         []string{audience},
			ExpirationSeconds: new(int64(time.Hour.Seconds())),
		}}
		if err := c.SubResource("token").Create(ctx, sa, req); err != nil {
			return "", fmt.Errorf("request a token for service account %s/%s: %w", namespace, wi.ServiceAccountName, err)
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
