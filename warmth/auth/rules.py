"""Roles, users and what each may do (谁能做什么). Pure: no store, no Temporal.

Five roles, each with a jurisdiction scope (辖区) — a path in the campaign's tree:
``""`` the whole city, ``"东湖区"`` a district, ``"东湖区/梅园街道"`` a street.

| role | Chinese | may |
|---|---|---|
| ``ops`` | 民政局工作人员 / 经办人 | import rosters, change, read — within scope |
| ``supervisor`` | 分管领导 | approve gates, change, read — within scope |
| ``cadre`` | 包保人 | import rosters, change, read — within scope |
| ``caller`` | 回访员 | change (record callbacks), read — within scope |
| ``auditor`` | 审计 / 监督 | read everything, change nothing |

An auditor's role is a veto: a user holding ``auditor`` (even with another role)
may not approve, import or change anything (separation of duties, 审计独立).

This module is deterministic and safe to import inside the workflow sandbox;
:func:`allowed` works on a :class:`User` and on verified :class:`~warmth.auth.claims.Claims`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warmth.domain.errors import WarmthError
from warmth.domain.jurisdiction import CITY_SCOPE, scope_covers

USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class Role(StrEnum):
    OPS = "ops"
    SUPERVISOR = "supervisor"
    CADRE = "cadre"
    CALLER = "caller"
    AUDITOR = "auditor"

    @property
    def label_zh(self) -> str:
        return _ROLE_ZH[self]


_ROLE_ZH = {
    Role.OPS: "经办人",
    Role.SUPERVISOR: "分管领导",
    Role.CADRE: "包保人",
    Role.CALLER: "回访员",
    Role.AUDITOR: "审计",
}


class Action(StrEnum):
    APPROVE = "approve"  # decide a gate (审批)
    IMPORT = "import"  # submit a roster (导入花名册)
    READ = "read"  # status, lists, reports (查看)
    CHANGE = "change"  # any other write: start, record, correct (变更)


class Unauthorized(WarmthError):
    """No valid identity: unknown or revoked token, disabled user (身份无效)."""


class Forbidden(WarmthError):
    """A known user asking for something their roles or jurisdiction do not allow (无权限)."""


def check_scope(scope: str) -> str:
    """``scope`` if it is a well-formed path (``""`` or ``a/b/c``, no empty or padded parts)."""
    if scope == CITY_SCOPE:
        return scope
    parts = scope.split("/")
    if len(parts) > 3 or any(not p or p != p.strip() for p in parts):
        raise ValueError(
            f"scope {scope!r} is not a jurisdiction path: use '' for the whole city,"
            " '区', '区/街道' or '区/街道/社区'"
        )
    return scope


def check_roles(roles: Sequence[Role | str]) -> tuple[Role, ...]:
    """Known, de-duplicated roles in the given order; at least one."""
    known = {r.value for r in Role}
    unknown = [str(r) for r in roles if str(r) not in known]
    if unknown:
        raise ValueError(
            f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(r.value for r in Role)}"
        )
    out = tuple(dict.fromkeys(Role(str(r)) for r in roles))
    if not out:
        raise ValueError("a user needs at least one role")
    return out


class Principal(Protocol):
    """Anyone acting: a stored :class:`User` or verified claims inside a workflow."""

    @property
    def roles(self) -> tuple[Role, ...]: ...

    @property
    def scope(self) -> str: ...


class User(BaseModel):
    """A person who uses Warmth (用户): id, name, roles and jurisdiction scope."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=USER_ID.pattern)
    name: str = Field(min_length=1)
    roles: tuple[Role, ...] = Field(min_length=1)
    scope: str = CITY_SCOPE
    disabled: bool = False
    created_at: datetime

    @field_validator("roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> tuple[Role, ...]:
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise ValueError("roles must be a list")
        return check_roles(list(value))

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        return check_scope(value)

    def has(self, role: Role) -> bool:
        return role in self.roles


def _disabled(principal: Principal) -> bool:
    return bool(getattr(principal, "disabled", False))


def allowed(principal: Principal, action: Action | str, scope: str) -> bool:
    """Whether ``principal`` may do ``action`` on jurisdiction ``scope``.

    - approve: a supervisor whose scope covers ``scope``;
    - import: ops or cadre, within scope;
    - read: any role within scope; an auditor reads everything;
    - change: any role but auditor, within scope.

    Holding ``auditor`` forbids approve, import and change whatever other roles are held;
    a disabled user may do nothing.
    """
    act = Action(action)
    roles = set(principal.roles)
    if _disabled(principal) or not roles:
        return False
    auditor = Role.AUDITOR in roles
    within = scope_covers(principal.scope, scope)
    if act is Action.READ:
        return auditor or within
    if auditor or not within:
        return False
    if act is Action.APPROVE:
        return Role.SUPERVISOR in roles
    if act is Action.IMPORT:
        return bool(roles & {Role.OPS, Role.CADRE})
    return True  # CHANGE


def authorize(principal: Principal, action: Action | str, scope: str) -> None:
    """Raise :class:`Forbidden` with a one-line reason unless :func:`allowed`."""
    if allowed(principal, action, scope):
        return
    act = Action(action)
    who = getattr(principal, "id", None) or getattr(principal, "user_id", "?")
    where = scope or "the whole city"
    mine = principal.scope or "the whole city"
    roles = ", ".join(r.value for r in principal.roles) or "none"
    if _disabled(principal):
        reason = "the user is disabled"
    elif Role.AUDITOR in principal.roles and act is not Action.READ:
        reason = "an auditor reads but changes nothing"
    elif act is not Action.READ and not _role_fits(principal.roles, act):
        needed = {Action.APPROVE: "supervisor", Action.IMPORT: "ops or cadre"}.get(act, "a role")
        reason = f"{act.value} needs {needed} (roles: {roles})"
    else:
        reason = f"{where} is outside {who}'s jurisdiction ({mine})"
    raise Forbidden(f"{who} may not {act.value} {where}: {reason}")


def _role_fits(roles: Sequence[Role], act: Action) -> bool:
    if act is Action.APPROVE:
        return Role.SUPERVISOR in roles
    if act is Action.IMPORT:
        return Role.OPS in roles or Role.CADRE in roles
    return bool(roles)
