"""Notify's settings: the only module of the service that reads the environment."""

from __future__ import annotations

from pydantic import Field, model_validator

from ztc_shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service: str = "notify"
    port: int = Field(default=8005, validation_alias="NOTIFY_PORT")
    worker_metrics_port: int = Field(default=9105, validation_alias="NOTIFY_WORKER_METRICS_PORT")

    # E-mail (SMTP, aiosmtplib)
    smtp_host: str = Field(default="127.0.0.1", validation_alias="NOTIFY_SMTP_HOST")
    smtp_port: int = Field(default=1025, validation_alias="NOTIFY_SMTP_PORT")
    smtp_username: str | None = Field(default=None, validation_alias="NOTIFY_SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, validation_alias="NOTIFY_SMTP_PASSWORD")
    smtp_start_tls: bool = Field(default=False, validation_alias="NOTIFY_SMTP_START_TLS")
    mail_from: str = Field(
        default="科技成果直通车 <noreply@ztc.example.cn>", validation_alias="NOTIFY_MAIL_FROM"
    )
    # The right-hand side of Message-IDs: stable per deployment, so that a resend matches.
    mail_domain: str = Field(default="notify.ztc.example.cn", validation_alias="NOTIFY_MAIL_DOMAIN")

    # SMS over an HTTP provider (none configured: the SMS channel is not offered)
    sms_provider_url: str | None = Field(default=None, validation_alias="NOTIFY_SMS_PROVIDER_URL")
    sms_api_key: str | None = Field(default=None, validation_alias="NOTIFY_SMS_API_KEY")
    sms_signature: str = Field(default="科技成果直通车", validation_alias="NOTIFY_SMS_SIGNATURE")

    consumer_session_timeout_seconds: float = Field(
        default=10.0, gt=0, validation_alias="NOTIFY_CONSUMER_SESSION_TIMEOUT"
    )

    # Events older than this are remembered (facts, contacts) but announce nothing: a new
    # deployment or a replay from the start must not send history's messages.
    max_event_age_days: float = Field(
        default=14.0, gt=0, validation_alias="NOTIFY_MAX_EVENT_AGE_DAYS"
    )

    # Delivery
    delivery_lease_seconds: float = Field(
        default=30.0, gt=0, validation_alias="NOTIFY_DELIVERY_LEASE_SECONDS"
    )
    delivery_max_attempts: int = Field(default=6, ge=1, validation_alias="NOTIFY_MAX_ATTEMPTS")
    delivery_first_retry_seconds: float = Field(
        default=2.0, gt=0, validation_alias="NOTIFY_FIRST_RETRY_SECONDS"
    )
    dispatch_concurrency: int = Field(default=4, ge=1, validation_alias="NOTIFY_DISPATCHERS")
    # How often an idle dispatcher looks for retries come due (new deliveries wake it at once).
    dispatch_idle_seconds: float = Field(default=1.0, gt=0, validation_alias="NOTIFY_DISPATCH_IDLE")
    send_timeout_seconds: float = Field(default=10.0, gt=0, validation_alias="NOTIFY_SEND_TIMEOUT")
    # Per-channel rate limits (sends a second, per worker process). A WeCom group robot takes
    # at most 20 messages a minute.
    email_rate: float = Field(default=20.0, gt=0, validation_alias="NOTIFY_EMAIL_RATE")
    webhook_rate: float = Field(default=50.0, gt=0, validation_alias="NOTIFY_WEBHOOK_RATE")
    wecom_rate: float = Field(default=0.33, gt=0, validation_alias="NOTIFY_WECOM_RATE")
    sms_rate: float = Field(default=5.0, gt=0, validation_alias="NOTIFY_SMS_RATE")

    # Each delivery's transitions published on ztc.notify.events (NotificationQueued, …Delivered,
    # …Failed); off, the ledger alone records them.
    publish_deliveries: bool = Field(default=True, validation_alias="NOTIFY_PUBLISH_DELIVERIES")

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> NotifySettings:
        # A send that outlives its lease may be repeated by another dispatcher (ADR 10).
        if self.delivery_lease_seconds <= self.send_timeout_seconds:
            raise ValueError("NOTIFY_DELIVERY_LEASE_SECONDS must exceed NOTIFY_SEND_TIMEOUT")
        return self
