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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
		name   string
		labels map[string]string
		ok     bool
	}{
		{"tenant credentials", map[string]string{v1.SecretTypeLabel: v1.SecretTypeTenantCredentials}, true},
		{"SCIM token", map[string]string{v1.SecretTypeLabel: v1.SecretTypeSCIMToken}, true},
		{"no labels", nil, false},
		{"other label", map[string]string{"app": "db"}, false},
		{"unknown type", map[string]string{v1.SecretTypeLabel: "database"}, false},
		{"empty type", map[string]string{v1.SecretTypeLabel: ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := credential.CheckOptedIn(&metav1.ObjectMeta{Namespace: "bank", Name: "s", Labels: tc.labels})
			var nl *credential.NotLabelledError
			if tc.ok != (err == nil) || (err != nil && !errors.As(err, &nl)) {
				t.Fatalf("CheckOptedIn = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && nl.Name != "s" {
				t.Fatalf("error names %q", nl.Name)
			}
		})
	}
}
