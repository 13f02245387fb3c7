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

package msgraph

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	textserialization "github.com/microsoft/kiota-serialization-text-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/andmoney/scim-operator/internal/graph"
)

// sdkVersion is reported in the SdkVersion header like the root client does.
const sdkVersion = "1.103.0"

// ErrInvalidConfig is wrapped by the errors NewClient and Factory.ForTenant return for unusable
// credentials or endpoints (no network I/O happens before these are detected).
var ErrInvalidConfig = errors.New("invalid Graph client configuration")

var registerSerializers sync.Once

// registerDefaultSerializers does what msgraph-sdk-go's root package does in
// NewGraphServiceClient (docs/graph.md §10.5-6), which this package never imports.
func registerDefaultSerializers() {
	registerSerializers.Do(func() {
		abs.RegisterDefaultSerializer(func() serialization.SerializationWriterFactory {
			return jsonserialization.NewJsonSerializationWriterFactory()
		})
		abs.RegisterDefaultSerializer(func() serialization.SerializationWriterFactory {
			return textserialization.NewTextSerializationWriterFactory()
		})
		abs.RegisterDefaultDeserializer(func() serialization.ParseNodeFactory {
			return jsonserialization.NewJsonParseNodeFactory()
		})
		abs.RegisterDefaultDeserializer(func() serialization.ParseNodeFactory {
			return textserialization.NewTextParseNodeFactory()
		})
	})
}

// resolvedEndpoints are graph.Endpoints with defaults applied and URLs parsed.
type resolvedEndpoints struct {
	authorityHost string
	graphBaseURL  string
	graphHost     string // host name without port, for the allowed-hosts validator
	scope         string // <scheme>://<host>/.default
}

func resolveEndpoints(e graph.Endpoints) (resolvedEndpoints, error) {
	r := resolvedEndpoints{authorityHost: e.AuthorityHost, graphBaseURL: strings.TrimRight(e.GraphBaseURL, "/")}
	// Empty endpoints mean Microsoft's global cloud.
	if r.authorityHost == "" {
		r.authorityHost = graph.AzurePublic.AuthorityHost
	}
	if r.graphBaseURL == "" {
		r.graphBaseURL = graph.AzurePublic.GraphBaseURL
	}
	authority, err := url.Parse(r.authorityHost)
	if err != nil || authority.Host == "" {
		return r, fmt.Errorf("%w: authority host %q is not an absolute URL", ErrInvalidConfig, r.authorityHost)
	}
	if authority.Scheme != "https" {
		return r, fmt.Errorf("%w: authority host %q must use https", ErrInvalidConfig, r.authorityHost)
	}
	if !strings.HasSuffix(r.authorityHost, "/") {
		r.authorityHost += "/"
	}
	base, err := url.Parse(r.graphBaseURL)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return r, fmt.Errorf("%w: Graph base URL %q is not an absolute http(s) URL", ErrInvalidConfig, r.graphBaseURL)
	}
	r.graphHost = base.Hostname()
	r.scope = base.Scheme + "://" + base.Host + "/.default"
	return r, nil
}

// isPublicAuthority reports whether MSAL's instance discovery (which asks
// login.microsoftonline.com) can be used for this authority host.
func isPublicAuthority(authorityHost string) bool {
	u, err := url.Parse(authorityHost)
	return err == nil && strings.EqualFold(u.Hostname(), "login.microsoftonline.com")
}

// baseTransport is the round tripper under both the kiota middleware and azcore's pipeline.
// owned reports whether it was built here (so idle connections may be closed on eviction).
func baseTransport(e graph.Endpoints) (rt http.RoundTripper, owned bool) {
	if e.Transport != nil {
		return e.Transport, false
	}
	t := khttp.GetDefaultTransport().(*http.Transport)
	if e.RootCAs != nil {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: e.RootCAs}
		t.TLSClientConfig = cfg
	}
	return t, true
}

