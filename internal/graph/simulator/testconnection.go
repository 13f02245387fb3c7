package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SCIMProbe checks a SCIM endpoint the way Entra's "Test Connection" does. It returns nil
// when the endpoint at baseAddress accepts secretToken.
type SCIMProbe func(ctx context.Context, baseAddress, secretToken string) error

// SCIMProbeError describes a failed probe; StatusCode is 0 when the endpoint was unreachable.
type SCIMProbeError struct {
	URL        string
	StatusCode int
	Err        error
}

// Error describes the failed probe the way the portal's "Test Connection" reports it.
func (e *SCIMProbeError) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("the SCIM endpoint %s could not be reached: %v", e.URL, e.Err)
	}
	if e.Err != nil {
		return fmt.Sprintf("GET %s answered %d: %v", e.URL, e.StatusCode, e.Err)
	}
	return fmt.Sprintf("GET %s answered %d", e.URL, e.StatusCode)
}

// Unwrap returns the transport or protocol error behind the failure.
func (e *SCIMProbeError) Unwrap() error { return e.Err }

// ProbeRecord is one SCIM probe the simulator made, for test assertions.
type ProbeRecord struct {
	Time time.Time
	// Trigger is "validateCredentials" or "cycle".
	Trigger     string
	BaseAddress string
	// Error is empty when the probe succeeded.
	Error string
}

// probeTimeout bounds one probe; Entra gives a SCIM endpoint about 60 s, a test far less.
const probeTimeout = 15 * time.Second

// HTTPSCIMProbe returns a probe that sends, like Entra,
//
//	GET {BaseAddress}/Users?filter=userName+eq+"<random guid>"
//	Authorization: Bearer <SecretToken>
//
// and requires a 2xx answer with a JSON body (an empty ListResponse). client may be nil.
func HTTPSCIMProbe(client *http.Client) SCIMProbe {
	if client == nil {
		client = &http.Client{Timeout: probeTimeout}
	}
	return func(ctx context.Context, baseAddress, secretToken string) error {
		target, err := probeURL(baseAddress, randomGUID())
		if err != nil {
			return &SCIMProbeError{URL: baseAddress, Err: err}
		}
		ctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return &SCIMProbeError{URL: target, Err: fmt.Errorf("build request: %w", err)}
		}
		req.Header.Set("Authorization", "Bearer "+secretToken)
		req.Header.Set("Accept", "application/scim+json")
		resp, err := client.Do(req)
		if err != nil {
			return &SCIMProbeError{URL: target, Err: err}
		}
		defer func() { _ = resp.Body.Close() }()
		payload, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return &SCIMProbeError{URL: target, StatusCode: resp.StatusCode, Err: fmt.Errorf("read body: %w", err)}
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return &SCIMProbeError{URL: target, StatusCode: resp.StatusCode, Err: fmt.Errorf("unexpected response %q", truncate(string(payload), 200))}
		}
		var listResponse map[string]any
		if err := json.Unmarshal(payload, &listResponse); err != nil {
			return &SCIMProbeError{URL: target, StatusCode: resp.StatusCode, Err: fmt.Errorf("the response is not a SCIM ListResponse: %w", err)}
		}
		return nil
	}
}

// probeURL appends /Users and Entra's filter to the tenant URL. Entra writes spaces as '+'
// and sends the double quotes unescaped (entra-scim.md §1.1); query parameters already in
// the tenant URL (e.g. ?aadOptscim062020) are kept.
func probeURL(baseAddress, userName string) (string, error) {
	u, err := url.Parse(baseAddress)
	if err != nil {
		return "", fmt.Errorf("parse tenant URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("tenant URL %q is not an absolute http(s) URL", baseAddress)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/Users"
	u.RawPath = ""
	filter := `filter=userName+eq+"` + userName + `"`
	if u.RawQuery != "" {
		u.RawQuery = filter + "&" + u.RawQuery
	} else {
		u.RawQuery = filter
	}
	return u.String(), nil
}

// offlineProbe is the check used without WithSCIMProbe: well-formed credentials pass.
func offlineProbe(_ context.Context, baseAddress, secretToken string) error {
	if _, err := probeURL(baseAddress, "00000000-0000-0000-0000-000000000000"); err != nil {
		return &SCIMProbeError{URL: baseAddress, Err: err}
	}
	if secretToken == "" {
		return &SCIMProbeError{URL: baseAddress, Err: errors.New("no SecretToken was provided")}
	}
	return nil
}

// probeSCIM runs the configured probe and records it. It must be called without s.mu held.
func (s *Simulator) probeSCIM(ctx context.Context, trigger, baseAddress, secretToken string) error {
	probe := s.cfg.probe
	if probe == nil {
		probe = offlineProbe
	}
	var err error
	if strings.TrimSpace(baseAddress) == "" {
		err = &SCIMProbeError{Err: errors.New("no BaseAddress (tenant URL) was provided")}
	} else {
		err = probe(ctx, baseAddress, secretToken)
	}
	record := ProbeRecord{Time: s.now(), Trigger: trigger, BaseAddress: baseAddress}
	if err != nil {
		record.Error = err.Error()
	}
	s.mu.Lock()
	s.probes = append(s.probes, record)
	s.mu.Unlock()
	return err
}

// credentialFailureMessage mirrors the portal's "Test Connection" failure text.
func credentialFailureMessage(code string, err error) string {
	return "You appear to have entered invalid credentials. Please confirm you are using the correct information for an administrative account.\r\n" +
		"Error code: " + code + "\r\n" +
		"Details: We received this unexpected response from your application: " + err.Error()
}

// cycleFailureError classifies a failed cycle probe into the job's lastExecution error:
// rejected credentials are InvalidCredentials (the code of the real quarantine example,
// §3.3), anything else the endpoint being unusable.
func cycleFailureError(err error) *SyncError {
	var probeErr *SCIMProbeError
	if errors.As(err, &probeErr) && (probeErr.StatusCode == http.StatusUnauthorized || probeErr.StatusCode == http.StatusForbidden) {
		return &SyncError{Code: CodeInvalidCredentials, Message: "Please provide valid credentials for your application. " + err.Error(), TenantActionable: true}
	}
	if errors.As(err, &probeErr) && probeErr.StatusCode == 0 {
		return &SyncError{Code: CodeInvalidCredentials, Message: "Please provide a valid tenant URL for your application. " + err.Error(), TenantActionable: true}
	}
	return &SyncError{Code: CodeServiceIncompatible, Message: "The SCIM endpoint did not answer as expected. " + err.Error(), TenantActionable: true}
}

func randomGUID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
