"""Distribute (发放): bank batch files, delivery checklists, confirmations, progress.

- :func:`write_bank_files` — one CSV per fund source and district for the bank
  (``docs/bank-file.md``), summing exactly to the ledger's cash issues;
- :func:`write_checklists` / :func:`read_checklist` — per-community sign sheets for
  in-kind items;
- :func:`confirm_delivery` / :func:`confirm_from_checklist` — ``DeliveryConfirmed``,
  once per (campaign, person, item);
- :func:`delivery_status` / :func:`unconfirmed_by_community` — the distribute gate's
  figures and the reminders' counts.
"""

from warmth.payments.bank import (
    BANK_HEADER,
    ReconciliationError,
    bank_reference,
    write_bank_files,
)
from warmth.payments.checklist import (
    ChecklistError,
    ChecklistRow,
    household_reference,
    read_checklist,
    write_checklists,
)
from warmth.payments.confirm import (
    ChecklistReport,
    ConfirmResult,
    NotIssued,
    RowProblem,
    UnknownPerson,
    confirm_delivery,
    confirm_from_checklist,
)
from warmth.store.deliveries import DeliveryStatus, delivery_status, unconfirmed_by_community

__all__ = [
    "BANK_HEADER",
    "ChecklistError",
    "ChecklistReport",
    "ChecklistRow",
    "ConfirmResult",
    "DeliveryStatus",
    "NotIssued",
    "ReconciliationError",
    "RowProblem",
    "UnknownPerson",
    "bank_reference",
    "confirm_delivery",
    "confirm_from_checklist",
    "delivery_status",
    "household_reference",
    "read_checklist",
    "unconfirmed_by_community",
    "write_bank_files",
    "write_checklists",
]