// observed reports every answer of next to observe; it sits under the retry handler, so each
// attempt counts.
func observed(next http.RoundTripper, observe func(method string, code int, throttled bool)) http.RoundTripper {
	if observe == nil {
		return next
	}
	return observingTransport{next: next, observe: observe}
}

type observingTransport struct {
	next    http.RoundTripper
	observe func(method string, code int, throttled bool)
}

func (t observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp == nil {
		t.observe(req.Method, 0, false)
		return resp, err
	}
	throttled := (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) &&
		resp.Header.Get("Retry-After") != ""
	t.observe(req.Method, resp.StatusCode, throttled)
	return resp, nil
}

// credential builds the azidentity credential for creds; no network I/O happens here.
func credential(creds graph.Credentials, endpoints resolvedEndpoints, transport http.RoundTripper, o options) (azcore.TokenCredential, error) {
	if creds.TenantID == "" || creds.ClientID == "" {
		return nil, fmt.Errorf("%w: tenant ID and client ID are required", ErrInvalidConfig)
	}
	kinds := 0
	for _, set := range []bool{creds.ClientSecret != "", len(creds.ClientCertificatePEM) > 0, creds.FederatedToken != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, fmt.Errorf("%w: exactly one of client secret, client certificate and federated token is required, got %d", ErrInvalidConfig, kinds)
	}
	retry := policy.RetryOptions{MaxRetries: int32(o.maxRetries), RetryDelay: o.retryDelay, MaxRetryDelay: 4 * o.retryDelay}
	if o.maxRetries == 0 {
		retry.MaxRetries = -1 // azcore: 0 means its default of 3
	}
	clientOptions := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: endpoints.authorityHost},
		Transport: &http.Client{Transport: transport, Timeout: o.timeout},
		Retry:     retry,
	}
	disableDiscovery := !isPublicAuthority(endpoints.authorityHost)
	switch {
	case creds.ClientSecret != "":
		return azidentity.NewClientSecretCredential(creds.TenantID, creds.ClientID, creds.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions, DisableInstanceDiscovery: disableDiscovery})
	case len(creds.ClientCertificatePEM) > 0:
		certs, key, err := azidentity.ParseCertificates(creds.ClientCertificatePEM, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: client certificate: %w", ErrInvalidConfig, err)
		}
		return azidentity.NewClientCertificateCredential(creds.TenantID, creds.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions, DisableInstanceDiscovery: disableDiscovery})
	default:
		return azidentity.NewClientAssertionCredential(creds.TenantID, creds.ClientID, federatedToken(creds.FederatedToken),
			&azidentity.ClientAssertionCredentialOptions{ClientOptions: clientOptions, DisableInstanceDiscovery: disableDiscovery})
	}
}

// federatedTokenFailure marks errors of the caller's federated token source. azidentity keeps
// only the text of the assertion callback's error, so the marker is how mapError recognises it.
const federatedTokenFailure = "reading the federated token failed"

func federatedToken(source func(context.Context) (string, error)) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		token, err := source(ctx)
		if err != nil {
			return "", fmt.Errorf("%s: %w", federatedTokenFailure, err)
		}
		return token, nil
	}
}

// middlewares is kiota's and Graph's default pipeline (minus the /me URL replacement) in a
// fixed order, with the retry handler configured by o.
func middlewares(o options) []khttp.Middleware {
	maxRetries, maxRetryAfter := o.maxRetries, o.maxRetryAfter
	retry := khttp.RetryHandlerOptions{
		MaxRetries:   max(maxRetries, 1), // kiota reads < 1 as its default; ShouldRetry enforces 0
		DelaySeconds: max(int(math.Ceil(o.retryDelay.Seconds())), 1),
		ShouldRetry: func(_ time.Duration, executionCount int, _ *http.Request, response *http.Response) bool {
			if executionCount >= maxRetries {
				return false
			}
			wait, ok := retryAfter(response.Header)
			return !ok || wait <= maxRetryAfter
		},
	}
	clientOptions := &msgraphcore.GraphClientOptions{GraphServiceVersion: "v1.0", GraphServiceLibraryVersion: sdkVersion}
	return []khttp.Middleware{
		msgraphcore.NewGraphTelemetryHandler(clientOptions),
		// Compression must run before (outside) the retry handler: the other way round a
		// retried request goes out with "Content-Encoding: gzip" and the uncompressed body
		// (kiota-http-go #183; the Graph SDK design asks for this order). kiota's default list
		// comes from a map, so its order, and this bug, vary from client to client.
		khttp.NewCompressionHandler(),
		rewindableBody{},
		khttp.NewRetryHandlerWithOptions(retry),
		khttp.NewRedirectHandler(),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		khttp.NewHeadersInspectionHandler(),
		attempt{timeout: o.timeout},
	}
}

