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

package v1alpha1

// Condition types. Every type is positive polarity ("True" is good) and carries observedGeneration.
const (
	// ReadyCondition summarises the object: True when every other condition of the object is good.
	ReadyCondition = "Ready"

	// ReconcilingCondition is True while the controller works towards a new generation of the spec.
	// It is "abnormal-true": it is removed once the object is reconciled.
	ReconcilingCondition = "Reconciling"

	// StalledCondition is True when the controller cannot make progress until the spec or a referenced
	// Secret changes (a bad credential, a missing Secret). It is "abnormal-true": absent otherwise.
	StalledCondition = "Stalled"

	// CredentialsReadyCondition (ScimTenant) is True when a Graph token was acquired with the tenant's
	// credentials and a Graph read with it succeeded.
	CredentialsReadyCondition = "CredentialsReady"

	// TenantReadyCondition (ScimApplication) is True when the referenced ScimTenant exists, is Ready,
	// and the operator built a Graph client from its credentials. Its reason says what is wrong with
	// the tenant (TenantNotFound, DependencyNotReady, SecretNotFound, ...).
	TenantReadyCondition = "TenantReady"

	// ServicePrincipalReadyCondition (ScimApplication) is True when the Entra enterprise application and
	// its service principal exist and are recorded in status.
	ServicePrincipalReadyCondition = "ServicePrincipalReady"

	// JobReadyCondition (ScimApplication) is True when the provisioning job exists and is in the state
	// the spec asks for (started or paused).
	JobReadyCondition = "JobReady"

	// AdminCredentialsReadyCondition (ScimApplication) is True when Entra holds the Tenant URL, the
	// Secret Token and the settings of the spec.
	AdminCredentialsReadyCondition = "AdminCredentialsReady"

	// MappingsSyncedCondition (ScimApplication) is True when the job's attribute mappings equal the
	// spec's mapping table.
	MappingsSyncedCondition = "MappingsSynced"

	// AssignmentsSyncedCondition (ScimApplication) is True when the users and groups of the spec are
	// assigned to the application.
	AssignmentsSyncedCondition = "AssignmentsSynced"

	// ProvisioningHealthyCondition (ScimApplication) is False when Entra reports the job quarantined or
	// its last cycle failed.
	ProvisioningHealthyCondition = "ProvisioningHealthy"
)

// Condition reasons. They are CamelCase, stable, and say what happened, not when.
const (
	// SucceededReason: the condition's work is done.
	SucceededReason = "Succeeded"
	// ProgressingReason: the controller is working on a new generation.
	ProgressingReason = "Progressing"
	// DependencyNotReadyReason: an object this one needs (the ScimTenant) is not Ready yet.
	DependencyNotReadyReason = "DependencyNotReady"
	// TenantNotFoundReason: spec.tenantRef names no ScimTenant in the namespace.
	TenantNotFoundReason = "TenantNotFound"
	// SecretNotFoundReason: a referenced Secret does not exist.
	SecretNotFoundReason = "SecretNotFound"
	// SecretKeyNotFoundReason: a referenced Secret lacks the referenced key, or the value is empty.
	SecretKeyNotFoundReason = "SecretKeyNotFound"
	// SecretNotLabelledReason: a referenced Secret does not opt in with the label SecretTypeLabel, so
	// the operator does not read it.
	SecretNotLabelledReason = "SecretNotLabelled"
	// EndpointNotAllowedReason: the tenant's custom endpoints are on a host the operator's
	// administrator did not allow (--allowed-custom-endpoints); the operator sends them nothing.
	EndpointNotAllowedReason = "EndpointNotAllowed"
	// AudienceNotAllowedReason: the tenant's workload identity audience is not one the operator's
	// administrator allowed (--allowed-token-audiences); the operator requests no token for it.
	AudienceNotAllowedReason = "AudienceNotAllowed"
	// InvalidCredentialsReason: Entra rejected the client secret, certificate or federated token.
	InvalidCredentialsReason = "InvalidCredentials"
	// ForbiddenReason: Graph answered 403; the message names the missing application permission.
	ForbiddenReason = "Forbidden"
	// UnreachableReason: the authority host or the Graph endpoint could not be reached.
	UnreachableReason = "Unreachable"
	// ThrottledReason: Graph answered 429 or 503; the controller waits as Retry-After says.
	ThrottledReason = "Throttled"
	// GraphErrorReason: Graph answered an error that fits no other reason; the message has its code.
	GraphErrorReason = "GraphError"
	// InvalidExpressionReason: a mapping's source expression does not parse; the message has the position.
	InvalidExpressionReason = "InvalidExpression"
	// PrincipalNotFoundReason: an assigned user or group does not exist in Entra.
	PrincipalNotFoundReason = "PrincipalNotFound"
	// AmbiguousPrincipalReason: a group display name matches more than one group.
	AmbiguousPrincipalReason = "AmbiguousPrincipal"
	// PausedReason: the job is paused because the spec asks for it.
	PausedReason = "Paused"
	// QuarantinedReason: Entra put the job in quarantine; the message has Entra's reason.
	QuarantinedReason = "Quarantined"
	// LastExecutionFailedReason: the job's last cycle ended in failure.
	LastExecutionFailedReason = "LastExecutionFailed"
	// ConnectionTestFailedReason: Entra's test connection with the Tenant URL and Secret Token failed,
	// so they were not saved; the message has Entra's answer.
	ConnectionTestFailedReason = "ConnectionTestFailed"
	// LegacyJobReason: the application has a legacy customappsso job; the operator uses it as is.
	LegacyJobReason = "LegacyJob"
	// DeletingReason: the object is being deleted and the controller is cleaning up.
	DeletingReason = "Deleting"
)

