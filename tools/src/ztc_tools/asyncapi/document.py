"""The AsyncAPI 3.0 document of the platform's event streams, built from the shared event models.

One channel per topic (``ztc.<service>.events``), one ``send`` operation per producing service, one
message per event type *and version*: the current version from its payload model, older versions
from the released-schema snapshots (``schemas/released``), marked as superseded and read through
upcasters. Each message's payload is the whole envelope with ``event_type``, ``schema_version`` and
``stream_type`` fixed and ``payload`` pointing at the event's schema; its Kafka key is the stream id.
Schemas of the current models come from one pydantic pass (shared definitions appear once, under
``components/schemas``); the snapshots' own ``$defs`` are placed beside them under the version's name.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ztc_shared.events import EventEnvelope
from ztc_tools.asyncapi.catalogue import PublishedEvent, published_events
from ztc_tools.asyncapi.examples import NoExample, envelope_example, payload_example

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
REF_TEMPLATE = "#/components/schemas/{model}"
ENVELOPE = "EventEnvelope"

DESCRIPTION = """科技成果直通车 · 事件流目录 Event catalogue of the Technology Achievements Express.

Every fact the platform records is an event, published once per producing service on
`ztc.<service>.events` (after the deployment's optional `ZTC_TOPIC_PREFIX`; the national cluster sees
a province's topics prefixed with its MirrorMaker 2 alias). The Kafka key is the `stream_id`, so one
stream's events arrive in `stream_version` order; retention is infinite, so a consumer may start from
the beginning at any time. Delivery is at least once: skip an event whose `stream_version` you have
already applied for its stream. Ignore event types you do not know: new ones are added without
notice. A change that would break a reader comes as a new `schema_version` with an upcaster, never as
an edit; older versions are listed here as superseded messages.

Generated from the shared event models by `make docs`; do not edit by hand."""


def _message_name(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}"


def _channel_name(topic: str) -> str:
    service = topic.split(".")[1] if topic.count(".") >= 2 else topic
    return f"{service}Events"


def _rewrite_refs(node: Any, rename: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = REF_TEMPLATE.format(model=rename[value[len("#/$defs/") :]])
            else:
                out[key] = _rewrite_refs(value, rename)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, rename) for item in node]
    return node


def _embed(schema: dict[str, Any], prefix: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """Place a standalone schema's ``$defs`` in ``schemas`` under ``prefix`` and return the schema
    with its references pointing there."""
    schema = copy.deepcopy(schema)
    definitions: dict[str, Any] = schema.pop("$defs", {})
    rename = {name: f"{prefix}.{name}" for name in definitions}
    for name, definition in definitions.items():
        schemas[rename[name]] = _rewrite_refs(definition, rename)
    return _rewrite_refs(schema, rename)  # type: ignore[no-any-return]


def _headers_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Kafka record headers, for routing and tracing without parsing the value "
        "(the value is authoritative).",
        "properties": {
            "event_type": {"type": "string"},
            "schema_version": {"type": "string", "pattern": "^[0-9]+$"},
            "region": {"type": "string", "pattern": "^[0-9]{6}$"},
            "correlation_id": {"type": "string"},
        },
        "required": ["event_type", "schema_version", "region", "correlation_id"],
    }


def _envelope_for(
    event_type: str, version: int, stream_type: str, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "allOf": [
            {"$ref": REF_TEMPLATE.format(model=ENVELOPE)},
            {
                "type": "object",
                "properties": {
                    "event_type": {"const": event_type},
                    "schema_version": {"const": version},
                    "stream_type": {"const": stream_type},
                    "payload": payload,
                },
            },
        ]
    }


def _message(
    *,
    event_type: str,
    version: int,
    stream_type: str,
    summary: str,
    description: str,
    payload_schema: dict[str, Any],
    example: dict[str, Any] | None,
    current: bool,
    upcast_to: int | None,
) -> dict[str, Any]:
    status = (
        "current"
        if current
        else f"superseded: read as v{upcast_to} through the registry's upcasters"
    )
    message: dict[str, Any] = {
        "name": event_type,
        "title": f"{event_type} v{version}",
        "summary": summary,
        "description": f"{description}\n\nschema_version {version} ({status}); "
        f"stream_type `{stream_type}`.",
        "contentType": "application/json",
        "headers": _headers_schema(),
        "payload": _envelope_for(event_type, version, stream_type, payload_schema),
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "stream_id (UTF-8)"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-schema-version": version,
        "x-current": current,
    }
    if example is not None:
        envelope = envelope_example(event_type, version, stream_type, example)
        message["examples"] = [
            {
                "name": _message_name(event_type, version).replace(".", "_"),
                "summary": f"{event_type} v{version}",
                "headers": {
                    "event_type": event_type,
                    "schema_version": str(version),
                    "region": envelope["region"],
                    "correlation_id": envelope["correlation_id"],
                },
                "payload": envelope,
            }
        ]
    return message


def build_document(
    released: Iterable[Mapping[str, Any]] = (),
    events: list[PublishedEvent] | None = None,
) -> dict[str, Any]:
    """The AsyncAPI document of ``events`` (default: every registered event) and of the older
    versions among ``released`` (snapshot documents, see :mod:`ztc_tools.compat`)."""
    events = published_events() if events is None else events
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(EventEnvelope, "validation")]
    models.extend((e.model, "validation") for e in events)
    keyed, top = models_json_schema(models, ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    refs = {model: ref["$ref"] for (model, _), ref in keyed.items()}

    current = {e.event_type: e for e in events}
    older: dict[str, list[Mapping[str, Any]]] = {}
    for snapshot in released:
        event = current.get(str(snapshot["event_type"]))
        if event is None or int(snapshot["schema_version"]) < event.schema_version:
            older.setdefault(str(snapshot["event_type"]), []).append(snapshot)

    missing: dict[str, str] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event in events:
        channel = channels.setdefault(
            _channel_name(event.topic),
            {
                "address": event.topic,
                "title": event.topic,
                "description": f"Everything {event.service} decides, keyed by stream id, kept "
                f"forever. Dead letters of its consumers go to `{event.topic}.dlq`.",
                "messages": {},
                "bindings": {
                    "kafka": {
                        "topic": event.topic,
                        "topicConfiguration": {"retention.ms": -1, "retention.bytes": -1},
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                },
            },
        )
        try:
            example: dict[str, Any] | None = payload_example(event.model)
        except NoExample as problem:
            # Still a valid document; the catalogue's tests name the event until it has one.
            example, missing[event.event_type] = None, str(problem)
        versions: list[tuple[int, dict[str, Any], dict[str, Any] | None, bool]] = [
            (event.schema_version, {"$ref": refs[event.model]}, example, True)
        ]
        for snapshot in sorted(
            older.pop(event.event_type, []), key=lambda s: int(s["schema_version"])
        ):
            version = int(snapshot["schema_version"])
            prefix = _message_name(event.event_type, version)
            schema = _embed(dict(snapshot["schema"]), prefix, schemas)
            schemas[prefix] = schema
            versions.append(
                (
                    version,
                    {"$ref": REF_TEMPLATE.format(model=prefix)},
                    snapshot.get("example"),
                    False,
                )
            )
        for version, payload_schema, example, is_current in sorted(versions, key=lambda v: v[0]):
            name = _message_name(event.event_type, version)
            messages[name] = _message(
                event_type=event.event_type,
                version=version,
                stream_type=event.stream_type,
                summary=event.summary,
                description=event.description,
                payload_schema=payload_schema,
                example=example,
                current=is_current,
                upcast_to=None if is_current else event.schema_version,
            )
            if is_current and event.event_type in missing:
                messages[name]["x-example-missing"] = missing[event.event_type][:500]
            channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}

    for channel_name, channel in channels.items():
        service = channel_name.removesuffix("Events")
        operations[f"{service}Publishes"] = {
            "action": "send",
            "title": f"{service} publishes its events",
            "summary": f"The {service} service's outbox relay produces every event it records "
            "(idempotent producer, acks=all).",
            "channel": {"$ref": f"#/channels/{channel_name}"},
            "messages": [
                {"$ref": f"#/channels/{channel_name}/messages/{name}"}
                for name in channel["messages"]
            ],
        }

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "科技成果直通车 事件流 Technology Achievements Express event streams",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The deployment's Kafka cluster (one per province, and the national "
                "cluster fed by MirrorMaker 2).",
                "variables": {
                    "bootstrap": {
                        "default": "127.0.0.1:9092",
                        "description": "KAFKA_BOOTSTRAP_SERVERS of the deployment",
                    }
                },
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render_json(document: Mapping[str, Any]) -> str:
    """The document's committed form: indented, Chinese as itself, a final newline."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
