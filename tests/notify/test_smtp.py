"""The SMTP channel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.notify.conftest import HOST, Certificate, free_port
from warmth.notify import (
    ChannelError,
    NotifySettings,
    Recipient,
    SmtpChannel,
    build_channel,
    compose,
)

USER, PASSWORD = "mzj-notify", "pa55-warm"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    port: int
    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode("utf-8"),
        ) == (USER, PASSWORD):
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@contextmanager
def smtp_server(*, auth: bool = False, **kwargs: Any) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1; with ``auth``, it checks USER and PASSWORD."""
    box = Mailbox(port=free_port())
    if auth:
        kwargs["authenticator"] = box.authenticate
    controller = Controller(box, hostname=HOST, port=box.port, **kwargs)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


PEOPLE = [
    Recipient(id="mh-mzj", name="王建国", email="wang@mzj.example.cn"),
    Recipient(id="mh-office", name="Office", email="office@mzj.example.cn"),
    Recipient(id="bao-1", name="李梅", phone="13800138000"),  # no email: skipped
]
DATA = {"campaign": "寒冬送温暖", "phase": "survey", "deadline": "2024-12-20T18:00+08:00"}


def test_an_email_reaches_every_recipient_with_a_chinese_subject_and_body() -> None:
    message = compose("gate_reminder", DATA, "zh")
    with smtp_server() as box:
        channel = SmtpChannel(HOST, box.port, sender="温暖行动 <notify@mzj.example.cn>")
        channel.send(PEOPLE, "gate_reminder", message.text, message.subject)
    [got] = box.received
    assert got.mail_from == "notify@mzj.example.cn"
    assert sorted(got.rcpt_tos) == ["office@mzj.example.cn", "wang@mzj.example.cn"]
    msg = got.message
    assert msg["Subject"] == "【寒冬送温暖】提醒：排摸准备阶段待您审批"
    assert [(a.display_name, a.addr_spec) for a in msg["To"].addresses] == [
        ("王建国", "wang@mzj.example.cn"),
        ("Office", "office@mzj.example.cn"),
    ]
    assert msg["From"].addresses[0].display_name == "温暖行动"
    assert msg["X-Warmth-Kind"] == "gate_reminder"
    assert msg["Message-ID"].endswith("@mzj.example.cn>")
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    body = msg.get_content()
    assert "排摸准备阶段待您审批，截止 2024年12月20日 18:00" in body
    assert body.strip() == message.text


def test_the_subject_falls_back_to_the_first_line() -> None:
    with smtp_server() as box:
        SmtpChannel(HOST, box.port, sender="notify@mzj.example.cn").send(
            PEOPLE[:1], "custom", "第一行\n第二行"
        )
    assert box.received[0].message["Subject"] == "第一行"


def test_login_then_send() -> None:
    with smtp_server(auth=True, auth_require_tls=False) as box:
        channel = SmtpChannel(
            HOST, box.port, sender="notify@mzj.example.cn", user=USER, password=PASSWORD
        )
        channel.send(PEOPLE, "gate_opened", "正文", "主题")
    assert box.logins == [USER]
    assert len(box.received) == 1


def test_a_non_ascii_password_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        SmtpChannel(HOST, 25, sender="notify@mzj.example.cn", user=USER, password="暖")


def test_a_refused_login_is_not_retried() -> None:
    with smtp_server(auth=True, auth_require_tls=False) as box:
        channel = SmtpChannel(
            HOST, box.port, sender="notify@mzj.example.cn", user=USER, password="wrong"
        )
        with pytest.raises(ChannelError) as caught:
            channel.send(PEOPLE, "gate_opened", "正文", "主题")
    assert caught.value.retryable is False
    assert box.received == []


def test_starttls_with_a_private_ca_through_the_settings(certificate: Certificate) -> None:
    settings = NotifySettings(
        channel="smtp",
        smtp_host=HOST,
        smtp_starttls=True,
        smtp_ca_file=str(certificate.cert),
        smtp_user=USER,
        smtp_password=PASSWORD,
        smtp_from="notify@mzj.example.cn",
    )
    with smtp_server(
        tls_context=certificate.server_context(),
        require_starttls=True,
        auth=True,
    ) as box:
        channel = build_channel(settings.model_copy(update={"smtp_port": box.port}))
        channel.send(PEOPLE, "gate_opened", "经 STARTTLS 加密发送", "主题")
    assert box.logins == [USER]
    assert box.received[0].message.get_content().strip() == "经 STARTTLS 加密发送"


def test_implicit_tls(certificate: Certificate) -> None:
    settings = NotifySettings(
        channel="smtp",
        smtp_host=HOST,
        smtp_ssl=True,
        smtp_ca_file=str(certificate.cert),
        smtp_from="notify@mzj.example.cn",
    )
    with smtp_server(ssl_context=certificate.server_context()) as box:
        channel = build_channel(settings.model_copy(update={"smtp_port": box.port}))
        channel.send(PEOPLE, "gate_opened", "隐式 TLS", "主题")
    assert box.received[0].message["Subject"] == "主题"


def test_an_untrusted_certificate_fails(certificate: Certificate) -> None:
    with smtp_server(tls_context=certificate.server_context(), require_starttls=True) as box:
        channel = SmtpChannel(HOST, box.port, sender="notify@mzj.example.cn", starttls=True)
        with pytest.raises(ChannelError):
            channel.send(PEOPLE, "gate_opened", "正文", "主题")
    assert box.received == []


def test_nobody_with_an_email_is_a_permanent_error() -> None:
    with smtp_server() as box:
        channel = SmtpChannel(HOST, box.port, sender="notify@mzj.example.cn")
        with pytest.raises(ChannelError) as caught:
            channel.send(PEOPLE[2:], "gate_opened", "正文", "主题")
    assert caught.value.retryable is False
    assert box.received == []


def test_a_server_that_is_down_is_retried() -> None:
    channel = SmtpChannel(HOST, free_port(), sender="notify@mzj.example.cn", timeout=2)
    with pytest.raises(ChannelError) as caught:
        channel.send(PEOPLE, "gate_opened", "正文", "主题")
    assert caught.value.retryable is True
