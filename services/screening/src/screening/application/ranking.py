"""Screening's recommendation: rank the library for a round and say why each candidate is there.

A round (路演场次) has theme fields, the host's industry needs in free Chinese text and companies'
stated technology demands (企业技术需求). Out of a library of up to a few hundred thousand
achievements, the host needs about a hundred candidates to read, each with the reason it was
proposed. Pure and typed: no I/O, no clock; the API keeps a ``LibraryIndex`` current from the
``library`` projection and calls ``rank``.

The score of a candidate is the sum of five parts, each shown to the host:

- ``text``: BM25F relevance of title, keywords and abstract (weighted title > keywords > abstract)
  to the theme's field names, the needs and the demands, scaled so the best candidate of the round
  gets ``weights.text``. Scaling per round makes the bonuses below mean the same in every round,
  however long or wordy the host's text is.
- ``field``: the achievement's field is one of the round's theme fields.
- ``trl``: technology readiness, rising to ``preferred_trl`` (5 by default: a roadshow wants
  something a company can take up) and flat above it.
- ``evaluation``: the experts' combined score (1–5) at admission.
- ``demand``: how well it answers the company demand it fits best, so a candidate that exactly
  answers one company's demand is not drowned by candidates that vaguely fit all of them.

Only ``admitted`` and ``published`` achievements are candidates. ``BruteForceRanker`` computes the
same scores by a plain scan in Python: the tests check the fast index against it, and the
benchmark uses it as the baseline.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import numpy.typing as npt

from screening.application.text import tokens
from ztc_shared.contracts.taxonomy import FIELD_NAMES, IndustryField

CANDIDATE_STATUSES = frozenset({"admitted", "published"})
TEXT_FIELDS = ("title", "keywords", "abstract")
FIELD_ORDER: tuple[IndustryField, ...] = tuple(IndustryField)
FIELD_CODE = {field: code for code, field in enumerate(FIELD_ORDER)}
NO_FIELD = -1

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Demand:
    """One company's stated technology demand; ``fields`` narrows it when the company named any."""

    text: str
    fields: tuple[IndustryField, ...] = ()
    company: str = ""


@dataclass(frozen=True)
class RoundQuery:
    """What a round asks of the library."""

    theme_fields: tuple[IndustryField, ...] = ()
    needs: str = ""
    demands: tuple[Demand, ...] = ()


@dataclass(frozen=True)
class RankingWeights:
    """Every knob of the score in one place, so a round or a test can change one and see why.

    The defaults were chosen with the retrieval-quality test (``test_ranking_quality.py``)."""

    # BM25F: per-field weight and length normalisation, and term-frequency saturation
    title: float = 3.0
    keywords: float = 2.0
    abstract: float = 1.0
    b_title: float = 0.5
    b_keywords: float = 0.5
    b_abstract: float = 0.75
    k1: float = 1.2
    # query weight of terms that come from the theme fields' names rather than the host's words
    theme_term_weight: float = 0.5
    # the maxima of the five parts
    text: float = 10.0
    field: float = 3.0
    trl: float = 1.5
    evaluation: float = 2.0
    demand: float = 3.0
    preferred_trl: int = 5
    # a demand that names fields counts this much for an achievement of another field
    demand_off_field: float = 0.5


DEFAULT_WEIGHTS = RankingWeights()


@dataclass(frozen=True)
class ScoreParts:
    text: float = 0.0
    field: float = 0.0
    trl: float = 0.0
    evaluation: float = 0.0
    demand: float = 0.0

    @property
    def total(self) -> float:
        return self.text + self.field + self.trl + self.evaluation + self.demand


@dataclass(frozen=True)
class Recommendation:
    """A candidate, its score, the parts of its score and what it matched, in the host's words."""

    achievement_id: str
    score: float
    parts: ScoreParts
    matched_terms: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class AnalysedDocument:
    """A library document reduced to what ranking reads: term counts per text field and the
    numbers behind the bonuses. Tokenising is the expensive step, so it is done once."""

    achievement_id: str
    counts: tuple[Counter[str], Counter[str], Counter[str]]
    field: IndustryField | None
    trl: int
    evaluation: float | None

    @property
    def lengths(self) -> tuple[int, int, int]:
        title, keywords, abstract = (sum(c.values()) for c in self.counts)
        return title, keywords, abstract


