"""End-to-end encryption of Temporal payloads (AES-256-GCM), with key rotation.

Every payload the SDK produces — workflow and activity inputs and results, signal,
update and query arguments, memos, user metadata (summaries), heartbeat details and,
with :class:`~temporalio.converter.DefaultFailureConverterWithEncodedAttributes`,
failure messages and stack traces — is serialized, encrypted on the client or worker
and stored by the Temporal server as opaque bytes. Neither the server, its database
nor the Web UI (without the codec server of :mod:`warmth.codec_server`) ever sees them
in clear.

What Temporal never encrypts, whatever the codec:

* **workflow ids**, run ids, activity ids, update ids and request ids;
* **search attributes** (they are indexed by the server, so must stay readable);
* workflow and activity type names, signal / update / query names, task queue names;
* headers (no codec is applied to them by the Python SDK);
* failure *types* and the structure of the history (timestamps, event types, retries).

So none of these may ever carry personal data: no names, ID numbers or phone
numbers in ids or search attributes — use opaque ids (campaign ids, person keys).

Wire format (one payload in, one payload out): the original ``Payload`` protobuf is
serialized and sealed with AES-256-GCM under a fresh random 12-byte nonce; the new
payload's ``data`` is ``nonce || ciphertext || tag`` and its metadata is
``encoding: binary/encrypted`` and ``encryption-key-id: <id>``. This is the layout of
Temporal's encryption samples, so their codec servers in other languages interoperate.

Keys live in a :class:`KeyRing`: the *current* key encrypts, every key named in a
payload's metadata can decrypt, so rotating is adding a new key and making it current
while keeping the old ones as long as histories encrypted with them are retained.
Payloads that are not marked encrypted are passed through on decode, so histories
written before encryption was switched on stay readable (and replayable).

The key ring is JSON, from a file or the ``WARMTH_CODEC_KEYS`` environment variable::

    {"current": "k2", "keys": {"k1": "<base64 of 32 bytes>", "k2": "<base64 of 32 bytes>"}}
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

from warmth.domain.errors import WarmthError

__all__ = [
    "ENCODING",
    "ENV_VAR",
    "KEY_ID_METADATA",
    "KEY_SIZE",
    "CodecError",
    "EncryptionCodec",
    "KeyRing",
    "KeyRingError",
    "UnknownKeyError",
    "converter",
    "generate_key",
]

ENCODING = b"binary/encrypted"
"""The ``encoding`` metadata of an encrypted payload."""

KEY_ID_METADATA = "encryption-key-id"
"""The metadata naming the key a payload was encrypted with."""

ENV_VAR = "WARMTH_CODEC_KEYS"
"""The environment variable that may hold the key ring as JSON."""

KEY_SIZE = 32
"""Bytes in a key: AES-256."""

NONCE_SIZE = 12
TAG_SIZE = 16


class CodecError(WarmthError):
    """A payload that cannot be encrypted or decrypted."""


class UnknownKeyError(CodecError):
    """A payload encrypted with a key that is not in the key ring."""

    def __init__(self, key_id: str, known: Sequence[str]) -> None:
        self.key_id = key_id
        names = ", ".join(sorted(known)) or "none"
        super().__init__(
            f"payload encrypted with unknown key id {key_id!r} (key ring has: {names});"
            f" add that key to the key ring ({ENV_VAR} or the key file) to read it"
        )


class KeyRingError(WarmthError):
    """A key ring that is malformed: bad JSON, a missing current key, a key of wrong size."""


def generate_key() -> bytes:
    """A new random 32-byte AES-256 key (from the OS's CSPRNG)."""
    return secrets.token_bytes(KEY_SIZE)


def _decode_key(key_id: str, text: object) -> bytes:
    if not isinstance(text, str):
        raise KeyRingError(f"key {key_id!r} must be a base64 string")
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyRingError(f"key {key_id!r} is not valid base64") from exc
    return key


@dataclass(frozen=True)
class KeyRing:
    """The keys the codec knows: ``current`` encrypts, any of ``keys`` decrypts.

    ``repr()`` never shows key material.
    """

    current: str
    keys: Mapping[str, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyRingError("the key ring has no keys")
        for key_id, key in self.keys.items():
            if not key_id or not key_id.isascii() or not key_id.isprintable():
                raise KeyRingError(f"key id {key_id!r} must be non-empty printable ASCII")
            if len(key) != KEY_SIZE:
                raise KeyRingError(f"key {key_id!r} has {len(key)} bytes; AES-256 needs {KEY_SIZE}")
        if self.current not in self.keys:
            raise KeyRingError(f"current key {self.current!r} is not among the keys")
        # A read-only copy: the caller's dict cannot change the ring afterwards.
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    def __repr__(self) -> str:
        return f"KeyRing(current={self.current!r}, key_ids={sorted(self.keys)!r})"

    # ---- construction ----------------------------------------------------------------

    @classmethod
    def generate(cls, key_id: str = "k1") -> KeyRing:
        """A ring with one new random key, current."""
        return cls(current=key_id, keys={key_id: generate_key()})

    @classmethod
    def from_json(cls, text: str | bytes) -> KeyRing:
        """Parse ``{"current": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"}}``."""
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            # The message of a JSON error may quote the text, i.e. key material: omit it.
            raise KeyRingError("the key ring is not valid JSON") from exc
        if not isinstance(doc, dict):
            raise KeyRingError('the key ring must be a JSON object {"current": …, "keys": {…}}')
        current = doc.get("current")
        keys = doc.get("keys")
        if not isinstance(current, str):
            raise KeyRingError('the key ring needs "current": the id of the key that encrypts')
        if not isinstance(keys, dict):
            raise KeyRingError('the key ring needs "keys": an object {id: base64 key}')
        return cls(current=current, keys={str(k): _decode_key(str(k), v) for k, v in keys.items()})

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> KeyRing:
        """Read a key ring file (JSON, see :meth:`from_json`)."""
        p = Path(path)
        try:
            text = p.read_bytes()
        except OSError as exc:
            raise KeyRingError(f"cannot read key ring file {p}: {exc.strerror}") from exc
        try:
            return cls.from_json(text)
        except KeyRingError as exc:
            raise KeyRingError(f"{p}: {exc}") from exc

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, var: str = ENV_VAR
    ) -> KeyRing | None:
        """The ring in the environment variable ``var`` (JSON), or None when it is unset."""
        env = os.environ if environ is None else environ
        text = env.get(var)
        if not text:
            return None
        try:
            return cls.from_json(text)
        except KeyRingError as exc:
            raise KeyRingError(f"{var}: {exc}") from exc

    # ---- use ---------------------------------------------------------------------------

    def key(self, key_id: str) -> bytes:
        """The key named ``key_id``; :class:`UnknownKeyError` when the ring lacks it."""
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKeyError(key_id, list(self.keys)) from None

    def rotated(self, new_id: str, key: bytes | None = None) -> KeyRing:
        """This ring plus a new key (random unless given) that becomes current."""
        if new_id in self.keys:
            raise KeyRingError(f"key id {new_id!r} is already in the key ring")
        return KeyRing(
            current=new_id, keys={**self.keys, new_id: generate_key() if key is None else key}
        )

    def to_json(self) -> str:
        """The ring as JSON, keys in base64: the format :meth:`from_json` reads."""
        keys = {k: base64.b64encode(v).decode("ascii") for k, v in self.keys.items()}
        return json.dumps({"current": self.current, "keys": keys}, indent=2) + "\n"


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM payload codec: encrypts with the ring's current key.

    Decoding uses the key named by each payload's ``encryption-key-id``; payloads
    without ``encoding: binary/encrypted`` are returned unchanged.
    """

    def __init__(self, keyring: KeyRing) -> None:
        super().__init__()
        self.keyring = keyring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt every payload with the current key."""
        return self.encode_payloads(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt encrypted payloads; pass the others through."""
        return self.decode_payloads(payloads)

    # Synchronous forms, for callers without an event loop (the codec server).

    def encode_payloads(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt every payload with the current key (synchronous :meth:`encode`)."""
        key_id = self.keyring.current
        cipher = self._ciphers[key_id]
        out: list[Payload] = []
        for payload in payloads:
            nonce = os.urandom(NONCE_SIZE)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), None)
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode("ascii")},
                    data=nonce + sealed,
                )
            )
        return out

    def decode_payloads(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt encrypted payloads, pass the others (synchronous :meth:`decode`)."""
        return [self._decode_one(p) for p in payloads]

    def _decode_one(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        raw_id = payload.metadata.get(KEY_ID_METADATA)
        if raw_id is None:
            raise CodecError(f"encrypted payload without {KEY_ID_METADATA!r} metadata")
        key_id = raw_id.decode("utf-8", errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKeyError(key_id, list(self._ciphers))
        data = payload.data
        if len(data) < NONCE_SIZE + TAG_SIZE:
            raise CodecError(f"encrypted payload too short ({len(data)} bytes, key {key_id!r})")
        try:
            clear = cipher.decrypt(data[:NONCE_SIZE], data[NONCE_SIZE:], None)
        except InvalidTag:
            raise CodecError(
                f"encrypted payload failed authentication with key {key_id!r}"
                " (wrong key material for that id, or tampered data)"
            ) from None
        try:
            return Payload.FromString(clear)
        except DecodeError as exc:
            raise CodecError(f"decrypted payload (key {key_id!r}) is not a payload") from exc


def converter(keyring: KeyRing) -> DataConverter:
    """The project's pydantic data converter with encryption of payloads and failures.

    Failure messages and stack traces move into encoded attributes, so they are
    encrypted too (an exception message quoting a name must not leak).
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keyring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
