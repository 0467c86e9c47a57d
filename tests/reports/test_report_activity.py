"""The report activity: a retry keeps the files and hashes already recorded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from activities.context import ActivityContext
from activities.followup import FollowupActivities
from tests.reports.campaign import AS_OF, CID, SECRET, whole_campaign
from warmth.contracts import ReportRequest
from warmth.domain.events import EventType
from warmth.store.ledger import events_of


def test_a_retried_report_keeps_the_recorded_files_and_hashes(
    engine: Engine, tmp_path: Path
) -> None:
    whole_campaign(engine, tmp_path)
    ctx = ActivityContext(engine=engine, person_key_secret=SECRET, output_dir=tmp_path / "out")
    acts = FollowupActivities(ctx)
    request = ReportRequest(campaign_id=CID, kind="progress", week=3, as_of=AS_OF)
    first = acts.write_report(request)
    folder = Path(first.directory)
    assert folder == tmp_path / "out" / CID / "reports" / "week-03"
    assert "c1-statistics.json" in first.files and not any(folder.glob("*.svg"))  # no charts
    stamp = (folder / "c1-statistics.xlsx").stat().st_mtime_ns

    again = acts.write_report(request)  # as a retry after the ledger event was written
    assert again == first
    assert (folder / "c1-statistics.xlsx").stat().st_mtime_ns == stamp  # not rewritten
    with engine.connect() as conn:
        written = list(events_of(conn, CID, [EventType.REPORT_WRITTEN]))
    assert [(e.payload["kind"], e.payload["week"]) for e in written] == [("progress", 3)]
    assert written[0].payload["files"] == first.files
