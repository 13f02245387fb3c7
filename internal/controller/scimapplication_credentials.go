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

package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// reconcileAdminCredentials pushes the Tenant URL, the Secret Token and the settings, after Entra's
// test connection accepted them. A hash in status avoids pushing an unchanged set again.
func (r *ScimApplicationReconciler) reconcileAdminCredentials(ctx context.Context, s *appScope) *stepFailure {
	app := s.app
	token, tokenVersion, err := readSecretKey(ctx, r.APIReader, app.Namespace, app.Spec.TokenSecretRef, v1.SecretTypeSCIMToken)
	if err != nil {
		return s.fail(v1.AdminCredentialsReadyCondition, err, "")
	}
	tenantURL := r.tenantURL(s)
	app.Status.TenantURL = tenantURL
	secrets := desiredSecrets(s, tenantURL, normalizedToken(token))
	hash := secretsHash(secrets, tokenVersion)
	if hash == app.Status.SecretsHash {
		return nil
	}
	sp, job := app.Status.ServicePrincipalID, app.Status.JobID
	if err := s.graph.ValidateCredentials(ctx, sp, job, secrets[:2]); err != nil {
		if ge, ok := graph.AsError(err); ok && ge.StatusCode >= 400 && ge.StatusCode < 500 && !graph.IsThrottled(err) &&
			!graph.IsForbidden(err) && (!s.recentlyCreated || !graph.IsReplicationLag(err)) {
			msg := fmt.Sprintf("Entra's test connection to %s failed: %s", tenantURL, ge.Message)
			return failWith(v1.AdminCredentialsReadyCondition, outcome{reason: v1.ConnectionTestFailedReason, message: msg}, err)
		}
		return s.fail(v1.AdminCredentialsReadyCondition, err, graph.PermissionSynchronization)
	}
	if err := s.graph.PutSecrets(ctx, sp, secrets); err != nil {
		return s.fail(v1.AdminCredentialsReadyCondition, err, graph.PermissionSynchronization)
	}
	rotated := app.Status.SecretsHash != ""
	app.Status.SecretsHash = hash
	s.credentialsSaved = true
	action := "Saved"
	if rotated {
		action = "Updated"
	}
	r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, action, "PutSecrets", "%s admin credentials for %s", action, tenantURL)
	return nil
}

// tenantURL is the spec's override or <environment base>/<resourceType>/scim.
func (r *ScimApplicationReconciler) tenantURL(s *appScope) string {
	if s.app.Spec.TenantURL != "" {
		return s.app.Spec.TenantURL
	}
	base := strings.TrimSuffix(r.TenantURLBases[s.tenant.Spec.Environment], "/")
	return base + "/" + string(s.app.Spec.ResourceType) + "/scim"
}

// notificationSettings is the JSON Entra keeps in the SyncNotificationSettings secret.
type notificationSettings struct {
	Enabled                bool   `json:"Enabled"`
	Recipients             string `json:"Recipients"`
	DeleteThresholdEnabled bool   `json:"DeleteThresholdEnabled"`
	DeleteThresholdValue   int32  `json:"DeleteThresholdValue,omitempty"`
}

// desiredSecrets is the complete secret set: Graph's PUT replaces the set, so nothing is left out.
// BaseAddress and SecretToken come first; ValidateCredentials tests those two.
func desiredSecrets(s *appScope, tenantURL, token string) []graph.Secret {
	notify := s.app.Spec.Notifications
	if notify == nil {
		notify = s.tenant.Spec.Notifications
	}
	settings := notificationSettings{}
	if notify != nil {
		recipients := make([]string, 0, len(notify.Recipients))
		for _, rcpt := range notify.Recipients {
			recipients = append(recipients, string(rcpt))
		}
		settings.Recipients = strings.Join(recipients, ";")
		settings.Enabled = notify.Mode == v1.NotificationsEnabled || (notify.Mode == "" && len(recipients) > 0)
	}
	if t := s.app.Spec.Provisioning.DeleteThreshold; t == nil || *t > 0 {
		settings.DeleteThresholdEnabled, settings.DeleteThresholdValue = true, 500
		if t != nil {
			settings.DeleteThresholdValue = *t
		}
	}
	settingsJSON, _ := json.Marshal(settings) //nolint:errchkjson // a struct of strings, bools and ints always marshals.
	return []graph.Secret{
		{Key: "BaseAddress", Value: tenantURL},
		{Key: "SecretToken", Value: token},
		{Key: "SyncNotificationSettings", Value: string(settingsJSON)},
		{Key: "SyncAll", Value: strconv.FormatBool(s.app.Spec.Provisioning.Scope == v1.ScopeAll)},
	}
}
