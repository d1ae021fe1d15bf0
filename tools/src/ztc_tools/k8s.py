"""``python -m ztc_tools.k8s generate|check``: each service's part of deploy/k8s/base, from its
manifest.

``deploy/k8s/base/<service>/<service>.yaml`` holds the service's API (Deployment, Service,
PodDisruptionBudget), its relay and one Deployment per worker run, all of one shape; what differs is
in ``services/<service>/service.toml`` (names, modules, ports, runs, ``[k8s]``: further ConfigMaps
and optional Secret keys). ``generate`` writes the files (``make k8s-generate``); ``check`` exits 1
when a committed file differs from what the manifests give (``make k8s-check``, in ``make lint``).
The rest of the base (config, platform, topics, ingress, each service's kustomization.yaml with
its ConfigMap generator) is written by hand.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ztc_tools.manifest import ServiceManifest, WorkerRun, manifests
from ztc_tools.stack.settings import find_repo_root

BASE = Path("deploy") / "k8s" / "base"


def _env_from(m: ServiceManifest) -> str:
    lines = [
        "          envFrom:",
        "            - configMapRef:",
        "                name: ztc-config",
    ]
    for name in m.k8s.config_maps:
        lines += ["            - configMapRef:", f"                name: {name}"]
    return "\n".join(lines)


def _secret(name: str, key: str, *, optional: bool = False) -> str:
    flag = ", optional: true" if optional else ""
    return (
        f"            - name: {name}\n"
        "              valueFrom:\n"
        f"                secretKeyRef: {{ name: ztc-secrets, key: {key}{flag} }}"
    )


def _env(m: ServiceManifest, process: str, *, api: bool = False, optional: bool = True) -> str:
    lines = [
        "          env:",
        "            - name: ZTC_PROCESS",
        f"              value: {process}",
        _secret("MONGODB_URI", f"MONGODB_URI_{m.variable_prefix}"),
    ]
    if api:
        lines += [_secret(key, key) for key in ("JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE")]
    if optional:
        lines += [_secret(key, key, optional=True) for key in m.k8s.optional_secrets]
    return "\n".join(lines)


_POD_SECURITY = """\
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        seccompProfile:
          type: RuntimeDefault"""

_CONTAINER_SECURITY = """\
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]"""


def _labels(m: ServiceManifest, component: str, indent: int) -> str:
    pad = " " * indent
    return f"{pad}app.kubernetes.io/name: {m.name}\n{pad}app.kubernetes.io/component: {component}"


def _command(module: str, *args: str) -> str:
    words = ", ".join(f'"{w}"' for w in ("python", "-m", module, *args))
    return f"          command: [{words}]"


def _header(m: ServiceManifest) -> str:
    relay = ", the outbox relay (one replica)" if m.relay is not None else ""
    workers = "workers" if len(m.runs) > 1 else "worker"
    joiner = " and its" if relay == "" else f"{relay} and its"
    return (
        f"# {m.names.zh} {m.name}: the API (2 replicas behind a Service, with a "
        f"PodDisruptionBudget){joiner} {workers}.\n"
        f"# Generated from services/{m.name}/service.toml by `make k8s-generate` "
        "(python -m ztc_tools.k8s):\n"
        "# edit the manifest or ztc_tools/k8s.py, not this file (`make k8s-check` compares them).\n"
    )


def _api(m: ServiceManifest) -> str:
    port = m.api.port
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {m.name}-api
  labels:
{_labels(m, "api", 4)}
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {{ maxSurge: 1, maxUnavailable: 0 }}
  selector:
    matchLabels:
{_labels(m, "api", 6)}
  template:
    metadata:
      labels:
{_labels(m, "api", 8)}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "{port}"
        prometheus.io/path: /metrics
    spec:
{_POD_SECURITY}
      terminationGracePeriodSeconds: 30
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
{_labels(m, "api", 14)}
      containers:
        - name: api
          image: ztc-{m.name}
{_command(m.api.module)}
          ports:
            - name: http
              containerPort: {port} # = {m.api_port_variable} in ztc-config
{_env_from(m)}
{_env(m, "api", api=True)}
          # The app opens MongoDB and creates its indexes before it serves anything.
          startupProbe:
            httpGet: {{ path: /healthz, port: http }}
            periodSeconds: 2
            failureThreshold: 45
          # /readyz checks MongoDB and Kafka one after the other, each within 3 s.
          readinessProbe:
            httpGet: {{ path: /readyz, port: http }}
            periodSeconds: 10
            timeoutSeconds: 7
            failureThreshold: 3
          # /healthz reads the store within 3 s and fails once that read has hung for
          # LIVENESS_HANG_S (30 s): a hung store restarts the process, a down one does not.
          livenessProbe:
            httpGet: {{ path: /healthz, port: http }}
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          resources:
            requests: {{ cpu: 100m, memory: 256Mi }}
            limits: {{ cpu: "1", memory: 512Mi }}
{_CONTAINER_SECURITY}
          volumeMounts:
            - {{ name: tmp, mountPath: /tmp }}
      volumes:
        - {{ name: tmp, emptyDir: {{}} }}
---
apiVersion: v1
kind: Service
metadata:
  name: {m.name}-api
  labels:
{_labels(m, "api", 4)}
spec:
  selector:
{_labels(m, "api", 4)}
  ports:
    - name: http
      port: {port}
      targetPort: http
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {m.name}-api
  labels:
{_labels(m, "api", 4)}
spec:
  minAvailable: 1
  selector:
    matchLabels:
{_labels(m, "api", 6)}
"""


