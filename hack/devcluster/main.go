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

// Command devcluster is `make run`: it starts etcd and kube-apiserver on loopback, installs the CRDs,
// the admission policies and config/samples, writes a kubeconfig, and runs the manager binary against
// them in the foreground. Ctrl-C stops the manager, then the control plane, and leaves no process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/localcluster"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "devcluster:", err)
		os.Exit(1)
	}
}

func run() error {
	manager := flag.String("manager", "bin/manager", "Manager binary to run against the local control plane.")
	stateDir := flag.String("state-dir", ".run", "Directory for the kubeconfig.")
	samples := flag.String("samples", "config/samples", "Manifests applied before the manager starts.")
	entra := flag.String("entra", "simulator",
		"simulator: a local Graph simulator stands in for Entra; real: Microsoft's cloud, with the credentials of the ScimTenants.")
	entraListen := flag.String("entra-listen", "127.0.0.1:8443", "Address of the local Entra (HTTPS).")
	scimListen := flag.String("scim-listen", "127.0.0.1:8080", "Address of the SCIM endpoint; the Test Tenant URLs point here.")
	flag.Parse()
	managerArgs := flag.Args()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	started := time.Now()
	cluster, err := localcluster.Start(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "devcluster: stop control plane:", err)
		}
	}()

	if err := cluster.ApplyDir(ctx, *samples); err != nil {
		return fmt.Errorf("apply samples: %w", err)
	}
	kubeconfig, err := writeKubeconfig(*stateDir, cluster.KubeConfig)
	if err != nil {
		return err
	}
	managerArgs = append([]string{
		"--scim-bind-address=" + *scimListen,
		"--tenant-url-base-test=http://" + *scimListen,
		"--poll-interval=30s",
	}, managerArgs...)
	entraNote := "Entra: Microsoft's cloud, with the ScimTenants' credentials."
	if *entra == "simulator" {
		local, err := startLocalEntra(*stateDir, *entraListen)
		if err != nil {
			return err
		}
		defer local.close()
		if err := pointSampleTenantsAt(ctx, cluster.Client, local.server.URL); err != nil {
			return err
		}
		managerArgs = append(local.managerArgs(), managerArgs...)
		entraNote = "Entra: the local Graph simulator at " + local.server.URL + " (make run ENTRA=real for Microsoft's cloud)."
	}
	kubectl, err := linkKubectl(cluster.BinaryAssets)
	if err != nil {
		return err
	}
	fmt.Printf(`
Local control plane ready in %s (kube-apiserver %s).
%s
  %s --kubeconfig %s get scimtenants,scimapplications,advisors,rooms
Entra's first provisioning cycle runs about 20 s after the operator starts each job (then every 2 min):
  %[4]s --kubeconfig %[5]s get advisors,rooms
Change the local Entra while it runs, then run a cycle (or wait for one):
  go run ./hack/entra users
  go run ./hack/entra disable bo.nielsen@contoso.example && go run ./hack/entra cycle
SCIM endpoint: http://%[6]s/advisors/scim and /rooms/scim (tokens in config/samples), e.g. Entra's test connection:
  curl -H 'Authorization: Bearer local-advisors-token-change-me-0123456789abcdef' \
    'http://%s/advisors/scim/Users?filter=userName+eq+%%2200000000-0000-0000-0000-000000000000%%22'
Stop with Ctrl-C.

`, time.Since(started).Round(100*time.Millisecond), cluster.Config.Host, entraNote, kubectl, kubeconfig, *scimListen, *scimListen)

	return runManager(ctx, *manager, kubeconfig, managerArgs)
}

// linkKubectl links bin/kubectl to the kubectl built with the control plane, so the printed commands
// work on a machine that has no kubectl of its own.
func linkKubectl(assets string) (string, error) {
	link := filepath.Join("bin", "kubectl")
	_ = os.Remove(link)
	if err := os.Symlink(filepath.Join(assets, "kubectl"), link); err != nil {
		return "", fmt.Errorf("link bin/kubectl: %w", err)
	}
	return link, nil
}

func writeKubeconfig(dir string, content []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	path, err := filepath.Abs(filepath.Join(dir, "kubeconfig"))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, content, 0o600); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}

// runManager runs the manager until it exits or ctx ends; on ctx's end it sends SIGTERM, so the
// manager shuts down gracefully, and kills it if it has not stopped within 30 s.
func runManager(ctx context.Context, binary, kubeconfig string, args []string) error {
	args = append([]string{
		"--health-probe-bind-address=127.0.0.1:8081",
		"--metrics-bind-address=127.0.0.1:8082",
		"--metrics-secure=false",
		"--zap-devel",
	}, args...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// Die with devcluster even if it is killed without a chance to clean up. Its own process group
	// keeps the terminal's Ctrl-C from reaching it directly: it gets exactly one SIGTERM from us, as a
	// second signal makes controller-runtime exit with status 1.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", binary, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		return managerExit(err)
	case <-ctx.Done():
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		return managerExit(err)
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return errors.Join(errors.New("manager did not stop within 30s; killed"), <-exited)
	}
}

func managerExit(err error) error {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() == -1 {
		return nil // ended by our SIGTERM
	}
	if err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	return nil
}

// sampleEntraURL is the local Entra the sample ScimTenant names (config/samples).
const sampleEntraURL = "https://127.0.0.1:8443"

// pointSampleTenantsAt moves ScimTenants that name the sample's local Entra to where it actually
// listens, so that --entra-listen on another port (a second run beside the first) still provisions:
// the operator's custom-endpoint allow-list only lets tenants reach the address it was given.
func pointSampleTenantsAt(ctx context.Context, c client.Client, entraURL string) error {
	if entraURL == sampleEntraURL {
		return nil
	}
	var tenants v1.ScimTenantList
	if err := c.List(ctx, &tenants); err != nil {
		return fmt.Errorf("list sample tenants: %w", err)
	}
	for i := range tenants.Items {
		t := &tenants.Items[i]
		e := t.Spec.CustomEndpoints
		if t.Spec.Cloud != v1.CloudCustom || e == nil || e.AuthorityHost != sampleEntraURL+"/" {
			continue
		}
		e.AuthorityHost, e.GraphEndpoint = entraURL+"/", entraURL+"/v1.0"
		if err := c.Update(ctx, t); err != nil {
			return fmt.Errorf("point sample tenant %s at %s: %w", t.Name, entraURL, err)
		}
	}
	return nil
}
