"""Row validation: every rejection reason, normalisation, defaults."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from stdnum.cn import ric

from warmth.domain.ids import generate_id
from warmth.roster.errors import RowError
from warmth.roster.validate import RosterRecord, RosterValidator

TODAY = date(2025, 1, 15)
CATEGORIES = ["低保对象", "低收入家庭", "特困人员（分散供养）", "残疾人", "空巢老人"]
COMMUNITIES = [
    ("闵行区", "江川路街道", "樱花社区"),
    ("闵行区", "江川路街道", "红旗村"),
    ("闵行区", "古美路街道", "古美一村"),
    ("徐汇区", "田林街道", "田林十二村"),
]
ID = generate_id(random.Random(1), "310112", date(1950, 6, 1))
ID2 = generate_id(random.Random(2), "310104", date(1988, 2, 29))


def with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def raw_row(**changes: str) -> dict[str, str]:
    row = {
        "seq": "1",
        "name": "张三",
        "id_number": ID,
        "phone": "13812345678",
        "district": "闵行区",
        "street": "江川路街道",
        "community": "樱花社区",
        "address": "江川路100弄1号101室",
        "category": "低保对象",
        "household_size": "2",
        "reporting_unit": "江川路街道民政科",
        "needs": "棉被",
        "hazards": "电线老化",
        "note": "",
    }
    row.update(changes)
    return row


@pytest.fixture
def validator() -> RosterValidator:
    return RosterValidator(CATEGORIES, COMMUNITIES, today=TODAY)


def errors_of(validator: RosterValidator, **changes: str) -> list[tuple[str, str]]:
    outcome = validator.validate(5, raw_row(**changes))
    assert isinstance(outcome, list)
    assert [error.row for error in outcome] == [5] * len(outcome)
    return [(error.field, error.reason) for error in outcome]


def test_valid_row(validator: RosterValidator) -> None:
    record = validator.validate(1, raw_row(备用列="x"))
    assert record == RosterRecord(
        row=1,
        seq="1",
        name="张三",
        id_number=ID,
        phone="13812345678",
        district="闵行区",
        street="江川路街道",
        community="樱花社区",
        address="江川路100弄1号101室",
        categories=("低保对象",),
        household_size=2,
        reporting_unit="江川路街道民政科",
        needs="棉被",
        hazards=("用电",),
        hazards_text="电线老化",
        note=None,
        extra={"备用列": "x"},
    )


def test_minimal_row_gets_defaults(validator: RosterValidator) -> None:
    raw = {
        "name": "李四",
        "id_number": ID2,
        "district": "徐汇区",
        "street": "田林街道",
        "community": "田林十二村",
        "category": "残疾人",
    }
    assert validator.validate(3, raw) == RosterRecord(
        row=3,
        name="李四",
        id_number=ID2,
        district="徐汇区",
        street="田林街道",
        community="田林十二村",
        categories=("残疾人",),
    )


def test_normalisation_before_validation(validator: RosterValidator) -> None:
    full_width_id = "".join(chr(ord(c) + 0xFEE0) for c in ID)
    record = validator.validate(
        7,
        raw_row(
            seq="７",
            name=" 张　三 ",
            id_number=f"  {full_width_id} ",
            phone="１３８ １２３４ ５６７８",
            district=" 闵行区",
            street="江川路 街道",
            community="樱花社区 ",
            category="低保对象、特困人员(分散供养)；低保对象",
            household_size="３",
            空白列="  ",
        ),
    )
    assert isinstance(record, RosterRecord)
    assert (record.seq, record.name, record.id_number, record.phone) == (
        "7",
        "张三",
        ID,
        "13812345678",
    )
    assert (record.district, record.street, record.community) == (
        "闵行区",
        "江川路街道",
        "樱花社区",
    )
    assert record.categories == ("低保对象", "特困人员（分散供养）")
    assert record.household_size == 3
    assert record.extra == {}


def test_lower_case_x_is_accepted() -> None:
    validator = RosterValidator(CATEGORIES, COMMUNITIES, today=TODAY)
    record = validator.validate(1, raw_row(id_number="11010519491231002x"))
    assert isinstance(record, RosterRecord)
    assert record.id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("021-52345678", "021-52345678"),
        ("(021)52345678", "021-52345678"),
        ("02152345678", "021-52345678"),
        ("0310-1234567", "0310-1234567"),
        ("010 87654321", "010-87654321"),
        ("", None),
    ],
)
def test_phone_is_normalised(validator: RosterValidator, phone: str, expected: str | None) -> None:
    record = validator.validate(1, raw_row(phone=phone))
    assert isinstance(record, RosterRecord)
    assert record.phone == expected


ID_LENGTH = "身份证号码应为18位 / ID number must have 18 characters"
ID_FORMAT = (
    "身份证号码格式错误，应为17位数字加1位数字或X / "
    "ID number format is wrong: 17 digits then a digit or X"
)
ID_CHECKSUM = "身份证号码校验位错误 / ID number check character is wrong"
ID_BIRTH = (
    "身份证号码中的出生日期无效或晚于今天 / "
    "birth date in the ID number is not a real date or is in the future"
)
ID_REGION = "身份证号码的地区码不存在 / region code of the ID number does not exist"
ID_OLD = "15位旧身份证号码，请填写18位号码 / old 15-digit ID number; enter the 18-character number"
ID_SCIENTIFIC = (
    "身份证号码被Excel转成了科学计数法，请把该列设为文本格式后重新录入 / "
    "ID number was turned into scientific notation by Excel; "
    "format the column as text and enter it again"
)
PHONE_INVALID = (
    "联系电话不是有效的手机或固定电话号码 / phone is not a valid mainland mobile or landline number"
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": "  "}, [("name", "姓名为空 / name is missing")]),
        ({"id_number": ""}, [("id_number", "公民身份号码为空 / ID number is missing")]),
        ({"id_number": ID[:-1]}, [("id_number", ID_LENGTH)]),
        ({"id_number": "310112500601123"}, [("id_number", ID_OLD)]),
        ({"id_number": ID[:-1] + "Y"}, [("id_number", ID_FORMAT)]),
        ({"id_number": ID[:-1] + ("1" if ID[-1] == "0" else "0")}, [("id_number", ID_CHECKSUM)]),
        ({"id_number": with_check("31011219501301123")}, [("id_number", ID_BIRTH)]),
        ({"id_number": with_check("31011220250116123")}, [("id_number", ID_BIRTH)]),
        ({"id_number": with_check("99999919500101123")}, [("id_number", ID_REGION)]),
        ({"id_number": "3.10112195006011E+17"}, [("id_number", ID_SCIENTIFIC)]),
        ({"phone": "1381234567"}, [("phone", PHONE_INVALID)]),
        ({"phone": "14012345678"}, [("phone", PHONE_INVALID)]),
        ({"phone": "+852 9123 4567"}, [("phone", PHONE_INVALID)]),
        ({"phone": "95588"}, [("phone", PHONE_INVALID)]),
        ({"phone": "400-812-3123"}, [("phone", PHONE_INVALID)]),
        ({"phone": "无"}, [("phone", PHONE_INVALID)]),
        (
            {"phone": "52345678"},
            [("phone", "固定电话缺少区号 / landline number lacks the area code")],
        ),
        (
            {"phone": "13812345678/13912345678"},
            [("phone", "联系电话只能填写一个号码 / enter a single phone number")],
        ),
        ({"category": ""}, [("category", "类别为空 / category is missing")]),
        (
            {"category": "低保对象、五保户、优抚对象"},
            [
                (
                    "category",
                    "类别不在本次计划内：五保户、优抚对象 / "
                    "category is not one of the plan's: 五保户、优抚对象",
                )
            ],
        ),
        ({"district": ""}, [("district", "区为空 / district is missing")]),
        ({"street": ""}, [("street", "街道为空 / street is missing")]),
        ({"community": ""}, [("community", "社区为空 / community is missing")]),
        (
            {"district": "", "community": ""},
            [
                ("district", "区为空 / district is missing"),
                ("community", "社区为空 / community is missing"),
            ],
        ),
        (
            {"district": "浦东新区"},
            [("district", "区不在本次辖区内：浦东新区 / district is not in the jurisdiction")],
        ),
        (
            {"street": "田林街道"},
            [("street", "街道不属于闵行区：田林街道 / street is not in district 闵行区")],
        ),
        (
            {"community": "古美一村"},
            [
                (
                    "community",
                    "社区不属于闵行区江川路街道：古美一村 / community is not in 闵行区 江川路街道",
                )
            ],
        ),
        (
            {"household_size": "0"},
            [("household_size", "家庭人数应为正整数 / household size must be a positive integer")],
        ),
        (
            {"household_size": "-2"},
            [("household_size", "家庭人数应为正整数 / household size must be a positive integer")],
        ),
        (
            {"household_size": "2.5"},
            [("household_size", "家庭人数应为正整数 / household size must be a positive integer")],
        ),
        (
            {"household_size": "两人"},
            [("household_size", "家庭人数应为正整数 / household size must be a positive integer")],
        ),
    ],
)
def test_rejection_reasons(
    validator: RosterValidator, changes: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    assert errors_of(validator, **changes) == expected


def test_every_failing_field_is_reported(validator: RosterValidator) -> None:
    outcome = validator.validate(
        9,
        {
            "name": "",
            "id_number": "123",
            "phone": "1",
            "district": "闵行区",
            "street": "江川路街道",
            "community": "樱花社区",
            "category": "其他",
            "household_size": "x",
        },
    )
    assert outcome == [
        RowError(row=9, field="name", reason="姓名为空 / name is missing"),
        RowError(row=9, field="id_number", reason=ID_LENGTH),
        RowError(row=9, field="phone", reason=PHONE_INVALID),
        RowError(
            row=9,
            field="category",
            reason="类别不在本次计划内：其他 / category is not one of the plan's: 其他",
        ),
        RowError(
            row=9,
            field="household_size",
            reason="家庭人数应为正整数 / household size must be a positive integer",
        ),
    ]


def test_missing_keys_are_empty_cells(validator: RosterValidator) -> None:
    outcome = validator.validate(1, {})
    assert isinstance(outcome, list)
    assert [error.field for error in outcome] == [
        "name",
        "id_number",
        "district",
        "street",
        "community",
        "category",
    ]


def test_reasons_never_contain_the_id_number(validator: RosterValidator) -> None:
    bad = ID[:-1] + ("1" if ID[-1] == "0" else "0")
    outcome = validator.validate(1, raw_row(id_number=bad, phone="13812345"))
    assert isinstance(outcome, list)
    assert [bad in error.reason or "13812345" in error.reason for error in outcome] == [
        False,
        False,
    ]


def test_today_defaults_to_the_current_date() -> None:
    validator = RosterValidator(CATEGORIES, COMMUNITIES)
    tomorrow = date.today() + timedelta(days=1)
    future = generate_id(random.Random(3), "310112", tomorrow)
    assert errors_of(validator, id_number=future) == [("id_number", ID_BIRTH)]


def test_jurisdiction_and_categories_match_loosely() -> None:
    validator = RosterValidator(["ABC类"], [("Ｘ区", "Y 街道", "z社区")], today=TODAY)
    record = validator.validate(
        1, raw_row(district="x区", street="Y街道", community="Z社区", category="abc类")
    )
    assert isinstance(record, RosterRecord)
    assert (record.district, record.street, record.community) == ("Ｘ区", "Y 街道", "z社区")
    assert record.categories == ("ABC类",)


def test_same_street_name_in_two_districts() -> None:
    validator = RosterValidator(
        ["低保对象"], [("甲区", "人民街道", "一社区"), ("乙区", "人民街道", "二社区")], today=TODAY
    )
    ok = validator.validate(1, raw_row(district="乙区", street="人民街道", community="二社区"))
    assert isinstance(ok, RosterRecord)
    assert errors_of(validator, district="甲区", street="人民街道", community="二社区") == [
        ("community", "社区不属于甲区人民街道：二社区 / community is not in 甲区 人民街道")
    ]


def test_record_is_frozen(validator: RosterValidator) -> None:
    record = validator.validate(1, raw_row())
    assert isinstance(record, RosterRecord)
    with pytest.raises(ValidationError):
        record.name = "王五"  # type: ignore[misc]


def test_repr_masks_personal_data(validator: RosterValidator) -> None:
    record = validator.validate(1, raw_row(phone="021-52345678"))
    text = repr(record)
    assert [ID in text, "张三" in text, "52345678" in text] == [False, False, False]
    assert [ID[:6] + "********" + ID[-4:] in text, "'张*'" in text, "021-****5678" in text] == [
        True,
        True,
        True,
    ]
    assert str(record).count("********") == 1


def test_hazards_keep_the_original_text(validator: RosterValidator) -> None:
    record = validator.validate(1, raw_row(hazards=" 燃气管老化，水管漏水 "))
    assert isinstance(record, RosterRecord)
    assert (record.hazards, record.hazards_text) == (("用气", "用水"), "燃气管老化，水管漏水")
    none = validator.validate(2, raw_row(hazards=""))
    assert isinstance(none, RosterRecord)
    assert (none.hazards, none.hazards_text) == ((), None)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"seq": "", "phone": "", "address": "", "reporting_unit": "", "needs": "", "hazards": ""},
        {"phone": "021-64361234", "hazards": "燃气软管老化，电线老化", "household_size": "３人"},
        {"category": "低保对象、残疾人", "note": " 备 注 ", "自定义": "x", "空白列": "  "},
        {"id_number": ID.lower(), "name": "买买提•艾力"},
    ],
)
def test_record_is_what_validation_would_build(
    validator: RosterValidator, changes: dict[str, str]
) -> None:
    # The validator builds records without validating them again (model_construct):
    # the values must be exactly those, and of the types, that validation gives.
    record = validator.validate(3, raw_row(**changes))
    assert isinstance(record, RosterRecord)
    validated = RosterRecord.model_validate(dict(record.__dict__))
    assert record == validated
    assert list(record.__dict__.items()) == list(validated.__dict__.items())
    assert [type(v) for v in record.__dict__.values()] == [
        type(v) for v in validated.__dict__.values()
    ]
    assert record.model_fields_set == validated.model_fields_set
    assert record.model_dump(mode="json") == validated.model_dump(mode="json")


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"seq": "", "phone": "", "address": "", "reporting_unit": "", "needs": "", "hazards": ""},
        {"phone": "021-64361234", "hazards": "燃气软管老化，电线老化", "household_size": "３人"},
        {"category": "低保对象、残疾人", "note": " 备 注 ", "自定义": "x", "空白列": "  "},
        {"id_number": "12345"},
    ],
)
def test_fields_are_the_records_json_form(
    validator: RosterValidator, changes: dict[str, str]
) -> None:
    # Imports stage validate_fields() as the record: it must be model_dump(mode="json")
    # key for key, in the fields' order, and reject exactly what validate() rejects.
    fields = validator.validate_fields(4, raw_row(**changes))
    record = validator.validate(4, raw_row(**changes))
    if isinstance(record, RosterRecord):
        assert isinstance(fields, dict)
        assert list(fields.items()) == list(record.model_dump(mode="json").items())
    else:
        assert fields == record
