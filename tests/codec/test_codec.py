"""The encryption codec: round trips, no clear text, rotation, pass-through, key rings."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.exceptions import ApplicationError

from tests.codec.conftest import ID_NUMBER, MOBILE, NAME
from warmth.codec import (
    ENCODING,
    ENV_VAR,
    KEY_ID_METADATA,
    CodecError,
    EncryptionCodec,
    KeyRing,
    KeyRingError,
    UnknownKeyError,
    converter,
    generate_key,
)
from warmth.contracts import (
    Approver,
    CampaignInput,
    GateDecision,
    GateOutcome,
    Notification,
    PhaseResult,
    PhaseSchedule,
    SummaryTotals,
)
from warmth.domain.phases import Phase

SHANGHAI = timezone(timedelta(hours=8))
CLEAR_TEXTS = [NAME, ID_NUMBER, MOBILE, "民政", "json/plain", "campaign_id"]


def summary() -> SummaryTotals:
    return SummaryTotals(
        households=3,
        by_category={"低保": 2, "特困": 1},
        by_district={"黄浦区": 3},
        deliveries=6,
        deliveries_by_item={"棉被": 3, "慰问金": 3},
        amounts_by_source={"民政": Decimal("1234.50"), "慈善": Decimal("0.01")},
        callbacks=1,
        rejected_rows=0,
        merged_records=1,
    )


def campaign() -> CampaignInput:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
    return CampaignInput(
        campaign_id="c-2026",
        name=f"慰问 {NAME}（{ID_NUMBER}，{MOBILE}）",
        scope="上海市/黄浦区",
        districts=["黄浦区"],
        phases=[
            PhaseSchedule(
                phase=Phase.SURVEY,
                start=start,
                deadline=start + timedelta(days=7),
                approvers=["chen.city"],
                reminders=[timedelta(days=1), timedelta(hours=2)],
            )
        ],
        supervisors=[Approver(id="chen.city", name=NAME, scope="")],
        escalation_interval=timedelta(hours=12),
    )


# Every kind of value the project sends through Temporal, with its type hint.
VALUES: list[tuple[Any, Any]] = [
    (campaign(), CampaignInput),
    (
        GateDecision(
            gate=Phase.DISTRIBUTE,
            user="chen.city",
            approve=False,
            comment=f"{NAME} 身份证 {ID_NUMBER} 重复",
            districts=["黄浦区"],
        ),
        GateDecision,
    ),
    (
        GateOutcome(
            gate=Phase.FOLLOWUP,
            round=2,
            districts=["黄浦区"],
            approved=True,
            decided_by="chen.city",
            decided_at=datetime(2026, 1, 9, 17, 30, 15, 123456, tzinfo=SHANGHAI),
            comment=f"回访 {NAME}",
        ),
        GateOutcome,
    ),
    (
        PhaseResult(
            phase=Phase.SUMMARIZE,
            round=1,
            counts={"黄浦区": {"households": 3}},
            totals={"households": 3},
            summary=summary(),
        ),
        PhaseResult,
    ),
    (summary(), SummaryTotals),
    (
        Notification(
            campaign_id="c-2026",
            kind="gate_rejected",
            recipients=["chen.city"],
            data={"name": NAME, "id_number": ID_NUMBER, "mobile": MOBILE},
            idempotency_key="c-2026:distribute:2",
        ),
        Notification,
    ),
    (datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI), datetime),
    (datetime(2026, 1, 5, 1, 0, tzinfo=UTC), datetime),
    (f"{NAME} {ID_NUMBER}", str),
    (1_000_000_007, int),
    ({"name": NAME, "id_number": ID_NUMBER, "n": 3}, dict[str, Any]),
    ([NAME, ID_NUMBER, 1, None], list[Any]),
    (None, type(None)),
    (True, bool),
]


def assert_no_clear_text(payloads: list[Payload]) -> None:
    for payload in payloads:
        wire = payload.SerializeToString()
        for text in CLEAR_TEXTS:
            assert text.encode("utf-8") not in wire, text
        assert payload.metadata["encoding"] == ENCODING
        assert set(payload.metadata) == {"encoding", KEY_ID_METADATA}


@pytest.mark.parametrize(("value", "hint"), VALUES, ids=lambda v: type(v).__name__)
async def test_round_trip_through_the_full_converter(
    keyring: KeyRing, value: Any, hint: Any
) -> None:
    conv = converter(keyring)
    payloads = await conv.encode([value])
    assert_no_clear_text(payloads)
    assert payloads[0].metadata[KEY_ID_METADATA] == b"k1"
    [back] = await conv.decode(payloads, [hint])
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, datetime):
        assert back.utcoffset() == value.utcoffset()


async def test_decimals_and_offsets_inside_models_survive(keyring: KeyRing) -> None:
    conv = converter(keyring)
    [back] = await conv.decode(await conv.encode([VALUES[3][0]]), [PhaseResult])
    assert isinstance(back, PhaseResult) and back.summary is not None
    assert back.summary.amounts_by_source["民政"] == Decimal("1234.50")
    assert str(back.summary.amounts_by_source["民政"]) == "1234.50"
    [outcome] = await conv.decode(await conv.encode([VALUES[2][0]]), [GateOutcome])
    assert outcome.decided_at.utcoffset() == timedelta(hours=8)


async def test_the_check_would_see_clear_text_without_the_codec() -> None:
    """Sanity: the same value under the plain converter does carry the clear text."""
    [plain] = await pydantic_data_converter.encode([campaign()])
    assert NAME.encode() in plain.data and ID_NUMBER.encode() in plain.data


async def test_several_values_and_fresh_nonces(keyring: KeyRing) -> None:
    conv = converter(keyring)
    values = [campaign(), f"{NAME}", 3, None]
    payloads = await conv.encode(values)
    assert len(payloads) == len(values)
    assert_no_clear_text(payloads)
    again = await conv.encode(values)
    assert all(a.data != b.data for a, b in zip(payloads, again, strict=True))
    assert await conv.decode(payloads, [CampaignInput, str, int, type(None)]) == values


async def test_failure_messages_and_stack_traces_are_encrypted(keyring: KeyRing) -> None:
    conv = converter(keyring)
    assert conv.failure_converter_class is DefaultFailureConverterWithEncodedAttributes
    try:
        raise ApplicationError(f"重复登记：{NAME} {ID_NUMBER}", {"mobile": MOBILE})
    except ApplicationError as exc:
        error = exc
    failure = Failure()
    await conv.encode_failure(error, failure)
    wire = failure.SerializeToString()
    for text in (NAME, ID_NUMBER, MOBILE, "test_codec.py"):
        assert text.encode() not in wire, text
    assert failure.message == "Encoded failure"
    back = await conv.decode_failure(failure)
    assert isinstance(back, ApplicationError)
    assert back.message == f"重复登记：{NAME} {ID_NUMBER}"
    assert back.details == ({"mobile": MOBILE},)


# ---- rotation and unknown keys -----------------------------------------------------------


async def test_rotation_old_data_still_decodes_and_new_data_uses_the_new_key(
    keyring: KeyRing,
) -> None:
    old = await converter(keyring).encode([campaign()])
    rotated = keyring.rotated("k2")
    assert rotated.current == "k2" and set(rotated.keys) == {"k1", "k2"}
    conv = converter(rotated)
    assert await conv.decode(old, [CampaignInput]) == [campaign()]
    new = await conv.encode([campaign()])
    assert new[0].metadata[KEY_ID_METADATA] == b"k2"
    assert await conv.decode(new, [CampaignInput]) == [campaign()]
    # The original ring, without k2, cannot read the new data, and says which key it lacks.
    with pytest.raises(UnknownKeyError, match="'k2'"):
        await converter(keyring).decode(new, [CampaignInput])


async def test_unknown_key_id_is_a_clear_error(keyring: KeyRing) -> None:
    payloads = await converter(keyring).encode([campaign()])
    other = KeyRing(current="k9", keys={"k9": generate_key()})
    with pytest.raises(UnknownKeyError) as info:
        await converter(other).decode(payloads, [CampaignInput])
    assert info.value.key_id == "k1"
    assert "'k1'" in str(info.value) and "k9" in str(info.value)
    assert isinstance(info.value, CodecError)


async def test_same_id_with_other_key_material_fails_authentication(keyring: KeyRing) -> None:
    payloads = await EncryptionCodec(keyring).encode([Payload(data=b"x")])
    impostor = EncryptionCodec(KeyRing(current="k1", keys={"k1": generate_key()}))
    with pytest.raises(CodecError, match="authentication"):
        await impostor.decode(payloads)


async def test_tampered_or_malformed_payloads_are_refused(keyring: KeyRing) -> None:
    codec = EncryptionCodec(keyring)
    [sealed] = await codec.encode([Payload(data=NAME.encode())])
    flipped = Payload()
    flipped.CopyFrom(sealed)
    flipped.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(CodecError, match="authentication"):
        await codec.decode([flipped])
    short = Payload(metadata=dict(sealed.metadata), data=b"abc")
    with pytest.raises(CodecError, match="too short"):
        await codec.decode([short])
    unnamed = Payload(metadata={"encoding": ENCODING}, data=sealed.data)
    with pytest.raises(CodecError, match=KEY_ID_METADATA):
        await codec.decode([unnamed])


# ---- pass-through ---------------------------------------------------------------------------


async def test_unencrypted_payloads_pass_through(keyring: KeyRing) -> None:
    """Histories written before encryption stay readable with the encrypting converter."""
    plain = await pydantic_data_converter.encode([campaign(), "旧数据", None])
    conv = converter(keyring)
    assert await conv.decode(plain, [CampaignInput, str, type(None)]) == [
        campaign(),
        "旧数据",
        None,
    ]
    decoded = await EncryptionCodec(keyring).decode(plain)
    assert decoded == plain
    # Encrypted and clear payloads may be mixed in one list.
    mixed = [*await conv.encode(["新数据"]), plain[1]]
    assert await conv.decode(mixed, [str, str]) == ["新数据", "旧数据"]


async def test_encode_preserves_the_inner_payload_exactly(keyring: KeyRing) -> None:
    codec = EncryptionCodec(keyring)
    inner = Payload(metadata={"encoding": b"json/plain", "x-custom": b"1"}, data=b'{"a":1}')
    [sealed] = await codec.encode([inner])
    assert b"x-custom" not in sealed.SerializeToString()
    assert await codec.decode([sealed]) == [inner]


def test_converter_keeps_the_pydantic_payload_converter(keyring: KeyRing) -> None:
    conv = converter(keyring)
    assert isinstance(conv, DataConverter)
    assert conv.payload_converter_class is pydantic_data_converter.payload_converter_class
    assert isinstance(conv.payload_codec, EncryptionCodec)
    assert pydantic_data_converter.payload_codec is None  # the shared one is not modified


# ---- key rings ------------------------------------------------------------------------------


def ring_json(current: str = "k2", **keys: bytes) -> str:
    encoded = {k: base64.b64encode(v).decode() for k, v in keys.items()}
    return json.dumps({"current": current, "keys": encoded})


def test_generate_key_is_32_random_bytes() -> None:
    a, b = generate_key(), generate_key()
    assert len(a) == 32 and len(b) == 32 and a != b


def test_key_ring_from_file_env_and_json(tmp_path: Path) -> None:
    k1, k2 = generate_key(), generate_key()
    text = ring_json("k2", k1=k1, k2=k2)
    path = tmp_path / "keys.json"
    path.write_text(text, encoding="utf-8")
    expected = KeyRing(current="k2", keys={"k1": k1, "k2": k2})
    assert KeyRing.from_file(path) == expected
    assert KeyRing.from_env({ENV_VAR: text}) == expected
    assert KeyRing.from_env({}) is None
    assert KeyRing.from_env({"OTHER": text}, var="OTHER") == expected
    assert KeyRing.from_json(expected.to_json()) == expected
    assert expected.key("k1") == k1


def test_key_ring_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_key()
    monkeypatch.setenv(ENV_VAR, ring_json("k1", k1=key))
    ring = KeyRing.from_env()
    assert ring is not None and ring.key("k1") == key
    monkeypatch.delenv(ENV_VAR)
    assert KeyRing.from_env() is None


def test_key_ring_repr_hides_key_material() -> None:
    key = generate_key()
    ring = KeyRing(current="k1", keys={"k1": key})
    shown = repr(ring)
    assert "k1" in shown
    assert base64.b64encode(key).decode() not in shown and repr(key) not in shown


def test_key_ring_is_a_read_only_copy() -> None:
    keys = {"k1": generate_key()}
    ring = KeyRing(current="k1", keys=keys)
    keys["k2"] = generate_key()
    assert set(ring.keys) == {"k1"}
    with pytest.raises(TypeError):
        ring.keys["k3"] = generate_key()  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json {", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"keys": {}}', '"current"'),
        ('{"current": "k1"}', '"keys"'),
        ('{"current": "k1", "keys": {}}', "no keys"),
        (ring_json("k3", k1=generate_key()), "current key 'k3'"),
        (ring_json("k1", k1=b"short"), "5 bytes"),
        ('{"current": "k1", "keys": {"k1": "%%%not base64%%%"}}', "not valid base64"),
        ('{"current": "k1", "keys": {"k1": 42}}', "base64 string"),
    ],
)
def test_malformed_key_rings_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(KeyRingError, match=message.replace("(", r"\(")):
        KeyRing.from_json(text)


def test_key_ring_errors_name_their_source_and_never_quote_keys(tmp_path: Path) -> None:
    secret = base64.b64encode(generate_key()).decode()
    bad = '{"current": "k1", "keys": {"k1": "' + secret + '"'  # truncated JSON
    path = tmp_path / "keys.json"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(KeyRingError) as info:
        KeyRing.from_file(path)
    assert str(path) in str(info.value) and secret not in str(info.value)
    with pytest.raises(KeyRingError, match=ENV_VAR) as env_info:
        KeyRing.from_env({ENV_VAR: bad})
    assert secret not in str(env_info.value)
    with pytest.raises(KeyRingError, match="cannot read"):
        KeyRing.from_file(tmp_path / "missing.json")


def test_rotating_to_an_existing_id_is_refused(keyring: KeyRing) -> None:
    with pytest.raises(KeyRingError, match="already"):
        keyring.rotated("k1")
    given = generate_key()
    assert keyring.rotated("k2", given).key("k2") == given
