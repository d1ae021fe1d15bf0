"""deploy/k8s rendered by kustomize: offline schema validation, and the deployment's invariants.

What the services' manifests say they run (services/<name>/service.toml, which make run and the
test process helpers read, and from which deploy/k8s/base/<service> is generated) and what the
services read (their settings classes, the topic names in ztc_shared.kafka) are the references:
the Kubernetes manifests must start the same processes with settings those classes accept.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.manifests import (
    K8S,
    KUBECTL_VALIDATE,
    KUSTOMIZE,
    PROVINCES,
    REPO,
    Rendered,
)
from ztc_shared.kafka.topics import dlq_topic, service_topic
from ztc_shared.settings import ServiceSettings
from ztc_tools.manifest import worker_projections
from ztc_tools.testing.processes import APIS, RELAYS, WORKERS

SERVICES = tuple(APIS)
PRODUCERS = tuple(RELAYS)  # a service with a relay publishes its own topic
NATIONAL_REGION = "100000"


def validate(tree: Path, out: Path, *overlays: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(K8S / "validate.sh"), str(tree)],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "KUSTOMIZE": str(KUSTOMIZE),
            "KUBECTL_VALIDATE": str(KUBECTL_VALIDATE),
            "K8S_OUT": str(out),
            "K8S_OVERLAYS": " ".join(overlays),
        },
    )


def deployments(r: Rendered) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in r.of_kind("Deployment")}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    result: dict[str, Any] = containers[0]
    return result


def port(c: dict[str, Any], name: str) -> int:
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    value: int = ports[name]
    return value


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}.config")
    classes = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ServiceSettings) and cls.__module__ == module.__name__
    ]
    assert len(classes) == 1, f"{service}.config: {classes}"
    return classes[0]


def environment(r: Rendered, c: dict[str, Any]) -> dict[str, str]:
    """What the container's process sees from its ConfigMaps and literal env entries."""
    env: dict[str, str] = {}
    for source in c.get("envFrom", []):
        name = source["configMapRef"]["name"]
        env.update(r.named("ConfigMap", name)["data"])
    for entry in c.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
    return env


def settings_for(service: str, env: dict[str, str]) -> ServiceSettings:
    """The service's settings as its process would build them from `env` (init values win)."""
    cls = settings_class(service)
    by_alias = {
        str(field.validation_alias): name
        for name, field in cls.model_fields.items()
        if isinstance(field.validation_alias, str)
    }
    fields = cls.model_fields
    values: dict[str, Any] = {}
    for key, raw in env.items():
        # Like the environment source: complex values (dicts, lists) arrive as JSON.
        value: Any = json.loads(raw) if raw[:1] in ("{", "[") else raw
        if key in by_alias:
            values[key] = value
        elif key.lower() in fields and fields[key.lower()].validation_alias is None:
            values[key.lower()] = value
    return cls(**values)


# --- validation -----------------------------------------------------------------------------------


