"""Every service's API bounds what it takes before anything runs: paging and datetimes.

Read from each app's own OpenAPI, so a new list route or a new datetime field is covered the day
it is added: a paging parameter without a maximum reached the driver as 10²⁰ (a 500), and a
datetime without a zone was compared with aware ones (a 500).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from dashboard.entrypoints.api.main import create_dashboard_app
from intake.entrypoints.api.main import create_intake_app
from notify.entrypoints.api.main import create_notify_app
from roadshow.entrypoints.api.main import create_roadshow_app
from screening.entrypoints.api.main import create_screening_app
from tracking.entrypoints.api.main import create_tracking_app

APPS: dict[str, Callable[[], FastAPI]] = {
    "intake": create_intake_app,
    "screening": create_screening_app,
    "roadshow": create_roadshow_app,
    "tracking": create_tracking_app,
    "notify": create_notify_app,
    "dashboard": create_dashboard_app,
}
PAGING = {"page", "page_size", "offset", "limit", "skip"}


def _parameters(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                yield f"{method.upper()} {path}", parameter


def _integer_bounds(parameter: dict[str, Any]) -> tuple[Any, Any]:
    candidates = [parameter["schema"], *parameter["schema"].get("anyOf", [])]
    for candidate in candidates:
        if candidate.get("type") == "integer":
            return candidate.get("minimum"), candidate.get("maximum")
    return None, None


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_paging_parameter_has_a_floor_and_a_ceiling(service: str) -> None:
    schema = APPS[service]().openapi()
    seen = 0
    for operation, parameter in _parameters(schema):
        if parameter["name"] in PAGING and parameter["in"] == "query":
            seen += 1
            low, high = _integer_bounds(parameter)
            assert low is not None and high is not None, (operation, parameter["name"])
            assert high <= 1_000_000, (operation, parameter["name"], high)
    if service in {"intake", "screening", "roadshow", "dashboard", "notify"}:
        assert seen, f"{service} has list routes but no paging parameter was found"


def _request_models() -> Iterator[type[Any]]:
    """Every pydantic model a route may take: the services' commands (the routes' bodies)."""
    import importlib
    import inspect
    import pkgutil

    from pydantic import BaseModel

    for service in APPS:
        packages = [f"{service}.domain"]  # commands: what the routes take as bodies
        for package_name in packages:
            try:
                package = importlib.import_module(package_name)
            except ModuleNotFoundError:
                continue
            names = [package_name]
            if hasattr(package, "__path__"):
                names += [
                    f"{package_name}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
                ]
            for name in names:
                module = importlib.import_module(name)
                for _, member in inspect.getmembers(module, inspect.isclass):
                    if issubclass(member, BaseModel) and member.__module__ == name:
                        yield member


def _takes_a_naive_datetime(annotation: Any) -> bool | None:
    """True: a plain ``datetime`` is accepted; False: only an aware one; None: no datetime."""
    from datetime import datetime
    from typing import get_args

    from pydantic import AwareDatetime

    if annotation is AwareDatetime:
        return False
    if annotation is datetime:
        return True
    found = [_takes_a_naive_datetime(arg) for arg in get_args(annotation)]
    found = [f for f in found if f is not None]
    return any(found) if found else None


def test_every_datetime_a_request_carries_requires_a_time_zone() -> None:
    from datetime import datetime

    from pydantic import AwareDatetime, TypeAdapter, ValidationError

    checked = 0
    for model in _request_models():
        for field, info in model.model_fields.items():
            naive = _takes_a_naive_datetime(info.annotation)
            if naive is None:
                continue  # no datetime here (a date, YYYY-MM-DD, has no time to zone)
            checked += 1
            assert not naive, f"{model.__module__}.{model.__name__}.{field} takes a naive datetime"
    assert checked >= 2  # intake's call deadline and roadshow's coaching time at least
    with pytest.raises(ValidationError):
        TypeAdapter(AwareDatetime).validate_python(datetime(2026, 12, 31, 17, 0))
