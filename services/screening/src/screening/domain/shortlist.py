"""The suggested shortlist (建议路演项目): a help for the host, who may follow it or not.

Pure: the candidates, the companies' answers and the round's theme fields in, ordered suggestions
out, each with the reason in Chinese and English. Three things count, in this order of weight:

* the evaluation (专业评估综合分, 1–5, from intake): what the agencies think of the result;
* the companies' interest: 必须对接 counts double, 感兴趣 once, 不感兴趣 against, as a share of the
  companies that answered on the candidate plus two neutral ones, so that no answers is neutral and
  one enthusiastic company does not outweigh the evaluation on its own;
* field coverage: a candidate in one of the round's theme fields gets a little, and the first of a
  theme field not yet covered by the suggestions before it gets more, so that the stage shows every
  theme field the longlist can offer rather than ten projects of one field.

The suggestions are picked greedily: each step takes the candidate with the highest total given the
fields already covered; ties go to the higher evaluation, then to the id, so the order is stable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ztc_shared.contracts.screening import InterestAnswer, InterestLevel, InterestReason
from ztc_shared.contracts.taxonomy import FIELD_NAMES, IndustryField

EVALUATION_WEIGHT = Decimal("0.5")
INTEREST_WEIGHT = Decimal("0.35")
THEME_BONUS = Decimal("0.05")
NEW_THEME_BONUS = Decimal("0.10")
NEUTRAL_PRIOR = 2  # imagined companies without an opinion on every candidate
MAX_SCORE = Decimal(5)
_PLACES = Decimal("0.001")


@dataclass(frozen=True)
class Candidate:
    """A longlisted achievement as the suggestion needs it."""

    achievement_id: str
    title: str
    field: IndustryField
    combined_score: Decimal | None


@dataclass
class Tally:
    """The companies' answers on one candidate: how many at each level, and for which reasons."""

    levels: Counter[InterestLevel] = field(default_factory=Counter)
    reasons: Counter[InterestReason] = field(default_factory=Counter)
    suggestions: list[str] = field(default_factory=list)

    @property
    def respondents(self) -> int:
        return sum(self.levels.values())

    def interest(self) -> Decimal:
        """Towards -0.5 (nobody interested) or 1 (everybody must meet); 0 without answers."""
        points = (
            2 * self.levels[InterestLevel.MUST_MEET]
            + self.levels[InterestLevel.INTERESTED]
            - self.levels[InterestLevel.NOT_INTERESTED]
        )
        return (Decimal(points) / (2 * (self.respondents + NEUTRAL_PRIOR))).quantize(_PLACES)


def tally(answers: Iterable[InterestAnswer]) -> dict[str, Tally]:
    """Per candidate, the answers counted by level and reason, with the suggestions' texts."""
    tallies: dict[str, Tally] = {}
    for answer in answers:
        entry = tallies.setdefault(answer.achievement_id, Tally())
        entry.levels[answer.level] += 1
        if answer.reason is not None:
            entry.reasons[answer.reason] += 1
        if answer.suggestion:
            entry.suggestions.append(answer.suggestion)
    return tallies


@dataclass(frozen=True)
class Suggestion:
    rank: int
    achievement_id: str
    title: str
    field: IndustryField
    score: Decimal
    evaluation: Decimal
    interest: Decimal
    covers_new_field: bool
    reason_zh: str
    reason_en: str


