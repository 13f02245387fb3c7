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

package controller

import (
	"context"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// Options configure the controllers.
type Options struct {
	// TestBaseURL and ProductionBaseURL are the bases of the Tenant URLs Entra calls.
	TestBaseURL, ProductionBaseURL string
	// AuthorityHost and GraphEndpoint replace Microsoft's public cloud for every tenant that does not
	// override them (sovereign clouds; the local simulator of `make run`).
	AuthorityHost, GraphEndpoint string
	// GraphCAFile is a PEM bundle of extra CAs to trust for the authority and Graph (the simulator).
	GraphCAFile string
	// PollInterval is how often Entra is read for drift and job health.
	PollInterval time.Duration
	// MaxConcurrentReconciles per controller.
	MaxConcurrentReconciles int
}

// BindFlags registers the controllers' flags.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.TestBaseURL, "tenant-url-base-test", "https://api.test-env.booking.andmoney.dk",
		"Base of the Tenant URLs of the Test environment; Entra calls <base>/advisors/scim and <base>/rooms/scim.")
	fs.StringVar(&o.ProductionBaseURL, "tenant-url-base-production", "https://api.booking.andmoney.dk",
		"Base of the Tenant URLs of the Production environment.")
	fs.StringVar(&o.AuthorityHost, "authority-host", "",
		"Entra sign-in endpoint for tenants without spec.cloud.authorityHost (default: Microsoft's public cloud).")
	fs.StringVar(&o.GraphEndpoint, "graph-endpoint", "",
		"Microsoft Graph base URL with version for tenants without spec.cloud.graphEndpoint (default: https://graph.microsoft.com/v1.0).")
	fs.StringVar(&o.GraphCAFile, "graph-ca-file", "", "PEM file of extra CAs trusted for the authority host and Graph.")
	fs.DurationVar(&o.PollInterval, "poll-interval", 5*time.Minute,
		"How often Entra is read for drift and job health (jittered by ±10%).")
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 4, "Reconciles each controller runs at once.")
}

// Setup registers the indexes and both controllers with the manager.
func Setup(ctx context.Context, mgr ctrl.Manager, factory graph.Factory, opts Options) error {
	endpoints := graph.Endpoints{AuthorityHost: opts.AuthorityHost, GraphBaseURL: opts.GraphEndpoint}
	if opts.GraphCAFile != "" {
		pem, err := os.ReadFile(opts.GraphCAFile)
		if err != nil {
			return fmt.Errorf("read --graph-ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--graph-ca-file %s holds no PEM certificate", opts.GraphCAFile)
		}
		endpoints.RootCAs = pool
	}
	graphConfig := GraphConfig{Factory: factory, Endpoints: endpoints}
	if err := SetupIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("register field indexes: %w", err)
	}
	tenants := &ScimTenantReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Graph: graphConfig, PollInterval: opts.PollInterval,
	}
	if err := tenants.SetupWithManager(mgr, opts.MaxConcurrentReconciles); err != nil {
		return fmt.Errorf("set up the ScimTenant controller: %w", err)
	}
	apps := &ScimApplicationReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Graph: graphConfig, PollInterval: opts.PollInterval,
		Recorder: mgr.GetEventRecorder("scimapplication-controller"),
		TenantURLBases: map[v1.Environment]string{
			v1.EnvironmentTest: opts.TestBaseURL, v1.EnvironmentProduction: opts.ProductionBaseURL,
		},
	}
	if err := apps.SetupWithManager(mgr, opts.MaxConcurrentReconciles); err != nil {
		return fmt.Errorf("set up the ScimApplication controller: %w", err)
	}
	return nil
}
