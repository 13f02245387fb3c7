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
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/mapping"
)

// reconcileMappings makes the job's User attribute mappings equal the spec's table; it writes only
// when they differ, so a mapping changed in the portal is put back and steady state writes nothing.
func (r *ScimApplicationReconciler) reconcileMappings(ctx context.Context, s *appScope) *stepFailure {
	app := s.app
	schema, err := s.graph.GetSchema(ctx, app.Status.ServicePrincipalID, app.Status.JobID)
	if err != nil {
		return s.fail(v1.MappingsSyncedCondition, err, graph.PermissionSynchronization)
	}
	updated, changed, err := mapping.ApplyMappings(schema, app.Spec.EffectiveMappings())
	if exprErr, ok := errors.AsType[*mapping.ExpressionError](err); ok {
		return stall(v1.MappingsSyncedCondition, v1.InvalidExpressionReason, "invalid source expression: "+exprErr.Error())
	}
	if err != nil {
		return s.fail(v1.MappingsSyncedCondition, fmt.Errorf("edit the job schema: %w", err), "")
	}
	s.schema = schema
	if changed {
		if err := s.graph.PutSchema(ctx, app.Status.ServicePrincipalID, app.Status.JobID, updated); err != nil {
			return s.fail(v1.MappingsSyncedCondition, err, graph.PermissionSynchronization)
		}
		s.schema = updated
		old := apimeta.FindStatusCondition(app.Status.Conditions, v1.MappingsSyncedCondition)
		reason := "Updated attribute mappings"
		if old != nil && old.Status == metav1.ConditionTrue && old.ObservedGeneration == app.Generation {
			reason = "Restored attribute mappings changed outside the operator"
		}
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "MappingsUpdated", "PutSchema", "%s", reason)
	}
	s.mappingsInPlace = true
	return nil
}
