"""一对一对接排程：企业与项目方的会面安排（纯函数，无 I/O）。

Companies (by 统一社会信用代码) and project holders (by achievement id) mark each other 必须见 /
愿意见 / 不必了; each declares the slots it is free; the host declares the slots, the tables (how
many meetings run in one slot) and a cap of meetings per company and per project. This module
places the meetings and explains every requested pair it could not place. The roadshow aggregate
calls it; nothing here reads a clock, a database or the environment.

Rules (checked by :func:`violations`, kept by both solvers and by every day-of change):

- a pair with any "不必了" never meets; a pair meets at most once;
- no company and no project is in two meetings in one slot, and only in slots it declared free;
- at most ``tables`` meetings per slot; at most ``max_per_company`` / ``max_per_project`` each.

Priority: 双方必须见 (mutual must-meet) > 单方必须见 (one side must-meet, whatever the other said
short of "不必了") > 愿意见 (meet, from both sides or one). The weights 100 / 10 / 1 make a
placement's value a priority-weighted count: far enough apart that a higher tier is not given up
for a few lower ones, and still a plain sum the exact solver can maximise.

Two solvers:

- :func:`schedule_fast` — the one the service uses. Priority-ordered greedy (higher tier first,
  then the pair with the fewest common slots), each insertion allowed to move one blocking meeting
  of either party to another free slot, then improvement passes that displace lower- or
  equal-weight meetings (a slot clash, full tables or a full cap) when the displaced meetings can
  be placed again or their parties' other pairs fill the room, so that the weighted total rises.
  Why not CP-SAT here: at 300 companies × 20 projects × 16 slots the model has tens of thousands
  of booleans; with a wall-clock limit on a shared 2-CPU machine its answer depends on the load
  (not deterministic) and model building alone takes a good part of the 2 s budget. The greedy
  with repairs is deterministic, runs in well under a second at that size and, on instances small
  enough to solve exactly, serves ≥ 95 % of the optimum (``benchmarks/scheduler.py``,
  ``docs/benchmarks.md``). A ``deadline`` bounds the improvement passes all the same.
- ``roadshow.adapters.cpsat.schedule_exact`` — OR-Tools CP-SAT maximising the priority-weighted
  number of meetings (one worker, fixed seed: deterministic), seeded with the fast solution as a
  hint. Proves optimality on small instances; the tests and the benchmark use it as the
  reference. It lives with the adapters because it drives a native solver; it builds on
  :func:`index_problem`, :func:`fast_placement` and :func:`assemble` from here.

A schedule is issued provisional (:attr:`Stage.PROVISIONAL`), fixed with :func:`finalize`, and
changed on the day with :func:`move_meeting`, :func:`cancel_meeting` and :func:`record_no_show`,
each of which re-checks the rules and refuses with a Chinese message (:class:`ScheduleError`).
:func:`agendas` gives every party its own list; the host's workbook is written by
``roadshow.adapters.meetings_workbook``. Standard library only: the domain imports nothing of the
application or the adapters.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum

__all__ = [
    "WEIGHTS",
    "AgendaItem",
    "Change",
    "Company",
    "IndexedProblem",
    "Meeting",
    "MeetingStatus",
    "Preference",
    "Priority",
    "Problem",
    "Project",
    "Reason",
    "Schedule",
    "ScheduleError",
    "Side",
    "Stage",
    "Unplaced",
    "agendas",
    "assemble",
    "cancel_meeting",
    "fast_placement",
    "finalize",
    "index_problem",
    "make_slots",
    "move_meeting",
    "pair_priority",
    "record_no_show",
    "schedule_fast",
    "served_weight",
    "violations",
]


class Preference(StrEnum):
    """One side's wish about one pair; no entry means no preference."""

    MUST_MEET = "must_meet"
    MEET = "meet"
    NO_THANKS = "no_thanks"


