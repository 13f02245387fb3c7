# scim-operator. `make help` lists the targets.

# Image to build with docker-build.
IMG ?= scim-operator:dev
# Entra for make run: simulator (a local Graph simulator stands in for it) or real.
ENTRA ?= simulator
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

# Tools are pinned with `go tool` directives in their own modules, so they never touch the product's
# go.sum and need nothing but the Go module proxy.
CONTROLLER_GEN ?= go tool -modfile=hack/tools/go.mod controller-gen
GOLANGCI_LINT ?= go tool -modfile=hack/tools/golangci-lint/go.mod golangci-lint
KUSTOMIZE ?= go tool -modfile=$(CURDIR)/hack/tools/kustomize/go.mod kustomize
HELM ?= go tool -modfile=$(CURDIR)/hack/tools/helm/go.mod helm
PROMTOOL ?= go tool -modfile=$(CURDIR)/hack/tools/promtool/go.mod promtool

# go test flags; e.g. make test TEST_FLAGS='-run TestSCIM -v'.
TEST_FLAGS ?=
GO_TEST_TIMEOUT ?= 30m

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate CRDs and RBAC from the markers in api/ and internal/.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: ## Run golangci-lint.
	$(GOLANGCI_LINT) run ./...

.PHONY: lint-fix
lint-fix: ## Run golangci-lint and apply its fixes.
	$(GOLANGCI_LINT) run --fix ./...

.PHONY: envtest
envtest: ## Build etcd and kube-apiserver from the Go module proxy (cached outside the clone).
	@hack/envtest/build.sh >/dev/null

.PHONY: test
test: manifests generate helm-chart envtest ## Run all tests against a real kube-apiserver and etcd.
	KUBEBUILDER_ASSETS="$$(hack/envtest/build.sh)" go test ./... -timeout $(GO_TEST_TIMEOUT) $(TEST_FLAGS)

.PHONY: verify
verify: manifests generate helm-chart ## Fail when generated files (chart included), go.mod or formatting are stale.
	go mod tidy -diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	@git diff --exit-code -- api config charts || { echo 'generated files are stale: run make manifests generate and commit'; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- api config charts)" || { git ls-files --others --exclude-standard -- api config charts; echo 'untracked generated files: commit them'; exit 1; }

##@ Build

.PHONY: build
build: manifests generate ## Build the manager binary into bin/manager.
	go build -ldflags "-X github.com/andmoney/scim-operator/internal/version.Version=$(VERSION)" -o bin/manager ./cmd

.PHONY: run
run: build envtest ## Run the operator against a local kube-apiserver and etcd, with config/samples applied.
	go build -o bin/devcluster ./hack/devcluster
	KUBEBUILDER_ASSETS="$$(hack/envtest/build.sh)" bin/devcluster --manager bin/manager --entra $(ENTRA)

# No Docker engine runs on the development machines; docker-build works wherever one does.
.PHONY: docker-build
docker-build: ## Build the container image (needs a Docker engine).
	docker build --build-arg VERSION=$(VERSION) -t $(IMG) .

##@ Deployment

.PHONY: helm-chart
helm-chart: manifests ## Regenerate the chart's CRDs, RBAC, admission policy and README (and config/crd/kustomization.yaml).
	go run ./hack/helmgen
	go run ./hack/chartdoc

.PHONY: helm-package
helm-package: helm-chart ## Package the chart into dist/scim-operator-<version>.tgz.
	mkdir -p dist
	$(HELM) package charts/scim-operator --destination dist

.PHONY: test-alerts
test-alerts: ## Run the alerts' promtool unit tests (config/prometheus/alerts_test.yaml) on config/prometheus/alerts.yaml.
	rm -rf dist/alerts && mkdir -p dist/alerts
	go run ./hack/alertrules config/prometheus/alerts.yaml > dist/alerts/alerts.rules.yaml
	cp config/prometheus/alerts_test.yaml dist/alerts/
	$(PROMTOOL) test rules dist/alerts/alerts_test.yaml

.PHONY: helm-lint
helm-lint: helm-chart ## Lint the chart with its default, test and production values.
	$(HELM) lint --strict charts/scim-operator
	$(HELM) lint --strict charts/scim-operator --values charts/scim-operator/values-test.yaml
	$(HELM) lint --strict charts/scim-operator --values charts/scim-operator/values-production.yaml

.PHONY: build-installer
build-installer: manifests helm-chart ## Render config/default with the image IMG into dist/install.yaml.
	rm -rf dist/installer && mkdir -p dist/installer
	printf 'resources:\n- ../../config/default\n' > dist/installer/kustomization.yaml
	cd dist/installer && $(KUSTOMIZE) edit set image scim-operator=$(IMG)
	$(KUSTOMIZE) build dist/installer > dist/install.yaml
	@echo "dist/install.yaml: kubectl apply --server-side -f dist/install.yaml"
