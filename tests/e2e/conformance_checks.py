"""The checks the API conformance run adds to schemathesis's own (loaded as its hooks module).

A 5xx is a defect, with one exception the spec documents: a 503 that says what the caller waits
for (a projection behind the version asked for, a service a command is passed on to) in the one
error body. Everything else at or above 500 fails, the readiness answer included.
"""

from __future__ import annotations

import json

import schemathesis
from schemathesis import Case, CheckContext, Response

# 503s a caller is told to retry: what they wait for is named in the body. ``store_unavailable``
# is not among them: the run's store is up, so a request that finds it unavailable is a defect.
UNAVAILABLE = frozenset({"projection_behind", "roadshow_unavailable"})


@schemathesis.check
def no_server_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Fail on every 5xx but a documented 503 whose error body names what is unavailable."""
    if response.status_code < 500:
        return None
    error = None
    if response.status_code == 503:
        try:
            error = json.loads(response.content).get("error")
        except (ValueError, AttributeError):
            error = None
    if error in UNAVAILABLE:
        return None
    raise AssertionError(
        f"{case.operation.label} answered {response.status_code}: {response.content[:500]!r}"
    )
