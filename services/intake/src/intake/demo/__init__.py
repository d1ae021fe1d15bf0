"""Intake's demo data for ``make run``, registered in ``services/intake/service.toml``.

- :func:`load_achievements`: a few hand-written achievements (:mod:`intake.demo.achievements`),
  drafted by the demo's holder or agency and mostly submitted;
- :func:`load_catalogue_demo`: the generated catalogue (:mod:`intake.demo.catalogue`, a few hundred
  achievements of 24 institutions in 12 provinces) taken through its lifecycle by
  :mod:`intake.demo.loader`: submitted, evaluated by two agency experts, admitted and published.

Everything goes through intake's HTTP API with idempotency keys, so a second run writes nothing.
Each step returns the lines the banner shows about it.
"""

from __future__ import annotations

import time
from typing import Protocol

from intake.demo.achievements import DEMO_ACHIEVEMENTS, DemoStepFailed, load_achievements
from intake.demo.catalogue import catalogue
from intake.demo.loader import EVALUATORS, LoadReport, load_catalogue
from ztc_shared.auth import Role

__all__ = [
    "DEMO_ACHIEVEMENTS",
    "EVALUATORS",
    "DemoStepFailed",
    "LoadReport",
    "catalogue",
    "load_achievements",
    "load_catalogue",
    "load_catalogue_demo",
]

STAGE_NAMES = {
    "draft": "草稿",
    "submitted": "待评估",
    "under_evaluation": "评估中",
    "admitted": "已入库",
    "published": "已公开",
}


class CatalogueRun(Protocol):
    """What ``make run`` hands a demo step; only what the catalogue step uses."""

    @property
    def catalogue_size(self) -> int: ...
    @property
    def holder(self) -> tuple[str, str]: ...
    @property
    def province(self) -> tuple[str, str]: ...
    @property
    def facts(self) -> dict[str, int]: ...
    def url(self, service: str) -> str: ...
    def token(self, role: Role, subject: str, name: str | None = None) -> str: ...
    def say(self, line: str) -> None: ...
    def stopping(self) -> bool: ...


async def load_catalogue_demo(run: CatalogueRun) -> list[str]:
    """``run.catalogue_size`` items of the catalogue through the whole lifecycle; records in
    ``run.facts["library_items"]`` how many reached the library (admitted or published), which
    the roadshow demo longlists from."""
    items = catalogue(run.catalogue_size)
    if not items:
        return []
    run.say(f"  成果库演示数据 catalogue: {len(items)} achievements through their lifecycle…")
    tokens = {
        "holder": run.token(Role.HOLDER, *run.holder),
        "province": run.token(Role.PROVINCE, *run.province),
        **{
            e["evaluator_id"]: run.token(Role.EXPERT, e["evaluator_id"], e["name"])
            for e in EVALUATORS
        },
    }
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - last[0] >= 2.0 or done == total:
            last[0] = time.monotonic()
            run.say(f"    {done}/{total}")

    report = await load_catalogue(
        run.url("intake"), tokens, items, progress=progress, should_stop=run.stopping
    )
    if run.stopping():
        return []
    if report.failures:
        raise DemoStepFailed(
            f"{len(report.failures)} catalogue items failed, first: {report.failures[0]}"
        )
    stages = "、".join(f"{STAGE_NAMES[k]} {v}" for k, v in sorted(report.by_stage.items()))
    run.say(
        f"  {report.created} new, {report.already_there} already there ({stages}) "
        f"in {report.seconds:.1f} s"
    )
    run.facts["library_items"] = report.by_stage.get("admitted", 0) + report.by_stage.get(
        "published", 0
    )
    published = report.by_stage.get("published", 0)
    return [
        f"成果库 {len(report.last_versions)} 项, 其中 {published} 项已公开 catalogue items, "
        f"{published} published: {run.url('intake')}/public/achievements?q=电池"
    ]
