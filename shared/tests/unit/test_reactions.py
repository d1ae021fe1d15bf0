"""The reaction runner: what a batch's failures mean."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ztc_shared.domain import DomainError, StateConflict
from ztc_shared.events import EventEnvelope, encode_event
from ztc_shared.projections.runner import Message
from ztc_shared.reactions import ReactionRunner, reaction_context
from ztc_shared.reactions.runner import handle_until_done


def envelope(n: int) -> EventEnvelope:
    return EventEnvelope(
        event_id=uuid.UUID(int=n),
        event_type="ShortlistFinalized",
        schema_version=1,
        stream_id="round-1",
        stream_type="screening_round",
        stream_version=n,
        occurred_at=datetime(2026, 5, 1, tzinfo=UTC),
        region="440000",
        actor="a",
        correlation_id="corr",
        payload={"selected": ["x"]},
    )


def message(n: int, value: bytes | None = None) -> Message:
    return Message(
        topic="t",
        partition=0,
        offset=n,
        key=b"k",
        value=value or encode_event(envelope(n)),
        timestamp_ms=None,
    )


class Recorder:
    def __init__(self, refuse: frozenset[int] = frozenset(), fail_times: int = 0) -> None:
        self.seen: list[int] = []
        self.refuse = refuse
        self.fail_times = fail_times

    async def react(self, event: EventEnvelope) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("database away")
        n = event.stream_version
        if n in self.refuse:
            raise StateConflict("nope", "不行", "Refused")
        self.seen.append(n)


async def test_events_are_handled_in_order_and_refusals_become_dead_letters() -> None:
    recorder = Recorder(refuse=frozenset({2}))
    outcome = await ReactionRunner("r", recorder).handle([message(1), message(2), message(3)])
    assert recorder.seen == [1, 3]
    assert (outcome.reacted, outcome.refused) == (2, 1)
    assert [d.message.offset for d in outcome.dead_letters] == [2]
    assert "nope" in outcome.dead_letters[0].reason


async def test_an_undecodable_message_is_a_dead_letter() -> None:
    outcome = await ReactionRunner("r", Recorder()).handle([message(1, b"not json")])
    assert outcome.reacted == 0
    assert outcome.dead_letters[0].reason.startswith("undecodable")


async def test_a_transient_failure_is_retried_until_it_passes() -> None:
    recorder = Recorder(fail_times=2)
    outcome = await handle_until_done(
        ReactionRunner("r", recorder), [message(1)], first_delay=0.001
    )
    assert recorder.seen == [1]
    assert outcome.reacted == 1


async def test_a_transient_failure_is_not_swallowed_by_the_runner() -> None:
    with pytest.raises(ConnectionError):
        await ReactionRunner("r", Recorder(fail_times=1)).handle([message(1)])


def test_the_command_context_carries_the_cause_and_a_stable_idempotency_key() -> None:
    event = envelope(7)
    first = reaction_context(event, "screening", actor="host-sz", role="host")
    again = reaction_context(event, "screening", actor="host-sz", role="host")
    assert first.idempotency_key == again.idempotency_key == f"reaction:screening:{event.event_id}"
    assert first.causation_id == str(event.event_id)
    assert first.correlation_id == "corr"
    other = reaction_context(envelope(8), "screening", actor="host-sz", role="host")
    assert other.idempotency_key != first.idempotency_key
    assert isinstance(StateConflict("a", "b", "c"), DomainError)
