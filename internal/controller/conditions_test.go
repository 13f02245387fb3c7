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
	"errors"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

func TestClassify(t *testing.T) {
	cases := map[string]struct {
		err             error
		recentlyCreated bool
		reason          string
		message         string
		retryAfter      time.Duration
		stalled         bool
	}{
		"missing Secret is a configuration error": {
			err:    &secretError{reason: v1.SecretNotFoundReason, err: errors.New("secret ns/x not found")},
			reason: v1.SecretNotFoundReason, message: "secret ns/x not found", stalled: true,
		},
		"403 names the permission": {
			err:    &graph.Error{StatusCode: http.StatusForbidden, Code: "Authorization_RequestDenied", Message: "Insufficient privileges"},
			reason: v1.ForbiddenReason, message: "grant the application permission Synchronization.ReadWrite.All", stalled: true,
		},
		"403 right after creation is replication": {
			err:             &graph.Error{StatusCode: http.StatusForbidden, Code: "Authorization_RequestDenied"},
			recentlyCreated: true,
			reason:          v1.ProgressingReason, message: "waiting for Entra to replicate", retryAfter: replicationRetry,
		},
		"404 long after creation is an error": {
			err:    &graph.Error{StatusCode: http.StatusNotFound, Code: "Request_ResourceNotFound"},
			reason: v1.GraphErrorReason, message: "Request_ResourceNotFound",
		},
		"429 waits as Entra asks": {
			err:    &graph.Error{StatusCode: http.StatusTooManyRequests, RetryAfter: 7 * time.Second},
			reason: v1.ThrottledReason, retryAfter: 7 * time.Second,
		},
		"503 without Retry-After waits a default": {
			err:    &graph.Error{StatusCode: http.StatusServiceUnavailable},
			reason: v1.ThrottledReason, retryAfter: 30 * time.Second,
		},
		"rejected client secret": {
			err:    &graph.Error{StatusCode: http.StatusUnauthorized, Code: "AADSTS7000215", Message: "Invalid client secret provided."},
			reason: v1.InvalidCredentialsReason, message: "Invalid client secret", stalled: true,
		},
		"no answer": {
			err:    &graph.Error{Err: errors.New("connection refused")},
			reason: v1.UnreachableReason, message: "connection refused",
		},
		"anything else": {
			err:    errors.New("boom"),
			reason: v1.GraphErrorReason, message: "boom",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			o := classify(tc.err, graph.PermissionSynchronization, tc.recentlyCreated)
			g.Expect(o.reason).To(Equal(tc.reason))
			g.Expect(o.message).To(ContainSubstring(tc.message))
			g.Expect(o.retryAfter).To(Equal(tc.retryAfter))
			g.Expect(o.stalled).To(Equal(tc.stalled))
		})
	}
}

func TestDesiredSecrets(t *testing.T) {
	g := NewWithT(t)
	threshold := int32(0)
	s := &appScope{
		app: &v1.ScimApplication{Spec: v1.ScimApplicationSpec{
			Provisioning:  v1.Provisioning{Scope: v1.ScopeAll, DeleteThreshold: &threshold},
			Notifications: &v1.Notifications{Mode: v1.NotificationsDisabled, Recipients: []v1.EmailAddress{"a@b.dk", "c@d.dk"}},
		}},
		tenant: &v1.ScimTenant{Spec: v1.ScimTenantSpec{Notifications: &v1.Notifications{Recipients: []v1.EmailAddress{"ops@bank.dk"}}}},
	}
	g.Expect(desiredSecrets(s, "https://api.booking.andmoney.dk/rooms/scim", "tok")).To(Equal([]graph.Secret{
		{Key: "BaseAddress", Value: "https://api.booking.andmoney.dk/rooms/scim"},
		{Key: "SecretToken", Value: "tok"},
		{Key: "SyncNotificationSettings", Value: `{"Enabled":false,"Recipients":"a@b.dk;c@d.dk","DeleteThresholdEnabled":false}`},
		{Key: "SyncAll", Value: "true"},
	}))

	// Without an override the tenant's recipients apply and are enabled.
	s.app.Spec.Notifications = nil
	s.app.Spec.Provisioning = v1.Provisioning{}
	g.Expect(desiredSecrets(s, "u", "t")[2].Value).To(Equal(
		`{"Enabled":true,"Recipients":"ops@bank.dk","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}`))
}

func TestSummaryConditions(t *testing.T) {
	g := NewWithT(t)
	app := &v1.ScimApplication{}
	app.Generation = 2
	s := &appScope{app: app}
	for _, c := range ownedConditions {
		setCondition(&app.Status.Conditions, 2, c, "True", v1.SucceededReason, "ok")
	}
	setSummaryConditions(s)
	g.Expect(conditionOf(app, v1.ReadyCondition).Status).To(BeEquivalentTo("True"))

	// A False condition explains Ready, even behind one not yet evaluated for this generation.
	setCondition(&app.Status.Conditions, 1, v1.JobReadyCondition, "True", v1.SucceededReason, "old")
	setCondition(&app.Status.Conditions, 2, v1.MappingsSyncedCondition, "False", v1.InvalidExpressionReason, "column 3")
	setSummaryConditions(s)
	ready := conditionOf(app, v1.ReadyCondition)
	g.Expect(ready.Status).To(BeEquivalentTo("False"))
	g.Expect(ready.Reason).To(Equal(v1.InvalidExpressionReason))
	g.Expect(conditionOf(app, v1.ReconcilingCondition).Status).To(BeEquivalentTo("True"))
	g.Expect(conditionOf(app, v1.StalledCondition).Status).To(BeEmpty())

	// A failed cleanup during deletion is reported in Ready, and in Stalled once it needs a person.
	s.deletionFailure = &outcome{reason: v1.TenantNotFoundReason, message: "gone", stalled: true}
	setSummaryConditions(s)
	g.Expect(conditionOf(app, v1.ReadyCondition).Reason).To(Equal(v1.DeletingReason))
	g.Expect(conditionOf(app, v1.StalledCondition).Reason).To(Equal(v1.TenantNotFoundReason))
}

// setSummaryConditions writes the summary conditions in patchStatus's order.
func setSummaryConditions(s *appScope) {
	setReadyCondition(s)
	setStalledCondition(s)
	setReconcilingCondition(s)
}

func conditionOf(app *v1.ScimApplication, conditionType string) struct{ Status, Reason string } {
	for _, c := range app.Status.Conditions {
		if c.Type == conditionType {
			return struct{ Status, Reason string }{string(c.Status), c.Reason}
		}
	}
	return struct{ Status, Reason string }{}
}
