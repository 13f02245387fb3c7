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
		ch = s.provisionUserOnDemandLocked(sp, j, u)
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

func (s *Simulator) provisionUserOnDemandLocked(sp *servicePrincipal, j *job, u *User) exportChange {
	base := exportChange{sourceID: u.ID, sourceName: u.UserPrincipalName, sourceType: "User", targetType: targetUserObject}
	if secretValue(sp.secrets, "BaseAddress") == "" || secretValue(sp.secrets, "SecretToken") == "" {
		base.action, base.status, base.reason = "other", "failure", "Admin credentials (BaseAddress, SecretToken) are not saved for this application."
		return base
	}
	if !s.inScopeLocked(sp, u.ID) {
		base.action, base.status = "other", "skipped"
		base.reason = "The user is not assigned to the application and the job only synchronizes assigned users and groups."
		return base
	}
	om, err := j.mappingFor("User")
	if err != nil || !om.Enabled {
		base.action, base.status, base.reason = "other", "skipped", "The User object mapping is disabled."
		return base
	}
	ch := s.exportUserLocked(j, u, om, true)
	if ch.action == "other" {
		ch.status, ch.reason = "skipped", "RedundantExport"
	}
	return ch
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
	ch.changes = diffAttributes(previous, target)
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
	j.exported[g.ID] = target
	return ch
}

// onDemandKey renders the "key" string: the result and its details.
func onDemandKey(ch exportChange) string {
	result := map[string]any{"result": "Success", "details": map[string]string{}}
	switch ch.status {
	case "skipped":
		result["result"] = "Skipped"
		if ch.reason == "RedundantExport" {
			result["details"] = map[string]string{"errorCode": "RedundantExport", "errorMessage": "The target object is already up to date."}
		} else {
			result["details"] = map[string]string{"errorCode": "NotEffectivelyEntitled", "errorMessage": ch.reason}
		}
	case "failure":
		result["result"] = "Failure"
		result["details"] = map[string]string{"errorCode": CodeInvalidCredentials, "errorMessage": ch.reason}
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