class Priority(IntEnum):
    """A requested pair's tier; higher is placed first."""

    MEET = 1
    ONE_SIDED_MUST = 2
    MUTUAL_MUST = 3


WEIGHTS: Mapping[Priority, int] = {
    Priority.MUTUAL_MUST: 100,
    Priority.ONE_SIDED_MUST: 10,
    Priority.MEET: 1,
}

PRIORITY_NAMES: Mapping[Priority, str] = {
    Priority.MUTUAL_MUST: "双方必须见",
    Priority.ONE_SIDED_MUST: "单方必须见",
    Priority.MEET: "愿意见",
}


class Reason(StrEnum):
    """Why a requested pair has no meeting."""

    BLOCKED = "blocked"  # 一方选择了"不必了"
    NO_COMMON_SLOT = "no_common_slot"  # 没有双方都空闲的时段
    CAP_REACHED = "cap_reached"  # 一方已达会面上限
    TABLES_FULL = "tables_full"  # 双方都空闲的时段桌位已满


class Stage(StrEnum):
    PROVISIONAL = "provisional"
    FINAL = "final"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class Side(StrEnum):
    COMPANY = "company"
    PROJECT = "project"


STATUS_NAMES: Mapping[MeetingStatus, str] = {
    MeetingStatus.SCHEDULED: "已安排",
    MeetingStatus.CANCELLED: "已取消",
    MeetingStatus.NO_SHOW: "缺席",
}
SIDE_NAMES: Mapping[Side, str] = {Side.COMPANY: "企业", Side.PROJECT: "项目方"}


class ScheduleError(ValueError):
    """A change that would break a rule; the message is for people (Chinese)."""


@dataclass(frozen=True)
class Company:
    credit_code: str  # 统一社会信用代码
    name: str
    free_slots: frozenset[int]


@dataclass(frozen=True)
class Project:
    achievement_id: str
    title: str
    free_slots: frozenset[int]


@dataclass(frozen=True)
class Problem:
    """One one-to-one session: who, when, what each side wants, and the host's limits.

    ``slots`` are the labels of the session's slots in order (see :func:`make_slots`); a slot is
    referred to by its index. Wishes are keyed by (credit code, achievement id) on both sides.
    """

    slots: tuple[str, ...]
    tables: int
    max_per_company: int
    max_per_project: int
    companies: tuple[Company, ...]
    projects: tuple[Project, ...]
    company_wishes: Mapping[tuple[str, str], Preference] = field(default_factory=dict)
    project_wishes: Mapping[tuple[str, str], Preference] = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class Meeting:
    slot: int
    table: int  # 1-based, as printed on the table cards
    company: str
    project: str
    priority: Priority = Priority.MEET
    status: MeetingStatus = MeetingStatus.SCHEDULED
    absent: tuple[Side, ...] = ()

    @property
    def active(self) -> bool:
        """Holds its slot and table (a no-show did hold them)."""
        return self.status is not MeetingStatus.CANCELLED


@dataclass(frozen=True)
class Unplaced:
    company: str
    project: str
    priority: Priority
    reason: Reason
    detail: str  # Chinese, for the host and the parties


@dataclass(frozen=True)
class Change:
    """One day-of change, in the order made."""

    kind: str  # "move" | "cancel" | "no_show"
    company: str
    project: str
    from_slot: int
    to_slot: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Schedule:
    stage: Stage
    meetings: tuple[Meeting, ...]
    unplaced: tuple[Unplaced, ...]
    solver: str = "fast"
    proven_optimal: bool = False
    changes: tuple[Change, ...] = ()

    def meeting(self, company: str, project: str) -> Meeting | None:
        for m in self.meetings:
            if m.company == company and m.project == project:
                return m
        return None


@dataclass(frozen=True)
class AgendaItem:
    slot: int
    slot_label: str
    table: int
    counterpart: str  # the other party's id
    counterpart_name: str
    status: MeetingStatus
    absent: tuple[Side, ...] = ()


