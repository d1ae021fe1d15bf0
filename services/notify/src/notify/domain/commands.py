"""Notify's commands."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ztc_shared.contracts.notify import NoticeAudience


class PublishNotice(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    body: str
    title_en: str = ""
    body_en: str = ""
    audience: NoticeAudience
    essential: bool = False


class ReadNotice(BaseModel):
    model_config = ConfigDict(frozen=True)

    notice_id: str
