"""FastAPI helpers: the app factory, error bodies, correlation ids, auth and command dependencies."""

from ztc_shared.web.app import ReadinessCheck, create_app
from ztc_shared.web.deps import CommandContextFor, require_roles

__all__ = ["CommandContextFor", "ReadinessCheck", "create_app", "require_roles"]