def _evaluation(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _field(value: Any) -> IndustryField | None:
    try:
        return IndustryField(value)
    except ValueError:
        return None


def document_id(document: Mapping[str, Any]) -> str:
    """The projection stores the achievement's id as ``_id``; plain dicts may say so outright."""
    return str(document.get("_id") or document["achievement_id"])


def analyse(document: Mapping[str, Any]) -> AnalysedDocument | None:
    """The ranking's view of a library document, or None when it is not a candidate."""
    if document.get("status") not in CANDIDATE_STATUSES:
        return None
    keywords = document.get("keywords") or []
    texts = (
        str(document.get("title") or ""),
        "，".join(str(k) for k in keywords),
        str(document.get("abstract") or ""),
    )
    title, kw, abstract = (Counter(tokens(t)) for t in texts)
    trl = document.get("trl")
    return AnalysedDocument(
        achievement_id=document_id(document),
        counts=(title, kw, abstract),
        field=_field(document.get("field")),
        trl=int(trl) if isinstance(trl, int) else 0,
        evaluation=_evaluation(document.get("combined_score")),
    )


@dataclass(frozen=True)
class _QueryTerms:
    """The round as terms: one weight per term for relevance, one term set per demand."""

    weights: dict[str, float]
    demands: tuple[frozenset[str], ...]

    @property
    def all_terms(self) -> list[str]:
        seen = dict.fromkeys(self.weights)
        for terms in self.demands:
            seen.update(dict.fromkeys(sorted(terms)))
        return list(seen)


def query_terms(query: RoundQuery, weights: RankingWeights = DEFAULT_WEIGHTS) -> _QueryTerms:
    """A term said several times is still one subject: the weight is the largest of its sources,
    not their sum, so a host repeating "电池" does not let battery words drown the rest."""
    found: dict[str, float] = {}

    def add(text: str, weight: float) -> list[str]:
        terms = tokens(text, query=True)
        for term in terms:
            found[term] = max(found.get(term, 0.0), weight)
        return terms

    for field in query.theme_fields:
        add(FIELD_NAMES[field]["zh"], weights.theme_term_weight)
    add(query.needs, 1.0)
    demands = tuple(frozenset(add(d.text, 1.0)) for d in query.demands)
    return _QueryTerms(found, demands)


def _idf(total: int, df: int) -> float:
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


def _trl_factor(trl: int, preferred: int) -> float:
    if trl <= 0:
        return 0.0
    return min(1.0, max(0.0, (trl - 1) / max(1, preferred - 1)))


def _evaluation_factor(score: float | None) -> float:
    if score is None or math.isnan(score):
        return 0.0
    return min(1.0, max(0.0, (score - 1.0) / 4.0))


def _explanation(
    terms: Sequence[str],
    parts: ScoreParts,
    field: IndustryField | None,
    trl: int,
    evaluation: float | None,
    demand_label: str | None,
) -> str:
    """One line a host reads at a glance: what matched and which bonuses it earned."""
    shown = [t for t in terms if not any(t != o and t in o for o in terms)][:5]
    pieces = [f"命中：{'、'.join(shown)}" if shown else "无文本命中"]
    if parts.field > 0 and field is not None:
        pieces.append(f"领域匹配：{FIELD_NAMES[field]['zh']}")
    if trl > 0:
        pieces.append(f"技术成熟度 TRL {trl}")
    if evaluation is not None:
        pieces.append(f"评估得分 {evaluation:.1f}")
    if parts.demand > 0 and demand_label:
        pieces.append(f"契合企业需求：{demand_label}")
    return "；".join(pieces)


def _demand_label(demand: Demand, number: int) -> str:
    return demand.company or f"需求{number + 1}"


class _Postings:
    """One term's postings: ascending slots and per-field term frequencies (title, keywords,
    abstract). New postings wait in a list and are joined on the next read, so adding one
    document does not copy every array it touches."""

    __slots__ = ("docs", "pending", "tf")

    def __init__(self, docs: Ints, tf: Floats) -> None:
        self.docs = docs
        self.tf = tf
        self.pending: list[tuple[int, float, float, float]] = []

    def arrays(self) -> tuple[Ints, Floats]:
        if self.pending:
            extra = np.array(self.pending, dtype=np.float64)
            self.docs = np.concatenate([self.docs, extra[:, 0].astype(np.int64)])
            self.tf = np.concatenate([self.tf, extra[:, 1:]])
            self.pending = []
        return self.docs, self.tf


class LibraryIndex:
    """An inverted index of the candidates, in numpy arrays, kept current one document at a time.

    Each candidate holds a slot; per slot the index keeps field lengths, field code, TRL and
    evaluation score. Removing a document only marks its slot dead (its postings stay and are
    masked when scoring); when a quarter of the slots are dead the index compacts, so a library
    that churns does not grow without bound. An update is a removal and an addition.
    """

    def __init__(self) -> None:
        self._term_id: dict[str, int] = {}
        self._terms: list[str] = []
        self._postings: list[_Postings] = []
        self._df: list[int] = []
        self._slot_of: dict[str, int] = {}
        self._ids: list[str] = []
        self._slot_terms: list[Ints] = []
        self._size = 0
        capacity = 16
        self._alive: Bools = np.zeros(capacity, dtype=np.bool_)
        self._lengths: Floats = np.zeros((capacity, 3), dtype=np.float64)
        self._field: Ints = np.full(capacity, NO_FIELD, dtype=np.int64)
        self._trl: Ints = np.zeros(capacity, dtype=np.int64)
        self._evaluation: Floats = np.full(capacity, np.nan, dtype=np.float64)
        self._length_sum = np.zeros(3, dtype=np.float64)

    # -- building and keeping current

    @classmethod
    def build(cls, documents: Iterable[Mapping[str, Any]]) -> LibraryIndex:
        """The index of every candidate among ``documents`` (others are skipped)."""
        analysed = [a for a in (analyse(d) for d in documents) if a is not None]
        return cls.from_analysed(analysed)

    @classmethod
    def from_analysed(cls, analysed: Sequence[AnalysedDocument]) -> LibraryIndex:
        """Bulk construction: all postings gathered into flat arrays, grouped by term with one
        stable sort, and split, instead of growing ~20,000 arrays one posting at a time."""
        index = cls()
        latest: dict[str, AnalysedDocument] = {a.achievement_id: a for a in analysed}
        docs = list(latest.values())
        n = len(docs)
        index._grow(max(16, n))
        term_ids: list[int] = []
        slots: list[int] = []
        freqs: list[tuple[int, int, int]] = []
        for slot, doc in enumerate(docs):
            index._place(slot, doc)
            own: list[int] = []
            title, keywords, abstract = doc.counts
            for term in dict.fromkeys([*title, *keywords, *abstract]):
                tid = index._intern(term)
                own.append(tid)
                term_ids.append(tid)
                slots.append(slot)
                freqs.append((title.get(term, 0), keywords.get(term, 0), abstract.get(term, 0)))
            index._slot_terms.append(np.array(own, dtype=np.int64))
        index._size = n
        tids = np.array(term_ids, dtype=np.int64)
        order = np.argsort(tids, kind="stable")  # slots stay ascending within a term
        tids = tids[order]
        slot_arr = np.array(slots, dtype=np.int64)[order]
        tf = np.array(freqs, dtype=np.float64).reshape(-1, 3)[order]
        bounds = np.searchsorted(tids, np.arange(len(index._terms) + 1))
        for tid in range(len(index._terms)):
            start, end = int(bounds[tid]), int(bounds[tid + 1])
            index._postings[tid] = _Postings(slot_arr[start:end].copy(), tf[start:end].copy())
            index._df[tid] = end - start
        return index

    def add(self, document: Mapping[str, Any]) -> None:
        """Index a library document as it is now: a candidate enters or is re-indexed, anything
        else (submitted, withdrawn, archived…) leaves."""
        analysed = analyse(document)
        if analysed is None:
            self.remove(document_id(document))
        else:
            self.add_analysed(analysed)

    update = add

    def add_analysed(self, doc: AnalysedDocument) -> None:
        self.remove(doc.achievement_id)
        slot = self._size
        if slot >= len(self._alive):
            self._grow(2 * len(self._alive))
        self._place(slot, doc)
        title, keywords, abstract = doc.counts
        own: list[int] = []
        for term in dict.fromkeys([*title, *keywords, *abstract]):
            tid = self._intern(term)
            own.append(tid)
            self._postings[tid].pending.append(
                (slot, title.get(term, 0), keywords.get(term, 0), abstract.get(term, 0))
            )
            self._df[tid] += 1
        self._slot_terms.append(np.array(own, dtype=np.int64))
        self._size += 1

    def remove(self, achievement_id: str) -> None:
        slot = self._slot_of.pop(achievement_id, None)
        if slot is None:
            return
        self._alive[slot] = False
        self._length_sum -= self._lengths[slot]
        for tid in self._slot_terms[slot].tolist():
            self._df[tid] -= 1
        dead = self._size - len(self._slot_of)
        if dead > 1024 and dead * 4 > self._size:
            self._compact()

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, achievement_id: object) -> bool:
        return achievement_id in self._slot_of

    @property
    def nbytes(self) -> int:
        """Bytes held in numpy arrays (postings and per-slot data), for the benchmark's table."""
        arrays: list[npt.NDArray[Any]] = [
            self._alive,
            self._lengths,
            self._field,
            self._trl,
            self._evaluation,
            *self._slot_terms,
        ]
        for p in self._postings:
            arrays += [p.docs, p.tf]
        return sum(a.nbytes for a in arrays)

    @property
    def vocabulary_size(self) -> int:
        return sum(1 for df in self._df if df > 0)

    def _intern(self, term: str) -> int:
        tid = self._term_id.get(term)
        if tid is None:
            tid = len(self._terms)
            self._term_id[term] = tid
            self._terms.append(term)
            self._postings.append(
                _Postings(np.empty(0, dtype=np.int64), np.empty((0, 3), dtype=np.float64))
            )
            self._df.append(0)
        return tid

    def _place(self, slot: int, doc: AnalysedDocument) -> None:
        self._slot_of[doc.achievement_id] = slot
        if slot == len(self._ids):
            self._ids.append(doc.achievement_id)
        else:
            self._ids[slot] = doc.achievement_id
        self._alive[slot] = True
        self._lengths[slot] = doc.lengths
        self._length_sum += self._lengths[slot]
        self._field[slot] = FIELD_CODE[doc.field] if doc.field is not None else NO_FIELD
        self._trl[slot] = doc.trl
        self._evaluation[slot] = np.nan if doc.evaluation is None else doc.evaluation

    def _grow(self, capacity: int) -> None:
        extra = capacity - len(self._alive)
        if extra <= 0:
            return
        self._alive = np.concatenate([self._alive, np.zeros(extra, dtype=np.bool_)])
        self._lengths = np.concatenate([self._lengths, np.zeros((extra, 3), dtype=np.float64)])
        self._field = np.concatenate([self._field, np.full(extra, NO_FIELD, dtype=np.int64)])
        self._trl = np.concatenate([self._trl, np.zeros(extra, dtype=np.int64)])
        self._evaluation = np.concatenate(
            [self._evaluation, np.full(extra, np.nan, dtype=np.float64)]
        )

    def _compact(self) -> None:
        """Drop dead slots: renumber the living ones in order (postings stay ascending)."""
        alive = self._alive[: self._size]
        new_slot = np.cumsum(alive) - 1
        for postings in self._postings:
            docs, tf = postings.arrays()
            keep = alive[docs]
            postings.docs = new_slot[docs[keep]]
            postings.tf = tf[keep]
        living = np.flatnonzero(alive)
        n = len(living)
        self._ids = [self._ids[s] for s in living.tolist()]
        self._slot_terms = [self._slot_terms[s] for s in living.tolist()]
        self._slot_of = {a: i for i, a in enumerate(self._ids)}
        capacity = len(self._alive)
        for name in ("_lengths", "_field", "_trl", "_evaluation"):
            array = getattr(self, name)
            compacted = array[living]
            fresh = np.zeros_like(array)
            fresh[:n] = compacted
            setattr(self, name, fresh)
        self._alive = np.zeros(capacity, dtype=np.bool_)
        self._alive[:n] = True
        self._field[n:] = NO_FIELD
        self._evaluation[n:] = np.nan
        self._size = n

    # -- scoring

    def rank(
        self, query: RoundQuery, limit: int = 100, weights: RankingWeights = DEFAULT_WEIGHTS
    ) -> list[Recommendation]:
        """The ``limit`` best candidates, best first (ties by order of indexing)."""
        n = self._size
        total_docs = len(self._slot_of)
        if total_docs == 0 or limit <= 0:
            return []
        terms = query_terms(query, weights)
        alive = self._alive[:n]
        lengths = self._lengths[:n]
        average = np.maximum(self._length_sum / total_docs, 1e-9)
        field_weights = (weights.title, weights.keywords, weights.abstract)
        bs = (weights.b_title, weights.b_keywords, weights.b_abstract)
        # per slot and text field: weight / (1 - b + b * length / average length)
        norms = np.empty((n, 3), dtype=np.float64)
        for f in range(3):
            norms[:, f] = field_weights[f] / (1.0 - bs[f] + bs[f] * lengths[:, f] / average[f])

        text = np.zeros(n, dtype=np.float64)
        demand_raw = np.zeros((len(terms.demands), n), dtype=np.float64)
        contributions: dict[str, tuple[Ints, Floats]] = {}
        for term in terms.all_terms:
            tid = self._term_id.get(term)
            if tid is None or self._df[tid] <= 0:
                continue
            docs, tf = self._postings[tid].arrays()
            weighted = np.einsum("ij,ij->i", tf, norms[docs])
            score = _idf(total_docs, self._df[tid]) * weighted / (weights.k1 + weighted)
            weight = terms.weights.get(term, 0.0)
            if weight:
                text[docs] += weight * score
                contributions[term] = (docs, weight * score)
            for j, demand_terms in enumerate(terms.demands):
                if term in demand_terms:
                    demand_raw[j, docs] += score

        text_part = _scaled(text, alive) * weights.text
        fields = self._field[:n]
        theme = np.zeros(len(FIELD_ORDER) + 1, dtype=np.float64)  # index -1 is "no field"
        for theme_field in query.theme_fields:
            theme[FIELD_CODE[theme_field]] = weights.field
        field_part = theme[fields]
        trl_table = np.array(
            [_trl_factor(t, weights.preferred_trl) for t in range(10)], dtype=np.float64
        )
        trl_part = trl_table[np.clip(self._trl[:n], 0, 9)] * weights.trl
        evaluations = self._evaluation[:n]
        evaluation_part = np.where(
            np.isnan(evaluations), 0.0, np.clip((evaluations - 1.0) / 4.0, 0.0, 1.0)
        )
        evaluation_part *= weights.evaluation
        demand_part = np.zeros(n, dtype=np.float64)
        best_demand = np.full(n, -1, dtype=np.int64)
        for j, demand in enumerate(query.demands):
            relevance = _scaled(demand_raw[j], alive)
            if demand.fields:
                named = np.zeros(len(FIELD_ORDER) + 1, dtype=np.float64)
                named[:] = weights.demand_off_field
                for demand_field in demand.fields:
                    named[FIELD_CODE[demand_field]] = 1.0
                relevance *= named[fields]
            better = relevance > demand_part
            demand_part = np.where(better, relevance, demand_part)
            best_demand = np.where(better, j, best_demand)
        demand_part *= weights.demand

        total = text_part + field_part + trl_part + evaluation_part + demand_part
        total = np.where(alive, total, -np.inf)
        k = min(limit, total_docs)
        top = np.argpartition(-total, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.isfinite(total[top])]
        top = top[np.lexsort((top, -total[top]))][:k]

        matched: list[list[tuple[float, str]]] = [[] for _ in range(len(top))]
        for term, (docs, score) in contributions.items():
            positions = np.searchsorted(docs, top)
            positions = np.minimum(positions, len(docs) - 1)
            hits = np.flatnonzero((docs[positions] == top) & (score[positions] > 0))
            for i in hits.tolist():
                matched[i].append((float(score[positions[i]]), term))

        results: list[Recommendation] = []
        for i, slot in enumerate(top.tolist()):
            parts = ScoreParts(
                text=float(text_part[slot]),
                field=float(field_part[slot]),
                trl=float(trl_part[slot]),
                evaluation=float(evaluation_part[slot]),
                demand=float(demand_part[slot]),
            )
            found = tuple(t for _, t in sorted(matched[i], key=lambda c: (-c[0], c[1])))
            code = int(fields[slot])
            evaluation = float(evaluations[slot])
            j = int(best_demand[slot])
            results.append(
                Recommendation(
                    achievement_id=self._ids[slot],
                    score=parts.total,
                    parts=parts,
                    matched_terms=found,
                    explanation=_explanation(
                        found,
                        parts,
                        FIELD_ORDER[code] if code >= 0 else None,
                        int(self._trl[slot]),
                        None if math.isnan(evaluation) else evaluation,
                        _demand_label(query.demands[j], j) if j >= 0 else None,
                    ),
                )
            )
        return results


