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

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ResourceType is what an enterprise application provisions, and so the SCIM endpoint Entra calls.
// +kubebuilder:validation:Enum=advisors;rooms
type ResourceType string

const (
	// ResourceTypeAdvisors provisions bank advisors, stored as Advisor objects, at /advisors/scim.
	ResourceTypeAdvisors ResourceType = "advisors"
	// ResourceTypeRooms provisions meeting rooms, stored as Room objects, at /rooms/scim.
	ResourceTypeRooms ResourceType = "rooms"
)

// ProvisioningState is whether Entra's provisioning job runs its cycles.
// +kubebuilder:validation:Enum=Active;Paused
type ProvisioningState string

const (
	// ProvisioningActive starts the job: Entra provisions every ~40 minutes.
	ProvisioningActive ProvisioningState = "Active"
	// ProvisioningPaused pauses the job; Entra keeps its state and resumes where it stopped.
	ProvisioningPaused ProvisioningState = "Paused"
)

// ProvisioningScope is which Entra users the job provisions.
// +kubebuilder:validation:Enum=AssignedOnly;All
type ProvisioningScope string

const (
	// ScopeAssignedOnly provisions only the users and groups assigned to the application.
	ScopeAssignedOnly ProvisioningScope = "AssignedOnly"
	// ScopeAll provisions every user of the tenant.
	ScopeAll ProvisioningScope = "All"
)

// DeletionPolicy is what happens to the Entra objects when the ScimApplication is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the provisioning job and, when the operator created it, the
	// enterprise application.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves Entra untouched.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// RecordRetention is what happens to the Advisor or Room records when the ScimApplication is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type RecordRetention string

const (
	// RecordRetentionRetain keeps the records.
	RecordRetentionRetain RecordRetention = "Retain"
	// RecordRetentionDelete deletes the records the application's SCIM endpoint created.
	RecordRetentionDelete RecordRetention = "Delete"
)

// ScimApplicationSpec describes one Entra enterprise application that provisions advisors or rooms to
// &Money over SCIM.
// +kubebuilder:validation:XValidation:rule="self.resourceType != 'rooms' || !has(self.mappings) || self.mappings.all(m, !m.target.startsWith('name.'))",message="rooms have no name attribute: name.givenName and name.familyName can only be mapped for advisors"
// +kubebuilder:validation:XValidation:rule="!has(self.mappings) || size(self.mappings) == 0 || self.mappings.exists(m, m.target == 'userName')",message="mappings must map userName, the attribute Entra matches users on"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.servicePrincipalID) || (has(self.servicePrincipalID) && self.servicePrincipalID == oldSelf.servicePrincipalID)",message="servicePrincipalID cannot be changed or removed once set"
type ScimApplicationSpec struct {
	// tenantRef names the ScimTenant, in this namespace, whose Entra tenant holds the application.
	// +required
	TenantRef LocalObjectReference `json:"tenantRef"`

	// resourceType is what the application provisions: advisors or rooms. It selects the SCIM endpoint
	// (/advisors/scim or /rooms/scim) and the record kind (Advisor or Room). It cannot be changed.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="resourceType is immutable"
	ResourceType ResourceType `json:"resourceType"`

	// displayName is the enterprise application's name in Entra. Default: the object's name.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	DisplayName string `json:"displayName,omitempty"`

	// servicePrincipalID adopts an existing enterprise application by its service principal object ID
	// instead of creating one. It cannot be changed once set.
	// +optional
	// +kubebuilder:validation:MinLength=36
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	ServicePrincipalID string `json:"servicePrincipalID,omitempty"`

	// tokenSecretRef selects the Secret key holding the SCIM bearer token (Entra's "Secret Token"). The
	// operator pushes it to Entra and its SCIM endpoint accepts it; rotating the Secret rotates both.
	// +required
	TokenSecretRef SecretKeySelector `json:"tokenSecretRef"`

	// tenantURL overrides the Tenant URL Entra calls. Default: the URL of the tenant's environment and
	// this resourceType, e.g. https://api.booking.andmoney.dk/advisors/scim.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	TenantURL string `json:"tenantURL,omitempty"`

	// mappings is the attribute-mapping table: which Entra source fills each SCIM attribute. When omitted
	// it is filled with the seed table of the resourceType (advisors: 7 rows, rooms: 5 rows).
	// +optional
	// +listType=map
	// +listMapKey=target
	// +kubebuilder:validation:MaxItems=16
	Mappings []AttributeMapping `json:"mappings,omitempty"`

	// assignments are the Entra users and groups in scope of provisioning.
	// +optional
	Assignments *Assignments `json:"assignments,omitempty"`

	// provisioning controls the provisioning job.
	// +optional
	// +kubebuilder:default={}
	Provisioning Provisioning `json:"provisioning,omitzero"`

	// notifications overrides the tenant's failure e-mail setting for this application.
	// +optional
	Notifications *Notifications `json:"notifications,omitempty"`

	// deletionPolicy says what happens in Entra when this object is deleted: Delete removes the job
	// and, when the operator created it, the enterprise application; Orphan leaves Entra untouched.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// recordRetention says what happens to the Advisor or Room records this application's SCIM
	// endpoint created when this object is deleted: Retain keeps them, Delete deletes them.
	// +optional
	// +kubebuilder:default=Retain
	RecordRetention RecordRetention `json:"recordRetention,omitempty"`
}

