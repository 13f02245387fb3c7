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

package credential_test

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/credential"
)

func TestNormalizeToken(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"abc", "abc"},
		{"abc\n", "abc"},
		{"abc\r\n", "abc"},
		{"abc ", "abc"},
		{" \tabc \n", "abc"},
		{"a b", "a b"},
		{" \n", ""},
	} {
		if got := credential.NormalizeToken(tc.raw); got != tc.want {
			t.Errorf("NormalizeToken(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestCheckOptedIn(t *testing.T) {
	for _, tc := range []struct {
		name     string
		labels   map[string]string
		use      string
		labelled string // The NotLabelledError's Labelled; "-" when the Secret opts in.
	}{
		{"tenant credentials", map[string]string{v1.SecretTypeLabel: v1.SecretTypeTenantCredentials}, v1.SecretTypeTenantCredentials, "-"},
		{"SCIM token", map[string]string{v1.SecretTypeLabel: v1.SecretTypeSCIMToken}, v1.SecretTypeSCIMToken, "-"},
		{"tenant credentials as a token", map[string]string{v1.SecretTypeLabel: v1.SecretTypeTenantCredentials}, v1.SecretTypeSCIMToken, v1.SecretTypeTenantCredentials},
		{"token as tenant credentials", map[string]string{v1.SecretTypeLabel: v1.SecretTypeSCIMToken}, v1.SecretTypeTenantCredentials, v1.SecretTypeSCIMToken},
		{"no labels", nil, v1.SecretTypeSCIMToken, ""},
		{"other label", map[string]string{"app": "db"}, v1.SecretTypeSCIMToken, ""},
		{"unknown type", map[string]string{v1.SecretTypeLabel: "database"}, v1.SecretTypeSCIMToken, ""},
		{"empty type", map[string]string{v1.SecretTypeLabel: ""}, v1.SecretTypeTenantCredentials, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := credential.CheckOptedIn(&metav1.ObjectMeta{Namespace: "bank", Name: "s", Labels: tc.labels}, tc.use)
			if tc.labelled == "-" {
				if err != nil {
					t.Fatalf("CheckOptedIn = %v, want nil", err)
				}
				return
			}
			var nl *credential.NotLabelledError
			if !errors.As(err, &nl) {
				t.Fatalf("CheckOptedIn = %v, want a *NotLabelledError", err)
			}
			if nl.Name != "s" || nl.Use != tc.use || nl.Labelled != tc.labelled {
				t.Fatalf("error %+v, want name s, use %q, labelled %q", *nl, tc.use, tc.labelled)
			}
			if want := v1.SecretTypeLabel + "=" + tc.use; !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not name the label to add, %s", err, want)
			}
		})
	}
}

func TestSecretCacheKeepsNoDataOrAnnotations(t *testing.T) {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bank", Name: "s", ResourceVersion: "7",
			Labels:        map[string]string{v1.SecretTypeLabel: v1.SecretTypeSCIMToken},
			Annotations:   map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"token":"c2VjcmV0"}}`},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Data: map[string][]byte{"token": []byte("secret")},
	}
	meta := &metav1.PartialObjectMetadata{ObjectMeta: *secret.ObjectMeta.DeepCopy()}
	opts := credential.SecretCache()
	for _, in := range []any{secret, meta} {
		if _, err := opts.Transform(in); err != nil {
			t.Fatal(err)
		}
	}
	if secret.Data != nil || secret.Annotations != nil || secret.ManagedFields != nil || meta.Annotations != nil || meta.ManagedFields != nil {
		t.Fatalf("left behind: %+v %+v", secret, meta)
	}
	if meta.ResourceVersion != "7" || meta.Labels[v1.SecretTypeLabel] != v1.SecretTypeSCIMToken {
		t.Fatalf("stripped too much: %+v", meta)
	}
	if !opts.Label.Matches(labels.Set(secret.Labels)) || opts.Label.Matches(labels.Set{"app": "db"}) {
		t.Fatalf("selector %s", opts.Label)
	}
}
