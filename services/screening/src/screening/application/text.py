"""Chinese tokenisation for screening's ranking: jieba's search segmentation, lower-cased, filtered.

Screening keeps its own copy rather than importing intake's helper: the services are deployed and
versioned apart, and the ranking's stop words are tuned by its own retrieval-quality test
(``tests/unit/test_ranking_quality.py``), not by intake's catalogue search.
"""

from __future__ import annotations

import logging
import threading

_jieba_lock = threading.Lock()
_jieba_ready = False

# Words that occur in almost every achievement and say nothing about what it is. "技术", "研究",
# "方法", "系统", "一种" and "基于" are frequent in titles and abstracts and would let a long,
# generic abstract match any need; dropping them costs nothing in the quality test (recall@10 is
# the same with and without them), so they are dropped on both sides.
STOPWORDS = frozenset(
    {
        *("的", "了", "和", "与", "及", "或", "在", "是", "等", "对", "为", "将", "于", "中", "并"),
        *("其", "以", "由", "从", "把", "被", "可", "已", "达", "较", "上", "下", "个", "各", "该"),
        *("技术", "研究", "一种", "基于", "方法", "系统", "以及", "通过", "实现", "具有", "进行"),
        *("a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with"),
    }
)

# Words a host uses to frame a need ("我市……产业链需要提升……能力") that carry no subject of their
# own. Only the query side drops them: in an achievement's abstract, "能力" may be the point. The
# quality test measured a small gain from them (recall@10 0.954 against 0.948 without).
QUERY_STOPWORDS = frozenset(
    {
        *("我市", "我省", "我区", "本市", "本地", "当地", "地区", "园区", "企业", "公司", "我们"),
        *("需要", "需求", "急需", "希望", "寻求", "寻找", "引进", "提升", "提高", "加强", "突破"),
        *("解决", "问题", "能力", "水平", "方面", "相关", "领域", "产业", "产业链", "行业", "重点"),
        *("项目", "成果", "合作", "面向", "用于", "开展", "推动", "发展", "关键", "核心", "难题"),
        *("目前", "现有", "能够", "如何", "有", "要", "想", "帮助", "支持", "服务", "方案"),
    }
)


def initialise_segmenter() -> None:
    """Load jieba's dictionary once per process, quietly: it logs to stderr while it builds it, and
    two threads loading it at once would each pay the second-long load."""
    global _jieba_ready  # one dictionary a process
    if _jieba_ready:
        return
    with _jieba_lock:
        if not _jieba_ready:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True


def tokens(text: str, *, query: bool = False) -> list[str]:
    """The terms of ``text`` with repetitions (BM25 counts them): jieba ``cut_for_search`` pieces,
    lower-cased, without punctuation, blanks and stop words. ``cut_for_search`` yields a compound
    and its parts ("动力电池", "动力", "电池"), so a need that says "电池" still meets "动力电池".
    Single Chinese characters are dropped: as pieces they are mostly particles and fragments
    ("高", "新") that would match nearly every document. ``query`` also drops the
    framing words of a host's need (``QUERY_STOPWORDS``)."""
    if not text:
        return []
    initialise_segmenter()
    import jieba

    out: list[str] = []
    for piece in jieba.cut_for_search(text):
        term = piece.strip().lower()
        if not term or term in STOPWORDS or not any(ch.isalnum() for ch in term):
            continue
        if len(term) == 1 and not term.isascii():
            continue
        if query and term in QUERY_STOPWORDS:
            continue
        out.append(term)
    return out
