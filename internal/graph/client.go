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

// Package graph is the operator's narrow boundary to Microsoft Graph: the calls the controllers make
// to configure Entra provisioning, as an interface with plain Go types. Package graph/msgraph
// implements it with msgraph-sdk-go and azidentity; nothing else imports the SDK.
//
// Every method is idempotent where Graph allows it and returns *Error for Graph's error answers, so
// callers branch on IsNotFound, IsThrottled, IsForbidden and IsTransient, never on messages.
package graph

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"time"
)

// NonGalleryTemplateID is Entra's "Create your own application" (non-gallery) application template.
const NonGalleryTemplateID = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"

// ScimJobTemplateID is the synchronization template of a SCIM-compliant non-gallery job.
const ScimJobTemplateID = "scim"

// UserAppRoleID is the "User" app role of the non-gallery template; the portal assigns it.
const UserAppRoleID = "18d14569-c3bd-439b-9a66-3a2aee01d14f"

// Client is one tenant's Graph, signed in as the operator's app registration.
type Client interface {
	// Ping makes one cheap read that proves the credentials work and Graph answers.
	Ping(ctx context.Context) error

	// InstantiateApplication creates an enterprise application from the non-gallery template.
	InstantiateApplication(ctx context.Context, displayName string) (*ServicePrincipal, error)
	// TagApplication replaces an application's tags. The operator tags what it creates with a marker
	// of its ScimApplication, so that it finds the application again if recording it failed.
	TagApplication(ctx context.Context, applicationObjectID string, tags []string) error
	// FindTaggedApplication finds the application named displayName that carries tag, with its
	// service principal; nil when there is none.
	FindTaggedApplication(ctx context.Context, displayName, tag string) (*ServicePrincipal, error)
	// GetServicePrincipal reads a service principal with its application's object ID.
	GetServicePrincipal(ctx context.Context, servicePrincipalID string) (*ServicePrincipal, error)
	// ClientSecretExpiry reads, from the app registration's own application object, when the client
	// secret this client signs in with expires (matched by Graph's hint, the secret's first
	// characters). ok is false when the client signs in otherwise or no secret matches; reading needs
	// a permission that covers the operator's own application object.
	ClientSecretExpiry(ctx context.Context) (expiry time.Time, ok bool, err error)
	// DeleteApplication deletes an application; Entra removes its service principal, jobs, secrets
	// and assignments with it.
	DeleteApplication(ctx context.Context, applicationObjectID string) error

	// ListJobs lists the service principal's provisioning jobs.
	ListJobs(ctx context.Context, servicePrincipalID string) ([]Job, error)
	// CreateJob creates a provisioning job from a synchronization template.
	CreateJob(ctx context.Context, servicePrincipalID, templateID string) (*Job, error)
	// GetJob reads a job with its status.
	GetJob(ctx context.Context, servicePrincipalID, jobID string) (*Job, error)
	// StartJob starts (or resumes, or releases from quarantine) a job.
	StartJob(ctx context.Context, servicePrincipalID, jobID string) error
	// PauseJob pauses a job; Entra keeps its state.
	PauseJob(ctx context.Context, servicePrincipalID, jobID string) error
	// RestartJob restarts a job, clearing the given state (e.g. "Watermark,Escrows,QuarantineState").
	RestartJob(ctx context.Context, servicePrincipalID, jobID, resetScope string) error
	// DeleteJob deletes a job and all its state.
	DeleteJob(ctx context.Context, servicePrincipalID, jobID string) error
	// ValidateCredentials makes Entra test a Tenant URL and Secret Token against the SCIM endpoint.
	ValidateCredentials(ctx context.Context, servicePrincipalID, jobID string, credentials []Secret) error

	// PutSecrets replaces the service principal's whole synchronization secret set.
	PutSecrets(ctx context.Context, servicePrincipalID string, secrets []Secret) error

	// GetSchema reads the job's synchronization schema as raw JSON: the typed SDK models lose data.
	GetSchema(ctx context.Context, servicePrincipalID, jobID string) (json.RawMessage, error)
	// PutSchema replaces the job's schema with PUT (Graph answers PATCH with 404).
	PutSchema(ctx context.Context, servicePrincipalID, jobID string, schema json.RawMessage) error

	// ProvisionOnDemand provisions one user now, outside the cycle.
	ProvisionOnDemand(ctx context.Context, servicePrincipalID, jobID, ruleID, userObjectID string) (*OnDemandResult, error)

	// ListAssignments lists the app role assignments of the service principal.
	ListAssignments(ctx context.Context, servicePrincipalID string) ([]Assignment, error)
	// Assign assigns a user or group to the service principal with an app role.
	Assign(ctx context.Context, servicePrincipalID, principalID, appRoleID string) (*Assignment, error)
	// Unassign removes an app role assignment.
	Unassign(ctx context.Context, servicePrincipalID, assignmentID string) error

	// GetUser reads a user by object ID or user principal name.
	GetUser(ctx context.Context, idOrUserPrincipalName string) (*Principal, error)
	// GetGroup reads a group by object ID.
	GetGroup(ctx context.Context, id string) (*Principal, error)
	// FindGroups lists the groups with exactly this display name.
	FindGroups(ctx context.Context, displayName string) ([]Principal, error)

	// ListProvisioningFailures lists the job's failed provisioning log entries newer than since,
	// newest first, at most limit.
	ListProvisioningFailures(ctx context.Context, jobID string, since time.Time, limit int) ([]ProvisioningEvent, error)
}

