"""The authorization matrix (``tests.authz.matrix``) run on the real stack: the six services' API
processes, development tokens, and the few records the rows name.

Every cell is a test of its own, named by service, method, route and caller. A caller the row
allows gets an answer the domain decides — 2xx, 404, 409 or 422 — and none of the row's secrets
unless it is one who may see them; any other caller is refused: 401 without a token, 403 with one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from dashboard.entrypoints.api.main import create_dashboard_app
from intake.entrypoints.api.main import create_intake_app
from notify.entrypoints.api.main import create_notify_app
from roadshow.entrypoints.api.main import create_roadshow_app
from screening.entrypoints.api.main import create_screening_app
from tests.authz.matrix import DEFAULTS, MATRIX, Row
from tests.authz.stack import (
    CALLERS,
    Services,
    assigned_draft,
    draft_body,
    home,
    running_apis,
    seed,
)
from tracking.entrypoints.api.main import create_tracking_app
from ztc_shared.auth import Role

APPS: dict[str, Callable[[], FastAPI]] = {
    "intake": create_intake_app,
    "screening": create_screening_app,
    "roadshow": create_roadshow_app,
    "tracking": create_tracking_app,
    "notify": create_notify_app,
    "dashboard": create_dashboard_app,
}
ALLOWED = {404, 409, 422}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_route_of_every_service_has_its_row(service: str) -> None:
    """A route added without its row in the matrix fails here (and a row of a removed route)."""
    schema = APPS[service]().openapi()
    routes = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    }
    table = set(MATRIX[service])
    assert sorted(routes - table) == [], "routes without a row in tests/authz/matrix.py"
    assert sorted(table - routes) == [], "rows of routes the service no longer has"


def _cells() -> Iterator[Any]:
    for service, table in MATRIX.items():
        for (method, template), row in table.items():
            # the refused first: a command an allowed caller sends may change the row's record
            order = sorted(CALLERS, key=lambda name: (name in row.allowed, name))
            for caller in order:
                yield pytest.param(
                    service,
                    method,
                    template,
                    caller,
                    id=f"{service} {method} {template} as {caller}",
                )


@pytest.fixture(scope="module")
def services(
    service_env: dict[str, str], run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    env = {
        **service_env,
        "ZTC_TOPIC_PREFIX": f"{run_id}authz.",
        "ZTC_DATABASE_PREFIX": f"{run_id}authz_",
    }
    log_dir: Path = tmp_path_factory.mktemp("authz-logs")
    apis = running_apis(env, log_dir)
    running = next(apis)
    running.records.update(seed(running))
    yield running
    apis.close()


def _path(services: Services, service: str, method: str, template: str, row: Row) -> str:
    path = row.path or template
    for name, default in DEFAULTS.items():
        path = path.replace(f"{{{name}}}", default)
    if "{fresh}" in path:
        key = f"fresh {service} {method} {template}"
        if key not in services.records:
            services.records[key] = services.post(
                "intake", "/achievements", home(Role.HOLDER), draft_body("供本行使用的成果草稿")
            )["id"]
        path = path.replace("{fresh}", services.records[key])
    if "{assigned}" in path:
        key = f"assigned {service} {method} {template}"
        if key not in services.records:
            services.records[key] = assigned_draft(services)
        path = path.replace("{assigned}", services.records[key])
    for name, value in services.records.items():
        path = path.replace(f"{{{name}}}", value)
    assert "{" not in path, path
    return path


def _named(services: Services, value: str) -> str:
    for name, record in services.records.items():
        value = value.replace(f"{{{name}}}", record)
    return value


pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("service", "method", "template", "caller"), list(_cells()))
def test_the_matrix(
    services: Services, service: str, method: str, template: str, caller: str
) -> None:
    row = MATRIX[service][(method, template)]
    who = CALLERS[caller]
    path = _path(services, service, method, template, row)
    reply = services.client(service).request(
        method,
        path,
        headers=who.headers(),
        params=row.params,
        json=row.body if method != "GET" else None,
    )
    answer = f"{method} {path} as {caller}: {reply.status_code} {reply.text[:300]}"
    if caller in row.allowed:
        assert reply.status_code < 300 or reply.status_code in ALLOWED, answer
        secrets = [_named(services, s) for s, sees in row.secrets.items() if caller not in sees]
        leaked = [secret for secret in secrets if secret in reply.text]
        assert leaked == [], answer
    else:
        assert reply.status_code == (401 if who.role is None else 403), answer
