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

package graph

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is an error answer of Graph or of the sign-in endpoint.
type Error struct {
	// StatusCode is the HTTP status; 0 when no answer arrived (network error).
	StatusCode int
	// Code is Graph's error code (e.g. Request_ResourceNotFound) or the AADSTS error.
	Code string
	// Message is Graph's message; for people, not for branching.
	Message string
	// RetryAfter is the Retry-After of a 429 or 503, 0 when absent.
	RetryAfter time.Duration
	// Err is the underlying error, when there is one.
	Err error
}

func (e *Error) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("graph unreachable: %v", e.Err)
	}
	if e.Code == "" {
		return fmt.Sprintf("graph: HTTP %d: %s", e.StatusCode, e.Message)
	}
	return fmt.Sprintf("graph: HTTP %d %s: %s", e.StatusCode, e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var ge *Error
	ok := errors.As(err, &ge)
	return ge, ok
}

// IsNotFound reports a 404: the object does not exist, or has not replicated yet.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsForbidden reports a 403: a missing Graph permission (or, right after creation, replication).
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsConflict reports a 409.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsThrottled reports a 429 or 503 that Graph asks to retry later.
func IsThrottled(err error) bool {
	return hasStatus(err, http.StatusTooManyRequests) || hasStatus(err, http.StatusServiceUnavailable)
}

// IsUnreachable reports that no answer arrived.
func IsUnreachable(err error) bool {
	ge, ok := AsError(err)
	return ok && ge.StatusCode == 0
}

// IsInvalidCredentials reports that the sign-in endpoint rejected the client's credentials
// (including an unknown client ID, AADSTS700016, and a federated token no federated identity
// credential matches, AADSTS70021).
func IsInvalidCredentials(err error) bool {
	ge, ok := AsError(err)
	if !ok {
		return false
	}
	return ge.Code == "invalid_client" || strings.HasPrefix(ge.Code, "AADSTS7000215") ||
		strings.HasPrefix(ge.Code, "AADSTS700027") || strings.HasPrefix(ge.Code, "AADSTS700213") ||
		strings.HasPrefix(ge.Code, "AADSTS90002") || ge.Code == "AADSTS700016" || ge.Code == "AADSTS70021" ||
		ge.StatusCode == http.StatusUnauthorized
}

// IsReplicationLag reports the errors Entra answers for some time after an object was created,
// until directory replication catches up: 404, 403, 409 and 400 "Not a valid reference update".
// terraform-provider-azuread retries exactly these.
func IsReplicationLag(err error) bool {
	ge, ok := AsError(err)
	if !ok {
		return false
	}
	switch ge.StatusCode {
	case http.StatusNotFound, http.StatusForbidden, http.StatusConflict:
		return true
	case http.StatusBadRequest:
		return strings.Contains(ge.Message, "Not a valid reference update")
	}
	return false
}

func hasStatus(err error, status int) bool {
	ge, ok := AsError(err)
	return ok && ge.StatusCode == status
}
