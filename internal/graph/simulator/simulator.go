// Package simulator is an in-process stand-in for the slice of Microsoft Graph and of the
// Microsoft identity platform (Entra ID) that scim-operator talks to.
//
// It follows docs/graph.md §11: stateful applications, service principals,
// synchronization templates, jobs, secrets and schemas, app role assignments, users,
// groups and provisioning logs under /v1.0, plus the OAuth endpoints azidentity needs when
// it is pointed at a custom authority host. Error bodies, status codes and the known
// quirks of the real service (schema PATCH answering 404, masked secrets, gzip request
// bodies, replication lag, throttling) are reproduced so that the production code path
// (msgraph-sdk-go + azidentity) can be tested against it unmodified.
//
// The zero-configuration simulator is fully deterministic apart from the time: pass
// WithSeed for stable ids and WithClock for a controllable clock.
package simulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Well-known identifiers of the non-gallery ("Create your own application") template.
const (
	// NonGalleryTemplateID is the application template instantiated for custom SCIM apps.
	NonGalleryTemplateID = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"
	// UserAppRoleID is the fixed id of the "User" app role of the non-gallery template.
	UserAppRoleID = "18d14569-c3bd-439b-9a66-3a2aee01d14f"
	// MsiamAccessAppRoleID is the fixed id of the "msiam_access" app role.
	MsiamAccessAppRoleID = "b9632174-c057-4f7e-951b-be3adc52bfe6"
	// DefaultAccessAppRoleID is only valid for resources that declare no app roles.
	DefaultAccessAppRoleID = "00000000-0000-0000-0000-000000000000"
	// SCIMTemplateID is the synchronization template of SCIM-compliant non-gallery apps.
	SCIMTemplateID = "scim"
	// LegacyTemplateID is the pre-2020, non-SCIM-compliant synchronization template.
	LegacyTemplateID = "customappsso"
	// GraphScope is the scope a client-credentials token for Graph is requested with.
	GraphScope = "https://graph.microsoft.com/.default"
	// FederatedTokenAudience is the audience Entra expects in workload identity tokens.
	FederatedTokenAudience = "api://AzureADTokenExchange"
)

// Simulator is a stateful fake of Microsoft Graph and the Entra token service.
// All methods are safe for concurrent use.
type Simulator struct {
	cfg config

	mu sync.Mutex
	// rng produces object ids; seeded by WithSeed so ids are stable across runs.
	rng *mathrand.Rand

	applications      map[string]*application
	applicationOrder  []string
	servicePrincipals map[string]*servicePrincipal
	spOrder           []string
	jobOwners         map[string]string // job id -> service principal id
	users             map[string]*User
	userOrder         []string
	groups            map[string]*Group
	groupOrder        []string
	provisioningLogs  []ProvisioningLog
	notifications     []Notification
	probes            []ProbeRecord

	clients map[string]*clientRegistration
	tokens  map[string]issuedToken

	calls   map[string]int
	reads   int
	writes  int
	faults  Faults
	pending []pendingFault
	// templateRuleID is the synchronization rule id of the scim template; jobs copy it.
	templateRuleID string
	// exportFailures makes cycles fail to export these users (user id -> failure).
	exportFailures map[string]ExportFailure
	// memoryTarget answers exports when no real export client is configured.
	memoryTarget *memorySCIM
	// scimRequests are the requests the provisioning engine sent, for inspection.
	scimRequests []SCIMRequest
}

// New returns a simulator configured by opts. With no options it simulates one tenant with
// a random id, requires bearer tokens on Graph calls and has no registered clients.
func New(opts ...Option) *Simulator {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	s := &Simulator{
		cfg:               cfg,
		applications:      map[string]*application{},
		servicePrincipals: map[string]*servicePrincipal{},
		jobOwners:         map[string]string{},
		users:             map[string]*User{},
		groups:            map[string]*Group{},
		clients:           map[string]*clientRegistration{},
		tokens:            map[string]issuedToken{},
		calls:             map[string]int{},
		faults:            cfg.faults,
		exportFailures:    map[string]ExportFailure{},
		memoryTarget:      newMemorySCIM(),
	}
	if cfg.seed != nil {
		s.rng = mathrand.New(mathrand.NewPCG(*cfg.seed, *cfg.seed^0x9e3779b97f4a7c15))
	} else {
		var b [16]byte
		_, _ = rand.Read(b[:])
		s.rng = mathrand.New(mathrand.NewPCG(beUint64(b[:8]), beUint64(b[8:])))
	}
	if s.cfg.tenantID == "" {
		s.cfg.tenantID = s.newGUIDLocked()
	}
	s.templateRuleID = s.newGUIDLocked()
	for _, reg := range cfg.clients {
		s.registerClientLocked(reg)
	}
	for _, u := range cfg.users {
		s.addUserLocked(u)
	}
	for _, g := range cfg.groups {
		s.addGroupLocked(g)
	}
	return s
}

