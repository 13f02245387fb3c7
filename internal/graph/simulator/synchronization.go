package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// job is a synchronizationJob plus the simulator's provisioning state for it.
type job struct {
	visibility
	id, templateID, spID string
	schedule             Schedule
	status               JobStatus
	schema               json.RawMessage
	// exported is what the provisioning engine remembers per source object id: the target
	// id and the values it last exported (Entra keeps this per job).
	exported          map[string]*exportedObject
	nextCycle         time.Time
	pendingQuarantine *QuarantineFault
	onDemandCalls     []time.Time
	cycleRunning      bool
	// forceDeletes lets the next cycle past the accidental-deletions threshold (restart ForceDeletes).
	forceDeletes bool
}

var defaultJobSettings = []map[string]string{
	{"name": "AzureIngestionAttributeOptimization", "value": "False"},
	{"name": "LookaheadQueryEnabled", "value": "False"},
}

var restartScopes = map[string]bool{
	"None": true, "ConnectorDataStore": true, "Escrows": true, "Watermark": true,
	"QuarantineState": true, "Full": true, "ForceDeletes": true,
}

// toJSON renders the job under the lock. The status is encoded here, not later, because
// its quarantine and executions are pointers that later cycles update.
func (j *job) toJSON() map[string]any {
	status, err := json.Marshal(j.status)
	if err != nil {
		status = []byte("null")
	}
	return map[string]any{
		"id":                         j.id,
		"templateId":                 j.templateID,
		"schedule":                   j.schedule,
		"status":                     json.RawMessage(status),
		"synchronizationJobSettings": defaultJobSettings,
	}
}

func (s *Simulator) templateIDs() []string {
	if s.cfg.legacyTemplate {
		return []string{SCIMTemplateID, LegacyTemplateID}
	}
	return []string{SCIMTemplateID}
}

func (s *Simulator) templateJSON(templateID string) map[string]any {
	return map[string]any{
		"id":            templateID,
		"applicationId": NonGalleryTemplateID,
		"default":       templateID == SCIMTemplateID,
		"description":   nil,
		"discoverable":  true,
		"factoryTag":    templateID,
		"metadata": []map[string]string{
			{"key": "galleryApplicationIdentifier", "value": NonGalleryTemplateID},
			{"key": "galleryApplicationKey", "value": "customappsso"},
			{"key": "configurationFields", "value": `[{"name":"baseaddress"},{"name":"secrettoken","secret":true}]`},
		},
		"schema": s.defaultSchema(templateID + "." + strings.ReplaceAll(s.cfg.tenantID, "-", "")),
	}
}

func (s *Simulator) knownTemplate(id string) bool {
	return slices.Contains(s.templateIDs(), id)
}

func (s *Simulator) handleListSyncTemplates(c *call) {
	s.mu.Lock()
	_, ok := s.lookupServicePrincipalLocked(c)
	s.mu.Unlock()
	if !ok {
		return
	}
	templates := make([]map[string]any, 0, 2)
	for _, id := range s.templateIDs() {
		templates = append(templates, s.templateJSON(id))
	}
	c.writeJSON(http.StatusOK, map[string]any{
		"@odata.context": c.context("servicePrincipals('" + c.params["sp"] + "')/synchronization/templates"),
		"value":          templates,
	})
}

func (s *Simulator) handleGetSyncTemplate(c *call) {
	if template, ok := s.requestedTemplate(c); ok {
		c.writeEntity(s.templateJSON(template))
	}
}

func (s *Simulator) handleGetTemplateSchema(c *call) {
	if template, ok := s.requestedTemplate(c); ok {
		writeRawJSON(c, http.StatusOK, s.defaultSchema(template+"."+strings.ReplaceAll(s.cfg.tenantID, "-", "")))
	}
}

// requestedTemplate is the template of a .../synchronization/templates/{template} request; it has
// answered 404 when the service principal or the template does not exist.
func (s *Simulator) requestedTemplate(c *call) (string, bool) {
	s.mu.Lock()
	_, ok := s.lookupServicePrincipalLocked(c)
	s.mu.Unlock()
	if !ok {
		return "", false
	}
	template := c.params["template"]
	if !s.knownTemplate(template) {
		c.notFound(template)
		return "", false
	}
	return template, true
}

