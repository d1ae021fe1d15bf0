"""Routes of intake's 成果库: filled in with their commands and queries."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/achievements", tags=["catalogue 成果库"])
