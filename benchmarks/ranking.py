"""The ranking benchmark: screening's recommendation over a generated Chinese library.

    python -m benchmarks.ranking                    # make bench: 100,000 achievements, 200 rounds
    python -m benchmarks.ranking --size 20000 --rounds 50 --baseline-sample 5

A deterministic corpus (fixed seed) is generated from the demo catalogue's technology cores: per
field, titles combine qualifiers, objects and forms of work; abstracts combine sentences about the
object, its figures and its applications; keywords are drawn from the field's vocabulary. Every
achievement is admitted or published, so all of them are candidates.

It reports the build (tokenising every document with jieba, then the index; seconds and memory)
and then ranks ``--rounds`` generated rounds (one or two theme fields, a host's need and up to
three company demands) for the top 100, timing each ``rank`` call. The baseline is the brute-force
scan (``BruteForceRanker``: every document and every query term in Python, over the same analysed
documents) on a sample of the same rounds, measured in the same run. Pure CPU, single thread; no
stack needed.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import resource
import statistics
import time
from typing import Any

from intake.demo.catalogue import CORES, FIELD_SCALE, INSTITUTIONS
from screening.application.ranking import (
    AnalysedDocument,
    BruteForceRanker,
    Demand,
    LibraryIndex,
    RoundQuery,
    analyse,
    rank,
)
from screening.application.text import initialise_segmenter
from ztc_shared.contracts.taxonomy import FIELD_NAMES, SUB_FIELDS, IndustryField

QUALIFIERS = (
    "",
    "新一代",
    "低成本",
    "高可靠",
    "模块化",
    "规模化",
    "智能化",
    "绿色",
    "高性能",
    "国产",
)
FORMS = ("", "关键技术", "制备工艺", "集成系统", "控制方法", "检测装置", "设计方法", "产业化")
SENTENCES = (
    "{obj}的核心指标达到国际先进水平，{kw}性能提升{n}%。",
    "针对{kw}成本高、可靠性差的问题，提出了新的{kw2}方案。",
    "已完成{n}台套样机验证，申请发明专利{m}项。",
    "可应用于{scene}等场景，{scale}。",
    "与{inst}合作完成中试，良品率达到{n}%。",
    "在{kw}与{kw2}方面形成自主知识产权，打破国外垄断。",
)
NEEDS = (
    "我市{fname}产业链需要提升{a}与{b}能力，重点解决{c}问题。",
    "本地企业希望引进{a}和{b}方面的成果，用于{scene}。",
    "园区{fname}企业集中，急需{a}、{b}相关的新工艺和新装备。",
)
DEMANDS = ("需要{a}方面的技术合作", "寻求{a}与{b}解决方案", "希望降低{a}成本")


def vocabulary() -> dict[IndustryField, dict[str, list[str]]]:
    """Per field: objects (core titles, sub-field names), keywords and scenes from the catalogue."""
    out: dict[IndustryField, dict[str, list[str]]] = {}
    for field in IndustryField:
        cores = [c for c in CORES if c[0] is field]
        out[field] = {
            "objects": [c[2] for c in cores] + list(SUB_FIELDS[field].values()),
            "keywords": sorted({k for c in cores for k in c[4]}),
            "scenes": sorted({s for c in cores for s in c[6].split("、")}),
            "abstracts": [c[3] for c in cores],
        }
    return out


def corpus(size: int, seed: int = 20261128) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    vocab = vocabulary()
    fields = list(IndustryField)
    documents: list[dict[str, Any]] = []
    for number in range(size):
        field = fields[number % len(fields)]
        v = vocab[field]
        obj = rng.choice(v["objects"])
        keywords = rng.sample(v["keywords"], min(len(v["keywords"]), rng.randint(3, 5)))
        title = f"{rng.choice(QUALIFIERS)}{obj}{rng.choice(FORMS)}"
        sentences = [rng.choice(v["abstracts"])]
        for template in rng.sample(SENTENCES, 3):
            sentences.append(
                template.format(
                    obj=obj,
                    kw=rng.choice(keywords),
                    kw2=rng.choice(v["keywords"]),
                    n=rng.randint(5, 99),
                    m=rng.randint(2, 30),
                    scene="、".join(rng.sample(v["scenes"], min(2, len(v["scenes"])))),
                    scale=FIELD_SCALE[field],
                    inst=rng.choice(INSTITUTIONS)[0],
                )
            )
        documents.append(
            {
                "_id": f"bench-{number:06d}",
                "title": title,
                "abstract": "".join(sentences),
                "keywords": keywords,
                "field": field.value,
                "trl": rng.randint(2, 9),
                "combined_score": f"{rng.uniform(2.0, 4.8):.2f}",
                "status": "published" if rng.random() < 0.7 else "admitted",
            }
        )
    return documents


def rounds(count: int, seed: int = 7) -> list[RoundQuery]:
    rng = random.Random(seed)
    vocab = vocabulary()
    fields = list(IndustryField)
    out: list[RoundQuery] = []
    for _ in range(count):
        theme = tuple(rng.sample(fields, rng.randint(1, 2)))
        words = [w for f in theme for w in vocab[f]["keywords"] + vocab[f]["objects"]]
        a, b, c = rng.sample(words, 3)
        needs = rng.choice(NEEDS).format(
            fname=FIELD_NAMES[theme[0]]["zh"],
            a=a,
            b=b,
            c=c,
            scene=rng.choice(vocab[theme[0]]["scenes"]),
        )
        demands = tuple(
            Demand(
                rng.choice(DEMANDS).format(a=rng.choice(words), b=rng.choice(words)),
                fields=tuple(rng.sample(theme, rng.randint(0, 1))),
                company=f"企业{i + 1}",
            )
            for i in range(rng.randint(1, 3))
        )
        out.append(RoundQuery(theme_fields=theme, needs=needs, demands=demands))
    return out


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[position]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="achievements in the library")
    parser.add_argument("--rounds", type=int, default=200, help="rounds ranked with the index")
    parser.add_argument("--limit", type=int, default=100, help="candidates per round")
    parser.add_argument(
        "--baseline-sample", type=int, default=10, help="of those rounds, ranked by brute force"
    )
    args = parser.parse_args()

    print(
        f"machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    initialise_segmenter()
    rss_start = rss_mib()
    started = time.perf_counter()
    documents = corpus(args.size)
    generated = time.perf_counter() - started
    print(f"generated {len(documents):,} achievements in {generated:.1f} s")

    started = time.perf_counter()
    analysed: list[AnalysedDocument] = []
    for number, document in enumerate(documents, 1):
        a = analyse(document)
        if a is not None:
            analysed.append(a)
        if number % 10_000 == 0:
            print(f"  tokenised {number:,} ({time.perf_counter() - started:.1f} s)", flush=True)
    tokenise_s = time.perf_counter() - started
    characters = sum(len(d["title"]) + len(d["abstract"]) for d in documents) / len(documents)
    rss_analysed = rss_mib()

    gc.collect()
    started = time.perf_counter()
    index = LibraryIndex.from_analysed(analysed)
    build_s = time.perf_counter() - started
    rss_index = rss_mib()
    print(
        f"tokenised in {tokenise_s:.1f} s; index built in {build_s:.2f} s: {len(index):,} "
        f"candidates, {index.vocabulary_size:,} terms, {index.nbytes / 2**20:.0f} MiB of arrays"
    )

    queries = rounds(args.rounds)
    rank(index, queries[0], args.limit)  # warm-up: the first call pays lazy imports
    timings: list[float] = []
    started = time.perf_counter()
    for number, query in enumerate(queries, 1):
        t0 = time.perf_counter()
        results = rank(index, query, args.limit)
        timings.append((time.perf_counter() - t0) * 1000)
        assert len(results) == min(args.limit, len(index))
        if number % 50 == 0:
            print(
                f"  ranked {number}/{len(queries)} rounds, p95 so far {percentile(timings, 95):.1f} ms",
                flush=True,
            )
    print(f"ranked {len(queries)} rounds in {time.perf_counter() - started:.1f} s")
    example = rank(index, queries[0], 3)
    print(f"example round: {queries[0].needs}")
    for r in example:
        print(f"  {r.achievement_id} {r.score:.2f} {r.explanation}")

    brute = BruteForceRanker(analysed)
    sample = queries[: args.baseline_sample]
    baseline: list[float] = []
    agree = 0
    for number, query in enumerate(sample, 1):
        t0 = time.perf_counter()
        slow = brute.rank(query, 10)
        baseline.append((time.perf_counter() - t0) * 1000)
        fast = rank(index, query, 10)
        agree += [a for a, _ in slow] == [r.achievement_id for r in fast]
        print(f"  brute force {number}/{len(sample)}: {baseline[-1]:.0f} ms", flush=True)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p = {q: percentile(timings, q) for q in (50, 95, 99)}
    b = {q: percentile(baseline, q) for q in (50, 95, 99)}
    print()
    print(
        f"| library | {len(index):,} candidates, {index.vocabulary_size:,} terms, "
        f"{characters:.0f} characters of title + abstract each |"
    )
    print("| --- | --- |")
    print(
        f"| tokenise (jieba) | {tokenise_s:.1f} s ({len(documents) / tokenise_s:,.0f} documents/s) |"
    )
    print(f"| build index | {build_s:.2f} s |")
    print(
        f"| memory | index arrays {index.nbytes / 2**20:.0f} MiB; RSS +{rss_analysed - rss_start:.0f} MiB "
        f"after tokenising, +{rss_index - rss_analysed:.0f} MiB for the index; peak RSS {peak:.0f} MiB |"
    )
    print(
        f"| rank, index (top {args.limit}, {len(timings)} rounds) | p50 {p[50]:.1f} ms, "
        f"p95 {p[95]:.1f} ms, p99 {p[99]:.1f} ms, max {max(timings):.1f} ms, "
        f"mean {statistics.fmean(timings):.1f} ms |"
    )
    print(
        f"| rank, brute force (top 10, {len(baseline)} of the same rounds) | p50 {b[50]:.0f} ms, "
        f"p95 {b[95]:.0f} ms, p99 {b[99]:.0f} ms |"
    )
    print(f"| speed-up (p50) | {b[50] / p[50]:.0f}× |")
    print(f"| same top 10 as brute force | {agree} of {len(baseline)} rounds |")
    print(f"| goal: p95 ≤ 300 ms | {'met' if p[95] <= 300 else 'MISSED'} ({p[95]:.1f} ms) |")


if __name__ == "__main__":
    main()