def _scaled(values: Floats, alive: Bools) -> Floats:
    """``values`` divided by the best living one (0 when nothing matched)."""
    best = float(values[alive].max()) if alive.any() else 0.0
    if best <= 0:
        return np.zeros_like(values)
    return values / best


def rank(
    index: LibraryIndex,
    query: RoundQuery,
    limit: int = 100,
    weights: RankingWeights = DEFAULT_WEIGHTS,
) -> list[Recommendation]:
    """The round's ``limit`` best candidates from ``index``, each with its explanation."""
    return index.rank(query, limit, weights)


class BruteForceRanker:
    """The same score computed the obvious way: every document, every query term, in Python.

    It shares nothing with ``LibraryIndex`` but the analysed documents and the formula, so the
    tests can hold the fast path to it, and the benchmark can say how much the index buys."""

    def __init__(self, documents: Sequence[AnalysedDocument]) -> None:
        latest = {d.achievement_id: d for d in documents}
        self.documents = list(latest.values())
        self.df: Counter[str] = Counter()
        sums = [0.0, 0.0, 0.0]
        for doc in self.documents:
            title, keywords, abstract = doc.counts
            self.df.update(set(title) | set(keywords) | set(abstract))
            for f, length in enumerate(doc.lengths):
                sums[f] += length
        count = max(1, len(self.documents))
        self.average = [max(s / count, 1e-9) for s in sums]

    def rank(
        self, query: RoundQuery, limit: int = 100, weights: RankingWeights = DEFAULT_WEIGHTS
    ) -> list[tuple[str, ScoreParts]]:
        terms = query_terms(query, weights)
        total_docs = len(self.documents)
        idf = {t: _idf(total_docs, self.df[t]) for t in terms.all_terms if self.df[t] > 0}
        field_weights = (weights.title, weights.keywords, weights.abstract)
        bs = (weights.b_title, weights.b_keywords, weights.b_abstract)
        raw: list[tuple[float, list[float]]] = []
        for doc in self.documents:
            lengths = doc.lengths
            text = 0.0
            demand = [0.0] * len(terms.demands)
            for term, term_idf in idf.items():
                weighted = 0.0
                for f in range(3):
                    count = doc.counts[f].get(term, 0)
                    if count:
                        norm = 1.0 - bs[f] + bs[f] * lengths[f] / self.average[f]
                        weighted += count * field_weights[f] / norm
                if weighted == 0.0:
                    continue
                score = term_idf * weighted / (weights.k1 + weighted)
                text += terms.weights.get(term, 0.0) * score
                for j, demand_terms in enumerate(terms.demands):
                    if term in demand_terms:
                        demand[j] += score
            raw.append((text, demand))
        best_text = max((r[0] for r in raw), default=0.0)
        best_demand = [max((r[1][j] for r in raw), default=0.0) for j in range(len(terms.demands))]
        scored: list[tuple[float, int, str, ScoreParts]] = []
        for position, (doc, (text, demand)) in enumerate(zip(self.documents, raw, strict=True)):
            fit = 0.0
            for j, d in enumerate(query.demands):
                relevance = demand[j] / best_demand[j] if best_demand[j] > 0 else 0.0
                if d.fields and doc.field not in d.fields:
                    relevance *= weights.demand_off_field
                fit = max(fit, relevance)
            parts = ScoreParts(
                text=weights.text * text / best_text if best_text > 0 else 0.0,
                field=weights.field if doc.field in query.theme_fields else 0.0,
                trl=weights.trl * _trl_factor(min(doc.trl, 9), weights.preferred_trl),
                evaluation=weights.evaluation * _evaluation_factor(doc.evaluation),
                demand=weights.demand * fit,
            )
            scored.append((parts.total, position, doc.achievement_id, parts))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [(s[2], s[3]) for s in scored[:limit]]
