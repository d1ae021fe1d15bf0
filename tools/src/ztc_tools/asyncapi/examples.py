"""Deterministic examples of every event, made from its JSON Schema and checked by its model.

An example is built from the schema alone (so new contracts get one without anybody writing it):
required properties only, a field's own ``examples`` first, then ``const``, the first ``enum`` value,
the lower bound of a number, a string that fits its ``format``, ``pattern`` and length. The result is
then validated by the payload model (which also runs its validators) and dumped in its JSON form,
which is exactly what a producer would put on the wire. The same input always gives the same example,
so the generated catalogue is stable and its staleness check is exact.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ztc_shared.events import DomainEvent, EventEnvelope

# The standard library's regular-expression parser (private, but stable since 3.11).
sre_parse: Any = importlib.import_module("re._parser")

EXAMPLE_TIME = "2026-11-27T08:30:00Z"
EXAMPLE_DATE = "2026-11-27"
EXAMPLE_REGION = "440000"
NAMESPACE = uuid.UUID("5f0c6d8e-3a51-4c5e-9d0b-7b2f1c9e4a10")
SAMPLE_TEXT = "示例"


# Payloads whose validators ask more than a schema can say (a choice among optional fields, a code
# from a list kept in the validator). Tried first; one that no longer validates is passed over. The
# better home for an example is the model itself: ``Field(examples=[...])`` or
# ``model_config = ConfigDict(json_schema_extra={"examples": [...]})``.
CURATED_PAYLOADS: dict[str, dict[str, Any]] = {
    "NoticePublished": {
        "title": "关于2026年度科技成果直通车路演报名的通知",
        "body": "各有关单位：现将本年度路演报名安排通知如下……",
        "audience": {"roles": ["company"], "regions": ["440000"]},
        "publisher": "user-0001",
        "publisher_role": "province",
    },
}


class NoExample(ValueError):
    """No valid example could be made from a schema; give the field ``examples=[...]``."""


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 32:
        reference = schema["$ref"]
        if not reference.startswith("#/"):
            raise NoExample(f"cannot follow {reference}")
        target: Any = root
        for part in reference[2:].split("/"):
            target = target[part]
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **rest}
        seen += 1
    return schema


def string_for_pattern(pattern: str) -> str:
    """A short string that matches ``pattern``: the first choice at every turn, each repeat at its
    minimum (at least once where it may be more)."""
    parsed = sre_parse.parse(pattern)

    def first_of_set(items: list[tuple[Any, Any]]) -> str:
        negated = False
        for op, value in items:
            name = str(op)
            if name == "NEGATE":
                negated = True
            elif negated:
                continue
            elif name == "LITERAL":
                return chr(value)
            elif name == "RANGE":
                return chr(value[0])
            elif name == "CATEGORY":
                return _category(str(value))
        return "x"

    def walk(tokens: Any) -> str:
        out: list[str] = []
        for op, value in tokens:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(value))
            elif name == "NOT_LITERAL":
                out.append("x" if chr(value) != "x" else "y")
            elif name == "ANY":
                out.append("a")
            elif name == "IN":
                out.append(first_of_set(value))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, inner = value
                count = low if low > 0 else (1 if high != 0 else 0)
                out.append(walk(inner) * count)
            elif name == "SUBPATTERN":
                out.append(walk(value[-1]))
            elif name == "BRANCH":
                out.append(walk(value[1][0]))
            elif name == "CATEGORY":
                out.append(_category(str(value)))
            elif name in ("AT", "ASSERT", "ASSERT_NOT"):
                continue
            else:
                raise NoExample(f"pattern {pattern!r}: {name} is not supported")
        return "".join(out)

    return walk(parsed)


def _category(name: str) -> str:
    if "DIGIT" in name:
        return "0" if "NOT" in name else "1"
    if "SPACE" in name:
        return "a" if "NOT" in name else " "
    if "WORD" in name:
        return "-" if "NOT" in name else "a"
    return "a"


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        return EXAMPLE_TIME
    if fmt == "date":
        return EXAMPLE_DATE
    if fmt == "uuid":
        return str(uuid.uuid5(NAMESPACE, "example"))
    if fmt == "email":
        return "someone@example.org"
    if fmt in ("uri", "url"):
        return "https://example.org/"
    if "pattern" in schema:
        return string_for_pattern(schema["pattern"])
    low = int(schema.get("minLength", 1))
    high = int(schema.get("maxLength", max(low, 8)))
    text = SAMPLE_TEXT * max(1, (low + 1) // 2)
    return text[: max(low, min(high, len(text)))]


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    value: float = 1
    if "minimum" in schema:
        value = max(value, schema["minimum"]) if schema["minimum"] <= 1 else schema["minimum"]
    if "exclusiveMinimum" in schema:
        value = schema["exclusiveMinimum"] + 1
    if "maximum" in schema and value > schema["maximum"]:
        value = schema["maximum"]
    return int(value) if integer else value


def value_for(schema: dict[str, Any], root: dict[str, Any], *, full: bool = False) -> Any:
    """An example value of ``schema`` (``root`` holds its ``$defs``); ``full`` fills optional
    properties too (for models whose validators want one of several optional fields)."""
    schema = _resolve(schema, root)
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            options = [_resolve(o, root) for o in schema[combinator]]
            chosen = [o for o in options if o.get("type") != "null"] or options
            return value_for(chosen[0], root, full=full)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, root))
        return value_for(merged, root, full=full)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        names = list(properties) if full else schema.get("required", [])
        return {
            name: value_for(properties[name], root, full=full)
            for name in names
            if name in properties
        }
    if kind == "array":
        count = max(int(schema.get("minItems", 0)), 1 if schema.get("maxItems", 1) else 0)
        items = schema.get("items", {})
        return [value_for(items, root, full=full) for _ in range(count)]
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return _number(schema, integer=True)
    if kind == "number":
        return _number(schema, integer=False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return {}


def payload_example(model: type[DomainEvent]) -> dict[str, Any]:
    """A valid payload of ``model`` in its JSON form; :class:`NoExample` when none can be made."""
    curated = CURATED_PAYLOADS.get(model.event_type)
    if curated is not None:
        try:
            return model.model_validate(curated).model_dump(mode="json")
        except ValidationError:
            pass  # the model moved on; fall back to one made from its schema
    schema = model.model_json_schema()
    problem: ValidationError | None = None
    for full in (False, True):
        candidate = value_for(schema, schema, full=full)
        try:
            return model.model_validate(candidate).model_dump(mode="json")
        except ValidationError as error:
            problem = problem or error
    raise NoExample(f"{model.event_type}: {problem}")


def envelope_example(
    event_type: str, schema_version: int, stream_type: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """The envelope an example payload travels in, with ids derived from the event type."""
    name = f"{event_type}.v{schema_version}"
    return EventEnvelope(
        event_id=uuid.uuid5(NAMESPACE, f"event:{name}"),
        event_type=event_type,
        schema_version=schema_version,
        stream_id=str(uuid.uuid5(NAMESPACE, f"stream:{stream_type}")),
        stream_type=stream_type,
        stream_version=1,
        occurred_at=datetime.fromisoformat(EXAMPLE_TIME),
        region=EXAMPLE_REGION,
        actor="user-0001",
        correlation_id=str(uuid.uuid5(NAMESPACE, f"correlation:{name}")),
        causation_id=None,
        payload=payload,
    ).model_dump(mode="json")
