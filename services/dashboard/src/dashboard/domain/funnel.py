"""The programme's funnel as the dashboard counts it, and the counters it keeps.

Pure: facts in, counter documents out. A *fact* is one step of one project through the funnel
(collected → admitted → longlisted → on stage → intents → signed → landed → industrialised), with
where it happened (province), when (year), in which field, at which host, and an amount in 万元.
The counters are kept pre-added in one document per scope — each province, and the nation — so the
overview is one small read whatever the size of the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    COLLECTED = "collected"
    ADMITTED = "admitted"
    LONGLISTED = "longlisted"
    ON_STAGE = "on_stage"
    INTENTS = "intents"
    SIGNED = "signed"
    LANDED = "landed"
    INDUSTRIALISED = "industrialised"


STAGES = tuple(Stage)
STAGE_NAMES: dict[Stage, dict[str, str]] = {
    Stage.COLLECTED: {"zh": "征集", "en": "Collected"},
    Stage.ADMITTED: {"zh": "入库", "en": "Admitted"},
    Stage.LONGLISTED: {"zh": "初筛", "en": "Longlisted"},
    Stage.ON_STAGE: {"zh": "路演", "en": "On stage"},
    Stage.INTENTS: {"zh": "对接意向", "en": "Intents"},
    Stage.SIGNED: {"zh": "签约", "en": "Signed"},
    Stage.LANDED: {"zh": "落地", "en": "Landed"},
    Stage.INDUSTRIALISED: {"zh": "产业化", "en": "Industrialised"},
}
UNKNOWN = "unknown"
NATIONAL = "national"


@dataclass(frozen=True)
class Fact:
    """One project's step through the funnel; ``count`` is -1 when a step is taken back (a
    candidate removed from a longlist)."""

    stage: Stage
    region: str
    year: int
    field: str = UNKNOWN
    host: str = ""
    count: int = 1
    amount_wan: Decimal = Decimal(0)


def scope_id(region: str | None) -> str:
    """The counter document of a province, or of the nation (``None``)."""
    return NATIONAL if region is None else f"province:{region}"


def scopes_of(fact: Fact) -> tuple[str, str]:
    return scope_id(fact.region), scope_id(None)


def empty_counters(scope: str) -> dict[str, Any]:
    return {
        "scope": scope,
        "stages": {},
        "by_region": {},
        "by_year": {},
        "by_field": {},
        "by_host": {},
        "cells": {},
    }


def _add(bucket: dict[str, Any], stage: str, count: int, amount: Decimal) -> None:
    value = bucket.setdefault(stage, {"n": 0, "wan": "0"})
    value["n"] = int(value["n"]) + count
    value["wan"] = str(Decimal(value["wan"]) + amount)


def add_fact(document: dict[str, Any], fact: Fact) -> None:
    """Add one fact to a scope's counters, in place: the totals, each dimension on its own, and
    (in a province's document) the fine cells of year × field × host."""
    stage, n, wan = fact.stage.value, fact.count, fact.amount_wan
    _add(document["stages"], stage, n, wan)
    _add(document["by_region"].setdefault(fact.region, {}), stage, n, wan)
    _add(document["by_year"].setdefault(str(fact.year), {}), stage, n, wan)
    _add(document["by_field"].setdefault(fact.field, {}), stage, n, wan)
    if fact.host:
        _add(document["by_host"].setdefault(fact.host, {}), stage, n, wan)
    if document["scope"] != NATIONAL:
        cell = f"{fact.year}|{fact.field}|{fact.host or '-'}"
        _add(document["cells"].setdefault(cell, {}), stage, n, wan)


def funnel(stages: dict[str, Any]) -> list[dict[str, Any]]:
    """The eight steps in order, zero where nothing happened yet."""
    rows = []
    for stage in STAGES:
        value = stages.get(stage.value, {"n": 0, "wan": "0"})
        rows.append(
            {
                "stage": stage.value,
                "name_zh": STAGE_NAMES[stage]["zh"],
                "name_en": STAGE_NAMES[stage]["en"],
                "count": int(value["n"]),
                "amount_wan": format(Decimal(value["wan"]).normalize(), "f"),
            }
        )
    return rows
