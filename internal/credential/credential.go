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

// Package credential holds what the controllers and the SCIM endpoint must agree on about Secrets:
// which Secrets the operator may read (the opt-in label) and how a SCIM bearer token is normalised. One
// function on both sides means the token the controller pushes to Entra is the token the endpoint
// accepts.
package credential

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// NormalizeToken is the SCIM bearer token as Entra sends it: without the surrounding whitespace that
// editors and `kubectl create secret --from-file` leave (a trailing newline or space). Entra's
// Authorization header never carries it, and HTTP strips it from header values anyway.
func NormalizeToken(raw string) string {
	return strings.TrimSpace(raw)
}

// secretTypes are the values of v1.SecretTypeLabel that opt a Secret in.
var secretTypes = []string{v1.SecretTypeTenantCredentials, v1.SecretTypeSCIMToken}

// OptedInSelector selects the Secrets the operator may cache and read: those carrying
// v1.SecretTypeLabel with a known value. The manager's caches list and watch only these.
func OptedInSelector() labels.Selector {
	req, err := labels.NewRequirement(v1.SecretTypeLabel, selection.In, secretTypes)
	if err != nil {
		panic(err) // constant input
	}
	return labels.NewSelector().Add(*req)
}

// NotLabelledError is a referenced Secret that does not opt in for the use it is referenced for.
type NotLabelledError struct {
	Namespace, Name string
	// Use is the label value the reference needs; Labelled is the value the Secret carries ("" for none).
	Use, Labelled string
}

func (e *NotLabelledError) Error() string {
	if e.Labelled != "" {
		return fmt.Sprintf("secret %s/%s is labelled %s=%s but is referenced as a %s: a Secret opts in for one use, so label it %s=%s or reference another",
			e.Namespace, e.Name, v1.SecretTypeLabel, e.Labelled, e.Use, v1.SecretTypeLabel, e.Use)
	}
	return fmt.Sprintf("secret %s/%s is not labelled %s=%s; the operator reads only Secrets that opt in with that label",
		e.Namespace, e.Name, v1.SecretTypeLabel, e.Use)
}

// CheckOptedIn returns a *NotLabelledError unless the Secret carries v1.SecretTypeLabel with the value
// use (v1.SecretTypeTenantCredentials or v1.SecretTypeSCIMToken). The operator checks it on every Secret
// it reads, cached or not. A Secret opts in for one use so that a reference cannot turn one credential into
// another: a ScimApplication naming its tenant's client-secret Secret as its token Secret would make that
// client secret a SCIM bearer token, and push it to Entra as one.
func CheckOptedIn(secret metav1.Object, use string) error {
	if labelled := secret.GetLabels()[v1.SecretTypeLabel]; labelled != use {
		if !slices.Contains(secretTypes, labelled) {
			labelled = "" // A value no use knows opts in for nothing.
		}
		return &NotLabelledError{Namespace: secret.GetNamespace(), Name: secret.GetName(), Use: use, Labelled: labelled}
	}
	return nil
}

// SecretCache is the manager's cache configuration for Secrets: only opted-in Secrets are listed and
// watched, and what is kept of them is their metadata without annotations (which can hold the data of a
// Secret applied with kubectl's last-applied-configuration) and without data. The operator reads Secret
// data straight from the API server, one Secret at a time, when it needs it.
func SecretCache() cache.ByObject {
	return cache.ByObject{Label: OptedInSelector(), Transform: stripSecret}
}

// stripSecret keeps of a cached Secret what the watches map through: name, namespace, labels and the
// resource version.
func stripSecret(in any) (any, error) {
	if s, ok := in.(*corev1.Secret); ok {
		s.Data, s.StringData = nil, nil
	}
	if obj, err := meta.Accessor(in); err == nil {
		obj.SetAnnotations(nil)
		obj.SetManagedFields(nil)
	}
	return in, nil
}

// GetOptedIn reads a Secret from the API server only if it opts in for use: it lists the Secret by name
// and label, so the data of a Secret without the label (or labelled for another use) never reaches the
// operator. When the Secret exists but does not opt in for use, secret is left with its metadata only
// (read metadata-only) and no error, and CheckOptedIn on it reports why; a Secret that does not exist is a
// NotFound error.
func GetOptedIn(ctx context.Context, reader client.Reader, key client.ObjectKey, use string, secret *corev1.Secret) error {
	list := &corev1.SecretList{}
	if err := reader.List(ctx, list, client.InNamespace(key.Namespace),
		client.MatchingFields{"metadata.name": key.Name}, client.MatchingLabels{v1.SecretTypeLabel: use}); err != nil {
		return err
	}
	if len(list.Items) == 1 {
		list.Items[0].DeepCopyInto(secret)
		return nil
	}
	metadataOnly := &metav1.PartialObjectMetadata{}
	metadataOnly.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := reader.Get(ctx, key, metadataOnly); err != nil {
		return err
	}
	*secret = corev1.Secret{ObjectMeta: metadataOnly.ObjectMeta}
	return nil
}
