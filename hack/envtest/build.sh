#!/usr/bin/env bash
# Builds the envtest control plane (etcd and kube-apiserver, plus kubectl) from the Go module proxy and caches it
# outside the clone, keyed by version, so a fresh clone (CI) reuses the binaries of an earlier one.
#
# Prints the directory holding the binaries (use it as KUBEBUILDER_ASSETS). Idempotent: when both
# binaries exist and answer --version, it returns at once.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
k8s_version="$(awk '$1=="k8s.io/kubernetes"{print $2; exit}' "$here/kube-apiserver/go.mod")"
etcd_version="$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2; exit}' "$here/etcd/go.mod")"
cache_root="${ENVTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scim-operator/envtest}"
dest="$cache_root/k8s-${k8s_version}-etcd-${etcd_version}"
mkdir -p "$dest"

build() { # name module-dir package ldflags
  local name=$1 dir=$2 pkg=$3 ldflags=$4
  # A binary is only ever moved into place whole, so its presence means it is complete.
  if [[ -x "$dest/$name" ]]; then
    return
  fi
  echo "building $name ($pkg) into $dest; the first build takes minutes" >&2
  # Build into a temporary name first, so an interrupted build never leaves a broken binary behind.
  # The temporary name is per process, so two builds started at once (parallel test packages, or two
  # checkouts sharing the cache) never move each other's files.
  local tmp="$dest/.$name.tmp.$$"
  (cd "$here/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp" "$pkg")
  mv -f "$tmp" "$dest/$name"
}

build etcd etcd go.etcd.io/etcd/server/v3 ""
build kube-apiserver kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver \
  "-X k8s.io/component-base/version.gitVersion=${k8s_version} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$k8s_version")"
# kubectl is not needed by the tests; `make run` prints commands that use it.
build kubectl kube-apiserver k8s.io/kubernetes/cmd/kubectl \
  "-X k8s.io/component-base/version.gitVersion=${k8s_version} -X k8s.io/client-go/pkg/version.gitVersion=${k8s_version}"
echo "$dest"
