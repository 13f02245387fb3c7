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

// Package e2e proves the product's loop end to end: the real manager (controllers and SCIM
// endpoint) against a real kube-apiserver and etcd, and the Graph simulator standing in for Entra,
// whose provisioning cycles call the SCIM endpoint over HTTP as Entra does.
package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
	"github.com/andmoney/scim-operator/internal/localcluster"
	"github.com/andmoney/scim-operator/internal/testenv"
)

const (
	tenantID     = "0c5d2a7e-3f6b-4b8a-9d51-6e2f1a7c4b90"
	clientID     = "5a1f3c2e-8b7d-4e6a-a9c0-2d4f6b8e1a37"
	clientSecret = "e2e-client-secret"
	pollInterval = 2 * time.Second
)

var (
	k8s      client.Client
	sim      *simulator.Simulator
	scimBase string
	// graphURL is the simulator's https origin; tenants name it as their Custom cloud.
	graphURL string
)

// simulatorTenantSpec is a ScimTenant that signs in to the simulator with a client secret from
// the Secret "graph".
func simulatorTenantSpec() v1.ScimTenantSpec {
	return v1.ScimTenantSpec{
		Environment: v1.EnvironmentTest, TenantID: tenantID, ClientID: clientID,
		Cloud:           v1.CloudCustom,
		CustomEndpoints: &v1.CustomEndpoints{AuthorityHost: graphURL + "/", GraphEndpoint: graphURL + "/v1.0"},
		Credentials:     v1.TenantCredentials{ClientSecret: &v1.SecretKeySelector{Name: "graph", Key: "client-secret"}},
	}
}

func TestMain(m *testing.M) { testenv.Main(m, run) }

func run(ctx context.Context, cancel context.CancelFunc, cluster *localcluster.Cluster, m *testing.M) (int, error) {
	k8s = cluster.Client

	// Entra: cycles run only when the test says so, and every SCIM call goes over HTTP to the
	// manager's endpoint.
	sim = simulator.New(
		simulator.WithTenantID(tenantID),
		simulator.WithClientSecret(clientID, clientSecret),
		simulator.WithHTTPSCIMProbe(&http.Client{Timeout: 10 * time.Second}),
		simulator.WithProvisionOnDemandRateLimit(0, 0),
	)
	graph, err := testenv.StartGraph(sim, "e2e-graph-ca")
	if err != nil {
		return 0, err
	}
	defer graph.Close()
	graphURL = graph.URL

	// The simulator listens on loopback; tenants reach it as cloud Custom (simulatorTenantSpec).
	opts := testenv.ControllerOptions(graph.CAFile)
	opts.PollInterval = pollInterval
	opts.MaxConcurrentReconciles = 4
	mgr, err := testenv.NewManager(ctx, cluster, "0", opts)
	if err != nil {
		return 0, err
	}
	scimBase = mgr.SCIMBase
	return mgr.RunTests(ctx, cancel, m)
}
