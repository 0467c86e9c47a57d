"""Roster intake (花名册报送): check a file and stage its rows for a campaign.

Used alike by the survey's staging activity (files given when the campaign starts)
and by ``warmth roster import`` (a unit submitting during the survey). Staging is
keyed by the file's content hash and row: submitting the same file twice changes
nothing. Staged rows count only once the campaign accepts the import (an update
that the survey refuses after its deadline), and households are registered from
accepted imports alone — so a late file can never half-enter a closed roster.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, select, update

from warmth.domain.events import EventType, LedgerEvent, campaign_stream
from warmth.domain.people import person_key
from warmth.domain.plan import CampaignPlan
from warmth.roster import RosterValidator, RowError, read_rows
from warmth.store import ledger
from warmth.store.schema import roster_imports, roster_rejections, roster_staging
from warmth.store.sql import insert_ignore, insert_values, paused_gc
from warmth.store.survey import same_import

FLUSH_ROWS = 1000  # rows between two progress reports
WRITE_ROWS = 10_000  # rows validated between two writes (transactions) to the store
_STAGING_COLUMNS = (
    "campaign_id",
    "import_id",
    "row",
    "district",
    "street",
    "community",
    "person_key",
    "record",
)
_REJECTION_COLUMNS = ("campaign_id", "import_id", "row", "field", "reason")
_DISTRICT, _KEY = _STAGING_COLUMNS.index("district"), _STAGING_COLUMNS.index("person_key")
Progress = Callable[[int], None]


class ImportReport(BaseModel):
    """What one file brought: counts, and the first rejected rows with reasons."""

    import_id: str
    file_name: str
    unit: str
    rows: int
    accepted: int
    rejected_rows: int
    duplicates: int  # accepted rows of a person already staged (merged at registration)
    people: int  # distinct persons in this file
    by_district: dict[str, int]
    rejected: list[RowError]
    already_imported: bool = False
    status: str = "staged"


def file_digest(path: Path) -> str:
    """The import id: a content hash, so the same file is the same import."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def stage_file(
    engine: Engine,
    secret: bytes,
    campaign_id: str,
    plan: CampaignPlan,
    path: Path,
    *,
    unit: str,
    actor: str,
    at: datetime,
    encoding: str | None = None,
    progress: Progress | None = None,
    max_rejections_reported: int = 1000,
) -> ImportReport:
    """Check ``path`` and stage its accepted rows; rejections are stored with reasons."""
    import_id = file_digest(path)
    with engine.connect() as conn:
        known = conn.execute(
            select(roster_imports).where(
                roster_imports.c.campaign_id == campaign_id,
                roster_imports.c.import_id == import_id,
            )
        ).first()
    validator = RosterValidator(plan.categories, list(plan.jurisdiction.communities()))
    rows = accepted = rejected_rows = duplicates = 0
    seen: set[str] = set()
    by_district: Counter[str] = Counter()
    reported: list[RowError] = []
    staged: list[tuple[Any, ...]] = []  # in _STAGING_COLUMNS order
    rejections: list[tuple[Any, ...]] = []  # in _REJECTION_COLUMNS order

    districts: list[str] | None = None  # where other imports' rows may be; read once

    def flush() -> None:
        nonlocal duplicates, districts
        if staged:
            found, districts = _count_known(engine, campaign_id, import_id, staged, plan, districts)
            duplicates += found
        if known is None:
            with engine.begin() as conn:
                insert_values(conn, roster_staging, _STAGING_COLUMNS, staged, ignore_existing=True)
                insert_values(
                    conn, roster_rejections, _REJECTION_COLUMNS, rejections, ignore_existing=True
                )
        staged.clear()
        rejections.clear()

    with paused_gc():
        for number, raw in read_rows(path, encoding):
            rows += 1
            outcome = validator.validate_fields(number, raw)
            if isinstance(outcome, dict):
                accepted += 1
                key = person_key(secret, outcome["id_number"])
                if key in seen:
                    duplicates += 1
                seen.add(key)
                by_district[outcome["district"]] += 1
                if not outcome["reporting_unit"]:
                    outcome["reporting_unit"] = unit
                staged.append(
                    (
                        campaign_id,
                        import_id,
                        number,
                        outcome["district"],
                        outcome["street"],
                        outcome["community"],
                        key,
                        outcome,
                    )
                )
            else:
                rejected_rows += 1
                for error in outcome:
                    if len(reported) < max_rejections_reported:
                        reported.append(error)
                    rejections.append(
                        (campaign_id, import_id, error.row, error.field, error.reason)
                    )
            if rows % WRITE_ROWS == 0:
                flush()
            if progress is not None and rows % FLUSH_ROWS == 0:
                progress(rows)
        flush()
    if progress is not None:
        progress(rows)
    report = ImportReport(
        import_id=import_id,
        file_name=path.name,
        unit=unit,
        rows=rows,
        accepted=accepted,
        rejected_rows=rejected_rows,
        duplicates=duplicates,
        people=len(seen),
        by_district=dict(sorted(by_district.items())),
        rejected=reported,
        already_imported=known is not None,
        status=str(known.status) if known is not None else "staged",
    )
    if known is None:
        _record_import(engine, campaign_id, report, actor, at)
    return report


