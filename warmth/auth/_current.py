"""The claims verified for the handler now running (a context variable per asyncio task).

Kept apart and always imported through the sandbox's pass-through, so the worker's
interceptor and the sandboxed workflow code share one variable.
"""

from __future__ import annotations

from contextvars import ContextVar

CLAIMS: ContextVar[object | None] = ContextVar("warmth_verified_claims", default=None)
