"""Delivery checklists (实物发放签收表): one workbook per community for in-kind items.

Each row is a household (masked name, ID number and phone; address), one column per
in-kind item with the quantity issued, and three columns the community fills in when
delivering: 签收人 (who signed), 签收日期 (date) and 凭证 (proof: a photo or receipt
number). The filled workbook is read back by :func:`read_checklist` and confirmed by
:func:`warmth.payments.confirm.confirm_from_checklist`.

A row is tied to its household by the reference (参考号), a short hash of the campaign
and the person key — the sheet carries no ID number in clear. An item column's header
ends with the item code in brackets (``节日礼包（份）[package]``); clearing a quantity
means that item was not delivered.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from warmth.domain.errors import WarmthError
from warmth.domain.ids import mask_id, mask_name, mask_phone
from warmth.domain.plan import CampaignPlan
from warmth.payments.bank import file_part
from warmth.roster.export import safe_row
from warmth.roster.reader import detect_encoding
from warmth.store.deliveries import in_kind_rows

SEQ: Final = "序号"
REFERENCE: Final = "参考号"
NAME: Final = "姓名"
ID_NUMBER: Final = "公民身份号码"
PHONE: Final = "联系电话"
ADDRESS: Final = "居住地址"
SIGNED_BY: Final = "签收人"
SIGNED_ON: Final = "签收日期"
PROOF: Final = "凭证"
LEADING: Final = (SEQ, REFERENCE, NAME, ID_NUMBER, PHONE, ADDRESS)
TRAILING: Final = (SIGNED_BY, SIGNED_ON, PROOF)
_ITEM_CODE = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9._-]{0,63})\]\s*$")
_HEADER_SCAN = 10


class ChecklistError(WarmthError):
    """A file that is not a delivery checklist (no 参考号/签收人 header, unreadable)."""


def household_reference(campaign_id: str, person_key: str) -> str:
    """The checklist reference (参考号) of a household: 12 hex digits, upper case."""
    return hashlib.sha256(f"{campaign_id}:{person_key}".encode()).hexdigest()[:12].upper()


def item_header(name: str, unit: str, code: str) -> str:
    return f"{name}（{unit}）[{code}]"


def checklist_file_name(campaign_id: str, district: str, street: str, community: str) -> str:
    parts = "-".join(file_part(p) for p in (district, street, community))
    return f"{file_part(campaign_id)}-checklist-{parts}.xlsx"


@dataclass
class _Household:
    reference: str
    name: str
    id_number: str
    phone: str | None
    address: str | None
    quantities: dict[str, int] = field(default_factory=dict)
    outstanding: bool = False


def write_checklists(
    engine: Engine,
    campaign_id: str,
    plan: CampaignPlan,
    out_dir: Path,
    *,
    scope: str = "",
    outstanding_only: bool = False,
) -> list[Path]:
    """Write a checklist for each community with in-kind items issued; return their paths.

    Communities come in the plan's order; households in reference order. ``scope``
    (a jurisdiction path) limits the communities written; ``outstanding_only`` leaves out
    the households whose every item is confirmed already.
    """
    items = [i for i in plan.items if i.kind == "in_kind"]
    known = {i.code for i in items}
    places: dict[tuple[str, str, str], dict[str, _Household]] = {}
    extra_items: list[str] = []
    with engine.connect() as conn:
        for r in in_kind_rows(conn, campaign_id):
            place = (str(r.district), str(r.street), str(r.community))
            if not _within(scope, place):
                continue
            key = str(r.person_key)
            house = places.setdefault(place, {}).get(key)
            if house is None:
                house = places[place][key] = _Household(
                    reference=household_reference(campaign_id, key),
                    name=str(r.name),
                    id_number=str(r.id_number),
                    phone=r.phone,
                    address=r.address,
                )
            house.quantities[str(r.item)] = int(r.quantity)
            house.outstanding = house.outstanding or r.status != "confirmed"
            if r.item not in known and r.item not in extra_items:
                extra_items.append(str(r.item))  # issued under an item no longer in the plan
    headers = [item_header(i.name, i.unit, i.code) for i in items]
    headers += [item_header(code, "份", code) for code in extra_items]
    codes = [i.code for i in items] + extra_items
    order = {c: n for n, c in enumerate(plan.jurisdiction.communities())}
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for place in sorted(places, key=lambda p: (order.get(p, len(order)), p)):
        houses = sorted(places[place].values(), key=lambda h: h.reference)
        if outstanding_only:
            houses = [h for h in houses if h.outstanding]
        if not houses:
            continue
        used = [n for n, c in enumerate(codes) if any(c in h.quantities for h in houses)]
        path = out_dir / checklist_file_name(campaign_id, *place)
        _write(path, plan, place, [headers[n] for n in used], [codes[n] for n in used], houses)
        paths.append(path)
    return paths


def _within(scope: str, place: tuple[str, str, str]) -> bool:
    if not scope:
        return True
    parts = scope.split("/")
    return list(place[: len(parts)]) == parts


def _write(
    path: Path,
    plan: CampaignPlan,
    place: tuple[str, str, str],
    item_headers: list[str],
    codes: list[str],
    houses: list[_Household],
) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(place[2]))
    widths = [6, 14, 10, 22, 15, 30, *([16] * len(item_headers)), 12, 14, 20]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(safe_row([f"{plan.name} 实物发放签收表 — {'/'.join(place)}"]))
    sheet.append(safe_row([*LEADING, *item_headers, *TRAILING]))
    for n, h in enumerate(houses, start=1):
        sheet.append(
            safe_row(
                [
                    n,
                    h.reference,
                    mask_name(h.name),
                    mask_id(h.id_number),
                    mask_phone(h.phone) if h.phone else "",
                    h.address or "",
                    *(h.quantities.get(c) for c in codes),
                    None,
                    None,
                    None,
                ]
            )
        )
    workbook.save(os.fspath(path))


def _sheet_title(name: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    return cleaned or "签收表"


# ---- reading a filled checklist back -----------------------------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    """One data row of a filled checklist (``row`` counts from 1 under the header, as 序号)."""

    row: int
    reference: str
    quantities: dict[str, str]  # item code -> the cell's text ("" when cleared)
    signed_by: str
    signed_on: date | str | None  # a date, the text of an unreadable date, or None
    proof: str


def read_checklist(path: Path) -> list[ChecklistRow]:
    """The data rows of a checklist (.xlsx as written, or .csv saved from it)."""
    rows = iter(_cells(path))
    header: list[str] | None = None
    for _ in range(_HEADER_SCAN):
        candidate = next(rows, None)
        if candidate is None:
            break
        texts = [_text(c) for c in candidate]
        if REFERENCE in texts and SIGNED_BY in texts:
            header = texts
            break
    if header is None:
        raise ChecklistError(
            f"{path.name} is not a delivery checklist: no header with {REFERENCE} and {SIGNED_BY}"
        )
    col = {name: n for n, name in reversed(list(enumerate(header))) if name}
    items = {n: m.group(1) for n, name in enumerate(header) if (m := _ITEM_CODE.search(name))}
    out: list[ChecklistRow] = []
    for number, cells in enumerate(rows, start=1):
        if all(_text(c) == "" for c in cells):
            continue

        def cell(name: str, cells: list[Any] = cells) -> Any:
            n = col.get(name)
            return cells[n] if n is not None and n < len(cells) else None

        out.append(
            ChecklistRow(
                row=number,
                reference=_text(cell(REFERENCE)).upper(),
                quantities={
                    code: _text(cells[n]) if n < len(cells) else "" for n, code in items.items()
                },
                signed_by=_text(cell(SIGNED_BY)),
                signed_on=_date(cell(SIGNED_ON)),
                proof=_text(cell(PROOF)),
            )
        )
    return out


def _cells(path: Path) -> Iterator[list[Any]]:
    if not path.is_file():
        raise ChecklistError(f"no file {path}")
    if path.suffix.lower() == ".csv":  # saved from the workbook by Excel or WPS: UTF-8 or GBK
        encoding = detect_encoding(path)
        try:
            with path.open(encoding=encoding, newline="") as handle:
                yield from (list(r) for r in csv.reader(handle))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ChecklistError(f"cannot read {path.name} as {encoding} CSV: {exc}") from None
        return
    try:
        workbook = load_workbook(os.fspath(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, XML and KeyError alike
        raise ChecklistError(f"cannot read {path.name}: not an .xlsx workbook ({exc})") from None
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text  # the formula guard of safe_cell


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value: Any) -> date | str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    m = _DATE.match(text.split(" ")[0] if " " in text and "年" not in text else text)
    if m is None:
        return text
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return text
