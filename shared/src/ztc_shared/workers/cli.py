"""A service's worker command: ``run`` a projection or a reaction, ``rebuild`` a projection, or
list and replay a reaction's ``dead-letters``.

<service>-worker run <projection>
<service>-worker run <reaction>       (see ztc_shared.reactions)
<service>-worker rebuild <projection> [--no-switch]
<service>-worker dead-letters <reaction> [--replay]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path

from prometheus_client import start_http_server

from ztc_shared import failpoints
from ztc_shared.kafka import dlq_topic, ensure_topics
from ztc_shared.mongo import make_client
from ztc_shared.observability.logging import configure_logging
from ztc_shared.projections.catalog import Generation, MongoProjectionCatalog
from ztc_shared.projections.faust_app import build_projection_app, run_projection_worker
from ztc_shared.projections.rebuild import RebuildReport, rebuild_projection
from ztc_shared.projections.runner import ProjectionDefinition
from ztc_shared.reactions.replay import dead_letters, replay_dead_letters
from ztc_shared.reactions.runner import ReactionDefinition, ReactionRunner
from ztc_shared.reactions.worker import run_reaction_worker
from ztc_shared.settings import ServiceSettings


async def _prepare(settings: ServiceSettings, definition: ProjectionDefinition) -> Generation:
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [*definition.topics, *(dlq_topic(t) for t in definition.topics)],
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
    )
    client = make_client(settings.mongodb_uri)
    try:
        catalog = MongoProjectionCatalog(
            client[settings.database], settings.service, settings.topic_prefix
        )
        return await catalog.active(definition.name)
    finally:
        await client.close()


async def _rebuild(
    settings: ServiceSettings, definition: ProjectionDefinition, switch: bool
) -> RebuildReport:
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        definition.topics,
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
    )
    client = make_client(settings.mongodb_uri)
    try:
        return await rebuild_projection(
            service=settings.service,
            definition=definition,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            database=client[settings.database],
            progress=lambda line: print(line, file=sys.stderr, flush=True),  # noqa: T201 - CLI
            switch=switch,
            group_prefix=settings.topic_prefix,
        )
    finally:
        await client.close()


async def dead_letters_command(
    settings: ServiceSettings, definition: ReactionDefinition, replay: bool
) -> int:
    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)  # noqa: T201 - CLI progress

    letters = await dead_letters(settings.kafka_bootstrap_servers, definition)
    print(f"{len(letters)} dead letters of reaction {definition.name}")  # noqa: T201 - CLI
    if not replay:
        for letter in letters:
            print(letter.describe())  # noqa: T201 - CLI output
        return 0
    client = make_client(settings.mongodb_uri)
    try:
        runner = ReactionRunner(definition.name, await definition.build(client[settings.database]))
        report = await replay_dead_letters(runner, letters, progress=say)
    finally:
        await client.close()
    print(  # noqa: T201 - CLI output
        f"replayed {report.letters}: {len(report.applied)} applied (or applied before), "
        f"{len(report.refused)} refused again"
    )
    return 0 if not report.refused else 1


def worker_main(
    settings: ServiceSettings,
    definitions: Mapping[str, ProjectionDefinition],
    argv: list[str] | None = None,
    reactions: Mapping[str, ReactionDefinition] | None = None,
) -> int:
    reactions = reactions or {}
    parser = argparse.ArgumentParser(prog=f"{settings.service}-worker")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="apply events to a projection (the default) or react")
    run.add_argument(
        "projection",
        nargs="?",
        default=next(iter(definitions), None) or next(iter(reactions)),
        choices=[*definitions, *reactions],
    )
    rebuild = commands.add_parser("rebuild", help="replay the topics into a new generation")
    rebuild.add_argument("projection", choices=list(definitions))
    rebuild.add_argument(
        "--no-switch", action="store_true", help="build it but keep the old one active"
    )
    letters = commands.add_parser(
        "dead-letters", help="list a reaction's dead letters; --replay hands them to it again"
    )
    letters.add_argument("reaction", choices=list(reactions))
    letters.add_argument(
        "--replay", action="store_true", help="replay them (each applies at most once)"
    )
    args = parser.parse_args(argv)
    configure_logging(settings.service, settings.region, settings.log_level, json=settings.log_json)
    failpoints.configure(settings.failpoints)

    if args.command == "rebuild":
        report = asyncio.run(_rebuild(settings, definitions[args.projection], not args.no_switch))
        print(  # noqa: T201 - CLI output
            f"rebuilt {report.projection}: generation {report.previous.number} → "
            f"{report.generation.number} ({report.generation.collection}), "
            f"{report.events_applied} events applied, {report.documents} documents, "
            f"{report.dead_letters} dead letters, {report.seconds:.1f}s, "
            f"{'switched in' if report.switched else 'not switched'}"
        )
        return 0

    if args.command == "dead-letters":
        return asyncio.run(dead_letters_command(settings, reactions[args.reaction], args.replay))

    name = getattr(args, "projection", None) or next(iter(definitions), None)
    if name is None or name in reactions:
        return run_reaction_worker(settings, reactions[name or next(iter(reactions))])
    definition = definitions[name]
    generation = asyncio.run(_prepare(settings, definition))
    start_http_server(settings.worker_metrics_port, addr=settings.host)
    data_dir = Path(settings.worker_data_dir) / generation.group_id
    data_dir.mkdir(parents=True, exist_ok=True)
    app = build_projection_app(
        service=settings.service,
        definition=definition,
        generation=generation,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        mongodb_uri=settings.mongodb_uri,
        database=settings.database,
        group_prefix=settings.topic_prefix,
        data_dir=str(data_dir),
        batch_size=settings.projection_batch_size,
        batch_within=settings.projection_batch_within_ms / 1000,
        on_start=lambda: configure_logging(
            settings.service, settings.region, settings.log_level, json=settings.log_json
        ),
    )
    run_projection_worker(app)
    return 0
