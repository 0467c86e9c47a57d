"""Configuration: the only module that reads environment variables (``WARMTH_*``).

Command-line flags override these values; see ``warmth.cli``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from warmth.notify.config import NotifySettings


class Settings(BaseSettings):
    """Where Temporal and the store are, and how the project behaves by default."""

    model_config = SettingsConfigDict(
        env_prefix="WARMTH_", env_nested_delimiter="__", extra="ignore"
    )

    temporal_address: str = Field(
        default="127.0.0.1:7233", description="Temporal frontend host:port"
    )
    temporal_namespace: str = "default"
    task_queue: str = "warmth"
    data_dir: Path = Field(
        default=Path(".warmth"), description="local state of the embedded default"
    )
    store_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: a SQLite file under data_dir"
    )
    time_zone: str = "Asia/Shanghai"
    ui_port: int = 8233
    batch_size: int = Field(default=1000, ge=1, le=10_000, description="households per activity")
    log_level: str = "INFO"
    log_json: bool | None = Field(default=None, description="JSON logs; default: when not a TTY")
    language: str = Field(default="zh", pattern="^(zh|en)$")
    update_timeout_seconds: float = 15.0
    codec_keys: SecretStr | None = Field(
        default=None,
        description='payload encryption keys as JSON {"current": id, "keys": {id: base64}}',
    )
    codec_keys_file: Path | None = Field(
        default=None, description="file holding those keys; default <data_dir>/codec-keys.json"
    )
    notify: NotifySettings = Field(default_factory=NotifySettings)
    claims_secret: SecretStr = Field(
        default=SecretStr("warmth-development-only-claims"),
        description="HMAC key signing users' claims on every update; shared by clients and workers",
    )
    token: SecretStr | None = Field(default=None, description="the CLI user's token (WARMTH_TOKEN)")
    person_key_secret: SecretStr = Field(
        default=SecretStr("warmth-development-only"),
        description="HMAC key for person keys; set a real secret in production",
    )

    def resolved_store_url(self) -> str:
        """The store URL, defaulting to ``sqlite:///<data_dir>/warmth.db``."""
        if self.store_url:
            return self.store_url
        return f"sqlite:///{self.data_dir / 'warmth.db'}"

    @property
    def temporal_db_file(self) -> Path:
        """The dev server's SQLite file, kept so the Web UI can browse past campaigns."""
        return self.data_dir / "temporal.db"

    @property
    def ui_url(self) -> str:
        host = self.temporal_address.rsplit(":", 1)[0]
        return f"http://{host}:{self.ui_port}"
