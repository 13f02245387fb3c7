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

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// Field indexes that map Secrets and tenants to the objects that reference them.
const (
	tenantSecretIndex   = "spec.credentials.secretName"
	appTokenSecretIndex = "spec.tokenSecretRef.name"
	appTenantIndex      = "spec.tenantRef.name"
)

// SetupIndexes registers the field indexes the controllers' watches use.
func SetupIndexes(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexer.IndexField(ctx, &v1.ScimTenant{}, tenantSecretIndex, func(o client.Object) []string {
		cred := o.(*v1.ScimTenant).Spec.Credentials
		switch {
		case cred.ClientSecret != nil:
			return []string{cred.ClientSecret.Name}
		case cred.ClientCertificate != nil:
			return []string{cred.ClientCertificate.Name}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := indexer.IndexField(ctx, &v1.ScimApplication{}, appTokenSecretIndex, func(o client.Object) []string {
		return []string{o.(*v1.ScimApplication).Spec.TokenSecretRef.Name}
	}); err != nil {
		return err
	}
	return indexer.IndexField(ctx, &v1.ScimApplication{}, appTenantIndex, func(o client.Object) []string {
		return []string{o.(*v1.ScimApplication).Spec.TenantRef.Name}
	})
}
