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

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// desiredPrincipal is one spec assignment with the key status records it under.
type desiredPrincipal struct {
	reference string // "user:<upn or id>" or "group:<name or id>"
	isGroup   bool
	value     string
	byID      bool
}

func desiredPrincipals(spec *v1.ScimApplicationSpec) []desiredPrincipal {
	if spec.Assignments == nil {
		return nil
	}
	out := make([]desiredPrincipal, 0, len(spec.Assignments.Users)+len(spec.Assignments.Groups))
	for _, u := range spec.Assignments.Users {
		if u.ObjectID != "" {
			out = append(out, desiredPrincipal{reference: "user:" + u.ObjectID, value: u.ObjectID, byID: true})
		} else {
			out = append(out, desiredPrincipal{reference: "user:" + u.UserPrincipalName, value: u.UserPrincipalName})
		}
	}
	for _, g := range spec.Assignments.Groups {
		if g.ObjectID != "" {
			out = append(out, desiredPrincipal{reference: "group:" + g.ObjectID, value: g.ObjectID, byID: true, isGroup: true})
		} else {
			out = append(out, desiredPrincipal{reference: "group:" + g.DisplayName, value: g.DisplayName, isGroup: true})
		}
	}
	return out
}

// reconcileAssignments assigns the spec's users and groups with the User app role and removes the
// assignments this controller made whose principal left the spec. Principals resolved once are
// remembered in status, so steady state costs one list call.
func (r *ScimApplicationReconciler) reconcileAssignments(ctx context.Context, s *appScope) *stepFailure {
	app := s.app
	sp := app.Status.ServicePrincipalID
	current, err := s.graph.ListAssignments(ctx, sp)
	if err != nil {
		return s.fail(v1.AssignmentsSyncedCondition, err, graph.PermissionAppRoleAssignment)
	}
	byPrincipal := make(map[string]graph.Assignment, len(current))
	for _, a := range current {
		byPrincipal[a.PrincipalID] = a
	}
	known := make(map[string]v1.AssignmentStatus, len(app.Status.Assignments))
	for _, a := range app.Status.Assignments {
		known[a.Reference] = a
	}
	resolveAgain := app.Status.ObservedGeneration != app.Generation

	desired := desiredPrincipals(&app.Spec)
	next := make([]v1.AssignmentStatus, 0, len(desired))
	inSpec := make(map[string]bool, len(desired))
	for _, want := range desired {
		entry, seen := known[want.reference]
		if !seen || entry.PrincipalID == "" || resolveAgain {
			id, kind, err := r.resolvePrincipal(ctx, s, want)
			if err != nil {
				return err
			}
			if entry.PrincipalID != id {
				entry = v1.AssignmentStatus{}
			}
			entry.Reference, entry.PrincipalID, entry.PrincipalType = want.reference, id, kind
		}
		inSpec[entry.PrincipalID] = true
		if existing, ok := byPrincipal[entry.PrincipalID]; ok {
			entry.AssignmentID = existing.ID
			if entry.Origin == "" {
				entry.Origin = v1.OriginAdopted
			}
		} else {
			created, err := s.graph.Assign(ctx, sp, entry.PrincipalID, graph.UserAppRoleID)
			if err != nil {
				return s.fail(v1.AssignmentsSyncedCondition, err, graph.PermissionAppRoleAssignment)
			}
			entry.AssignmentID, entry.Origin = created.ID, v1.OriginCreated
			r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Assigned", "Assign", "Assigned %s", want.reference)
		}
		next = append(next, entry)
	}
	for _, old := range app.Status.Assignments {
		if inSpec[old.PrincipalID] || old.Origin != v1.OriginCreated {
			continue
		}
		if a, ok := byPrincipal[old.PrincipalID]; ok {
			if err := s.graph.Unassign(ctx, sp, a.ID); err != nil {
				return s.fail(v1.AssignmentsSyncedCondition, err, graph.PermissionAppRoleAssignment)
			}
			r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Unassigned", "Unassign", "Removed the assignment of %s", old.Reference)
		}
	}
	app.Status.Assignments = next
	s.assignmentsSynced = true
	return nil
}

// resolvePrincipal finds a user or group's object ID. A group name must match exactly one group.
func (r *ScimApplicationReconciler) resolvePrincipal(ctx context.Context, s *appScope, want desiredPrincipal) (string, string, *stepFailure) {
	var (
		principal *graph.Principal
		err       error
	)
	switch {
	case !want.isGroup:
		principal, err = s.graph.GetUser(ctx, want.value)
	case want.byID:
		principal, err = s.graph.GetGroup(ctx, want.value)
	default:
		var groups []graph.Principal
		groups, err = s.graph.FindGroups(ctx, want.value)
		if err == nil && len(groups) != 1 {
			return "", "", principalError(want, len(groups))
		}
		if err == nil {
			principal = &groups[0]
		}
	}
	if graph.IsNotFound(err) {
		return "", "", principalError(want, 0)
	}
	if err != nil {
		return "", "", s.fail(v1.AssignmentsSyncedCondition, err, graph.PermissionDirectoryRead)
	}
	kind := "User"
	if want.isGroup {
		kind = "Group"
	}
	return principal.ID, kind, nil
}

func principalError(want desiredPrincipal, found int) *stepFailure {
	reason, msg := v1.PrincipalNotFoundReason, fmt.Sprintf("%s not found in Entra", want.reference)
	if found > 1 {
		reason, msg = v1.AmbiguousPrincipalReason, fmt.Sprintf("%s matches %d groups; assign it by objectID", want.reference, found)
	}
	return stall(v1.AssignmentsSyncedCondition, reason, msg)
}