def _count_known(
    engine: Engine,
    campaign_id: str,
    import_id: str,
    staged: list[tuple[Any, ...]],
    plan: CampaignPlan,
    districts: list[str] | None,
) -> tuple[int, list[str] | None]:
    """Rows of this batch whose person is already staged by another, not refused, import.

    Also returns the districts to search, read on first need and passed back in:
    the lookup names them so that it runs on the (campaign, district, person key)
    index instead of scanning every staged row of the campaign for each batch.
    While no other import is recorded (a campaign's first file) nothing is searched.
    """
    keys = list({r[_KEY] for r in staged})
    found: set[str] = set()
    with engine.connect() as conn:
        other = conn.execute(
            select(roster_imports.c.import_id)
            .where(
                roster_imports.c.campaign_id == campaign_id,
                roster_imports.c.import_id != import_id,
                roster_imports.c.status != "refused",
            )
            .limit(1)
        ).first()
        if other is None:
            return 0, districts
        if districts is None:
            # Rows are staged with the plan's spelling of districts; the distinct
            # districts already staged are added in case the plan was different then.
            districts = list(
                dict.fromkeys(
                    [
                        *plan.jurisdiction.district_names(),
                        *(
                            str(d)
                            for (d,) in conn.execute(
                                select(roster_staging.c.district)
                                .where(roster_staging.c.campaign_id == campaign_id)
                                .distinct()
                            )
                        ),
                    ]
                )
            )
        wanted = list(dict.fromkeys([*districts, *(r[_DISTRICT] for r in staged)]))
        for part in ledger.chunks(keys):
            found.update(
                str(k)
                for (k,) in conn.execute(
                    select(roster_staging.c.person_key)
                    .join(roster_imports, same_import)
                    .where(
                        roster_staging.c.campaign_id == campaign_id,
                        roster_staging.c.district.in_(wanted),
                        roster_staging.c.import_id != import_id,
                        roster_imports.c.status != "refused",
                        roster_staging.c.person_key.in_(part),
                    )
                    .distinct()
                )
            )
    return sum(1 for r in staged if r[_KEY] in found), districts


def _record_import(
    engine: Engine, campaign_id: str, report: ImportReport, actor: str, at: datetime
) -> None:
    with engine.begin() as conn:
        insert_ignore(
            conn,
            roster_imports,
            [
                {
                    "campaign_id": campaign_id,
                    "import_id": report.import_id,
                    "file_name": report.file_name,
                    "unit": report.unit,
                    "actor": actor,
                    "rows": report.rows,
                    "accepted_rows": report.accepted,
                    "rejected_rows": report.rejected_rows,
                    "duplicates": report.duplicates,
                    "status": "staged",
                    "staged_at": at,
                }
            ],
        )
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=campaign_stream(campaign_id),
                    type=EventType.ROSTER_CHECKED,
                    payload={
                        "import_id": report.import_id,
                        "file": report.file_name,
                        "unit": report.unit,
                        "rows": report.rows,
                        "accepted": report.accepted,
                        "rejected_rows": report.rejected_rows,
                        "duplicates": report.duplicates,
                    },
                    actor=actor,
                    at=at,
                    idempotency_key=f"{campaign_id}:roster-checked:{report.import_id}",
                )
            ],
        )


def settle_import(
    engine: Engine, campaign_id: str, import_id: str, accept: bool, actor: str, at: datetime
) -> str:
    """Mark an import accepted (its rows will be registered) or refused; its status after."""
    with engine.begin() as conn:
        status = conn.execute(
            select(roster_imports.c.status).where(
                roster_imports.c.campaign_id == campaign_id,
                roster_imports.c.import_id == import_id,
            )
        ).scalar_one_or_none()
        if status is None:
            raise LookupError(f"no import {import_id} in campaign {campaign_id}")
        if status != "staged":
            return str(status)  # decided before: a repeated request changes nothing
        new = "accepted" if accept else "refused"
        conn.execute(
            update(roster_imports)
            .where(
                roster_imports.c.campaign_id == campaign_id,
                roster_imports.c.import_id == import_id,
            )
            .values(status=new)
        )
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=campaign_stream(campaign_id),
                    type=EventType.ROSTER_ACCEPTED if accept else EventType.ROSTER_REFUSED,
                    payload={"import_id": import_id},
                    actor=actor,
                    at=at,
                    idempotency_key=f"{campaign_id}:roster-settled:{import_id}",
                )
            ],
        )
        return new


def missing_communities(
    engine: Engine, campaign_id: str, plan: CampaignPlan
) -> dict[str, list[str]]:
    """Per district, the communities (street/community) with no accepted roster rows yet."""
    with engine.connect() as conn:
        present = {
            (str(d), str(s), str(c))
            for d, s, c in conn.execute(
                select(
                    roster_staging.c.district, roster_staging.c.street, roster_staging.c.community
                )
                .join(roster_imports, same_import)
                .where(
                    roster_staging.c.campaign_id == campaign_id,
                    roster_imports.c.status == "accepted",
                )
                .distinct()
            )
        }
    out: dict[str, list[str]] = {}
    for d, s, c in plan.jurisdiction.communities():
        if (d, s, c) not in present:
            out.setdefault(d, []).append(f"{s}/{c}")
    return out