// MappingTarget is a SCIM attribute the &Money SCIM endpoint stores.
// +kubebuilder:validation:Enum=userName;active;displayName;name.givenName;name.familyName;externalId;`addresses[type eq "work"].formatted`
type MappingTarget string

// The SCIM attributes a mapping can fill.
const (
	TargetUserName    MappingTarget = "userName"
	TargetActive      MappingTarget = "active"
	TargetDisplayName MappingTarget = "displayName"
	TargetGivenName   MappingTarget = "name.givenName"
	TargetFamilyName  MappingTarget = "name.familyName"
	TargetExternalID  MappingTarget = "externalId"
	TargetWorkAddress MappingTarget = `addresses[type eq "work"].formatted`
)

// FlowType is when Entra writes a mapped attribute.
// +kubebuilder:validation:Enum=Always;ObjectAddOnly
type FlowType string

const (
	// FlowAlways writes the attribute on create and on every update.
	FlowAlways FlowType = "Always"
	// FlowObjectAddOnly writes the attribute only when the record is created.
	FlowObjectAddOnly FlowType = "ObjectAddOnly"
)

// AttributeMapping fills one SCIM attribute from an Entra source.
type AttributeMapping struct {
	// target is the SCIM attribute, e.g. userName or addresses[type eq "work"].formatted.
	// +required
	Target MappingTarget `json:"target"`

	// source is an Entra mapping expression: an attribute ([userPrincipalName] or userPrincipalName), a
	// constant ("True") or a function (Switch([IsSoftDeleted], , "False", "True", "True", "False")).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Source string `json:"source"`

	// matchingPriority makes the attribute a matching attribute: Entra looks up existing records by the
	// attribute with the lowest priority first. 0 or omitted: not used for matching.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	MatchingPriority int32 `json:"matchingPriority,omitempty"`

	// flowType is when Entra writes the attribute. Default: Always.
	// +optional
	FlowType FlowType `json:"flowType,omitempty"`
}

// Assignments lists the Entra users and groups assigned to the application.
type Assignments struct {
	// users assigned directly, by user principal name or object ID.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=256
	Users []UserAssignment `json:"users,omitempty"`

	// groups assigned; their direct members are in scope.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Groups []GroupAssignment `json:"groups,omitempty"`
}

// UserAssignment identifies one Entra user.
// +kubebuilder:validation:XValidation:rule="has(self.userPrincipalName) != has(self.objectID)",message="exactly one of userPrincipalName or objectID must be set"
type UserAssignment struct {
	// userPrincipalName of the user, e.g. anna@bank.dk.
	// +optional
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=113
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+$`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`

	// objectID of the user, a GUID.
	// +optional
	// +kubebuilder:validation:MinLength=36
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	ObjectID string `json:"objectID,omitempty"`
}

// GroupAssignment identifies one Entra group.
// +kubebuilder:validation:XValidation:rule="has(self.displayName) != has(self.objectID)",message="exactly one of displayName or objectID must be set"
type GroupAssignment struct {
	// displayName of the group; it must match exactly one group.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	DisplayName string `json:"displayName,omitempty"`

	// objectID of the group, a GUID.
	// +optional
	// +kubebuilder:validation:MinLength=36
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	ObjectID string `json:"objectID,omitempty"`
}

// Provisioning controls Entra's provisioning job.
type Provisioning struct {
	// state starts (Active) or pauses (Paused) the job.
	// +optional
	// +kubebuilder:default=Active
	State ProvisioningState `json:"state,omitempty"`

	// scope: AssignedOnly provisions the assigned users and groups, All every user of the tenant.
	// +optional
	// +kubebuilder:default=AssignedOnly
	Scope ProvisioningScope `json:"scope,omitempty"`

	// deleteThreshold is Entra's accidental-deletion guard: a cycle that would delete or disable this
	// many records or more stops and waits for an admin. 0 turns the guard off.
	// +optional
	// +kubebuilder:default=500
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	DeleteThreshold *int32 `json:"deleteThreshold,omitempty"`
}

