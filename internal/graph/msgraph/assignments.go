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
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/andmoney/scim-operator/internal/graph"
)

// ListAssignments lists the service principal's app role assignments (all pages).
func (c *Client) ListAssignments(ctx context.Context, servicePrincipalID string) ([]graph.Assignment, error) {
	if err := requireIDs("list app role assignments", servicePrincipalID); err != nil {
		return nil, err
	}
	builder := c.sp(servicePrincipalID).AppRoleAssignedTo()
	top := int32(999)
	fetch := func(next string) (models.AppRoleAssignmentCollectionResponseable, error) {
		if next != "" {
			res, err := builder.WithUrl(next).Get(ctx, nil)
			return res, mapError("list app role assignments", err)
		}
		res, err := builder.Get(ctx, &serviceprincipals.ItemAppRoleAssignedToRequestBuilderGetRequestConfiguration{
			QueryParameters: &serviceprincipals.ItemAppRoleAssignedToRequestBuilderGetQueryParameters{Top: &top},
		})
		return res, mapError("list app role assignments", err)
	}
	return collectPages(fetch, keepAll(assignmentFromModel), 0)
}

// Assign assigns a user or group with an app role. An assignment that already exists (Graph
// answers 409, or 400 "already exists") is looked up and returned.
func (c *Client) Assign(ctx context.Context, servicePrincipalID, principalID, appRoleID string) (*graph.Assignment, error) {
	ids := make([]uuid.UUID, 3)
	for i, s := range []string{principalID, servicePrincipalID, appRoleID} {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("assign app role: %q is not an object ID: %w", s, err)
		}
		ids[i] = id
	}
	body := models.NewAppRoleAssignment()
	body.SetPrincipalId(&ids[0])
	body.SetResourceId(&ids[1])
	body.SetAppRoleId(&ids[2])
	res, err := c.sp(servicePrincipalID).AppRoleAssignedTo().Post(ctx, body, nil)
	if err == nil {
		if res == nil {
			return nil, errors.New("assign app role: empty answer")
		}
		a := assignmentFromModel(res)
		return &a, nil
	}
	mapped := mapError("assign app role", err)
	if !isDuplicateAssignment(mapped) {
		return nil, mapped
	}
	existing, listErr := c.ListAssignments(ctx, servicePrincipalID)
	if listErr != nil {
		return nil, listErr
	}
	for i := range existing {
		if strings.EqualFold(existing[i].PrincipalID, principalID) && strings.EqualFold(existing[i].AppRoleID, appRoleID) {
			return &existing[i], nil
		}
	}
	return nil, mapped
}

func isDuplicateAssignment(err error) bool {
	ge, ok := graph.AsError(err)
	if !ok {
		return false
	}
	return ge.StatusCode == http.StatusConflict ||
		(ge.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(ge.Message), "already exists"))
}

// Unassign removes an app role assignment; one that is already gone is success.
func (c *Client) Unassign(ctx context.Context, servicePrincipalID, assignmentID string) error {
	if err := requireIDs("remove app role assignment", servicePrincipalID, assignmentID); err != nil {
		return err
	}
	err := c.sp(servicePrincipalID).AppRoleAssignedTo().ByAppRoleAssignmentId(assignmentID).Delete(ctx, nil)
	return ignoreNotFound(mapError("remove app role assignment", err))
}
