"""Identifiers that cross services and carry their own check: the unified social credit code.

统一社会信用代码 (GB 32100-2015): 18 characters from the 31-character set 0–9 and A–Y without I, O,
S, V, Z. Character 1 is the registering authority, 2 the kind of organisation, 3–8 the region
(GB/T 2260), 9–17 the organisation code, and 18 the check character: with each character's value
``v`` (0–9 for digits, A=10 … Y=30 in the set's order) and weights ``3**(i-1) mod 31`` for positions
1–17, the check value is ``31 - (Σ v·w mod 31)``, and 31 is written as 0.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# A record's id as the platform makes them (UUIDs, ``roadshow-<uuid>``, ``round-<id>``, host
# applications' ``<year>-<region>``): nothing that could end a URL path segment or start a query.
RECORD_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
_SHAPE = re.compile(CREDIT_CODE_PATTERN)
_VALUES = {character: value for value, character in enumerate(CREDIT_CODE_CHARSET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_character(first17: str) -> str:
    """The check character that completes the first 17 characters of a credit code."""
    if len(first17) != 17 or any(c not in _VALUES for c in first17):
        raise ValueError("a credit code's first 17 characters come from 0-9 and A-Y without IOSVZ")
    total = sum(_VALUES[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def sample_credit_code(number: int, *, series: str = "MA5F", region: str = "440300") -> str:
    """A made-up credit code that passes every check: the ``number``-th company of ``series``.

    For demos, benchmarks and tests, never for a real company. ``91`` (an enterprise registered
    with market regulation), the region (GB/T 2260), the series and the number zero-padded to fill
    the nine characters of the organisation code, and the check character. Each demo or test suite
    takes a series of its own, so that their companies never meet on a shared stack.
    """
    if number < 0:
        raise ValueError("a sample company's number is not negative")
    first17 = f"91{region}{series}{number:0{9 - len(series)}d}"
    if len(first17) != 17:
        raise ValueError(f"region, series and number do not make 17 characters: {first17}")
    return first17 + credit_code_check_character(first17)


def credit_code_problem(code: str) -> tuple[str, str] | None:
    """Why ``code`` is not a valid credit code (Chinese, English), or None when it is."""
    if len(code) != 18:
        return (
            f"统一社会信用代码应为18位，当前为{len(code)}位",
            f"A unified social credit code has 18 characters, not {len(code)}",
        )
    if not _SHAPE.match(code):
        return (
            "统一社会信用代码只能包含数字和大写字母（不含I、O、S、V、Z），第3–8位为行政区划代码",
            "Only digits and capitals without I, O, S, V, Z; characters 3-8 are the region code",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return (
            "统一社会信用代码校验位不正确，请核对后重新填写",
            "The check character of the unified social credit code is wrong",
        )
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_problem(code) is None


def _check_credit_code(code: str) -> str:
    problem = credit_code_problem(code)
    if problem is not None:
        raise ValueError(f"{problem[0]} ({problem[1]})")
    return code


CreditCode = Annotated[
    str,
    Field(
        min_length=18,
        max_length=18,
        description="统一社会信用代码（GB 32100，含校验位） Unified social credit code",
        examples=["91350100M000100Y43"],
    ),
    AfterValidator(_check_credit_code),
]
