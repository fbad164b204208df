#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl from the
# Go module proxy (pinned in test/k8s/go.mod) into a cache directory keyed on
# test/k8s/go.sum, and prints that directory. A warm cache returns at once.
#
#   PEREGRINE_K8S_CACHE  cache root (default /var/cache/peregrine-k8s)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mod="$root/test/k8s"
key="$(sha256sum "$mod/go.sum" | cut -c1-16)"
dir="${PEREGRINE_K8S_CACHE:-/var/cache/peregrine-k8s}/$key"
bins=(etcd kube-apiserver kube-controller-manager kubectl)
ok=1
for b in "${bins[@]}"; do [[ -x "$dir/$b" ]] || ok=0; done
if [[ $ok == 1 ]]; then echo "$dir"; exit 0; fi
mkdir -p "$dir.tmp"
cd "$mod"
export CGO_ENABLED=0
# Two cores: keep peak memory bounded by building one binary at a time.
go build -o "$dir.tmp/etcd" go.etcd.io/etcd/server/v3 >&2
go build -o "$dir.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver >&2
go build -o "$dir.tmp/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager >&2
go build -o "$dir.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl >&2
rm -rf "$dir" && mv "$dir.tmp" "$dir"
echo "$dir"
