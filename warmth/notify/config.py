"""Notification settings (通知配置) and the factory that builds the configured channel.

:class:`NotifySettings` is a plain pydantic model so that ``warmth.settings.Settings`` can
embed it (``notify: NotifySettings``, read from ``WARMTH_NOTIFY__…`` with a nested
delimiter) or a plan/CLI can build one directly.
"""

from __future__ import annotations

import ssl
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from warmth.notify.channels import Channel, LogChannel
from warmth.notify.ratelimit import RateLimiter
from warmth.notify.sms import SmsChannel
from warmth.notify.smtp import SmtpChannel
from warmth.notify.webhook import RobotKind, WebhookChannel

ChannelKind = Literal["log", "smtp", "webhook", "sms"]

ROBOT_RATE_PER_MINUTE = 20.0
"""DingTalk and WeCom robots take at most 20 messages a minute each (Feishu more)."""


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


class NotifySettings(BaseModel):
    """Which channel carries notifications, and how to reach it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: ChannelKind = Field(default="log", description="log, smtp, webhook or sms")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = Field(default=False, description="upgrade with STARTTLS (port 587)")
    smtp_ssl: bool = Field(default=False, description="implicit TLS from the start (port 465)")
    smtp_ca_file: str | None = Field(
        default=None, description="PEM CA bundle for a server with a private CA"
    )
    smtp_from: str = Field(default="warmth@localhost", description="From: address")

    webhook_kind: RobotKind = "dingtalk"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="signing secret (DingTalk 加签 SEC…, Feishu 签名校验)"
    )
    webhook_mention: bool = Field(default=False, description="@-mention recipients' mobiles")

    sms_url: str | None = None
    sms_api_key: SecretStr | None = None
    sms_key_header: str = "X-Api-Key"
    sms_sign: str | None = Field(default=None, description="短信签名, when the gateway wants it")
    sms_templates: dict[str, str] = Field(
        default_factory=dict, description="message kind → the gateway's template id"
    )

    rate_per_minute: float | None = Field(
        default=None,
        gt=0,
        description="messages a minute; default 20 for robots, unlimited otherwise",
    )
    rate_burst: int = Field(default=1, ge=1)
    timeout_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.smtp_starttls and self.smtp_ssl:
            raise ValueError("smtp_starttls and smtp_ssl exclude each other")
        if self.channel == "webhook" and not self.webhook_url:
            raise ValueError("the webhook channel needs webhook_url")
        if self.channel == "webhook" and self.webhook_kind == "wecom" and self.webhook_secret:
            raise ValueError("WeCom group robots are not signed; drop webhook_secret")
        if self.channel == "sms" and not self.sms_url:
            raise ValueError("the sms channel needs sms_url")
        if self.smtp_password is not None and not self.smtp_user:
            raise ValueError("smtp_password needs smtp_user")
        if (
            not (self.smtp_user or "").isascii()
            or not (_secret(self.smtp_password) or "").isascii()
        ):
            raise ValueError("smtp_user and smtp_password must be ASCII (smtplib's AUTH)")
        return self

    def limiter(self) -> RateLimiter | None:
        """A fresh token bucket for the configured channel, or None when unlimited."""
        rate = self.rate_per_minute
        if rate is None and self.channel == "webhook":
            rate = ROBOT_RATE_PER_MINUTE
        return RateLimiter(rate, self.rate_burst) if rate is not None else None


def build_channel(settings: NotifySettings) -> Channel:
    """The channel ``settings`` describe, with its own rate limiter."""
    limiter = settings.limiter()
    if settings.channel == "smtp":
        context = ssl.create_default_context(cafile=settings.smtp_ca_file)
        return SmtpChannel(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=_secret(settings.smtp_password),
            starttls=settings.smtp_starttls,
            implicit_tls=settings.smtp_ssl,
            ssl_context=context,
            timeout=settings.timeout_seconds,
            limiter=limiter,
        )
    if settings.channel == "webhook":
        return WebhookChannel(
            settings.webhook_kind,
            settings.webhook_url,
            secret=_secret(settings.webhook_secret),
            mention=settings.webhook_mention,
            timeout=settings.timeout_seconds,
            limiter=limiter,
        )
    if settings.channel == "sms":
        assert settings.sms_url is not None  # checked by the model
        return SmsChannel(
            settings.sms_url,
            _secret(settings.sms_api_key),
            key_header=settings.sms_key_header,
            templates=settings.sms_templates,
            sign=settings.sms_sign,
            timeout=settings.timeout_seconds,
            limiter=limiter,
        )
    return LogChannel()
