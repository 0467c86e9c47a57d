"""The worker process: the composition root that wires settings, store and Temporal.

Stops gracefully on SIGTERM/SIGINT: running activities get the graceful-shutdown
timeout to finish; anything cut short is retried by Temporal on another worker.
"""

from __future__ import annotations

import asyncio
import signal

import structlog

from warmth.logging import configure
from warmth.notify import build_channel
from warmth.settings import Settings
from warmth.store.engine import open_store_engine
from warmth.temporal import connect
from workers.registry import build_worker


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    log = structlog.get_logger("warmth.worker")
    engine = open_store_engine(settings.resolved_store_url())
    client = await connect(settings)
    worker = build_worker(
        client,
        settings.task_queue,
        engine,
        settings.person_key_secret.get_secret_value().encode(),
        claims_secret=settings.claims_secret.get_secret_value().encode(),
        channel=build_channel(settings.notify),
        language=settings.language,
        output_dir=settings.data_dir / "out",
    )
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker_started", task_queue=settings.task_queue, address=settings.temporal_address)
    async with worker:
        await stop.wait()
        log.info("worker_stopping")
    engine.dispose()
    log.info("worker_stopped")


def main() -> None:
    settings = Settings()
    configure(settings.log_level, settings.log_json)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
