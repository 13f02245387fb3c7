package simulator

import (
	"strings"
	"time"
)

// ProvisioningLog is a provisioningObjectSummary as /auditLogs/provisioning returns it
// (v1.0 names, lower-case enum values, §7).
type ProvisioningLog struct {
	ID                     string                 `json:"id"`
	ActivityDateTime       string                 `json:"activityDateTime"`
	TenantID               string                 `json:"tenantId"`
	JobID                  string                 `json:"jobId"`
	CycleID                string                 `json:"cycleId"`
	ChangeID               string                 `json:"changeId"`
	ProvisioningAction     string                 `json:"provisioningAction"`
	DurationInMilliseconds int64                  `json:"durationInMilliseconds"`
	ProvisioningStatusInfo ProvisioningStatusInfo `json:"provisioningStatusInfo"`
	ProvisioningSteps      []ProvisioningStep     `json:"provisioningSteps"`
	ModifiedProperties     []ModifiedProperty     `json:"modifiedProperties"`
	ServicePrincipal       LogServicePrincipal    `json:"servicePrincipal"`
	SourceSystem           ProvisioningSystem     `json:"sourceSystem"`
	TargetSystem           ProvisioningSystem     `json:"targetSystem"`
	InitiatedBy            LogInitiator           `json:"initiatedBy"`
	SourceIdentity         ProvisionedIdentity    `json:"sourceIdentity"`
	TargetIdentity         ProvisionedIdentity    `json:"targetIdentity"`
}

// ProvisioningStatusInfo is provisioningStatusInfo.
type ProvisioningStatusInfo struct {
	Status           string                 `json:"status"`
	ErrorInformation *ProvisioningErrorInfo `json:"errorInformation"`
}

// ProvisioningErrorInfo is provisioningErrorInfo.
type ProvisioningErrorInfo struct {
	ErrorCode         string  `json:"errorCode"`
	Reason            string  `json:"reason"`
	AdditionalDetails *string `json:"additionalDetails"`
	ErrorCategory     string  `json:"errorCategory"`
	RecommendedAction *string `json:"recommendedAction"`
}

// ProvisioningStep is one step of a provisioned change.
type ProvisioningStep struct {
	Name                 string            `json:"name"`
	ProvisioningStepType string            `json:"provisioningStepType"`
	Status               string            `json:"status"`
	Description          string            `json:"description"`
	Details              map[string]string `json:"details"`
}

// ModifiedProperty is a target attribute change.
type ModifiedProperty struct {
	DisplayName string  `json:"displayName"`
	OldValue    *string `json:"oldValue"`
	NewValue    *string `json:"newValue"`
}

// LogServicePrincipal names the enterprise app of a log entry.
type LogServicePrincipal struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// ProvisioningSystem is the source or target system of a log entry.
type ProvisioningSystem struct {
	ID          string            `json:"id"`
	DisplayName string            `json:"displayName"`
	Details     map[string]string `json:"details"`
}

// LogInitiator says who initiated the change.
type LogInitiator struct {
	ID            string `json:"id"`
	DisplayName   string `json:"displayName"`
	InitiatorType string `json:"initiatorType"`
}

// ProvisionedIdentity is the source or target object of a log entry.
type ProvisionedIdentity struct {
	ID           string            `json:"id"`
	DisplayName  string            `json:"displayName"`
	IdentityType string            `json:"identityType"`
	Details      map[string]string `json:"details"`
}

// provisioningLogFilter lists the properties $filter and $orderby accept (§7, §11.3).
var provisioningLogFilter = auditFilter(
	"id", "jobId", "cycleId", "changeId", "activityDateTime", "provisioningAction",
	"provisioningStatusInfo/status", "servicePrincipal/id", "servicePrincipal/displayName",
	"sourceIdentity/id", "sourceIdentity/displayName", "targetIdentity/id",
	"targetIdentity/displayName", "sourceSystem/displayName", "targetSystem/displayName",
)

func (s *Simulator) handleListProvisioningLogs(c *call) {
	s.mu.Lock()
	items := make([]map[string]any, 0, len(s.provisioningLogs))
	for i := range s.provisioningLogs {
		items = append(items, toMap(s.provisioningLogs[i]))
	}
	s.mu.Unlock()
	c.writeCollection(items, "auditLogs/provisioning", provisioningLogFilter)
}

// exportChange is one object change a cycle or provisionOnDemand made in the target.
type exportChange struct {
	action string // create, update, disable, other
	status string // success, skipped, failure
	reason string
	// errorCode is the failure's errorCode; SimulatedFailure when empty.
	errorCode string
	changes   []ModifiedProperty
	sourceID  string
	// sourceName is the UPN or group display name.
	sourceName  string
	sourceType  string
	targetType  string
	targetID    string
	cycleID     string
	initiatedBy string
	// requests are the SCIM requests the change made; scimStatus the status of the last one.
	requests   []SCIMRequest
	scimStatus int
}

