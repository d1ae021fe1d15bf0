"""A single self-contained HTML page of the AsyncAPI document: no scripts, no fonts, no network.

Channels, then each channel's messages with their envelope fields, payload fields (name, type,
required, description), an example and the full schema folded away. Everything is escaped.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2733}
header{background:#123a5e;color:#fff;padding:1.2rem 2rem}header h1{margin:0;font-size:1.4rem}
main{display:flex}nav{width:17rem;padding:1rem;border-right:1px solid #dde3ea;font-size:.85rem;
position:sticky;top:0;height:100vh;overflow:auto}nav a{display:block;color:#123a5e;text-decoration:none;
padding:.1rem 0}nav .old{color:#7a8794}section{padding:1rem 2rem;max-width:62rem}
article{border:1px solid #dde3ea;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
article.old{background:#f7f8fa}h2{border-bottom:2px solid #123a5e}h3{margin:.3rem 0}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem}
pre{background:#f3f5f8;padding:.6rem;overflow:auto}table{border-collapse:collapse;width:100%;
font-size:.85rem}td,th{border-bottom:1px solid #e6eaef;padding:.25rem .4rem;text-align:left;
vertical-align:top}.tag{font-size:.75rem;background:#e3edf7;border-radius:3px;padding:0 .3rem}
.desc{white-space:pre-wrap}
"""


_CODE = re.compile(r"`([^`\n]+)`")


def _prose(text: str) -> str:
    """Escaped text with Markdown's `code` spans as <code>."""
    return _CODE.sub(r"<code>\1</code>", escape(text))


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = target
    resolved: dict[str, Any] = schema
    return resolved


def _type_of(document: dict[str, Any], schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "const" in schema:
        return f"= {json.dumps(schema['const'], ensure_ascii=False)}"
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return " | ".join(_type_of(document, option) for option in schema[combinator])
    if schema.get("type") == "array":
        return f"array of {_type_of(document, schema.get('items', {}))}"
    kind = str(schema.get("type", "any"))
    if "format" in schema:
        kind += f" ({schema['format']})"
    return kind


def _fields(document: dict[str, Any], schema: dict[str, Any]) -> str:
    schema = _resolve(document, schema)
    required = set(schema.get("required", []))
    rows = []
    for name, field in schema.get("properties", {}).items():
        description = field.get("description") or _resolve(document, field).get("description", "")
        rows.append(
            f"<tr><td><code>{escape(name)}</code></td>"
            f"<td>{escape(_type_of(document, field))}</td>"
            f"<td>{'必填 required' if name in required else ''}</td>"
            f"<td>{escape(str(description))}</td></tr>"
        )
    if not rows:
        return "<p>(no fields)</p>"
    return (
        "<table><tr><th>field 字段</th><th>type 类型</th><th></th><th>description 说明</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _message(document: dict[str, Any], key: str, message: dict[str, Any]) -> str:
    current = bool(message.get("x-current", True))
    payload_ref = message["payload"]["allOf"][1]["properties"]["payload"]
    examples = "".join(
        f"<details open><summary>example 示例</summary><pre>"
        f"{escape(json.dumps(e['payload'], ensure_ascii=False, indent=2))}</pre></details>"
        for e in message.get("examples", [])
    )
    payload_schema = _resolve(document, payload_ref)
    return (
        f'<article id="{escape(key)}" class="{"" if current else "old"}">'
        f"<h3>{escape(message['title'])} "
        f'<span class="tag">{"current 当前" if current else "superseded 已被取代"}</span></h3>'
        f"<p>{escape(message.get('summary', ''))}</p>"
        f'<p class="desc">{_prose(message.get("description", ""))}</p>'
        f"<h4>payload 载荷</h4>{_fields(document, payload_ref)}{examples}"
        f"<details><summary>JSON Schema</summary><pre>"
        f"{escape(json.dumps(payload_schema, ensure_ascii=False, indent=2))}</pre></details>"
        "</article>"
    )


def render_html(document: dict[str, Any]) -> str:
    """The page, deterministic for a given document."""
    info = document["info"]
    messages = document["components"]["messages"]
    nav: list[str] = []
    body: list[str] = []
    envelope = document["components"]["schemas"].get("EventEnvelope", {})
    body.append(
        "<h2>envelope 信封</h2><p>Every message is this envelope; the payload differs.</p>"
        + _fields(document, envelope)
    )
    for channel_key, channel in document["channels"].items():
        nav.append(f'<a href="#{escape(channel_key)}"><b>{escape(channel["address"])}</b></a>')
        body.append(
            f'<h2 id="{escape(channel_key)}">{escape(channel["address"])}</h2>'
            f"<p>{_prose(channel.get('description', ''))} Key: <code>stream_id</code>.</p>"
        )
        for reference in channel["messages"].values():
            key = reference["$ref"].rsplit("/", 1)[-1]
            message = messages[key]
            css = "" if message.get("x-current", True) else ' class="old"'
            nav.append(f'<a href="#{escape(key)}"{css}>{escape(message["title"])}</a>')
            body.append(_message(document, key, message))
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(info['title'])}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{escape(info['title'])}</h1><p>AsyncAPI {escape(document['asyncapi'])} · "
        f"catalogue {escape(info['version'])}</p></header><main><nav>{''.join(nav)}</nav>"
        f'<section><p class="desc">{_prose(info["description"])}</p>{"".join(body)}'
        "</section></main></body></html>\n"
    )
