"""The token bucket blocks instead of dropping, and spaces messages evenly."""

from __future__ import annotations

import threading

import pytest

from tests.notify.conftest import FakeClock
from warmth.notify import RateLimiter


def send_times(limiter: RateLimiter, clock: FakeClock, n: int) -> list[float]:
    times = []
    for _ in range(n):
        limiter.acquire()
        times.append(clock.t - 1000.0)
    return times


def test_every_message_goes_out_one_interval_apart() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock.now, sleep=clock.sleep)
    assert limiter.interval == pytest.approx(3.0)
    assert send_times(limiter, clock, 10) == pytest.approx([3.0 * i for i in range(10)])


def test_a_burst_goes_at_once_then_the_rate_holds() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, burst=3, clock=clock.now, sleep=clock.sleep)
    assert send_times(limiter, clock, 6) == pytest.approx([0, 0, 0, 1, 2, 3])


def test_idle_time_refills_up_to_the_burst_only() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, burst=2, clock=clock.now, sleep=clock.sleep)
    send_times(limiter, clock, 2)
    clock.t += 3600  # an idle hour
    start = clock.t - 1000.0
    times = [t - start for t in send_times(limiter, clock, 4)]
    assert times == pytest.approx([0, 0, 1, 2])


def test_no_window_of_a_minute_exceeds_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock.now, sleep=clock.sleep)
    times = send_times(limiter, clock, 100)
    assert len(times) == 100  # none dropped
    for i, t in enumerate(times):
        in_window = [u for u in times[i:] if u < t + 60]
        assert len(in_window) <= 20


def test_concurrent_callers_queue_up_in_distinct_slots() -> None:
    clock = FakeClock()
    waits: list[float] = []
    lock = threading.Lock()
    frozen = RateLimiter(20, clock=clock.now, sleep=lambda s: None)  # time stands still

    def worker() -> None:
        waited = frozen.acquire()
        with lock:
            waits.append(waited)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == pytest.approx([3.0 * i for i in range(8)])


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 1), (-5, 1), (20, 0)])
def test_bad_parameters(per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_minute, burst)
