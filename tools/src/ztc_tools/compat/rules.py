"""Which schema changes break an existing consumer of an event, and which do not.

Compared are two JSON Schemas of the same event type and version: the released one and the current
one, each with its own ``$defs`` (references are followed, so renaming a definition is no change).

Compatible:
    a new optional property; an added ``enum`` value (readers treat codes they do not know as
    "other"); a changed ``title``, ``description``, ``examples`` or ``$comment``.
Breaking:
    a property removed; a new required property, or an optional one made required (history holds
    events without it); a changed ``type``, ``format``, ``pattern``, bound, ``default`` or any other
    validation keyword; an ``enum`` value removed; alternatives (``anyOf``/``oneOf``) added or
    removed; extra properties refused where they were accepted.
"""

from __future__ import annotations

import json
from typing import Any

ANNOTATIONS = frozenset({"title", "description", "examples", "$comment", "readOnly", "writeOnly"})
STRUCTURAL = frozenset(
    {"properties", "required", "enum", "anyOf", "oneOf", "allOf", "items", "$defs", "$ref"}
)


def _resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(schema, dict):
        return {"const": schema}
    hops = 0
    while "$ref" in schema and hops < 64:
        target: Any = root
        for part in str(schema["$ref"])[2:].split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        hops += 1
    resolved: dict[str, Any] = schema
    return resolved


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)[:120]


def breaking_changes(
    old: dict[str, Any], new: dict[str, Any], *, path: str = "payload"
) -> list[str]:
    """Every change from ``old`` to ``new`` that would break a consumer (empty: compatible)."""
    problems: list[str] = []
    _compare(old, new, old, new, path, problems, set())
    return problems


def _compare(
    old: Any,
    new: Any,
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
    problems: list[str],
    seen: set[tuple[str, str]],
) -> None:
    old_ref = old.get("$ref") if isinstance(old, dict) else None
    new_ref = new.get("$ref") if isinstance(new, dict) else None
    if old_ref and new_ref:
        if (old_ref, new_ref) in seen:
            return  # a recursive definition already being compared
        seen = seen | {(old_ref, new_ref)}
    old = _resolve(old, old_root)
    new = _resolve(new, new_root)

    old_properties: dict[str, Any] = old.get("properties", {})
    new_properties: dict[str, Any] = new.get("properties", {})
    for name, schema in old_properties.items():
        if name not in new_properties:
            problems.append(f"{path}.{name}: removed")
        else:
            _compare(
                schema, new_properties[name], old_root, new_root, f"{path}.{name}", problems, seen
            )
    old_required = set(old.get("required", []))
    for name in sorted(set(new.get("required", [])) - old_required):
        if name in old_properties:
            problems.append(f"{path}.{name}: optional before, now required")
        else:
            problems.append(f"{path}.{name}: new required property")

    if "enum" in old or "enum" in new:
        if "enum" not in old or "enum" not in new:
            problems.append(f"{path}: enum {'added' if 'enum' in new else 'removed'}")
        else:
            removed = [v for v in old["enum"] if v not in new["enum"]]
            if removed:
                problems.append(f"{path}: enum values removed: {_show(removed)}")

    for combinator in ("anyOf", "oneOf", "allOf"):
        old_options, new_options = old.get(combinator), new.get(combinator)
        if old_options is None and new_options is None:
            continue
        if old_options is None or new_options is None or len(old_options) != len(new_options):
            problems.append(f"{path}: {combinator} alternatives changed")
            continue
        for index, (a, b) in enumerate(zip(old_options, new_options, strict=True)):
            _compare(a, b, old_root, new_root, f"{path}<{combinator}[{index}]>", problems, seen)

    if "items" in old or "items" in new:
        if "items" in old and "items" in new:
            _compare(old["items"], new["items"], old_root, new_root, f"{path}[]", problems, seen)
        else:
            problems.append(f"{path}: items changed")

    keywords = (set(old) | set(new)) - ANNOTATIONS - STRUCTURAL
    for keyword in sorted(keywords):
        if old.get(keyword) != new.get(keyword):
            problems.append(
                f"{path}: {keyword} {_show(old.get(keyword))} -> {_show(new.get(keyword))}"
            )
