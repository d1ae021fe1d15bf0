"""Validate an AsyncAPI 3.0.0 document offline, and check its examples against its own schemas.

The first check uses the official AsyncAPI 3.0.0 JSON Schema (vendored in ``spec/``, see its
README), which also validates the Kafka bindings. The second is ours: every message's example must
validate against that message's payload schema and headers, with every ``$ref`` resolved inside the
document, so a document whose examples contradict its schemas does not pass either.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:ztc:asyncapi"


@cache
def asyncapi_schema() -> dict[str, Any]:
    text = (
        resources.files("ztc_tools.asyncapi")
        .joinpath("spec/asyncapi-3.0.0.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _specification() -> Any:
    return Draft7Validator(asyncapi_schema())


def specification_errors(document: dict[str, Any]) -> list[str]:
    """What the AsyncAPI 3.0.0 schema finds wrong with ``document`` (empty when it is valid)."""
    validator = _specification()
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def example_errors(document: dict[str, Any]) -> list[str]:
    """Examples that do not match their message's payload or headers schema."""
    registry: Registry[Any] = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    problems: list[str] = []
    for name, message in document.get("components", {}).get("messages", {}).items():
        for example in message.get("examples", []):
            for part in ("payload", "headers"):
                if part not in example:
                    continue
                validator = Draft202012Validator(
                    {"$ref": f"{DOCUMENT_URI}#/components/messages/{name}/{part}"},
                    registry=registry,
                )
                problems.extend(
                    f"{name} example {part}: {error.message}"
                    for error in validator.iter_errors(example[part])
                )
    return problems


def validate_document(document: dict[str, Any]) -> list[str]:
    """Both checks; an empty list means the document is valid and its examples agree with it."""
    return specification_errors(document) + example_errors(document)