// handleCreateJob creates a job from a template: Disabled / NotConfigured, one job per
// template per service principal, id "{templateId}.{tenant without dashes}.{appId}" (§3.1).
func (s *Simulator) handleCreateJob(c *call) {
	var body struct {
		TemplateID string `json:"templateId"`
	}
	if !c.decode(&body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	if !ok || s.transientSyncFailureLocked(c, sp) {
		return
	}
	if body.TemplateID == "" || !s.knownTemplate(body.TemplateID) {
		c.badRequest(fmt.Sprintf("The template '%s' was not found for the service principal.", body.TemplateID))
		return
	}
	for _, existing := range sp.jobs {
		if existing.templateID == body.TemplateID {
			c.fail(http.StatusConflict, codeMultipleObjectsSameKey, fmt.Sprintf("A synchronization job based on template '%s' already exists: '%s'.", body.TemplateID, existing.id))
			return
		}
	}
	prefix := body.TemplateID
	if body.TemplateID == LegacyTemplateID {
		prefix = "customappssoOutDelta"
	}
	tenant := strings.ReplaceAll(s.cfg.tenantID, "-", "")
	j := &job{
		visibility: visibility{createdAt: s.now()},
		id:         prefix + "." + tenant + "." + sp.appID,
		templateID: body.TemplateID,
		spID:       sp.id,
		schedule:   Schedule{Interval: notStartedInterval, State: ScheduleDisabled},
		status:     newJobStatus(),
		schema:     s.defaultSchema(body.TemplateID + "." + tenant),
		exported:   map[string]*exportedObject{},
	}
	sp.jobs = append(sp.jobs, j)
	s.jobOwners[j.id] = sp.id
	item := j.toJSON()
	item["@odata.context"] = c.context("servicePrincipals('" + sp.id + "')/synchronization/jobs/$entity")
	c.writeJSON(http.StatusCreated, item)
}

func (s *Simulator) handleListJobs(c *call) {
	s.runDueCycles(c.r.Context(), c.params["sp"], "")
	s.mu.Lock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	var items []map[string]any
	if ok {
		items = make([]map[string]any, 0, len(sp.jobs))
		for _, j := range sp.jobs {
			if s.visibleLocked(&j.visibility) {
				items = append(items, j.toJSON())
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	c.writeCollection(items, "servicePrincipals('"+sp.id+"')/synchronization/jobs", directoryFilter("id", "templateId"))
}

func (s *Simulator) handleGetJob(c *call) {
	s.runDueCycles(c.r.Context(), c.params["sp"], c.params["job"])
	s.mu.Lock()
	_, j, ok := s.lookupJobLocked(c)
	var item map[string]any
	if ok {
		item = j.toJSON()
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	item["@odata.context"] = c.context("servicePrincipals('" + c.params["sp"] + "')/synchronization/jobs/$entity")
	c.writeEntity(item)
}

// handleDeleteJob stops synchronization and drops the job's state; secrets survive (§3.8).
func (s *Simulator) handleDeleteJob(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, j, ok := s.lookupJobLocked(c)
	if !ok || s.transientSyncFailureLocked(c, sp) {
		return
	}
	for i, candidate := range sp.jobs {
		if candidate == j {
			sp.jobs = append(sp.jobs[:i], sp.jobs[i+1:]...)
			break
		}
	}
	delete(s.jobOwners, j.id)
	c.noContent()
}

// handleStartJob activates the schedule and clears any quarantine (§3.4).
func (s *Simulator) handleStartJob(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, j, ok := s.lookupJobLocked(c)
	if !ok || s.transientSyncFailureLocked(c, sp) {
		return
	}
	j.schedule = Schedule{Interval: "PT40M", State: ScheduleActive}
	j.status.Quarantine = nil
	if j.status.LastSuccessfulExecution != nil {
		j.status.Code = StatusActive
	} else {
		j.status.Code = StatusNotRun
	}
	j.nextCycle = s.now().Add(s.cfg.cycleFirstDelay)
	c.noContent()
}

func (s *Simulator) handlePauseJob(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, j, ok := s.lookupJobLocked(c)
	if !ok || s.transientSyncFailureLocked(c, sp) {
		return
	}
	j.schedule.State = SchedulePaused
	j.status.Code = StatusPaused
	c.noContent()
}

// handleRestartJob applies criteria.resetScope, a flags enum written "A, B" in the docs
// and "A,B" by msgraph-sdk-go (§3.5). A body-less restart is accepted.
func (s *Simulator) handleRestartJob(c *call) {
	var body struct {
		Criteria *struct {
			ResetScope string `json:"resetScope"`
		} `json:"criteria"`
	}
	if len(bytes.TrimSpace(c.body)) > 0 && !c.decode(&body) {
		return
	}
	scopes := map[string]bool{}
	if body.Criteria != nil && strings.TrimSpace(body.Criteria.ResetScope) != "" {
		for part := range strings.SplitSeq(body.Criteria.ResetScope, ",") {
			name := strings.TrimSpace(part)
			if !restartScopes[name] {
				c.badRequest(fmt.Sprintf("Requested value '%s' was not found.", name))
				return
			}
			scopes[name] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, j, ok := s.lookupJobLocked(c)
	if !ok {
		return
	}
	if scopes["Full"] || scopes["QuarantineState"] {
		j.status.Quarantine = nil
		j.status.CountSuccessiveCompleteFailures = 0
	}
	if scopes["Full"] || scopes["Watermark"] {
		j.status.SteadyStateFirstAchievedTime = neverTime
		j.status.SteadyStateLastAchievedTime = neverTime
		// Without a watermark the next cycle re-reads every object it knows from the target.
		for _, known := range j.exported {
			known.attrs = nil
		}
	}
	if scopes["ForceDeletes"] {
		j.forceDeletes = true
		j.status.Quarantine = nil
	}
	if scopes["Full"] || scopes["ConnectorDataStore"] {
		j.exported = map[string]*exportedObject{}
	}
	if j.schedule.State == ScheduleActive {
		j.status.Code = StatusNotRun
		j.nextCycle = s.now().Add(s.cfg.cycleFirstDelay)
	}
	c.noContent()
}

// lookupJobLocked resolves {sp} and {job}, answering 404 itself. Caller holds s.mu.
func (s *Simulator) lookupJobLocked(c *call) (*servicePrincipal, *job, bool) {
	sp, ok := s.lookupServicePrincipalLocked(c)
	if !ok {
		return nil, nil, false
	}
	id := c.params["job"]
	for _, j := range sp.jobs {
		if j.id == id {
			if !s.visibleLocked(&j.visibility) {
				break
			}
			return sp, j, true
		}
	}
	c.notFound(id)
	return nil, nil, false
}

// handleValidateCredentials is "Test Connection": it probes the SCIM endpoint named by the
// given (or saved) BaseAddress with the SecretToken, like Entra (§3.6). The probe runs
// without the lock held: it is a network call.
func (s *Simulator) handleValidateCredentials(c *call) {
	var body struct {
		UseSavedCredentials bool         `json:"useSavedCredentials"`
		Credentials         []secretPair `json:"credentials"`
		TemplateID          string       `json:"templateId"`
	}
	if !c.decode(&body) {
		return
	}
	s.mu.Lock()
	var sp *servicePrincipal
	var ok bool
	if _, hasJob := c.params["job"]; hasJob {
		sp, _, ok = s.lookupJobLocked(c)
	} else {
		sp, ok = s.lookupServicePrincipalLocked(c)
	}
	credentials := body.Credentials
	if ok && body.UseSavedCredentials {
		credentials = append([]secretPair(nil), sp.secrets...)
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	if key, bad := unknownSecretKey(credentials); bad {
		failUnknownSecretKey(c, key)
		return
	}
	baseAddress, token := secretValue(credentials, "BaseAddress"), secretValue(credentials, "SecretToken")
	if err := s.probeSCIM(c.r.Context(), "validateCredentials", baseAddress, token); err != nil {
		code := s.cfg.credentialErrorCode
		c.fail(http.StatusBadRequest, code, credentialFailureMessage(code, err))
		return
	}
	c.noContent()
}

// writeRawJSON answers a stored JSON document verbatim.
func writeRawJSON(c *call, status int, payload json.RawMessage) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(payload)
}
