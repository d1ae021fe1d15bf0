"""Every request body of roadshow's API documents an example, and every example is valid."""

from __future__ import annotations

from typing import Any

import pytest

from roadshow.domain.commands import EXAMPLES
from roadshow.entrypoints.api.main import create_roadshow_app


@pytest.mark.parametrize("command", list(EXAMPLES), ids=lambda c: c.__name__)
def test_each_example_is_a_valid_command(command: Any) -> None:
    example = EXAMPLES[command]
    assert command.model_validate(example) is not None
    assert command.model_json_schema()["examples"] == [example]


def test_every_request_body_has_an_example() -> None:
    spec = create_roadshow_app().openapi()
    schemas = spec["components"]["schemas"]
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            content = body["content"]["application/json"]
            schema = schemas[content["schema"]["$ref"].rsplit("/", 1)[-1]]
            if not ("examples" in content or "examples" in schema):
                missing.append(f"{method.upper()} {path}")
    assert missing == []
