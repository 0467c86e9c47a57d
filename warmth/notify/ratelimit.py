"""A blocking token bucket (限流): messages wait for their turn, none is dropped.

Group robots refuse bursts (DingTalk and WeCom allow 20 messages a minute per robot and
mute a robot that exceeds it), so a channel takes a token before each message. Callers
run in the worker's activity threads: the bucket is thread-safe, and each caller
reserves its slot under the lock and sleeps outside it, so waiters are served in
arrival order and spaced evenly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """``per_minute`` messages a minute, with bursts of at most ``burst`` messages.

    The bucket holds ``burst`` tokens and refills at ``per_minute / 60`` tokens a second.
    :meth:`acquire` takes a token, sleeping until one is due; the bucket may go into debt
    so that concurrent callers queue up one interval apart. ``clock`` (monotonic seconds)
    and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        per_minute: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.per_minute = per_minute
        self.burst = burst
        self._rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._last = clock()

    @property
    def interval(self) -> float:
        """Seconds between two messages once the burst is spent."""
        return 1.0 / self._rate

    def acquire(self) -> float:
        """Take a token, sleeping until it is due; return the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self._rate)
            self._last = now
            self._tokens -= 1.0
            wait = -self._tokens / self._rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
