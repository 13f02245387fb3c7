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
	"fmt"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/andmoney/scim-operator/internal/graph"
)

// GetUser reads a user by object ID or user principal name.
func (c *Client) GetUser(ctx context.Context, idOrUserPrincipalName string) (*graph.Principal, error) {
	if err := requireIDs("get user", idOrUserPrincipalName); err != nil {
		return nil, err
	}
	key := idOrUserPrincipalName
	if strings.HasPrefix(key, "$") {
		// Graph reads a leading "$" as a system query option; the key syntax avoids that.
		key = "('" + quote(key) + "')"
	}
	ri := c.rawRequest(abs.GET, "{+baseurl}/users/{user%2Did}{?%24select}", map[string]string{"user%2Did": key})
	ri.QueryParameters["%24select"] = "id,displayName,userPrincipalName"
	res, err := c.adapter.Send(ctx, ri, models.CreateUserFromDiscriminatorValue, errorMappings)
	if err != nil {
		return nil, mapError("get user", err)
	}
	u, ok := res.(models.Userable)
	if !ok {
		return nil, fmt.Errorf("get user: unexpected answer %T", res)
	}
	return &graph.Principal{ID: deref(u.GetId()), DisplayName: deref(u.GetDisplayName()), UserPrincipalName: deref(u.GetUserPrincipalName())}, nil
}

// GetGroup reads a group by object ID.
func (c *Client) GetGroup(ctx context.Context, id string) (*graph.Principal, error) {
	if err := requireIDs("get group", id); err != nil {
		return nil, err
	}
	ri := c.rawRequest(abs.GET, "{+baseurl}/groups/{group%2Did}{?%24select}", map[string]string{"group%2Did": id})
	ri.QueryParameters["%24select"] = "id,displayName"
	res, err := c.adapter.Send(ctx, ri, models.CreateGroupFromDiscriminatorValue, errorMappings)
	if err != nil {
		return nil, mapError("get group", err)
	}
	g, ok := res.(models.Groupable)
	if !ok {
		return nil, fmt.Errorf("get group: unexpected answer %T", res)
	}
	return &graph.Principal{ID: deref(g.GetId()), DisplayName: deref(g.GetDisplayName())}, nil
}

// FindGroups lists the groups with exactly this display name (all pages; display names are
// not unique).
func (c *Client) FindGroups(ctx context.Context, displayName string) ([]graph.Principal, error) {
	ri := c.rawRequest(abs.GET, "{+baseurl}/groups{?%24filter,%24select,%24top}", nil)
	ri.QueryParameters["%24filter"] = "displayName eq '" + quote(displayName) + "'"
	ri.QueryParameters["%24select"] = "id,displayName"
	ri.QueryParameters["%24top"] = "999"
	fetch := rawPages[models.GroupCollectionResponseable](ctx, c, "find groups", ri, models.CreateGroupCollectionResponseFromDiscriminatorValue)
	return collectPages(fetch, func(g models.Groupable) (graph.Principal, bool) {
		// Graph compares case-insensitively; "exactly this display name" is the caller's
		// promise to the user, so keep only exact matches.
		return graph.Principal{ID: deref(g.GetId()), DisplayName: deref(g.GetDisplayName())}, deref(g.GetDisplayName()) == displayName
	}, 0)
}
