"""Dependencies routes declare: who may call them, and the context a command carries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.datastructures import UploadFile

from ztc_shared.application.commands import CommandContext
from ztc_shared.auth.tokens import AuthError, Principal, Role, TokenVerifier
from ztc_shared.settings import ServiceSettings
from ztc_shared.web.correlation import current_correlation_id


def _principal(request: Request, authorization: str | None) -> Principal:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError(401, "请先登录（缺少身份令牌）", "Authentication required: no bearer token")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(authorization.split(" ", 1)[1].strip())


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only the given roles (every route names its roles)."""
    allowed = frozenset(roles)

    async def dependency(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Principal:
        principal = _principal(request, authorization)
        if principal.role not in allowed:
            raise AuthError(
                403,
                f"当前角色（{principal.role.value}）无权执行此操作",
                f"Role {principal.role.value} may not do this",
            )
        settings: ServiceSettings = request.app.state.settings
        if not principal.may_see_region(settings.region):
            raise AuthError(
                403,
                f"您只能访问本地区（{principal.region}）的数据",
                f"You may only access your own region ({principal.region})",
            )
        return principal

    return dependency


def canonical_body(body: bytes) -> bytes:
    """A JSON body as its parsed value says it (keys sorted, no spacing), so that a client that
    re-serialises the same request on a retry is recognised; any other body as its bytes."""
    if not body:
        return body
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return body
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def request_fingerprint(request: Request) -> str:
    """What identifies a request for ``Idempotency-Key``: method, path and body. A multipart body
    the route has already parsed (an upload) is fingerprinted by its fields and its files' bytes."""
    digest = hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n")
    try:
        digest.update(canonical_body(await request.body()))
    except RuntimeError:  # the stream was consumed by form parsing; the form itself is cached
        form = await request.form()
        for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
            digest.update(name.encode() + b"=")
            if isinstance(value, UploadFile):
                content = await value.read()
                await value.seek(0)
                digest.update(hashlib.sha256(content).digest())
            else:
                digest.update(value.encode())
            digest.update(b"\n")
    return digest.hexdigest()


def CommandContextFor(*roles: Role) -> Callable[..., Awaitable[CommandContext]]:  # noqa: N802
    """A dependency giving a command its context: actor, region, correlation, idempotency."""
    authorised = require_roles(*roles)

    async def dependency(
        request: Request,
        # A default, not ``Annotated``: the annotation would name a local, which FastAPI cannot
        # resolve under postponed evaluation.
        principal: Principal = Depends(authorised),  # noqa: B008
        idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
    ) -> CommandContext:
        fingerprint = await request_fingerprint(request)
        settings: ServiceSettings = request.app.state.settings
        return CommandContext(
            actor=principal.subject,
            region=settings.region,
            correlation_id=current_correlation_id(),
            idempotency_key=idempotency_key or None,
            request_fingerprint=fingerprint,
            role=principal.role.value,
            organisation=principal.organisation,
            actor_region=principal.region,
        )

    return dependency
