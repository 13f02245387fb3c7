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
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/applicationtemplates"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/andmoney/scim-operator/internal/graph"
)

// InstantiateApplication creates an application and its service principal from the
// non-gallery template. Not idempotent: look the application up first.
func (c *Client) InstantiateApplication(ctx context.Context, displayName string) (*graph.ServicePrincipal, error) {
	body := applicationtemplates.NewItemInstantiatePostRequestBody()
	body.SetDisplayName(&displayName)
	res, err := c.templates.ByApplicationTemplateId(graph.NonGalleryTemplateID).Instantiate().Post(ctx, body, nil)
	if err != nil {
		return nil, mapError("instantiate application template", err)
	}
	if res == nil || res.GetServicePrincipal() == nil {
		return nil, fmt.Errorf("instantiate application template: answer has no service principal")
	}
	sp := servicePrincipalFromModel(res.GetServicePrincipal())
	if app := res.GetApplication(); app != nil {
		sp.ApplicationObjectID = deref(app.GetId())
	}
	return sp, nil
}

// GetServicePrincipal reads a service principal, then its application's object ID (a second
// read, by appId). The application is left empty when it cannot be read (404/403: e.g. an
// adopted service principal of another tenant's or a not-owned application).
func (c *Client) GetServicePrincipal(ctx context.Context, servicePrincipalID string) (*graph.ServicePrincipal, error) {
	if err := requireIDs("get service principal", servicePrincipalID); err != nil {
		return nil, err
	}
	res, err := c.sp(servicePrincipalID).Get(ctx, &serviceprincipals.ServicePrincipalItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalItemRequestBuilderGetQueryParameters{
			Select: []string{"id", "appId", "displayName", "appRoles"},
		},
	})
	if err != nil {
		return nil, mapError("get service principal", err)
	}
	sp := servicePrincipalFromModel(res)
	if sp.AppID == "" {
		return sp, nil
	}
	ri := c.rawRequest(abs.GET, "{+baseurl}/applications{?%24filter,%24select}", nil)
	ri.QueryParameters["%24filter"] = "appId eq '" + quote(sp.AppID) + "'"
	ri.QueryParameters["%24select"] = "id,appId"
	apps, err := c.adapter.Send(ctx, ri, models.CreateApplicationCollectionResponseFromDiscriminatorValue, errorMappings)
	if err != nil {
		mapped := mapError("find application of service principal", err)
		if graph.IsNotFound(mapped) || graph.IsForbidden(mapped) {
			return sp, nil
		}
		return nil, mapped
	}
	if list, ok := apps.(models.ApplicationCollectionResponseable); ok {
		for _, app := range list.GetValue() {
			if strings.EqualFold(deref(app.GetAppId()), sp.AppID) {
				sp.ApplicationObjectID = deref(app.GetId())
				break
			}
		}
	}
	return sp, nil
}

// DeleteApplication deletes an application (Entra cascades to its service principal, jobs,
// secrets and assignments). An application that is already gone is success.
func (c *Client) DeleteApplication(ctx context.Context, applicationObjectID string) error {
	if err := requireIDs("delete application", applicationObjectID); err != nil {
		return err
	}
	ri := c.rawRequest(abs.DELETE, "{+baseurl}/applications/{application%2Did}", map[string]string{"application%2Did": applicationObjectID})
	return ignoreNotFound(mapError("delete application", c.adapter.SendNoContent(ctx, ri, errorMappings)))
}

// TagApplication replaces the application's tags with PATCH /applications/{id}.
func (c *Client) TagApplication(ctx context.Context, applicationObjectID string, tags []string) error {
	if err := requireIDs("tag application", applicationObjectID); err != nil {
		return err
	}
	body, err := json.Marshal(map[string][]string{"tags": tags})
	if err != nil {
		return fmt.Errorf("tag application: %w", err)
	}
	ri := c.rawRequest(abs.PATCH, "{+baseurl}/applications/{application%2Did}", map[string]string{"application%2Did": applicationObjectID})
	ri.SetStreamContentAndContentType(body, "application/json")
	return mapError("tag application", c.adapter.SendNoContent(ctx, ri, errorMappings))
}

