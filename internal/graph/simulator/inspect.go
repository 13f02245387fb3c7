package simulator

import (
	"encoding/json"
	"maps"
	"sync"
	"time"
)

// Application is the inspection view of an application and its service principal.
type Application struct {
	ID                 string
	AppID              string
	DisplayName        string
	ServicePrincipalID string
}

// Job is the inspection view of a synchronization job.
type Job struct {
	ID                 string
	TemplateID         string
	ServicePrincipalID string
	Schedule           Schedule
	Status             JobStatus
}

// Applications lists the applications created through instantiate, oldest first.
func (s *Simulator) Applications() []Application {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Application, 0, len(s.applicationOrder))
	for _, id := range s.applicationOrder {
		app := s.applications[id]
		out = append(out, Application{ID: app.id, AppID: app.appID, DisplayName: app.displayName, ServicePrincipalID: app.servicePrincipalID})
	}
	return out
}

// Jobs lists the synchronization jobs of a service principal.
func (s *Simulator) Jobs(servicePrincipalID string) []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.servicePrincipals[servicePrincipalID]
	if !ok {
		return nil
	}
	out := make([]Job, 0, len(sp.jobs))
	for _, j := range sp.jobs {
		out = append(out, snapshotJob(j))
	}
	return out
}

// Job returns one job by id.
func (s *Simulator) Job(jobID string) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, j := s.jobByIDLocked(jobID)
	if j == nil {
		return Job{}, false
	}
	return snapshotJob(j), true
}

func snapshotJob(j *job) Job {
	// A JSON round trip deep-copies the status so callers cannot race the simulator.
	var status JobStatus
	payload, _ := json.Marshal(j.status)
	_ = json.Unmarshal(payload, &status)
	return Job{ID: j.id, TemplateID: j.templateID, ServicePrincipalID: j.spID, Schedule: j.schedule, Status: status}
}

// JobSchema returns the stored schema of a job verbatim.
func (s *Simulator) JobSchema(jobID string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, j := s.jobByIDLocked(jobID)
	if j == nil {
		return nil, false
	}
	return append(json.RawMessage(nil), j.schema...), true
}

// Secrets returns the unmasked synchronization secrets of a service principal.
func (s *Simulator) Secrets(servicePrincipalID string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.servicePrincipals[servicePrincipalID]
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, p := range sp.secrets {
		out[p.Key] = p.Value
	}
	return out
}

// Assignments lists the app role assignments of a service principal.
func (s *Simulator) Assignments(servicePrincipalID string) []AppRoleAssignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.servicePrincipals[servicePrincipalID]
	if !ok {
		return nil
	}
	out := make([]AppRoleAssignment, 0, len(sp.assignments))
	for _, a := range sp.assignments {
		out = append(out, AppRoleAssignment{ID: a.id, AppRoleID: a.appRoleID, PrincipalID: a.principalID, PrincipalType: a.principalType, ResourceID: a.resourceID})
	}
	return out
}

// Exported returns the simulated target system of a job: source object id -> target
// attribute values (after mappings) last exported by cycles or provisionOnDemand.
func (s *Simulator) Exported(jobID string) map[string]map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, j := s.jobByIDLocked(jobID)
	if j == nil {
		return nil
	}
	out := make(map[string]map[string]string, len(j.exported))
	for id, known := range j.exported {
		out[id] = maps.Clone(known.attrs)
	}
	return out
}

// ExportedTargetID returns the id the SCIM endpoint gave a source object, as the job
// remembers it; empty when the job has not exported the object.
func (s *Simulator) ExportedTargetID(jobID, sourceID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, j := s.jobByIDLocked(jobID)
	if j == nil || j.exported[sourceID] == nil {
		return ""
	}
	return j.exported[sourceID].targetID
}

// SCIMRequests returns every request the provisioning engine sent to SCIM endpoints (cycles
// and provision on demand, not test connections), oldest first.
func (s *Simulator) SCIMRequests() []SCIMRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SCIMRequest(nil), s.scimRequests...)
}

// ProvisioningLogs returns every provisioning log entry, oldest first.
func (s *Simulator) ProvisioningLogs() []ProvisioningLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ProvisioningLog(nil), s.provisioningLogs...)
}

// Notifications returns the failure e-mails the service would have sent.
func (s *Simulator) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.notifications...)
}

// SCIMProbes returns the test-connection probes made so far.
func (s *Simulator) SCIMProbes() []ProbeRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ProbeRecord(nil), s.probes...)
}

// Calls returns the number of requests per route name ("GET /servicePrincipals/{sp}",
// "POST /{tenant}/oauth2/v2.0/token", ...), including those answered with an error.
func (s *Simulator) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// CallCount returns the number of requests to one route name.
func (s *Simulator) CallCount(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// ReadsAndWrites returns the number of GET requests and of all other requests.
func (s *Simulator) ReadsAndWrites() (reads, writes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads, s.writes
}

// ResetCalls zeroes the call counters, e.g. between the set-up and the measured part of a
// benchmark.
func (s *Simulator) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.reads, s.writes = 0, 0
}

// ManualClock is a clock for WithClock that only moves when told to.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the current simulated time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
