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
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	elimity "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/go-logr/logr"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/andmoney/scim-operator/internal/credential"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/patch"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

type ctxKey int

// appKey holds the request's application for elimity's handlers, whose only input is the *http.Request.
const appKey ctxKey = 0

func appFrom(ctx context.Context) store.App {
	app, _ := ctx.Value(appKey).(store.App)
	return app
}

// ServeHTTP routes a request to its endpoint by path prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, kind := range s.opts.Kinds {
		if r.URL.Path == kind.Prefix || strings.HasPrefix(r.URL.Path, kind.Prefix+"/") {
			s.serveEndpoint(w, r, kind)
			return
		}
	}
	start := time.Now()
	writeError(w, scimerrors.ScimError{Status: http.StatusNotFound, Detail: "No SCIM endpoint at this path."})
	observe("none", "unknown", http.StatusNotFound, time.Since(start))
}

// serveEndpoint is the handler chain of one prefix: metrics and panic recovery, authentication, the body
// limit, then the server's own answers to Entra's frequent requests (list, get, create, replace) or, for
// the rest, elimity with the Entra-specific rewrites.
func (s *Server) serveEndpoint(w http.ResponseWriter, r *http.Request, kind *model.KindSpec) {
	start := time.Now()
	prefix := kind.Prefix
	rest := strings.TrimPrefix(r.URL.Path, prefix)
	op := operation(r.Method, rest)
	rw := &statusWriter{ResponseWriter: w}
	appLabel := "unauthenticated"
	log := s.log.WithValues("operation", op)
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			// The panic value may hold request data, but never the token: it is not kept past auth.
			log.Error(errors.New("panic"), "SCIM request panicked", "application", appLabel, "panic", v)
			if !rw.wroteHeader {
				writeError(rw, scimerrors.ScimError{Status: http.StatusInternalServerError, Detail: "Internal error."})
			}
		}
		observe(appLabel, op, rw.code(), time.Since(start))
	}()

	entry, ok := s.authenticate(r, kind.Kind)
	if !ok {
		rw.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		writeError(rw, scimerrors.ScimError{Status: http.StatusUnauthorized,
			Detail: "A valid bearer token for this endpoint is required."})
		return
	}
	appLabel = entry.app.String()
	log = log.WithValues("application", appLabel)
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
	defer cancel()
	ctx = logf.IntoContext(context.WithValue(ctx, appKey, entry.app), log)

	body, berr := s.readBody(r)
	if berr != nil {
		writeError(rw, *berr)
		return
	}
	if strings.HasPrefix(rest, "/Groups") {
		serveGroups(rw, r, rest)
		return
	}

	// attributes / excludedAttributes (projection.go): both at once is refused here, before any write.
	proj, perr := requestProjection(op, r.URL)
	if perr != nil {
		writeError(rw, *perr)
		return
	}

	base := entry.tenantURL
	if base == "" {
		base = requestBase(r, prefix)
	}
	if s.answerBesideElimity(rw, r.WithContext(ctx), op, rest, entry.app, base, body, proj) {
		return
	}
	forElimity(ctx, r, op, kind, body)
	server, err := s.elimityServer(kind.Kind, base)
	if err != nil {
		log.Error(err, "Failed to build the SCIM server")
		writeError(rw, scimerrors.ScimErrorInternal)
		return
	}
	// A shallow copy with its own URL: elimity routes on the path below the prefix.
	inner := r.WithContext(ctx)
	u := *r.URL
	u.Path, u.RawPath = rest, ""
	inner.URL = &u
	var out http.ResponseWriter = rw
	var pw *projectingWriter
	if proj.active() {
		pw = &projectingWriter{ResponseWriter: rw, proj: proj}
		out = pw
	}
	uw := &unavailableWriter{ResponseWriter: out}
	server.ServeHTTP(uw, inner)
	uw.finish()
	if pw != nil {
		pw.finish()
	}
}

// answerBesideElimity answers the requests the server serves itself rather than through elimity: Entra's
// frequent ones (list, get, create, replace, and the PATCH bodies Entra sends). It reports whether it
// answered.
func (s *Server) answerBesideElimity(w http.ResponseWriter, r *http.Request, op, rest string, app store.App, base string,
	body []byte, proj projection) bool {
	// The id as elimity reads it from the path, so that every method finds the same record.
	id, err := url.PathUnescape(strings.TrimPrefix(rest, "/Users/"))
	byID := err == nil && id != ".search"
	switch {
	case op == opList:
		s.serveList(w, r, app, base, proj)
	case op == opGet && byID:
		s.serveGet(w, r, app, base, id, proj)
	case op == opCreate:
		s.serveWrite(w, r, app, base, "", body, proj)
	case op == opReplace && byID:
		s.serveWrite(w, r, app, base, id, body, proj)
	case op == opPatch && byID:
		return s.servePatch(w, r, app, base, id, body, proj)
	default:
		return false
	}
	return true
}