// ScimApplicationStatus is the observed state of a ScimApplication.
type ScimApplicationStatus struct {
	// observedGeneration is the last generation the controller reconciled successfully.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready, ServicePrincipalReady, JobReady, AdminCredentialsReady, MappingsSynced,
	// AssignmentsSynced, ProvisioningHealthy, Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// applicationObjectID is the object ID of the Entra application.
	// +optional
	// +kubebuilder:validation:MaxLength=36
	ApplicationObjectID string `json:"applicationObjectID,omitempty"`

	// applicationID is the application (client) ID of the Entra application.
	// +optional
	// +kubebuilder:validation:MaxLength=36
	ApplicationID string `json:"applicationID,omitempty"`

	// servicePrincipalID is the object ID of the enterprise application (service principal).
	// +optional
	// +kubebuilder:validation:MaxLength=36
	ServicePrincipalID string `json:"servicePrincipalID,omitempty"`

	// jobID is the ID of the provisioning (synchronization) job.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	JobID string `json:"jobID,omitempty"`

	// tenantURL is the Tenant URL in effect: the one Entra calls.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	TenantURL string `json:"tenantURL,omitempty"`

	// job summarises the provisioning job as Entra reports it.
	// +optional
	Job *JobSummary `json:"job,omitempty"`

	// origin says whether the operator created the Entra application (Created) or adopted an existing
	// one (Adopted). Only a created application is deleted under deletionPolicy Delete.
	// +optional
	Origin ApplicationOrigin `json:"origin,omitempty"`

	// secretsHash is the SHA-256 of the admin credentials and settings last pushed to Entra, with the
	// token Secret's resource version in place of the token: it tells nothing about the token. A different
	// hash means the desired set changed and is pushed again; the SCIM endpoint reads its change as "Entra
	// has the new token" and stops accepting the previous one.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	SecretsHash string `json:"secretsHash,omitempty"`

	// assignments are the spec's users and groups as resolved in Entra, with their app role
	// assignments. Assignments this controller created are removed when their principal leaves the
	// spec; assignments that existed before are left alone.
	// +optional
	// +listType=map
	// +listMapKey=reference
	// +kubebuilder:validation:MaxItems=320
	Assignments []AssignmentStatus `json:"assignments,omitempty"`

	// lastHandledRestart is the value of the scim.andmoney.dk/restart annotation last acted on.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	LastHandledRestart string `json:"lastHandledRestart,omitempty"`

	// onDemand holds the outcome of the last provision-on-demand request.
	// +optional
	OnDemand *OnDemandStatus `json:"onDemand,omitempty"`

	// lastProvisioningEventTime is the time of the newest provisioning-log failure already reported as
	// an event.
	// +optional
	LastProvisioningEventTime *metav1.Time `json:"lastProvisioningEventTime,omitempty"`

	// reportedProvisioningLogIDs are the ids of the provisioning-log failures already reported, newest
	// last. Log times have second precision, so failures of the same second are told apart by id.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=128
	ReportedProvisioningLogIDs []string `json:"reportedProvisioningLogIDs,omitempty"`

	// provisioningFailures are the most recent users Entra failed to provision, newest last.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	ProvisioningFailures []ProvisioningFailure `json:"provisioningFailures,omitempty"`
}

// ProvisioningFailure is one user Entra failed to provision, from its provisioning logs.
type ProvisioningFailure struct {
	// user is the Entra user, by user principal name.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	User string `json:"user,omitempty"`

	// action is what Entra tried: create, update, disable or delete.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Action string `json:"action,omitempty"`

	// error is Entra's error code and reason, as "<code>: <reason>".
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Error string `json:"error,omitempty"`

	// time is when Entra logged the failure.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
}

// ApplicationOrigin is who created the Entra application.
// +kubebuilder:validation:Enum=Created;Adopted
type ApplicationOrigin string

const (
	// OriginCreated means the operator instantiated the application.
	OriginCreated ApplicationOrigin = "Created"
	// OriginAdopted means the application existed and spec.servicePrincipalID adopted it.
	OriginAdopted ApplicationOrigin = "Adopted"
)

