"""The one-to-one scheduler: the rules on hand-made and random instances, the priority order,
the explanations, the fast solver against the exact one, agendas, the workbook and the day's
changes."""

from __future__ import annotations

import io
import random

import pytest
from openpyxl import load_workbook

from roadshow.adapters.cpsat import schedule_exact
from roadshow.adapters.meetings_workbook import export_xlsx
from roadshow.domain.scheduling import (
    Company,
    Meeting,
    MeetingStatus,
    Preference,
    Priority,
    Problem,
    Project,
    Reason,
    Schedule,
    ScheduleError,
    Side,
    Stage,
    agendas,
    cancel_meeting,
    finalize,
    make_slots,
    move_meeting,
    pair_priority,
    record_no_show,
    schedule_fast,
    served_weight,
    violations,
)

MUST, MEET, NO = Preference.MUST_MEET, Preference.MEET, Preference.NO_THANKS
SOLVERS = [schedule_fast, schedule_exact]


def problem(
    companies: dict[str, set[int]],
    projects: dict[str, set[int]],
    company_wishes: dict[tuple[str, str], Preference] | None = None,
    project_wishes: dict[tuple[str, str], Preference] | None = None,
    *,
    slots: int = 4,
    tables: int = 5,
    max_per_company: int = 3,
    max_per_project: int = 3,
) -> Problem:
    return Problem(
        slots=make_slots("14:00", 15, slots),
        tables=tables,
        max_per_company=max_per_company,
        max_per_project=max_per_project,
        companies=tuple(Company(c, f"企业{c}", frozenset(s)) for c, s in companies.items()),
        projects=tuple(Project(p, f"项目{p}", frozenset(s)) for p, s in projects.items()),
        company_wishes=company_wishes or {},
        project_wishes=project_wishes or {},
    )


def random_problem(seed: int, n_comp: int = 20, n_proj: int = 5, n_slots: int = 5) -> Problem:
    rng = random.Random(seed)

    def free() -> set[int]:
        return {s for s in range(n_slots) if rng.random() < 0.75} or {0}

    def wish() -> Preference:
        return rng.choices([MUST, MEET, NO], [0.3, 0.63, 0.07])[0]

    comps = {f"9131{i:014d}": free() for i in range(n_comp)}
    projs = {f"ach-{j}": free() for j in range(n_proj)}
    cw = {(c, p): wish() for c in comps for p in rng.sample(sorted(projs), rng.randint(1, 3))}
    pw = {(c, p): wish() for p in projs for c in rng.sample(sorted(comps), rng.randint(3, 8))}
    return problem(
        comps,
        projs,
        cw,
        pw,
        slots=n_slots,
        tables=rng.randint(1, 3),
        max_per_company=rng.randint(1, 3),
        max_per_project=rng.randint(2, 4),
    )


def requested(pr: Problem) -> set[tuple[str, str]]:
    return {
        k
        for k in {*pr.company_wishes, *pr.project_wishes}
        if {pr.company_wishes.get(k), pr.project_wishes.get(k)} & {MUST, MEET}
    }


def assert_sound(pr: Problem, sched: Schedule) -> None:
    assert violations(pr, sched.meetings) == []
    placed = [(m.company, m.project) for m in sched.meetings]
    unplaced = [(u.company, u.project) for u in sched.unplaced]
    assert len(set(placed)) == len(placed)
    assert sorted(placed + unplaced) == sorted(requested(pr)), "placed or explained, once"
    for u in sched.unplaced:
        blocked = NO in (
            pr.company_wishes.get((u.company, u.project)),
            pr.project_wishes.get((u.company, u.project)),
        )
        assert (u.reason is Reason.BLOCKED) == blocked
        assert u.detail


def test_pair_priority() -> None:
    assert pair_priority(MUST, MUST) is Priority.MUTUAL_MUST
    assert pair_priority(MUST, MEET) is Priority.ONE_SIDED_MUST
    assert pair_priority(None, MUST) is Priority.ONE_SIDED_MUST
    assert pair_priority(MEET, MEET) is Priority.MEET
    assert pair_priority(None, MEET) is Priority.MEET
    assert pair_priority(MUST, NO) is None
    assert pair_priority(NO, None) is None
    assert pair_priority(None, None) is None


@pytest.mark.parametrize("solve", SOLVERS)
def test_random_instances_keep_every_rule_and_explain_every_pair(solve: object) -> None:
    for seed in range(15):
        pr = random_problem(seed)
        sched = solve(pr)  # type: ignore[operator]
        assert_sound(pr, sched)
        slots_used = [m.slot for m in sched.meetings]
        assert all(slots_used.count(s) <= pr.tables for s in set(slots_used))