// appendLogLocked records a provisioning log entry for a change. Caller holds s.mu.
func (s *Simulator) appendLogLocked(sp *servicePrincipal, j *job, ch exportChange, began time.Time) ProvisioningLog {
	now := s.now()
	details := map[string]string{}
	if ch.sourceType == "User" {
		details["UserPrincipalName"] = ch.sourceName
	}
	entry := ProvisioningLog{
		ID:                     s.newGUIDLocked(),
		ActivityDateTime:       now.Format(time.RFC3339),
		TenantID:               s.cfg.tenantID,
		JobID:                  j.id,
		CycleID:                ch.cycleID,
		ChangeID:               s.newGUIDLocked(),
		ProvisioningAction:     ch.action,
		DurationInMilliseconds: now.Sub(began).Milliseconds(),
		ProvisioningStatusInfo: ProvisioningStatusInfo{Status: ch.status},
		ProvisioningSteps:      provisioningSteps(ch, false),
		ModifiedProperties:     ch.changes,
		ServicePrincipal:       LogServicePrincipal{ID: sp.id, DisplayName: sp.displayName},
		SourceSystem:           ProvisioningSystem{ID: "66e4a8cc-1b7b-435e-95f8-f06cea133828", DisplayName: s.cfg.sourceDirectoryName, Details: map[string]string{}},
		TargetSystem: ProvisioningSystem{ID: "8ffa6169-f354-4751-9b77-9c00765be92d", DisplayName: sp.displayName, Details: map[string]string{
			"ApplicationId": sp.appID, "ServicePrincipalId": sp.id, "ServicePrincipalDisplayName": sp.displayName,
		}},
		InitiatedBy:    LogInitiator{ID: "", DisplayName: ch.initiatedBy, InitiatorType: "system"},
		SourceIdentity: ProvisionedIdentity{ID: ch.sourceID, DisplayName: ch.sourceName, IdentityType: ch.sourceType, Details: details},
		TargetIdentity: ProvisionedIdentity{ID: ch.targetID, DisplayName: "", IdentityType: ch.targetType, Details: map[string]string{}},
	}
	if ch.changes == nil {
		entry.ModifiedProperties = []ModifiedProperty{}
	}
	if ch.status == "failure" {
		code := ch.errorCode
		if code == "" {
			code = "SimulatedFailure"
		}
		entry.ProvisioningStatusInfo.ErrorInformation = &ProvisioningErrorInfo{ErrorCode: code, Reason: ch.reason, ErrorCategory: "failure"}
		if ch.scimStatus != 0 {
			details := "StatusCode: " + statusText(ch.scimStatus)
			entry.ProvisioningStatusInfo.ErrorInformation.AdditionalDetails = &details
		}
	}
	s.provisioningLogs = append(s.provisioningLogs, entry)
	return entry
}

// provisioningSteps renders the steps of a change; capitalised step types are what
// provisionOnDemand returns, lower-case what the audit log returns (§6, §7).
func provisioningSteps(ch exportChange, capitalised bool) []ProvisioningStep {
	stepType := func(t string) string {
		if capitalised {
			return strings.ToUpper(t[:1]) + t[1:]
		}
		return t
	}
	steps := []ProvisioningStep{
		{Name: "EntryImport", ProvisioningStepType: stepType("import"), Status: "success",
			Description: "Retrieved " + ch.sourceName + " from " + "the source directory", Details: map[string]string{}},
	}
	if ch.status == "skipped" {
		return append(steps, ProvisioningStep{Name: "EntrySynchronizationScoping", ProvisioningStepType: stepType("scoping"), Status: "skipped",
			Description: ch.reason, Details: map[string]string{"Assigned": "False", "IsEffectivelyEntitledForProvisioning": "False", "ScopeEvaluationResult": "{}"}})
	}
	steps = append(steps,
		ProvisioningStep{Name: "EntrySynchronizationScoping", ProvisioningStepType: stepType("scoping"), Status: "success",
			Description: "Determine if " + ch.sourceName + " is in scope.", Details: map[string]string{"Assigned": "True", "IsEffectivelyEntitledForProvisioning": "True"}},
		ProvisioningStep{Name: "EntryExport" + strings.ToUpper(ch.action[:1]) + ch.action[1:], ProvisioningStepType: stepType("export"), Status: ch.status,
			Description: "Exported " + ch.sourceName + " to " + targetDirectoryName + ".", Details: exportDetails(ch)},
	)
	return steps
}

// exportDetails are the export step's details: the SCIM status code and the requests made.
func exportDetails(ch exportChange) map[string]string {
	details := map[string]string{}
	if ch.scimStatus != 0 {
		details["StatusCode"] = statusText(ch.scimStatus)
	}
	if len(ch.requests) > 0 {
		details["SCIMRequests"] = requestsText(ch.requests)
	}
	return details
}