// Well-known names shared by the controllers and the SCIM server.
const (
	// Finalizer guards the cleanup of Entra objects and records.
	Finalizer = "scim.andmoney.dk/finalizer"

	// RestartAnnotation requests a restart of the provisioning job: each new value restarts it once.
	RestartAnnotation = "scim.andmoney.dk/restart"

	// RestartScopeAnnotation is the reset scope of a requested restart, e.g. "Full" or
	// "Watermark,Escrows,QuarantineState" (the default).
	RestartScopeAnnotation = "scim.andmoney.dk/restart-scope"

	// ProvisionOnDemandAnnotation requests provisioning now for a comma-separated list of users (user
	// principal names or object IDs); each new value runs once, and status.onDemand keeps the result.
	ProvisionOnDemandAnnotation = "scim.andmoney.dk/provision-on-demand"

	// CreatedServicePrincipalAnnotation records, on the ScimApplication itself, the service principal the
	// operator created for it. Status is a cache that a restore or a cluster move can lose; with this
	// annotation the operator finds its application again instead of creating a second one.
	CreatedServicePrincipalAnnotation = "scim.andmoney.dk/created-service-principal-id"

	// SecretTypeLabel opts a Secret in to being read by the operator for one use: its value is
	// SecretTypeTenantCredentials or SecretTypeSCIMToken, and a reference of the other use refuses it. The
	// operator caches and reads no other Secret, so a ScimTenant or ScimApplication cannot make it read one
	// that was not meant for it, nor use one credential as another.
	SecretTypeLabel = "scim.andmoney.dk/secret-type"
	// SecretTypeTenantCredentials labels a Secret holding a ScimTenant's client secret or certificate.
	SecretTypeTenantCredentials = "tenant-credentials"
	// SecretTypeSCIMToken labels a Secret holding a ScimApplication's SCIM bearer token.
	SecretTypeSCIMToken = "scim-token"
	// ApplicationLabel names, on every Advisor and Room, the ScimApplication whose SCIM endpoint
	// created it.
	ApplicationLabel = "scim.andmoney.dk/application"
	// RecordIDLabel holds, on every Advisor and Room, its SCIM id: a random UUID that never changes, also
	// when userName does. Records written before this label existed have none; their SCIM id is their
	// metadata.name.
	RecordIDLabel = "scim.andmoney.dk/id"
	// RenamingToAnnotation, on a record, names the object that is taking over its SCIM id because its
	// userName changed (the record's object name is derived from its userName, so a rename is a new
	// object). While both exist, the one this annotation names is the current one: a consumer that sees
	// two objects with one scim.andmoney.dk/id takes the object the other's annotation points to.
	RenamingToAnnotation = "scim.andmoney.dk/renaming-to"
	// RenamingSinceAnnotation is when RenamingToAnnotation was set, in RFC 3339: a rename that never
	// finished is abandoned after a grace period.
	RenamingSinceAnnotation = "scim.andmoney.dk/renaming-since"
	// ReplacesAnnotation, on a record, names the object it replaced in a rename.
	ReplacesAnnotation = "scim.andmoney.dk/replaces"
	// CreatedAnnotation holds when a renamed record was first created (SCIM meta.created), in RFC 3339:
	// its object is younger than the record.
	CreatedAnnotation = "scim.andmoney.dk/created"
)