// rewindableBody gives the retry handler a body it can rewind: it resends by seeking the body
// back to the start, and silently sends an empty body when it cannot (e.g. the uncompressed
// body the compression handler sends after a 415).
type rewindableBody struct{}

func (rewindableBody) Intercept(pipeline khttp.Pipeline, middlewareIndex int, req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return pipeline.Next(req, middlewareIndex)
	}
	if _, ok := req.Body.(io.Seeker); ok {
		return pipeline.Next(req, middlewareIndex)
	}
	payload, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	rewindable := req.Clone(req.Context())
	rewindable.Body = khttp.NopCloser(bytes.NewReader(payload))
	rewindable.ContentLength = int64(len(payload))
	return pipeline.Next(rewindable, middlewareIndex)
}

// attempt runs last, once per attempt (the retry handler sits above it). It bounds the
// attempt with the configured timeout, and hands the transport a private copy of the request
// body: kiota's RetryHandler rewinds and resends the very reader of the failed attempt, but
// net/http may still be writing that attempt's body when an early answer (a 429 sent before the
// body was read) arrives, and the retry then goes out with an empty body ("ContentLength=84
// with Body length 0"). With a copy per attempt the retry handler's reader is only ever read
// here, synchronously.
type attempt struct{ timeout time.Duration }

func (a attempt) Intercept(pipeline khttp.Pipeline, middlewareIndex int, req *http.Request) (*http.Response, error) {
	ctx, cancel := req.Context(), context.CancelFunc(func() {})
	if a.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, a.timeout)
	}
	out := req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		payload, err := io.ReadAll(req.Body)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("read request body: %w", err)
		}
		out.Body = io.NopCloser(bytes.NewReader(payload))
		out.ContentLength = int64(len(payload))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(payload)), nil }
	}
	resp, err := pipeline.Next(out, middlewareIndex)
	if err != nil || resp == nil {
		cancel()
		return resp, err
	}
	if resp.StatusCode >= 400 && !strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json") {
		odataErrorBody(resp)
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// odataErrorBody rewrites a non-JSON error answer (an HTML page from a proxy or gateway) as an
// OData error, so that kiota maps it to an error with its status code instead of failing to
// find a parser for text/html and losing the status.
func odataErrorBody(resp *http.Response) {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_ = resp.Body.Close()
	text := strings.Join(strings.Fields(htmlTag.ReplaceAllString(string(raw), " ")), " ")
	if text == "" {
		text = http.StatusText(resp.StatusCode)
	}
	payload, _ := json.Marshal(map[string]any{"error": map[string]string{"code": "", "message": truncate(text, 512)}})
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Del("Content-Encoding")
	resp.Header.Set("Content-Length", strconv.Itoa(len(payload)))
	resp.ContentLength = int64(len(payload))
	resp.Body = io.NopCloser(bytes.NewReader(payload))
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// cancelOnClose releases an attempt's timeout once its answer has been read.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// retryAfter parses a Retry-After header given in seconds or as an HTTP date, capped at
// RetryAfterCap.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := time.ParseDuration(v + "s"); err == nil {
		return min(max(secs, 0), RetryAfterCap), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), RetryAfterCap), true
	}
	return 0, false
}
