"""Paging parameters, bounded in one place.

Unbounded, a page or offset the size of 10²⁰ reached the driver and failed there (an
``OverflowError``: a 500). Every list route takes its paging through these aliases, so each bound
is a 422 with the field named before anything runs. The largest page times the largest page size
stays far inside a 64-bit skip.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MAX_PAGE = 10_000
MAX_OFFSET = 1_000_000

Page = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_PAGE,
        description=f"页码（从 1 开始，≤ {MAX_PAGE}） Page, from 1",
        openapi_examples={"first": {"value": 1}},
    ),
]
Offset = Annotated[
    int,
    Query(
        ge=0,
        le=MAX_OFFSET,
        description=f"跳过条数（≤ {MAX_OFFSET}） Offset",
        openapi_examples={"start": {"value": 0}},
    ),
]


def page_size_up_to(maximum: int) -> object:
    """``Query`` for a page size of at most ``maximum``: ``Annotated[int, page_size_up_to(200)] = 20``."""
    return Query(
        ge=1,
        le=maximum,
        description=f"每页条数（≤ {maximum}） Page size",
        openapi_examples={"default": {"value": 20}},
    )


PageSize = Annotated[int, page_size_up_to(100)]
