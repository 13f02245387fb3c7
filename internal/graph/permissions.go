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

package graph

import "strings"

// Graph application permissions the operator's calls need. A 403 names the one the failed call
// needed, so that an administrator knows what to grant and consent to.
const (
	// PermissionApplicationRead reads enterprise applications the operator did not create.
	PermissionApplicationRead = "Application.Read.All"
	// PermissionApplicationOwnedBy creates, tags and deletes the applications the operator owns.
	PermissionApplicationOwnedBy = "Application.ReadWrite.OwnedBy"
	// PermissionSynchronization manages provisioning jobs, their schema and their secrets.
	PermissionSynchronization = "Synchronization.ReadWrite.All"
	// PermissionAppRoleAssignment assigns users and groups to an application (spec.assignments only).
	PermissionAppRoleAssignment = "AppRoleAssignment.ReadWrite.All"
	// PermissionDirectoryRead resolves the users and groups to assign.
	PermissionDirectoryRead = "User.Read.All and Group.Read.All"
	// PermissionAuditLog reads the provisioning logs.
	PermissionAuditLog = "AuditLog.Read.All"
)

// LegacyJobTemplateID is the prefix of the synchronization templates of the legacy non-gallery
// connector, which the portal used before the SCIM-compliant "scim" template.
const LegacyJobTemplateID = "customappsso"

// IsLegacyJobTemplate reports whether a job was made from a legacy customappsso template.
func IsLegacyJobTemplate(templateID string) bool {
	return strings.HasPrefix(templateID, LegacyJobTemplateID)
}
