"""Roster files (花名册) of the survey phase: read, validate, de-duplicate, report."""

from warmth.roster.check import CheckResult, check_file, write_error_report
from warmth.roster.dedupe import Deduplicator, Person, Source, merge_records
from warmth.roster.errors import RosterFileError, RowError
from warmth.roster.reader import read_jurisdiction, read_rows
from warmth.roster.validate import RosterRecord, RosterValidator

__all__ = [
    "CheckResult",
    "Deduplicator",
    "Person",
    "RosterFileError",
    "RosterRecord",
    "RosterValidator",
    "RowError",
    "Source",
    "check_file",
    "merge_records",
    "read_jurisdiction",
    "read_rows",
    "write_error_report",
]
