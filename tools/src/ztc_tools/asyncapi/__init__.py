"""The event catalogue as a product: an AsyncAPI 3.0 document generated from the shared event
models, its validation and a rendered page. ``make docs`` writes it; ``make docs-check`` fails when
the committed document is stale or invalid."""

from ztc_tools.asyncapi.catalogue import PublishedEvent, published_events
from ztc_tools.asyncapi.document import build_document, render_json
from ztc_tools.asyncapi.html import render_html
from ztc_tools.asyncapi.validation import validate_document

__all__ = [
    "PublishedEvent",
    "build_document",
    "published_events",
    "render_html",
    "render_json",
    "validate_document",
]
