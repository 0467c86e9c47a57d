"""A tiny workflow guarded by signed claims (imported by the sandbox: keep it light)."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from warmth.auth.claims import verified_claims
from warmth.auth.rules import allowed


@workflow.defn(sandboxed=True)
class GuardedFlow:
    """Collects who did what; an update is allowed only to a supervisor within 东湖区."""

    def __init__(self) -> None:
        self._done = False
        self._log: list[str] = []

    @workflow.run
    async def run(self) -> list[str]:
        starter = verified_claims()
        self._log.append(f"started by {starter.user_id if starter else 'nobody verified'}")
        await workflow.wait_condition(lambda: self._done)
        return self._log

    @workflow.update
    async def approve(self, what: str) -> str:
        claims = verified_claims()
        assert claims is not None  # the worker interceptor refuses updates without claims
        self._log.append(f"{claims.user_id} approved {what}")
        return f"{what} approved by {claims.user_id} ({claims.scope or 'city'})"

    @approve.validator
    def _may_approve(self, what: str) -> None:
        claims = verified_claims()
        if claims is None:
            raise ApplicationError("no verified claims", type="NoClaims")
        if not allowed(claims, "approve", what):
            raise ApplicationError(f"{claims.user_id} may not approve {what}", type="Forbidden")

    @workflow.update
    async def note(self, text: str) -> str:
        """An update without a validator: the handler is still guarded."""
        claims = verified_claims()
        assert claims is not None
        self._log.append(f"{claims.user_id} noted {text}")
        return text

    @workflow.signal
    def finish(self) -> None:
        claims = verified_claims()
        self._log.append(f"finished by {claims.user_id if claims else 'nobody verified'}")
        self._done = True
