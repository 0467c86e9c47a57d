"""Message texts per kind (消息模板), in Chinese and English, rendered with Jinja2.

Each kind has one template per language, shipped as package data under
``warmth/notify/texts/<language>/<kind>.txt.j2``. A template renders the message
body (what a group robot, an SMS or an email body carries) and sets a one-line email
subject with ``{% set subject %}…{% endset %}`` at its top.

Data values are usually strings (``Notification.data`` is ``dict[str, str]``); lists are
accepted where a template joins or enumerates them. The filters available to templates:

- ``phase_name``: a phase value or Chinese label in the template's language
  (``survey`` / ``排摸准备`` → ``排摸准备`` in zh, ``survey`` in en);
- ``when``: an ISO date-time shown in the display time zone (default Asia/Shanghai);
- ``join_list``: a list joined with ``、`` (zh) or ``, `` (en); a string stays as it is;
- ``lines``: a multi-line string or a list, as a list of non-empty lines;

and the test ``positive_amount`` (an amount of yuan above zero).

Rendering is strict (:class:`jinja2.StrictUndefined`): a missing data key raises
:class:`MissingDataError`, naming the key, the kind and the language. Such errors are
permanent; retrying the same data cannot fix them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from warmth.domain.phases import Phase

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_TIME_ZONE = "Asia/Shanghai"

KINDS: tuple[str, ...] = (
    # roster submissions (花名册报送): campaign, deadline, missing
    "submission_reminder",
    # budget overrun (预算超支): campaign, shortfall
    "budget_overrun",
    # phase gates (审批), sent by the campaign workflow: campaign, phase, deadline[, districts]
    "gate_opened",
    "gate_reminder",
    "gate_escalation",
    "gate_rejected",
    # reminders and dispatches (提醒、调度): campaign, jurisdiction, summary[, deadline]
    "delivery_reminder",
    "rectification_reminder",
    "verification_reminder",
    "urgent_reminder",
    "case_deadline",
    "weekly_dispatch",
    # an SMS to a recipient (救助对象短信): campaign, items, amount[, contact]
    "recipient_notice",
    # a cadre's households (包保责任告知): campaign, jurisdiction, households,
    # communities (one "community|count" per line)
    "cadre_assignment",
)

_TZ_VAR = "_warmth_time_zone"
_UNDEFINED = re.compile(r"^'(?P<key>[^']+)' is undefined$")


class TemplateError(ValueError):
    """A message cannot be rendered (unknown kind or language, missing data, bad template)."""

    def __init__(self, message: str, *, kind: str, language: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.language = language


class MissingDataError(TemplateError):
    """The data lacks a key the template needs."""

    def __init__(self, *, kind: str, language: str, key: str, given: Sequence[str]) -> None:
        given_text = ", ".join(sorted(given)) or "nothing"
        super().__init__(
            f"notification template {language}/{kind} needs data key {key!r} (given: {given_text})",
            kind=kind,
            language=language,
        )
        self.key = key


@dataclass(frozen=True)
class Message:
    """A rendered message: a one-line subject (for email) and the body text."""

    subject: str
    text: str


def compose(
    kind: str,
    data: Mapping[str, object],
    language: str = "zh",
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> Message:
    """Render the subject and the body of ``kind`` in ``language`` ("zh" or "en")."""
    lang = _language(kind, language)
    if kind not in KINDS:
        raise TemplateError(
            f"unknown notification kind {kind!r}; known: {', '.join(KINDS)}",
            kind=kind,
            language=lang,
        )
    template = _environment(lang).get_template(f"{kind}.txt.j2")
    values: dict[str, Any] = {**data, _TZ_VAR: time_zone}
    try:
        module = template.make_module(values)
    except jinja2.UndefinedError as exc:
        found = _UNDEFINED.match(str(exc))
        if found is None:
            raise TemplateError(
                f"notification template {lang}/{kind}: {exc}", kind=kind, language=lang
            ) from exc
        raise MissingDataError(
            kind=kind, language=lang, key=found["key"], given=list(data)
        ) from exc
    text = str(module).strip("\n").rstrip()
    subject_value = getattr(module, "subject", "")
    subject_line = " ".join(str(subject_value).split()) or first_line(text)
    return Message(subject=subject_line, text=text)


def render(
    kind: str,
    data: Mapping[str, object],
    language: str = "zh",
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> str:
    """The message body of ``kind`` in ``language``; see :func:`compose`."""
    return compose(kind, data, language, time_zone=time_zone).text


def subject(
    kind: str,
    data: Mapping[str, object],
    language: str = "zh",
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> str:
    """The one-line email subject of ``kind`` in ``language``; see :func:`compose`."""
    return compose(kind, data, language, time_zone=time_zone).subject


def first_line(text: str, limit: int = 78) -> str:
    """The first non-empty line of ``text``, cut to ``limit`` characters (a subject fallback)."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


# ---- the environments, one per language ----------------------------------------------------


def _language(kind: str, language: str) -> Language:
    for lang in LANGUAGES:
        if language == lang:
            return lang
    raise TemplateError(
        f"unknown language {language!r} for notification {kind!r}; use one of "
        f"{', '.join(LANGUAGES)}",
        kind=kind,
        language=language,
    )


@cache
def _environment(language: Language) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("warmth.notify", f"texts/{language}"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for robots, SMS and text/plain email, never HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    separator = "、" if language == "zh" else ", "

    def join_list(value: object) -> str:
        if isinstance(value, list | tuple):
            return separator.join(str(v) for v in value)
        return str(value)

    def phase_name(value: object) -> str:
        phase = _phase(str(value))
        if phase is None:
            return str(value)
        return phase.label_zh if language == "zh" else _PHASE_EN[phase]

    @jinja2.pass_context
    def when(context: jinja2.runtime.Context, value: object) -> str:
        return _format_when(value, language, str(context.get(_TZ_VAR, DEFAULT_TIME_ZONE)))

    env.filters["join_list"] = join_list
    env.filters["phase_name"] = phase_name
    env.filters["when"] = when
    env.filters["lines"] = _lines
    env.tests["positive_amount"] = _positive_amount
    return env


_PHASE_EN = {
    Phase.SURVEY: "survey",
    Phase.MOBILIZE: "mobilization",
    Phase.DISTRIBUTE: "distribution",
    Phase.FOLLOWUP: "follow-up",
    Phase.SUMMARIZE: "summary",
}


def _phase(value: str) -> Phase | None:
    for phase in Phase:
        if value in (phase.value, phase.label_zh):
            return phase
    return None


def _format_when(value: object, language: Language, time_zone: str) -> str:
    """An ISO date-time as 2024年12月20日 18:00 (zh) or 2024-12-20 18:00 (en), local time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return _format_day(value, language)
    else:
        text = str(value).strip()
        try:
            if len(text) == len("2024-12-20"):
                return _format_day(date.fromisoformat(text), language)
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text  # not ISO: shown as written
    if moment.tzinfo is not None:
        # An unknown zone keeps the offset the value came with.
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            moment = moment.astimezone(ZoneInfo(time_zone))
    if language == "zh":
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment:%Y-%m-%d %H:%M}"


def _format_day(day: date, language: Language) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if language == "zh" else day.isoformat()


def _lines(value: object) -> list[str]:
    items = [str(v) for v in value] if isinstance(value, list | tuple) else str(value).splitlines()
    return [line.strip() for line in items if line.strip()]


def _positive_amount(value: object) -> bool:
    text = str(value).replace(",", "").replace("元", "").strip()
    if not text:
        return False
    try:
        return Decimal(text) > 0
    except InvalidOperation:
        return True  # not a number: show it as written
