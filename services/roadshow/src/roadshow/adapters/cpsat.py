"""The exact one-to-one scheduler: OR-Tools CP-SAT, the reference the fast solver is measured by.

The instance, the fast solver's hint and the schedule's assembly come from
:mod:`roadshow.domain.scheduling`; only the model and the native solver are here, so the domain
stays standard library. The tests and ``benchmarks/scheduler.py`` use it; the service does not.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from roadshow.domain.scheduling import (
    Problem,
    Schedule,
    assemble,
    fast_placement,
    index_problem,
)

__all__ = ["schedule_exact"]


def schedule_exact(problem: Problem, *, time_limit: float = 60.0) -> Schedule:
    """CP-SAT maximising the priority-weighted number of meetings; the reference.

    One boolean per (candidate pair, common slot); at most one slot per pair, one meeting per
    party and slot, ``tables`` per slot, the caps. One worker and a fixed seed keep it
    deterministic; ``proven_optimal`` says whether it proved the optimum within ``time_limit``.
    """
    idx = index_problem(problem)
    hint = fast_placement(idx, deadline=0.2)
    model = cp_model.CpModel()
    n_slots = len(problem.slots)
    x: dict[tuple[int, int], Any] = {}
    per_comp_slot: dict[tuple[int, int], list[Any]] = {}
    per_proj_slot: dict[tuple[int, int], list[Any]] = {}
    per_slot: list[list[Any]] = [[] for _ in range(n_slots)]
    per_comp: list[list[Any]] = [[] for _ in idx.comp_ids]
    per_proj: list[list[Any]] = [[] for _ in idx.proj_ids]
    objective: list[Any] = []
    for k in range(len(idx.pc)):
        c, p = idx.pc[k], idx.pp[k]
        mine = []
        for s in sorted(idx.common[k]):
            v = model.new_bool_var(f"x{k}_{s}")
            x[k, s] = v
            mine.append(v)
            per_comp_slot.setdefault((c, s), []).append(v)
            per_proj_slot.setdefault((p, s), []).append(v)
            per_slot[s].append(v)
            per_comp[c].append(v)
            per_proj[p].append(v)
            objective.append(idx.pw[k] * v)
            model.add_hint(v, hint[k] == s)
        model.add_at_most_one(mine)
    for group in (*per_comp_slot.values(), *per_proj_slot.values()):
        if len(group) > 1:
            model.add_at_most_one(group)
    for vs in per_slot:
        if len(vs) > problem.tables:
            model.add(sum(vs) <= problem.tables)
    for vs in per_comp:
        if len(vs) > problem.max_per_company:
            model.add(sum(vs) <= problem.max_per_company)
    for vs in per_proj:
        if len(vs) > problem.max_per_project:
            model.add(sum(vs) <= problem.max_per_project)
    model.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return assemble(idx, hint, solver="exact", optimal=False)
    slot_of = [-1] * len(idx.pc)
    for (k, s), v in x.items():
        if solver.boolean_value(v):
            slot_of[k] = s
    return assemble(idx, slot_of, solver="exact", optimal=status == cp_model.OPTIMAL)
