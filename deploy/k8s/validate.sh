#!/usr/bin/env bash
# Renders every overlay of a deploy/k8s tree with kustomize and validates the result offline with
# kubectl-validate: the native kinds against the Kubernetes OpenAPI schemas it embeds (version
# K8S_VERSION), the Strimzi kinds against the CRDs in <tree>/crds. Unknown fields, wrong types,
# missing required fields and kinds without a schema all fail. `make k8s-validate` runs it.
#
#   deploy/k8s/validate.sh [TREE]        # TREE defaults to deploy/k8s; output in $K8S_OUT
#   K8S_OVERLAYS="440000 national" deploy/k8s/validate.sh    # only those overlays
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tree="${1:-$root/deploy/k8s}"
kustomize="${KUSTOMIZE:-$root/.stack/bin/kustomize}"
validator="${KUBECTL_VALIDATE:-$root/.stack/bin/kubectl-validate}"
k8s_version="${K8S_VERSION:-1.30}"
out="${K8S_OUT:-$(mktemp -d)}"
mkdir -p "$out"

status=0
for overlay in "$tree"/overlays/*/; do
    name="$(basename "$overlay")"
    if [ -n "${K8S_OVERLAYS:-}" ] && [[ " $K8S_OVERLAYS " != *" $name "* ]]; then
        continue
    fi
    if ! "$kustomize" build "$overlay" > "$out/$name.yaml"; then
        echo "$name: kustomize build failed"
        status=1
        continue
    fi
    count="$(grep -c '^kind:' "$out/$name.yaml" || true)"
    if "$validator" --version "$k8s_version" --local-crds "$tree/crds" "$out/$name.yaml" \
        > "$out/$name.validation" 2>&1; then
        echo "$name: $count resources valid (Kubernetes $k8s_version, Strimzi CRDs in crds/)"
    else
        echo "$name: INVALID"
        sed 's/\x1b\[[0-9;]*m//g' "$out/$name.validation"
        status=1
    fi
done
exit "$status"