def make_slots(start: str = "09:00", minutes: int = 20, count: int = 16) -> tuple[str, ...]:
    """Slot labels such as ``"09:00-09:20"`` from the host's start time and slot length."""
    hours, mins = (int(x) for x in start.split(":"))
    t = hours * 60 + mins
    out = []
    for _ in range(count):
        a, b = t, t + minutes
        out.append(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}")
        t = b
    return tuple(out)


def pair_priority(
    company_wish: Preference | None, project_wish: Preference | None
) -> Priority | None:
    """The tier of a pair from both wishes; None when nobody asked for it or it is blocked."""
    wishes = (company_wish, project_wish)
    if Preference.NO_THANKS in wishes:
        return None
    musts = wishes.count(Preference.MUST_MEET)
    if musts == 2:
        return Priority.MUTUAL_MUST
    if musts == 1:
        return Priority.ONE_SIDED_MUST
    if Preference.MEET in wishes:
        return Priority.MEET
    return None


def served_weight(schedule: Schedule) -> int:
    """The priority-weighted number of meetings that hold a slot (the solvers' objective)."""
    return sum(WEIGHTS[m.priority] for m in schedule.meetings if m.active)


# --- the instance, indexed -----------------------------------------------------------------


@dataclass
class IndexedProblem:
    """Integer indices for the solvers: parties, candidate pairs, their common free slots."""

    problem: Problem
    comp_ids: list[str]
    proj_ids: list[str]
    # candidate pairs (requested, not blocked, some common slot), best tier first
    pc: list[int]
    pp: list[int]
    pw: list[int]
    prio: list[Priority]
    common: list[list[int]]  # slots ordered by static demand, then index
    requested: list[tuple[str, str, Priority | None]]  # every requested pair, blocked included


def index_problem(problem: Problem) -> IndexedProblem:
    """The instance in integers: the candidate pairs best tier first, each with its common slots.

    Refuses (:class:`ScheduleError`) duplicate parties and wishes about unregistered ones.
    """
    comp_ids = [c.credit_code for c in problem.companies]
    proj_ids = [p.achievement_id for p in problem.projects]
    if len(set(comp_ids)) != len(comp_ids) or len(set(proj_ids)) != len(proj_ids):
        raise ScheduleError("企业或项目重复登记")
    n_slots = len(problem.slots)
    cfree = [sorted(s for s in c.free_slots if 0 <= s < n_slots) for c in problem.companies]
    pfree = [sorted(s for s in p.free_slots if 0 <= s < n_slots) for p in problem.projects]
    cpos = {c: i for i, c in enumerate(comp_ids)}
    ppos = {p: i for i, p in enumerate(proj_ids)}
    keys = sorted(
        {k for k in problem.company_wishes} | {k for k in problem.project_wishes},
        key=lambda k: (cpos.get(k[0], -1), ppos.get(k[1], -1)),
    )
    requested: list[tuple[str, str, Priority | None]] = []
    raw: list[tuple[int, int, Priority, list[int]]] = []
    for c, p in keys:
        cw = problem.company_wishes.get((c, p))
        pw = problem.project_wishes.get((c, p))
        if Preference.MEET not in (cw, pw) and Preference.MUST_MEET not in (cw, pw):
            continue  # nobody asked for it
        if c not in cpos or p not in ppos:
            raise ScheduleError(f"意向涉及未登记的企业或项目：{c} / {p}")
        prio = pair_priority(cw, pw)
        requested.append((c, p, prio))
        if prio is None:
            continue
        ci, pi = cpos[c], ppos[p]
        common = sorted(set(cfree[ci]) & set(pfree[pi]))
        if common:
            raw.append((ci, pi, prio, common))
    # static demand per party and slot: how many of its candidate pairs could use the slot
    cdem = [[0] * n_slots for _ in comp_ids]
    pdem = [[0] * n_slots for _ in proj_ids]
    for ci, pi, _, common in raw:
        for s in common:
            cdem[ci][s] += 1
            pdem[pi][s] += 1
    raw.sort(key=lambda r: (-r[2], len(r[3]), r[0], r[1]))
    idx = IndexedProblem(problem, comp_ids, proj_ids, [], [], [], [], [], requested)
    for ci, pi, prio, common in raw:
        idx.pc.append(ci)
        idx.pp.append(pi)
        idx.pw.append(WEIGHTS[prio])
        idx.prio.append(prio)
        demand = {s: cdem[ci][s] + pdem[pi][s] for s in common}
        idx.common.append(sorted(common, key=lambda s: (demand[s], s)))
    return idx


