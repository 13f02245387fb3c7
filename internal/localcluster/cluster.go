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

// Package localcluster runs a real kube-apiserver and etcd on loopback, built from the Go module proxy
// by hack/envtest/build.sh, with the project's CRDs and admission policies installed. The envtest
// suites and `make run` both use it, so what the tests prove is what a developer runs.
package localcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	operatorscheme "github.com/andmoney/scim-operator/internal/scheme"
)

// Cluster is a running local control plane.
type Cluster struct {
	env *envtest.Environment
	// scratch is this process's directory for etcd's data, the API server's certificates and the
	// launchers; Stop removes it.
	scratch string
	// starter is the thread that started etcd and kube-apiserver; see lockedThread.
	starter *lockedThread

	// Config reaches the API server as cluster-admin, with client-side rate limiting raised so that
	// tests and benchmarks measure the server, not client-go's default of 5 requests per second.
	Config *rest.Config
	// Client is an uncached client for the API server.
	Client client.Client
	// Scheme knows the built-in kinds and scim.andmoney.dk/v1alpha1.
	Scheme *k8sruntime.Scheme
	// KubeConfig is a kubeconfig file's content for the cluster-admin user.
	KubeConfig []byte
	// BinaryAssets is the directory holding etcd, kube-apiserver and kubectl.
	BinaryAssets string
}

// Option changes how Start runs the control plane.
type Option func(*settings)

type settings struct{ cpus []int }

// OnCPUs runs etcd and kube-apiserver on the given CPUs only (Linux). A benchmark uses it with
// KeepOffCPUs to give the API server CPUs of its own, as it has in a real cluster, so that what it
// measures is not the load generator and the API server taking turns on the same cores.
func OnCPUs(cpus ...int) Option { return func(s *settings) { s.cpus = cpus } }

// Start builds (or reuses from the cache) the control-plane binaries, starts them, installs the CRDs
// from config/crd/bases and applies the admission policies from config/admission.
//
// etcd and kube-apiserver die with this process on Linux when setpriv(1) is installed, even when it is
// killed, and keep their data in a directory of this process's own that the next Start removes if
// this process could not: a killed test run leaves nothing running and nothing large behind.
func Start(ctx context.Context, options ...Option) (*Cluster, error) {
	var set settings
	for _, o := range options {
		o(&set)
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	assets, err := BinaryAssets(ctx, root)
	if err != nil {
		return nil, err
	}
	if err := closeInheritedFiles(); err != nil {
		return nil, err
	}
	scratch, err := newScratchDir()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		// A loaded 2-core CI machine starts etcd and the API server slowly.
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	env.ControlPlane.Etcd = &envtest.Etcd{DataDir: filepath.Join(scratch, "etcd")}
	env.ControlPlane.APIServer = &envtest.APIServer{CertDir: filepath.Join(scratch, "kube-apiserver")}
	launchers := filepath.Join(scratch, "bin")
	for _, dir := range []string{env.ControlPlane.Etcd.DataDir, env.ControlPlane.APIServer.CertDir, launchers} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			return nil, errors.Join(fmt.Errorf("create the control plane's directory: %w", err), os.RemoveAll(scratch))
		}
	}
	etcd, apiServer, ok, err := dieWithThisProcess(launchers, assets)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(scratch))
	}
	if ok {
		// An explicit path, because envtest prefers $KUBEBUILDER_ASSETS to BinaryAssetsDirectory.
		env.ControlPlane.Etcd.Path, env.ControlPlane.APIServer.Path = etcd, apiServer
	}
	cluster := &Cluster{env: env, scratch: scratch, starter: newLockedThread(), BinaryAssets: assets}
	var cfg *rest.Config
	cluster.starter.do(func() {
		err = onCPUs(set.cpus, func() (startErr error) { cfg, startErr = env.Start(); return startErr })
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("start kube-apiserver and etcd from %s: %w", assets, err), cluster.Stop())
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	cluster.Config, cluster.KubeConfig = cfg, env.KubeConfig
	cluster.Scheme = operatorscheme.New()
	if cluster.Client, err = client.New(cfg, client.Options{Scheme: cluster.Scheme}); err != nil {
		return nil, errors.Join(err, cluster.Stop())
	}
	if err := cluster.ApplyDir(ctx, filepath.Join(root, "config", "admission")); err != nil {
		return nil, errors.Join(err, cluster.Stop())
	}
	if err := cluster.waitForMappingDefaults(ctx); err != nil {
		return nil, errors.Join(err, cluster.Stop())
	}
	return cluster, nil
}

