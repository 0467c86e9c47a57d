"""De-duplication by ID number."""

from __future__ import annotations

import random
from datetime import date

import pytest

from warmth.domain.ids import generate_id
from warmth.roster.dedupe import Deduplicator, Person, Source, merge_records
from warmth.roster.validate import RosterRecord

ID_A = generate_id(random.Random(1), "310112", date(1950, 6, 1))
ID_B = generate_id(random.Random(2), "310104", date(1960, 1, 9))


def record(
    row: int,
    id_number: str = ID_A,
    unit: str | None = "江川路街道",
    categories: tuple[str, ...] = ("低保对象",),
    name: str = "张三",
) -> RosterRecord:
    return RosterRecord(
        row=row,
        name=name,
        id_number=id_number,
        district="闵行区",
        street="江川路街道",
        community="樱花社区",
        categories=categories,
        reporting_unit=unit,
    )


def test_one_person_per_id_number() -> None:
    first = record(1, unit="江川路街道", categories=("低保对象",))
    people = merge_records(
        [
            first,
            record(2, ID_B, unit="残联"),
            record(5, unit="残联", categories=("残疾人", "低保对象")),
            record(3, unit="老龄办", categories=("空巢老人", "残疾人")),
        ]
    )
    assert list(people) == [ID_A, ID_B]
    person = people[ID_A]
    assert person.record == first
    assert person.id_number == ID_A
    assert person.sources == [
        Source(reporting_unit="江川路街道", row=1),
        Source(reporting_unit="残联", row=5),
        Source(reporting_unit="老龄办", row=3),
    ]
    assert person.categories == ["低保对象", "残疾人", "空巢老人"]
    assert person.other_names == []
    assert people[ID_B].sources == [Source(reporting_unit="残联", row=2)]


def test_merged_count_and_return_value() -> None:
    deduplicator = Deduplicator()
    assert [deduplicator.add(r) for r in (record(1), record(2, ID_B), record(3), record(4))] == [
        False,
        False,
        True,
        True,
    ]
    assert (deduplicator.merged, len(deduplicator)) == (2, 2)
    assert (ID_A in deduplicator, "x" in deduplicator) == (True, False)
    assert [person.id_number for person in deduplicator] == [ID_A, ID_B]


def test_batches_are_incremental() -> None:
    deduplicator = Deduplicator()
    assert deduplicator.extend([record(1), record(2, ID_B)]) == 0
    assert deduplicator.extend([record(3, unit="民政科"), record(4, ID_B, unit=None)]) == 2
    assert deduplicator.merged == 2
    assert deduplicator.people[ID_B].sources == [
        Source(reporting_unit="江川路街道", row=2),
        Source(reporting_unit=None, row=4),
    ]


def test_continue_from_stored_people() -> None:
    stored = Person.from_record(record(1))
    deduplicator = Deduplicator([stored])
    assert deduplicator.add(record(7, unit="残联", categories=("残疾人",))) is True
    assert deduplicator.people[ID_A].categories == ["低保对象", "残疾人"]
    assert deduplicator.merged == 1


def test_people_view_is_read_only() -> None:
    deduplicator = Deduplicator()
    deduplicator.add(record(1))
    with pytest.raises(TypeError):
        deduplicator.people[ID_B] = Person.from_record(record(2, ID_B))  # type: ignore[index]


def test_different_names_under_one_id_are_flagged() -> None:
    people = merge_records([record(1), record(2, name="张叁"), record(3, name="张叁"), record(4)])
    assert people[ID_A].record.name == "张三"
    assert people[ID_A].other_names == ["张叁"]


def test_absorb_refuses_another_id_number() -> None:
    person = Person.from_record(record(1))
    with pytest.raises(ValueError):
        person.absorb(record(2, ID_B))


def test_merge_of_nothing() -> None:
    assert merge_records([]) == {}