// elimityServer returns elimity's server for a kind and base URL. Servers are kept per base URL, up to a
// bound: the base may come from the request's Host header, which the client chooses.
func (s *Server) elimityServer(kind model.Kind, base string) (elimity.Server, error) {
	key := string(kind) + " " + base
	if v, ok := s.servers.Load(key); ok {
		return v.(elimity.Server), nil
	}
	server, err := elimity.NewServer(&elimity.ServerArgs{
		ServiceProviderConfig: s.spc,
		ResourceTypes:         []elimity.ResourceType{s.users[kind]},
	}, elimity.WithBaseURL(base), elimity.WithLogger(elimityLogger{s.log}))
	if err != nil {
		return elimity.Server{}, fmt.Errorf("build the SCIM server for %s: %w", base, err)
	}
	if s.serverCount.Add(1) <= maxCachedServers {
		s.servers.Store(key, server)
	}
	return server, nil
}

// maxCachedServers bounds the elimity servers kept: one per application Tenant URL and host name in use.
const maxCachedServers = 256

// authenticate finds the application of the request's bearer token among those of the endpoint's kind.
func (s *Server) authenticate(r *http.Request, kind model.Kind) (appEntry, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return appEntry{}, false
	}
	raw := []byte(credential.NormalizeToken(token))
	entry, ok := s.tokens.lookup(raw, kind)
	if !ok && len(raw) > 0 && s.tokens.refresh(r.Context(), kind) {
		entry, ok = s.tokens.lookup(raw, kind)
	}
	// An application being deleted takes no more writes: its records are about to be cleaned up.
	if !ok || (r.Method != http.MethodGet && s.tokens.deleting(r.Context(), entry.app)) {
		return appEntry{}, false
	}
	return entry, true
}

// readBody reads the body of a write in full, refusing it with 413 past MaxBodyBytes before any parser
// sees it (elimity reads bodies without a limit, and ignores read errors on POST and PUT). A request of
// any other method gets an empty body, and nil is returned.
func (s *Server) readBody(r *http.Request) ([]byte, *scimerrors.ScimError) {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
	default:
		r.Body = http.NoBody // Nothing else reads a body; do not let one be streamed in.
		return nil, nil
	}
	tooLarge := &scimerrors.ScimError{Status: http.StatusRequestEntityTooLarge,
		Detail: "The request body is larger than this endpoint accepts."}
	if r.ContentLength > s.opts.MaxBodyBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxBodyBytes+1))
	if err != nil {
		return nil, &scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidSyntax,
			Detail: "The request body could not be read."}
	}
	if int64(len(body)) > s.opts.MaxBodyBytes {
		return nil, tooLarge
	}
	return body, nil
}

// forElimity hands a body to elimity: a PATCH normalised for it (what the kind does not store is counted
// and logged as ignored), anything else as it came.
func forElimity(ctx context.Context, r *http.Request, op string, kind *model.KindSpec, body []byte) {
	if op == opPatch {
		var ignored []string
		body, ignored = patch.Normalize(body, kind)
		countIgnored(ctx, kind, ignored)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

// requestBase is the endpoint's URL as the client reached it, for meta.location when the application
// names no Tenant URL.
func requestBase(r *http.Request, prefix string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + prefix
}

// serveGroups answers /Groups: an empty list, because a 404 there puts Entra's whole job in quarantine
// when group provisioning is left on; there are no groups to read, and none are created.
func serveGroups(w http.ResponseWriter, r *http.Request, rest string) {
	switch {
	case rest == "/Groups" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = io.WriteString(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],`+
			`"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]}`)
	case rest == "/Groups":
		writeError(w, scimerrors.ScimError{Status: http.StatusNotImplemented,
			Detail: "Groups are not provisioned here; turn off group provisioning for this application in Entra."})
	default:
		writeError(w, scimerrors.ScimError{Status: http.StatusNotFound, Detail: "No such group."})
	}
}

// Operation names, the metrics' operation label.
const (
	opCreate    = "create"
	opGet       = "get"
	opList      = "list"
	opReplace   = "replace"
	opPatch     = "patch"
	opDelete    = "delete"
	opGroups    = "groups"
	opDiscovery = "discovery"
	opUnknown   = "unknown"
)

func operation(method, rest string) string {
	switch {
	case rest == "/Users":
		switch method {
		case http.MethodGet:
			return opList
		case http.MethodPost:
			return opCreate
		}
	case strings.HasPrefix(rest, "/Users/"):
		switch method {
		case http.MethodGet:
			return opGet
		case http.MethodPut:
			return opReplace
		case http.MethodPatch:
			return opPatch
		case http.MethodDelete:
			return opDelete
		}
	case strings.HasPrefix(rest, "/Groups"):
		return opGroups
	case rest == "/ServiceProviderConfig", strings.HasPrefix(rest, "/Schemas"), strings.HasPrefix(rest, "/ResourceTypes"):
		return opDiscovery
	}
	return opUnknown
}

// writeError writes a SCIM error: application/scim+json, status as a string, and Retry-After on a 503.
func writeError(w http.ResponseWriter, e scimerrors.ScimError) {
	body, _ := e.MarshalJSON()
	w.Header().Set("Content-Type", "application/scim+json")
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// statusWriter records the status code, for metrics and for the panic handler.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	if !w.wroteHeader {
		return http.StatusOK
	}
	return w.status
}

// elimityLogger passes elimity's error logs (marshalling and write failures) to the server's logger.
type elimityLogger struct {
	log logr.Logger
}

func (l elimityLogger) Error(args ...any) {
	l.log.Info("elimity-com/scim reported an error", "details", args)
}
