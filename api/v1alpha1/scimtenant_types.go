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

// Environment is the &Money environment a customer's tenant provisions to. It selects the default
// Tenant URLs that Entra calls.
// +kubebuilder:validation:Enum=Test;Production
type Environment string

const (
	// EnvironmentTest provisions to the test environment (api.test-env.booking.andmoney.dk).
	EnvironmentTest Environment = "Test"
	// EnvironmentProduction provisions to production (api.booking.andmoney.dk).
	EnvironmentProduction Environment = "Production"
)

// ScimTenantSpec describes one customer's Microsoft Entra tenant and how the operator signs in to it.
// +kubebuilder:validation:XValidation:rule="has(self.cloud) && self.cloud == 'Custom' ? has(self.customEndpoints) : !has(self.customEndpoints)",message="customEndpoints must be set when cloud is Custom, and only then"
type ScimTenantSpec struct {
	// environment is the &Money environment this tenant's applications provision to: Test or Production.
	// +required
	Environment Environment `json:"environment"`

	// tenantID is the Entra tenant (directory) ID, a GUID.
	// +required
	// +kubebuilder:validation:MinLength=36
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	TenantID string `json:"tenantID"`

	// clientID is the application (client) ID of the app registration the operator signs in as, a GUID.
	// It needs the Graph application permissions listed in docs/install.md.
	// +required
	// +kubebuilder:validation:MinLength=36
	// +kubebuilder:validation:MaxLength=36
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`
	ClientID string `json:"clientID"`

	// credentials is how the operator proves it is clientID: exactly one of a client secret, a client
	// certificate or workload identity federation.
	// +required
	Credentials TenantCredentials `json:"credentials"`

	// cloud is the Microsoft cloud the tenant lives in, which fixes where the operator signs in and
	// calls Graph: AzurePublic (login.microsoftonline.com, graph.microsoft.com), AzureUSGovernment
	// (login.microsoftonline.us, graph.microsoft.us), AzureChina (login.chinacloudapi.cn,
	// microsoftgraph.chinacloudapi.cn), or Custom with customEndpoints. The operator accepts Custom
	// endpoints only on hosts its administrator allowed (--allowed-custom-endpoints); otherwise the
	// tenant is Stalled with reason EndpointNotAllowed.
	// +optional
	// +kubebuilder:default=AzurePublic
	Cloud Cloud `json:"cloud,omitempty"`

	// customEndpoints are the sign-in and Graph endpoints of cloud Custom (a local Graph simulator,
	// for example). Set exactly when cloud is Custom.
	// +optional
	CustomEndpoints *CustomEndpoints `json:"customEndpoints,omitempty"`

	// notifications is the default failure e-mail setting of this tenant's applications. A
	// ScimApplication's own notifications replace it.
	// +optional
	Notifications *Notifications `json:"notifications,omitempty"`
}

// TenantCredentials holds exactly one kind of credential for the operator's app registration.
// +kubebuilder:validation:XValidation:rule="[has(self.clientSecret), has(self.clientCertificate), has(self.workloadIdentity)].filter(x, x).size() == 1",message="exactly one of clientSecret, clientCertificate or workloadIdentity must be set"
type TenantCredentials struct {
	// clientSecret selects the Secret key holding a client secret of the app registration.
	// +optional
	ClientSecret *SecretKeySelector `json:"clientSecret,omitempty"`

	// clientCertificate selects the Secret key holding a PEM bundle: the certificate registered on the
	// app registration and its unencrypted private key.
	// +optional
	ClientCertificate *SecretKeySelector `json:"clientCertificate,omitempty"`

	// workloadIdentity signs in with a Kubernetes service account token that the app registration
	// trusts through a federated identity credential; no secret is stored.
	// +optional
	WorkloadIdentity *WorkloadIdentity `json:"workloadIdentity,omitempty"`
}

// WorkloadIdentity configures workload identity federation with a service account token.
type WorkloadIdentity struct {
	// serviceAccountName is the service account, in the ScimTenant's namespace, whose token the operator
	// requests and presents to Entra. The federated credential's subject is
	// system:serviceaccount:<namespace>:<serviceAccountName>.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ServiceAccountName string `json:"serviceAccountName"`

	// audience of the requested token. Entra expects api://AzureADTokenExchange unless the federated
	// credential says otherwise. The operator mints tokens only for the audiences its administrator
	// allowed (--allowed-token-audiences); another audience leaves the tenant Stalled with reason
	// AudienceNotAllowed.
	// +optional
	// +kubebuilder:default="api://AzureADTokenExchange"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Audience string `json:"audience,omitempty"`
}

// Cloud names a Microsoft cloud; each has fixed, well-known sign-in and Graph endpoints.
// +kubebuilder:validation:Enum=AzurePublic;AzureUSGovernment;AzureChina;Custom
type Cloud string

const (
	// CloudAzurePublic is Microsoft's global cloud.
	CloudAzurePublic Cloud = "AzurePublic"
	// CloudAzureUSGovernment is Microsoft Cloud for US Government (L4: GCC High).
	CloudAzureUSGovernment Cloud = "AzureUSGovernment"
	// CloudAzureChina is Microsoft Azure operated by 21Vianet.
	CloudAzureChina Cloud = "AzureChina"
	// CloudCustom uses spec.customEndpoints, on hosts the operator's administrator allowed.
	CloudCustom Cloud = "Custom"
)

// CustomEndpoints are the Entra endpoints of cloud Custom.
type CustomEndpoints struct {
	// authorityHost is the Entra sign-in endpoint, e.g. https://127.0.0.1:8443/. It must use https
	// and match an entry of the operator's --allowed-custom-endpoints.
	// +required
	// +kubebuilder:validation:MinLength=9
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https://[^\s]+$`
	AuthorityHost string `json:"authorityHost"`

	// graphEndpoint is the Microsoft Graph base URL including the version, e.g.
	// https://127.0.0.1:8443/v1.0. It must match an entry of the operator's --allowed-custom-endpoints.
	// +required
	// +kubebuilder:validation:MinLength=8
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	GraphEndpoint string `json:"graphEndpoint"`
}

// ScimTenantStatus is the observed state of a ScimTenant.
type ScimTenantStatus struct {
	// observedGeneration is the last generation the controller reconciled successfully.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready, CredentialsReady, Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=scim,shortName=stn
// +kubebuilder:printcolumn:name="Environment",type=string,JSONPath=`.spec.environment`
// +kubebuilder:printcolumn:name="Tenant ID",type=string,JSONPath=`.spec.tenantID`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ScimTenant is one customer's Microsoft Entra tenant: the &Money environment it provisions to and the
// credentials the operator uses to configure provisioning there through Microsoft Graph.
type ScimTenant struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec describes the tenant.
	// +required
	Spec ScimTenantSpec `json:"spec"`

	// status is the observed state of the tenant.
	// +optional
	Status ScimTenantStatus `json:"status,omitzero"`
}

// +kubebuilder:object:root=true

// ScimTenantList is a list of ScimTenant.
type ScimTenantList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []ScimTenant `json:"items"`
}

func init() {
	register(&ScimTenant{}, &ScimTenantList{})
}
