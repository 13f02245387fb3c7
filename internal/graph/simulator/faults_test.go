package simulator

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestRequestBodyEncodings(t *testing.T) {
	instantiate := []byte(`{"displayName":"advisors"}`)
	cases := map[string]struct {
		options    []Option
		encoding   string
		body       func(t *testing.T) []byte
		wantStatus int
	}{
		"plain JSON":           {body: func(*testing.T) []byte { return instantiate }, wantStatus: http.StatusCreated},
		"gzip JSON":            {encoding: "gzip", body: func(t *testing.T) []byte { return gzipBytes(t, instantiate) }, wantStatus: http.StatusCreated},
		"corrupt gzip":         {encoding: "gzip", body: func(*testing.T) []byte { return instantiate }, wantStatus: http.StatusBadRequest},
		"gzip rejected (knob)": {options: []Option{WithGzipRejected()}, encoding: "gzip", body: func(t *testing.T) []byte { return gzipBytes(t, instantiate) }, wantStatus: http.StatusUnsupportedMediaType},
		"unsupported encoding": {encoding: "br", body: func(*testing.T) []byte { return instantiate }, wantStatus: http.StatusUnsupportedMediaType},
		"not JSON":             {body: func(*testing.T) []byte { return []byte("displayName=advisors") }, wantStatus: http.StatusBadRequest},
		"@odata.type ignored":  {body: func(*testing.T) []byte { return []byte(`{"@odata.type":"#x","displayName":"a"}`) }, wantStatus: http.StatusCreated},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, srv, _ := newSimulatorServer(t, tc.options...)
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1.0/applicationTemplates/"+NonGalleryTemplateID+"/instantiate", bytes.NewReader(tc.body(t)))
			g.Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			if tc.encoding != "" {
				req.Header.Set("Content-Encoding", tc.encoding)
			}
			resp, err := http.DefaultClient.Do(req)
			g.Expect(err).NotTo(HaveOccurred())
			defer func() { _ = resp.Body.Close() }()
			g.Expect(resp.StatusCode).To(Equal(tc.wantStatus))
			g.Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
		})
	}
}

func TestInjectedFaults(t *testing.T) {
	cases := map[string]struct {
		setup          func(*Simulator)
		wantStatus     int
		wantCode       string
		wantRetryAfter string
	}{
		"throttle next with Retry-After": {
			setup:      func(s *Simulator) { s.ThrottleNext(1, 3*time.Second) },
			wantStatus: http.StatusTooManyRequests, wantCode: "TooManyRequests", wantRetryAfter: "3",
		},
		"throttle rate 1 rounds Retry-After up to a second": {
			setup:      func(s *Simulator) { s.SetFaults(Faults{ThrottleRate: 1, RetryAfter: 200 * time.Millisecond}) },
			wantStatus: http.StatusTooManyRequests, wantCode: "TooManyRequests", wantRetryAfter: "1",
		},
		"unavailable rate 1": {
			setup:      func(s *Simulator) { s.SetFaults(Faults{UnavailableRate: 1, RetryAfter: 2 * time.Second}) },
			wantStatus: http.StatusServiceUnavailable, wantCode: "serviceNotAvailable", wantRetryAfter: "2",
		},
		"fail next 504": {
			setup:      func(s *Simulator) { s.FailNext(http.StatusGatewayTimeout, 1, time.Second) },
			wantStatus: http.StatusGatewayTimeout, wantCode: "serviceNotAvailable", wantRetryAfter: "1",
		},
		"no faults": {
			setup:      func(*Simulator) {},
			wantStatus: http.StatusOK,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			sim, _, c := newSimulatorServer(t)
			tc.setup(sim)
			resp := c.do(http.MethodGet, "/users", nil)
			g.Expect(resp.status).To(Equal(tc.wantStatus))
			g.Expect(resp.errorCode()).To(Equal(tc.wantCode))
			g.Expect(resp.header.Get("Retry-After")).To(Equal(tc.wantRetryAfter))
			g.Expect(sim.CallCount("GET /users")).To(Equal(1), "faulted requests are counted too")
		})
	}

	t.Run("queued faults are used up, then requests pass", func(t *testing.T) {
		g := NewWithT(t)
		sim, _, c := newSimulatorServer(t)
		sim.ThrottleNext(2, time.Second)
		g.Expect(c.do(http.MethodGet, "/users", nil).status).To(Equal(http.StatusTooManyRequests))
		g.Expect(c.do(http.MethodGet, "/users", nil).status).To(Equal(http.StatusTooManyRequests))
		g.Expect(c.do(http.MethodGet, "/users", nil).status).To(Equal(http.StatusOK))
	})

	t.Run("a fraction of requests is throttled", func(t *testing.T) {
		g := NewWithT(t)
		sim, _, c := newSimulatorServer(t, WithFaults(Faults{ThrottleRate: 0.5}))
		throttled := 0
		for range 200 {
			if c.do(http.MethodGet, "/users", nil).status == http.StatusTooManyRequests {
				throttled++
			}
		}
		g.Expect(throttled).To(BeNumerically("~", 100, 30))
		reads, writes := sim.ReadsAndWrites()
		g.Expect(reads).To(Equal(200))
		g.Expect(writes).To(BeZero())
	})

	t.Run("latency is added", func(t *testing.T) {
		g := NewWithT(t)
		_, _, c := newSimulatorServer(t, WithFaults(Faults{Latency: 50 * time.Millisecond}))
		start := time.Now()
		g.Expect(c.do(http.MethodGet, "/users", nil).status).To(Equal(http.StatusOK))
		g.Expect(time.Since(start)).To(BeNumerically(">=", 50*time.Millisecond))
	})
}

