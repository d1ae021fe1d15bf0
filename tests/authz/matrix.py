"""The authorization matrix: for every route of every service, who gets an answer and who is refused.

One table per service: (method, route template) → a :class:`Row`. A caller named in ``allowed`` gets
an answer the domain decides (2xx, 404, 409 or 422); every other caller of :data:`CALLERS` is
refused (401 without a token, 403 otherwise). The callers are the anonymous one, each role of this
province, the same role with the same account from another province (``<role>@elsewhere``), and
another holder, company, host and support organisation (``other_*``). The other organisation's
token carries holder A's institution as its display name, so a rule that followed names would let
it in; the other host is not the seeded roadshow's.

The records the paths name are seeded once (see ``stack.seed``): ``{achievement}`` is holder A's,
taken to publication, evaluated by the expert and granted to company A; ``{roadshow}`` is the
host's (shortlisted, coached, registered for, live), ``{round}`` its screening round, ``{call}`` a
collection call, ``{application}`` the approved host application. ``{fresh}`` is a draft of holder
A made for that row alone (the row's commands may change it), ``{assigned}`` likewise but submitted
and with the expert assigned. Ids that name nothing (``none``) test the guard before the record:
an allowed caller gets 404.

``secrets`` of a row: seeded values (or a record's id: ``{achievement}``), each with the callers
who may see it; it must appear in no answer to anybody else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.authz.stack import (
    CALLERS,
    COACHING_NOTE,
    COMPANY_A,
    COMPANY_B,
    EVALUATOR_NAME,
    ONLINE_NOTE,
    SCORES,
    SECRET_COMMENT,
    SECRET_PHONE,
    SECRET_PRICE,
    YEAR,
)
from ztc_shared.auth import NATIONAL_ROLES, Role

EVERYONE = frozenset(CALLERS)


def roles(*granted: Role, others: bool = True) -> frozenset[str]:
    """Callers in these roles: of this province, national ones from anywhere, and (``others``) the
    other holder, company, host or support organisation where their role is granted."""
    names = {r.value for r in granted}
    names |= {f"{r.value}@elsewhere" for r in granted if r in NATIONAL_ROLES}
    if others:
        names |= {
            name
            for name, caller in CALLERS.items()
            if name.startswith("other_") and caller.role in granted
        }
    return frozenset(names)


def authenticated() -> frozenset[str]:
    return roles(*Role)


def but(allowed: frozenset[str], *refused: str) -> frozenset[str]:
    return allowed - set(refused)


OPERATORS = roles(Role.PROVINCE, Role.TORCH_CENTER)
ORGANISERS = roles(Role.HOST, Role.PROVINCE, Role.TORCH_CENTER)
# who sees a roadshow's page whole: its host, the organisers above it and SZSE
ORGANISERS_HERE = frozenset(
    {"host", "province", "torch_center", "torch_center@elsewhere", "szse", "szse@elsewhere"}
)
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    path: str | None = None  # the concrete path, when the template's defaults will not do
    body: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, frozenset[str]] = field(default_factory=dict)


def hidden(*values: str, sees: frozenset[str] = NOBODY) -> dict[str, frozenset[str]]:
    """These values, for ``sees`` only."""
    return dict.fromkeys(values, sees)


# What each path parameter names when a row does not say.
DEFAULTS = {
    "achievement_id": "{achievement}",
    "call_id": "{call}",
    "stream_id": "{achievement}",
    "round_id": "round-none",
    "roadshow_id": "{roadshow}",
    "application_id": "{application}",
    "year": str(YEAR),
    "host_id": "host-a",
    "case_id": "case-none",
    "dimension": "province",
    "company_id": COMPANY_A,
    "notice_id": "notice-none",
    "item_id": "item-none",
    "recipient_id": "holder-a",
    "key": "none",
    "table": "funnel",
    "code": COMPANY_A,
}

OPS = {Role.PROVINCE, Role.TORCH_CENTER}
EVALUATION = {"scores": SCORES, "comment": "具备转化条件", "recommendation": "admit"}
ACHIEVEMENT_SECRETS = (SECRET_PHONE, SECRET_PRICE, SECRET_COMMENT, EVALUATOR_NAME)
# who may see the evaluation of holder A's achievement, its price and contact
INSIDERS = frozenset(
    {"holder", "support_org", "expert", "province", "torch_center", "torch_center@elsewhere"}
)
PLATFORM = frozenset({"healthz", "readyz", "metrics"})


def platform_rows() -> dict[tuple[str, str], Row]:
    """Liveness, readiness and metrics: for the platform's probes, no token."""
    return {("GET", f"/{name}"): Row(EVERYONE) for name in PLATFORM}


