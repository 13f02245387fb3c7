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

// Package testenv holds what the envtest suites share: logging, the Graph simulator served over
// TLS with its CA in a file, the real manager with the SCIM endpoint and controllers, and the
// objects tests create. Only tests import it.
package testenv

import (
	"context"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/controller"
	"github.com/andmoney/scim-operator/internal/graph/msgraph"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
	"github.com/andmoney/scim-operator/internal/localcluster"
	"github.com/andmoney/scim-operator/internal/scim"
)

// Main is a suite's TestMain: it parses the flags, sets the logger, starts the control plane and
// calls run with it and a context that cancel ends, and exits with run's code, or 1 if anything
// failed.
func Main(m *testing.M, run func(ctx context.Context, cancel context.CancelFunc, cluster *localcluster.Cluster, m *testing.M) (int, error)) {
	code, err := startCluster(m, run)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func startCluster(m *testing.M, run func(context.Context, context.CancelFunc, *localcluster.Cluster, *testing.M) (int, error)) (int, error) {
	flag.Parse()
	setLogger()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cluster, err := localcluster.Start(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = cluster.Stop() }()
	return run(ctx, cancel, cluster, m)
}

// setLogger sends controller-runtime's log to stderr under go test -v and discards it otherwise.
// Call it after flag.Parse.
func setLogger() {
	if testing.Verbose() {
		ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr), zap.Level(zapcore.Level(-1))))
	} else {
		ctrl.SetLogger(logr.Discard())
	}
}

// Graph is the Graph simulator served over TLS, with its CA certificate written to a file for
// the manager's --graph-ca-file.
type Graph struct {
	Server *httptest.Server
	// URL is the https origin; tenants name it as their Custom cloud.
	URL    string
	CAFile string
}

// StartGraph serves sim over TLS and writes its CA to a file in the temporary directory named
// after caFilePrefix and the process. Close stops both.
func StartGraph(sim *simulator.Simulator, caFilePrefix string) (*Graph, error) {
	server := httptest.NewUnstartedServer(sim.Handler())
	server.StartTLS()
	caFile := filepath.Join(os.TempDir(), fmt.Sprintf("%s-%d.pem", caFilePrefix, os.Getpid()))
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw}), 0o600); err != nil {
		server.Close()
		return nil, err
	}
	return &Graph{Server: server, URL: server.URL, CAFile: caFile}, nil
}

// Close stops the server and removes the CA file.
func (g *Graph) Close() {
	g.Server.Close()
	_ = os.Remove(g.CAFile)
}

// ControllerOptions are the controller options every suite shares: tenants reach the simulator on
// loopback as cloud Custom, trusting its CA from caFile. Suites set the rest (poll interval,
// concurrency, timeouts); StartManager fills in TestBaseURL.
func ControllerOptions(caFile string) controller.Options {
	return controller.Options{
		ProductionBaseURL:      "https://api.booking.andmoney.dk",
		AllowedCustomEndpoints: "https://127.0.0.1:*",
		GraphCAFile:            caFile,
	}
}

// Manager is the real manager with the SCIM endpoint and both controllers, not yet started.
type Manager struct {
	manager.Manager
	// SCIMBase is the SCIM endpoint's http origin on loopback.
	SCIMBase string
}

// NewManager builds the manager on the cluster with its metrics server at metricsAddress ("0"
// for none), serves the SCIM endpoint on a free loopback port, and sets up the controllers with
// opts, whose TestBaseURL becomes that endpoint. Graph calls retry briefly so that tests of
// failures stay quick.
func NewManager(ctx context.Context, cluster *localcluster.Cluster, metricsAddress string, opts controller.Options) (*Manager, error) {
	mgr, err := ctrl.NewManager(cluster.Config, ctrl.Options{
		Scheme:                 cluster.Scheme,
		Metrics:                metricsserver.Options{BindAddress: metricsAddress},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	scimBase := "http://" + listener.Addr().String()
	scimOpts := scim.DefaultOptions()
	scimOpts.Listener = listener
	if err := scim.Setup(mgr, scimOpts); err != nil {
		_ = listener.Close()
		return nil, err
	}
	factory := msgraph.NewFactory(msgraph.WithRetry(2, 50*time.Millisecond), msgraph.WithMaxRetryAfter(2*time.Second))
	opts.TestBaseURL = scimBase
	if err := controller.Setup(ctx, mgr, factory, opts); err != nil {
		return nil, err
	}
	return &Manager{Manager: mgr, SCIMBase: scimBase}, nil
}

// RunTests starts the manager with ctx, runs the tests, then calls cancel (which must cancel
// ctx) and waits for the manager to stop. It returns the tests' exit code and the manager's error.
func (m *Manager) RunTests(ctx context.Context, cancel context.CancelFunc, tests *testing.M) (int, error) {
	done := make(chan error, 1)
	go func() { done <- m.Start(ctx) }()
	code := tests.Run()
	cancel()
	return code, <-done
}

// FreeLoopbackAddress finds a free port on 127.0.0.1 for a server that takes an address, not a
// listener.
func FreeLoopbackAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// CreateSecret creates a Secret holding key=value that opts in to being read by the operator with
// the label v1.SecretTypeLabel set to secretType.
func CreateSecret(t testing.TB, c client.Client, ns, name, secretType, key, value string) {
	t.Helper()
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{v1.SecretTypeLabel: secretType}},
		StringData: map[string]string{key: value},
	}
	if err := c.Create(t.Context(), s); err != nil {
		t.Fatalf("create secret: %v", err)
	}
}

// Annotate sets an annotation with a merge patch, as `kubectl annotate` does.
func Annotate(t testing.TB, c client.Client, obj client.Object, key, value string) {
	t.Helper()
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[key] = value
	obj.SetAnnotations(annotations)
	if err := c.Patch(t.Context(), obj, patch); err != nil {
		t.Fatalf("annotate: %v", err)
	}
}

// Application is the ScimApplication named after its resource type in ns, of the tenant "bank",
// assigning the group with this display name, whose token is in the Secret "<name>-token" under
// "token" (see Token).
func Application(ns string, rt v1.ResourceType, group string) *v1.ScimApplication {
	name := string(rt)
	return &v1.ScimApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.ScimApplicationSpec{
			TenantRef:      v1.LocalObjectReference{Name: "bank"},
			ResourceType:   rt,
			DisplayName:    ns + " " + name,
			TokenSecretRef: v1.SecretKeySelector{Name: name + "-token", Key: "token"},
			Assignments:    &v1.Assignments{Groups: []v1.GroupAssignment{{DisplayName: group}}},
		},
	}
}

// Token is the SCIM bearer token the suites store for Application(ns, rt, ...), unique per
// namespace and resource type.
func Token(ns string, rt v1.ResourceType) string {
	return ns + "-" + string(rt) + "-token-0123456789abcdef"
}