def test_every_overlay_renders_and_validates_offline(k8s_tools: None, tmp_path: Path) -> None:
    result = validate(K8S, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for overlay in (*PROVINCES, "national"):
        assert re.search(rf"^{overlay}: \d+ resources valid", result.stdout, re.M), result.stdout


BREAKAGES = {
    # A native kind with a wrong type: the Kubernetes schema rejects it.
    "deployment-port-type": (
        "440000",
        "base/intake/intake.yaml",
        "containerPort: 8001",
        "containerPort: http-8001",
        "intake-api",
    ),
    # A Strimzi kind with a field its CRD does not have (a typo): rejected as unknown.
    "mirrormaker-unknown-field": (
        "national",
        "overlays/national/mirrormaker2.yaml",
        "topicsPattern:",
        "topicPattern:",
        "topicPattern",
    ),
    # A topic whose partitions are not a number.
    "topic-partitions-type": (
        "110000",
        "base/topics/topics.yaml",
        "partitions: 12",
        "partitions: twelve",
        "spec.partitions",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_validation_fails_on_a_broken_manifest(k8s_tools: None, tmp_path: Path, case: str) -> None:
    overlay, path, old, new, expected = BREAKAGES[case]
    tree = tmp_path / "k8s"
    shutil.copytree(K8S, tree)
    target = tree / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")

    result = validate(tree, tmp_path / "out", overlay)

    assert result.returncode != 0
    assert re.search(rf"^{overlay}: INVALID", result.stdout, re.M), result.stdout
    assert expected in result.stdout, result.stdout


def test_a_strimzi_kind_without_its_crd_is_not_waved_through(
    k8s_tools: None, tmp_path: Path
) -> None:
    tree = tmp_path / "k8s"
    shutil.copytree(K8S, tree)
    (tree / "crds" / "048-Crd-kafkamirrormaker2.yaml").unlink()

    result = validate(tree, tmp_path / "out", "440000", "national")

    assert result.returncode != 0
    assert re.search(r"^national: INVALID", result.stdout, re.M), result.stdout
    assert re.search(r"^440000: \d+ resources valid", result.stdout, re.M), result.stdout


# --- the processes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", sorted(PROVINCES))
def test_a_province_runs_every_process_make_run_runs(
    rendered: dict[str, Rendered], overlay: str
) -> None:
    found = deployments(rendered[overlay])
    expected: dict[str, list[str]] = {}
    for service in SERVICES:
        expected[f"{service}-api"] = ["python", "-m", APIS[service]]
        if service in RELAYS:
            expected[f"{service}-relay"] = ["python", "-m", RELAYS[service]]
        workers = [n for n in found if n.startswith(f"{service}-worker-")]
        projections = worker_projections(service)
        if projections == (None,):
            # One process of the worker's default projection, named by what it does.
            assert len(workers) == 1, workers
            expected[workers[0]] = ["python", "-m", WORKERS[service], "run"]
        else:
            for projection in projections:
                expected[f"{service}-worker-{projection}"] = [
                    "python",
                    "-m",
                    WORKERS[service],
                    "run",
                    str(projection),
                ]
    assert set(found) == set(expected)
    for name, command in expected.items():
        assert container(found[name])["command"] == command, name


def test_every_module_a_container_runs_exists(rendered: dict[str, Rendered]) -> None:
    for r in rendered.values():
        for d in r.of_kind("Deployment"):
            command = container(d)["command"]
            assert command[:2] == ["python", "-m"], d["metadata"]["name"]
            assert importlib.util.find_spec(command[2]) is not None, command


@pytest.mark.parametrize("overlay", sorted(PROVINCES))
def test_relays_run_one_replica_that_stops_before_the_next_starts(
    rendered: dict[str, Rendered], overlay: str
) -> None:
    found = deployments(rendered[overlay])
    relays = {n: d for n, d in found.items() if n.endswith("-relay")}
    assert set(relays) == {f"{s}-relay" for s in RELAYS}
    for name, d in relays.items():
        assert d["spec"]["replicas"] == 1, name
        assert d["spec"]["strategy"] == {"type": "Recreate"}, name


def test_apis_have_probes_a_service_and_a_disruption_budget(rendered: dict[str, Rendered]) -> None:
    for r in rendered.values():
        services = {s["metadata"]["name"]: s for s in r.of_kind("Service")}
        budgets = r.of_kind("PodDisruptionBudget")
        apis = {n: d for n, d in deployments(r).items() if n.endswith("-api")}
        assert apis, r.overlay
        for name, d in apis.items():
            c = container(d)
            assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
            assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
            assert d["spec"]["replicas"] >= 2, name
            labels = d["spec"]["template"]["metadata"]["labels"]
            service = services[name]
            assert service["spec"]["ports"][0]["port"] == port(c, "http"), name
            assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items()), name
            assert any(
                all(labels.get(k) == v for k, v in b["spec"]["selector"]["matchLabels"].items())
                and b["spec"].get("minAvailable", 0) >= 1
                for b in budgets
            ), f"{r.overlay}: no disruption budget for {name}"


def test_every_container_has_requests_limits_and_runs_as_non_root(
    rendered: dict[str, Rendered],
) -> None:
    for r in rendered.values():
        for d in [*r.of_kind("Deployment"), *r.of_kind("StatefulSet")]:
            pod = d["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True, d["metadata"]["name"]
            for c in pod["containers"]:
                for bound in ("requests", "limits"):
                    assert {"cpu", "memory"} <= set(c["resources"][bound]), (
                        f"{r.overlay}/{d['metadata']['name']}: {bound}"
                    )
                assert c["securityContext"]["allowPrivilegeEscalation"] is False


def test_each_process_runs_its_own_services_image(rendered: dict[str, Rendered]) -> None:
    for r in rendered.values():
        for name, d in deployments(r).items():
            service = name.split("-", 1)[0]
            assert container(d)["image"] == f"registry.example.com/ztc/{service}:0.1.0", name


# --- settings as the processes read them ------------------------------------------------------------


@pytest.mark.parametrize("overlay", [*sorted(PROVINCES), "national"])
def test_the_settings_each_process_reads(rendered: dict[str, Rendered], overlay: str) -> None:
    r = rendered[overlay]
    national = overlay == "national"
    kafka = r.named("Kafka", "ztc-kafka")
    plain = next(li for li in kafka["spec"]["kafka"]["listeners"] if li["name"] == "plain")
    for name, d in deployments(r).items():
        service = name.split("-", 1)[0]
        c = container(d)
        settings = settings_for(service, environment(r, c))
        assert settings.region == (NATIONAL_REGION if national else overlay), name
        assert settings.national is national, name
        assert settings.kafka_bootstrap_servers == f"ztc-kafka-kafka-bootstrap:{plain['port']}"
        assert settings.topic_prefix == "", name
        assert settings.jwt_algorithm == "RS256", name
        if name.endswith("-api"):
            assert settings.port == port(c, "http"), name
            assert settings.host == "0.0.0.0", name
        if "-worker-" in name:
            assert settings.worker_metrics_port == port(c, "metrics"), name
            assert settings.worker_data_dir.startswith("/var/lib/ztc/"), name
            mounts = {m["mountPath"] for m in c["volumeMounts"]}
            assert "/var/lib/ztc" in mounts, name
        if service == "dashboard":
            assert settings.mode == ("national" if national else "province")
            urls: dict[str, str] = settings.service_urls
            if national:
                assert urls == {}
            else:
                assert set(urls) == set(PRODUCERS)
                for producer, url in urls.items():
                    api = r.named("Service", f"{producer}-api")
                    assert url == f"http://{producer}-api:{api['spec']['ports'][0]['port']}"


def test_the_base_alone_does_not_start_a_region(tmp_path: Path, k8s_tools: None) -> None:
    """An overlay that forgets REGION fails the settings' check instead of posing as 440000."""
    from tests.deploy.manifests import render

    base = Rendered("base", render(K8S / "base"))
    c = container(deployments(base)["intake-api"])
    with pytest.raises(ValueError, match="region"):
        settings_for("intake", environment(base, c))


# --- topics, the national view ----------------------------------------------------------------------


def topics(r: Rendered) -> dict[str, dict[str, Any]]:
    return {t["spec"]["topicName"]: t for t in r.of_kind("KafkaTopic")}


def province_topic_names() -> set[str]:
    names = {service_topic(s) for s in PRODUCERS}
    return names | {dlq_topic(t) for t in names}


@pytest.mark.parametrize("overlay", [*sorted(PROVINCES), "national"])
def test_topics_are_kept_forever(rendered: dict[str, Rendered], overlay: str) -> None:
    found = topics(rendered[overlay])
    assert found
    config = rendered[overlay].config_map("ztc-config")
    for name, topic in found.items():
        assert topic["spec"]["config"]["retention.ms"] == -1, name
        assert topic["spec"]["config"]["retention.bytes"] == -1, name
        assert topic["spec"]["partitions"] == int(config["KAFKA_PARTITIONS"]), name
        assert topic["spec"]["replicas"] == int(config["KAFKA_REPLICATION_FACTOR"]), name
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "ztc-kafka", name


@pytest.mark.parametrize("overlay", sorted(PROVINCES))
def test_a_province_declares_every_services_topic(
    rendered: dict[str, Rendered], overlay: str
) -> None:
    assert set(topics(rendered[overlay])) == province_topic_names()
    kafka = rendered[overlay].named("Kafka", "ztc-kafka")
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False


def test_the_national_cluster_holds_every_provinces_mirrored_topics(
    rendered: dict[str, Rendered],
) -> None:
    from dashboard.application.views import SERVICES as DASHBOARD_SOURCES
    from dashboard.entrypoints.worker import national_pattern

    assert set(DASHBOARD_SOURCES) == set(PRODUCERS)
    pattern = re.compile(national_pattern(""))
    expected = {f"{alias}.{t}" for alias in PROVINCES.values() for t in province_topic_names()}
    found = set(topics(rendered["national"]))
    assert found == expected
    events = {t for t in found if not t.endswith(".dlq")}
    assert {t for t in found if pattern.match(t)} == events
    assert len(events) == len(PROVINCES) * len(PRODUCERS)


def test_mirrormaker_copies_each_provinces_events_under_its_alias(
    rendered: dict[str, Rendered],
) -> None:
    national = rendered["national"]
    (mm2,) = national.of_kind("KafkaMirrorMaker2")
    spec = mm2["spec"]
    clusters = {c["alias"]: c for c in spec["clusters"]}
    assert set(clusters) == {"national", *PROVINCES.values()}
    assert spec["connectCluster"] == "national"
    assert clusters["national"]["bootstrapServers"] == "ztc-kafka-kafka-bootstrap:9092"
    assert spec["version"] == national.named("Kafka", "ztc-kafka")["spec"]["kafka"]["version"]

    mirrors = {m["sourceCluster"]: m for m in spec["mirrors"]}
    assert set(mirrors) == set(PROVINCES.values())
    for region, alias in PROVINCES.items():
        mirror = mirrors[alias]
        assert mirror["targetCluster"] == "national"
        # MirrorMaker 2 matches the whole topic name (Java's Pattern.matches).
        accepted = re.compile(mirror["topicsPattern"])
        for t in province_topic_names():
            assert bool(accepted.fullmatch(t)) is (not t.endswith(".dlq")), t
        assert not accepted.fullmatch("__consumer_offsets")
        assert mirror["sourceConnector"]["config"]["replication.factor"] == 3

        # The province's side: the listener MirrorMaker 2 connects to, and its user.
        province = rendered[region]
        listener = next(
            li
            for li in province.named("Kafka", "ztc-kafka")["spec"]["kafka"]["listeners"]
            if li["name"] == "mirror"
        )
        host = listener["configuration"]["bootstrap"]["alternativeNames"][0]
        source = clusters[alias]
        assert source["bootstrapServers"] == f"{host}:{listener['port']}"
        assert listener["tls"] is True and "tls" in source
        user = province.named("KafkaUser", "national-mirror")
        assert user["spec"]["authentication"]["type"] == listener["authentication"]["type"]
        assert source["authentication"]["type"] == listener["authentication"]["type"]
        assert source["authentication"]["username"] == "national-mirror"
        assert (
            source["authentication"]["passwordSecret"]["secretName"] == f"{alias}-national-mirror"
        )


def test_the_national_view_runs_only_the_dashboard(rendered: dict[str, Rendered]) -> None:
    national = rendered["national"]
    assert set(deployments(national)) == {"dashboard-api", "dashboard-worker-views"}
    assert national.config_map("dashboard-config")["DASHBOARD_MODE"] == "national"
    assert {n["metadata"]["name"] for n in national.of_kind("Namespace")} == {"ztc-national"}


@pytest.mark.parametrize("overlay", sorted(PROVINCES))
def test_each_province_has_its_own_namespace_hostnames_and_sizes(
    rendered: dict[str, Rendered], overlay: str
) -> None:
    r = rendered[overlay]
    alias = PROVINCES[overlay]
    assert {n["metadata"]["name"] for n in r.of_kind("Namespace")} == {f"ztc-{overlay}"}
    namespaced = [d for d in r.docs if d["kind"] != "Namespace"]
    assert {d["metadata"].get("namespace") for d in namespaced} == {f"ztc-{overlay}"}
    ingress = r.named("Ingress", "ztc")
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    assert hosts == {f"ztc.{alias}.example.cn"} | {f"{s}.ztc.{alias}.example.cn" for s in PRODUCERS}
    assert set(ingress["spec"]["tls"][0]["hosts"]) == hosts
    backends = {
        rule["http"]["paths"][0]["backend"]["service"]["name"] for rule in ingress["spec"]["rules"]
    }
    assert backends == {f"{s}-api" for s in SERVICES}
    assert not any("example.invalid" in h for h in hosts)
    assert r.config_map("ztc-config")["REGION"] == overlay


def test_sizes_differ_where_the_overlays_say_so(rendered: dict[str, Rendered]) -> None:
    def size(r: Rendered) -> tuple[int, str]:
        pool = r.named("KafkaNodePool", "dual-role")
        return (
            deployments(r)["intake-api"]["spec"]["replicas"],
            pool["spec"]["storage"]["volumes"][0]["size"],
        )

    assert size(rendered["440000"]) == (3, "200Gi")
    assert size(rendered["110000"]) == (2, "100Gi")


def test_the_crds_are_the_strimzi_release_the_readme_names() -> None:
    readme = (K8S / "crds" / "README.md").read_text(encoding="utf-8")
    script = (K8S / "crds" / "regenerate.sh").read_text(encoding="utf-8")
    version = re.search(r"STRIMZI_VERSION:-([0-9.]+)", script)
    assert version is not None
    assert f"Strimzi {version.group(1)}" in readme
    kinds = set()
    for crd in (K8S / "crds").glob("*.yaml"):
        match = re.search(r"^    kind: (\w+)$", crd.read_text(encoding="utf-8"), re.M)
        assert match is not None, crd
        kinds.add(match.group(1))
    assert kinds == {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "KafkaMirrorMaker2"}
    assert (REPO / "deploy" / "k8s" / "README.md").exists()


def test_mongodb_admits_every_process_of_its_deployment(rendered: dict[str, Rendered]) -> None:
    for r in rendered.values():
        policy = r.named("NetworkPolicy", "mongodb")["spec"]
        mongodb = r.named("StatefulSet", "mongodb")["spec"]["template"]["metadata"]["labels"]
        assert all(mongodb.get(k) == v for k, v in policy["podSelector"]["matchLabels"].items())
        (rule,) = policy["ingress"]
        (source,) = rule["from"]
        admitted = source["podSelector"]["matchLabels"]
        assert rule["ports"] == [{"protocol": "TCP", "port": 27017}]
        for d in r.of_kind("Deployment"):
            labels = d["spec"]["template"]["metadata"]["labels"]
            assert all(labels.get(k) == v for k, v in admitted.items()), d["metadata"]["name"]


def test_mongodb_is_a_replica_set_the_services_connect_to_as_one(
    rendered: dict[str, Rendered],
) -> None:
    example = (K8S / "base" / "secret.example.yaml").read_text(encoding="utf-8")
    uris = re.findall(r"^  MONGODB_URI_[A-Z]+: (\S+)$", example, re.M)
    assert len(uris) == 6
    for r in rendered.values():
        mongodb = r.named("StatefulSet", "mongodb")["spec"]
        members = [f"mongodb-{i}.mongodb:27017" for i in range(mongodb["replicas"])]
        assert len(members) == 3, r.overlay  # a majority survives one member's loss
        pod = mongodb["template"]["spec"]
        args = pod["containers"][0]["args"]
        assert args[args.index("--replSet") + 1] == "rs0"
        keyfile = args[args.index("--keyFile") + 1]
        mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        assert keyfile.startswith(mounts["keyfile"] + "/"), r.overlay
        (copy,) = pod["initContainers"]
        assert "chmod 0400" in copy["command"][-1], r.overlay
        secret = next(v for v in pod["volumes"] if v["name"] == "keyfile-secret")["secret"]
        assert secret["items"][0]["key"] == "MONGO_KEYFILE"
        assert "MONGO_KEYFILE: " in example
        job = r.named("Job", "mongodb-replica-set")["spec"]["template"]["spec"]
        script = job["containers"][0]["command"][-1]
        assert '_id: "rs0"' in script and "NotYetInitialized" in script, r.overlay
        assert "[0, 1, 2]" in script  # the members it initiates are the StatefulSet's three
        budget = r.named("PodDisruptionBudget", "mongodb")["spec"]
        assert budget["maxUnavailable"] == 1
        # the services name every member and the set, so a failover moves them to the new primary
        for uri in uris:
            assert all(member in uri for member in members)
            assert "replicaSet=rs0" in uri


def test_each_service_connects_as_its_own_user_allowed_only_its_database(
    rendered: dict[str, Rendered],
) -> None:
    example = (K8S / "base" / "secret.example.yaml").read_text(encoding="utf-8")
    for r in rendered.values():
        connecting = set()
        for d in r.of_kind("Deployment"):
            owner = d["metadata"]["name"].split("-")[0]  # intake-api, intake-worker-public …
            for c in d["spec"]["template"]["spec"]["containers"]:
                uri_key = next(
                    (
                        e["valueFrom"]["secretKeyRef"]["key"]
                        for e in c.get("env", [])
                        if e["name"] == "MONGODB_URI"
                    ),
                    None,
                )
                if uri_key is None:
                    continue
                assert uri_key == f"MONGODB_URI_{owner.upper()}", (r.overlay, d["metadata"]["name"])
                uri = re.search(rf"^  {uri_key}: (\S+)$", example, re.M)
                assert uri is not None and uri.group(1).startswith(f"mongodb://ztc_{owner}:")
                connecting.add(owner)
        assert "dashboard" in connecting, r.overlay
        if r.overlay != "national":
            assert len(connecting) == 6, (r.overlay, connecting)
        job = r.named("Job", "mongodb-users")["spec"]["template"]["spec"]["containers"][0]
        script = job["command"][-1]
        assert 'role: "readWrite", db: "ztc_" + service' in script
        assert "createUser" in script and "updateUser" in script
        passwords = {e["name"] for e in job["env"]}
        services = re.search(r"for \(const service of \[([^\]]+)\]\)", script)
        assert services is not None
        named = {n.strip().strip('"') for n in services.group(1).split(",")}
        assert named == {"intake", "screening", "roadshow", "tracking", "notify", "dashboard"}
        assert {f"MONGO_PASSWORD_{n.upper()}" for n in named} <= passwords
