"""Group robots (群机器人) of DingTalk (钉钉), WeCom (企业微信) and Feishu/Lark (飞书).

Each robot takes a JSON text message on its webhook URL and answers with a JSON status;
a non-zero status code raises :class:`ChannelError`.

- DingTalk custom robot (自定义机器人), https://open.dingtalk.com/document/robots/custom-robot-access
  and "加签" in https://open.dingtalk.com/document/robots/customize-robot-security-settings:
  body ``{"msgtype": "text", "text": {"content": …}, "at": {"atMobiles": […]}}``; with a
  secret, ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret)))``
  with the timestamp in milliseconds, appended to the URL as ``&timestamp=…&sign=…``;
  answer ``{"errcode": 0, "errmsg": "ok"}``. At most 20 messages a minute per robot.
- WeCom group robot, https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明):
  body ``{"msgtype": "text", "text": {"content": …, "mentioned_mobile_list": […]}}``, no
  signing (the key in the URL is the secret); answer ``{"errcode": 0, "errmsg": "ok"}``.
  At most 20 messages a minute per robot.
- Feishu/Lark custom bot, https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
  (签名校验): body ``{"msg_type": "text", "content": {"text": …}}`` plus, with a secret,
  ``"timestamp"`` (seconds) and ``"sign" = base64(HMAC-SHA256(key=timestamp + "\\n" + secret,
  msg=b""))``; answer ``{"code": 0, "msg": "success"}`` (older robots: ``StatusCode``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any, Literal, get_args
from urllib.parse import quote_plus

import httpx

from warmth.notify.channels import ChannelError
from warmth.notify.ratelimit import RateLimiter
from warmth.notify.recipients import Recipient

RobotKind = Literal["dingtalk", "wecom", "feishu"]
ROBOT_KINDS: tuple[RobotKind, ...] = get_args(RobotKind)

# Robot answers that no retry can fix: a security-setting mismatch (DingTalk 310000:
# keyword, signature or IP), an invalid webhook (WeCom 93000), a bad signature (Feishu 19021).
_PERMANENT_CODES: dict[RobotKind, frozenset[int]] = {
    "dingtalk": frozenset({310000}),
    "wecom": frozenset({93000}),
    "feishu": frozenset({19021}),
}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64 HMAC-SHA256 of ``"{timestamp}\\n{secret}"`` keyed by the secret.

    Returned before URL-encoding; the channel appends ``quote_plus`` of it to the URL.
    """
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu 签名校验: base64 HMAC-SHA256 keyed by ``"{timestamp}\\n{secret}"`` over nothing."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class WebhookChannel:
    """Posts a text message to a group robot; its :attr:`name` is the robot kind.

    The message goes to the robots of the recipients that have a ``webhook`` (each URL
    once), or else to the channel's ``url``; one ``secret`` signs for all of them. With
    ``mention``, recipients' mobiles are @-mentioned (DingTalk ``atMobiles``, WeCom
    ``mentioned_mobile_list``; Feishu needs open ids, so it does not mention).
    """

    def __init__(
        self,
        kind: RobotKind,
        url: str | None,
        *,
        secret: str | None = None,
        mention: bool = False,
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if kind not in ROBOT_KINDS:
            raise ValueError(f"unknown robot kind {kind!r}; use one of {', '.join(ROBOT_KINDS)}")
        if secret and kind == "wecom":
            raise ValueError("WeCom group robots are not signed; drop the secret")
        self.name: str = kind
        self.kind: RobotKind = kind
        self.url = url
        self._secret = secret or None
        self._mention = mention
        self._limiter = limiter
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout))
        self._clock = clock

    def close(self) -> None:
        self._client.close()

    def payload(self, recipients: list[Recipient], text: str) -> dict[str, Any]:
        """The JSON body for this robot kind, before signing."""
        mobiles = [r.phone for r in recipients if r.phone] if self._mention else []
        if self.kind == "dingtalk":
            content = text
            if mobiles:  # DingTalk only highlights an @mobile that the text contains
                content += "\n" + " ".join(f"@{m}" for m in mobiles)
            return {
                "msgtype": "text",
                "text": {"content": content},
                "at": {"atMobiles": mobiles, "isAtAll": False},
            }
        if self.kind == "wecom":
            body: dict[str, Any] = {"content": text}
            if mobiles:
                body["mentioned_mobile_list"] = mobiles
            return {"msgtype": "text", "text": body}
        return {"msg_type": "text", "content": {"text": text}}

    def targets(self, recipients: list[Recipient]) -> list[str]:
        """The webhook URLs to post to: recipients' robots, else the channel's."""
        own = list(dict.fromkeys(r.webhook for r in recipients if r.webhook))
        if own:
            return own
        if self.url:
            return [self.url]
        raise ChannelError(
            "no webhook URL configured and no recipient has one", channel=self.name, retryable=False
        )

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        body = self.payload(recipients, text)
        for target in self.targets(recipients):
            if self._limiter is not None:
                self._limiter.acquire()
            url, signed = self._signed(target, body)
            try:
                response = self._client.post(url, json=signed)
            except httpx.HTTPError as exc:
                raise ChannelError(f"cannot reach the robot: {exc!r}", channel=self.name) from exc
            self._check(response)

    def _signed(self, url: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self._secret is None:
            return url, body
        if self.kind == "dingtalk":
            ts = int(self._clock() * 1000)
            sign = quote_plus(dingtalk_sign(self._secret, ts))
            separator = "&" if "?" in url else "?"
            return f"{url}{separator}timestamp={ts}&sign={sign}", body
        ts = int(self._clock())
        return url, {"timestamp": str(ts), "sign": feishu_sign(self._secret, ts), **body}

    def _check(self, response: httpx.Response) -> None:
        try:
            answer: object = response.json()
        except ValueError:
            answer = None
        if response.is_error:
            status = response.status_code
            raise ChannelError(
                f"HTTP {status}: {response.text[:200]}",
                channel=self.name,
                retryable=status >= 500 or status in (408, 429),
            )
        if not isinstance(answer, dict):
            raise ChannelError(
                f"the robot's answer is not a JSON object: {response.text[:200]!r}",
                channel=self.name,
            )
        if self.kind == "feishu":
            code = answer.get("code", answer.get("StatusCode"))
            message = answer.get("msg", answer.get("StatusMessage", ""))
        else:
            code = answer.get("errcode")
            message = answer.get("errmsg", "")
        if code is None:
            raise ChannelError(f"the robot's answer has no status: {answer!r}", channel=self.name)
        if str(code) != "0":
            raise ChannelError(
                f"robot error {code}: {message}",
                channel=self.name,
                retryable=_as_int(code) not in _PERMANENT_CODES[self.kind],
            )


def _as_int(code: object) -> int | None:
    try:
        return int(str(code))
    except ValueError:
        return None