INTAKE: dict[tuple[str, str], Row] = {
    **platform_rows(),
    # everyone in these roles lists, but only the insiders' lists hold holder A's achievement
    ("GET", "/achievements"): Row(
        roles(Role.EXPERT, Role.HOLDER, Role.PROVINCE, Role.SUPPORT_ORG, Role.TORCH_CENTER),
        secrets=hidden("{achievement}", sees=INSIDERS),
    ),
    ("POST", "/achievements"): Row(roles(Role.HOLDER, Role.SUPPORT_ORG), body={}),
    ("GET", "/achievements/export.xlsx"): Row(OPERATORS),
    ("PATCH", "/achievements/{achievement_id}"): Row(
        frozenset({"holder"}), path="/achievements/{fresh}", body={"title": "改过的成果名称"}
    ),
    ("GET", "/achievements/{achievement_id}"): Row(
        frozenset({*INSIDERS, "company"}),
        # a company granted access sees the fields, not the evaluation behind them
        secrets=hidden(SECRET_COMMENT, EVALUATOR_NAME, sees=INSIDERS),
    ),
    ("POST", "/achievements/{achievement_id}/submit"): Row(
        frozenset({"holder"}), path="/achievements/{fresh}/submit", body={}
    ),
    ("POST", "/achievements/{achievement_id}/resubmit"): Row(
        frozenset({"holder"}), path="/achievements/{fresh}/resubmit", body={}
    ),
    ("POST", "/achievements/{achievement_id}/grant-access"): Row(
        frozenset({"holder"}),
        path="/achievements/{fresh}/grant-access",
        body={"company_id": COMPANY_B},
    ),
    ("POST", "/achievements/{achievement_id}/withdraw"): Row(
        frozenset({"holder", *OPERATORS}),
        path="/achievements/{fresh}/withdraw",
        body={"reason": "不再转化"},
    ),
    ("POST", "/achievements/{achievement_id}/return"): Row(
        OPERATORS, path="/achievements/{fresh}/return", body={"reasons": ["材料不全"]}
    ),
    ("POST", "/achievements/{achievement_id}/evaluators"): Row(
        OPERATORS,
        path="/achievements/{fresh}/evaluators",
        body={"evaluators": [{"evaluator_id": "expert-z", "name": "专家", "institution": "所"}]},
    ),
    # the assigned expert recuses themselves, an operator anyone; nobody else
    ("POST", "/achievements/{achievement_id}/recusals"): Row(
        frozenset({"expert", *OPERATORS}),
        path="/achievements/{assigned}/recusals",
        body={"evaluator_id": "expert-a", "reason": "与持有人同一单位"},
    ),
    # only the assigned evaluator evaluates
    ("POST", "/achievements/{achievement_id}/evaluations"): Row(
        frozenset({"expert"}), path="/achievements/{assigned}/evaluations", body=EVALUATION
    ),
    ("POST", "/achievements/{achievement_id}/admit"): Row(
        OPERATORS, path="/achievements/{fresh}/admit", body={}
    ),
    ("POST", "/achievements/{achievement_id}/reject"): Row(
        OPERATORS, path="/achievements/{fresh}/reject", body={"reasons": ["不符合条件"]}
    ),
    ("POST", "/achievements/{achievement_id}/publish"): Row(
        OPERATORS, path="/achievements/{fresh}/publish", body={}
    ),
    ("POST", "/achievements/{achievement_id}/archive"): Row(
        OPERATORS, path="/achievements/{fresh}/archive", body={}
    ),
    ("POST", "/achievements/{achievement_id}/duplicates/merge"): Row(
        OPERATORS, path="/achievements/{fresh}/duplicates/merge", body={"other_id": "none"}
    ),
    ("POST", "/achievements/{achievement_id}/duplicates/dismiss"): Row(
        OPERATORS, path="/achievements/{fresh}/duplicates/dismiss", body={"other_id": "none"}
    ),
    ("POST", "/calls"): Row(OPERATORS, body={}),
    ("POST", "/calls/{call_id}/close"): Row(OPERATORS, path="/calls/none/close", body={}),
    ("GET", "/calls/{call_id}"): Row(roles(Role.EXPERT, Role.HOLDER, Role.SUPPORT_ORG, *OPS)),
    ("GET", "/imports/template.xlsx"): Row(roles(Role.EXPERT, Role.HOLDER, Role.SUPPORT_ORG, *OPS)),
    ("GET", "/imports/template.csv"): Row(roles(Role.EXPERT, Role.HOLDER, Role.SUPPORT_ORG, *OPS)),
    ("POST", "/imports"): Row(roles(Role.SUPPORT_ORG, *OPS), body={}),
    ("GET", "/public/achievements"): Row(EVERYONE, secrets=hidden(*ACHIEVEMENT_SECRETS)),
    ("GET", "/public/achievements/{achievement_id}"): Row(
        EVERYONE, secrets=hidden(*ACHIEVEMENT_SECRETS)
    ),
    ("GET", "/streams/{stream_id}/history"): Row(OPERATORS),
}