# --- the fast solver -----------------------------------------------------------------------


class _Search:
    """Mutable placement state with an undo log, for greedy insertion and local repairs."""

    def __init__(self, idx: IndexedProblem) -> None:
        pr = idx.problem
        self.idx = idx
        n_slots = len(pr.slots)
        self.tables = pr.tables
        self.cap_c = pr.max_per_company
        self.cap_p = pr.max_per_project
        self.comp_at = [[-1] * n_slots for _ in idx.comp_ids]
        self.proj_at = [[-1] * n_slots for _ in idx.proj_ids]
        self.at_slot: list[set[int]] = [set() for _ in range(n_slots)]
        self.comp_n = [0] * len(idx.comp_ids)
        self.proj_n = [0] * len(idx.proj_ids)
        self.slot_of = [-1] * len(idx.pc)
        self.log: list[tuple[bool, int, int]] = []
        self.by_comp: list[list[int]] = [[] for _ in idx.comp_ids]
        self.by_proj: list[list[int]] = [[] for _ in idx.proj_ids]
        for k in range(len(idx.pc)):
            self.by_comp[idx.pc[k]].append(k)
            self.by_proj[idx.pp[k]].append(k)

    def place(self, k: int, s: int) -> None:
        c, p = self.idx.pc[k], self.idx.pp[k]
        self.comp_at[c][s] = k
        self.proj_at[p][s] = k
        self.at_slot[s].add(k)
        self.comp_n[c] += 1
        self.proj_n[p] += 1
        self.slot_of[k] = s
        self.log.append((True, k, s))

    def remove(self, k: int) -> None:
        s = self.slot_of[k]
        c, p = self.idx.pc[k], self.idx.pp[k]
        self.comp_at[c][s] = -1
        self.proj_at[p][s] = -1
        self.at_slot[s].discard(k)
        self.comp_n[c] -= 1
        self.proj_n[p] -= 1
        self.slot_of[k] = -1
        self.log.append((False, k, s))

    def mark(self) -> int:
        return len(self.log)

    def rollback(self, mark: int) -> None:
        while len(self.log) > mark:
            placed, k, s = self.log[-1]
            if placed:
                self.remove(k)
            else:
                self.place(k, s)
            del self.log[-2:]

    def free(self, k: int, s: int) -> bool:
        return (
            self.comp_at[self.idx.pc[k]][s] < 0
            and self.proj_at[self.idx.pp[k]][s] < 0
            and len(self.at_slot[s]) < self.tables
        )

    def relocate(self, k: int, avoid: int) -> bool:
        """Move placed ``k`` to another free slot (not ``avoid``); leave it put if none."""
        s0 = self.slot_of[k]
        for s in self.idx.common[k]:
            # k holds nothing at another slot, so "free" there does not depend on k
            if s != s0 and s != avoid and self.free(k, s):
                self.remove(k)
                self.place(k, s)
                return True
        return False

    def under_caps(self, k: int) -> bool:
        return self.comp_n[self.idx.pc[k]] < self.cap_c and self.proj_n[self.idx.pp[k]] < self.cap_p

    def insert(self, k: int) -> bool:
        """Place unplaced ``k``: in a free slot, else after moving one blocker of each party."""
        if not self.under_caps(k):
            return False
        common = self.idx.common[k]
        for s in common:
            if self.free(k, s):
                self.place(k, s)
                return True
        c, p = self.idx.pc[k], self.idx.pp[k]
        for s in common:
            m = self.mark()
            ok = True
            for b in (self.comp_at[c][s], self.proj_at[p][s]):
                if b >= 0 and not self.relocate(b, s):
                    ok = False
                    break
            if ok and len(self.at_slot[s]) >= self.tables:
                ok = any(self.relocate(b, s) for b in sorted(self.at_slot[s]))
            if ok:
                self.place(k, s)
                return True
            self.rollback(m)
        return False

    def displace(self, k: int) -> bool:
        """Place ``k`` by taking room from lighter or equal meetings; keep it only if it pays.

        For each common slot: remove the party clashes at that slot, one meeting if the slot's
        tables are full, the lightest meeting of a party at its cap; place ``k``; re-insert the
        removed meetings elsewhere, then any unplaced pair of the parties that lost a meeting.
        Committed when the weighted total rises, rolled back otherwise.
        """
        idx = self.idx
        c, p, w = idx.pc[k], idx.pp[k], idx.pw[k]
        if self.cap_c < 1 or self.cap_p < 1 or self.tables < 1:
            return False
        tried_open_slot = False
        for s in idx.common[k]:
            if (
                self.comp_at[c][s] < 0
                and self.proj_at[p][s] < 0
                and len(self.at_slot[s]) < self.tables
            ):
                # only a cap stands in the way: every such slot evicts the same meeting
                if tried_open_slot:
                    continue
                tried_open_slot = True
            m = self.mark()
            removed: list[int] = []
            for b in (self.comp_at[c][s], self.proj_at[p][s]):
                if b >= 0:
                    removed.append(b)
                    self.remove(b)
            if len(self.at_slot[s]) >= self.tables:
                b = min(self.at_slot[s], key=lambda x: (idx.pw[x], x))
                removed.append(b)
                self.remove(b)
            if self.comp_n[c] >= self.cap_c:
                b = min(
                    (x for x in self.by_comp[c] if self.slot_of[x] >= 0),
                    key=lambda x: (idx.pw[x], x),
                )
                removed.append(b)
                self.remove(b)
            if self.proj_n[p] >= self.cap_p:
                b = min(
                    (x for x in self.by_proj[p] if self.slot_of[x] >= 0),
                    key=lambda x: (idx.pw[x], x),
                )
                removed.append(b)
                self.remove(b)
            lost = sum(idx.pw[b] for b in removed)
            if lost > w or not self.free(k, s):
                self.rollback(m)
                continue
            self.place(k, s)
            gain = w - lost
            for b in removed:
                if self.insert(b):
                    gain += idx.pw[b]
            if gain <= 0:
                for b in removed:
                    pool: list[int] = []
                    if self.comp_n[idx.pc[b]] < self.cap_c:
                        pool += self.by_comp[idx.pc[b]]
                    if self.proj_n[idx.pp[b]] < self.cap_p:
                        pool += self.by_proj[idx.pp[b]]
                    for x in pool:
                        if x != k and self.slot_of[x] < 0 and self.insert(x):
                            gain += idx.pw[x]
                            if gain > 0:
                                break
                    if gain > 0:
                        break
            if gain > 0:
                return True
            self.rollback(m)
        return False


