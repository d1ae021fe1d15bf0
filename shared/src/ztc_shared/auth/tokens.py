"""Tokens: who the caller is (``sub``), in which role, for which region, of which organisation.

``org`` is the id of the caller's organisation (an institution, an agency, a host unit); ``name`` is
only a display name — several organisations may share one, so no rule of access may follow it.

Development signs with a shared HS256 key; production verifies RS256 tokens of an OIDC issuer against
its JWKS URL. Issuer and audience are always checked.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from ztc_shared.domain.actor import Role as Role  # the roles tokens carry, defined with the actor
from ztc_shared.settings import ServiceSettings

NATIONAL_ROLES = frozenset({Role.TORCH_CENTER, Role.SZSE})


class AuthError(Exception):
    """401 when ``status`` is 401 (no or bad token), 403 when the role or region is not allowed."""

    def __init__(self, status: int, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status = status
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    region: str
    name: str | None = None  # display name: shown, never compared
    organisation: str | None = None  # the ``org`` claim: the organisation's id

    @property
    def national(self) -> bool:
        return self.role in NATIONAL_ROLES

    def may_see_region(self, region: str) -> bool:
        return self.national or self.region == region


VERIFIED_CACHE_SIZE = 10_000


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True)
            if settings.jwt_algorithm == "RS256" and settings.jwt_jwks_url
            else None
        )

    def verify(self, token: str) -> Principal:
        """The token's principal. A token verified before is answered from memory until it
        expires: clients send the same token with every request."""
        known = self._verified.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        principal, expires = self._verify(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        settings = self._settings
        key: Any
        if settings.jwt_algorithm == "RS256":
            if self._jwks is None:
                raise AuthError(
                    401, "未配置令牌公钥地址", "No JWKS URL configured for RS256 tokens"
                )
            key = self._jwks.get_signing_key_from_jwt(token).key
        else:
            key = settings.jwt_secret
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[settings.jwt_algorithm],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError(401, "登录已过期，请重新登录", "The token has expired") from None
        except jwt.PyJWTError as error:
            raise AuthError(401, "身份令牌无效", f"Invalid token: {error}") from None
        try:
            role = Role(claims.get("role", ""))
        except ValueError:
            raise AuthError(
                401, "身份令牌缺少有效角色", "The token carries no valid role"
            ) from None
        region = str(claims.get("region", ""))
        if len(region) != 6 or not region.isdigit():
            raise AuthError(401, "身份令牌缺少有效地区代码", "The token carries no valid region")
        principal = Principal(
            subject=str(claims["sub"]),
            role=role,
            region=region,
            name=claims.get("name"),
            organisation=str(claims["org"]) if claims.get("org") else None,
        )
        return principal, float(claims["exp"])


def mint_token(
    settings: ServiceSettings,
    *,
    subject: str,
    role: Role | str,
    region: str,
    name: str | None = None,
    organisation: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    """A development token signed with the shared HS256 key; ``organisation`` is the id of the
    caller's organisation (the ``org`` claim), ``name`` a display name."""
    if settings.jwt_algorithm != "HS256":
        raise ValueError(
            "development tokens are HS256; production tokens come from the OIDC issuer"
        )
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "role": str(Role(role)),
        "region": region,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl,
    }
    if name:
        claims["name"] = name
    if organisation:
        claims["org"] = organisation
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
