"""Survey activities: stage roster files, register households per district batch."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from temporalio import activity

from activities.context import ActivityContext, utcnow
from warmth.contracts import (
    Activities,
    BatchInput,
    BatchResult,
    StageRosterInput,
    StageRosterResult,
)
from warmth.domain.people import person_key
from warmth.roster import RosterRecord, RosterValidator, read_rows
from warmth.store import survey
from warmth.store.campaigns import get_plan

FLUSH_ROWS = 1000


def file_digest(path: Path) -> str:
    """The import id: the file's content hash, so staging the same file twice is a no-op."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


class RosterActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name=Activities.STAGE_ROSTER)
    def stage_roster(self, inp: StageRosterInput) -> StageRosterResult:
        engine = self._ctx.engine
        plan = get_plan(engine, inp.campaign_id)
        validator = RosterValidator(plan.categories, list(plan.jurisdiction.communities()))
        rows = accepted = rejected = 0
        for file in inp.files:
            path = Path(file)
            import_id = file_digest(path)
            counts = self._stage_file(inp.campaign_id, path, import_id, validator)
            rows, accepted, rejected = rows + counts[0], accepted + counts[1], rejected + counts[2]
            survey.record_roster_checked(
                engine,
                inp.campaign_id,
                import_id,
                {
                    "file": path.name,
                    "rows": counts[0],
                    "accepted": counts[1],
                    "rejected_rows": counts[2],
                },
                inp.actor,
                utcnow(),
            )
        return StageRosterResult(
            rows=rows,
            accepted=accepted,
            rejected=rejected,
            staged_by_district=survey.staged_by_district(engine, inp.campaign_id),
        )

    def _stage_file(
        self, campaign_id: str, path: Path, import_id: str, validator: RosterValidator
    ) -> tuple[int, int, int]:
        secret = self._ctx.person_key_secret
        staged: list[tuple[int, str, str, dict[str, Any]]] = []
        rejections: list[tuple[int, str, str]] = []
        rows = accepted = rejected = 0

        def flush() -> None:
            survey.stage_rows(self._ctx.engine, campaign_id, import_id, staged, rejections)
            activity.heartbeat(import_id, rows)
            staged.clear()
            rejections.clear()

        for row_number, raw in read_rows(path):
            rows += 1
            result = validator.validate(row_number, raw)
            if isinstance(result, RosterRecord):
                accepted += 1
                key = person_key(secret, result.id_number)
                staged.append((row_number, result.district, key, result.model_dump(mode="json")))
            else:
                rejected += 1
                rejections.extend((e.row, e.field, e.reason) for e in result)
            if rows % FLUSH_ROWS == 0:
                flush()
        flush()
        return rows, accepted, rejected

    @activity.defn(name=Activities.REGISTER_HOUSEHOLDS)
    def register_households(self, inp: BatchInput) -> BatchResult:
        cursor, households, done = survey.register_batch(
            self._ctx.engine,
            inp.campaign_id,
            inp.district,
            inp.after,
            inp.limit,
            actor="system:survey",
            at=utcnow(),
        )
        return BatchResult(next_after=cursor, households=households, done=done)
