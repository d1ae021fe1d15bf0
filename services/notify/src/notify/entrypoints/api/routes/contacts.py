"""The directory: operators keep contacts; each person sets their own preferences.

A person's role and region in the directory come from their token when they set their preferences
and the directory knew neither yet, so that notices addressed by role and region find them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field, model_validator

from notify.domain.recipients import PUSH_CHANNELS, TOPIC_NAMES, Channel, Locale, Topic
from notify.entrypoints.api.deps import Anyone, DirectoryDep, Operator
from ztc_shared.auth import Role
from ztc_shared.contracts.notify import AUDIENCE_ROLES
from ztc_shared.domain import DomainError, Forbidden, NotFound
from ztc_shared.history import AsOf

router = APIRouter(tags=["contacts 联系方式与偏好"])

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URL = r"^https?://\S+$"
MOBILE = r"^\+?\d{6,15}$"


class Addresses(BaseModel):
    email: str | None = Field(default=None, max_length=120, pattern=EMAIL)
    mobile: str | None = Field(default=None, pattern=MOBILE, description="手机号 Mobile")
    wecom_webhook: str | None = Field(
        default=None, max_length=500, pattern=URL, description="企业微信群机器人 Webhook 地址"
    )
    webhook_url: str | None = Field(default=None, max_length=500, pattern=URL)
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="HMAC 签名密钥 Signing secret"
    )

    @model_validator(mode="after")
    def _signed(self) -> Addresses:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("webhook_url needs a webhook_secret (16+ characters) to sign with")
        return self


class Preferences(BaseModel):
    locale: Locale = Field(default=Locale.ZH_CN, description="语言 Language")
    channels: list[Channel] = Field(
        default_factory=lambda: [Channel.EMAIL, Channel.WECOM],
        description="推送渠道（站内信始终开启） Push channels; the inbox is always on",
    )
    muted: list[Topic] = Field(
        default_factory=list,
        description="退订的主题（重要通知除外） Muted topics; essential messages still arrive",
    )


class PreferencesUpdate(Preferences, Addresses):
    pass


class ContactUpsert(PreferencesUpdate):
    name: str = Field(default="", max_length=200)
    role: str = Field(description="平台角色 Platform role")
    region: str = Field(pattern=r"^\d{6}$")

    @model_validator(mode="after")
    def _role(self) -> ContactUpsert:
        if self.role not in AUDIENCE_ROLES:
            raise ValueError(f"role must be one of {', '.join(AUDIENCE_ROLES)}")
        return self


class ContactView(BaseModel):
    recipient_id: str
    name: str
    role: str | None
    region: str | None
    email: str | None
    mobile: str | None
    wecom_webhook: str | None
    webhook_url: str | None
    webhook_secret_set: bool
    locale: str
    channels: list[str]
    muted: list[str]
    topic_names: dict[str, str]


CONTACT_EXAMPLE = {
    "name": "深圳市智造科技有限公司",
    "role": "company",
    "region": "440300",
    "email": "bd@zhizao.example.cn",
    "mobile": "13800000000",
    "webhook_url": "https://erp.zhizao.example.cn/hooks/ztc",
    "webhook_secret": "a-long-shared-secret-0001",
    "locale": "zh-CN",
    "channels": ["email", "webhook"],
    "muted": [],
}
PREFERENCES_EXAMPLE = {"locale": "en", "channels": ["email"], "muted": ["screening"]}


def _view(recipient_id: str, doc: dict[str, Any]) -> ContactView:
    channels = doc.get("channels")
    return ContactView(
        recipient_id=recipient_id,
        name=doc.get("name") or "",
        role=doc.get("role"),
        region=doc.get("region"),
        email=doc.get("email"),
        mobile=doc.get("mobile"),
        wecom_webhook=doc.get("wecom_webhook"),
        webhook_url=doc.get("webhook_url"),
        webhook_secret_set=bool(doc.get("webhook_secret")),
        locale=doc.get("locale") or Locale.ZH_CN.value,
        channels=[Channel.INBOX.value]
        + [c.value for c in PUSH_CHANNELS if c.value in (channels or ["email", "wecom"])],
        muted=list(doc.get("muted", [])),
        topic_names={t.value: name for t, name in TOPIC_NAMES.items()},
    )


def _fields(update: PreferencesUpdate) -> dict[str, Any]:
    fields = update.model_dump(mode="json", exclude_unset=True)
    if "channels" in fields:
        fields["channels"] = [c for c in fields["channels"] if c != Channel.INBOX.value]
    return fields


@router.put(
    "/contacts/{recipient_id}",
    response_model=ContactView,
    summary="维护联系人 Upsert a contact (operators)",
    description="The recipient id is the account id events carry; a company's is its unified "
    "social credit code. A province keeps the contacts of its own province.",
)
async def upsert_contact(
    recipient_id: str,
    body: Annotated[ContactUpsert, Body(openapi_examples={"企业": {"value": CONTACT_EXAMPLE}})],
    principal: Operator,
    directory: DirectoryDep,
) -> ContactView:
    if principal.role is Role.PROVINCE and body.region[:2] != principal.region[:2]:
        raise DomainError(
            "region_outside_province",
            "省级部门只能维护本省的联系人",
            "A province keeps only its own province's contacts",
        )
    await directory.upsert(recipient_id, _fields(body), datetime.now(UTC))
    doc = await directory.document(recipient_id)
    return _view(recipient_id, doc or {})


VIEW_EXAMPLE = {
    "recipient_id": "91440300MA5ABCDE1X",
    "name": "深圳市智造科技有限公司",
    "role": "company",
    "region": "440300",
    "email": "bd@zhizao.example.cn",
    "mobile": "13800000000",
    "wecom_webhook": None,
    "webhook_url": "https://erp.zhizao.example.cn/hooks/ztc",
    "webhook_secret_set": True,
    "locale": "zh-CN",
    "channels": ["inbox", "email", "webhook"],
    "muted": [],
    "topic_names": {t.value: name for t, name in TOPIC_NAMES.items()},
}
VIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"example": VIEW_EXAMPLE}}}
}
AS_OF_NOTE = (
    " With ``as_of`` (时间回溯): as it stood then, from the change log every write appends to "
    "(a contact last written before the log was kept is answered as it is now)."
)


@router.get(
    "/contacts/{recipient_id}",
    response_model=ContactView,
    summary="查看联系人 A contact",
    description="A province sees its own province's contacts (decided on the contact now)."
    + AS_OF_NOTE,
    responses=VIEW_RESPONSES,
)
async def get_contact(
    recipient_id: str, principal: Operator, directory: DirectoryDep, as_of: AsOf
) -> ContactView:
    doc = await directory.document(recipient_id)
    if doc is None:
        raise NotFound("contact", recipient_id)
    if principal.role is Role.PROVINCE and (doc.get("region") or "")[:2] != principal.region[:2]:
        raise Forbidden(
            "other_province", "该联系人不属于本省", "This contact is in another province"
        )
    if as_of is not None:
        doc = await directory.document(recipient_id, as_of)
        if doc is None:
            raise NotFound("contact", recipient_id)
    return _view(recipient_id, doc)


@router.get(
    "/me/preferences",
    response_model=ContactView,
    summary="我的通知偏好 My preferences",
    description="My channels, language, opt-outs and addresses." + AS_OF_NOTE,
    responses=VIEW_RESPONSES,
)
async def my_preferences(principal: Anyone, directory: DirectoryDep, as_of: AsOf) -> ContactView:
    doc = await directory.document(principal.subject, as_of) or {}
    return _view(principal.subject, doc)


@router.put(
    "/me/preferences",
    response_model=ContactView,
    summary="设置通知偏好 Set my channels, language, opt-outs and addresses",
)
async def set_my_preferences(
    body: Annotated[
        PreferencesUpdate, Body(openapi_examples={"英文": {"value": PREFERENCES_EXAMPLE}})
    ],
    principal: Anyone,
    directory: DirectoryDep,
) -> ContactView:
    now = datetime.now(UTC)
    await directory.upsert(principal.subject, _fields(body), now)
    # What the token says fills gaps only: an operator may have recorded a finer region.
    await directory.learn(
        principal.subject, {"role": principal.role.value, "region": principal.region}, now
    )
    doc = await directory.document(principal.subject)
    return _view(principal.subject, doc or {})
