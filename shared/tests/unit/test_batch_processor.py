"""A batch is retried until it is written, and its dead letters are sent before it is acknowledged."""

from collections.abc import Sequence
from typing import Any

from ztc_shared.events import EventEnvelope, encode_event
from ztc_shared.projections import InMemoryProjectionStore, Message, ProjectionRunner
from ztc_shared.projections.processing import BatchProcessor, CollectingDeadLetterSink
from ztc_shared.testing.eventstore_contract import drafted, envelopes


class StatusProjector:
    """A projection of an achievement's status (a kernel test names no service's projector)."""

    def document_id(self, event: EventEnvelope) -> str | None:
        return event.stream_id

    def apply(self, document: dict[str, Any] | None, event: EventEnvelope) -> dict[str, Any]:
        status = {"AchievementDrafted": "draft", "AchievementSubmitted": "submitted"}
        return {**(document or {}), "status": status[event.event_type]}


class FlakyStore(InMemoryProjectionStore):
    """Fails its first writes, as a database that is briefly unreachable would."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def write(self, documents: dict[str, dict[str, Any]], new: set[str]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database unreachable")
        await super().write(documents, new)


def batch(*values: bytes) -> Sequence[Message]:
    return [Message("ztc.intake.events", 0, i, b"k", v) for i, v in enumerate(values)]


async def test_a_failed_write_is_retried_until_it_lands() -> None:
    store = FlakyStore(failures=2)
    processor = BatchProcessor(
        ProjectionRunner("library", StatusProjector(), store),
        CollectingDeadLetterSink(),
        max_backoff=0.01,
    )
    event = envelopes("a-1", 1, drafted())[0]
    outcome = await processor.process(batch(encode_event(event)))
    assert outcome.applied == 1
    assert store.failures == 0
    assert store.documents["a-1"]["status"] == "draft"


async def test_dead_letters_are_sent_with_their_reason() -> None:
    sink = CollectingDeadLetterSink()
    processor = BatchProcessor(
        ProjectionRunner("library", StatusProjector(), InMemoryProjectionStore()), sink
    )
    outcome = await processor.process(batch(b"garbage"))
    assert outcome.applied == 0
    assert [letter.message.value for letter in sink.letters] == [b"garbage"]
    assert sink.letters[0].reason.startswith("undecodable")
