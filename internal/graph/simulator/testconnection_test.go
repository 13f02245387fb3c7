package simulator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestValidateCredentialsProbesSCIMEndpoint(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	cases := map[string]struct {
		options   []Option
		baseURL   func(stub *scimStub) string
		token     string
		savedOnly bool
		wantCode  string // empty: 204
		wantInMsg string
	}{
		"endpoint accepts the token": {
			baseURL: func(s *scimStub) string { return s.server.URL + "/advisors/scim" }, token: scimStubToken,
		},
		"saved credentials are used": {
			baseURL: func(s *scimStub) string { return s.server.URL + "/advisors/scim" }, token: scimStubToken, savedOnly: true,
		},
		"endpoint rejects the token": {
			baseURL: func(s *scimStub) string { return s.server.URL + "/advisors/scim" }, token: "bad",
			wantCode: CodeCredentialValidationUnavailable, wantInMsg: "answered 401",
		},
		"endpoint unreachable": {
			baseURL: func(*scimStub) string { return closedURL + "/advisors/scim" }, token: scimStubToken,
			wantCode: CodeCredentialValidationUnavailable, wantInMsg: "could not be reached",
		},
		"wrong path on the endpoint": {
			baseURL: func(s *scimStub) string { return s.server.URL + "/advisors" }, token: scimStubToken,
			wantCode: CodeCredentialValidationUnavailable, wantInMsg: "answered 404",
		},
		"configurable error code": {
			options: []Option{WithCredentialErrorCode(CodeInvalidCredentials)},
			baseURL: func(s *scimStub) string { return s.server.URL + "/advisors/scim" }, token: "bad",
			wantCode: CodeInvalidCredentials,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			stub := newSCIMStub(t)
			sim, _, c := newSimulatorServer(t, append([]Option{WithHTTPSCIMProbe(nil)}, tc.options...)...)
			spID, jobID := createAppWithJob(t, c, "advisors")
			body := map[string]any{"useSavedCredentials": false, "credentials": []map[string]string{
				{"key": "BaseAddress", "value": tc.baseURL(stub)}, {"key": "SecretToken", "value": tc.token},
			}}
			if tc.savedOnly {
				putSecrets(t, c, spID, "BaseAddress", tc.baseURL(stub), "SecretToken", tc.token)
				body = map[string]any{"useSavedCredentials": true}
			}
			resp := c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID+"/validateCredentials", body)
			probes := sim.SCIMProbes()
			g.Expect(probes).To(HaveLen(1))
			g.Expect(probes[0].Trigger).To(Equal("validateCredentials"))
			if tc.wantCode == "" {
				g.Expect(resp.status).To(Equal(http.StatusNoContent), string(resp.raw))
				g.Expect(probes[0].Error).To(BeEmpty())
				req := <-stub.requests
				g.Expect(req.Method).To(Equal(http.MethodGet))
				g.Expect(req.URL.Path).To(Equal("/advisors/scim/Users"))
				g.Expect(req.URL.RawQuery).To(MatchRegexp(`^filter=userName\+eq\+"[0-9a-f-]{36}"$`))
				g.Expect(req.URL.Query().Get("filter")).To(MatchRegexp(`^userName eq "[0-9a-f-]{36}"$`))
				g.Expect(req.Header.Get("Authorization")).To(Equal("Bearer good"))
				return
			}
			g.Expect(resp.status).To(Equal(http.StatusBadRequest))
			g.Expect(resp.errorCode()).To(Equal(tc.wantCode))
			g.Expect(resp.errorMessage()).To(ContainSubstring(tc.wantInMsg))
			g.Expect(probes[0].Error).NotTo(BeEmpty())
		})
	}

	t.Run("job-less validateCredentials", func(t *testing.T) {
		g := NewWithT(t)
		stub := newSCIMStub(t)
		_, _, c := newSimulatorServer(t, WithHTTPSCIMProbe(nil))
		spID, _ := createAppWithJob(t, c, "advisors")
		resp := c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs/validateCredentials", map[string]any{
			"templateId": "scim", "credentials": []map[string]string{{"key": "BaseAddress", "value": stub.server.URL}, {"key": "SecretToken", "value": scimStubToken}},
		})
		g.Expect(resp.status).To(Equal(http.StatusNoContent), string(resp.raw))
	})

	t.Run("offline check without a probe", func(t *testing.T) {
		g := NewWithT(t)
		_, _, c := newSimulatorServer(t)
		spID, jobID := createAppWithJob(t, c, "advisors")
		path := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID + "/validateCredentials"
		ok := c.do(http.MethodPost, path, map[string]any{"credentials": []map[string]string{{"key": "BaseAddress", "value": "https://x.example/scim"}, {"key": "SecretToken", "value": "t"}}})
		g.Expect(ok.status).To(Equal(http.StatusNoContent))
		relative := c.do(http.MethodPost, path, map[string]any{"credentials": []map[string]string{{"key": "BaseAddress", "value": "x.example/scim"}, {"key": "SecretToken", "value": "t"}}})
		g.Expect(relative.status).To(Equal(http.StatusBadRequest))
	})
}

