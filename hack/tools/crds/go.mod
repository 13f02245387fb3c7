// Third-party CRDs that internal/deploytest installs into its local API server, so the chart's
// ServiceMonitor, PrometheusRule, Certificate, Issuer, Gateway and HTTPRoute are validated against the real schemas. Nothing
// imports these modules: the test runs `go mod download -modfile=hack/tools/crds/go.mod -json <module>`
// and reads the CRD files from the module cache, pinned and checked by go.sum.
// Do not run `go mod tidy` here: it would drop the requirements.
module github.com/andmoney/scim-operator/hack/tools/crds

go 1.26.0

require (
	github.com/cert-manager/cert-manager v1.21.2
	github.com/prometheus-operator/prometheus-operator v0.85.0
	sigs.k8s.io/gateway-api v1.6.3
)
