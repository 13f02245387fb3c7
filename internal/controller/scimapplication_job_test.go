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

package controller

import (
	"fmt"
	"testing"
	"time"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// TestReportFailuresByID: failures logged in the same second are each reported once, however the
// reads overlap, and the status keeps a bounded list of them.
func TestReportFailuresByID(t *testing.T) {
	second := time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)
	failure := func(id string, at time.Time) graph.ProvisioningEvent {
		return graph.ProvisioningEvent{ID: id, ActivityDateTime: at, Action: "create", SourceDisplayName: id + "@bank.dk", ErrorCode: "E", Reason: "r"}
	}
	app := &v1.ScimApplication{}
	var reported []string
	report := func(f graph.ProvisioningEvent) { reported = append(reported, f.ID) }

	// Newest first, as the logs are listed: b and a share a second.
	reportFailures(app, []graph.ProvisioningEvent{failure("b", second), failure("a", second)}, report)
	// The next read starts a second before the cursor: a and b come again, with c of the same second.
	reportFailures(app, []graph.ProvisioningEvent{failure("c", second), failure("b", second), failure("a", second)}, report)
	if got := fmt.Sprint(reported); got != "[a b c]" {
		t.Fatalf("reported %s, want [a b c]", got)
	}
	if got := len(app.Status.ProvisioningFailures); got != 3 || app.Status.ProvisioningFailures[2].User != "c@bank.dk" {
		t.Fatalf("status failures %+v", app.Status.ProvisioningFailures)
	}
	if !app.Status.LastProvisioningEventTime.Time.Equal(second) {
		t.Fatalf("cursor %v", app.Status.LastProvisioningEventTime)
	}

	var many []graph.ProvisioningEvent
	for i := range 100 {
		many = append(many, failure(fmt.Sprintf("id-%03d", i), second.Add(time.Duration(100-i)*time.Second)))
	}
	reportFailures(app, many, report)
	if len(app.Status.ReportedProvisioningLogIDs) != maxReportedLogIDs || len(app.Status.ProvisioningFailures) != maxFailuresInStatus {
		t.Fatalf("unbounded status: %d ids, %d failures", len(app.Status.ReportedProvisioningLogIDs), len(app.Status.ProvisioningFailures))
	}
	if last := app.Status.ProvisioningFailures[maxFailuresInStatus-1].User; last != "id-000@bank.dk" {
		t.Fatalf("newest failure last, got %s", last)
	}
}
