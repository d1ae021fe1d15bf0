"""The unified social credit code's check character (GB 32100-2015), on real and mutated codes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from ztc_shared.contracts.identifiers import (
    CREDIT_CODE_CHARSET,
    CreditCode,
    credit_code_check_character,
    credit_code_problem,
    is_valid_credit_code,
    sample_credit_code,
)

# Codes published on business licences.
KNOWN_VALID = [
    "91350100M000100Y43",
    "91110000600037341L",
    "9144030071526726XG",
    "91440300708461136T",
]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid_credit_code(code)
    assert credit_code_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_every_single_character_change_is_caught(code: str) -> None:
    for position in range(18):
        for character in CREDIT_CODE_CHARSET:
            if character == code[position]:
                continue
            mutated = code[:position] + character + code[position + 1 :]
            assert not is_valid_credit_code(mutated), mutated


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_swapping_neighbours_is_caught(code: str) -> None:
    for position in range(17):
        a, b = code[position], code[position + 1]
        if a == b:
            continue
        swapped = code[:position] + b + a + code[position + 2 :]
        assert not is_valid_credit_code(swapped), swapped


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y4", "18位"),
        ("91350100M000100Y433", "18位"),
        ("91350100M000100I43", "大写字母"),
        ("913501a0M000100Y43", "大写字母"),
        ("91AB0100M000100Y43", "行政区划"),
        ("91350100M000100Y44", "校验位"),
    ],
)
def test_problems_are_explained(code: str, fragment: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None
    assert fragment in problem[0]
    assert problem[1]


def test_a_check_value_of_31_is_written_as_zero() -> None:
    # Search the first codes of a region for one whose check character is 0.
    prefixes = (f"91440300MA5F{n:05d}" for n in range(100000))
    first17 = next(p for p in prefixes if credit_code_check_character(p) == "0")
    assert is_valid_credit_code(first17 + "0")


def test_the_model_type_refuses_a_bad_code() -> None:
    class Company(BaseModel):
        code: CreditCode

    assert Company(code="91350100M000100Y43").code == "91350100M000100Y43"
    with pytest.raises(ValidationError, match="校验位"):
        Company(code="91350100M000100Y44")


def test_sample_codes_are_valid_distinct_and_made_as_the_suites_made_them() -> None:
    codes = {
        sample_credit_code(n, series=series) for series in ("MA5F", "MA5D") for n in range(500)
    }
    assert len(codes) == 1000
    assert all(is_valid_credit_code(code) for code in codes)
    # the shapes the demos and suites used before there was one generator
    assert sample_credit_code(7)[:17] == "91440300MA5F00007"
    assert sample_credit_code(77, series="", region="440300")[:17] == "91440300000000077"
    assert sample_credit_code(3, series="MA5R", region="110000")[:17] == "91110000MA5R00003"


@pytest.mark.parametrize(
    ("number", "options"),
    [(-1, {}), (100000, {}), (1, {"region": "4403"}), (1, {"series": "MA5FIO"})],
)
def test_a_sample_code_that_cannot_be_made_is_refused(number: int, options: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        sample_credit_code(number, **options)