def fast_placement(idx: IndexedProblem, deadline: float) -> list[int]:
    """The fast solver's slot per candidate pair (-1: not placed); the exact solver's hint."""
    st = _Search(idx)
    order = range(len(idx.pc))
    for k in order:
        st.insert(k)
    stop = time.perf_counter() + deadline
    for _ in range(4):
        improved = False
        for k in order:
            if st.slot_of[k] >= 0:
                continue
            if time.perf_counter() > stop:
                return st.slot_of
            if st.insert(k) or st.displace(k):
                improved = True
        if not improved:
            break
    return st.slot_of


def schedule_fast(problem: Problem, *, deadline: float = 1.2) -> Schedule:
    """The provisional schedule the service issues (see the module docstring for the method).

    ``deadline`` bounds the improvement passes in seconds; the greedy placement always runs.
    Deterministic unless the deadline cuts the passes short.
    """
    idx = index_problem(problem)
    return assemble(idx, fast_placement(idx, deadline), solver="fast", optimal=False)


# --- assembling and explaining -------------------------------------------------------------


def assemble(
    idx: IndexedProblem, slot_of: Sequence[int], *, solver: str, optimal: bool
) -> Schedule:
    """A schedule from a slot per candidate pair: meetings with tables (a project keeps one table
    where it can), and every requested pair without a meeting, explained."""
    pr = idx.problem
    by_slot: dict[int, list[int]] = {}
    for k, s in enumerate(slot_of):
        if s >= 0:
            by_slot.setdefault(s, []).append(k)
    meetings: list[Meeting] = []
    for s, ks in sorted(by_slot.items()):
        taken: set[int] = set()
        rest: list[int] = []
        for k in sorted(ks, key=lambda k: idx.pp[k]):
            home = idx.pp[k] % pr.tables + 1
            if home not in taken:
                taken.add(home)
                meetings.append(_meeting(idx, k, s, home))
            else:
                rest.append(k)
        spare = (t for t in range(1, pr.tables + 1) if t not in taken)
        for k in rest:
            meetings.append(_meeting(idx, k, s, next(spare)))
    meetings.sort()
    return Schedule(
        stage=Stage.PROVISIONAL,
        meetings=tuple(meetings),
        unplaced=_explain(pr, meetings, idx.requested),
        solver=solver,
        proven_optimal=optimal,
    )


