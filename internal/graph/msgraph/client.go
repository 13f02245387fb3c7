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

// Package msgraph implements graph.Client and graph.Factory with msgraph-sdk-go and azidentity.
// It is the only package of the operator that imports them.
//
// To keep compile time and memory sane it never imports the SDK's root package nor its
// users/groups request builders: the adapter is built from msgraph-sdk-go-core, the request
// builders of serviceprincipals, applicationtemplates and auditlogs are created with their
// Internal constructors and a "baseurl" path parameter, the JSON and text (de)serializers are
// registered here, and users, groups, applications and the job schema go through raw kiota
// RequestInformation. The schema is read and written as raw JSON and replaced with PUT: the typed
// models drop data, and Graph answers the SDK's PATCH with 404.
//
// The methods live with their resource: applications.go (applications and service principals),
// jobs.go, secrets.go, schema.go, assignments.go, directory.go (users and groups) and logs.go.
// Each makes one Graph call (plus paging; FindTaggedApplication a second read) and returns
// *graph.Error for Graph's and the sign-in endpoint's errors. 429/503/504 are retried in-line by
// kiota's RetryHandler honouring Retry-After up to RetryAfterCap (see WithRetry,
// WithMaxRetryAfter); replication lag is the caller's.
package msgraph

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaazure "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/applicationtemplates"
	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/andmoney/scim-operator/internal/graph"
)

// ErrMissingID is wrapped by the errors of calls given an empty identifier.
var ErrMissingID = errors.New("an identifier is empty")

// maxPages bounds paging loops, so that a server handing out nextLinks forever cannot hang a
// reconcile.
const maxPages = 100

// Client is one tenant's Graph through msgraph-sdk-go. It implements graph.Client and is safe
// for concurrent use.
type Client struct {
	adapter           *msgraphcore.GraphRequestAdapterBase
	baseURL           string
	servicePrincipals *serviceprincipals.ServicePrincipalsRequestBuilder
	templates         *applicationtemplates.ApplicationTemplatesRequestBuilder
	provisioning      *auditlogs.ProvisioningRequestBuilder
	transport         http.RoundTripper
	ownsTransport     bool
	// clientID and secretHint find the client secret the client signs in with among its app
	// registration's (secretHint is empty for other credentials).
	clientID, secretHint string
}

var _ graph.Client = (*Client)(nil)

// NewClient builds a client for one tenant without any network I/O. Most callers want a
// Factory, which caches clients (and so their tokens and connections).
func NewClient(creds graph.Credentials, endpoints graph.Endpoints, opts ...Option) (*Client, error) {
	return newClient(creds, endpoints, buildOptions(opts))
}

func newClient(creds graph.Credentials, endpoints graph.Endpoints, o options) (*Client, error) {
	registerDefaultSerializers()
	resolved, err := resolveEndpoints(endpoints)
	if err != nil {
		return nil, err
	}
	transport, owned := baseTransport(endpoints)
	cred, err := credential(creds, resolved, transport, o)
	if err != nil {
		if !errors.Is(err, ErrInvalidConfig) {
			err = fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		return nil, err
	}
	// The azure provider only attaches tokens to the Graph host and refuses plain http except
	// on localhost.
	auth, err := kiotaazure.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		cred, []string{resolved.scope}, []string{resolved.graphHost})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	httpClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(observed(transport, endpoints.ObserveRequest), middlewares(o)...),
		// kiota's RedirectHandler follows redirects itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		// No overall timeout: each attempt is bounded (WithTimeout), the call by the caller's
		// context, and in-line retries by WithRetry and WithMaxRetryAfter.
	}
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, msgraphcore.GraphClientOptions{GraphServiceVersion: "v1.0", GraphServiceLibraryVersion: sdkVersion},
		serialization.DefaultParseNodeFactoryInstance, serialization.DefaultSerializationWriterFactoryInstance, httpClient)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	adapter.SetBaseUrl(resolved.graphBaseURL)
	params := func() map[string]string { return map[string]string{"baseurl": resolved.graphBaseURL} }
	return &Client{
		adapter:           adapter,
		baseURL:           resolved.graphBaseURL,
		servicePrincipals: serviceprincipals.NewServicePrincipalsRequestBuilderInternal(params(), adapter),
		templates:         applicationtemplates.NewApplicationTemplatesRequestBuilderInternal(params(), adapter),
		provisioning:      auditlogs.NewProvisioningRequestBuilderInternal(params(), adapter),
		transport:         transport,
		ownsTransport:     owned,
		clientID:          creds.ClientID,
		secretHint:        secretHint(creds.ClientSecret),
	}, nil
}

func (c *Client) closeIdleConnections() {
	if !c.ownsTransport {
		return
	}
	if t, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

func (c *Client) sp(id string) *serviceprincipals.ServicePrincipalItemRequestBuilder {
	return c.servicePrincipals.ByServicePrincipalId(id)
}

// Ping reads the non-gallery application template: any valid Graph token may read it, so it
// proves sign-in and reachability without needing a particular permission.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.templates.ByApplicationTemplateId(graph.NonGalleryTemplateID).Get(ctx,
		&applicationtemplates.ApplicationTemplateItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &applicationtemplates.ApplicationTemplateItemRequestBuilderGetQueryParameters{Select: []string{"id"}},
		})
	return mapError("ping", err)
}

// rawRequest builds a request for a path the imported request builders do not cover.
func (c *Client) rawRequest(method abs.HttpMethod, template string, pathParameters map[string]string) *abs.RequestInformation {
	params := map[string]string{"baseurl": c.baseURL}
	maps.Copy(params, pathParameters)
	ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(method, template, params)
	ri.Headers.TryAdd("Accept", "application/json")
	return ri
}

// nextRequest builds the GET of an @odata.nextLink.
func (c *Client) nextRequest(next string) (*abs.RequestInformation, error) {
	u, err := url.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("invalid @odata.nextLink %q: %w", next, err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	return ri, nil
}

// sendBytes sends ri and returns the raw body (nil for 204).
func (c *Client) sendBytes(ctx context.Context, ri *abs.RequestInformation) ([]byte, error) {
	res, err := c.adapter.SendPrimitive(ctx, ri, "[]byte", errorMappings)
	if err != nil {
		return nil, err
	}
	raw, _ := res.([]byte)
	return raw, nil
}

// requireIDs rejects empty identifiers, which would otherwise address another resource
// (DELETE /applications/ is not DELETE /applications/{id}).
func requireIDs(op string, ids ...string) error {
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("%s: %w", op, ErrMissingID)
		}
	}
	return nil
}

// quote escapes a string literal for $filter (single quotes are doubled).
func quote(s string) string { return strings.ReplaceAll(s, "'", "''") }

func ignoreNotFound(err error) error {
	if graph.IsNotFound(err) {
		return nil
	}
	return err
}
