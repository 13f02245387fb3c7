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
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// Options configure the controllers.
type Options struct {
	// TestBaseURL and ProductionBaseURL are the bases of the Tenant URLs Entra calls.
	TestBaseURL, ProductionBaseURL string
	// AllowedCustomEndpoints lists the origins ScimTenants of cloud Custom may name (see
	// graph.ParseEndpointAllowList); empty allows none.
	AllowedCustomEndpoints string
	// AllowedTokenAudiences are the audiences workload identity tokens may be requested for.
	AllowedTokenAudiences []string
	// GraphCAFile is a PEM bundle of extra CAs to trust for the authority and Graph (the simulator).
	GraphCAFile string
	// PollInterval is how often Entra is read for drift and job health.
	PollInterval time.Duration
	// ReconcileTimeout bounds the Graph calls of one reconcile.
	ReconcileTimeout time.Duration
	// MaxConcurrentReconciles per controller.
	MaxConcurrentReconciles int
	// MaxConcurrentReconcilesPerTenant bounds the application reconciles that call one tenant's
	// Graph at once, so that a slow tenant cannot hold every worker.
	MaxConcurrentReconcilesPerTenant int
}

// BindFlags registers the controllers' flags.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.TestBaseURL, "tenant-url-base-test", "https://api.test-env.booking.andmoney.dk",
		"Base of the Tenant URLs of the Test environment; Entra calls <base>/advisors/scim and <base>/rooms/scim.")
	fs.StringVar(&o.ProductionBaseURL, "tenant-url-base-production", "https://api.booking.andmoney.dk",
		"Base of the Tenant URLs of the Production environment.")
	fs.StringVar(&o.AllowedCustomEndpoints, "allowed-custom-endpoints", "",
		"Comma-separated origins (scheme://host[:port], port * for any, host *.domain for subdomains) that ScimTenants "+
			"of cloud Custom may use, e.g. https://127.0.0.1:* for a local Graph simulator. Empty: no custom endpoints.")
	o.AllowedTokenAudiences = []string{DefaultTokenAudience}
	fs.Func("allowed-token-audiences",
		"Comma-separated audiences the operator requests workload identity tokens for (default "+DefaultTokenAudience+").",
		func(v string) error {
			o.AllowedTokenAudiences = nil
			for a := range strings.SplitSeq(v, ",") {
				if a = strings.TrimSpace(a); a != "" {
					o.AllowedTokenAudiences = append(o.AllowedTokenAudiences, a)
				}
			}
			return nil
		})
	fs.StringVar(&o.GraphCAFile, "graph-ca-file", "", "PEM file of extra CAs trusted for the authority host and Graph.")
	fs.DurationVar(&o.PollInterval, "poll-interval", 5*time.Minute,
		"How often Entra is read for drift and job health (jittered by ±10%).")
	fs.DurationVar(&o.ReconcileTimeout, "reconcile-timeout", 2*time.Minute,
		"Deadline of the Graph calls of one reconcile; a call still running then fails and is retried later.")
	fs.IntVar(&o.MaxConcurrentReconciles, "max-concurrent-reconciles", 4, "Reconciles each controller runs at once.")
	fs.IntVar(&o.MaxConcurrentReconcilesPerTenant, "max-concurrent-reconciles-per-tenant", 2,
		"ScimApplication reconciles that call one tenant's Graph at once; keep it below --max-concurrent-reconciles so "+
			"that a slow tenant leaves workers for the others.")
}

// Setup registers the indexes and both controllers with the manager.
func Setup(ctx context.Context, mgr ctrl.Manager, factory graph.Factory, opts Options) error {
	allowed, err := graph.ParseEndpointAllowList(opts.AllowedCustomEndpoints)
	if err != nil {
		return fmt.Errorf("--allowed-custom-endpoints: %w", err)
	}
	var trust graph.Endpoints
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
		trust.RootCAs = pool
	}
	timeout := opts.ReconcileTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	graphConfig := GraphConfig{
		Factory: factory, Trust: trust, AllowedCustomEndpoints: allowed, AllowedAudiences: opts.AllowedTokenAudiences,
		ReconcileTimeout: timeout, slots: newTenantSlots(opts.MaxConcurrentReconcilesPerTenant),
	}
	if err := SetupIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("register field indexes: %w", err)
	}
	tenants := &ScimTenantReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Graph: graphConfig, PollInterval: opts.PollInterval,
		Recorder: mgr.GetEventRecorder("scimtenant-controller"),
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