def _meeting(idx: IndexedProblem, k: int, s: int, table: int) -> Meeting:
    return Meeting(s, table, idx.comp_ids[idx.pc[k]], idx.proj_ids[idx.pp[k]], idx.prio[k])


def _explain(
    pr: Problem, meetings: Sequence[Meeting], requested: Iterable[tuple[str, str, Priority | None]]
) -> tuple[Unplaced, ...]:
    """Why each requested pair without a meeting has none, in the order the rules bind."""
    active = [m for m in meetings if m.active]
    placed = {(m.company, m.project) for m in meetings}
    comp_busy: dict[str, set[int]] = {}
    proj_busy: dict[str, set[int]] = {}
    used: dict[int, int] = {}
    for m in active:
        comp_busy.setdefault(m.company, set()).add(m.slot)
        proj_busy.setdefault(m.project, set()).add(m.slot)
        used[m.slot] = used.get(m.slot, 0) + 1
    cfree = {c.credit_code: c.free_slots for c in pr.companies}
    pfree = {p.achievement_id: p.free_slots for p in pr.projects}
    out: list[Unplaced] = []
    for c, p, prio in requested:
        if (c, p) in placed:
            continue
        if prio is None:
            who = "企业" if pr.company_wishes.get((c, p)) is Preference.NO_THANKS else "项目方"
            out.append(
                Unplaced(c, p, Priority.MEET, Reason.BLOCKED, f"{who}选择了“不必了”，不安排会面")
            )
            continue
        common = {s for s in cfree[c] & pfree[p] if 0 <= s < len(pr.slots)}
        cb, pb = comp_busy.get(c, set()), proj_busy.get(p, set())
        if not common:
            reason, detail = Reason.NO_COMMON_SLOT, "双方申报的空闲时段没有重合"
        elif len(cb) >= pr.max_per_company:
            reason, detail = Reason.CAP_REACHED, f"企业已排满 {pr.max_per_company} 场会面"
        elif len(pb) >= pr.max_per_project:
            reason, detail = Reason.CAP_REACHED, f"项目方已排满 {pr.max_per_project} 场会面"
        elif not (common - cb - pb):
            reason, detail = Reason.NO_COMMON_SLOT, "双方共同的空闲时段都已安排了其他会面"
        else:
            reason, detail = Reason.TABLES_FULL, "双方都空闲的时段桌位已满"
        out.append(Unplaced(c, p, prio, reason, detail))
    return tuple(out)


