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

package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

// The sample ScimTenant's identity (config/samples/scim_v1alpha1_scimtenant.yaml): the local Entra
// accepts exactly these credentials.
const (
	sampleTenantID     = "0c5d2a7e-3f6b-4b8a-9d51-6e2f1a7c4b90"
	sampleClientID     = "5a1f3c2e-8b7d-4e6a-a9c0-2d4f6b8e1a37"
	sampleClientSecret = "local-simulator-client-secret"
)

// localEntra is the Graph simulator serving HTTPS on loopback, seeded with a directory that matches
// the samples' assignments.
type localEntra struct {
	server     *httptest.Server
	caFile     string
	stopCycles context.CancelFunc
}

// sampleOffice is where the samples' advisors and rooms are.
const sampleOffice = "Strandvejen 1, 2900 Hellerup"

func startLocalEntra(stateDir, listen string) (*localEntra, error) {
	anna := simulator.User{ID: "3e2d1c0b-a987-4654-3210-fedcba987654", UserPrincipalName: "anna.jensen@contoso.example",
		DisplayName: "Anna Jensen", GivenName: "Anna", Surname: "Jensen", OfficeLocation: sampleOffice}
	bo := simulator.User{ID: "4f3e2d1c-b098-4765-4321-0fedcba98765", UserPrincipalName: "bo.nielsen@contoso.example",
		DisplayName: "Bo Nielsen", GivenName: "Bo", Surname: "Nielsen", OfficeLocation: sampleOffice}
	room := simulator.User{ID: "9d8c7b6a-5f4e-4d3c-2b1a-0f9e8d7c6b5a", UserPrincipalName: "room.hellerup.1@contoso.example",
		DisplayName: "Hellerup meeting room 1", OfficeLocation: sampleOffice}
	sim := simulator.New(
		simulator.WithTenantID(sampleTenantID),
		simulator.WithClientSecret(sampleClientID, sampleClientSecret),
		simulator.WithUsers(anna, bo, room),
		simulator.WithGroups(
			simulator.Group{DisplayName: "Advisors", Members: []string{anna.ID, bo.ID}},
			simulator.Group{DisplayName: "Meeting rooms", Members: []string{room.ID}},
		),
		// Entra's test connection and each cycle call the local SCIM endpoint for real.
		simulator.WithHTTPSCIMProbe(&http.Client{Timeout: 10 * time.Second}),
		// The first cycle 20 s after the operator starts a job, so the records appear within about a
		// minute of make run; later ones every 2 minutes (Entra: 40). `go run ./hack/entra cycle` runs
		// one at once.
		simulator.WithAutomaticCycles(20*time.Second, 2*time.Minute),
	)
	listener, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen for the local Entra on %s: %w", listen, err)
	}
	server := httptest.NewUnstartedServer(sim.Handler())
	_ = server.Listener.Close()
	server.Listener = listener
	server.StartTLS()
	caFile, err := filepath.Abs(filepath.Join(stateDir, "graph-ca.pem"))
	if err != nil {
		server.Close()
		return nil, err
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw})
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		server.Close()
		return nil, fmt.Errorf("write the local Entra's CA: %w", err)
	}
	// hack/entra finds the local Entra through these two files.
	if err := os.WriteFile(filepath.Join(stateDir, "entra-url"), []byte(server.URL+"\n"), 0o600); err != nil {
		server.Close()
		return nil, fmt.Errorf("write the local Entra's address: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	go runDueCycles(ctx, sim)
	return &localEntra{server: server, caFile: caFile, stopCycles: stop}, nil
}

// runDueCycles drives the cycles by the wall clock: the simulator also runs due cycles when a job is
// read, but a job nobody reads must be provisioned on time too.
func runDueCycles(ctx context.Context, sim *simulator.Simulator) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			sim.RunDueCycles(ctx)
		}
	}
}

// managerArgs let ScimTenants of cloud Custom use the local Entra (the sample tenant does), and
// nothing else.
func (e *localEntra) managerArgs() []string {
	return []string{
		"--allowed-custom-endpoints=" + e.server.URL,
		"--graph-ca-file=" + e.caFile,
	}
}

func (e *localEntra) close() {
	e.stopCycles()
	e.server.Close()
}