// scratchRoot holds one directory per process running a control plane, named "<pid>-<random>".
func scratchRoot() string { return filepath.Join(os.TempDir(), "scim-operator-localcluster") }

// newScratchDir makes this process's directory for etcd's data (over 100 MB), the API server's
// certificates and the launchers, after removing those of processes that no longer exist: a killed
// process cannot remove its own.
func newScratchDir() (string, error) {
	base := scratchRoot()
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", base, err)
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		return "", fmt.Errorf("list %s: %w", base, err)
	}
	for _, e := range entries {
		owner, _, _ := strings.Cut(e.Name(), "-")
		if pid, err := strconv.Atoi(owner); err == nil && pid != os.Getpid() && !processAlive(pid) {
			// Best effort: another process may be removing it at the same time.
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
	dir, err := os.MkdirTemp(base, strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("create the control plane's directory: %w", err)
	}
	return dir, nil
}

// lockedThread runs functions on one operating-system thread that stays alive until stop. The
// parent-death signal of a child fires when the thread that started it exits; Go may end a thread
// (when a goroutine locked to it returns), so the control plane is started from a thread that
// nothing else runs on and that lives as long as the cluster.
type lockedThread struct{ calls chan func() }

func newLockedThread() *lockedThread {
	t := &lockedThread{calls: make(chan func())}
	go func() {
		runtime.LockOSThread()
		// Unlocked before returning, so the thread goes back to Go's pool rather than exiting.
		defer runtime.UnlockOSThread()
		for call := range t.calls {
			call()
		}
	}()
	return t
}

// do runs f on the thread and returns when it has.
func (t *lockedThread) do(f func()) {
	done := make(chan struct{})
	t.calls <- func() { defer close(done); f() }
	<-done
}

func (t *lockedThread) stop() { close(t.calls) }

// waitForMappingDefaults returns once the mapping-defaults admission policy fills in a dry-run
// ScimApplication. The policy's type checker learns new CRDs some seconds after they are established;
// until then it answers 503, and a test or `make run` must not race it.
func (c *Cluster) waitForMappingDefaults(ctx context.Context) error {
	probe := func(ctx context.Context) (bool, error) {
		app := &v1.ScimApplication{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "admission-probe"},
			Spec: v1.ScimApplicationSpec{
				TenantRef:      v1.LocalObjectReference{Name: "probe"},
				ResourceType:   v1.ResourceTypeRooms,
				TokenSecretRef: v1.SecretKeySelector{Name: "probe", Key: "token"},
			},
		}
		if err := c.Client.Create(ctx, app, client.DryRunAll); err != nil {
			return false, nil //nolint:nilerr // not ready yet: poll again.
		}
		return len(app.Spec.Mappings) > 0, nil
	}
	if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, probe); err != nil {
		return fmt.Errorf("wait for the mapping-defaults admission policy: %w", err)
	}
	return nil
}

// Stop stops the API server and etcd and removes their data. It may be called once.
func (c *Cluster) Stop() error {
	err := c.env.Stop()
	c.starter.stop()
	return errors.Join(err, os.RemoveAll(c.scratch))
}

// BinaryAssets returns the directory with etcd and kube-apiserver: $KUBEBUILDER_ASSETS when set, else
// what hack/envtest/build.sh prints (it builds once, then answers from its cache).
func BinaryAssets(ctx context.Context, root string) (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "hack", "envtest", "build.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build envtest binaries with hack/envtest/build.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// RepoRoot finds the module root from this source file, so tests and tools work from any directory.
func RepoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("locate the repository root: no caller information")
	}
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "PROJECT")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod with a PROJECT file above %s", filepath.Dir(file))
		}
		dir = parent
	}
}

// GVK is a shorthand for the project's group and version.
func GVK(kind string) schema.GroupVersionKind { return v1.GroupVersion.WithKind(kind) }
