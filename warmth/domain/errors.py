"""Errors a user can cause and fix. Each carries a message fit to print as one line."""

from __future__ import annotations

from collections.abc import Sequence


class WarmthError(Exception):
    """Base of the errors shown to a user as one clear line (no traceback)."""


class PlanError(WarmthError):
    """A campaign plan with mistakes; ``problems`` lists every one with its path."""

    def __init__(self, source: str, problems: Sequence[object]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"plan {source} has {len(self.problems)} problem(s):\n{lines}")


class NotFound(WarmthError):
    """A campaign, gate or person that does not exist."""


class Rejected(WarmthError):
    """A request refused by a rule (wrong approver, gate not open, …)."""
