"""Notifications (通知): templates, recipients, the channels that carry them, and their settings.

Typical use inside the notification activity::

    channel = build_channel(settings.notify)            # once per worker
    dispatch(channel, directory, n.recipients, n.kind, n.data)
"""

from warmth.notify.channels import Channel, ChannelError, LogChannel
from warmth.notify.config import ChannelKind, NotifySettings, build_channel
from warmth.notify.dispatch import dispatch
from warmth.notify.ratelimit import RateLimiter
from warmth.notify.recipients import Directory, Recipient, StaticDirectory
from warmth.notify.sms import SmsChannel
from warmth.notify.smtp import SmtpChannel
from warmth.notify.templates import (
    KINDS,
    LANGUAGES,
    Language,
    Message,
    MissingDataError,
    TemplateError,
    compose,
    render,
    subject,
)
from warmth.notify.webhook import RobotKind, WebhookChannel, dingtalk_sign, feishu_sign

__all__ = [
    "KINDS",
    "LANGUAGES",
    "Channel",
    "ChannelError",
    "ChannelKind",
    "Directory",
    "Language",
    "LogChannel",
    "Message",
    "MissingDataError",
    "NotifySettings",
    "RateLimiter",
    "Recipient",
    "RobotKind",
    "SmsChannel",
    "SmtpChannel",
    "StaticDirectory",
    "TemplateError",
    "WebhookChannel",
    "build_channel",
    "compose",
    "dingtalk_sign",
    "dispatch",
    "feishu_sign",
    "render",
    "subject",
]
