"""Carrying the acting user's signed claims through Temporal (凭据随请求传递).

Client side — :class:`ClaimsInterceptor` (``Client.connect(..., interceptors=[...])``)
signs the acting user's claims afresh on every start, signal and update and puts
them in the header ``warmth-claims``. The acting user is the one bound with
:func:`acting_as` (per request, e.g. in an HTTP API) or else the interceptor's
default user (one CLI process acting as one user). With neither, nothing is added.

Worker side — :class:`ClaimsWorkerInterceptor` (``Worker(..., interceptors=[...])``)
verifies the header before every update validator and handler: missing, wrongly
signed or expired claims refuse the update with ``ApplicationError(type=
"Unauthenticated")``. For an update with a validator that happens before anything
reaches the workflow's history; the SDK calls no validator interceptor for an update
without one, so such an update is accepted and then fails in its handler — give every
guarded update a validator. Verified claims are available to workflow code through
:func:`warmth.auth.claims.verified_claims`.
Signals and workflow starts are not refused (a failing signal handler would fail the
workflow): there ``verified_claims()`` is simply ``None`` unless valid claims came.

Workflow interceptors run inside the sandbox. The verifying class gets its keys as
class attributes from :meth:`ClaimsWorkerInterceptor.workflow_interceptor_class`, and
checks expiry against ``workflow.now()``, so validation and replay are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol

import temporalio.client
import temporalio.converter
import temporalio.worker
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.exceptions import ApplicationError

from warmth.auth._current import CLAIMS as _VERIFIED
from warmth.auth.claims import (
    HEADER,
    LEEWAY,
    TTL,
    Claims,
    InvalidClaims,
    Secrets,
    make_claims,
    sign,
    verify,
)
from warmth.auth.claims import keys as secret_keys
from warmth.auth.rules import Role, Unauthorized

UNAUTHENTICATED = "Unauthenticated"
"""The ``ApplicationError.type`` of a refused update."""


class Actor(Protocol):
    """Whoever the client acts for: a :class:`~warmth.auth.rules.User` or :class:`Claims`."""

    @property
    def id(self) -> str: ...

    @property
    def roles(self) -> tuple[Role, ...]: ...

    @property
    def scope(self) -> str: ...


_ACTING: ContextVar[Actor | None] = ContextVar("warmth_acting_user", default=None)


@contextmanager
def acting_as(user: Actor) -> Iterator[None]:
    """Within this block, Temporal calls from this task carry ``user``'s claims."""
    if getattr(user, "disabled", False):
        raise Unauthorized(f"user {user.id} is disabled")
    token = _ACTING.set(user)
    try:
        yield
    finally:
        _ACTING.reset(token)


class _HasHeaders(Protocol):
    headers: Mapping[str, Payload]


# ---- client ---------------------------------------------------------------------------------


class ClaimsInterceptor(temporalio.client.Interceptor):
    """Adds the acting user's signed claims to workflow starts, signals and updates."""

    def __init__(
        self,
        secret: Secrets,
        user: Actor | None = None,
        *,
        ttl: timedelta = TTL,
        clock: Callable[[], datetime] | None = None,
        payload_converter: temporalio.converter.PayloadConverter | None = None,
    ) -> None:
        self._keys = secret_keys(secret)
        self._user = user
        self._ttl = ttl
        self._clock = clock or (lambda: datetime.now(UTC))
        self._converter = payload_converter or temporalio.converter.default().payload_converter

    def acting_user(self) -> Actor | None:
        """The user bound by :func:`acting_as`, else the default one."""
        return _ACTING.get() or self._user

    def claims(self) -> Claims | None:
        """Fresh claims for the acting user, or ``None`` when no one is acting."""
        user = self.acting_user()
        if user is None:
            return None
        if getattr(user, "disabled", False):
            raise Unauthorized(f"user {user.id} is disabled")
        return make_claims(user.id, user.roles, user.scope, self._clock(), self._ttl)

    def add_header(self, target: _HasHeaders) -> None:
        claims = self.claims()
        if claims is not None:
            payload = self._converter.to_payload(sign(claims, self._keys))
            target.headers = {**target.headers, HEADER: payload}

    def intercept_client(
        self, next: temporalio.client.OutboundInterceptor
    ) -> temporalio.client.OutboundInterceptor:
        return _ClaimsOutbound(next, self)


