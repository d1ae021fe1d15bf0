"""Bearer JWTs carrying ``role`` and ``region``; every route declares the roles it allows."""

from ztc_shared.auth.tokens import (
    NATIONAL_ROLES,
    AuthError,
    Principal,
    Role,
    TokenVerifier,
    mint_token,
)

__all__ = ["NATIONAL_ROLES", "AuthError", "Principal", "Role", "TokenVerifier", "mint_token"]
