"""SMS (手机短信) through an HTTP gateway, e.g. the bureau's SMS platform or a cloud relay.

The gateway contract is deliberately small: one ``POST`` per mobile, the API key in a
header, a JSON body, and any 2xx answer meaning "accepted"::

    POST <url>
    <key header>: <api key>
    {"phone": "13800138000", "text": "…", "template": "<template id>", "kind": "…",
     "sign": "<短信签名>"}

``template`` is the gateway's registered template id for the message kind (运营商报备的
短信模板); it defaults to the kind itself. ``sign`` is sent only when configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import structlog

from warmth.notify.channels import ChannelError
from warmth.notify.ratelimit import RateLimiter
from warmth.notify.recipients import Recipient


class SmsChannel:
    """Sends the text to every recipient with a mobile, one gateway request each.

    Recipients without a mobile are skipped and logged; a message that reaches nobody
    raises a non-retryable :class:`ChannelError`. A failure part-way raises, and Temporal's
    retry sends the whole message again: send recipient notices one recipient at a time.
    """

    name = "sms"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        key_header: str = "X-Api-Key",
        templates: Mapping[str, str] | None = None,
        sign: str | None = None,
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url
        self._api_key = api_key
        self._key_header = key_header
        self._templates = dict(templates or {})
        self._sign = sign or None
        self._limiter = limiter
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout))
        self._log = structlog.get_logger("warmth.notify")

    def close(self) -> None:
        self._client.close()

    def payload(self, phone: str, kind: str, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "phone": phone,
            "text": text,
            "template": self._templates.get(kind, kind),
            "kind": kind,
        }
        if self._sign:
            body["sign"] = self._sign
        return body

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        phones = list(dict.fromkeys(r.phone for r in recipients if r.phone))
        skipped = [r.id for r in recipients if not r.phone]
        if skipped:
            self._log.warning("notification_no_phone", channel=self.name, recipients=skipped)
        if not phones:
            raise ChannelError(
                f"no mobile number for any of {[r.id for r in recipients]}",
                channel=self.name,
                retryable=False,
            )
        headers = {self._key_header: self._api_key} if self._api_key else {}
        for phone in phones:
            if self._limiter is not None:
                self._limiter.acquire()
            try:
                response = self._client.post(
                    self.url, json=self.payload(phone, kind, text), headers=headers
                )
            except httpx.HTTPError as exc:
                raise ChannelError(
                    f"cannot reach the SMS gateway: {exc!r}", channel=self.name
                ) from exc
            if response.is_error:
                status = response.status_code
                raise ChannelError(
                    f"gateway answered HTTP {status}: {response.text[:200]}",
                    channel=self.name,
                    retryable=status >= 500 or status in (408, 429),
                )