// FindTaggedApplication lists the applications named displayName (display names are not unique)
// and returns the one carrying tag, with its service principal. Graph's filter on tags needs
// advanced queries; the display name narrows the list enough to match the tag here.
func (c *Client) FindTaggedApplication(ctx context.Context, displayName, tag string) (*graph.ServicePrincipal, error) {
	if err := requireIDs("find tagged application", displayName, tag); err != nil {
		return nil, err
	}
	ri := c.rawRequest(abs.GET, "{+baseurl}/applications{?%24filter,%24select,%24top}", nil)
	ri.QueryParameters["%24filter"] = "displayName eq '" + quote(displayName) + "'"
	ri.QueryParameters["%24select"] = "id,appId,displayName,tags"
	ri.QueryParameters["%24top"] = "999"
	fetch := rawPages[models.ApplicationCollectionResponseable](ctx, c, "find tagged application", ri, models.CreateApplicationCollectionResponseFromDiscriminatorValue)
	tagged, err := collectPages(fetch, func(app models.Applicationable) (models.Applicationable, bool) {
		return app, slices.Contains(app.GetTags(), tag)
	}, 1)
	if err != nil || len(tagged) == 0 {
		return nil, err
	}
	return c.servicePrincipalOfApplication(ctx, deref(tagged[0].GetId()), deref(tagged[0].GetAppId()))
}

// servicePrincipalOfApplication finds the service principal of an application by its appId.
func (c *Client) servicePrincipalOfApplication(ctx context.Context, applicationObjectID, appID string) (*graph.ServicePrincipal, error) {
	filter := "appId eq '" + quote(appID) + "'"
	res, err := c.servicePrincipals.Get(ctx, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{
			Filter: &filter, Select: []string{"id", "appId", "displayName", "appRoles"},
		},
	})
	if err != nil {
		return nil, mapError("find service principal of application", err)
	}
	for _, m := range res.GetValue() {
		sp := servicePrincipalFromModel(m)
		if strings.EqualFold(sp.AppID, appID) {
			sp.ApplicationObjectID = applicationObjectID
			return sp, nil
		}
	}
	// The application exists without its service principal (not replicated yet, or deleted).
	return nil, &graph.Error{StatusCode: http.StatusNotFound, Code: "Request_ResourceNotFound",
		Message: "the service principal of application " + applicationObjectID + " was not found"}
}

// secretHintLength is how many leading characters of a client secret Graph shows as its hint.
const secretHintLength = 3

func secretHint(secret string) string {
	if len(secret) < secretHintLength {
		return ""
	}
	return secret[:secretHintLength]
}

// ClientSecretExpiry finds the client's own app registration by its appId and returns the earliest
// expiry among its client secrets whose hint matches the secret the client signs in with.
func (c *Client) ClientSecretExpiry(ctx context.Context) (time.Time, bool, error) {
	if c.secretHint == "" || c.clientID == "" {
		return time.Time{}, false, nil
	}
	ri := c.rawRequest(abs.GET, "{+baseurl}/applications{?%24filter,%24select}", nil)
	ri.QueryParameters["%24filter"] = "appId eq '" + quote(c.clientID) + "'"
	ri.QueryParameters["%24select"] = "id,passwordCredentials"
	res, err := c.adapter.Send(ctx, ri, models.CreateApplicationCollectionResponseFromDiscriminatorValue, errorMappings)
	if err != nil {
		return time.Time{}, false, mapError("read client secret expiry", err)
	}
	list, ok := res.(models.ApplicationCollectionResponseable)
	if !ok {
		return time.Time{}, false, fmt.Errorf("read client secret expiry: unexpected answer %T", res)
	}
	var earliest time.Time
	for _, app := range list.GetValue() {
		for _, pc := range app.GetPasswordCredentials() {
			end := pc.GetEndDateTime()
			if deref(pc.GetHint()) != c.secretHint || end == nil {
				continue
			}
			if earliest.IsZero() || end.Before(earliest) {
				earliest = *end
			}
		}
	}
	return earliest, !earliest.IsZero(), nil
}