func TestReplicationLag(t *testing.T) {
	cases := map[string]struct {
		flap bool
		// want is the status of successive GETs of the new service principal within the lag.
		want []int
	}{
		"steady 404 until replicated": {want: []int{404, 404, 404, 404}},
		"flapping between replicas":   {flap: true, want: []int{404, 200, 404, 200}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			_, _, c := newSimulatorServer(t, WithClock(clock.Now), WithReplicationLag(time.Minute, tc.flap))
			resp := c.do(http.MethodPost, "/applicationTemplates/"+NonGalleryTemplateID+"/instantiate", map[string]string{"displayName": "rooms"})
			spID := str(resp.body, "servicePrincipal/id")
			var got []int
			for range tc.want {
				got = append(got, c.do(http.MethodGet, "/servicePrincipals/"+spID, nil).status)
			}
			g.Expect(got).To(Equal(tc.want))
			// Writes that reference the new object fail the same way (§9.3).
			clock.Advance(59 * time.Second)
			if !tc.flap {
				g.Expect(c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs", map[string]string{"templateId": "scim"}).status).To(Equal(http.StatusNotFound))
			}
			clock.Advance(2 * time.Second)
			for range 3 {
				g.Expect(c.do(http.MethodGet, "/servicePrincipals/"+spID, nil).status).To(Equal(http.StatusOK))
			}
		})
	}
}

func TestTransientSyncWriteFailures(t *testing.T) {
	cases := map[string]struct {
		status   int
		wantCode string
	}{
		"403 right after creation": {status: http.StatusForbidden, wantCode: "Authorization_RequestDenied"},
		"409 right after creation": {status: http.StatusConflict, wantCode: "Conflict"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, _, c := newSimulatorServer(t, WithTransientSyncWriteFailures(tc.status, 2))
			resp := c.do(http.MethodPost, "/applicationTemplates/"+NonGalleryTemplateID+"/instantiate", map[string]string{"displayName": "rooms"})
			jobs := "/servicePrincipals/" + str(resp.body, "servicePrincipal/id") + "/synchronization/jobs"
			for range 2 {
				resp = c.do(http.MethodPost, jobs, map[string]string{"templateId": "scim"})
				g.Expect(resp.status).To(Equal(tc.status))
				g.Expect(resp.errorCode()).To(Equal(tc.wantCode))
			}
			g.Expect(c.do(http.MethodPost, jobs, map[string]string{"templateId": "scim"}).status).To(Equal(http.StatusCreated))
		})
	}
}

func TestSecretsReadLag(t *testing.T) {
	g := NewWithT(t)
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	_, _, c := newSimulatorServer(t, WithClock(clock.Now), WithSecretsReadLag(10*time.Second))
	spID, _ := createAppWithJob(t, c, "advisors")
	putSecrets(t, c, spID, "BaseAddress", "https://a.example/scim", "SecretToken", "x")
	g.Expect(c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/secrets", nil).values()).To(BeEmpty())
	clock.Advance(11 * time.Second)
	g.Expect(c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/secrets", nil).values()).To(HaveLen(2))
}

func TestUnknownRoutes(t *testing.T) {
	cases := map[string]struct {
		method, path string
		wantStatus   int
		wantCode     string
	}{
		"unknown segment":    {http.MethodGet, "/nonsense", http.StatusBadRequest, "BadRequest"},
		"method not allowed": {http.MethodPut, "/users", http.StatusMethodNotAllowed, "Request_BadRequest"},
		"unknown user":       {http.MethodGet, "/users/nobody%40andmoney.dk", http.StatusNotFound, "Request_ResourceNotFound"},
		"unknown template":   {http.MethodPost, "/applicationTemplates/00000000-0000-0000-0000-000000000000/instantiate", http.StatusNotFound, "Request_ResourceNotFound"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, _, c := newSimulatorServer(t)
			c.headers = http.Header{"Client-Request-Id": {"abc-123"}}
			resp := c.do(tc.method, tc.path, map[string]string{"displayName": "x"})
			g.Expect(resp.status).To(Equal(tc.wantStatus))
			g.Expect(resp.errorCode()).To(Equal(tc.wantCode))
			// §9.1: innerError carries date, request-id and the echoed client-request-id.
			g.Expect(lookupPath(resp.body, "error/innerError/client-request-id")).To(Equal("abc-123"))
			g.Expect(lookupPath(resp.body, "error/innerError/request-id")).NotTo(BeEmpty())
			g.Expect(lookupPath(resp.body, "error/innerError/date")).NotTo(BeEmpty())
			g.Expect(resp.header.Get("client-request-id")).To(Equal("abc-123"))
		})
	}
}
