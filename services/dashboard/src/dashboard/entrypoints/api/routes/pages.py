"""The server-rendered pages: the public portal and the operations dashboard (zh-CN first)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from dashboard.adapters.queries import (
    FIELD_LABELS,
    attention_of,
    calendar_of,
    hosts_of,
    overview_of,
)
from dashboard.application.tables import (
    CASE_STAGE_NAMES,
    SUMMARY_NAMES,
    as_of_caption,
    breakdown_table,
    funnel_table,
    utc_offset,
)
from dashboard.config import DashboardSettings
from dashboard.domain.regions import province_name
from dashboard.entrypoints.api.deps import (
    Language,
    QueriesDep,
    figures_at,
    principal_of,
    scope_for,
)
from dashboard.entrypoints.api.text import translate
from dashboard.vendor import installed as echarts_installed
from ztc_shared.auth.tokens import AuthError
from ztc_shared.contracts.roadshow import AGENDA_NAMES, ParticipantKind

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parents[3] / "templates"))
router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, lang: str, status: int = 200, **context: Any) -> Response:
    def t(key: str, **values: object) -> str:
        return translate(key, lang, **values)

    response = TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "t": t,
            "lang": lang,
            "other_lang": "en" if lang == "zh" else "zh",
            "path": request.url.path,
            "signed_in": request.cookies.get(request.app.state.settings.token_cookie) is not None,
            "province_name": province_name,
            **context,
        },
        status_code=status,
    )
    if request.query_params.get("lang"):
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, queries: QueriesDep, lang: Language) -> Response:
    roadshows = await queries.upcoming_roadshows(None, date.today(), limit=20)
    notices = await queries.public_notices()
    return render(
        request, "home.html", lang, roadshows=roadshows, notices=notices, fields=FIELD_LABELS
    )


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
async def notice(request: Request, notice_id: str, queries: QueriesDep, lang: Language) -> Response:
    found = await queries.notice(notice_id)
    if found is None:
        return render(request, "not_found.html", lang, status=404)
    return render(request, "notice.html", lang, item=found)


@router.get("/achievements", response_class=HTMLResponse)
async def achievements(
    request: Request, queries: QueriesDep, lang: Language, q: str = "", field: str = ""
) -> Response:
    total, items = await queries.search_achievements(q[:100], field or None, limit=50)
    return render(
        request,
        "achievements.html",
        lang,
        q=q,
        field=field,
        total=total,
        items=items,
        fields=FIELD_LABELS,
    )


@router.get("/achievements/{achievement_id}", response_class=HTMLResponse)
async def achievement(
    request: Request, achievement_id: str, queries: QueriesDep, lang: Language
) -> Response:
    found = await queries.achievement(achievement_id)
    if found is None:
        return render(request, "not_found.html", lang, status=404)
    return render(request, "achievement.html", lang, item=found)


@router.get("/roadshows/{roadshow_id}", response_class=HTMLResponse)
async def roadshow(
    request: Request, roadshow_id: str, queries: QueriesDep, lang: Language
) -> Response:
    found = await queries.roadshow(roadshow_id)
    if found is None:
        return render(request, "not_found.html", lang, status=404)
    return render(
        request,
        "roadshow.html",
        lang,
        item=found,
        agenda_names=AGENDA_NAMES,
        kinds=[k.value for k in ParticipantKind],
    )


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, lang: Language, next: str = "/dashboard") -> Response:
    return render(request, "login.html", lang, next=next if next.startswith("/") else "/")


@router.post("/login")
async def login(
    request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/dashboard"
) -> Response:
    settings: DashboardSettings = request.app.state.settings
    response = RedirectResponse(next if next.startswith("/") else "/", status_code=303)
    response.set_cookie(
        settings.token_cookie, token.strip(), httponly=True, samesite="strict", max_age=12 * 3600
    )
    return response


@router.get("/logout")
async def logout(request: Request) -> Response:
    settings: DashboardSettings = request.app.state.settings
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(settings.token_cookie)
    return response


# The platform's own time zone (China Standard Time), when the page's form does not say one.
DEFAULT_OFFSET = "+08:00"
OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")


def page_moment(as_of: str | None, at: str | None, tz: str | None) -> datetime | None:
    """The moment the page is asked about: ``as_of`` (ISO 8601 with a time zone, as the API takes
    it), or the picker's local ``at`` with the browser's offset ``tz``; None for live figures.
    ValueError with the text key of what is wrong."""
    if as_of:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError:
            raise ValueError("as_of_invalid") from None
        if moment.tzinfo is None:
            raise ValueError("as_of_naive")
        return moment
    if not at:
        return None
    offset = tz if tz and OFFSET.match(tz) else DEFAULT_OFFSET
    try:
        moment = datetime.fromisoformat(f"{at}{offset}")
    except ValueError:
        raise ValueError("as_of_invalid") from None
    if moment.tzinfo is None:
        raise ValueError("as_of_invalid")
    return moment


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    lang: Language,
    region: str | None = None,
    as_of: str | None = None,
    at: str | None = None,
    tz: str | None = None,
) -> Response:
    try:
        scope = scope_for(principal_of(request, None), region or None)
    except AuthError as error:
        if error.status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render(
            request,
            "forbidden.html",
            lang,
            status=403,
            message=error.message_zh if lang == "zh" else error.message_en,
        )
    try:
        moment = page_moment(as_of, at, tz)
    except ValueError as problem:
        message = translate(str(problem), lang)
        return render(request, "invalid.html", lang, status=422, message=message)
    # Live, or the same figures as of the moment (时间回溯), rebuilt from the events up to then.
    queries = await figures_at(request, moment)
    document = await queries.scope(scope.region)  # one read for the whole page
    data = overview_of(document, scope.region)
    hosts = hosts_of(document)
    cases = attention_of(document)[:50]  # the longest overdue; all of them in the export
    roadshows = calendar_of(document, queries.today(), limit=30)
    query: dict[str, str] = {"region": scope.region} if scope.region else {}
    live_query = "?" + urlencode({**query, "lang": lang})
    if moment is not None:
        query["as_of"] = moment.isoformat()
    region_query = "?" + urlencode({**query, "lang": lang})
    return render(
        request,
        "dashboard.html",
        lang,
        scope=scope,
        scope_name=scope.name(lang),
        data=data,
        funnel_rows=funnel_table(data["funnel"], lang),
        province_rows=breakdown_table(data["by_province"], ("省份", "Province"), lang),
        field_rows=breakdown_table(data["by_field"], ("领域", "Field"), lang),
        year_rows=breakdown_table(data["by_year"], ("年度", "Year"), lang),
        hosts=hosts,
        cases=cases,
        roadshows=roadshows,
        summary_names=SUMMARY_NAMES,
        case_stage_names=CASE_STAGE_NAMES,
        region_query=region_query,
        live_query=live_query,
        as_of=moment,
        as_of_caption=as_of_caption(moment, lang) if moment is not None else None,
        picker_value=moment.strftime("%Y-%m-%dT%H:%M") if moment is not None else "",
        picker_offset=utc_offset(moment) if moment is not None else DEFAULT_OFFSET,
        charts=echarts_installed(),
    )