func TestProvisioningCycles(t *testing.T) {
	notification := `{"Enabled":true,"Recipients":"ops@andmoney.dk"}`
	type step struct {
		// scimStatus, when non-zero, makes the SCIM stub fail with it; token is the SecretToken.
		scimStatus int
		token      string
		wantState  string
		wantCode   string
		wantError  string
	}
	cases := map[string]struct {
		options           []Option
		steps             []step
		wantNotifications int
		wantReason        string
	}{
		"healthy endpoint": {
			steps: []step{{token: scimStubToken, wantState: "Succeeded", wantCode: StatusActive}},
		},
		"rejected token quarantines at once": {
			steps:             []step{{token: "bad", wantState: "Failed", wantCode: StatusQuarantine, wantError: CodeInvalidCredentials}},
			wantNotifications: 1, wantReason: QuarantineEncounteredQuarantineException,
		},
		"server errors": {
			steps:             []step{{scimStatus: 500, token: scimStubToken, wantState: "Failed", wantCode: StatusQuarantine, wantError: CodeServiceIncompatible}},
			wantNotifications: 1, wantReason: QuarantineEncounteredQuarantineException,
		},
		"quarantine after three failures": {
			options: []Option{WithQuarantineAfter(3)},
			steps: []step{
				{token: "bad", wantState: "Failed", wantCode: StatusNotRun, wantError: CodeInvalidCredentials},
				{token: "bad", wantState: "Failed", wantCode: StatusNotRun, wantError: CodeInvalidCredentials},
				{token: "bad", wantState: "Failed", wantCode: StatusQuarantine, wantError: CodeInvalidCredentials},
				{token: "bad", wantState: "Failed", wantCode: StatusQuarantine, wantError: CodeInvalidCredentials},
			},
			wantNotifications: 1, wantReason: QuarantineEncounteredQuarantineException,
		},
		"recovery clears quarantine": {
			steps: []step{
				{token: "bad", wantState: "Failed", wantCode: StatusQuarantine, wantError: CodeInvalidCredentials},
				{token: scimStubToken, wantState: "Succeeded", wantCode: StatusActive},
			},
			wantNotifications: 1, wantReason: QuarantineEncounteredQuarantineException,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			stub := newSCIMStub(t)
			sim, _, c := newSimulatorServer(t, append([]Option{WithHTTPSCIMProbe(nil)}, tc.options...)...)
			spID, jobID := createAppWithJob(t, c, "advisors")
			g.Expect(c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID+"/start", nil).status).To(Equal(http.StatusNoContent))
			for i, st := range tc.steps {
				stub.failWith.Store(int32(st.scimStatus))
				putSecrets(t, c, spID, "BaseAddress", stub.server.URL+"/advisors/scim", "SecretToken", st.token, "SyncNotificationSettings", notification)
				execution, err := sim.RunCycle(context.Background(), jobID)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(execution.State).To(Equal(st.wantState), "step %d", i)
				resp := c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID, nil)
				g.Expect(str(resp.body, "status/code")).To(Equal(st.wantCode), "step %d", i)
				g.Expect(str(resp.body, "status/lastExecution/error/code")).To(Equal(st.wantError), "step %d", i)
				if st.wantCode == StatusQuarantine {
					g.Expect(str(resp.body, "status/quarantine/reason")).To(Equal(tc.wantReason))
					g.Expect(str(resp.body, "status/quarantine/error/code")).To(Equal(st.wantError))
					g.Expect(str(resp.body, "status/quarantine/nextAttempt")).NotTo(BeEmpty())
				} else {
					g.Expect(lookupPath(resp.body, "status/quarantine")).To(BeNil())
				}
			}
			g.Expect(sim.Notifications()).To(HaveLen(tc.wantNotifications))
			if tc.wantNotifications > 0 {
				g.Expect(sim.Notifications()[0].Recipients).To(Equal("ops@andmoney.dk"))
			}
			g.Expect(sim.SCIMProbes()).To(HaveLen(len(tc.steps)))
		})
	}
}

