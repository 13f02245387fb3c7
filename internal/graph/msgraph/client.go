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

// Package msgraph implements graph.Client and graph.Factory with msgraph-sdk-go and azidentity.
// It is the only package of the operator that imports them.
//
// To keep compile time and memory sane (docs/graph.md §10.8) it never imports the SDK's root
// package nor its users/groups request builders: the adapter is built from msgraph-sdk-go-core,
// the request builders of serviceprincipals, applicationtemplates and auditlogs are created
// with their Internal constructors and a "baseurl" path parameter (§10.5-7), the JSON and text
// (de)serializers are registered here (§10.5-6), and users, groups, applications, secrets GET
// and the job schema go through raw kiota RequestInformation. The schema is read and written as
// raw JSON and updated with PUT (§5.4, §10.3): the typed models drop data.
//
// Every method makes a single Graph call (plus paging) and returns *graph.Error for Graph's and
// the sign-in endpoint's errors. 429/503/504 are retried in-line by kiota's RetryHandler
// honouring Retry-After (see WithRetry, WithMaxRetryAfter); replication lag is the caller's.
package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	kiotaazure "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/applicationtemplates"
	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/andmoney/scim-operator/internal/graph"
)

// ErrMissingID is wrapped by the errors of calls given an empty identifier.
var ErrMissingID = errors.New("an identifier is empty")

// maxPages bounds paging loops, so that a server handing out nextLinks forever cannot hang a
// reconcile.
const maxPages = 100

// Client is one tenant's Graph through msgraph-sdk-go. It implements graph.Client and is safe
// for concurrent use.
type Client struct {
	adapter           *msgraphcore.GraphRequestAdapterBase
	baseURL           string
	servicePrincipals *serviceprincipals.ServicePrincipalsRequestBuilder
	templates         *applicationtemplates.ApplicationTemplatesRequestBuilder
	provisioning      *auditlogs.ProvisioningRequestBuilder
	transport         http.RoundTripper
	ownsTransport     bool
}

var _ graph.Client = (*Client)(nil)

// NewClient builds a client for one tenant without any network I/O. Most callers want a
// Factory, which caches clients (and so their tokens and connections).
func NewClient(creds graph.Credentials, endpoints graph.Endpoints, opts ...Option) (*Client, error) {
	return newClient(creds, endpoints, buildOptions(opts))
}

func newClient(creds graph.Credentials, endpoints graph.Endpoints, o options) (*Client, error) {
	registerDefaultSerializers()
	resolved, err := resolveEndpoints(endpoints)
	if err != nil {
		return nil, err
	}
	transport, owned := baseTransport(endpoints)
	cred, err := credential(creds, resolved, transport, o)
	if err != nil {
		if !errors.Is(err, ErrInvalidConfig) {
			err = fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		return nil, err
	}
	// The azure provider only attaches tokens to the Graph host and refuses plain http except
	// on localhost.
	auth, err := kiotaazure.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		cred, []string{resolved.scope}, []string{resolved.graphHost})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	httpClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(transport, middlewares(o)...),
		// kiota's RedirectHandler follows redirects itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		// No overall timeout: each attempt is bounded (WithTimeout), the call by the caller's
		// context, and in-line retries by WithRetry and WithMaxRetryAfter.
	}
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, msgraphcore.GraphClientOptions{GraphServiceVersion: "v1.0", GraphServiceLibraryVersion: sdkVersion},
		serialization.DefaultParseNodeFactoryInstance, serialization.DefaultSerializationWriterFactoryInstance, httpClient)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	adapter.SetBaseUrl(resolved.graphBaseURL)
	params := func() map[string]string { return map[string]string{"baseurl": resolved.graphBaseURL} }
	return &Client{
		adapter:           adapter,
		baseURL:           resolved.graphBaseURL,
		servicePrincipals: serviceprincipals.NewServicePrincipalsRequestBuilderInternal(params(), adapter),
		templates:         applicationtemplates.NewApplicationTemplatesRequestBuilderInternal(params(), adapter),
		provisioning:      auditlogs.NewProvisioningRequestBuilderInternal(params(), adapter),
		transport:         transport,
		ownsTransport:     owned,
	}, nil
}

