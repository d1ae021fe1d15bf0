"""The one-to-one scheduler benchmark: roadshow's meeting placement, fast solver against exact.

    python -m benchmarks.scheduler                  # make bench: 5 full-size seeds, 30 small
    python -m benchmarks.scheduler --full-seeds 2 --small 10 --full-exact-seconds 0

Instances are generated (fixed seeds). Full size: 300 companies × 20 projects × 16 slots, 20
tables, at most 4 meetings per company and 8 per project. Each company states wishes for 3–8
projects (popular projects drawn more often), each project for 10–40 companies; of the stated
wishes about 7 % are "不必了", 30 % "必须见", the rest "愿意见". Each party is free in 50–100 % of
the slots. Small: 30 companies × 6 projects × 6 slots, 3 tables, caps 2 and 4, with wishes
scaled down the same way (2–4 projects per company, 4–12 companies per project).

It reports the fast solver's time (every full-size seed run ``--repeats`` times; p50 and max),
its served weight and meetings per tier, and on the small instances the ratio of the fast
solver's served weight to the exact solver's (CP-SAT, proven optimal), whose time is the baseline
measured in the same run. Optionally CP-SAT with a time limit on the full-size seeds, for a
quality reference at full size. Pure CPU; no stack needed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from importlib.metadata import version

from roadshow.adapters.cpsat import schedule_exact
from roadshow.domain.scheduling import (
    Company,
    Preference,
    Priority,
    Problem,
    Project,
    Schedule,
    make_slots,
    schedule_fast,
    served_weight,
)


def generate(
    seed: int,
    *,
    companies: int = 300,
    projects: int = 20,
    slots: int = 16,
    tables: int = 20,
    max_per_company: int = 4,
    max_per_project: int = 8,
    company_wishes: tuple[int, int] = (3, 8),
    project_wishes: tuple[int, int] = (10, 40),
    no_thanks: float = 0.07,
    must: float = 0.3,
) -> Problem:
    """A deterministic instance with the densities described in the module docstring."""
    rng = random.Random(seed)

    def free() -> frozenset[int]:
        share = rng.uniform(0.5, 1.0)
        chosen = {s for s in range(slots) if rng.random() < share}
        return frozenset(chosen or {rng.randrange(slots)})

    def wish() -> Preference:
        r = rng.random()
        if r < no_thanks:
            return Preference.NO_THANKS
        return Preference.MUST_MEET if r < no_thanks + must else Preference.MEET

    comps = tuple(Company(f"91310000{i:010d}", f"企业{i:03d}", free()) for i in range(companies))
    projs = tuple(Project(f"ach-{j:03d}", f"项目{j:02d}", free()) for j in range(projects))
    popularity = [1.0 / (j + 1) ** 0.7 for j in range(projects)]
    cw: dict[tuple[str, str], Preference] = {}
    pw: dict[tuple[str, str], Preference] = {}
    for c in comps:
        n = min(projects, rng.randint(*company_wishes))
        chosen: set[int] = set()
        while len(chosen) < n:
            chosen.add(rng.choices(range(projects), popularity)[0])
        for j in sorted(chosen):
            cw[c.credit_code, projs[j].achievement_id] = wish()
    for p in projs:
        n = min(companies, rng.randint(*project_wishes))
        for i in sorted(rng.sample(range(companies), n)):
            pw[comps[i].credit_code, p.achievement_id] = wish()
    return Problem(
        slots=make_slots("09:00", 20, slots),
        tables=tables,
        max_per_company=max_per_company,
        max_per_project=max_per_project,
        companies=comps,
        projects=projs,
        company_wishes=cw,
        project_wishes=pw,
    )


def small(seed: int) -> Problem:
    return generate(
        seed,
        companies=30,
        projects=6,
        slots=6,
        tables=3,
        max_per_company=2,
        max_per_project=4,
        company_wishes=(2, 4),
        project_wishes=(4, 12),
    )


def tiers(schedule: Schedule) -> str:
    counts = {p: 0 for p in Priority}
    for m in schedule.meetings:
        counts[m.priority] += 1
    return "/".join(str(counts[p]) for p in sorted(Priority, reverse=True))


def requested(problem: Problem) -> int:
    return len({*problem.company_wishes, *problem.project_wishes})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--full-seeds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--small", type=int, default=30)
    ap.add_argument("--full-exact-seconds", type=float, default=20.0)
    ap.add_argument("--full-exact-seeds", type=int, default=2)
    args = ap.parse_args()

    print("机器：", f"nproc={os.cpu_count()}", platform.processor() or platform.machine())
    print(f"Python {platform.python_version()}, ortools {version('ortools')}")
    print(f"负载（1 分钟）：{os.getloadavg()[0]:.2f}")

    print(f"\n== 全规模：300 企业 × 20 项目 × 16 时段，{args.full_seeds} 个种子 ==")
    times: list[float] = []
    full_rows: list[tuple[int, int, int, int, str, float]] = []
    full: dict[int, tuple[Problem, Schedule]] = {}
    for seed in range(args.full_seeds):
        problem = generate(1000 + seed)
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            sched = schedule_fast(problem)
            runs.append(time.perf_counter() - t0)
        times += runs
        full[seed] = (problem, sched)
        row = (
            seed,
            requested(problem),
            len(sched.meetings),
            served_weight(sched),
            tiers(sched),
            max(runs),
        )
        full_rows.append(row)
        print(
            f"  种子 {seed}: 意向对 {row[1]}，安排 {row[2]} 场（双方必须/单方必须/愿意 {row[4]}），"
            f"加权 {row[3]}，用时 max {row[5] * 1000:.0f} ms",
            flush=True,
        )

    full_exact: list[tuple[int, int, int, bool, float]] = []
    if args.full_exact_seconds > 0:
        for seed in range(min(args.full_exact_seeds, args.full_seeds)):
            problem, sched = full[seed]
            t0 = time.perf_counter()
            ref = schedule_exact(problem, time_limit=args.full_exact_seconds)
            dt = time.perf_counter() - t0
            full_exact.append(
                (seed, served_weight(sched), served_weight(ref), ref.proven_optimal, dt)
            )
            print(
                f"  种子 {seed}: CP-SAT（限时 {args.full_exact_seconds:.0f} s）加权 "
                f"{served_weight(ref)}，{'已证最优' if ref.proven_optimal else '未证最优'}，"
                f"用时 {dt:.1f} s",
                flush=True,
            )

    print(f"\n== 小规模：30 企业 × 6 项目 × 6 时段，{args.small} 个种子，精确解为基线 ==")
    ratios: list[float] = []
    fast_t: list[float] = []
    exact_t: list[float] = []
    unproven = 0
    for seed in range(args.small):
        problem = small(seed)
        t0 = time.perf_counter()
        fast = schedule_fast(problem)
        fast_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        exact = schedule_exact(problem, time_limit=60)
        exact_t.append(time.perf_counter() - t0)
        unproven += not exact.proven_optimal
        fw, ew = served_weight(fast), served_weight(exact)
        ratios.append(fw / ew if ew else 1.0)
        print(
            f"  种子 {seed:2d}: 快速 {fw:4d}（{tiers(fast)}） 精确 {ew:4d}（{tiers(exact)}） "
            f"比值 {ratios[-1]:.3f}",
            flush=True,
        )

    def ms(xs: list[float], q: str) -> str:
        v = statistics.median(xs) if q == "p50" else max(xs)
        return f"{v * 1000:.1f} ms"

    print("\n| 指标 | 数值 |")
    print("| --- | --- |")
    print(
        f"| 全规模快速求解用时（{len(times)} 次） | p50 {ms(times, 'p50')}，max {ms(times, 'max')} |"
    )
    print(
        f"| 全规模安排场次 / 加权（各种子平均） | "
        f"{statistics.mean(r[2] for r in full_rows):.1f} / "
        f"{statistics.mean(r[3] for r in full_rows):.1f} |"
    )
    for seed, fw, ew, opt, dt in full_exact:
        print(
            f"| 全规模种子 {seed}：快速 / CP-SAT（{dt:.1f} s，{'最优' if opt else '未证最优'}） | "
            f"{fw} / {ew} = {fw / ew:.3f} |"
        )
    print(
        f"| 小规模 快速/精确 加权比（{len(ratios)} 例） | "
        f"min {min(ratios):.3f}，mean {statistics.mean(ratios):.3f}，"
        f"等于最优 {sum(r >= 1.0 for r in ratios)} 例 |"
    )
    print(f"| 小规模 精确解未证最优 | {unproven} 例 |")
    print(f"| 小规模 快速求解用时 | p50 {ms(fast_t, 'p50')}，max {ms(fast_t, 'max')} |")
    print(f"| 小规模 精确求解用时（基线） | p50 {ms(exact_t, 'p50')}，max {ms(exact_t, 'max')} |")
    goal_t = max(times) <= 2.0
    goal_q = min(ratios) >= 0.95
    print(
        f"\n目标：全规模 ≤ 2 s {'达成' if goal_t else '未达成'}；"
        f"每例 ≥ 95% 最优 {'达成' if goal_q else '未达成'}"
    )


if __name__ == "__main__":
    main()