def violations(problem: Problem, meetings: Iterable[Meeting]) -> list[str]:
    """Every broken rule among the meetings that hold a slot, in Chinese; empty when sound."""
    out: list[str] = []
    comps = {c.credit_code: c for c in problem.companies}
    projs = {p.achievement_id: p for p in problem.projects}
    seen_pair: set[tuple[str, str]] = set()
    comp_slot: set[tuple[str, int]] = set()
    proj_slot: set[tuple[str, int]] = set()
    table_slot: set[tuple[int, int]] = set()
    per_comp: dict[str, int] = {}
    per_proj: dict[str, int] = {}
    for m in meetings:
        if not m.active:
            continue
        label = f"{m.company} × {m.project}"
        if m.company not in comps or m.project not in projs:
            out.append(f"{label}：企业或项目未登记")
            continue
        if not 0 <= m.slot < len(problem.slots):
            out.append(f"{label}：时段 {m.slot} 不存在")
            continue
        slot = problem.slots[m.slot]
        wishes = (
            problem.company_wishes.get((m.company, m.project)),
            problem.project_wishes.get((m.company, m.project)),
        )
        if Preference.NO_THANKS in wishes:
            out.append(f"{label}：一方选择了“不必了”")
        if (m.company, m.project) in seen_pair:
            out.append(f"{label}：同一对企业与项目只见一次")
        seen_pair.add((m.company, m.project))
        if m.slot not in comps[m.company].free_slots:
            out.append(f"{label}：企业在 {slot} 没有空")
        if m.slot not in projs[m.project].free_slots:
            out.append(f"{label}：项目方在 {slot} 没有空")
        if (m.company, m.slot) in comp_slot:
            out.append(f"{label}：企业在 {slot} 已有其他会面")
        if (m.project, m.slot) in proj_slot:
            out.append(f"{label}：项目方在 {slot} 已有其他会面")
        if not 1 <= m.table <= problem.tables:
            out.append(f"{label}：桌号 {m.table} 不存在")
        if (m.slot, m.table) in table_slot:
            out.append(f"{label}：{slot} 的 {m.table} 号桌已被占用")
        comp_slot.add((m.company, m.slot))
        proj_slot.add((m.project, m.slot))
        table_slot.add((m.slot, m.table))
        per_comp[m.company] = per_comp.get(m.company, 0) + 1
        per_proj[m.project] = per_proj.get(m.project, 0) + 1
    out += [
        f"企业 {c} 超过 {problem.max_per_company} 场上限"
        for c, n in per_comp.items()
        if n > problem.max_per_company
    ]
    out += [
        f"项目 {p} 超过 {problem.max_per_project} 场上限"
        for p, n in per_proj.items()
        if n > problem.max_per_project
    ]
    return out


# --- provisional → final, and the day's changes --------------------------------------------


def finalize(problem: Problem, schedule: Schedule) -> Schedule:
    """The final schedule: the provisional one (with its adjustments), re-checked and fixed."""
    if schedule.stage is Stage.FINAL:
        raise ScheduleError("日程已是正式版")
    problems = violations(problem, schedule.meetings)
    if problems:
        raise ScheduleError("日程不符合规则，不能定稿：" + "；".join(problems))
    return replace(schedule, stage=Stage.FINAL)


def _find(schedule: Schedule, company: str, project: str) -> Meeting:
    m = schedule.meeting(company, project)
    if m is None:
        raise ScheduleError(f"没有 {company} 与 {project} 的会面")
    return m


def _with(schedule: Schedule, old: Meeting, new: Meeting, change: Change) -> Schedule:
    meetings = tuple(sorted(new if m is old else m for m in schedule.meetings))
    return replace(schedule, meetings=meetings, changes=(*schedule.changes, change))


