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

// Command manager runs scim-operator: the controllers that configure Microsoft Entra provisioning
// (leader-elected) and the SCIM 2.0 endpoint Entra provisions into (on every replica).
package main

import (
	"crypto/tls"
	"flag"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/andmoney/scim-operator/internal/controller"
	"github.com/andmoney/scim-operator/internal/graph/msgraph"
	"github.com/andmoney/scim-operator/internal/scheme"
	"github.com/andmoney/scim-operator/internal/scim"
	"github.com/andmoney/scim-operator/internal/version"
)

func main() {
	var (
		metricsAddr, probeAddr string
		secureMetrics          bool
		metricsCertPath        string
		metricsCertName        string
		metricsCertKey         string
		enableHTTP2            bool
		leaderElect            bool
		kubeAPIQPS             float64
		kubeAPIBurst           int
		watchNamespaces        string
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0",
		"Address of the metrics endpoint, e.g. :8443 (HTTPS) or :8080 (HTTP); 0 disables it.")
	flag.BoolVar(&secureMetrics, "metrics-secure", true,
		"Serve metrics over HTTPS, authenticated and authorized through the API server.")
	flag.StringVar(&metricsCertPath, "metrics-cert-path", "",
		"Directory with the metrics server's certificate and key (e.g. a mounted cert-manager Secret), reloaded "+
			"when they change; empty: a self-signed certificate generated at start, which scrapers cannot verify.")
	flag.StringVar(&metricsCertName, "metrics-cert-name", "tls.crt", "File name of the metrics server's certificate in --metrics-cert-path.")
	flag.StringVar(&metricsCertKey, "metrics-cert-key", "tls.key", "File name of the metrics server's key in --metrics-cert-path.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz probes.")
	flag.BoolVar(&leaderElect, "leader-elect", false,
		"Elect a leader to run the controllers; every replica serves SCIM regardless.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false,
		"Allow HTTP/2 on the metrics server (off: HTTP/2 Stream Cancellation and Rapid Reset CVEs).")
	// client-go's default limiter (5 requests/s) would cap SCIM writes at 5/s: see docs/benchmarks.md.
	flag.Float64Var(&kubeAPIQPS, "kube-api-qps", 500, "Requests per second to the API server, sustained.")
	flag.IntVar(&kubeAPIBurst, "kube-api-burst", 1000, "Requests to the API server in a burst.")
	flag.StringVar(&watchNamespaces, "watch-namespaces", "",
		"Comma-separated namespaces the operator watches and serves; empty: all namespaces. With a list, the "+
			"operator needs Roles in those namespaces only (the chart's and kustomize's namespace-scoped mode).")
	var scimOpts scim.Options
	scimOpts.BindFlags(flag.CommandLine)
	var controllerOpts controller.Options
	controllerOpts.BindFlags(flag.CommandLine)
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")

	cfg := ctrl.GetConfigOrDie()
	cfg.QPS, cfg.Burst = float32(kubeAPIQPS), kubeAPIBurst
	cfg.UserAgent = rest.DefaultKubernetesUserAgent() + " scim-operator/" + version.Version

	disableHTTP2 := func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }
	metricsOpts := metricsserver.Options{BindAddress: metricsAddr, SecureServing: secureMetrics}
	if secureMetrics {
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	if metricsCertPath != "" {
		// controller-runtime falls back to a self-signed certificate when the files are missing; a
		// configured but absent certificate is a mistake to report, not to paper over.
		for _, name := range []string{metricsCertName, metricsCertKey} {
			if _, err := os.Stat(filepath.Join(metricsCertPath, name)); err != nil {
				log.Error(err, "metrics certificate not found", "flag", "--metrics-cert-path")
				os.Exit(1)
			}
		}
		metricsOpts.CertDir, metricsOpts.CertName, metricsOpts.KeyName = metricsCertPath, metricsCertName, metricsCertKey
	}
	if !enableHTTP2 {
		metricsOpts.TLSOpts = append(metricsOpts.TLSOpts, disableHTTP2)
	}

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme.New(),
		Metrics:                metricsOpts,
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       "scim-operator.scim.andmoney.dk",
		// Release the lease on shutdown so the next leader starts at once; safe because the manager
		// exits right after.
		LeaderElectionReleaseOnCancel: true,
		Cache:                         scheme.CacheOptions(splitNamespaces(watchNamespaces)...),
	})
	if err != nil {
		log.Error(err, "Failed to create the manager")
		os.Exit(1)
	}
	if err := scim.Setup(mgr, scimOpts); err != nil {
		log.Error(err, "Failed to set up the SCIM endpoint")
		os.Exit(1)
	}
	ctx := ctrl.SetupSignalHandler()
	if err := controller.Setup(ctx, mgr, msgraph.NewFactory(), controllerOpts); err != nil {
		log.Error(err, "Failed to set up the controllers")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Failed to add the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Failed to add the readiness check")
		os.Exit(1)
	}

	log.Info("Starting the manager", "version", version.Version)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "Manager stopped with an error")
		os.Exit(1)
	}
}

// splitNamespaces reads --watch-namespaces: a comma-separated list, empty for all namespaces.
func splitNamespaces(list string) []string {
	var out []string
	for ns := range strings.SplitSeq(list, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			out = append(out, ns)
		}
	}
	return out
}
