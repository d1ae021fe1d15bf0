"""Routes of intake's 信息公开: filled in with their commands and queries."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/public", tags=["public 信息公开"])