func (c *Client) closeIdleConnections() {
	if !c.ownsTransport {
		return
	}
	if t, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

func (c *Client) sp(id string) *serviceprincipals.ServicePrincipalItemRequestBuilder {
	return c.servicePrincipals.ByServicePrincipalId(id)
}

func (c *Client) job(spID, jobID string) *serviceprincipals.ItemSynchronizationJobsSynchronizationJobItemRequestBuilder {
	return c.sp(spID).Synchronization().Jobs().BySynchronizationJobId(jobID)
}

// Ping reads the non-gallery application template: any valid Graph token may read it, so it
// proves sign-in and reachability without needing a particular permission.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.templates.ByApplicationTemplateId(graph.NonGalleryTemplateID).Get(ctx,
		&applicationtemplates.ApplicationTemplateItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &applicationtemplates.ApplicationTemplateItemRequestBuilderGetQueryParameters{Select: []string{"id"}},
		})
	return mapError("ping", err)
}

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

// ListJobs lists the service principal's synchronization jobs.
func (c *Client) ListJobs(ctx context.Context, servicePrincipalID string) ([]graph.Job, error) {
	if err := requireIDs("list synchronization jobs", servicePrincipalID); err != nil {
		return nil, err
	}
	jobs := c.sp(servicePrincipalID).Synchronization().Jobs()
	res, err := jobs.Get(ctx, nil)
	var out []graph.Job
	for page := 0; ; page++ {
		if err != nil {
			return nil, mapError("list synchronization jobs", err)
		}
		if res == nil {
			return out, nil
		}
		for _, j := range res.GetValue() {
			out = append(out, jobFromModel(j))
		}
		next := deref(res.GetOdataNextLink())
		if next == "" || page >= maxPages {
			return out, nil
		}
		res, err = jobs.WithUrl(next).Get(ctx, nil)
	}
}

// CreateJob creates a synchronization job from a template (graph.ScimJobTemplateID).
func (c *Client) CreateJob(ctx context.Context, servicePrincipalID, templateID string) (*graph.Job, error) {
	if err := requireIDs("create synchronization job", servicePrincipalID, templateID); err != nil {
		return nil, err
	}
	body := models.NewSynchronizationJob()
	body.SetTemplateId(&templateID)
	res, err := c.sp(servicePrincipalID).Synchronization().Jobs().Post(ctx, body, nil)
	if err != nil {
		return nil, mapError("create synchronization job", err)
	}
	if res == nil {
		return nil, errors.New("create synchronization job: empty answer")
	}
	j := jobFromModel(res)
	return &j, nil
}

// GetJob reads a job with its status.
func (c *Client) GetJob(ctx context.Context, servicePrincipalID, jobID string) (*graph.Job, error) {
	if err := requireIDs("get synchronization job", servicePrincipalID, jobID); err != nil {
		return nil, err
	}
	res, err := c.job(servicePrincipalID, jobID).Get(ctx, nil)
	if err != nil {
		return nil, mapError("get synchronization job", err)
	}
	if res == nil {
		return nil, errors.New("get synchronization job: empty answer")
	}
	j := jobFromModel(res)
	return &j, nil
}

// StartJob starts, resumes or releases a job from quarantine.
func (c *Client) StartJob(ctx context.Context, servicePrincipalID, jobID string) error {
	if err := requireIDs("start synchronization job", servicePrincipalID, jobID); err != nil {
		return err
	}
	return mapError("start synchronization job", c.job(servicePrincipalID, jobID).Start().Post(ctx, nil))
}

// PauseJob pauses a job.
func (c *Client) PauseJob(ctx context.Context, servicePrincipalID, jobID string) error {
	if err := requireIDs("pause synchronization job", servicePrincipalID, jobID); err != nil {
		return err
	}
	return mapError("pause synchronization job", c.job(servicePrincipalID, jobID).Pause().Post(ctx, nil))
}

// RestartJob restarts a job clearing resetScope, a comma-separated list of None,
// ConnectorDataStore, Escrows, Watermark, QuarantineState, Full, ForceDeletes (spaces allowed).
// An empty scope restarts without clearing state.
func (c *Client) RestartJob(ctx context.Context, servicePrincipalID, jobID, resetScope string) error {
	if err := requireIDs("restart synchronization job", servicePrincipalID, jobID); err != nil {
		return err
	}
	body := serviceprincipals.NewItemSynchronizationJobsItemRestartPostRequestBody()
	criteria := models.NewSynchronizationJobRestartCriteria()
	if strings.TrimSpace(resetScope) != "" {
		// The SDK's flags parser splits on "," without trimming (docs/graph.md §10.5-2).
		normalized := strings.Join(strings.Fields(strings.ReplaceAll(resetScope, ",", " ")), ",")
		parsed, _ := models.ParseSynchronizationJobRestartScope(normalized)
		scope, ok := parsed.(*models.SynchronizationJobRestartScope)
		if !ok || scope == nil {
			return fmt.Errorf("restart synchronization job: invalid reset scope %q", resetScope)
		}
		criteria.SetResetScope(scope)
	}
	body.SetCriteria(criteria)
	return mapError("restart synchronization job", c.job(servicePrincipalID, jobID).Restart().Post(ctx, body, nil))
}

