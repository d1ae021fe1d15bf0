"""Every service's API answers only what its OpenAPI says: schemathesis against the real processes.

The six APIs run as processes on the real stack (their own topic and database prefix). For each,
schemathesis reads ``/openapi.json`` and sends what it generates from it — the spec's examples,
the boundaries of every constraint (valid and not), random requests and, in its stateful phase,
chains of calls that follow the links it finds (a created record's ``Location``, ids in replies) —
with a development token of a role that may call most of the service's routes, then of a second
role that may call the rest. A run fails on:

- a 5xx, but for a 503 that names what the caller waits for (``conformance_checks``);
- a status code the operation does not document, a content type it does not declare, or a body
  that does not match the documented schema.

Examples are bounded (``MAX_EXAMPLES`` per operation and phase, ``STATEFUL_SCENARIOS`` chains),
so the whole run takes a few minutes on two cores. A failure prints the command that reproduces
it (``st replay`` or ``curl``) and what the API logged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ztc_shared.auth import Role, mint_token
from ztc_shared.settings import ServiceSettings
from ztc_tools.testing.processes import APIS, ServiceProcess, all_running, free_port

pytestmark = pytest.mark.integration

REPOSITORY = Path(__file__).resolve().parents[2]
REGION = "440000"
MAX_EXAMPLES = 10
STATEFUL_SCENARIOS = 30
CHECKS = ",".join(
    [
        "no_server_error",  # tests/e2e/conformance_checks.py: not_a_server_error, 503s told apart
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
# (service, role): the role that may call most of the service's routes first, then one that may
# call what the first may not (a holder's drafts, a company's interest and registrations…).
RUNS: list[tuple[str, Role]] = [
    ("intake", Role.PROVINCE),
    ("intake", Role.SUPPORT_ORG),
    ("screening", Role.HOST),
    ("screening", Role.COMPANY),
    ("roadshow", Role.HOST),
    ("roadshow", Role.COMPANY),
    ("tracking", Role.PROVINCE),
    ("tracking", Role.HOST),
    ("notify", Role.PROVINCE),
    ("notify", Role.HOLDER),
    ("dashboard", Role.TORCH_CENTER),
    ("dashboard", Role.COMPANY),
]


@pytest.fixture(scope="module")
def apis(
    service_env: dict[str, str], log_dir: Path, run_id: str
) -> Iterator[dict[str, ServiceProcess]]:
    """The six APIs, each its own process, with a prefix of their own."""
    ports = {name: free_port() for name in APIS}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        **service_env,
        "ZTC_TOPIC_PREFIX": f"{run_id}conf.",
        "ZTC_DATABASE_PREFIX": f"{run_id}conf_",
        "REGION": REGION,
        **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
        "DASHBOARD_ROADSHOW_URL": urls["roadshow"],
        "DASHBOARD_SERVICE_URLS": json.dumps(
            {name: url for name, url in urls.items() if name != "dashboard"}
        ),
    }
    processes = {
        name: ServiceProcess(
            f"conformance-{name}-api", module, env=env, log_dir=log_dir, port=ports[name]
        )
        for name, module in APIS.items()
    }
    with all_running(list(processes.values())):
        yield processes


# Settings the command line reads from ./schemathesis.toml. One worker: schemathesis's threads
# share CPython 3.11's parser, which fails now and then under them ("AST constructor recursion
# depth mismatch"). ``wait_ms`` 0: a read that waits for a version nobody writes would otherwise
# wait its full bound (10 s) at each boundary the coverage phase tries.
CONFIG = f"""
workers = 1
request-timeout = 20
[generation]
max-examples = {MAX_EXAMPLES}
no-shrink = true
database = "none"
[parameters]
"query.wait_ms" = 0
[phases.stateful]
max-steps = 6
[phases.stateful.generation]
max-examples = {STATEFUL_SCENARIOS}
"""


def schemathesis_run(url: str, token: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """One schemathesis run of every phase against one API, as the command line runs it."""
    (workdir / "schemathesis.toml").write_text(CONFIG)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing,stateful",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.e2e.conformance_checks",
        "PYTHONPATH": os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")]),
        "NO_COLOR": "1",
    }
    # In a directory of its own: schemathesis reads its settings and keeps its state there.
    return subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def _report(output: str, api: ServiceProcess, since: int) -> str:
    """The failures and the summary of a run's output (its progress lines are left out), and the
    errors the API logged meanwhile (where a 500's cause is)."""
    start = output.find("FAILURES")
    report = output[start - 40 :] if start >= 0 else output[-6000:]
    logged = [
        line[:3000]
        for line in api.log_since_start()[since:].splitlines()
        if '"level": "error"' in line
    ]
    return report + "\n\nThe API logged:\n" + "\n".join(logged[-5:])


@pytest.mark.parametrize(("service", "role"), RUNS, ids=[f"{s}-{r.value}" for s, r in RUNS])
def test_every_answer_is_one_the_spec_documents(
    apis: dict[str, ServiceProcess], service: str, role: Role, tmp_path: Path
) -> None:
    national = role in (Role.TORCH_CENTER, Role.SZSE)
    token = mint_token(
        ServiceSettings(),
        subject=f"conformance-{role.value}",
        role=role,
        region="100000" if national else REGION,
    )
    api = apis[service]
    logged_before = len(api.log_since_start())
    result = schemathesis_run(api.url, token, tmp_path)
    assert result.returncode == 0, (
        f"{service} as {role.value}:\n{_report(result.stdout, api, logged_before)}"
    )
    assert "Tested:" in result.stdout, result.stdout[-3000:]
