"""Who may do what: each role within and outside its jurisdiction; the auditor's veto."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warmth.auth.claims import make_claims
from warmth.auth.identity import Action, Forbidden, User, allowed, authorize

AT = datetime(2026, 12, 1, tzinfo=UTC)
HOME = "东湖区/梅园街道"
INSIDE = "东湖区/梅园街道/红旗社区"
OUTSIDE = "西湖区"


def user(*roles: str, scope: str = HOME, disabled: bool = False) -> User:
    return User(
        id="u1", name="用户", roles=list(roles), scope=scope, disabled=disabled, created_at=AT
    )


# (roles, action, scope) -> allowed
CASES = [
    (("supervisor",), "approve", INSIDE, True),
    (("supervisor",), "approve", HOME, True),
    (("supervisor",), "approve", "东湖区", False),  # above their level
    (("supervisor",), "approve", OUTSIDE, False),
    (("ops",), "approve", INSIDE, False),
    (("ops",), "import", INSIDE, True),
    (("cadre",), "import", INSIDE, True),
    (("cadre",), "import", OUTSIDE, False),
    (("supervisor",), "import", INSIDE, False),
    (("caller",), "import", INSIDE, False),
    (("caller",), "change", INSIDE, True),
    (("caller",), "change", OUTSIDE, False),
    (("ops",), "change", HOME, True),
    (("caller",), "read", INSIDE, True),
    (("caller",), "read", OUTSIDE, False),
    (("auditor",), "read", OUTSIDE, True),
    (("auditor",), "read", "", True),
    (("auditor",), "change", INSIDE, False),
    (("auditor",), "import", INSIDE, False),
    (("auditor",), "approve", INSIDE, False),
    (("auditor", "supervisor"), "approve", INSIDE, False),  # the auditor's veto
    (("auditor", "ops"), "read", OUTSIDE, True),
]


@pytest.mark.parametrize(("roles", "action", "scope", "expected"), CASES)
def test_roles_and_jurisdiction(
    roles: tuple[str, ...], action: str, scope: str, expected: bool
) -> None:
    assert allowed(user(*roles), action, scope) is expected
    claims = make_claims("u1", roles, HOME, AT)  # claims obey the same rules
    assert allowed(claims, action, scope) is expected


def test_a_city_wide_user_covers_every_district() -> None:
    city = user("supervisor", "ops", scope="")
    assert all(allowed(city, a, OUTSIDE) for a in ("approve", "import", "change", "read"))


def test_a_disabled_user_may_do_nothing() -> None:
    gone = user("supervisor", "ops", scope="", disabled=True)
    assert not any(allowed(gone, a, INSIDE) for a in Action)
    with pytest.raises(Forbidden, match="disabled"):
        authorize(gone, "read", INSIDE)


@pytest.mark.parametrize(
    ("roles", "action", "scope", "message"),
    [
        (("ops",), "approve", INSIDE, "approve needs supervisor"),
        (("caller",), "import", INSIDE, "import needs ops or cadre"),
        (("supervisor",), "approve", OUTSIDE, "西湖区 is outside u1's jurisdiction"),
        (("auditor",), "change", INSIDE, "an auditor reads but changes nothing"),
    ],
)
def test_authorize_says_why_not(
    roles: tuple[str, ...], action: str, scope: str, message: str
) -> None:
    with pytest.raises(Forbidden, match=message):
        authorize(user(*roles), action, scope)


def test_authorize_passes_silently_and_unknown_actions_are_errors() -> None:
    authorize(user("supervisor"), Action.APPROVE, INSIDE)
    with pytest.raises(ValueError):
        allowed(user("ops"), "delete", INSIDE)
