"""Entitlements (应享救助): what a person gets, from the plan's standards.

The rule (一口下达, 少重复): a person gets each aid item at most once; when they are in
several categories the item is given at the highest standard that applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from warmth.domain.plan import AidItem


class Entitlement(BaseModel):
    """One item owed to one person: a cash amount (yuan) or an in-kind quantity."""

    model_config = ConfigDict(frozen=True)

    item: str
    kind: Literal["cash", "in_kind"]
    fund_source: str
    amount: Decimal  # yuan paid (cash) or valued (in-kind: quantity × unit cost)
    quantity: int  # units delivered; 0 for cash
    category: str  # the category whose standard was applied


def entitlements(categories: Iterable[str], items: Iterable[AidItem]) -> list[Entitlement]:
    """Every item a person in ``categories`` is entitled to, each once, at its highest standard.

    Ties keep the first category in the person's own order, so the result is deterministic.
    """
    cats = list(dict.fromkeys(categories))
    out: list[Entitlement] = []
    for item in items:
        applicable = [(item.standards[c], c) for c in cats if c in item.standards]
        if not applicable:
            continue
        best = max(s for s, _ in applicable)
        category = next(c for s, c in applicable if s == best)
        if item.kind == "cash":
            out.append(
                Entitlement(
                    item=item.code,
                    kind="cash",
                    fund_source=item.fund_source,
                    amount=best,
                    quantity=0,
                    category=category,
                )
            )
        else:
            quantity = int(best)
            out.append(
                Entitlement(
                    item=item.code,
                    kind="in_kind",
                    fund_source=item.fund_source,
                    amount=item.unit_cost * quantity,
                    quantity=quantity,
                    category=category,
                )
            )
    return out


def total_by_source(rows: Iterable[Entitlement]) -> dict[str, Decimal]:
    """Money per fund source (cash paid plus in-kind valued at unit cost)."""
    totals: dict[str, Decimal] = {}
    for e in rows:
        totals[e.fund_source] = totals.get(e.fund_source, Decimal(0)) + e.amount
    return totals
