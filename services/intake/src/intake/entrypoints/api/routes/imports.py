"""Routes of intake's 批量导入: filled in with their commands and queries."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/imports", tags=["imports 批量导入"])
