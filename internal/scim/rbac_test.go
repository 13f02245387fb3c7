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

package scim_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/yaml"

	"github.com/andmoney/scim-operator/internal/scheme"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// The verbs each record kind's resource needs, with the file whose kubebuilder RBAC marker grants them.
// Markers cannot read model.BuiltinKinds, so a new kind is listed in them by hand; this test catches one
// that was not.
var kindVerbs = []struct {
	verbs  []string
	marker string
}{
	// The SCIM endpoint reads, watches and writes records.
	{[]string{"get", "list", "watch", "create", "update", "delete"}, "internal/scim/rbac.go"},
	// The controller deletes an application's records with it (recordRetention: Delete).
	{[]string{"deletecollection"}, "internal/controller/rbac.go"},
}

// roleFiles are the generated RBAC files, with how each is regenerated from the markers.
var roleFiles = []struct{ path, regenerate string }{
	{"config/rbac/role.yaml", "make manifests"},
	// Generated from config/rbac/role.yaml; renders a ClusterRole, or a Role per watched namespace.
	{"charts/scim-operator/templates/rbac/role.yaml", "make helm-chart"},
}

// TestRBACCoversBuiltinKinds reads the generated roles and fails, naming the kind and the marker file to
// edit, when a kind of model.BuiltinKinds lacks a verb the endpoint or the controller needs.
func TestRBACCoversBuiltinKinds(t *testing.T) {
	plurals := crdPlurals(t)
	for _, file := range roleFiles {
		roles := readRoles(t, filepath.Join("..", "..", file.path))
		for _, kind := range model.BuiltinKinds() {
			gvk, err := apiutil.GVKForObject(kind.NewObject(), scheme.New())
			if err != nil {
				t.Fatalf("kind %s: %v", kind, err)
			}
			resource, ok := plurals[gvk.GroupKind().String()]
			if !ok {
				t.Errorf("kind %s: no CRD of %s in config/crd/bases", kind, gvk.GroupKind())
				continue
			}
			for i, role := range roles {
				for _, need := range kindVerbs {
					if missing := missingVerbs(role, gvk.Group, resource, need.verbs); len(missing) > 0 {
						t.Errorf("kind %s: role %d of %s does not grant %v on %s.%s: add %s to the +kubebuilder:rbac marker in %s and run %s",
							kind, i+1, file.path, missing, resource, gvk.Group, resource, need.marker, file.regenerate)
					}
				}
			}
		}
	}
}

// crdPlurals maps group/kind ("Advisor.scim.andmoney.dk") to the resource of its CRD in config/crd/bases.
func crdPlurals(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	plurals := map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(raw, crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		plurals[crd.Spec.Names.Kind+"."+crd.Spec.Group] = crd.Spec.Names.Plural
	}
	return plurals
}

// templateAction matches a Helm template action; the chart's role.yaml is plain YAML around them.
var templateAction = regexp.MustCompile(`\{\{.*?\}\}`)

// readRoles reads the rules of every role in a file: a generated role.yaml, or the chart's template of
// it, whose template actions (conditions, ranges, names and labels) are dropped; each branch's role is
// checked.
func readRoles(t *testing.T, path string) [][]rbacv1.PolicyRule {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var roles [][]rbacv1.PolicyRule
	for doc := range strings.SplitSeq(templateAction.ReplaceAllString(string(raw), ""), "\n---\n") {
		role := &rbacv1.ClusterRole{} // a Role's rules read the same
		if err := yaml.Unmarshal([]byte(doc), role); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if role.Kind == "ClusterRole" || role.Kind == "Role" {
			roles = append(roles, role.Rules)
		}
	}
	if len(roles) == 0 {
		t.Fatalf("%s holds no role", path)
	}
	return roles
}

// missingVerbs are the verbs of want that no rule grants on group/resource.
func missingVerbs(rules []rbacv1.PolicyRule, group, resource string, want []string) []string {
	var missing []string
	for _, verb := range want {
		granted := slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool {
			return matches(r.APIGroups, group) && matches(r.Resources, resource) && matches(r.Verbs, verb)
		})
		if !granted {
			missing = append(missing, verb)
		}
	}
	return missing
}

func matches(granted []string, want string) bool {
	return slices.Contains(granted, want) || slices.Contains(granted, rbacv1.ResourceAll)
}
