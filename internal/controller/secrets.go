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

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/credential"
	"github.com/andmoney/scim-operator/internal/graph"
)

// Secrets are read one by one from the API server, when a reconcile needs them, and only when they opt in
// with the label v1.SecretTypeLabel: a ScimTenant or ScimApplication author who may not read Secrets cannot
// make the operator read (and send to Entra) one that was not meant for it. The manager's Secret caches
// hold the metadata of opted-in Secrets only, without annotations (cmd/main.go).

// checkOptedIn is the label check of every Secret the controllers read: a Secret without the label for
// its use is a configuration error, reported as SecretNotLabelled with the label to add.
func checkOptedIn(secret *corev1.Secret, use string) error {
	if err := credential.CheckOptedIn(secret, use); err != nil {
		return &secretError{reason: v1.SecretNotLabelledReason, err: err}
	}
	return nil
}

// getOptedIn reads a Secret only if it opts in for use (credential.GetOptedIn): any other Secret is read
// metadata-only, and checkOptedIn then reports it.
func getOptedIn(ctx context.Context, reader client.Reader, key client.ObjectKey, use string, secret *corev1.Secret) error {
	return credential.GetOptedIn(ctx, reader, key, use, secret)
}

// normalizedToken is the SCIM token as the endpoint accepts it (credential.NormalizeToken): the
// controller pushes exactly that to Entra.
func normalizedToken(raw []byte) string {
	return credential.NormalizeToken(string(raw))
}

// secretsHash is status.secretsHash: a hash of the admin credentials and settings pushed to Entra in which
// the token is represented by its Secret's version, not its value. A viewer of the status learns nothing
// about the token, and a rotated token (a new Secret version) still changes the hash and is pushed again.
// The SCIM endpoint reads a change of this hash as "Entra has the new token" and ends the rotation overlap.
func secretsHash(secrets []graph.Secret, tokenSecretVersion string) string {
	pairs := make([]string, 0, 2*len(secrets)+2)
	for _, s := range secrets {
		if s.Key == secretTokenKey {
			pairs = append(pairs, s.Key+"@version", tokenSecretVersion)
			continue
		}
		pairs = append(pairs, s.Key, s.Value)
	}
	return hashOf(pairs...)
}

// secretTokenKey is the key of the SCIM token in Entra's secret set.
const secretTokenKey = "SecretToken"
