/*
Copyright 2026 &Money.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package msgraph

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/andmoney/scim-operator/internal/graph"
)

// enumString renders a (possibly nil, when Graph sent a spelling the SDK does not know) SDK
// enum pointer.
func enumString[T fmt.Stringer](p *T) string {
	if p == nil {
		return ""
	}
	return (*p).String()
}

func uuidString(p *uuid.UUID) string {
	if p == nil {
		return ""
	}
	return p.String()
}

// timeOf returns the time, or zero for nil and for .NET's "never" (0001-01-01).
func timeOf(p *time.Time) time.Time {
	if p == nil || p.Year() <= 1 {
		return time.Time{}
	}
	return p.UTC()
}

func servicePrincipalFromModel(sp models.ServicePrincipalable) *graph.ServicePrincipal {
	out := &graph.ServicePrincipal{
		ID:          deref(sp.GetId()),
		AppID:       deref(sp.GetAppId()),
		DisplayName: deref(sp.GetDisplayName()),
	}
	for _, r := range sp.GetAppRoles() {
		if r == nil {
			continue
		}
		out.AppRoles = append(out.AppRoles, graph.AppRole{ID: uuidString(r.GetId()), DisplayName: deref(r.GetDisplayName())})
	}
	return out
}

func jobFromModel(j models.SynchronizationJobable) graph.Job {
	out := graph.Job{ID: deref(j.GetId()), TemplateID: deref(j.GetTemplateId())}
	if s := j.GetSchedule(); s != nil {
		out.ScheduleState = enumString(s.GetState())
	}
	st := j.GetStatus()
	if st == nil {
		return out
	}
	out.Status = graph.JobStatus{
		Code:                            enumString(st.GetCode()),
		CountSuccessiveCompleteFailures: deref(st.GetCountSuccessiveCompleteFailures()),
		LastExecution:                   executionFromModel(st.GetLastExecution()),
		LastSuccessfulExecution:         executionFromModel(st.GetLastSuccessfulExecution()),
		SteadyStateLastAchievedTime:     timeOf(st.GetSteadyStateLastAchievedTime()),
	}
	if q := st.GetQuarantine(); q != nil {
		out.Status.Quarantine = &graph.Quarantine{
			Reason:       enumString(q.GetReason()),
			CurrentBegan: timeOf(q.GetCurrentBegan()),
			NextAttempt:  timeOf(q.GetNextAttempt()),
		}
		if e := q.GetError(); e != nil {
			out.Status.Quarantine.ErrorCode = deref(e.GetCode())
			out.Status.Quarantine.ErrorMessage = deref(e.GetMessage())
		}
	}
	return out
}

func executionFromModel(e models.SynchronizationTaskExecutionable) *graph.JobExecution {
	if e == nil {
		return nil
	}
	out := &graph.JobExecution{
		State:        enumString(e.GetState()),
		TimeBegan:    timeOf(e.GetTimeBegan()),
		TimeEnded:    timeOf(e.GetTimeEnded()),
		CountExports: deref(e.GetCountExports()),
		CountEscrows: deref(e.GetCountEscrowed()),
	}
	if se := e.GetError(); se != nil {
		out.ErrorCode = deref(se.GetCode())
		out.ErrorMessage = deref(se.GetMessage())
	}
	return out
}

func assignmentFromModel(a models.AppRoleAssignmentable) graph.Assignment {
	return graph.Assignment{
		ID:            deref(a.GetId()),
		PrincipalID:   uuidString(a.GetPrincipalId()),
		PrincipalType: deref(a.GetPrincipalType()),
		AppRoleID:     uuidString(a.GetAppRoleId()),
	}
}

func provisioningEventFromModel(e models.ProvisioningObjectSummaryable) graph.ProvisioningEvent {
	out := graph.ProvisioningEvent{
		ID:               deref(e.GetId()),
		ActivityDateTime: timeOf(e.GetActivityDateTime()),
		Action:           enumString(e.GetProvisioningAction()),
	}
	if info := e.GetProvisioningStatusInfo(); info != nil {
		out.Status = enumString(info.GetStatus())
		if ei := info.GetErrorInformation(); ei != nil {
			out.ErrorCode = deref(ei.GetErrorCode())
			out.Reason = deref(ei.GetReason())
		}
	}
	if src := e.GetSourceIdentity(); src != nil {
		out.SourceDisplayName = deref(src.GetDisplayName())
	}
	return out
}

// onDemandKey is the JSON inside provisionOnDemand's "key" string.
type onDemandKey struct {
	Result  string          `json:"result"`
	Details json.RawMessage `json:"details"`
}

// onDemandValue is the part of the JSON inside provisionOnDemand's "value" string we use.
type onDemandValue struct {
	Action     string `json:"action"`
	StatusInfo struct {
		Status    string `json:"status"`
		ErrorCode string `json:"errorCode"`
		Reason    string `json:"reason"`
	} `json:"statusInfo"`
	ProvisioningSteps []struct {
		Name        string            `json:"name"`
		Status      string            `json:"status"`
		Description string            `json:"description"`
		Details     map[string]string `json:"details"`
	} `json:"provisioningSteps"`
}

// parseOnDemand decodes provisionOnDemand's JSON-in-string answer (docs/graph.md §6). It never
// fails: what cannot be decoded is kept as text in Details.
func parseOnDemand(key, value string) *graph.OnDemandResult {
	out := &graph.OnDemandResult{}
	var details []string
	var k onDemandKey
	if err := json.Unmarshal([]byte(key), &k); err == nil {
		out.Result = k.Result
		if d := detailsText(k.Details); d != "" {
			details = append(details, d)
		}
	} else if key != "" {
		details = append(details, key)
	}
	var v onDemandValue
	if err := json.Unmarshal([]byte(value), &v); err == nil {
		out.Action = v.Action
		if out.Result == "" {
			out.Result = v.StatusInfo.Status
		}
		if len(details) == 0 {
			if v.StatusInfo.ErrorCode != "" {
				details = append(details, v.StatusInfo.ErrorCode)
			}
			if v.StatusInfo.Reason != "" {
				details = append(details, v.StatusInfo.Reason)
			}
		}
		for _, step := range v.ProvisioningSteps {
			if !strings.EqualFold(step.Status, "skipped") && !strings.EqualFold(step.Status, "failure") {
				continue
			}
			text := step.Name
			if step.Description != "" {
				text += ": " + step.Description
			}
			if kv := sortedPairs(step.Details); kv != "" {
				text += " (" + kv + ")"
			}
			details = append(details, text)
		}
	}
	out.Details = truncate(strings.Join(details, "; "), maxMessageLen)
	return out
}

// detailsText renders the key's "details": {"errorCode":..,"errorMessage":..}, another object,
// or a string.
func detailsText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return string(raw)
	}
	code, _ := m["errorCode"].(string)
	msg, _ := m["errorMessage"].(string)
	switch {
	case code != "" && msg != "":
		return code + ": " + msg
	case code != "" || msg != "":
		return code + msg
	}
	flat := map[string]string{}
	for k, v := range m {
		flat[k] = fmt.Sprint(v)
	}
	return sortedPairs(flat)
}

func sortedPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ", ")
}