// DeleteJob deletes a job; a job that is already gone is success.
func (c *Client) DeleteJob(ctx context.Context, servicePrincipalID, jobID string) error {
	if err := requireIDs("delete synchronization job", servicePrincipalID, jobID); err != nil {
		return err
	}
	return ignoreNotFound(mapError("delete synchronization job", c.job(servicePrincipalID, jobID).Delete(ctx, nil)))
}

// ValidateCredentials is the portal's "Test Connection": Entra probes the SCIM endpoint with
// the given BaseAddress and SecretToken. With no credentials the saved secrets are tested.
func (c *Client) ValidateCredentials(ctx context.Context, servicePrincipalID, jobID string, credentials []graph.Secret) error {
	if err := requireIDs("validate credentials", servicePrincipalID, jobID); err != nil {
		return err
	}
	body := serviceprincipals.NewItemSynchronizationJobsItemValidateCredentialsPostRequestBody()
	useSaved := len(credentials) == 0
	body.SetUseSavedCredentials(&useSaved)
	if !useSaved {
		body.SetCredentials(secretPairs(credentials))
	}
	return mapError("validate credentials", c.job(servicePrincipalID, jobID).ValidateCredentials().Post(ctx, body, nil))
}

// PutSecrets replaces the whole synchronization secret set. Keys the SDK's enum does not know
// are sent verbatim (Graph matches keys case-sensitively and rejects unknown ones).
func (c *Client) PutSecrets(ctx context.Context, servicePrincipalID string, secrets []graph.Secret) error {
	if err := requireIDs("put synchronization secrets", servicePrincipalID); err != nil {
		return err
	}
	body := serviceprincipals.NewItemSynchronizationSecretsPutRequestBody()
	body.SetValue(secretPairs(secrets))
	_, err := c.sp(servicePrincipalID).Synchronization().Secrets().PutAsSecretsPutResponse(ctx, body, nil)
	return mapError("put synchronization secrets", err)
}