SCREENING: dict[tuple[str, str], Row] = {
    **platform_rows(),
    ("GET", "/library"): Row(
        roles(Role.EXPERT, Role.HOST, Role.SUPPORT_ORG, Role.SZSE, *OPS),
        secrets=hidden(SECRET_PHONE, SECRET_PRICE, SECRET_COMMENT),
    ),
    ("GET", "/library/{achievement_id}"): Row(
        roles(Role.EXPERT, Role.HOST, Role.SUPPORT_ORG, Role.SZSE, *OPS),
        secrets=hidden(SECRET_PHONE, SECRET_PRICE, SECRET_COMMENT),
    ),
    ("POST", "/rounds"): Row(ORGANISERS, body={}),
    ("POST", "/rounds/{round_id}/candidates"): Row(
        roles(Role.HOST, Role.SUPPORT_ORG), body={"achievement_id": "none", "reason": "契合"}
    ),
    ("POST", "/rounds/{round_id}/candidates/{achievement_id}/remove"): Row(
        roles(Role.HOST, Role.SUPPORT_ORG), body={"reason": "不契合"}
    ),
    ("POST", "/rounds/{round_id}/publish"): Row(ORGANISERS, body={}),
    ("POST", "/rounds/{round_id}/interest"): Row(roles(Role.COMPANY), body={}),
    ("POST", "/rounds/{round_id}/demands"): Row(roles(Role.COMPANY), body={}),
    ("POST", "/rounds/{round_id}/shortlist"): Row(ORGANISERS, body={"selected": []}),
    # the host's round (seeded): its host, agencies and the organisers; a company once the
    # longlist was pushed to it (it was not); not the host of another event
    ("GET", "/rounds/{round_id}"): Row(
        roles(Role.HOST, Role.SUPPORT_ORG, *OPS) - {"other_host"}, path="/rounds/{round}"
    ),
    ("GET", "/rounds/{round_id}/recommendations"): Row(
        roles(Role.HOST, Role.SUPPORT_ORG, *OPS) - {"other_host"},
        path="/rounds/{round}/recommendations",
    ),
    ("GET", "/streams/{stream_id}/history"): Row(OPERATORS),
}

