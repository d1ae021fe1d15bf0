"""Retrieval quality of the recommendation ranking on a hand-written library and hand-written needs.

Each need is ranked as a round with its theme fields and no company demands; recall@10 is the share
of the expected achievements found in the top ten, averaged over the needs, and MRR the mean of
1 / rank of the first expected one. The figures are printed (``pytest -s``) and recorded in
docs/benchmarks.md; the floors leave room for tuning without letting quality slide.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from screening.application.ranking import (
    DEFAULT_WEIGHTS,
    LibraryIndex,
    RankingWeights,
    RoundQuery,
    rank,
)

_spec = importlib.util.spec_from_file_location(
    "ranking_fixture", Path(__file__).with_name("ranking_fixture.py")
)
assert _spec is not None and _spec.loader is not None
fixture = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("ranking_fixture", fixture)
_spec.loader.exec_module(fixture)

RECALL_FLOOR = 0.8
MRR_FLOOR = 0.7


def quality(
    index: LibraryIndex, weights: RankingWeights = DEFAULT_WEIGHTS, k: int = 10
) -> tuple[float, float, list[tuple[str, list[str]]]]:
    """Mean recall@k, MRR, and the needs that missed some expected achievement (with what)."""
    recalls: list[float] = []
    reciprocal: list[float] = []
    misses: list[tuple[str, list[str]]] = []
    for need in fixture.NEEDS:
        ranked = [
            r.achievement_id
            for r in rank(
                index, RoundQuery(theme_fields=need.fields, needs=need.text), 100, weights
            )
        ]
        top = ranked[:k]
        found = [a for a in need.relevant if a in top]
        recalls.append(len(found) / len(need.relevant))
        first = next((i for i, a in enumerate(ranked) if a in need.relevant), None)
        reciprocal.append(0.0 if first is None else 1.0 / (first + 1))
        missing = [a for a in need.relevant if a not in top]
        if missing:
            misses.append((need.text, missing))
    return sum(recalls) / len(recalls), sum(reciprocal) / len(reciprocal), misses


def test_the_fixture_is_big_enough() -> None:
    assert len(fixture.ROWS) >= 150
    assert len({row[1] for row in fixture.ROWS}) == 9
    assert len(fixture.NEEDS) >= 30


def test_recall_at_10_and_mrr_on_hand_written_needs() -> None:
    index = LibraryIndex.build(fixture.library())
    recall, mrr, misses = quality(index)
    print(f"\nrecall@10 = {recall:.3f}  MRR = {mrr:.3f}  over {len(fixture.NEEDS)} needs")
    for text, missing in misses:
        print(f"  missed {missing}: {text}")
    assert recall >= RECALL_FLOOR
    assert mrr >= MRR_FLOOR