// GetSecrets reads the secret set as raw JSON (the SDK has no GET for it and its enum would lose
// unknown keys, docs/graph.md §10.4). Entra masks secret values as "*".
func (c *Client) GetSecrets(ctx context.Context, servicePrincipalID string) ([]graph.Secret, error) {
	if err := requireIDs("get synchronization secrets", servicePrincipalID); err != nil {
		return nil, err
	}
	ri := c.rawRequest(abs.GET, "{+baseurl}/servicePrincipals/{servicePrincipal%2Did}/synchronization/secrets",
		map[string]string{"servicePrincipal%2Did": servicePrincipalID})
	var out []graph.Secret
	for page := 0; ; page++ {
		raw, err := c.sendBytes(ctx, ri)
		if err != nil {
			return nil, mapError("get synchronization secrets", err)
		}
		var doc struct {
			Value []struct {
				Key   string `json:"key"`
				Value string `json:"value"`
			} `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &doc); err != nil {
				return nil, fmt.Errorf("get synchronization secrets: decode answer: %w", err)
			}
		}
		for _, p := range doc.Value {
			out = append(out, graph.Secret{Key: p.Key, Value: p.Value})
		}
		if doc.NextLink == "" || page >= maxPages {
			return out, nil
		}
		if ri, err = c.nextRequest(doc.NextLink); err != nil {
			return nil, fmt.Errorf("get synchronization secrets: %w", err)
		}
	}
}

// GetSchema reads the job's schema verbatim.
func (c *Client) GetSchema(ctx context.Context, servicePrincipalID, jobID string) (json.RawMessage, error) {
	if err := requireIDs("get synchronization schema", servicePrincipalID, jobID); err != nil {
		return nil, err
	}
	ri, err := c.job(servicePrincipalID, jobID).Schema().ToGetRequestInformation(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("get synchronization schema: %w", err)
	}
	raw, err := c.sendBytes(ctx, ri)
	if err != nil {
		return nil, mapError("get synchronization schema", err)
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("get synchronization schema: answer is not JSON")
	}
	return json.RawMessage(raw), nil
}

// PutSchema replaces the job's schema with PUT, sending schema byte for byte: the SDK only
// generates PATCH, which Graph answers with 404 (docs/graph.md §5.4, §10.3).
func (c *Client) PutSchema(ctx context.Context, servicePrincipalID, jobID string, schema json.RawMessage) error {
	if err := requireIDs("put synchronization schema", servicePrincipalID, jobID); err != nil {
		return err
	}
	if !json.Valid(schema) {
		return fmt.Errorf("put synchronization schema: schema is not valid JSON")
	}
	ri, err := c.job(servicePrincipalID, jobID).Schema().ToGetRequestInformation(ctx, nil)
	if err != nil {
		return fmt.Errorf("put synchronization schema: %w", err)
	}
	ri.Method = abs.PUT
	ri.SetStreamContentAndContentType(schema, "application/json")
	return mapError("put synchronization schema", c.adapter.SendNoContent(ctx, ri, errorMappings))
}

// ProvisionOnDemand provisions one user now. Graph answers a key/value pair whose strings are
// JSON documents (docs/graph.md §6); they are decoded into the result.
func (c *Client) ProvisionOnDemand(ctx context.Context, servicePrincipalID, jobID, ruleID, userObjectID string) (*graph.OnDemandResult, error) {
	if err := requireIDs("provision on demand", servicePrincipalID, jobID, ruleID, userObjectID); err != nil {
		return nil, err
	}
	subject := models.NewSynchronizationJobSubject()
	subject.SetObjectId(&userObjectID)
	objectType := "User"
	subject.SetObjectTypeName(&objectType)
	parameters := models.NewSynchronizationJobApplicationParameters()
	parameters.SetRuleId(&ruleID)
	parameters.SetSubjects([]models.SynchronizationJobSubjectable{subject})
	body := serviceprincipals.NewItemSynchronizationJobsItemProvisionOnDemandPostRequestBody()
	body.SetParameters([]models.SynchronizationJobApplicationParametersable{parameters})
	res, err := c.job(servicePrincipalID, jobID).ProvisionOnDemand().Post(ctx, body, nil)
	if err != nil {
		return nil, mapError("provision on demand", err)
	}
	if res == nil {
		return nil, fmt.Errorf("provision on demand: empty answer")
	}
	return parseOnDemand(deref(res.GetKey()), deref(res.GetValue())), nil
}

// ListAssignments lists the service principal's app role assignments (all pages).
func (c *Client) ListAssignments(ctx context.Context, servicePrincipalID string) ([]graph.Assignment, error) {
	if err := requireIDs("list app role assignments", servicePrincipalID); err != nil {
		return nil, err
	}
	builder := c.sp(servicePrincipalID).AppRoleAssignedTo()
	top := int32(999)
	res, err := builder.Get(ctx, &serviceprincipals.ItemAppRoleAssignedToRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ItemAppRoleAssignedToRequestBuilderGetQueryParameters{Top: &top},
	})
	var out []graph.Assignment
	for page := 0; ; page++ {
		if err != nil {
			return nil, mapError("list app role assignments", err)
		}
		if res == nil {
			return out, nil
		}
		for _, a := range res.GetValue() {
			out = append(out, assignmentFromModel(a))
		}
		next := deref(res.GetOdataNextLink())
		if next == "" || page >= maxPages {
			return out, nil
		}
		res, err = builder.WithUrl(next).Get(ctx, nil)
	}
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
	var out []graph.Principal
	for page := 0; ; page++ {
		res, err := c.adapter.Send(ctx, ri, models.CreateGroupCollectionResponseFromDiscriminatorValue, errorMappings)
		if err != nil {
			return nil, mapError("find groups", err)
		}
		list, ok := res.(models.GroupCollectionResponseable)
		if !ok {
			return nil, fmt.Errorf("find groups: unexpected answer %T", res)
		}
		for _, g := range list.GetValue() {
			// Graph compares case-insensitively; "exactly this display name" is the caller's
			// promise to the user, so keep only exact matches.
			if deref(g.GetDisplayName()) == displayName {
				out = append(out, graph.Principal{ID: deref(g.GetId()), DisplayName: deref(g.GetDisplayName())})
			}
		}
		next := deref(list.GetOdataNextLink())
		if next == "" || page >= maxPages {
			return out, nil
		}
		if ri, err = c.nextRequest(next); err != nil {
			return nil, fmt.Errorf("find groups: %w", err)
		}
	}
}

// defaultFailureLimit is ListProvisioningFailures' limit when the caller passes none.
const defaultFailureLimit = 50

// ListProvisioningFailures lists the job's failed provisioning log entries after since, newest
// first, at most limit (default 50). Enum values Graph spells unexpectedly come back empty.
func (c *Client) ListProvisioningFailures(ctx context.Context, jobID string, since time.Time, limit int) ([]graph.ProvisioningEvent, error) {
	if err := requireIDs("list provisioning logs", jobID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultFailureLimit
	}
	filter := "jobId eq '" + quote(jobID) + "' and provisioningStatusInfo/status eq 'failure'"
	if !since.IsZero() {
		filter += " and activityDateTime gt " + since.UTC().Format(time.RFC3339Nano)
	}
	top := int32(min(limit, 999))
	res, err := c.provisioning.Get(ctx, &auditlogs.ProvisioningRequestBuilderGetRequestConfiguration{
		QueryParameters: &auditlogs.ProvisioningRequestBuilderGetQueryParameters{
			Filter: &filter, Orderby: []string{"activityDateTime desc"}, Top: &top,
		},
	})
	var out []graph.ProvisioningEvent
	for page := 0; ; page++ {
		if err != nil {
			return nil, mapError("list provisioning logs", err)
		}
		if res == nil {
			return out, nil
		}
		for _, e := range res.GetValue() {
			if len(out) == limit {
				return out, nil
			}
			out = append(out, provisioningEventFromModel(e))
		}
		next := deref(res.GetOdataNextLink())
		if next == "" || len(out) >= limit || page >= maxPages {
			return out, nil
		}
		res, err = c.provisioning.WithUrl(next).Get(ctx, nil)
	}
}

// rawRequest builds a request for a path the imported request builders do not cover.
func (c *Client) rawRequest(method abs.HttpMethod, template string, pathParameters map[string]string) *abs.RequestInformation {
	params := map[string]string{"baseurl": c.baseURL}
	maps.Copy(params, pathParameters)
	ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(method, template, params)
	ri.Headers.TryAdd("Accept", "application/json")
	return ri
}

// nextRequest builds the GET of an @odata.nextLink.
func (c *Client) nextRequest(next string) (*abs.RequestInformation, error) {
	u, err := url.Parse(next)
	if err != nil {
		return nil, fmt.Errorf("invalid @odata.nextLink %q: %w", next, err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.GET
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	return ri, nil
}

// sendBytes sends ri and returns the raw body (nil for 204).
func (c *Client) sendBytes(ctx context.Context, ri *abs.RequestInformation) ([]byte, error) {
	res, err := c.adapter.SendPrimitive(ctx, ri, "[]byte", errorMappings)
	if err != nil {
		return nil, err
	}
	raw, _ := res.([]byte)
	return raw, nil
}

// requireIDs rejects empty identifiers, which would otherwise address another resource
// (DELETE /applications/ is not DELETE /applications/{id}).
func requireIDs(op string, ids ...string) error {
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("%s: %w", op, ErrMissingID)
		}
	}
	return nil
}

// quote escapes a string literal for $filter (single quotes are doubled).
func quote(s string) string { return strings.ReplaceAll(s, "'", "''") }

func ignoreNotFound(err error) error {
	if graph.IsNotFound(err) {
		return nil
	}
	return err
}

// secretPairs converts secrets to the SDK's pairs; a key outside the SDK's enum is carried in
// the additional data so that it is sent as written.
func secretPairs(secrets []graph.Secret) []models.SynchronizationSecretKeyStringValuePairable {
	pairs := make([]models.SynchronizationSecretKeyStringValuePairable, 0, len(secrets))
	for _, s := range secrets {
		p := models.NewSynchronizationSecretKeyStringValuePair()
		parsed, _ := models.ParseSynchronizationSecret(s.Key)
		if key, ok := parsed.(*models.SynchronizationSecret); ok && key != nil && key.String() == s.Key {
			p.SetKey(key)
		} else {
			p.SetAdditionalData(map[string]any{"key": s.Key})
		}
		value := s.Value
		p.SetValue(&value)
		pairs = append(pairs, p)
	}
	return pairs
}
