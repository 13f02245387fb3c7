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

// SecretKeySelector selects one key of a Secret in the same namespace as the object that refers to it.
type SecretKeySelector struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`

	// key within the Secret's data.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	// name of the referent.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// NotificationMode switches Entra's e-mail on provisioning failures and quarantine.
// +kubebuilder:validation:Enum=Enabled;Disabled
type NotificationMode string

const (
	// NotificationsEnabled makes Entra e-mail the recipients when provisioning fails.
	NotificationsEnabled NotificationMode = "Enabled"
	// NotificationsDisabled turns the failure e-mails off.
	NotificationsDisabled NotificationMode = "Disabled"
)

// EmailAddress is an e-mail address that receives Entra's provisioning failure notifications.
// +kubebuilder:validation:MinLength=3
// +kubebuilder:validation:MaxLength=254
// +kubebuilder:validation:Pattern=`^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$`
type EmailAddress string

// Notifications configures Entra's "Send an email notification when a failure occurs" setting.
type Notifications struct {
	// mode switches the failure e-mails on or off. Enabled when recipients are given.
	// +optional
	Mode NotificationMode `json:"mode,omitempty"`

	// recipients receive the failure e-mails.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=10
	Recipients []EmailAddress `json:"recipients,omitempty"`
}
