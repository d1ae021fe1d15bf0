"""Loads the demo catalogue through intake's HTTP API, each achievement as far as its stage.

Every request carries an ``Idempotency-Key`` derived from the item and the step, so a second run
replays the first run's answers and writes nothing. The holder drafts and submits, the provincial
department assigns two agency evaluators, they score, and the department admits and publishes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from intake.demo.catalogue import CatalogueItem

STAGE_ORDER = ("draft", "submitted", "under_evaluation", "admitted", "published")
EVALUATORS = (
    {
        "evaluator_id": "demo-expert-001",
        "name": "周海涛",
        "institution": "广东省技术转移服务中心（演示）",
    },
    {
        "evaluator_id": "demo-expert-002",
        "name": "沈雅琴",
        "institution": "华南技术转移中心（演示）",
    },
)


@dataclass
class LoadReport:
    created: int = 0
    already_there: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    last_versions: dict[str, int] = field(default_factory=dict)  # achievement id → version
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _reached(stage: str, step: str) -> bool:
    return STAGE_ORDER.index(stage) >= STAGE_ORDER.index(step)


async def load_catalogue(
    intake_url: str,
    tokens: dict[str, str],
    items: Sequence[CatalogueItem],
    *,
    concurrency: int = 8,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> LoadReport:
    """``tokens`` holds bearer tokens for ``holder``, ``province``, ``demo-expert-001`` and
    ``demo-expert-002``. When ``should_stop`` answers true, items not yet begun are skipped (what
    was loaded stays; a later run completes it)."""
    report = LoadReport()
    started = time.monotonic()
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async with httpx.AsyncClient(base_url=intake_url, timeout=30.0) as client:

        async def post(
            path: str, who: str, key: str, body: dict[str, Any], expect: set[int]
        ) -> httpx.Response:
            content = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
            headers = {
                "Authorization": f"Bearer {tokens[who]}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"{key}-{hashlib.sha256(content).hexdigest()[:8]}",
            }
            reply = await client.post(path, content=content, headers=headers)
            if reply.status_code not in expect:
                raise RuntimeError(f"{path}: {reply.status_code} {reply.text[:300]}")
            return reply

        async def one(item: CatalogueItem) -> None:
            nonlocal done
            key = f"demo-{item.slug}"
            async with gate:
                if should_stop is not None and should_stop():
                    return
                drafted = await post("/achievements", "holder", key, item.body, {201})
                if drafted.headers.get("Idempotent-Replayed") == "true":
                    report.already_there += 1
                else:
                    report.created += 1
                achievement = f"/achievements/{drafted.json()['id']}"
                reply = drafted
                steps: list[tuple[str, str, str, dict[str, Any]]] = []
                if _reached(item.stage, "submitted"):
                    steps.append(("submitted", "/submit", "holder", {}))
                if _reached(item.stage, "under_evaluation"):
                    steps.append(
                        (
                            "under_evaluation",
                            "/evaluators",
                            "province",
                            {"evaluators": list(EVALUATORS)},
                        )
                    )
                if _reached(item.stage, "admitted"):
                    for n, evaluator in enumerate(EVALUATORS):
                        score = 3 + (int(item.slug[n], 16) % 3)
                        steps.append(
                            (
                                f"evaluation-{n}",
                                "/evaluations",
                                evaluator["evaluator_id"],
                                {
                                    "scores": {
                                        "advancement": score,
                                        "maturity": max(1, score - 1),
                                        "industrial_prospects": score,
                                        "intellectual_property": 4,
                                        "team_willingness": 5,
                                    },
                                    "comment": "技术路线清晰，具备产业化条件。",
                                    "recommendation": "admit",
                                },
                            )
                        )
                    steps.append(("admitted", "/admit", "province", {"note": "同意入库（演示）"}))
                if _reached(item.stage, "published"):
                    steps.append(("published", "/publish", "province", {}))
                for step, suffix, who, body in steps:
                    # The achievement's id is in the key: two holders drafting the same item get
                    # two achievements, and an operator's step on one is not a retry of the other.
                    # A 409 means the achievement is past this step already (data loaded by an
                    # earlier version of this loader, with other keys): go on.
                    reply = await post(
                        f"{achievement}{suffix}",
                        who,
                        f"{key}-{step}-{drafted.json()['id']}",
                        body,
                        {200, 409},
                    )
                if reply.status_code == 409:
                    reply = await client.get(
                        achievement, headers={"Authorization": f"Bearer {tokens['holder']}"}
                    )
                report.last_versions[drafted.json()["id"]] = int(reply.json()["stream_version"])
                report.by_stage[item.stage] = report.by_stage.get(item.stage, 0) + 1
                done += 1
                if progress is not None:
                    progress(done, len(items))

        results = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
    report.failures = [str(r) for r in results if isinstance(r, BaseException)]
    report.seconds = time.monotonic() - started
    return report
