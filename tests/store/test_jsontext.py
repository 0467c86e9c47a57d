"""The store's JSON text: compact UTF-8, read back the same by the standard library."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from warmth.store.jsontext import decoded, dumps, loads

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


def test_chinese_text_is_stored_as_utf8_and_int_keys_as_strings() -> None:
    text = dumps({"categories": ["低保对象", "残疾人"], 1: "一"})
    assert "低保对象" in text and "\\u" not in text
    assert json.loads(text) == {"categories": ["低保对象", "残疾人"], "1": "一"}


@given(_JSON)
def test_what_either_library_writes_the_other_reads_back(value: object) -> None:
    assert json.loads(dumps(value)) == value
    assert loads(json.dumps(value)) == value
    assert decoded(dumps(value)) == value and decoded([value]) == [value]


def test_what_orjson_refuses_is_written_and_read_as_the_standard_library_does() -> None:
    odd = {"note": "\udcff", "big": 2**70, "nan": float("nan")}
    text = dumps(odd)
    back = loads(text)
    assert back["note"] == "\udcff" and back["big"] == 2**70 and back["nan"] != back["nan"]
