"""What every ``warmth`` command shares: settings, error handling, output, connections."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel
from sqlalchemy import Engine
from temporalio.client import Client

from warmth.auth.rules import User
from warmth.domain.errors import WarmthError
from warmth.settings import Settings

T = TypeVar("T")
JSON_OPT = typer.Option(False, "--json", help="machine-readable output")


class State:
    settings: Settings = Settings()


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def run(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except WarmthError as exc:
        fail(str(exc))


def sync(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except WarmthError as exc:
        fail(str(exc))


def print_json(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def engine() -> Engine:
    from warmth.store.engine import open_store_engine

    return open_store_engine(State.settings.resolved_store_url())


async def client(user: User | None = None) -> Client:
    """A Temporal client whose requests carry ``user``'s signed claims."""
    from warmth.temporal import connect

    return await connect(State.settings, user)


def current_user() -> User:
    """The user of WARMTH_TOKEN / --token, authenticated against the store."""
    from warmth.auth.identity import authenticate

    token = State.settings.token
    if token is None:
        fail(
            "no token: set WARMTH_TOKEN or pass --token (create a user with"
            " `warmth user add ID --name NAME --role ops --role supervisor`)"
        )
    return authenticate(engine(), token.get_secret_value())


def secret() -> bytes:
    """The person-key secret every client must share (WARMTH_PERSON_KEY_SECRET)."""
    return State.settings.person_key_secret.get_secret_value().encode()
