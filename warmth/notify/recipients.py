"""Who receives a notification (接收人) and how to reach them.

Workflows only carry recipient ids (supervisor ids, cadre ids, a recipient's key); a
:class:`Directory` turns them into :class:`Recipient` records with a language and the
addresses each channel needs (email, mobile, group-robot webhook).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warmth.notify.templates import Language

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


class Recipient(BaseModel):
    """A person (or a group) that receives notifications.

    ``phone`` is a mainland mobile (手机号), normalised to its 11 digits; ``webhook`` is
    the URL of a group robot (群机器人) that reaches this person, when they have one.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    name: str = ""
    language: Language = "zh"
    email: str | None = None
    phone: str | None = None
    webhook: str | None = None

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError(f"not an email address: {value!r}")
        return value

    @field_validator("phone")
    @classmethod
    def _check_phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        found = _MOBILE.match(re.sub(r"[\s-]", "", value))
        if found is None:
            raise ValueError("not an 11-digit mainland mobile number")
        return found.group(1)

    @field_validator("webhook")
    @classmethod
    def _check_webhook(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("a webhook must be an http(s) URL")
        return value.strip()

    @property
    def display_name(self) -> str:
        return self.name or self.id


class Directory(Protocol):
    """Resolves recipient ids to :class:`Recipient` records (通讯录)."""

    def resolve(self, ids: Sequence[str]) -> list[Recipient]:
        """The recipients for ``ids``, in order, each id once."""
        ...


class _Named(Protocol):
    """Anything with an id and a name, e.g. a plan's ``Supervisor`` or an ``Approver``."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


class StaticDirectory:
    """An in-memory directory, e.g. built from a plan's supervisors plus a contacts list.

    Unknown ids resolve to a bare recipient (no addresses, ``default_language``) so the
    log channel keeps working; pass ``strict=True`` to raise :class:`KeyError` instead.
    """

    def __init__(
        self,
        recipients: Iterable[Recipient] = (),
        *,
        default_language: Language = "zh",
        strict: bool = False,
    ) -> None:
        self._by_id: dict[str, Recipient] = {r.id: r for r in recipients}
        self._default_language: Language = default_language
        self._strict = strict

    @classmethod
    def from_people(
        cls,
        people: Iterable[_Named],
        contacts: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        default_language: Language = "zh",
        strict: bool = False,
    ) -> StaticDirectory:
        """Plan-backed: one recipient per person (``plan.supervisors``), with contact details.

        ``contacts`` maps an id to fields of :class:`Recipient` (``email``, ``phone``,
        ``webhook``, ``language``, ``name``); ids only in ``contacts`` are added too.
        """
        contacts = contacts or {}
        merged: dict[str, dict[str, Any]] = {}
        for person in people:
            merged[person.id] = {"id": person.id, "name": person.name}
        for person_id, fields in contacts.items():
            merged.setdefault(person_id, {"id": person_id})
            merged[person_id].update({k: v for k, v in fields.items() if k != "id"})
        recipients = [
            Recipient.model_validate({"language": default_language, **fields})
            for fields in merged.values()
        ]
        return cls(recipients, default_language=default_language, strict=strict)

    def add(self, recipient: Recipient) -> None:
        self._by_id[recipient.id] = recipient

    def get(self, recipient_id: str) -> Recipient | None:
        return self._by_id.get(recipient_id)

    def resolve(self, ids: Sequence[str]) -> list[Recipient]:
        out: list[Recipient] = []
        seen: set[str] = set()
        for recipient_id in ids:
            if recipient_id in seen:
                continue
            seen.add(recipient_id)
            found = self._by_id.get(recipient_id)
            if found is None:
                if self._strict:
                    raise KeyError(f"unknown notification recipient {recipient_id!r}")
                found = Recipient(
                    id=recipient_id, name=recipient_id, language=self._default_language
                )
            out.append(found)
        return out

    def __len__(self) -> int:
        return len(self._by_id)
