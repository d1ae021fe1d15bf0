"""One way to build the faust app of a worker, so that every worker consumes alike.

Every worker takes raw records in batches with ``quiet_take`` and acknowledges them itself after
its write, from the earliest offset of a new group, and produces (its dead letters) with
``acks=all``. Only the group, where its data lives, the batch size and a few timeouts differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faust

from ztc_shared.workers.messages import Message


def faust_app(
    group_id: str,
    *,
    bootstrap_servers: str,
    data_dir: str | Path,
    max_poll_records: int,
    **options: Any,
) -> faust.App:
    """A faust app consuming as group ``group_id``; ``options`` adds to or overrides faust's."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = {
        "datadir": str(data_dir),
        "broker": f"kafka://{bootstrap_servers}",
        "key_serializer": "raw",
        "value_serializer": "raw",
        "web_enabled": False,
        "consumer_auto_offset_reset": "earliest",
        "broker_commit_interval": 1.0,
        "broker_max_poll_records": max_poll_records,
        "topic_replication_factor": 1,
        "topic_disable_leader": True,
        "producer_acks": -1,
        "stream_wait_empty": True,
        # A worker killed with kill -9 holds its partitions until its session expires: the group
        # waits for it before a restarted (or surviving) worker gets them. faust's 60 s left a
        # restarted worker stale for a minute; 8 s with a heartbeat every second still rides out
        # a loop busy for several seconds (a large batch, jieba's first load).
        "broker_session_timeout": 8.0,
        "broker_heartbeat_interval": 1.0,
    }
    settings.update(options)
    return faust.App(group_id, **settings)


def message_of(event: Any, *, with_timestamp: bool = True) -> Message:
    """The record of a faust stream event as the runners read it."""
    record = event.message
    timestamp = int(record.timestamp * 1000) if with_timestamp and record.timestamp else None
    return Message(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        timestamp_ms=timestamp,
    )


def run_worker(app: faust.App) -> None:
    """Run the faust worker in this process until it is stopped (SIGTERM or SIGINT)."""
    worker = faust.Worker(app, loglevel="WARNING", redirect_stdouts=False, quiet=True)
    worker.execute_from_commandline()
