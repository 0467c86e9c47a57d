"""Telling cadres (包保人) which households they answer for, once their district's
assignment is approved at the mobilize gate.

One message per cadre and district, listing households per community. The key names
the cadre and a digest of exactly which households: a repeated activity sends nothing
again, and a cadre whose list changed (a colleague taken off duty, a district mobilized
again after a rejection) is told the new list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from warmth.contracts import Notification
from warmth.domain.plan import CampaignPlan
from warmth.messaging import campaign_directory, send_each
from warmth.notify.channels import Channel
from warmth.store.staff import CadreLoad, cadre_notices

KIND = "cadre_assignment"


@dataclass
class CadreNoticeOutcome:
    cadres: int = 0  # cadres with households in the district
    sent: int = 0  # messages sent by this call (the others were sent before)
    failed: list[str] = field(default_factory=list)  # keys whose channel failed


def cadre_note(
    plan: CampaignPlan, campaign_id: str, district: str, load: CadreLoad
) -> Notification:
    return Notification(
        campaign_id=campaign_id,
        kind=KIND,
        recipients=[load.cadre_id],
        data={
            "campaign": plan.name,
            "jurisdiction": district,
            "households": str(load.households),
            "communities": "\n".join(f"{c}|{n}" for c, n in load.by_community.items()),
        },
        idempotency_key=f"{campaign_id}:{KIND}:{load.cadre_id}:{load.digest}",
    )


def notify_cadres(
    engine: Engine,
    channel: Channel,
    plan: CampaignPlan,
    campaign_id: str,
    district: str,
    now: Callable[[], datetime],
    beat: Callable[[], None] = lambda: None,
) -> CadreNoticeOutcome:
    """Tell each active cadre of ``district`` their households (once per list).

    ``beat`` is called before each message (see :func:`warmth.messaging.send_each`).
    """
    loads = cadre_notices(engine, campaign_id, district)
    outcome = CadreNoticeOutcome(cadres=len(loads))
    if not loads:
        return outcome
    directory = campaign_directory(engine, plan, campaign_id, [load.cadre_id for load in loads])
    notes = (cadre_note(plan, campaign_id, district, load) for load in loads)
    outcome.sent, outcome.failed = send_each(
        engine, channel, directory, notes, plan.time_zone, now, beat
    )
    return outcome
