"""The funnel as the dashboard counts it: which events are which steps, added exactly once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dashboard.adapters.counters import CountedMessage, InMemoryCounterStore, count
from dashboard.application.facts import facts_of, reference_updates
from dashboard.domain.funnel import Fact, Stage, funnel
from dashboard.scenario import Scenario, Step
from ztc_shared.events import EVENTS


def facts(steps: Step, references: dict[str, dict[str, Any]] | None = None) -> list[Fact]:
    """Facts of the steps, with references stated by earlier steps, as the worker keeps them."""
    known: dict[str, dict[str, Any]] = references if references is not None else {}
    found: list[Fact] = []
    for _, envelope in steps:
        payload = EVENTS.payload(envelope)
        for key, values in reference_updates(envelope, payload):
            known.setdefault(key, {}).update(values)
        found += facts_of(envelope, payload, known)
    return found


def test_a_results_path_through_the_funnel_names_its_steps_field_host_and_amounts() -> None:
    gd = Scenario("440000")
    known: dict[str, dict[str, Any]] = {}
    achievement_id, steps = gd.achievement("biotech")
    roadshow_id, planned = gd.roadshow("host-sz")
    round_id, opened = gd.screening_round("host-sz", roadshow_id, ["biotech"])
    case_id, case = gd.case(achievement_id, "host-sz", "biotech")
    steps += planned + opened + gd.longlist(round_id, achievement_id, "biotech")
    steps += gd.shortlist(round_id, [achievement_id]) + gd.intent(roadshow_id, achievement_id, 3)
    steps += case + gd.deal(case_id, achievement_id, "88.8", 3)
    steps += gd.landed(case_id, achievement_id, "500")

    found = facts(steps, known)

    assert [f.stage for f in found] == [
        Stage.COLLECTED,
        Stage.ADMITTED,
        Stage.LONGLISTED,
        Stage.ON_STAGE,
        Stage.INTENTS,
        Stage.SIGNED,
        Stage.LANDED,
    ]
    assert {f.field for f in found} == {"biotech"}
    assert [f.host for f in found] == ["", "", *["host-sz"] * 5]
    assert {f.region for f in found} == {"440000"}
    assert [f.amount_wan for f in found[-2:]] == [Decimal("88.8"), Decimal("500")]


def test_a_candidate_taken_off_the_longlist_is_counted_back() -> None:
    gd = Scenario("440000")
    round_id, steps = gd.screening_round("host-sz", "rs-1", ["biotech"])
    steps += gd.longlist(round_id, "ach-1", "biotech")
    removed = EVENTS.model("CandidateRemoved")(achievement_id="ach-1", reason="持有人撤回")
    steps.append(gd._event("screening", round_id, removed))
    assert [f.count for f in facts(steps)] == [1, -1]


def counted(steps: Step, start: int = 0, partition: int = 0) -> list[CountedMessage]:
    messages = []
    known: dict[str, dict[str, Any]] = {}
    for offset, (_, envelope) in enumerate(steps, start=start):
        payload = EVENTS.payload(envelope)
        for key, values in reference_updates(envelope, payload):
            known.setdefault(key, {}).update(values)
        messages.append(
            CountedMessage(
                "ztc.intake.events", partition, offset, tuple(facts_of(envelope, payload, known))
            )
        )
    return messages


async def test_counters_add_each_message_once_though_batches_are_delivered_again() -> None:
    gd, bj = Scenario("440000"), Scenario("110000")
    steps: Step = []
    for field in ("biotech", "biotech", "new_energy"):
        steps += gd.achievement(field)[1]
    steps += bj.achievement("new_materials", admitted=False)[1]
    messages = counted(steps)
    store = InMemoryCounterStore()

    await count(store, messages[:5])
    await count(store, messages[:5])  # redelivered after a crash before the commit
    await count(store, messages[3:])  # and a batch overlapping it

    national = await store.get("national")
    province = await store.get("province:440000")
    assert national is not None and province is not None
    rows = {r["stage"]: r["count"] for r in funnel(national["stages"])}
    assert rows["collected"] == 4 and rows["admitted"] == 3
    assert {r["stage"]: r["count"] for r in funnel(province["stages"])}["collected"] == 3
    assert province["by_field"]["biotech"]["collected"]["n"] == 2
    assert set(national["by_region"]) == {"440000", "110000"}
    year = str(gd.at.year)
    cells = await store.get("province:440000|cells")
    assert cells is not None and cells["cells"][f"{year}|biotech|-"]["admitted"]["n"] == 2


async def test_a_writer_that_lost_the_race_reads_again_and_adds_what_is_left() -> None:
    store = InMemoryCounterStore()
    messages = counted(Scenario("440000").achievement("biotech")[1])
    original = store.save
    raced = {"done": False}

    async def save_after_another_writer(document: dict[str, Any], revision: int | None) -> bool:
        if not raced["done"]:
            raced["done"] = True
            await count(store, messages[:1])  # another worker adds the first message meanwhile
        return await original(document, revision)

    store.save = save_after_another_writer  # type: ignore[method-assign]
    await count(store, messages)
    national = await store.get("national")
    assert national is not None
    assert national["stages"]["collected"]["n"] == 1
    assert national["stages"]["admitted"]["n"] == 1