_RELAY_COMMENT = (
    "# The outbox relay (ADR 0003): only the holder of the MongoDB lease `relay` publishes, "
    "so ONE replica,\n"
    "# and Recreate: on a rollout the old pod stops first (SIGTERM deletes its lease), then the new one\n"
    "# starts and takes the lease at once. Had the old pod died without releasing it, the new one takes\n"
    "# it when it expires (RELAY_LEASE_SECONDS, 10 s). A second replica would only wait for the lease.\n"
)


def _relay(m: ServiceManifest) -> str:
    assert m.relay is not None
    return (
        _RELAY_COMMENT
        + f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {m.name}-relay
  labels:
{_labels(m, "relay", 4)}
spec:
  replicas: 1
  revisionHistoryLimit: 5
  strategy:
    type: Recreate
  selector:
    matchLabels:
{_labels(m, "relay", 6)}
  template:
    metadata:
      labels:
{_labels(m, "relay", 8)}
    spec:
{_POD_SECURITY}
      # Long enough for the relay to finish its batch, flush its marks and delete its lease.
      terminationGracePeriodSeconds: 30
      containers:
        - name: relay
          image: ztc-{m.name}
{_command(m.relay.module)}
{_env_from(m)}
{_env(m, "relay", optional=False)}
            # Idle, the relay sleeps until a commit rings it over UDP at the address its lease
            # gives (ztc_shared.relay.wake); it looks by itself once a second anyway.
            - name: RELAY_WAKE_HOST
              value: 0.0.0.0
            - name: RELAY_WAKE_ADVERTISED
              valueFrom:
                fieldRef: {{ fieldPath: status.podIP }}
          # The relay serves no HTTP endpoint (ADR 0003: its backlog is reported by the API's
          # /metrics), so it has no probes: a crash restarts the container.
          resources:
            requests: {{ cpu: 50m, memory: 128Mi }}
            limits: {{ cpu: 500m, memory: 256Mi }}
{_CONTAINER_SECURITY}
          volumeMounts:
            - {{ name: tmp, mountPath: /tmp }}
      volumes:
        - {{ name: tmp, emptyDir: {{}} }}
"""
    )


def _worker(m: ServiceManifest, run: WorkerRun) -> str:
    assert m.worker is not None
    component = f"worker-{run.name}"
    port = m.worker.metrics_port
    return f"""# Worker `{run.name}`: {run.what}.
# One process per projection or reaction; a second replica would share the topics' partitions
# with the first (one consumer group). After `rebuild` switches in a new generation the worker
# exits on purpose and its restart serves that generation.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {m.name}-{component}
  labels:
{_labels(m, component, 4)}
spec:
  replicas: 1
  revisionHistoryLimit: 5
  selector:
    matchLabels:
{_labels(m, component, 6)}
  template:
    metadata:
      labels:
{_labels(m, component, 8)}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "{port}"
        prometheus.io/path: /metrics
    spec:
{_POD_SECURITY}
      terminationGracePeriodSeconds: 30
      containers:
        - name: worker
          image: ztc-{m.name}
{_command(m.worker.module, *m.worker_args(run))}
          ports:
            - name: metrics
              containerPort: {port} # = {m.metrics_port_variable}
{_env_from(m)}
{_env(m, "worker")}
          # The metrics endpoint is a thread of its own: it says the process is up, not that the
          # consumer keeps up (that is the lag on /metrics). Liveness only, generous.
          livenessProbe:
            tcpSocket: {{ port: metrics }}
            initialDelaySeconds: 60
            periodSeconds: 20
            failureThreshold: 6
          resources:
            requests: {{ cpu: 100m, memory: 256Mi }}
            limits: {{ cpu: "1", memory: 768Mi }}
{_CONTAINER_SECURITY}
          volumeMounts:
            - {{ name: tmp, mountPath: /tmp }}
            # WORKER_DATA_DIR: faust's per-group data directory.
            - {{ name: work, mountPath: /var/lib/ztc }}
      volumes:
        - {{ name: tmp, emptyDir: {{}} }}
        - {{ name: work, emptyDir: {{}} }}
"""


def render(m: ServiceManifest) -> str:
    """The text of ``deploy/k8s/base/<service>/<service>.yaml``."""
    parts = [_api(m)]
    if m.relay is not None:
        parts.append(_relay(m))
    parts += [_worker(m, run) for run in m.runs]
    return _header(m) + "---\n".join(parts)


def rendered(root: Path) -> dict[Path, str]:
    """Every generated file, by its path, with the text the manifests give."""
    return {root / BASE / m.name / f"{m.name}.yaml": render(m) for m in manifests(root)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ztc_tools.k8s", description=__doc__)
    parser.add_argument("command", choices=["generate", "check"])
    parser.add_argument(
        "--root", type=Path, default=None, help="the repository (default: this one)"
    )
    args = parser.parse_args(argv)
    root = (args.root or find_repo_root()).resolve()
    stale = []
    for path, text in rendered(root).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.command == "generate":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"wrote {path.relative_to(root)}\n")
        else:
            stale.append(str(path.relative_to(root)))
    if stale:
        sys.stderr.write(
            "stale (the manifests give other text): "
            + ", ".join(stale)
            + "; run make k8s-generate\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
