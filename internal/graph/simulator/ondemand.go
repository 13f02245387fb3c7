package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// handleProvisionOnDemand provisions one user or group now (§6): it checks the rule id and
// the subject, applies scoping (assignment or SyncAll) and the job's current mappings,
// updates the simulated target, logs the change, and answers the stringKeyStringValuePair
// whose key and value are JSON documents encoded as strings.
func (s *Simulator) handleProvisionOnDemand(c *call) {
	var body struct {
		Parameters []struct {
			RuleID   string `json:"ruleId"`
			Subjects []struct {
				ObjectID       string `json:"objectId"`
				ObjectTypeName string `json:"objectTypeName"`
			} `json:"subjects"`
		} `json:"parameters"`
	}
	if !c.decode(&body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, j, ok := s.lookupJobLocked(c)
	if !ok || !s.admitOnDemandLocked(c, j) {
		return
	}
	if len(body.Parameters) != 1 || len(body.Parameters[0].Subjects) != 1 {
		c.badRequest("provisionOnDemand expects exactly one parameter with exactly one subject.")
		return
	}
	parameter, subject := body.Parameters[0], body.Parameters[0].Subjects[0]
	if !slices.Contains(j.ruleIDs(), parameter.RuleID) {
		c.badRequest(fmt.Sprintf("The rule '%s' was not found in the schema of job '%s'.", parameter.RuleID, j.id))
		return
	}
	began := s.now()
	var ch exportChange
	switch subject.ObjectTypeName {
	case "User":
		u := s.users[subject.ObjectID]
		if u == nil {
			c.badRequest(fmt.Sprintf("The object '%s' of type 'User' was not found in the source directory.", subject.ObjectID))
			return
		}
		var work *exportWork
		ch, work = s.planUserOnDemandLocked(sp, j, u)
		if work != nil {
			ch = s.exportOnDemandLocked(c, sp, j, work)
		}
	case "Group":
		g := s.groups[subject.ObjectID]
		if g == nil {
			c.badRequest(fmt.Sprintf("The object '%s' of type 'Group' was not found in the source directory.", subject.ObjectID))
			return
		}
		ch = s.provisionGroupOnDemandLocked(sp, j, g)
	default:
		c.badRequest(fmt.Sprintf("Invalid objectTypeName '%s'; expected 'User' or 'Group'.", subject.ObjectTypeName))
		return
	}
	ch.cycleID, ch.initiatedBy = s.newGUIDLocked(), "Azure AD Provisioning Service"
	entry := s.appendLogLocked(sp, j, ch, began)
	c.writeJSON(http.StatusOK, map[string]any{
		"@odata.context": c.context("microsoft.graph.stringKeyStringValuePair"),
		"key":            onDemandKey(ch),
		"value":          onDemandValue(ch, entry, s.cfg.sourceDirectoryName),
	})
}

// admitOnDemandLocked enforces the documented limit of 5 requests per 10 seconds (per job
// here; the real scope is not documented), answering 429 with Retry-After itself.
func (s *Simulator) admitOnDemandLocked(c *call, j *job) bool {
	limit, window := s.cfg.onDemandLimit, s.cfg.onDemandWindow
	if limit <= 0 {
		return true
	}
	now := s.now()
	recent := j.onDemandCalls[:0]
	for _, t := range j.onDemandCalls {
		if now.Sub(t) < window {
			recent = append(recent, t)
		}
	}
	j.onDemandCalls = recent
	if len(recent) >= limit {
		setRetryAfter(c.w, recent[0].Add(window).Sub(now))
		c.fail(http.StatusTooManyRequests, codeTooManyRequests, fmt.Sprintf("provisionOnDemand is limited to %d requests per %s.", limit, window))
		return false
	}
	j.onDemandCalls = append(j.onDemandCalls, now)
	return true
}

// planUserOnDemandLocked checks credentials, scope and mapping for a user provisioned on
// demand; work is nil when the result is already known (skipped or failed).
func (s *Simulator) planUserOnDemandLocked(sp *servicePrincipal, j *job, u *User) (exportChange, *exportWork) {
	base := exportChange{sourceID: u.ID, sourceName: u.UserPrincipalName, sourceType: "User", targetType: targetUserObject}
	if secretValue(sp.secrets, "BaseAddress") == "" || secretValue(sp.secrets, "SecretToken") == "" {
		base.action, base.status, base.reason = "other", "failure", "Admin credentials (BaseAddress, SecretToken) are not saved for this application."
		return base, nil
	}
	if !s.inScopeLocked(sp, u.ID) {
		base.action, base.status = "other", "skipped"
		base.reason = "The user is not assigned to the application and the job only synchronizes assigned users and groups."
		return base, nil
	}
	om, err := j.mappingFor("User")
	if err != nil || !om.Enabled {
		base.action, base.status, base.reason = "other", "skipped", "The User object mapping is disabled."
		return base, nil
	}
	inScope := !u.SoftDeleted && !u.Disabled
	work, needed := s.planUserLocked(j, om, u, inScope, true)
	if !needed {
		base.action, base.status, base.reason = "other", "skipped", "The user is not in the target system and is not in scope."
		return base, nil
	}
	return base, &work
}

// exportOnDemandLocked sends the work's requests with s.mu released, as a cycle does, and
// records the result in the job's memory. Provision on demand always uses the legacy PATCH
// shape: the aadOptscim062020 flag does not apply to it. Caller holds s.mu.
func (s *Simulator) exportOnDemandLocked(c *call, sp *servicePrincipal, j *job, work *exportWork) exportChange {
	exporter, err := newSCIMExporter(s.exportClientLocked(), secretValue(sp.secrets, "BaseAddress"), secretValue(sp.secrets, "SecretToken"), j.id, s.now)
	if err != nil {
		return exportChange{sourceID: work.sourceID, sourceName: work.sourceName, sourceType: "User", targetType: work.targetType,
			action: "other", status: "failure", reason: err.Error(), errorCode: CodeInvalidCredentials}
	}
	exporter.onDemand = true
	s.mu.Unlock()
	result := work.execute(c.r.Context(), exporter)
	s.mu.Lock()
	s.scimRequests = append(s.scimRequests, exporter.requests...)
	applyResultLocked(j, result)
	return result.change
}

// provisionGroupOnDemandLocked exports an assigned group with the Group object mapping.
func (s *Simulator) provisionGroupOnDemandLocked(sp *servicePrincipal, j *job, g *Group) exportChange {
	ch := exportChange{sourceID: g.ID, sourceName: g.DisplayName, sourceType: "Group", targetType: targetGroupObject, targetID: "scim-" + g.ID}
	assigned := false
	for _, a := range sp.assignments {
		assigned = assigned || a.principalID == g.ID
	}
	om, err := j.mappingFor("Group")
	switch {
	case !assigned:
		ch.action, ch.status, ch.reason = "other", "skipped", "The group is not assigned to the application."
		return ch
	case err != nil || !om.Enabled:
		ch.action, ch.status, ch.reason = "other", "skipped", "The Group object mapping is disabled."
		return ch
	}
	target := applyMapping(om, g.syncAttributes())
	previous, known := j.exported[g.ID]
	if known {
		ch.changes = diffAttributes(previous.attrs, target)
	} else {
		ch.changes = diffAttributes(nil, target)
	}
	ch.status = "success"
	switch {
	case !known:
		ch.action = "create"
	case len(ch.changes) == 0:
		ch.action, ch.status, ch.reason = "other", "skipped", "RedundantExport"
		return ch
	default:
		ch.action = "update"
	}
	// Groups are not provisioned to &Money; the simulator only remembers the mapped values.
	j.exported[g.ID] = &exportedObject{targetID: ch.targetID, attrs: target, inScope: true}
	return ch
}

// onDemandKey renders the "key" string: the result and its details.
func onDemandKey(ch exportChange) string {
	result := map[string]any{"result": "Success", "details": map[string]string{}}
	switch ch.status {
	case "skipped":
		result["result"] = "Skipped"
		if ch.reason == "RedundantExport" {
			result["details"] = map[string]string{"errorCode": "RedundantExport", "errorMessage": "The target object is already up to date.", "scimRequests": requestsText(ch.requests)}
		} else {
			result["details"] = map[string]string{"errorCode": "NotEffectivelyEntitled", "errorMessage": ch.reason}
		}
	case "failure":
		result["result"] = "Failure"
		code := ch.errorCode
		if code == "" {
			code = CodeInvalidCredentials
		}
		result["details"] = map[string]string{"errorCode": code, "errorMessage": ch.reason, "scimRequests": requestsText(ch.requests)}
	}
	return mustJSONString(result)
}

// onDemandValue renders the "value" string: a provisioning-log-like object with
// capitalised step types, as provisionOnDemand (unlike the audit log) returns them.
func onDemandValue(ch exportChange, entry ProvisioningLog, sourceDirectoryName string) string {
	statusInfo := map[string]any{"status": capitalize(ch.status)}
	if ch.reason != "" {
		statusInfo["reason"] = ch.reason
	}
	value := map[string]any{
		"action":               capitalize(ch.action),
		"changeId":             entry.ChangeID,
		"startTime":            entry.ActivityDateTime,
		"endTime":              entry.ActivityDateTime,
		"modifiedProperties":   entry.ModifiedProperties,
		"provisioningSteps":    provisioningSteps(ch, true),
		"reportableIdentifier": ch.sourceName,
		"statusInfo":           statusInfo,
		"sourceIdentity":       map[string]any{"id": ch.sourceID, "type": ch.sourceType, "details": map[string]string{}},
		"sourceSystem":         map[string]any{"name": sourceDirectoryName},
		"targetIdentity":       map[string]any{"id": ch.targetID, "type": ch.targetType, "details": map[string]string{}},
		"targetSystem":         map[string]any{"name": targetDirectoryName},
	}
	return mustJSONString(value)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func mustJSONString(v any) string {
	payload, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(payload)
}
