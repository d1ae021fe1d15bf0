"""A reaction's dead letters on the real broker: listed with their reasons, replayed once the cause
is mended, each applied at most once however often the replay runs."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from ztc_shared.domain import StateConflict
from ztc_shared.events import EventEnvelope, encode_event
from ztc_shared.kafka import dlq_topic, ensure_topics
from ztc_shared.projections.processing import KafkaDeadLetterSink
from ztc_shared.projections.runner import DeadLetter, Message
from ztc_shared.reactions import ReactionDefinition, reaction_context
from ztc_shared.settings import ServiceSettings
from ztc_shared.testing.history_contract import noted
from ztc_shared.workers.cli import dead_letters_command

pytestmark = pytest.mark.integration


class Shortlists:
    """Refuses what is not yet possible; otherwise sends its command under the key the event store
    answers a retry by (the reaction's idempotency key), noting every key it was sent with."""

    def __init__(self) -> None:
        self.open: set[str] = set()
        self.sent: list[str] = []
        self.calls = 0

    async def react(self, event: EventEnvelope) -> None:
        self.calls += 1
        if event.stream_id not in self.open:
            raise StateConflict("registration_not_open", "报名尚未开始", "Registration not open")
        key = reaction_context(event, "shortlists", actor="host", role="host").idempotency_key
        assert key is not None
        self.sent.append(key)


def test_dead_letters_are_listed_and_replayed_once_mended(
    service_env: dict[str, str], run_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bootstrap = service_env["KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"{run_id}.letters-{uuid.uuid4().hex[:6]}.events"
    reactor = Shortlists()

    async def build(_database: Any) -> Shortlists:
        return reactor

    definition = ReactionDefinition("shortlists", (topic,), build)
    mine = [noted("roadshow-a", 1), noted("roadshow-b", 1), noted("roadshow-a", 2)]
    others = [noted("roadshow-c", 1)]

    async def dead_letter() -> None:
        await ensure_topics(bootstrap, [topic, dlq_topic(topic)], partitions=2)
        for projection, events in (("reaction.shortlists", mine), ("library", others)):
            sink = KafkaDeadLetterSink(bootstrap, projection)
            letters = [
                DeadLetter(
                    Message(
                        topic=topic,
                        partition=0,
                        offset=number,
                        key=event.stream_id.encode(),
                        value=encode_event(event),
                    ),
                    "refused (registration_not_open): Registration not open",
                )
                for number, event in enumerate(events)
            ]
            await sink.send(letters)
            await sink.stop()

    asyncio.run(dead_letter())
    settings = ServiceSettings(
        service="ztc", kafka_bootstrap_servers=bootstrap, mongodb_uri=service_env["MONGODB_URI"]
    )

    def run(*, replay: bool) -> tuple[int, str]:
        """``<service>-worker dead-letters shortlists [--replay]``: its report, its progress."""
        code = asyncio.run(dead_letters_command(settings, definition, replay))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    code, listed = run(replay=False)
    assert code == 0
    assert "3 dead letters of reaction shortlists" in listed
    assert listed.count("registration_not_open") == 3 and "roadshow-c" not in listed
    assert reactor.calls == 0  # listing hands nothing to the reaction

    reactor.open.add("roadshow-a")  # mended for one roadshow only
    code, replayed = run(replay=True)
    assert code == 1  # something is still refused
    assert "2 applied (or applied before), 1 refused again" in replayed
    assert "refused again: " in replayed and "roadshow-b" in replayed.split("refused again: ")[1]
    assert len(reactor.sent) == 2

    reactor.open.add("roadshow-b")
    code, replayed = run(replay=True)
    assert code == 0
    assert "3 applied (or applied before), 0 refused again" in replayed
    # roadshow-a's two letters were sent again under the keys the worker used, which the event
    # store answers from its records: replaying twice applies nothing twice
    assert len(reactor.sent) == 5
    assert set(reactor.sent) == {f"reaction:shortlists:{event.event_id}" for event in mine}
