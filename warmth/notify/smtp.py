"""Email through an SMTP server (电子邮件), with optional STARTTLS or implicit TLS and login."""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import structlog

from warmth.notify.channels import ChannelError
from warmth.notify.ratelimit import RateLimiter
from warmth.notify.recipients import Recipient
from warmth.notify.templates import first_line


class SmtpChannel:
    """Sends one UTF-8 text/plain email per message, addressed to every recipient with an email.

    ``starttls`` upgrades a plain connection (port 587); ``implicit_tls`` connects with TLS
    from the start (port 465, common with Chinese mail providers). ``user`` and
    ``password`` log in when given. Recipients without an email address are skipped and
    logged; a message that reaches nobody raises a non-retryable :class:`ChannelError`.
    """

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        implicit_tls: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        limiter: RateLimiter | None = None,
    ) -> None:
        if starttls and implicit_tls:
            raise ValueError("choose STARTTLS or implicit TLS, not both")
        if not (user or "").isascii() or not (password or "").isascii():
            # smtplib encodes AUTH credentials as ASCII and would fail at send time.
            raise ValueError("the SMTP user name and password must be ASCII")
        self.host = host
        self.port = port
        self.sender = sender
        self._user = user
        self._password = password
        self._starttls = starttls
        self._implicit_tls = implicit_tls
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._limiter = limiter
        self._log = structlog.get_logger("warmth.notify")

    def build_message(
        self, recipients: list[Recipient], kind: str, text: str, subject: str = ""
    ) -> EmailMessage:
        """The email for ``recipients`` that have an address (raises when none has)."""
        addressed = [r for r in recipients if r.email]
        skipped = [r.id for r in recipients if not r.email]
        if skipped:
            self._log.warning("notification_no_email", channel=self.name, recipients=skipped)
        if not addressed:
            raise ChannelError(
                f"no email address for any of {[r.id for r in recipients]}",
                channel=self.name,
                retryable=False,
            )
        msg = EmailMessage()
        msg["Subject"] = subject or first_line(text)
        msg["From"] = self.sender
        try:
            msg["To"] = tuple(
                Address(display_name=r.name, addr_spec=r.email or "") for r in addressed
            )
        except ValueError as exc:
            raise ChannelError(
                f"bad email address: {exc}", channel=self.name, retryable=False
            ) from exc
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=_domain(self.sender))
        msg["X-Warmth-Kind"] = kind
        msg.set_content(text, charset="utf-8", cte="base64")  # safe through 7-bit relays
        return msg

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        msg = self.build_message(recipients, kind, text, subject)
        if self._limiter is not None:
            self._limiter.acquire()
        try:
            with self._connect() as smtp:
                if self._user:
                    smtp.login(self._user, self._password or "")
                refused = smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelError(
                f"login refused: {exc.smtp_code}", channel=self.name, retryable=False
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(
                f"every recipient refused: {sorted(exc.recipients)}",
                channel=self.name,
                retryable=False,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            # 4xx is a temporary failure (try again later), 5xx a permanent one.
            raise ChannelError(
                f"server answered {exc.smtp_code}: {exc.smtp_error!r}",
                channel=self.name,
                retryable=exc.smtp_code < 500,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(
                f"cannot send through {self.host}:{self.port}: {exc}", channel=self.name
            ) from exc
        if refused:
            self._log.warning(
                "notification_refused", channel=self.name, kind=kind, refused=sorted(refused)
            )

    def _connect(self) -> smtplib.SMTP:
        context = self._ssl_context or ssl.create_default_context()
        if self._implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        try:
            if self._starttls:
                smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _domain(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"
