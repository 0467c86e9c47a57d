"""Reading a campaign plan from YAML (I/O beside the pure ``warmth.domain.plan``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from warmth.domain.errors import PlanError
from warmth.domain.jurisdiction import JurisdictionTree
from warmth.domain.plan import CampaignPlan, PlanProblem, plan_problems


def load_plan(path: str | Path) -> CampaignPlan:
    """Load, validate and localize a plan; raise :class:`PlanError` listing every mistake."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(str(path), [PlanProblem(path="", message=f"cannot read: {exc}")]) from exc
    except yaml.YAMLError as exc:
        raise PlanError(
            str(path), [PlanProblem(path="", message=f"not valid YAML: {exc}")]
        ) from exc
    return parse_plan(raw, source=str(path), base_dir=path.parent)


def parse_plan(raw: Any, *, source: str = "<plan>", base_dir: Path | None = None) -> CampaignPlan:
    """Validate a plan already read into Python objects."""
    if not isinstance(raw, dict):
        raise PlanError(source, [PlanProblem(path="", message="must be a mapping of fields")])
    raw = _with_jurisdiction_file(raw, source, base_dir or Path.cwd())
    try:
        plan = CampaignPlan.model_validate(raw)
    except ValidationError as exc:
        raise PlanError(source, [_problem(e) for e in exc.errors()]) from None
    plan = plan.localized()
    problems = plan_problems(plan)
    if problems:
        raise PlanError(source, problems)
    return plan


def dump_plan(plan: CampaignPlan) -> str:
    """The plan as YAML (used by the demo to write its generated plan)."""
    data = plan.model_dump(mode="json")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _with_jurisdiction_file(raw: dict[str, Any], source: str, base_dir: Path) -> dict[str, Any]:
    """Real trees have hundreds of communities: ``jurisdiction.file`` loads them from CSV/XLSX."""
    tree = raw.get("jurisdiction")
    if not isinstance(tree, dict) or "file" not in tree:
        return raw
    from warmth.roster import read_jurisdiction  # roster I/O is only needed for file trees
    from warmth.roster.errors import RosterFileError

    file = base_dir / str(tree["file"])
    try:
        rows = read_jurisdiction(file)
    except (OSError, RosterFileError) as exc:
        raise PlanError(source, [PlanProblem(path="jurisdiction.file", message=str(exc))]) from exc
    raw = dict(raw)
    raw["jurisdiction"] = JurisdictionTree.from_rows(str(tree.get("city", "")), rows).model_dump()
    return raw


def _problem(error: Any) -> PlanProblem:
    path = ".".join(
        str(part) if not isinstance(part, int) else f"[{part}]" for part in error["loc"]
    )
    return PlanProblem(path=path.replace(".[", "["), message=error["msg"])