@pytest.mark.parametrize("solve", SOLVERS)
def test_no_thanks_blocks_the_pair_even_against_a_must(solve: object) -> None:
    pr = problem({"c1": {0, 1}}, {"p1": {0, 1}}, {("c1", "p1"): MUST}, {("c1", "p1"): NO})
    sched: Schedule = solve(pr)  # type: ignore[operator]
    assert sched.meetings == ()
    [u] = sched.unplaced
    assert u.reason is Reason.BLOCKED and "项目方" in u.detail and "不必了" in u.detail


@pytest.mark.parametrize("solve", SOLVERS)
def test_a_mutual_must_wins_a_contested_project_over_a_one_sided_one(solve: object) -> None:
    # p1 has room for one meeting; c2's one-sided must competes with c1's mutual must
    pr = problem(
        {"c1": {0, 1}, "c2": {0, 1}},
        {"p1": {0, 1}},
        {("c2", "p1"): MUST, ("c1", "p1"): MUST},
        {("c1", "p1"): MUST},
        max_per_project=1,
    )
    sched: Schedule = solve(pr)  # type: ignore[operator]
    assert [(m.company, m.priority) for m in sched.meetings] == [("c1", Priority.MUTUAL_MUST)]
    [u] = sched.unplaced
    assert (u.company, u.reason, u.priority) == ("c2", Reason.CAP_REACHED, Priority.ONE_SIDED_MUST)
    assert "项目方已排满 1 场" in u.detail


@pytest.mark.parametrize("solve", SOLVERS)
def test_a_one_sided_must_wins_the_only_common_slot_over_a_meet(solve: object) -> None:
    pr = problem(
        {"c1": {0}, "c2": {0}},
        {"p1": {0, 1, 2}},
        {("c1", "p1"): MEET, ("c2", "p1"): MEET},
        {("c2", "p1"): MUST},
    )
    sched: Schedule = solve(pr)  # type: ignore[operator]
    assert [m.company for m in sched.meetings] == ["c2"]
    [u] = sched.unplaced
    assert (u.company, u.reason) == ("c1", Reason.NO_COMMON_SLOT)
    assert "其他会面" in u.detail


@pytest.mark.parametrize("solve", SOLVERS)
def test_tables_caps_and_disjoint_free_slots_are_explained(solve: object) -> None:
    pr = problem(
        {"c1": {0}, "c2": {0}, "c3": {1}, "c4": {0, 1, 2, 3}},
        {"p1": {0}, "p2": {0}, "p3": {2}, "p4": {0, 1, 2, 3}, "p5": {0, 1, 2, 3}},
        {("c1", "p1"): MEET, ("c2", "p2"): MEET, ("c3", "p3"): MUST},
        {("c4", "p4"): MEET, ("c4", "p5"): MEET},
        tables=1,
        max_per_company=1,
    )
    sched: Schedule = solve(pr)  # type: ignore[operator]
    assert_sound(pr, sched)
    reasons = {(u.company, u.project): u.reason for u in sched.unplaced}
    assert reasons[("c3", "p3")] is Reason.NO_COMMON_SLOT
    assert sorted(reasons.values()) == sorted(
        [Reason.NO_COMMON_SLOT, Reason.TABLES_FULL, Reason.CAP_REACHED]
    )
    assert len(sched.meetings) == 2  # one of c1/c2 at slot 0 (one table), c4 once (cap 1)


def test_the_fast_solver_serves_at_least_95_percent_of_the_optimum() -> None:
    ratios = []
    for seed in range(20):
        pr = random_problem(100 + seed, n_comp=24, n_proj=6, n_slots=5)
        fast, exact = schedule_fast(pr), schedule_exact(pr, time_limit=20)
        assert exact.proven_optimal
        assert served_weight(fast) <= served_weight(exact)
        ratios.append(served_weight(fast) / max(1, served_weight(exact)))
    assert min(ratios) >= 0.95, ratios


def test_results_are_deterministic() -> None:
    pr = random_problem(7, n_comp=40, n_proj=8, n_slots=6)
    assert schedule_fast(pr) == schedule_fast(pr)
    assert schedule_exact(pr) == schedule_exact(pr)


def small_schedule() -> tuple[Problem, Schedule]:
    pr = problem(
        {"c1": {0, 1, 2}, "c2": {0, 1, 2}},
        {"p1": {0, 1, 2}, "p2": {0, 1, 2}},
        {("c1", "p1"): MUST, ("c1", "p2"): MEET, ("c2", "p1"): MEET, ("c2", "p2"): MEET},
        {("c1", "p1"): MUST, ("c2", "p2"): NO},
        slots=3,
        tables=2,
    )
    sched = schedule_fast(pr)
    assert len(sched.meetings) == 3
    return pr, sched


def test_agendas_list_each_partys_meetings_by_slot_with_table_and_counterpart() -> None:
    pr, sched = small_schedule()
    books = agendas(pr, sched)
    assert set(books) == {"c1", "c2", "p1", "p2"}
    assert sum(len(v) for v in books.values()) == 2 * len(sched.meetings)
    for party, items in books.items():
        assert [i.slot for i in items] == sorted(i.slot for i in items)
        for i in items:
            m = sched.meeting(party, i.counterpart) or sched.meeting(i.counterpart, party)
            assert m is not None and (m.slot, m.table) == (i.slot, i.table)
            assert i.slot_label == pr.slots[i.slot]
    assert {i.counterpart_name for i in books["p1"]} == {"企业c1", "企业c2"}


