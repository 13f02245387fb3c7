package simulator

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Faults are the run-time fault knobs of docs/graph.md §11.5 that apply to every Graph
// request (the identity endpoints are not affected).
type Faults struct {
	// ThrottleRate is the fraction (0..1) of Graph requests answered 429 TooManyRequests.
	ThrottleRate float64
	// UnavailableRate is the fraction (0..1) of Graph requests answered 503.
	UnavailableRate float64
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) on injected 429/503.
	RetryAfter time.Duration
	// Latency is added before every Graph answer.
	Latency time.Duration
}

// pendingFault answers the next count Graph requests with status, for deterministic tests.
type pendingFault struct {
	status     int
	count      int
	retryAfter time.Duration
}

// SetFaults replaces the fault knobs.
func (s *Simulator) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// ThrottleNext answers the next n Graph requests with 429 and the given Retry-After.
func (s *Simulator) ThrottleNext(n int, retryAfter time.Duration) {
	s.FailNext(http.StatusTooManyRequests, n, retryAfter)
}

// FailNext answers the next n Graph requests with status (429, 503, 504, 500, ...); 429,
// 503 and 504 carry Retry-After. Queued failures are served before random ones.
func (s *Simulator) FailNext(status, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, pendingFault{status: status, count: n, retryAfter: retryAfter})
}

// injectFault answers the request with an injected failure; true if it did.
func (s *Simulator) injectFault(c *call) bool {
	s.mu.Lock()
	status, retryAfter := 0, s.faults.RetryAfter
	if len(s.pending) > 0 {
		head := &s.pending[0]
		status, retryAfter = head.status, head.retryAfter
		head.count--
		if head.count <= 0 {
			s.pending = s.pending[1:]
		}
	} else {
		roll := s.rng.Float64()
		switch {
		case roll < s.faults.ThrottleRate:
			status = http.StatusTooManyRequests
		case roll < s.faults.ThrottleRate+s.faults.UnavailableRate:
			status = http.StatusServiceUnavailable
		}
	}
	s.mu.Unlock()
	if status == 0 {
		return false
	}
	switch status {
	case http.StatusTooManyRequests:
		setRetryAfter(c.w, retryAfter)
		c.fail(status, codeTooManyRequests, "Too many requests. Retry after the time given in the Retry-After header.")
	case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		setRetryAfter(c.w, retryAfter)
		c.fail(status, codeServiceNotAvailable, "The service is temporarily unavailable. Retry the request after a delay.")
	default:
		c.fail(status, codeUnknownError, fmt.Sprintf("Injected failure %d.", status))
	}
	return true
}

func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	seconds := max(int(math.Ceil(d.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
}

// visibility implements replication lag for one directory object (docs/graph.md §9.3).
type visibility struct {
	createdAt time.Time
	checks    int
}

// visibleLocked reports whether the object is visible to this request yet. Caller holds s.mu.
func (s *Simulator) visibleLocked(v *visibility) bool {
	lag := s.cfg.replicationLag
	if lag <= 0 || !s.now().Before(v.createdAt.Add(lag)) {
		return true
	}
	if !s.cfg.replicationFlap {
		return false
	}
	// Different replicas answer in turn: the object flickers in and out of existence.
	v.checks++
	return v.checks%2 == 0
}

// transientSyncFailureLocked answers a synchronization write on a fresh service principal
// with the configured transient 403/409; true if it did. Caller holds s.mu.
func (s *Simulator) transientSyncFailureLocked(c *call, sp *servicePrincipal) bool {
	if sp.transientFailuresLeft <= 0 {
		return false
	}
	sp.transientFailuresLeft--
	switch s.cfg.transientStatus {
	case http.StatusConflict:
		c.fail(http.StatusConflict, "Conflict", "The service principal is still being provisioned; retry the request.")
	default:
		c.fail(http.StatusForbidden, codeAuthorizationDenied, "Insufficient privileges to complete the operation.")
	}
	return true
}
