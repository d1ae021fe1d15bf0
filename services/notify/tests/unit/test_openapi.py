"""The API describes itself: every operation summarised, every request body with an example."""

from __future__ import annotations

from notify.config import NotifySettings
from notify.entrypoints.api.main import create_notify_app


def test_every_operation_has_a_summary_and_every_body_an_example() -> None:
    schema = create_notify_app(NotifySettings()).openapi()
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if path not in ("/healthz", "/readyz", "/metrics")
    ]
    assert {p for p, _, _ in operations} >= {
        "/notices",
        "/notices/{notice_id}/receipts",
        "/inbox",
        "/inbox/unread-count",
        "/inbox/{item_id}/read",
        "/contacts/{recipient_id}",
        "/me/preferences",
        "/deliveries",
        "/deliveries/{key}/retry",
    }
    for path, method, operation in operations:
        assert operation.get("summary"), f"{method.upper()} {path} has no summary"
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            assert body.get("examples"), f"{method.upper()} {path} has no example body"