ROADSHOW: dict[tuple[str, str], Row] = {
    **platform_rows(),
    ("POST", "/host-applications"): Row(roles(Role.PROVINCE), body={}),
    ("POST", "/host-applications/{application_id}/approve"): Row(roles(Role.TORCH_CENTER), body={}),
    ("POST", "/host-applications/{application_id}/reject"): Row(roles(Role.TORCH_CENTER), body={}),
    ("GET", "/programmes/{year}/applications"): Row(OPERATORS),
    ("POST", "/programmes/{year}/launch"): Row(roles(Role.TORCH_CENTER), body={}),
    ("GET", "/programmes/{year}"): Row(authenticated()),
    ("POST", "/roadshows"): Row(roles(Role.HOST), body={}),
    ("GET", "/roadshows"): Row(EVERYONE),
    # the page: coaching for its organisers and SZSE (which coaches), who asked and who registered
    # for them too (a company sees its own); the host of another roadshow is not an organiser
    ("GET", "/roadshows/{roadshow_id}"): Row(
        authenticated(),
        secrets={
            COACHING_NOTE: ORGANISERS_HERE,
            COMPANY_A: frozenset({*ORGANISERS_HERE, "company"}),
        },
    ),
    ("GET", "/streams/{stream_id}/history"): Row(OPERATORS, path="/streams/{roadshow}/history"),
}
# the seeded roadshow's host and the organisers above it; another host is refused by the roadshow
THE_HOST = but(ORGANISERS, "other_host")
_ROADSHOW_POSTS = {
    "open-registration": THE_HOST,
    "shortlist": ORGANISERS,
    "start": THE_HOST,
    "conclude": THE_HOST,
    "coaching": roles(Role.HOST, Role.SUPPORT_ORG, Role.SZSE, *OPS),
    "registrations": roles(Role.COMPANY, Role.HOST, Role.SZSE),
    "registrations/approve": ORGANISERS,
    "registrations/decline": ORGANISERS,
    "registrations/cancel": roles(Role.COMPANY, Role.HOST, *OPS),
    "questions": roles(Role.COMPANY, Role.HOST, *OPS),
    "intents": roles(Role.COMPANY),
    "review/criteria": ORGANISERS,
    "review/experts": ORGANISERS,
    "review/recusals": roles(Role.EXPERT),
    "review/scores": roles(Role.EXPERT),
    "review/close": THE_HOST,
    "meetings/preferences": roles(Role.COMPANY, Role.HOLDER, Role.HOST, *OPS),
    "meetings/availability": roles(Role.COMPANY, Role.HOLDER, Role.HOST, *OPS),
    "meetings/setup": ORGANISERS,
    "meetings/propose": THE_HOST,
    "meetings/finalise": THE_HOST,
    "meetings/move": ORGANISERS,
    "meetings/cancel": ORGANISERS,
    "meetings/held": ORGANISERS,
    "meetings/missed": ORGANISERS,
    "online-channel/requests": roles(Role.COMPANY),
    "online-channel/accept": roles(Role.HOLDER, Role.HOST, *OPS),
    "online-channel/decline": roles(Role.HOLDER, Role.HOST, *OPS),
}
# The commands of a roadshow are sent with an empty body: the guard answers before the body is
# read, so an allowed caller gets 422 and nothing of the seeded roadshow changes (the commands
# that take no body run, and are the roadshow's to refuse to another host).
ROADSHOW.update(
    {
        ("POST", f"/roadshows/{{roadshow_id}}/{action}"): Row(allowed, body={})
        for action, allowed in _ROADSHOW_POSTS.items()
    }
)
ROADSHOW.update(
    {
        ("GET", "/roadshows/{roadshow_id}/review/results"): Row(THE_HOST),
        ("GET", "/roadshows/{roadshow_id}/meetings"): Row(THE_HOST),
        ("GET", "/roadshows/{roadshow_id}/meetings/agenda"): Row(roles(Role.COMPANY, Role.HOLDER)),
        ("GET", "/roadshows/{roadshow_id}/meetings/export.xlsx"): Row(THE_HOST),
        # a company sees its own requests, the organisers all (not another roadshow's host)
        ("GET", "/roadshows/{roadshow_id}/online-channel"): Row(
            authenticated(), secrets=hidden(ONLINE_NOTE, sees=frozenset({*THE_HOST, "company"}))
        ),
        # erasing company B's contact person: company B itself or an operator, not company A
        # (company A's seeded registration keeps its contact for the other rows)
        ("POST", "/registrants/{company_id}/erasure"): Row(
            roles(Role.PROVINCE, Role.TORCH_CENTER) | {"other_company"},
            path=f"/registrants/{COMPANY_B}/erasure",
        ),
    }
)