// Handler returns the HTTP handler serving both Graph (under /v1.0) and the identity
// endpoints (under /{tenant}/...). Mount it at the root of an httptest.Server.
func (s *Simulator) Handler() http.Handler { return s }

// TenantID returns the simulated directory (tenant) id.
func (s *Simulator) TenantID() string { return s.cfg.tenantID }

// ServeHTTP implements http.Handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := randomHex(16)
	w.Header().Set("request-id", requestID)
	if clientRequestID := r.Header.Get("client-request-id"); clientRequestID != "" {
		w.Header().Set("client-request-id", clientRequestID)
	}
	segments, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		c := &call{s: s, w: w, r: r, requestID: requestID}
		c.fail(http.StatusBadRequest, codeBadRequest, fmt.Sprintf("Invalid request path: %v.", err))
		return
	}
	if len(segments) > 0 && segments[0] == "_sim" {
		s.serveControl(w, r, segments[1:])
		return
	}
	if len(segments) > 0 && strings.EqualFold(segments[0], "v1.0") {
		s.serveGraph(w, r, segments[1:], requestID)
		return
	}
	s.serveIdentity(w, r, segments, requestID)
}

// serveGraph runs the middleware chain every Graph request goes through: counters,
// latency, authorization, injected faults, body decoding, then the route handler.
func (s *Simulator) serveGraph(w http.ResponseWriter, r *http.Request, segments []string, requestID string) {
	c := &call{s: s, w: w, r: r, requestID: requestID, query: r.URL.Query(), baseURL: requestBaseURL(r) + "/v1.0"}
	rt, params, pathKnown := matchRoute(r.Method, segments)
	routeName := r.Method + " (unmatched)"
	if rt != nil {
		routeName = rt.name
	}
	s.countCall(routeName, r.Method)

	if !s.sleepLatency(r.Context()) {
		return
	}
	if !s.authorize(c) {
		return
	}
	if s.injectFault(c) {
		return
	}
	if rt == nil {
		if pathKnown {
			c.fail(http.StatusMethodNotAllowed, codeRequestBadRequest, "Specified HTTP method is not allowed for the request target.")
			return
		}
		c.fail(http.StatusBadRequest, codeBadRequest, fmt.Sprintf("Resource not found for the segment '%s'.", lastSegment(segments)))
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	c.body = body
	c.params = params
	rt.handle(s, c)
}

// now returns the simulated time in UTC.
func (s *Simulator) now() time.Time { return s.cfg.now().UTC() }

// newGUIDLocked returns a random (or seeded) version-4 GUID. Caller holds s.mu or owns s.
func (s *Simulator) newGUIDLocked() string {
	var b [16]byte
	putUint64(b[:8], s.rng.Uint64())
	putUint64(b[8:], s.rng.Uint64())
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randomHex returns n cryptographically random bytes hex-encoded; used for tokens and
// request ids, which must not be predictable even when object ids are seeded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

func putUint64(b []byte, v uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// requestBaseURL reconstructs scheme://host of the request, which is what clients used to
// reach the simulator; links (nextLink, issuer, token endpoint) must point back there.
func requestBaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sleepLatency waits for the configured added latency; false if the client gave up.
func (s *Simulator) sleepLatency(ctx context.Context) bool {
	s.mu.Lock()
	latency := s.faults.Latency
	s.mu.Unlock()
	if latency <= 0 {
		return true
	}
	timer := time.NewTimer(latency)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func lastSegment(segments []string) string {
	if len(segments) == 0 {
		return ""
	}
	return segments[len(segments)-1]
}