def test_the_workbook_has_the_grid_the_company_listing_and_the_reasons() -> None:
    pr, sched = small_schedule()
    wb = load_workbook(io.BytesIO(export_xlsx(pr, sched)))
    assert wb.sheetnames == ["总表", "企业日程", "未安排"]
    grid = wb["总表"]
    assert grid["A1"].value == "时段（暂定日程）"
    assert [grid.cell(1, t + 1).value for t in (1, 2)] == ["1号桌", "2号桌"]
    assert [grid.cell(s + 2, 1).value for s in range(3)] == list(pr.slots)
    for m in sched.meetings:
        assert grid.cell(m.slot + 2, m.table + 1).value == f"项目{m.project}\n企业{m.company}"
    listing = wb["企业日程"]
    assert [c.value for c in listing[1]][:4] == ["统一社会信用代码", "企业名称", "时段", "桌号"]
    rows = [[c.value for c in r] for r in listing.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["c1", "c1", "c2"]
    assert rows[0][6] in {"双方必须见", "愿意见"} and rows[0][7] == "已安排"
    missing = [[c.value for c in r] for r in wb["未安排"].iter_rows(min_row=2)]
    assert missing == [["c2", "企业c2", "p2", "项目p2", "—", "项目方选择了“不必了”，不安排会面"]]


def test_day_of_changes_recheck_the_rules_and_refuse_double_booking() -> None:
    pr, _ = small_schedule()
    sched = Schedule(
        Stage.PROVISIONAL,
        (
            Meeting(0, 1, "c1", "p1", Priority.MUTUAL_MUST),
            Meeting(1, 2, "c1", "p2"),
            Meeting(2, 1, "c2", "p1"),
        ),
        (),
    )
    assert violations(pr, sched.meetings) == []
    c1p2 = sched.meeting("c1", "p2")
    assert c1p2 is not None
    with pytest.raises(ScheduleError, match="企业在 14:15-14:30 已有其他会面，不能重复安排"):
        move_meeting(pr, sched, "c1", "p1", 1)
    with pytest.raises(ScheduleError, match="项目方在 14:00-14:15 已有其他会面，不能重复安排"):
        move_meeting(pr, sched, "c2", "p1", 0)
    with pytest.raises(ScheduleError, match="14:15-14:30 的 2 号桌已被占用"):
        move_meeting(pr, sched, "c2", "p1", 1, table=2)
    with pytest.raises(ScheduleError, match="时段 9 不存在"):
        move_meeting(pr, sched, "c1", "p1", 9)
    with pytest.raises(ScheduleError, match="只有正式日程才能登记缺席"):
        record_no_show(sched, "c1", "p1", [Side.COMPANY])

    # cancel c1 × p2: its slot frees up for c1 × p1
    cancelled = cancel_meeting(sched, "c1", "p2", "企业临时有事")
    moved = move_meeting(pr, cancelled, "c1", "p1", c1p2.slot)
    assert violations(pr, moved.meetings) == []
    m = moved.meeting("c1", "p1")
    assert m is not None and m.slot == c1p2.slot
    assert [c.kind for c in moved.changes] == ["cancel", "move"]
    with pytest.raises(ScheduleError, match="已取消"):
        move_meeting(pr, moved, "c1", "p2", 0)

    final = finalize(pr, moved)
    assert final.stage is Stage.FINAL
    with pytest.raises(ScheduleError, match="日程已是正式版"):
        finalize(pr, final)
    noshow = record_no_show(final, "c2", "p1", [Side.PROJECT])
    m = noshow.meeting("c2", "p1")
    assert m is not None and m.status is MeetingStatus.NO_SHOW and m.absent == (Side.PROJECT,)
    wb = load_workbook(io.BytesIO(export_xlsx(pr, noshow)))
    assert wb["总表"]["A1"].value == "时段（正式日程）"
    assert wb["总表"].cell(m.slot + 2, m.table + 1).value.endswith("缺席（项目方）")


def test_a_move_outside_the_declared_free_slots_is_refused() -> None:
    pr = problem({"c1": {0, 1}}, {"p1": {0, 2}}, {("c1", "p1"): MUST}, slots=3)
    sched = schedule_fast(pr)
    assert [m.slot for m in sched.meetings] == [0]
    with pytest.raises(ScheduleError, match="项目方在 14:15-14:30 没有空"):
        move_meeting(pr, sched, "c1", "p1", 1)
    with pytest.raises(ScheduleError, match="企业在 14:30-14:45 没有空"):
        move_meeting(pr, sched, "c1", "p1", 2)