def suggest_shortlist(
    candidates: Sequence[Candidate],
    tallies: Mapping[str, Tally],
    theme_fields: Sequence[IndustryField],
    size: int,
) -> list[Suggestion]:
    """Up to ``size`` candidates in the order suggested, each with why."""
    themes = set(theme_fields)
    covered: set[IndustryField] = set()
    remaining = list(candidates)
    suggestions: list[Suggestion] = []
    while remaining and len(suggestions) < size:

        def order(c: Candidate) -> tuple[Decimal, Decimal, tuple[int, ...]]:
            base = _base(c, tallies.get(c.achievement_id, Tally()))
            return (
                base + _coverage(c.field, themes, covered),
                c.combined_score or Decimal(0),
                _reverse(c.achievement_id),
            )

        best = max(remaining, key=order)
        remaining.remove(best)
        entry = tallies.get(best.achievement_id, Tally())
        new_field = best.field in themes and best.field not in covered
        covered.add(best.field)
        evaluation = _evaluation(best)
        interest = entry.interest()
        suggestions.append(
            Suggestion(
                rank=len(suggestions) + 1,
                achievement_id=best.achievement_id,
                title=best.title,
                field=best.field,
                score=_total(best, entry, themes, new_field),
                evaluation=evaluation,
                interest=interest,
                covers_new_field=new_field,
                reason_zh=_reason_zh(best, entry, themes, new_field),
                reason_en=_reason_en(best, entry, themes, new_field),
            )
        )
    return suggestions


def _total(
    candidate: Candidate, entry: Tally, themes: set[IndustryField], new_field: bool
) -> Decimal:
    coverage = Decimal(0)
    if candidate.field in themes:
        coverage = THEME_BONUS + (NEW_THEME_BONUS if new_field else Decimal(0))
    return (_base(candidate, entry) + coverage).quantize(_PLACES)


def _evaluation(candidate: Candidate) -> Decimal:
    if candidate.combined_score is None:
        return Decimal(0)
    return (candidate.combined_score / MAX_SCORE).quantize(_PLACES)


def _base(candidate: Candidate, entry: Tally) -> Decimal:
    return EVALUATION_WEIGHT * _evaluation(candidate) + INTEREST_WEIGHT * entry.interest()


def _coverage(
    candidate_field: IndustryField, themes: set[IndustryField], covered: set[IndustryField]
) -> Decimal:
    if candidate_field not in themes:
        return Decimal(0)
    return THEME_BONUS + (NEW_THEME_BONUS if candidate_field not in covered else Decimal(0))


def _reverse(text: str) -> tuple[int, ...]:
    # ``max`` prefers the larger key; ties should go to the smaller id.
    return tuple(-ord(ch) for ch in text)


def _reason_zh(
    candidate: Candidate, entry: Tally, themes: set[IndustryField], new_field: bool
) -> str:
    score = candidate.combined_score
    parts = [f"评估综合分 {score}" if score is not None else "尚无评估综合分"]
    if entry.respondents:
        parts.append(
            f"企业意愿：必须对接 {entry.levels[InterestLevel.MUST_MEET]} 家、"
            f"感兴趣 {entry.levels[InterestLevel.INTERESTED]} 家、"
            f"不感兴趣 {entry.levels[InterestLevel.NOT_INTERESTED]} 家"
        )
    else:
        parts.append("尚无企业反馈")
    name = FIELD_NAMES[candidate.field]["zh"]
    if new_field:
        parts.append(f"覆盖主题领域“{name}”")
    elif candidate.field in themes:
        parts.append(f"属于主题领域“{name}”")
    else:
        parts.append(f"领域“{name}”不在本场主题内")
    return "；".join(parts)


def _reason_en(
    candidate: Candidate, entry: Tally, themes: set[IndustryField], new_field: bool
) -> str:
    score = candidate.combined_score
    parts = [f"evaluation {score}" if score is not None else "no evaluation score yet"]
    if entry.respondents:
        parts.append(
            f"companies: {entry.levels[InterestLevel.MUST_MEET]} must meet, "
            f"{entry.levels[InterestLevel.INTERESTED]} interested, "
            f"{entry.levels[InterestLevel.NOT_INTERESTED]} not interested"
        )
    else:
        parts.append("no company has answered yet")
    name = FIELD_NAMES[candidate.field]["en"]
    if new_field:
        parts.append(f"covers the theme field {name}")
    elif candidate.field in themes:
        parts.append(f"in the theme field {name}")
    else:
        parts.append(f"{name} is not a theme field of this round")
    return "; ".join(parts)
