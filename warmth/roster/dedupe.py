"""De-duplication of roster records: one person per ID number (一人一档, 不重复).

Whichever unit reports a person, and however many times, the campaign keeps
one :class:`Person`: the fields of the first record seen, every source
``(reporting_unit, row)`` and the union of categories in first-seen order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

from warmth.roster.validate import RosterRecord


class Source(BaseModel):
    """Where a record came from (报送来源): the reporting unit and the data row."""

    model_config = ConfigDict(frozen=True)

    reporting_unit: str | None
    row: int


class Person(BaseModel):
    """One person of the campaign roster, merged from one or more records.

    ``record`` is the first record seen; ``sources`` lists every record's
    origin, first one included; ``categories`` is the union of all records'
    categories. ``other_names`` collects names that differ from the first
    record's under the same ID number: usually a typing error or a mix-up,
    worth a review before aid is paid.
    """

    record: RosterRecord
    sources: list[Source]
    categories: list[str]
    other_names: list[str] = []

    @property
    def id_number(self) -> str:
        """The ID number (公民身份号码) identifying this person."""
        return self.record.id_number

    @classmethod
    def from_record(cls, record: RosterRecord) -> Person:
        """Start a person from its first record."""
        return cls(
            record=record,
            sources=[Source(reporting_unit=record.reporting_unit, row=record.row)],
            categories=list(record.categories),
        )

    def absorb(self, record: RosterRecord) -> None:
        """Fold a later record of the same ID number into this person."""
        if record.id_number != self.record.id_number:
            raise ValueError("cannot merge records of different ID numbers")
        self.sources.append(Source(reporting_unit=record.reporting_unit, row=record.row))
        for category in record.categories:
            if category not in self.categories:
                self.categories.append(category)
        if record.name != self.record.name and record.name not in self.other_names:
            self.other_names.append(record.name)


class Deduplicator:
    """Incremental de-duplication by ID number, fed record by record or batch by batch.

    Pass the people already stored to continue a roster across batches.
    ``merged`` counts the records folded into an existing person.
    """

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self._people: dict[str, Person] = {person.id_number: person for person in people}
        self.merged = 0

    def add(self, record: RosterRecord) -> bool:
        """Add a record; return ``True`` when it merged into an existing person."""
        person = self._people.get(record.id_number)
        if person is None:
            self._people[record.id_number] = Person.from_record(record)
            return False
        person.absorb(record)
        self.merged += 1
        return True

    def extend(self, records: Iterable[RosterRecord]) -> int:
        """Add a batch of records; return how many of them merged."""
        return sum(self.add(record) for record in records)

    @property
    def people(self) -> Mapping[str, Person]:
        """Read-only view: ID number → person, in first-seen order."""
        return MappingProxyType(self._people)

    def __len__(self) -> int:
        return len(self._people)

    def __contains__(self, id_number: object) -> bool:
        return id_number in self._people

    def __iter__(self) -> Iterator[Person]:
        return iter(self._people.values())


def merge_records(records: Iterable[RosterRecord]) -> dict[str, Person]:
    """Merge records into people keyed by ID number (first-seen order).

    The number of merged records is ``sum(len(p.sources) for p in people) -
    len(people)``, or use :class:`Deduplicator` to get it as ``merged``.
    """
    deduplicator = Deduplicator()
    deduplicator.extend(records)
    return dict(deduplicator.people)