READERS = roles(Role.HOST, Role.SUPPORT_ORG, Role.SZSE, *OPS)
FOLLOWERS = roles(Role.HOST, Role.SUPPORT_ORG, *OPS)
TRACKING: dict[tuple[str, str], Row] = {
    **platform_rows(),
    ("GET", "/cases"): Row(READERS),
    ("POST", "/cases"): Row(OPERATORS, body={}),
    ("GET", "/cases/{case_id}"): Row(READERS),
    **{
        ("POST", f"/cases/{{case_id}}/{action}"): Row(FOLLOWERS, body={})
        for action in (
            "progress",
            "deals",
            "landing",
            "industrialisation",
            "policy-support",
            "terminate",
        )
    },
    # host A's summary (seeded): a host reads, drafts and submits its own only
    ("GET", "/summaries/{year}/{host_id}"): Row(but(ORGANISERS, "other_host")),
    ("POST", "/summaries/{year}/{host_id}/draft"): Row(
        frozenset({"host"}), body={"narrative": {"experience": "改过的工作经验"}}
    ),
    ("POST", "/summaries/{year}/{host_id}/submit"): Row(frozenset({"host"}), body={}),
    ("POST", "/summaries/{year}/{host_id}/accept"): Row(roles(Role.TORCH_CENTER), body={}),
    ("POST", "/summaries/{year}/{host_id}/return"): Row(roles(Role.TORCH_CENTER), body={}),
    ("GET", "/summaries/{year}/{host_id}/export.docx"): Row(but(ORGANISERS, "other_host")),
    ("GET", "/summaries/{year}/{host_id}/export.xlsx"): Row(but(ORGANISERS, "other_host")),
    ("GET", "/figures/funnel"): Row(READERS),
    ("GET", "/figures/funnel/by/{dimension}"): Row(READERS),
    ("GET", "/timelines/achievements/{achievement_id}"): Row(READERS),
    ("GET", "/timelines/companies/{company_id}"): Row(READERS),
    ("GET", "/streams/{stream_id}/history"): Row(OPERATORS),
}

NOTIFY: dict[tuple[str, str], Row] = {
    **platform_rows(),
    ("POST", "/notices"): Row(OPERATORS, body={}),
    ("GET", "/notices/{notice_id}/receipts"): Row(OPERATORS),
    ("GET", "/inbox"): Row(authenticated()),
    ("GET", "/inbox/unread-count"): Row(authenticated()),
    ("POST", "/inbox/{item_id}/read"): Row(authenticated(), body={}),
    ("PUT", "/contacts/{recipient_id}"): Row(OPERATORS, body={"email": 1}),
    ("GET", "/contacts/{recipient_id}"): Row(OPERATORS),
    ("GET", "/me/preferences"): Row(authenticated()),
    ("PUT", "/me/preferences"): Row(authenticated(), body={"language": 1}),
    ("GET", "/deliveries"): Row(OPERATORS),
    ("POST", "/deliveries/{key}/retry"): Row(OPERATORS, body={}),
    ("GET", "/streams/{stream_id}/history"): Row(OPERATORS),
}

# The dashboard is for the nation's and the provinces' organisers; a province sees only its own,
# so each figure is asked for this province (440000): another province's department is refused.
VIEWERS = frozenset(
    {"torch_center", "torch_center@elsewhere", "szse", "szse@elsewhere", "province"}
)
HERE = {"region": "440000"}
DASHBOARD: dict[tuple[str, str], Row] = {
    **platform_rows(),
    ("GET", "/api/overview"): Row(VIEWERS, params=HERE),
    ("GET", "/api/roadshows/upcoming"): Row(VIEWERS, params=HERE),
    ("GET", "/api/hosts"): Row(VIEWERS, params=HERE),
    ("GET", "/api/cases/attention"): Row(VIEWERS, params=HERE),
    ("GET", "/api/streams"): Row(VIEWERS, params=HERE),
    ("GET", "/api/export/{table}.xlsx"): Row(VIEWERS, params=HERE),
    ("GET", "/public/achievements"): Row(EVERYONE, secrets=hidden(*ACHIEVEMENT_SECRETS)),
    ("GET", "/public/achievements/{achievement_id}"): Row(
        EVERYONE, secrets=hidden(*ACHIEVEMENT_SECRETS)
    ),
    ("GET", "/public/roadshows"): Row(EVERYONE),
    ("GET", "/public/roadshows/{roadshow_id}"): Row(EVERYONE),
    ("GET", "/public/notices"): Row(EVERYONE),
    ("GET", "/public/credit-codes/{code}"): Row(EVERYONE),
    # 企业报名 from the portal: the company's own token is sent on to roadshow, which decides:
    # a company registers itself (company A), the roadshow's host or SZSE on a company's behalf
    ("POST", "/public/roadshows/{roadshow_id}/registrations"): Row(
        frozenset({"company", "host", "szse", "szse@elsewhere"}),
        body={
            "company_id": COMPANY_A,
            "name": "广州示例科技有限公司",
            "kind": "tech_company",
            "contact_name": "王五",
        },
    ),
}

MATRIX: dict[str, dict[tuple[str, str], Row]] = {
    "intake": INTAKE,
    "screening": SCREENING,
    "roadshow": ROADSHOW,
    "tracking": TRACKING,
    "notify": NOTIFY,
    "dashboard": DASHBOARD,
}
