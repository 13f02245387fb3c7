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
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/mapping"
)

// defaultRestartScope clears what a stuck job needs cleared without forgetting who it provisioned.
const defaultRestartScope = "Watermark,Escrows,QuarantineState"

// maxOnDemandUsers bounds one provision-on-demand request; Entra allows 5 calls per 10 seconds.
const maxOnDemandUsers = 16

// reconcileRequests carries out the restart and provision-on-demand requests of the annotations,
// each value once.
func (r *ScimApplicationReconciler) reconcileRequests(ctx context.Context, s *appScope) *stepFailure {
	app := s.app
	sp, jobID := app.Status.ServicePrincipalID, app.Status.JobID
	if token := app.Annotations[v1.RestartAnnotation]; token != "" && token != app.Status.LastHandledRestart {
		scope := app.Annotations[v1.RestartScopeAnnotation]
		if scope == "" {
			scope = defaultRestartScope
		}
		if err := s.graph.RestartJob(ctx, sp, jobID, scope); err != nil {
			return s.fail(v1.JobReadyCondition, err, graph.PermissionSynchronization)
		}
		app.Status.LastHandledRestart = token
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Restarted", "RestartJob", "Restarted provisioning job with reset scope %s", scope)
	}
	request := app.Annotations[v1.ProvisionOnDemandAnnotation]
	if request == "" || (app.Status.OnDemand != nil && app.Status.OnDemand.Request == request) {
		return nil
	}
	ruleID, err := mapping.RuleID(s.schema)
	if err != nil {
		return s.fail(v1.JobReadyCondition, fmt.Errorf("find the synchronization rule for provision on demand: %w", err), "")
	}
	results := make([]v1.OnDemandResult, 0, maxOnDemandUsers)
	for _, user := range splitUsers(request) {
		result, err := r.provisionOnDemand(ctx, s, ruleID, user)
		results = append(results, result)
		if graph.IsThrottled(err) {
			break // the rest would be throttled too; a new annotation value retries
		}
	}
	app.Status.OnDemand = &v1.OnDemandStatus{Request: truncate(request, 4096), Results: results}
	return nil
}

// provisionOnDemand provisions one user; the error is returned only for the caller to stop on
// throttling, it is already part of the result.
func (r *ScimApplicationReconciler) provisionOnDemand(ctx context.Context, s *appScope, ruleID, user string) (v1.OnDemandResult, error) {
	now := metav1.Now()
	result := v1.OnDemandResult{User: truncate(user, 256), Time: &now}
	principal, err := s.graph.GetUser(ctx, user)
	if err == nil {
		var out *graph.OnDemandResult
		out, err = s.graph.ProvisionOnDemand(ctx, s.app.Status.ServicePrincipalID, s.app.Status.JobID, ruleID, principal.ID)
		if err == nil {
			result.Result, result.Action, result.Details = out.Result, out.Action, truncate(out.Details, 1024)
			if out.Result != "Success" {
				r.Recorder.Eventf(s.app, nil, corev1.EventTypeWarning, "ProvisionOnDemand"+out.Result, "ProvisionOnDemand",
					"Provisioning %s on demand: %s: %s", user, out.Result, truncate(out.Details, 512))
			}
			return result, nil
		}
	}
	result.Result, result.Details = "Failure", truncate(err.Error(), 1024)
	return result, err
}

func splitUsers(request string) []string {
	var users []string
	for u := range strings.SplitSeq(request, ",") {
		if u = strings.TrimSpace(u); u != "" && len(users) < maxOnDemandUsers {
			users = append(users, u)
		}
	}
	return users
}
