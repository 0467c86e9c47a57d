"""Confirming deliveries (签收 / 到账确认), one at a time or from a filled checklist.

A confirmation is the ledger fact ``<campaign>:<person>:<item>:confirmed``
(``DeliveryConfirmed``) recorded with the deliveries row's status, date, recorder and
proof in one transaction. Confirming something never issued is refused; confirming
it again records nothing and says so. On PostgreSQL a concurrent duplicate fails the
ledger's unique constraint; the transaction is retried and then finds the fact.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, select

from warmth.auth.rules import Action, Principal, allowed, authorize
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.ids import mask_id, normalize_id
from warmth.domain.plan import CampaignPlan
from warmth.intake import file_digest
from warmth.payments.checklist import ChecklistRow, household_reference, read_checklist
from warmth.store import deliveries as store
from warmth.store.campaigns import get_plan
from warmth.store.ledger import as_utc
from warmth.store.schema import deliveries, households
from warmth.store.sql import retrying

_ID = re.compile(r"^[0-9]{17}[0-9X]$")


class NotIssued(NotFound):
    """A confirmation of an item that was never issued to the person (未发放, 无从签收)."""


class UnknownPerson(NotFound):
    """No household of the campaign has this ID number or person key."""


class ConfirmResult(BaseModel):
    """What a confirmation did: ``recorded`` False means it was confirmed before."""

    campaign_id: str
    person_key: str
    item: str
    kind: str
    district: str
    community: str
    recorded: bool
    confirmed_at: datetime
    confirmed_by: str
    proof: str
    message: str


class RowProblem(BaseModel):
    """A checklist row that was not confirmed, and why (Chinese / English)."""

    row: int
    reference: str
    reason: str


class ChecklistReport(BaseModel):
    """What a checklist import did. Counts of rows, then of (person, item) confirmations."""

    campaign_id: str
    file_name: str
    rows: int
    signed_rows: int
    unsigned_rows: int
    confirmed: int  # new confirmations recorded now
    already_confirmed: int  # confirmations found in the ledger (a re-import adds nothing)
    problems: list[RowProblem]


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise Rejected(f"the confirmation time {at.isoformat()} needs a time zone")
    return at.astimezone(UTC)


def confirm_delivery(
    engine: Engine,
    campaign_id: str,
    person_key_or_id_number: str,
    item: str,
    by: str,
    proof: str,
    at: datetime,
    *,
    signed_by: str | None = None,
    principal: Principal | None = None,
    label: str | None = None,
) -> ConfirmResult:
    """Confirm that ``item`` issued to a person was delivered (or paid), with proof.

    The person is named by their person key or their ID number (``label``: how messages
    name them, by default the masked ID number or the key's first characters). ``by``
    is the user recording it, ``at`` when it was delivered, ``signed_by`` who signed.
    Raises :class:`NotFound` for an unknown campaign, :class:`UnknownPerson`,
    :class:`NotIssued` for an item never issued to them, :class:`Rejected` without
    proof or for a date before the issue, and :class:`~warmth.auth.rules.Forbidden`
    when ``principal`` may not change the household's community.
    """
    proof = proof.strip()
    if not proof:
        raise Rejected("a confirmation needs proof (凭证): a receipt number, a photo, a sheet")
    when = _aware(at)
    zone = get_plan(engine, campaign_id).zone  # NotFound for an unknown campaign
    with engine.connect() as conn:
        key, shown = _person(conn, campaign_id, person_key_or_id_number, label)

    def work(conn: Connection) -> ConfirmResult:
        row = store.delivery(conn, campaign_id, key, item)
        if row is None:
            raise NotIssued(
                f"{item} was never issued to {shown} in campaign {campaign_id}: nothing to confirm"
            )
        if principal is not None:
            authorize(principal, Action.CHANGE, f"{row.district}/{row.street}/{row.community}")
        issued = as_utc(row.issued_at).astimezone(zone).date()
        if when.astimezone(zone).date() < issued:
            raise Rejected(
                f"{item} was issued to {shown} on {issued.isoformat()}: it cannot have been"
                f" delivered on {when.astimezone(zone).date().isoformat()}"
            )
        c = store.confirm(conn, campaign_id, row, by=by, proof=proof, at=when, signed_by=signed_by)
        return _result(campaign_id, c, shown)

    return retrying(engine, work)


def _person(conn: Connection, campaign_id: str, ref: str, label: str | None) -> tuple[str, str]:
    """(person key, how to name the person in a message) for a person key or ID number."""
    text = ref.strip()
    id_number = normalize_id(text)
    if _ID.match(id_number):
        key = store.person_by_id_number(conn, campaign_id, id_number)
        shown = label or f"the person with ID number {mask_id(id_number)}"
        if key is None:
            raise UnknownPerson(
                f"no household with ID number {mask_id(id_number)} in {campaign_id}"
            )
        return key, shown
    shown = label or f"person {text[:8]}…"
    found = conn.execute(
        select(households.c.person_key).where(
            households.c.campaign_id == campaign_id, households.c.person_key == text
        )
    ).first()
    if found is None:
        # An issue may outlive its household row only in a damaged store; look there too.
        found = conn.execute(
            select(deliveries.c.person_key).where(
                deliveries.c.campaign_id == campaign_id, deliveries.c.person_key == text
            )
        ).first()
    if found is None:
        raise UnknownPerson(f"no household {shown} in {campaign_id}")
    return text, shown


def _result(campaign_id: str, c: store.Confirmation, shown: str) -> ConfirmResult:
    when = c.confirmed_at.isoformat()
    message = (
        f"confirmed {c.item} for {shown} at {when} by {c.confirmed_by} (proof {c.proof})"
        if c.recorded
        else f"{c.item} for {shown} was confirmed already at {when} by {c.confirmed_by}"
        f" (proof {c.proof}); nothing new recorded"
    )
    return ConfirmResult(
        campaign_id=campaign_id,
        person_key=c.person_key,
        item=c.item,
        kind=c.kind,
        district=c.district,
        community=c.community,
        recorded=c.recorded,
        confirmed_at=c.confirmed_at,
        confirmed_by=c.confirmed_by,
        proof=c.proof,
        message=message,
    )


# ---- bulk: a filled checklist ------------------------------------------------------------------


def confirm_from_checklist(
    engine: Engine,
    campaign_id: str,
    path: Path,
    by: str,
    *,
    at: datetime | None = None,
    principal: Principal | None = None,
) -> ChecklistReport:
    """Confirm every signed row (签收人 filled) of a checklist from :func:`write_checklists`.

    A row confirms the items whose quantity cells still hold the issued quantity, on its
    签收日期 (read in the plan's time zone), with its 凭证 or, when blank, the sheet's
    name and row as proof. A row with any problem (unknown reference, no or bad date,
    a date before the issue or after ``at``, a quantity differing from the issue, an item
    never issued, outside ``principal``'s jurisdiction) is reported and confirms nothing;
    the other rows are confirmed. Importing the same sheet again records nothing new.
    """
    plan = get_plan(engine, campaign_id)
    now = _aware(at) if at is not None else datetime.now(UTC)
    rows = read_checklist(path)
    digest = file_digest(path)
    signed = [r for r in rows if r.signed_by]
    with engine.connect() as conn:
        people = _people(conn, campaign_id)
    problems: list[RowProblem] = []
    good: list[tuple[ChecklistRow, str, list[str], datetime]] = []
    for r in signed:
        found = people.get(r.reference)
        if found is None:
            problems.append(_problem(r, "参考号不存在 / unknown reference"))
            continue
        key, place, issued = found
        checked = _check_row(r, plan, issued, now, principal, place)
        if isinstance(checked, str):
            problems.append(_problem(r, checked))
            continue
        good.append((r, key, checked[0], checked[1]))

    def work(conn: Connection) -> tuple[int, int]:
        new = old = 0
        for r, key, items, when in good:
            proof = r.proof or f"签收表 {path.name} ({digest}) 第{r.row}行"
            for item in items:
                row = store.delivery(conn, campaign_id, key, item)
                if row is None:  # vanished since the check: cannot happen, never confirm blindly
                    raise NotIssued(f"{item} is no longer issued to row {r.row}'s household")
                c = store.confirm(
                    conn,
                    campaign_id,
                    row,
                    by=by,
                    proof=proof,
                    at=when,
                    signed_by=r.signed_by,
                    source="checklist",
                )
                new, old = (new + 1, old) if c.recorded else (new, old + 1)
        return new, old

    new, old = retrying(engine, work) if good else (0, 0)
    return ChecklistReport(
        campaign_id=campaign_id,
        file_name=path.name,
        rows=len(rows),
        signed_rows=len(signed),
        unsigned_rows=len(rows) - len(signed),
        confirmed=new,
        already_confirmed=old,
        problems=sorted(problems, key=lambda p: p.row),
    )


_Issued = dict[str, tuple[int, datetime]]  # item -> (quantity, issued at)


def _people(conn: Connection, campaign_id: str) -> dict[str, tuple[str, str, _Issued]]:
    """Checklist reference -> (person key, community path, in-kind items issued)."""
    out: dict[str, tuple[str, str, _Issued]] = {}
    query = (
        select(
            deliveries.c.person_key,
            deliveries.c.item,
            deliveries.c.quantity,
            deliveries.c.issued_at,
            households.c.district,
            households.c.street,
            households.c.community,
        )
        .join(
            households,
            (households.c.campaign_id == deliveries.c.campaign_id)
            & (households.c.person_key == deliveries.c.person_key),
        )
        .where(deliveries.c.campaign_id == campaign_id, deliveries.c.kind == "in_kind")
    )
    for r in conn.execute(query):
        key = str(r.person_key)
        ref = household_reference(campaign_id, key)
        entry = out.setdefault(ref, (key, f"{r.district}/{r.street}/{r.community}", {}))
        entry[2][str(r.item)] = (int(r.quantity), as_utc(r.issued_at))
    return out


def _check_row(
    r: ChecklistRow,
    plan: CampaignPlan,
    issued: _Issued,
    now: datetime,
    principal: Principal | None,
    place: str,
) -> tuple[list[str], datetime] | str:
    """(items to confirm, when) or the reason the row is refused."""
    if principal is not None and not allowed(principal, Action.CHANGE, place):
        return f"不在您的辖区 / {place} is outside your jurisdiction"
    if r.signed_on is None:
        return "缺少签收日期 / 签收日期 is empty"
    if isinstance(r.signed_on, str):
        return f"签收日期无法识别 / cannot read the date {r.signed_on!r} (use 2026-01-05)"
    zone = plan.zone
    when = datetime.combine(r.signed_on, time(0), tzinfo=zone).astimezone(UTC)
    if when > now:
        return f"签收日期晚于今天 / {r.signed_on.isoformat()} is in the future"
    items: list[str] = []
    for code, text in r.quantities.items():
        if text in ("", "0"):
            continue  # cleared: not delivered
        got = issued.get(code)
        if got is None:
            return f"未发放{code} / {code} was never issued to this household"
        quantity, issued_at = got
        if not text.isdigit() or int(text) != quantity:
            return f"{code}数量与发放记录不符 / {code}: {text!r} is not the {quantity} issued"
        day = issued_at.astimezone(zone).date()
        if r.signed_on < day:
            return (
                f"签收日期早于发放日期 / {r.signed_on.isoformat()} is before the issue"
                f" ({day.isoformat()})"
            )
        items.append(code)
    if not items:
        return "没有签收的物资 / no item left with a quantity on this row"
    return items, when


def _problem(r: ChecklistRow, reason: str) -> RowProblem:
    return RowProblem(row=r.row, reference=r.reference, reason=reason)
