"""FastAPI helpers: the app factory, error bodies (and their schema), correlation ids, auth and
command dependencies."""

from ztc_shared.web.app import ReadinessCheck, create_app
from ztc_shared.web.deps import CommandContextFor, require_roles
from ztc_shared.web.openapi import ErrorBody
from ztc_shared.web.replies import reply_to, stream_headers

__all__ = [
    "CommandContextFor",
    "ErrorBody",
    "ReadinessCheck",
    "create_app",
    "reply_to",
    "require_roles",
    "stream_headers",
]
