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

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/andmoney/scim-operator/internal/graph"
)

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
