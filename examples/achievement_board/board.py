"""An internal team's first consumer of the platform's events: a board of achievements.

It follows intake's topic from the very beginning (retention is infinite, so the whole history is
there), reads each event as the plain JSON the event catalogue describes (docs/asyncapi), and keeps
one line per achievement: title, field, TRL, status and when it last changed, plus counts by status.

What every consumer of these streams must do, and this one shows:

* start from the beginning, or from its own committed offsets when given a consumer group;
* skip an event whose ``stream_version`` it has already applied for that stream (delivery is at
  least once, so the same event can arrive twice);
* tolerate what it does not know: event types it has no use for and messages it cannot read are
  counted and passed over, never a reason to stop.

It needs only ``aiokafka`` — no code of the platform. Run it with ``--help`` for the options.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

log = logging.getLogger("achievement_board")

# The events of ztc.intake.events this board uses, and the status each one leaves behind.
STATUS_AFTER = {
    "AchievementDrafted": "draft",
    "AchievementSubmitted": "submitted",
    "AchievementReturned": "returned",
    "AchievementResubmitted": "submitted",
    "AchievementAdmitted": "admitted",
    "AchievementRejected": "rejected",
    "AchievementPublished": "published",
    "AchievementWithdrawn": "withdrawn",
    "AchievementArchived": "archived",
}
STATUS_NAMES = {
    "draft": "草稿",
    "submitted": "已提交",
    "returned": "已退回",
    "admitted": "已入库",
    "rejected": "未入库",
    "published": "已公开",
    "withdrawn": "已撤回",
    "archived": "已归档",
}
DETAILS = ("title", "field", "trl", "institution")


@dataclass
class Board:
    """The view: what the board shows, built only from events."""

    achievements: dict[str, dict[str, Any]] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)
    ignored: Counter[str] = field(default_factory=Counter)
    unreadable: int = 0
    duplicates: int = 0
    events: int = 0

    def handle(self, value: bytes) -> None:
        try:
            event = json.loads(value)
            event_type = str(event["event_type"])
            stream_id = str(event["stream_id"])
            version = int(event["stream_version"])
            payload = dict(event.get("payload") or {})
        except (ValueError, KeyError, TypeError):
            self.unreadable += 1
            return
        if event_type not in STATUS_AFTER and event_type != "AchievementUpdated":
            self.ignored[event_type] += 1  # new or irrelevant event types are fine
            return
        if self.applied.get(stream_id, 0) >= version:
            self.duplicates += 1
            return
        self.applied[stream_id] = version
        self.events += 1
        entry = self.achievements.setdefault(stream_id, {"id": stream_id})
        for name in DETAILS:
            if name in payload:
                entry[name] = payload[name]
        if event_type in STATUS_AFTER:
            entry["status"] = STATUS_AFTER[event_type]
            entry["status_name"] = STATUS_NAMES[entry["status"]]
        entry["region"] = event.get("region")
        entry["version"] = version
        entry["changed_at"] = event.get("occurred_at")

    def view(self) -> dict[str, Any]:
        by_status = Counter(a.get("status", "unknown") for a in self.achievements.values())
        return {
            "achievements": self.achievements,
            "by_status": dict(sorted(by_status.items())),
            "events_applied": self.events,
            "duplicates_skipped": self.duplicates,
            "ignored_event_types": dict(sorted(self.ignored.items())),
            "unreadable": self.unreadable,
        }


def write_view(board: Board, path: Path) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(board.view(), ensure_ascii=False, indent=2), encoding="utf-8")
    partial.replace(path)  # readers never see half a file


async def follow(
    bootstrap: str, topic: str, out: Path, *, group: str | None, idle_exit: float | None
) -> Board:
    """Consume ``topic`` from the start into a board, writing ``out`` after every batch; stop after
    ``idle_exit`` seconds without a message (None: follow for ever)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=group is not None,
    )
    board = Board()
    await consumer.start()
    try:
        last_message = time.monotonic()
        while idle_exit is None or time.monotonic() - last_message < idle_exit:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            records = [record for batch in batches.values() for record in batch]
            for record in records:
                if record.value is not None:
                    board.handle(record.value)
            if records:
                last_message = time.monotonic()
                write_view(board, out)
                log.info(
                    "board.updated events=%d achievements=%d", board.events, len(board.achievements)
                )
        write_view(board, out)
    finally:
        await consumer.stop()
    return board


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS)",
    )
    parser.add_argument(
        "--topic",
        default=os.environ.get("ZTC_TOPIC_PREFIX", "") + "ztc.intake.events",
        help="the topic to follow (default: $ZTC_TOPIC_PREFIX + ztc.intake.events)",
    )
    parser.add_argument("--out", type=Path, default=Path("board.json"), help="where the view goes")
    parser.add_argument(
        "--group", default=None, help="a consumer group, to resume where it left off"
    )
    parser.add_argument(
        "--idle-exit", type=float, default=None, help="stop after this many quiet seconds"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(
        follow(args.bootstrap, args.topic, args.out, group=args.group, idle_exit=args.idle_exit)
    )


if __name__ == "__main__":
    main()