def move_meeting(
    problem: Problem,
    schedule: Schedule,
    company: str,
    project: str,
    slot: int,
    table: int | None = None,
) -> Schedule:
    """Move a meeting to another slot both parties declared free and neither has taken.

    Without ``table`` the project's current table is kept when free, else the lowest free one.
    """
    m = _find(schedule, company, project)
    if m.status is not MeetingStatus.SCHEDULED:
        raise ScheduleError(f"该会面{STATUS_NAMES[m.status]}，不能调整时段")
    if not 0 <= slot < len(problem.slots):
        raise ScheduleError(f"时段 {slot} 不存在")
    label = problem.slots[slot]
    others = [o for o in schedule.meetings if o.active and o is not m and o.slot == slot]
    if any(o.company == company for o in others):
        raise ScheduleError(f"企业在 {label} 已有其他会面，不能重复安排")
    if any(o.project == project for o in others):
        raise ScheduleError(f"项目方在 {label} 已有其他会面，不能重复安排")
    taken = {o.table for o in others}
    if table is None:
        candidates = [m.table, *range(1, problem.tables + 1)]
        table = next((t for t in candidates if t not in taken), None)
        if table is None:
            raise ScheduleError(f"{label} 的桌位已满")
    elif table in taken:
        raise ScheduleError(f"{label} 的 {table} 号桌已被占用")
    new = replace(m, slot=slot, table=table)
    problems = violations(problem, [*(o for o in schedule.meetings if o is not m), new])
    if problems:
        raise ScheduleError("；".join(problems))
    return _with(schedule, m, new, Change("move", company, project, m.slot, slot))


def cancel_meeting(schedule: Schedule, company: str, project: str, note: str = "") -> Schedule:
    """Cancel a meeting; its slot and table become free. The record stays, marked cancelled."""
    m = _find(schedule, company, project)
    if m.status is not MeetingStatus.SCHEDULED:
        raise ScheduleError(f"该会面{STATUS_NAMES[m.status]}，不能取消")
    new = replace(m, status=MeetingStatus.CANCELLED)
    return _with(schedule, m, new, Change("cancel", company, project, m.slot, None, note))


def record_no_show(
    schedule: Schedule, company: str, project: str, absent: Sequence[Side], note: str = ""
) -> Schedule:
    """Record who did not come to a meeting of the final schedule."""
    if schedule.stage is not Stage.FINAL:
        raise ScheduleError("只有正式日程才能登记缺席")
    if not absent:
        raise ScheduleError("请注明缺席的一方")
    m = _find(schedule, company, project)
    if m.status is MeetingStatus.CANCELLED:
        raise ScheduleError("该会面已取消，不能登记缺席")
    who = tuple(sorted(set(absent)))
    new = replace(m, status=MeetingStatus.NO_SHOW, absent=who)
    return _with(schedule, m, new, Change("no_show", company, project, m.slot, None, note))


# --- agendas -------------------------------------------------------------------------------


def agendas(problem: Problem, schedule: Schedule) -> dict[str, tuple[AgendaItem, ...]]:
    """Each party's meetings (by credit code or achievement id), sorted by slot."""
    cname = {c.credit_code: c.name for c in problem.companies}
    ptitle = {p.achievement_id: p.title for p in problem.projects}
    out: dict[str, list[AgendaItem]] = {k: [] for k in (*cname, *ptitle)}
    for m in schedule.meetings:
        label = problem.slots[m.slot]
        out[m.company].append(
            AgendaItem(m.slot, label, m.table, m.project, ptitle[m.project], m.status, m.absent)
        )
        out[m.project].append(
            AgendaItem(m.slot, label, m.table, m.company, cname[m.company], m.status, m.absent)
        )
    return {k: tuple(sorted(v, key=lambda a: (a.slot, a.table))) for k, v in out.items()}
