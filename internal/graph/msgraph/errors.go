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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/andmoney/scim-operator/internal/graph"
)

// errorMappings makes kiota parse every 4xx/5xx body as an OData error.
var errorMappings = abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// maxMessageLen bounds messages copied from responses into errors (and so into conditions).
const maxMessageLen = 1024

// mapError turns whatever the SDK, azidentity or net/http returned into *graph.Error:
// Graph's answers keep status, OData code, message and Retry-After; sign-in failures carry
// the AADSTS code; failures without an answer have StatusCode 0. Cancellation by the caller's
// context is returned as is (wrapped), not as an unreachable Graph. op names the operation.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := graph.AsError(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	ge := &graph.Error{Err: err}

	var authErr *azidentity.AuthenticationFailedError
	var oerr *odataerrors.ODataError
	var apiErr abs.ApiErrorable
	switch {
	case errors.As(err, &authErr):
		if authErr.RawResponse == nil && strings.Contains(authErr.Error(), federatedTokenFailure) {
			// Our own token source failed (e.g. the projected token file is missing): no
			// request was made, so this is neither "unreachable" nor a rejected credential.
			return fmt.Errorf("%s: %w", op, err)
		}
		mapAuthenticationError(ge, authErr)
	case errors.As(err, &oerr):
		ge.StatusCode = oerr.ResponseStatusCode
		if main := oerr.GetErrorEscaped(); main != nil {
			ge.Code = deref(main.GetCode())
			ge.Message = deref(main.GetMessage())
		}
		if ge.Message == "" {
			ge.Message = oerr.Message
		}
		ge.RetryAfter = retryAfterOf(ge.StatusCode, oerr.GetResponseHeaders())
	case errors.As(err, &apiErr):
		ge.StatusCode = apiErr.GetStatusCode()
		ge.Message = err.Error()
		ge.RetryAfter = retryAfterOf(ge.StatusCode, apiErr.GetResponseHeaders())
	case isNetworkError(err):
		ge.Message = err.Error()
	default:
		// Neither an answer nor a transport failure: a request that could not be built or a
		// response that could not be decoded. Not a *graph.Error, so it is not mistaken for
		// "unreachable".
		return fmt.Errorf("%s: %w", op, err)
	}
	ge.Message = truncate(ge.Message, maxMessageLen)
	ge.Err = fmt.Errorf("%s: %w", op, err)
	return ge
}

// isNetworkError reports failures where no HTTP answer arrived: dial, TLS, timeouts, a
// connection reset, or the caller's deadline.
func isNetworkError(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	var opErr *net.OpError
	return errors.As(err, &urlErr) || errors.As(err, &netErr) || errors.As(err, &opErr) ||
		errors.Is(err, context.DeadlineExceeded)
}

var aadstsCode = regexp.MustCompile(`AADSTS\d+`)

// mapAuthenticationError fills ge from a token endpoint failure. The token endpoint answers
// {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret ...",
// "error_codes":[7000215],...}; Code becomes "AADSTS7000215" (or the "error" value when no
// AADSTS code is given). Without a response (authority unreachable) StatusCode stays 0.
func mapAuthenticationError(ge *graph.Error, authErr *azidentity.AuthenticationFailedError) {
	resp := authErr.RawResponse
	if resp == nil {
		ge.Message = authErr.Error()
		return
	}
	ge.StatusCode = resp.StatusCode
	var body struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		ErrorCodes       []int  `json:"error_codes"`
	}
	payload, err := runtime.Payload(resp)
	if err == nil && json.Unmarshal(payload, &body) == nil {
		ge.Code = body.Error
		if len(body.ErrorCodes) > 0 {
			ge.Code = fmt.Sprintf("AADSTS%d", body.ErrorCodes[0])
		} else if m := aadstsCode.FindString(body.ErrorDescription); m != "" {
			ge.Code = m
		}
		// "AADSTS7000215: Invalid client secret ...\r\nTrace ID: ...\r\nCorrelation ID: ...":
		// keep the sentence; the code is in Code.
		ge.Message, _, _ = strings.Cut(body.ErrorDescription, "\r\n")
		ge.Message = strings.TrimSpace(strings.TrimPrefix(ge.Message, ge.Code+":"))
	}
	if ge.Message == "" {
		ge.Message = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		ge.RetryAfter, _ = retryAfter(resp.Header)
	}
}

// retryAfterOf returns the Retry-After of a final 429 or 503.
func retryAfterOf(status int, headers *abs.ResponseHeaders) time.Duration {
	if headers == nil || (status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable) {
		return 0
	}
	h := http.Header{}
	for _, v := range headers.Get("Retry-After") {
		h.Add("Retry-After", v)
	}
	d, _ := retryAfter(h)
	return d
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
