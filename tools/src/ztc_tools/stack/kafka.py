"""Local Apache Kafka 3.9.1: one KRaft node in combined broker+controller mode, run from jars.

Jars come from ``deploy/local/pom.xml`` via Maven into ``<stack_dir>/kafka/libs`` (once; reused
while the pom is unchanged). The log directory is formatted once with a cluster id kept in
``<stack_dir>/kafka/cluster.id``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import structlog
from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
)
from aiokafka.admin import (
    AIOKafkaAdminClient,
    NewTopic,
)
from aiokafka.errors import KafkaError

from ztc_tools.stack._process import Progress, phase, run_checked, spawn_detached
from ztc_tools.stack.errors import StackError
from ztc_tools.stack.settings import (
    LOG4J_RELATIVE_PATH,
    POM_RELATIVE_PATH,
    StackSettings,
)

log = structlog.get_logger(__name__)

KAFKA_VERSION = "3.9.1"
KAFKA_JAR = "kafka_2.13-" + KAFKA_VERSION + ".jar"
LIBS_MARKER = ".resolved"
RESOLVE_TIMEOUT_S = 900.0
FORMAT_TIMEOUT_S = 120.0
PROBE_TOPIC = "_ztc_stack_probe"

# What a health probe of a broker that is down, starting or unreachable may raise
# (asyncio's TimeoutError is an OSError).
HEALTH_ERRORS: tuple[type[BaseException], ...] = (KafkaError, OSError)


@dataclass(frozen=True)
class KafkaLayout:
    """Files of the local Kafka under ``<stack_dir>/kafka``."""

    root: Path

    @classmethod
    def of(cls, settings: StackSettings) -> KafkaLayout:
        return cls(settings.stack_dir / "kafka")

    @property
    def libs(self) -> Path:
        return self.root / "libs"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def cluster_id_file(self) -> Path:
        return self.root / "cluster.id"

    @property
    def log_file(self) -> Path:
        return self.root / "kafka.log"

    @property
    def classpath(self) -> str:
        return str(self.libs) + "/*"


def bootstrap_address(settings: StackSettings) -> str:
    return f"127.0.0.1:{settings.kafka_port}"


def render_properties(settings: StackSettings) -> str:
    """``server.properties`` of the single combined-mode node (retention left at the default)."""
    layout = KafkaLayout.of(settings)
    port, cport = settings.kafka_port, settings.kafka_controller_port
    entries = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{cport}",
        "controller.listener.names": "CONTROLLER",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(layout.data),
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "num.partitions": "3",
        "auto.create.topics.enable": "true",
        "group.initial.rebalance.delay.ms": "0",
    }
    lines = ["# Written by ztc_tools.stack on every start; edits are overwritten."]
    lines += [f"{key}={value}" for key, value in entries.items()]
    return "\n".join(lines) + "\n"


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (as ``Uuid``)."""
    while True:
        raw = uuid.uuid4().bytes
        text = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        # Kafka's Uuid.randomUuid() also avoids ids that start with '-' (they read as options).
        if not text.startswith("-"):
            return text


def _find_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise StackError(f"{name} is needed to run the local Kafka but is not on PATH")
    return found


def ensure_libs(settings: StackSettings, repo_root: Path, progress: Progress) -> None:
    """Resolve the Kafka jars into ``<stack_dir>/kafka/libs`` unless already there for this pom."""
    layout = KafkaLayout.of(settings)
    pom = repo_root / POM_RELATIVE_PATH
    if not pom.is_file():
        raise StackError(f"{pom} not found: run the launcher from the project checkout")
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    marker = layout.libs / LIBS_MARKER
    if (
        marker.is_file()
        and marker.read_text().strip() == digest
        and (layout.libs / KAFKA_JAR).is_file()
    ):
        return
    mvn = _find_tool("mvn")
    partial = layout.root / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with phase(progress, "resolving Kafka jars from Maven"):
        run_checked(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={partial}",
                "-DincludeScope=runtime",
            ],
            cwd=repo_root,
            timeout_s=RESOLVE_TIMEOUT_S,
            what="resolving Kafka jars with Maven",
        )
        if not (partial / KAFKA_JAR).is_file():
            raise StackError(f"Maven finished but {KAFKA_JAR} is missing from {partial}")
        (partial / LIBS_MARKER).write_text(digest + "\n")
        shutil.rmtree(layout.libs, ignore_errors=True)
        partial.rename(layout.libs)


def ensure_formatted(settings: StackSettings, progress: Progress) -> None:
    """Write ``server.properties`` and format the log directory once."""
    layout = KafkaLayout.of(settings)
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.properties.write_text(render_properties(settings))
    if (layout.data / "meta.properties").is_file():
        return
    if layout.cluster_id_file.is_file():
        cluster_id = layout.cluster_id_file.read_text().strip()
    else:
        cluster_id = new_cluster_id()
        layout.cluster_id_file.write_text(cluster_id + "\n")
    java = _find_tool("java")
    with phase(progress, "formatting Kafka storage"):
        run_checked(
            [
                java,
                "-Xmx256m",
                "-cp",
                layout.classpath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(layout.properties),
            ],
            cwd=layout.root,
            timeout_s=FORMAT_TIMEOUT_S,
            what="formatting the Kafka log directory",
        )


def start(settings: StackSettings, repo_root: Path) -> int:
    """Start the broker detached; returns its pid."""
    layout = KafkaLayout.of(settings)
    log4j = repo_root / LOG4J_RELATIVE_PATH
    if not log4j.is_file():
        raise StackError(f"{log4j} not found: run the launcher from the project checkout")
    java = _find_tool("java")
    args = [
        java,
        "-Xms256m",
        "-Xmx768m",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j.configuration=file:{log4j}",
        "-cp",
        layout.classpath,
        "kafka.Kafka",
        str(layout.properties),
    ]
    return spawn_detached(args, log_file=layout.log_file, cwd=layout.root)


async def check(bootstrap_servers: str, timeout_s: float = 5.0) -> None:
    """Raise unless the cluster answers a metadata request (``list_topics``) in time."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        request_timeout_ms=int(timeout_s * 1000),
        client_id="ztc-stack-health",
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout_s)
    finally:
        await admin.close()


async def round_trip(bootstrap_servers: str, timeout_s: float = 30.0) -> None:
    """Produce one record and read it back through a consumer group, then drop the topic.

    Run once after a fresh start so the group coordinator (``__consumer_offsets``) is ready
    before services connect.
    """
    payload = uuid.uuid4().hex.encode()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="ztc-stack-probe")
    await admin.start()
    try:
        # Created up front: auto-creation on produce logs "topic not found" warnings.
        # Per-topic errors (such as "already exists") come back in the response, not raised.
        await admin.create_topics([NewTopic(PROBE_TOPIC, 1, 1)])
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, client_id="ztc-stack-probe"
        )
        await producer.start()
        try:
            await asyncio.wait_for(producer.send_and_wait(PROBE_TOPIC, payload), timeout_s)
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            PROBE_TOPIC,
            bootstrap_servers=bootstrap_servers,
            group_id=PROBE_TOPIC,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            client_id="ztc-stack-probe",
        )
        await consumer.start()
        try:

            async def read_back() -> None:
                while True:
                    message = await consumer.getone()
                    if message.value == payload:
                        await consumer.commit()
                        return

            await asyncio.wait_for(read_back(), timeout_s)
        finally:
            await consumer.stop()
        await admin.delete_topics([PROBE_TOPIC])
    finally:
        await admin.close()