func TestAutomaticCycles(t *testing.T) {
	g := NewWithT(t)
	clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	stub := newSCIMStub(t)
	sim, _, c := newSimulatorServer(t, WithClock(clock.Now), WithHTTPSCIMProbe(nil), WithAutomaticCycles(time.Minute, 40*time.Minute))
	spID, jobID := createAppWithJob(t, c, "advisors")
	putSecrets(t, c, spID, "BaseAddress", stub.server.URL, "SecretToken", scimStubToken)
	jobPath := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID
	g.Expect(c.do(http.MethodPost, jobPath+"/start", nil).status).To(Equal(http.StatusNoContent))
	g.Expect(str(c.do(http.MethodGet, jobPath, nil).body, "status/code")).To(Equal(StatusNotRun))
	g.Expect(sim.SCIMProbes()).To(BeEmpty())

	clock.Advance(61 * time.Second)
	g.Expect(str(c.do(http.MethodGet, jobPath, nil).body, "status/code")).To(Equal(StatusActive))
	g.Expect(sim.SCIMProbes()).To(HaveLen(1))
	g.Expect(sim.SCIMProbes()[0].Trigger).To(Equal("cycle"))

	// Not due again until the interval has passed.
	clock.Advance(10 * time.Minute)
	c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/jobs", nil)
	g.Expect(sim.SCIMProbes()).To(HaveLen(1))
	clock.Advance(31 * time.Minute)
	sim.RunDueCycles(context.Background())
	g.Expect(sim.SCIMProbes()).To(HaveLen(2))
}

func TestQuarantineHooks(t *testing.T) {
	g := NewWithT(t)
	sim, _, c := newSimulatorServer(t)
	spID, jobID := createAppWithJob(t, c, "rooms")
	jobPath := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID
	putSecrets(t, c, spID, "BaseAddress", "https://x.example/scim", "SecretToken", "t")

	_, err := sim.RunCycle(context.Background(), jobID)
	g.Expect(err).To(MatchError(ErrJobNotStarted))
	_, err = sim.RunCycle(context.Background(), "scim.nope")
	g.Expect(err).To(MatchError(ErrJobNotFound))
	g.Expect(sim.QuarantineJob(jobID, QuarantineFault{Reason: "Bogus"})).NotTo(Succeed())

	g.Expect(sim.QuarantineJob(jobID, QuarantineFault{Reason: QuarantineTooManyDeletes, ErrorCode: "TooManyDeletes", Message: "Too many deletes"})).To(Succeed())
	resp := c.do(http.MethodGet, jobPath, nil)
	g.Expect(str(resp.body, "status/code")).To(Equal(StatusQuarantine))
	g.Expect(str(resp.body, "status/quarantine/reason")).To(Equal(QuarantineTooManyDeletes))
	g.Expect(str(resp.body, "status/quarantine/error/message")).To(Equal("Too many deletes"))

	// restart with QuarantineState clears it; start does too (§3.4, §3.5).
	g.Expect(c.do(http.MethodPost, jobPath+"/restart", map[string]any{"criteria": map[string]string{"resetScope": "QuarantineState"}}).status).To(Equal(http.StatusNoContent))
	g.Expect(lookupPath(c.do(http.MethodGet, jobPath, nil).body, "status/quarantine")).To(BeNil())

	g.Expect(c.do(http.MethodPost, jobPath+"/start", nil).status).To(Equal(http.StatusNoContent))
	g.Expect(sim.QuarantineOnNextCycle(jobID, QuarantineFault{Reason: QuarantineEncounteredEscrowProportionThreshold})).To(Succeed())
	execution, err := sim.RunCycle(context.Background(), jobID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(execution.State).To(Equal("Failed"))
	resp = c.do(http.MethodGet, jobPath, nil)
	g.Expect(str(resp.body, "status/quarantine/reason")).To(Equal(QuarantineEncounteredEscrowProportionThreshold))
	g.Expect(lookupPath(resp.body, "status/quarantine/seriesCount")).To(Equal(float64(1)))
	g.Expect(c.do(http.MethodPost, jobPath+"/start", nil).status).To(Equal(http.StatusNoContent))
	g.Expect(lookupPath(c.do(http.MethodGet, jobPath, nil).body, "status/quarantine")).To(BeNil())

	execution, err = sim.RunCycle(context.Background(), jobID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(execution.State).To(Equal("Succeeded"), "the offline probe accepts well-formed credentials")
}

func TestProbeURL(t *testing.T) {
	cases := map[string]struct {
		base    string
		want    string
		wantErr bool
	}{
		"plain":             {base: "https://h.example/advisors/scim", want: `https://h.example/advisors/scim/Users?filter=userName+eq+"g"`},
		"trailing slash":    {base: "https://h.example/advisors/scim/", want: `https://h.example/advisors/scim/Users?filter=userName+eq+"g"`},
		"flag query kept":   {base: "https://h.example/scim?aadOptscim062020", want: `https://h.example/scim/Users?filter=userName+eq+"g"&aadOptscim062020`},
		"relative rejected": {base: "h.example/scim", wantErr: true},
		"ftp rejected":      {base: "ftp://h.example/scim", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := probeURL(tc.base, "g")
			if tc.wantErr {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
	g := NewWithT(t)
	g.Expect(regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(randomGUID())).To(BeTrue())
}