// AssignmentStatus is one assigned user or group.
type AssignmentStatus struct {
	// reference is the spec entry, e.g. "user:anna@bank.dk" or "group:Advisors".
	// +required
	// +kubebuilder:validation:MaxLength=300
	Reference string `json:"reference"`

	// principalID is the object ID of the assigned user or group.
	// +optional
	// +kubebuilder:validation:MaxLength=36
	PrincipalID string `json:"principalID,omitempty"`

	// principalType is User or Group.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	PrincipalType string `json:"principalType,omitempty"`

	// assignmentID is the ID of the app role assignment.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	AssignmentID string `json:"assignmentID,omitempty"`

	// origin is Created when this controller made the assignment, Adopted when it existed before.
	// +optional
	Origin ApplicationOrigin `json:"origin,omitempty"`
}

// OnDemandStatus is the outcome of a provision-on-demand request.
type OnDemandStatus struct {
	// request is the scim.andmoney.dk/provision-on-demand annotation value acted on.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Request string `json:"request,omitempty"`

	// results has one entry per requested user.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	Results []OnDemandResult `json:"results,omitempty"`
}

// OnDemandResult is the outcome of provisioning one user on demand.
type OnDemandResult struct {
	// user is the requested user, as given.
	// +required
	// +kubebuilder:validation:MaxLength=256
	User string `json:"user"`

	// result is Entra's verdict: Success, Skipped or Failure.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Result string `json:"result,omitempty"`

	// action is what Entra did, e.g. Create or Update.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Action string `json:"action,omitempty"`

	// details is Entra's explanation: the error or the scoping verdict.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Details string `json:"details,omitempty"`

	// time is when the request ran.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
}

// JobSummary is the provisioning job's health as Entra reports it.
type JobSummary struct {
	// state is the job's status code: NotConfigured, NotRun, Active, Paused or Quarantine.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	State string `json:"state,omitempty"`

	// steadyState is Entra's view of the cycle: Completed, NotRun, Running, Failed or Quarantined.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	SteadyState string `json:"steadyState,omitempty"`

	// lastExecution is the most recent cycle.
	// +optional
	LastExecution *JobExecution `json:"lastExecution,omitempty"`

	// lastSuccessfulSync is when the last cycle that succeeded ended.
	// +optional
	LastSuccessfulSync *metav1.Time `json:"lastSuccessfulSync,omitempty"`

	// quarantine is set while Entra holds the job in quarantine.
	// +optional
	Quarantine *JobQuarantine `json:"quarantine,omitempty"`
}

// JobExecution is one provisioning cycle.
type JobExecution struct {
	// state is how the cycle ended: Succeeded, Failed or EntryLevelErrors.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	State string `json:"state,omitempty"`

	// startedAt is when the cycle began.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`

	// endedAt is when the cycle ended.
	// +optional
	EndedAt *metav1.Time `json:"endedAt,omitempty"`

	// processed is how many objects the cycle processed successfully.
	// +optional
	Processed int64 `json:"processed,omitempty"`

	// failed is how many objects the cycle failed to process.
	// +optional
	Failed int64 `json:"failed,omitempty"`

	// error is the cycle's error, as "<code>: <message>".
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Error string `json:"error,omitempty"`
}

// JobQuarantine is why and until when Entra quarantined the job.
type JobQuarantine struct {
	// reason is Entra's quarantine reason, e.g. EncounteredQuarantineException.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Reason string `json:"reason,omitempty"`

	// error is the error that caused the quarantine, as "<code>: <message>".
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Error string `json:"error,omitempty"`

	// since is when the quarantine began.
	// +optional
	Since *metav1.Time `json:"since,omitempty"`

	// nextAttempt is when Entra tries again.
	// +optional
	NextAttempt *metav1.Time `json:"nextAttempt,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=scim,shortName=sapp
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.resourceType`
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenantRef.name`
// +kubebuilder:printcolumn:name="Job",type=string,JSONPath=`.status.job.state`
// +kubebuilder:printcolumn:name="Last Sync",type=date,JSONPath=`.status.job.lastSuccessfulSync`
// +kubebuilder:printcolumn:name="Exported",type=integer,JSONPath=`.status.job.lastExecution.processed`
// +kubebuilder:printcolumn:name="Failed",type=integer,JSONPath=`.status.job.lastExecution.failed`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="Tenant URL",type=string,JSONPath=`.status.tenantURL`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ScimApplication is one Entra enterprise application that provisions advisors or rooms into &Money:
// its Tenant URL and Secret Token, attribute mappings, assignments, job state and notifications.
type ScimApplication struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec describes the enterprise application.
	// +required
	Spec ScimApplicationSpec `json:"spec"`

	// status is the observed state of the enterprise application and its provisioning job.
	// +optional
	Status ScimApplicationStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// ScimApplicationList is a list of ScimApplication.
type ScimApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []ScimApplication `json:"items"`
}

func init() {
	register(&ScimApplication{}, &ScimApplicationList{})
}