class _ClaimsOutbound(temporalio.client.OutboundInterceptor):
    def __init__(self, next: temporalio.client.OutboundInterceptor, root: ClaimsInterceptor):
        super().__init__(next)
        self._root = root

    async def start_workflow(
        self, input: temporalio.client.StartWorkflowInput
    ) -> temporalio.client.WorkflowHandle[Any, Any]:
        self._root.add_header(input)
        return await self.next.start_workflow(input)

    async def signal_workflow(self, input: temporalio.client.SignalWorkflowInput) -> None:
        self._root.add_header(input)
        await self.next.signal_workflow(input)

    async def start_workflow_update(
        self, input: temporalio.client.StartWorkflowUpdateInput
    ) -> temporalio.client.WorkflowUpdateHandle[Any]:
        self._root.add_header(input)
        return await self.next.start_workflow_update(input)

    async def start_update_with_start_workflow(
        self, input: temporalio.client.StartWorkflowUpdateWithStartInput
    ) -> temporalio.client.WorkflowUpdateHandle[Any]:
        self._root.add_header(input.start_workflow_input)
        self._root.add_header(input.update_workflow_input)
        return await self.next.start_update_with_start_workflow(input)


# ---- worker ---------------------------------------------------------------------------------


def _read(headers: Mapping[str, Payload], keys_: tuple[bytes, ...], leeway: timedelta) -> Claims:
    payload = headers.get(HEADER)
    token: str | None = None
    if payload is not None:
        try:
            token = workflow.payload_converter().from_payload(payload, str)
        except Exception:
            raise InvalidClaims("malformed claims header") from None
    return verify(token, keys_, workflow.now(), leeway)


class VerifyClaimsInbound(temporalio.worker.WorkflowInboundInterceptor):
    """Verifies ``warmth-claims`` on updates; binds verified claims for the handler code.

    Use a subclass made by :class:`ClaimsWorkerInterceptor`, which sets ``keys``.
    """

    keys: ClassVar[tuple[bytes, ...]] = ()
    leeway: ClassVar[timedelta] = LEEWAY

    def _verified(self, input: temporalio.worker.HandleUpdateInput) -> Claims:
        try:
            return _read(input.headers, self.keys, self.leeway)
        except InvalidClaims as exc:
            raise ApplicationError(
                f"update {input.update} refused: {exc}",
                type=UNAUTHENTICATED,
                non_retryable=True,
            ) from None

    def _maybe(self, headers: Mapping[str, Payload]) -> Claims | None:
        try:
            return _read(headers, self.keys, self.leeway)
        except InvalidClaims:
            return None

    def handle_update_validator(self, input: temporalio.worker.HandleUpdateInput) -> None:
        token = _VERIFIED.set(self._verified(input))
        try:
            self.next.handle_update_validator(input)
        finally:
            _restore(token)

    async def handle_update_handler(self, input: temporalio.worker.HandleUpdateInput) -> Any:
        # Checked again: validators do not run on replay, and an update may have none.
        token = _VERIFIED.set(self._verified(input))
        try:
            return await self.next.handle_update_handler(input)
        finally:
            _restore(token)

    async def handle_signal(self, input: temporalio.worker.HandleSignalInput) -> None:
        token = _VERIFIED.set(self._maybe(input.headers))
        try:
            await self.next.handle_signal(input)
        finally:
            _restore(token)

    async def execute_workflow(self, input: temporalio.worker.ExecuteWorkflowInput) -> Any:
        token = _VERIFIED.set(self._maybe(input.headers))
        try:
            return await self.next.execute_workflow(input)
        finally:
            _restore(token)


def _restore(token: Token[object | None]) -> None:
    # A workflow evicted from the cache has its coroutines closed from outside their
    # task, in another context; the variable dies with the task then anyway.
    with suppress(ValueError):
        _VERIFIED.reset(token)


class ClaimsWorkerInterceptor(temporalio.worker.Interceptor):
    """Refuses updates without valid signed claims; see the module docstring.

    ``secret`` may be several secrets: any of them verifies (rotate by adding the new
    one to workers first, then switching clients, then dropping the old one — keep
    old ones as long as histories signed with them may be replayed).
    """

    def __init__(self, secret: Secrets, *, leeway: timedelta = LEEWAY) -> None:
        bound_keys = secret_keys(secret)

        class _Bound(VerifyClaimsInbound):
            keys = bound_keys

        _Bound.leeway = leeway
        self._class: type[VerifyClaimsInbound] = _Bound

    def workflow_interceptor_class(
        self, input: temporalio.worker.WorkflowInterceptorClassInput
    ) -> type[temporalio.worker.WorkflowInboundInterceptor]:
        return self._class
