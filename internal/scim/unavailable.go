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

package scim

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	scimerrors "github.com/elimity-com/scim/errors"
)

// retryAfterSeconds is the Retry-After of a 503: long enough for a restarting API server to answer again,
// short against Entra's 60-second request limit and 40-minute cycle.
const retryAfterSeconds = 5

// errUnavailable is the SCIM error for a request the API server could not serve in time: 503 with
// Retry-After, so that the client tries again rather than taking it for a refusal.
var errUnavailable = scimerrors.ScimError{Status: http.StatusServiceUnavailable,
	Detail: "The record store is unavailable; try again later."}

// checkError is elimity's CheckScimError, except that a 503 stays a 503: elimity's table of statuses per
// method has none for 503, and would turn it into a 500.
func checkError(err error, method string) scimerrors.ScimError {
	if scimErr, ok := errors.AsType[scimerrors.ScimError](err); ok && scimErr.Status == http.StatusServiceUnavailable {
		return scimErr
	}
	return scimerrors.CheckScimError(err, method)
}

// notApplicable503 is the start of the detail elimity writes when a handler returns a 503 (see checkError).
var notApplicable503 = []byte("The HTTP status code " + strconv.Itoa(http.StatusServiceUnavailable) + " is not applicable")

// unavailableWriter sits between elimity and the client and turns elimity's 500 for a handler's 503 back
// into the 503 with Retry-After that the handler meant. Only a 500 is held back to be looked at; every
// other response passes straight through.
type unavailableWriter struct {
	http.ResponseWriter
	held bool
	body bytes.Buffer
}

func (w *unavailableWriter) WriteHeader(code int) {
	if code == http.StatusInternalServerError && !w.held {
		w.held = true
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *unavailableWriter) Write(b []byte) (int, error) {
	if w.held {
		return w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// finish sends what was held back.
func (w *unavailableWriter) finish() {
	if !w.held {
		return
	}
	if bytes.Contains(w.body.Bytes(), notApplicable503) {
		writeError(w.ResponseWriter, errUnavailable)
		return
	}
	w.ResponseWriter.WriteHeader(http.StatusInternalServerError)
	_, _ = w.ResponseWriter.Write(w.body.Bytes())
}
