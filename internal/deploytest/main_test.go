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

package deploytest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/andmoney/scim-operator/internal/localcluster"
)

// namespace is where both installers put the operator.
const namespace = "scim-operator-system"

var (
	root      string // the repository root
	helm      string // the pinned helm binary
	kustomize string // the pinned kustomize binary
	cluster   *localcluster.Cluster
	// dryRun is a client whose API server warnings (unknown fields, deprecated APIs) are recorded.
	dryRun   client.Client
	warnings = &warningRecorder{}
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploytest:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	var err error
	if root, err = localcluster.RepoRoot(); err != nil {
		return 0, err
	}
	// The first build of helm takes minutes; later runs take the binary from the go build cache.
	if helm, err = goTool(ctx, "helm"); err != nil {
		return 0, err
	}
	if kustomize, err = goTool(ctx, "kustomize"); err != nil {
		return 0, err
	}
	crds, err := thirdPartyCRDs(ctx)
	if err != nil {
		return 0, err
	}

	if cluster, err = localcluster.Start(ctx); err != nil {
		return 0, err
	}
	defer func() {
		if stopErr := cluster.Stop(); stopErr != nil {
			fmt.Fprintln(os.Stderr, "deploytest: stop the control plane:", stopErr)
		}
	}()
	if _, err := envtest.InstallCRDs(cluster.Config, envtest.CRDInstallOptions{Paths: crds, ErrorIfPathMissing: true}); err != nil {
		return 0, fmt.Errorf("install the Prometheus Operator, cert-manager and Gateway API CRDs: %w", err)
	}
	// A new client, so its REST mapper knows the CRDs installed above.
	cfg := rest.CopyConfig(cluster.Config)
	cfg.WarningHandlerWithContext = warnings
	if dryRun, err = client.New(cfg, client.Options{Scheme: cluster.Scheme}); err != nil {
		return 0, err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	if err := dryRun.Create(ctx, ns); err != nil {
		return 0, fmt.Errorf("create namespace %s: %w", namespace, err)
	}
	return m.Run(), nil
}

// goTool returns the path of a tool pinned in hack/tools/<name>/go.mod, building it if needed.
func goTool(ctx context.Context, name string) (string, error) {
	out, err := command(ctx, "go", "tool", "-modfile="+filepath.Join("hack", "tools", name, "go.mod"), "-n", name)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	return strings.TrimSpace(out), nil
}

// thirdPartyCRDs returns the CRD files, from the module cache, of the kinds the chart can render
// besides its own.
func thirdPartyCRDs(ctx context.Context) ([]string, error) {
	files := map[string][]string{
		"github.com/prometheus-operator/prometheus-operator": {
			"example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
			"example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
		},
		"github.com/cert-manager/cert-manager": {
			"deploy/crds/cert-manager.io_certificates.yaml",
			"deploy/crds/cert-manager.io_issuers.yaml",
		},
		"sigs.k8s.io/gateway-api": {
			"config/crd/standard/gateway.networking.k8s.io_gateways.yaml",
			"config/crd/standard/gateway.networking.k8s.io_httproutes.yaml",
		},
	}
	var paths []string
	for module, names := range files {
		out, err := command(ctx, "go", "mod", "download", "-modfile="+filepath.Join("hack", "tools", "crds", "go.mod"), "-json", module)
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", module, err)
		}
		var info struct{ Dir string }
		if err := json.Unmarshal([]byte(out), &info); err != nil || info.Dir == "" {
			return nil, fmt.Errorf("download %s: no module directory in %q", module, out)
		}
		for _, name := range names {
			paths = append(paths, filepath.Join(info.Dir, name))
		}
	}
	return paths, nil
}

// command runs a program in the repository root and returns its standard output.
func command(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// warningRecorder keeps the API server's warnings.
type warningRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningRecorder) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	msgs := w.msgs
	w.msgs = nil
	return msgs
}

// applyDryRun server-side applies every object with dryRun=All and returns one problem per object the
// API server rejected or warned about (unknown fields, deprecated APIs): an empty list when all were
// accepted. Namespaced objects without a namespace go to namespace. The objects are left as they are.
func applyDryRun(ctx context.Context, objs []*unstructured.Unstructured) []string {
	var problems []string
	for _, obj := range objs {
		obj = obj.DeepCopy()
		id := obj.GetKind() + " " + obj.GetName()
		namespaced, err := dryRun.IsObjectNamespaced(obj)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", id, err))
			continue
		}
		if namespaced && obj.GetNamespace() == "" {
			obj.SetNamespace(namespace)
		}
		warnings.take()
		err = dryRun.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj),
			client.DryRunAll, client.FieldOwner("deploytest"), client.ForceOwnership)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", id, err))
		}
		if w := warnings.take(); len(w) > 0 {
			problems = append(problems, fmt.Sprintf("%s: API server warnings: %s", id, strings.Join(w, "; ")))
		}
	}
	return problems
}

// decode splits rendered YAML into objects.
func decode(data string) ([]*unstructured.Unstructured, error) {
	return localcluster.DecodeYAML([]byte(data))
}

// find returns the objects of a kind.
func find(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}
