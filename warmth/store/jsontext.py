"""The text of the store's JSON columns (payloads, records, categories): orjson.

Five times faster than the standard library here and UTF-8 rather than ``\\uXXXX``
escapes (Chinese text is a third shorter stored), which matters when a city's roster,
households and ledger pass through JSON once each. Values are JSON's own types; keys
that are not strings are written as strings, as :func:`json.dumps` does. Text written
by either reads back the same with either.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except orjson.JSONEncodeError:
        # What orjson refuses and the standard library writes: text with lone surrogates
        # (bytes a terminal could not decode), integers beyond 64 bits, NaN.
        return json.dumps(value)


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # NaN or Infinity, as the standard library wrote them


def decoded(value: Any) -> Any:
    """A JSON column read as text (a driver may have decoded it already)."""
    return loads(value) if isinstance(value, str | bytes) else value
