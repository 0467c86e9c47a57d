"""One-shot store migration for deployments (compose `migrate` service, k8s `warmth-migrate` Job).

The worker already runs the same Alembic upgrade at start-up (``open_store_engine`` →
``migrate``, idempotent). Running it once, before the workers roll out, means a bad
migration fails in one visible place instead of crash-looping every replica, and that
replicas starting together do not race to create the schema of an empty database.

Before touching the database it checks the settings a deployment must not get wrong
(exit status 2, nothing migrated):
- ``WARMTH_STORE_URL`` is set and is not SQLite (in a container the SQLite default would
  migrate a throw-away file, and SQLite does not serve several replicas);
- ``WARMTH_PERSON_KEY_SECRET`` is not the development default nor a template placeholder
  (person keys are HMACs of ID numbers: with a known key they can be reversed by
  enumerating ID numbers).

Baked into the image as /opt/warmth/migrate.py (see deploy/Dockerfile):
    python /opt/warmth/migrate.py            check, then migrate (exit 0: schema at head)
    python /opt/warmth/migrate.py --check    check only (the worker pods' init container)
"""

from __future__ import annotations

import sys
import time

import structlog
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from warmth.logging import configure
from warmth.settings import Settings
from warmth.store.engine import make_engine, migrate

CONNECT_ATTEMPTS = 30
CONNECT_PAUSE_SECONDS = 2.0
PLACEHOLDER_MARKS = ("CHANGE-ME", "REPLACE-ME", "warmth-development-only")
MIN_SECRET_LENGTH = 16


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def problems(settings: Settings) -> list[str]:
    """What is wrong with these settings for a deployment (empty when nothing is)."""
    found: list[str] = []
    if not settings.store_url:
        found.append("WARMTH_STORE_URL is not set (postgresql+psycopg://user:pw@host/db)")
    elif settings.store_url.startswith("sqlite"):
        found.append("WARMTH_STORE_URL is SQLite: deployments use PostgreSQL")
    secret = settings.person_key_secret.get_secret_value()
    if any(mark.lower() in secret.lower() for mark in PLACEHOLDER_MARKS):
        found.append("WARMTH_PERSON_KEY_SECRET is a placeholder or the development default")
    elif len(secret) < MIN_SECRET_LENGTH:
        found.append(f"WARMTH_PERSON_KEY_SECRET is shorter than {MIN_SECRET_LENGTH} characters")
    return found


def main(argv: list[str]) -> int:
    settings = Settings()
    configure(settings.log_level, settings.log_json)
    log = structlog.get_logger("warmth.migrate")
    found = problems(settings)
    for problem in found:
        log.error("settings_rejected", problem=problem)
    if found or not settings.store_url:
        return 2
    if "--check" in argv:
        log.info("settings_ok")
        return 0
    engine = make_engine(settings.store_url)
    try:
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                before = current_revision(engine)
                break
            except OperationalError as exc:  # database not reachable yet
                if attempt == CONNECT_ATTEMPTS:
                    raise
                log.info("store_not_ready", attempt=attempt, error=exc.__class__.__name__)
                time.sleep(CONNECT_PAUSE_SECONDS)
        migrate(engine)
        after = current_revision(engine)
        log.info("store_migrated", url=engine.url.render_as_string(), before=before, after=after)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
