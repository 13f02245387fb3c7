#!/usr/bin/env bash
# Regenerates hack/envtest/kube-apiserver/go.mod for a Kubernetes release.
#
# k8s.io/kubernetes points every staging module at ./staging/..., which `go install` refuses.
# Re-pointing each one at its published v0.N.M tag lets the Go module proxy serve the whole build.
# Usage: hack/envtest/gen-replaces.sh 1.37.2
set -euo pipefail
version=${1:?usage: gen-replaces.sh <kubernetes version, e.g. 1.37.2>}
cd "$(dirname "$0")/kube-apiserver"
cat > go.mod <<MOD
module github.com/andmoney/scim-operator/hack/envtest/kube-apiserver

go 1.26
MOD
go mod download "k8s.io/kubernetes@v${version}"
upstream="$(go env GOMODCACHE)/k8s.io/kubernetes@v${version}/go.mod"
for m in $(grep -E '^\s*k8s.io/[a-z0-9-]+ => ./staging' "$upstream" | awk '{print $1}'); do
  echo "replace $m => $m v0.${version#1.}" >> go.mod
done
go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v${version}"
go mod tidy
