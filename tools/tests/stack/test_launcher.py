"""The local stack launcher: settings and files without servers, then a real stack end to end.

The integration scenario runs in order on one stack in a temporary ``stack_dir`` on free loopback
ports (never the default 19092/19093/27018): first ``up`` resolves the jars and builds FerretDB
into that directory (Maven's and Go's caches make it quick), later calls reuse what is running,
``stop_stack`` stops it, and a restart reuses the cached jars and binary.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import AsyncMongoClient

import ztc_shared
import ztc_tools
from ztc_tools.stack import (
    StackEndpoints,
    StackError,
    StackSettings,
    ensure_stack,
    stack_status,
    stop_stack,
)
from ztc_tools.stack._process import is_alive, port_open
from ztc_tools.stack.kafka import new_cluster_id, render_properties
from ztc_tools.stack.settings import POM_RELATIVE_PATH
from ztc_tools.stack.state import ComponentRecord, load_records, save_records

SOURCES = f"{Path(ztc_tools.__file__).resolve().parents[1]}:{Path(ztc_shared.__file__).resolve().parents[1]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def isolated_settings(stack_dir: Path, **overrides: object) -> StackSettings:
    """Settings for a private stack; given servers from the environment are ignored."""
    fields: dict[str, object] = {
        "kafka_bootstrap_servers": None,
        "mongodb_uri": None,
        "stack_dir": stack_dir,
        "kafka_port": free_port(),
        "kafka_controller_port": free_port(),
        "mongodb_port": free_port(),
    }
    fields.update(overrides)
    return StackSettings.model_validate(fields)


# --- without servers ---------------------------------------------------------------------------


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    monkeypatch.setenv("MONGODB_URI", "  ")
    monkeypatch.setenv("ZTC_STACK_DIR", str(tmp_path / "s"))
    monkeypatch.setenv("ZTC_KAFKA_PORT", "29999")

    settings = StackSettings()

    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.mongodb_uri is None  # blank means "not given"
    assert settings.stack_dir == tmp_path / "s"
    assert settings.kafka_port == 29999
    assert settings.kafka_controller_port == 19093
    assert settings.mongodb_port == 27018


def test_default_stack_dir_is_dot_stack_at_the_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZTC_STACK_DIR", raising=False)

    stack_dir = StackSettings().stack_dir

    assert stack_dir.name == ".stack"
    assert (stack_dir.parent / POM_RELATIVE_PATH).is_file()


def test_kafka_runs_one_combined_kraft_node_on_loopback(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path, kafka_port=29092, kafka_controller_port=29093)

    lines = render_properties(settings).splitlines()

    for expected in (
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:29093",
        "listeners=PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093",
        "advertised.listeners=PLAINTEXT://127.0.0.1:29092",
        f"log.dirs={tmp_path / 'kafka' / 'data'}",
        "offsets.topic.replication.factor=1",
        "num.partitions=3",
        "group.initial.rebalance.delay.ms=0",
    ):
        assert expected in lines
    assert not any(line.startswith("log.retention") for line in lines)


def test_cluster_ids_look_like_kafka_uuids() -> None:
    ids = {new_cluster_id() for _ in range(200)}

    assert len(ids) == 200
    for cluster_id in ids:
        assert len(cluster_id) == 22
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_stack_json_round_trips(tmp_path: Path) -> None:
    record = ComponentRecord(
        name="kafka",
        engine="kafka",
        pid=4242,
        port=29092,
        controller_port=29093,
        endpoint="127.0.0.1:29092",
        log_file=str(tmp_path / "kafka" / "kafka.log"),
        started_at=1.5,
    )

    save_records(tmp_path, {"kafka": record})
    assert load_records(tmp_path) == {"kafka": record}

    save_records(tmp_path, {})
    assert not (tmp_path / "stack.json").exists()


def test_status_of_a_stack_never_started(tmp_path: Path) -> None:
    status = stack_status(isolated_settings(tmp_path))

    assert status["healthy"] is False
    assert set(status["components"]) == {"kafka", "mongodb"}
    for row in status["components"].values():
        assert row["running"] is False
        assert row["pid"] is None
        assert row["healthy"] is False


def test_given_servers_that_do_not_answer_fail_fast(tmp_path: Path) -> None:
    settings = isolated_settings(
        tmp_path,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        mongodb_uri=f"mongodb://127.0.0.1:{free_port()}/",
        stack_startup_timeout_s=2.0,
    )
    started = time.monotonic()

    with pytest.raises(StackError, match="not healthy"):
        ensure_stack(settings)

    assert time.monotonic() - started < 20
    assert not (tmp_path / "stack.json").exists()


async def test_refuses_to_run_inside_an_event_loop(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="running event loop"):
        ensure_stack(isolated_settings(tmp_path))


# --- a real stack ------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackSettings]:
    stack_settings = isolated_settings(tmp_path_factory.mktemp("stack"))
    yield stack_settings
    stop_stack(stack_settings)  # whatever happened in the tests


@pytest.fixture(scope="module")
def first_up(settings: StackSettings) -> tuple[StackEndpoints, Recorder, float]:
    progress = Recorder()
    started = time.monotonic()
    endpoints = ensure_stack(settings, progress=progress)
    return endpoints, progress, time.monotonic() - started


@pytest.fixture(scope="module")
def topic() -> str:
    return f"stack-test-{uuid.uuid4().hex[:8]}"


def run_cli(
    monkeypatch: pytest.MonkeyPatch, settings: StackSettings, *args: str
) -> subprocess.CompletedProcess[str]:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("MONGODB_URI", raising=False)
    monkeypatch.setenv("PYTHONPATH", SOURCES)
    monkeypatch.setenv("ZTC_KAFKA_PORT", str(settings.kafka_port))
    monkeypatch.setenv("ZTC_KAFKA_CONTROLLER_PORT", str(settings.kafka_controller_port))
    monkeypatch.setenv("ZTC_MONGODB_PORT", str(settings.mongodb_port))
    return subprocess.run(
        [sys.executable, "-m", "ztc_tools.stack", "--stack-dir", str(settings.stack_dir), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def produce_and_consume(bootstrap: str, topic: str, value: bytes | None) -> list[bytes]:
    """Optionally produce ``value``, then read the topic from the start with a new group."""
    if value is not None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(topic, value, key=b"k")
        finally:
            await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"g-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=20_000, max_records=10)
        seen = [message.value for messages in batches.values() for message in messages]
        await consumer.commit()
    finally:
        await consumer.stop()
    return seen


@pytest.mark.integration
def test_first_up_starts_kafka_and_a_mongodb_wire_server(
    settings: StackSettings, first_up: tuple[StackEndpoints, Recorder, float]
) -> None:
    endpoints, progress, elapsed = first_up

    assert endpoints == StackEndpoints(
        kafka_bootstrap_servers=f"127.0.0.1:{settings.kafka_port}",
        mongodb_uri=f"mongodb://127.0.0.1:{settings.mongodb_port}/",
        started=True,
    )
    records = load_records(settings.stack_dir)
    assert set(records) == {"kafka", "mongodb"}
    assert all(is_alive(record.pid) for record in records.values())
    assert (settings.stack_dir / "kafka" / "libs" / "kafka_2.13-3.9.1.jar").is_file()
    assert "starting Kafka 3.9.1" in progress.text()
    assert any(" done in " in line for line in progress.lines)
    print(f"first up took {elapsed:.1f}s:\n{progress.text()}")


@pytest.mark.integration
async def test_kafka_round_trip(
    first_up: tuple[StackEndpoints, Recorder, float], topic: str
) -> None:
    endpoints = first_up[0]

    seen = await produce_and_consume(endpoints.kafka_bootstrap_servers, topic, b"hello")

    assert seen == [b"hello"]


@pytest.mark.integration
async def test_mongo_round_trip(first_up: tuple[StackEndpoints, Recorder, float]) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(first_up[0].mongodb_uri)
    try:
        inserted = await client.stack_test.things.insert_one({"name": "成果", "n": 1})
        found = await client.stack_test.things.find_one({"_id": inserted.inserted_id})
    finally:
        await client.close()

    assert found is not None
    assert found["name"] == "成果"


@pytest.mark.integration
def test_a_second_ensure_reuses_the_running_stack(
    settings: StackSettings, first_up: tuple[StackEndpoints, Recorder, float]
) -> None:
    pids_before = {name: r.pid for name, r in load_records(settings.stack_dir).items()}
    progress = Recorder()
    started = time.monotonic()

    again = ensure_stack(settings, progress=progress)

    assert time.monotonic() - started < 15
    assert again.started is False
    assert again.kafka_bootstrap_servers == first_up[0].kafka_bootstrap_servers
    assert again.mongodb_uri == first_up[0].mongodb_uri
    assert {name: r.pid for name, r in load_records(settings.stack_dir).items()} == pids_before
    assert progress.lines == []


@pytest.mark.integration
def test_given_servers_are_checked_and_not_started(
    tmp_path: Path, first_up: tuple[StackEndpoints, Recorder, float]
) -> None:
    endpoints = first_up[0]
    settings = isolated_settings(
        tmp_path,
        kafka_bootstrap_servers=endpoints.kafka_bootstrap_servers,
        mongodb_uri=endpoints.mongodb_uri,
    )

    given = ensure_stack(settings)

    assert given == StackEndpoints(endpoints.kafka_bootstrap_servers, endpoints.mongodb_uri, False)
    assert not (tmp_path / "stack.json").exists()
    assert not (tmp_path / "kafka").exists()


@pytest.mark.integration
def test_status_reports_pids_ports_and_health(
    settings: StackSettings,
    first_up: tuple[StackEndpoints, Recorder, float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = load_records(settings.stack_dir)

    status = stack_status(settings)

    assert status["healthy"] is True
    kafka, mongodb = status["components"]["kafka"], status["components"]["mongodb"]
    assert (kafka["pid"], kafka["port"], kafka["running"]) == (
        records["kafka"].pid,
        settings.kafka_port,
        True,
    )
    assert (mongodb["pid"], mongodb["port"], mongodb["healthy"]) == (
        records["mongodb"].pid,
        settings.mongodb_port,
        True,
    )
    assert mongodb["engine"] in {"ferretdb", "mongod"}

    cli = run_cli(monkeypatch, settings, "status")
    assert cli.returncode == 0, cli.stderr
    assert str(records["kafka"].pid) in cli.stdout
    assert str(settings.mongodb_port) in cli.stdout


@pytest.mark.integration
def test_cli_up_prints_the_endpoints_of_the_running_stack(
    settings: StackSettings,
    first_up: tuple[StackEndpoints, Recorder, float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = run_cli(monkeypatch, settings, "up")

    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.splitlines() == [
        f"KAFKA_BOOTSTRAP_SERVERS={first_up[0].kafka_bootstrap_servers}",
        f"MONGODB_URI={first_up[0].mongodb_uri}",
    ]


@pytest.mark.integration
def test_stop_stops_the_processes_and_closes_the_ports(
    settings: StackSettings,
    first_up: tuple[StackEndpoints, Recorder, float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pids = [record.pid for record in load_records(settings.stack_dir).values()]

    stop_stack(settings)

    assert pids and not any(is_alive(pid) for pid in pids)
    for port in (settings.kafka_port, settings.kafka_controller_port, settings.mongodb_port):
        assert not port_open(port)
    assert not (settings.stack_dir / "stack.json").exists()
    assert stack_status(settings)["components"]["kafka"]["running"] is False
    assert run_cli(monkeypatch, settings, "status").returncode == 1


@pytest.mark.integration
def test_a_start_that_times_out_names_the_log_and_leaves_nothing_running(
    settings: StackSettings, first_up: tuple[StackEndpoints, Recorder, float]
) -> None:
    impatient = settings.model_copy(update={"stack_startup_timeout_s": 0.3})

    with pytest.raises(StackError) as failure:
        ensure_stack(impatient)

    assert "kafka.log" in str(failure.value) or "ferretdb.log" in str(failure.value)
    assert not (settings.stack_dir / "stack.json").exists()
    for port in (settings.kafka_port, settings.kafka_controller_port, settings.mongodb_port):
        assert not port_open(port)


@pytest.mark.integration
async def test_a_restart_reuses_jars_binary_and_data(
    settings: StackSettings, first_up: tuple[StackEndpoints, Recorder, float], topic: str
) -> None:
    progress = Recorder()
    started = time.monotonic()
    try:
        # ensure_stack is synchronous: run it off the test's event loop
        endpoints = await asyncio.to_thread(ensure_stack, settings, progress)
        elapsed = time.monotonic() - started

        assert endpoints.started is True
        assert not any(word in progress.text() for word in ("resolving", "building", "formatting"))
        assert elapsed < 60
        seen = await produce_and_consume(endpoints.kafka_bootstrap_servers, topic, None)
        assert seen == [b"hello"]
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(endpoints.mongodb_uri)
        try:
            assert await client.stack_test.things.count_documents({"name": "成果"}) == 1
        finally:
            await client.close()
        print(f"restart took {elapsed:.1f}s:\n{progress.text()}")
    finally:
        await asyncio.to_thread(stop_stack, settings)


def test_the_ferretdb_source_gets_both_fixes_or_the_build_stops(tmp_path: Path) -> None:
    from ztc_tools.stack.mongo import (
        ID_COLUMN_FILE,
        ID_COLUMN_PATCH,
        UPDATE_CLOSE_PATCH,
        UPDATE_HANDLER_FILE,
        patch_source,
    )

    for relative, (before, _after) in (
        (ID_COLUMN_FILE, ID_COLUMN_PATCH),
        (UPDATE_HANDLER_FILE, UPDATE_CLOSE_PATCH),
    ):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("package x\n" + before + "\t\treturn\n")
    patch_source(tmp_path)
    handler = (tmp_path / UPDATE_HANDLER_FILE).read_text()
    # each update's iterator is closed right after its update, not when the command ends
    assert 'UpdateDocument(ctx, c, "update", iter, &u)\n\t\tcloser.Close()\n' in handler
    assert ID_COLUMN_PATCH[1] in (tmp_path / ID_COLUMN_FILE).read_text()
    (tmp_path / ID_COLUMN_FILE).write_text(ID_COLUMN_PATCH[0])
    (tmp_path / UPDATE_HANDLER_FILE).write_text("package handler\n")
    with pytest.raises(StackError, match="per-update iterator"):
        patch_source(tmp_path)  # a FerretDB whose handler no longer holds the line