// ServicePrincipal is an enterprise application and the IDs of its application.
type ServicePrincipal struct {
	ID                  string
	AppID               string
	ApplicationObjectID string
	DisplayName         string
	AppRoles            []AppRole
}

// AppRole is an app role a service principal offers.
type AppRole struct {
	ID          string
	DisplayName string
}

// The values of a job's schedule state, status code and execution state, as Graph spells them.
const (
	ScheduleActive = "Active"
	SchedulePaused = "Paused"

	JobCodeNotConfigured = "NotConfigured"
	JobCodeNotRun        = "NotRun"
	JobCodeActive        = "Active"
	JobCodePaused        = "Paused"
	JobCodeQuarantine    = "Quarantine"

	ExecutionSucceeded = "Succeeded"
	ExecutionFailed    = "Failed"
)

// Job is a provisioning (synchronization) job.
type Job struct {
	ID            string
	TemplateID    string
	ScheduleState string // Active, Disabled or Paused
	Status        JobStatus
}

// JobStatus is a job's status block.
type JobStatus struct {
	Code                            string // NotConfigured, NotRun, Active, Paused, Quarantine
	CountSuccessiveCompleteFailures int64
	LastExecution                   *JobExecution
	LastSuccessfulExecution         *JobExecution
	Quarantine                      *Quarantine
	SteadyStateLastAchievedTime     time.Time // zero when never
}

// JobExecution is one provisioning cycle.
type JobExecution struct {
	State        string // Succeeded, Failed, EntryLevelErrors
	TimeBegan    time.Time
	TimeEnded    time.Time
	CountExports int64
	CountEscrows int64
	ErrorCode    string
	ErrorMessage string
}

// Quarantine is why and until when Entra quarantined a job.
type Quarantine struct {
	Reason       string
	CurrentBegan time.Time
	NextAttempt  time.Time
	ErrorCode    string
	ErrorMessage string
}

// Secret is one key of the synchronization secret set (BaseAddress, SecretToken, ...).
type Secret struct {
	Key   string
	Value string
}

// OnDemandResult is the outcome of a provision-on-demand call.
type OnDemandResult struct {
	Result  string // Success, Skipped, Failure
	Action  string // e.g. Create, Update
	Details string // Entra's error code and message, or the scoping details, as text
}

// Assignment is an app role assignment of a user or group.
type Assignment struct {
	ID            string
	PrincipalID   string
	PrincipalType string // User, Group, ServicePrincipal
	AppRoleID     string
}

// Principal is a user or a group.
type Principal struct {
	ID                string
	DisplayName       string
	UserPrincipalName string // users only
}

// ProvisioningEvent is one entry of the provisioning logs.
type ProvisioningEvent struct {
	ID                string
	ActivityDateTime  time.Time
	Action            string
	Status            string
	ErrorCode         string
	Reason            string
	SourceDisplayName string
}

// Credentials identify the operator's app registration to one tenant.
type Credentials struct {
	TenantID string
	ClientID string

	// Exactly one of the following is set.

	// ClientSecret is a client secret of the app registration.
	ClientSecret string
	// ClientCertificatePEM is a PEM bundle: the registered certificate and its private key.
	ClientCertificatePEM []byte
	// FederatedToken returns a service account token Entra trusts through a federated credential.
	FederatedToken func(ctx context.Context) (string, error)
}

// Endpoints are where the tenant's sign-in and Graph live.
type Endpoints struct {
	// AuthorityHost, e.g. https://login.microsoftonline.com/. Empty: the public cloud.
	AuthorityHost string
	// GraphBaseURL including the version, e.g. https://graph.microsoft.com/v1.0. Empty: public cloud.
	GraphBaseURL string
	// RootCAs, when set, replaces the system roots for both (a local simulator's CA).
	RootCAs *x509.CertPool
	// Transport, when set, carries every request (tests); it overrides RootCAs.
	Transport http.RoundTripper
	// ObserveRequest, when set, is called once per answer of Graph (every attempt, retries
	// included) with the method, the status code (0 when no answer came) and whether Graph asked
	// to slow down (429 or 503 with Retry-After). The operator counts requests per tenant with it.
	ObserveRequest func(method string, code int, throttled bool)
}

// Factory builds Clients. Implementations cache them per tenant and credential version.
type Factory interface {
	// ForTenant returns a client for a tenant. cacheKey changes whenever the credentials or endpoints
	// do (e.g. the ScimTenant's generation and the credential Secret's resourceVersion).
	ForTenant(ctx context.Context, cacheKey string, creds Credentials, endpoints Endpoints) (Client, error)
}
