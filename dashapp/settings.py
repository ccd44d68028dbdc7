"""Typed settings: defaults for the embedded mode, overridden by environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class Environment(StrEnum):
    """Where the app runs; production turns on every safety check."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(RuntimeError):
    """Raised at start-up when the settings cannot work together."""


def _split_csv(value: Any) -> Any:
    """Accept comma-separated strings from the environment for list fields."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every setting of the app, read from `DASHAPP_*` variables (and a few standard names)."""

    model_config = SettingsConfigDict(env_prefix="DASHAPP_", extra="ignore", frozen=True)

    env: Environment = Environment.DEVELOPMENT
    secret_key: str | None = Field(
        default=None, validation_alias=AliasChoices("SECRET_KEY", "DASHAPP_SECRET_KEY")
    )
    instance_path: Path = DEFAULT_INSTANCE
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "DASHAPP_DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "DASHAPP_REDIS_URL")
    )
    log_level: str = "INFO"
    # Largest request body the server reads (uploads arrive base64-encoded inside Dash requests).
    max_request_mb: int = Field(default=48, ge=1, le=1024)
    # None: JSON lines in production (for log shippers), readable text in development.
    log_json: bool | None = None

    # --- auth ---
    user_header: str = "X-Forwarded-User"
    email_header: str = "X-Forwarded-Email"
    name_header: str = "X-Forwarded-Preferred-Username"
    groups_header: str = "X-Forwarded-Groups"
    trusted_proxies: CsvList = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    proxy_hops: int = Field(default=1, ge=0, le=5)
    admin_groups: CsvList = Field(default_factory=lambda: ["dashapp-admins"])
    trainer_groups: CsvList = Field(default_factory=lambda: ["dashapp-trainers"])
    viewer_groups: CsvList = Field(default_factory=list)
    default_role: str = "viewer"
    dev_user: str = "dev"
    dev_role: str = "admin"

    # --- background jobs ---
    ui_queue: str = "dash"
    training_queue: str = "gpu"

    # --- data view ---
    # Tables/views the data view may show (admin-configured); columns are discovered.
    dataview_tables: CsvList = Field(default_factory=lambda: ["orders", "customers", "products"])
    dataview_statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)
    dataview_export_timeout_ms: int = Field(default=300_000, ge=1000, le=3_600_000)
    dataview_export_role: str = "viewer"
    dataview_export_max_rows: int = Field(default=5_000_000, ge=1)
    # Users below the trainer role export at most this many rows.
    dataview_viewer_export_max_rows: int = Field(default=100_000, ge=1)
    dataview_cache_seconds: float = Field(default=120.0, ge=0)
    _split_dataview = field_validator("dataview_tables", mode="before")(_split_csv)

    @field_validator("dataview_export_role")
    @classmethod
    def _known_export_role(cls, value: str) -> str:
        if value not in {"viewer", "trainer", "admin"}:
            raise ValueError("must be one of viewer, trainer, admin")
        return value

    # --- training ---
    # A running run whose heartbeat is older than this is marked lost (worker died); with a 5 s
    # heartbeat, 15 s is three missed beats, so a killed worker shows `lost` within 20 s.
    training_lost_after_s: float = Field(default=15.0, gt=0)
    training_heartbeat_s: float = Field(default=5.0, gt=0)
    # Progress rows are written at most this often; the cancel flag is read at most this often.
    training_progress_every_s: float = Field(default=0.5, ge=0)
    # After a cancel request, the page also kills the job (Dash's cancel) if it is still running.
    training_cancel_grace_s: float = Field(default=15.0, ge=0)
    training_max_order_rows: int = Field(default=200_000, ge=100)
    training_poll_ms: int = Field(default=1000, ge=200)
    # Launches per user per minute (counted on the runs table, so it holds across web processes).
    training_launches_per_minute: int = Field(default=6, ge=1)
    # Recipes beyond the built-ins: `module:attribute[,module:attribute...]` (plus the
    # `dashapp.recipes` entry-point group). Web and worker must see the same list.
    recipes: CsvList = Field(default_factory=list)
    _split_recipes = field_validator("recipes", mode="before")(_split_csv)
    # Memory one training job may need on a worker; launches estimated above it are refused.
    training_memory_budget_mb: int = Field(default=8192, ge=64)

    # --- compositor ---
    # Limits enforced on the server for every uploaded image.
    compositor_max_upload_mb: float = Field(default=25.0, gt=0)
    compositor_max_pixels: int = Field(default=50_000_000, ge=1)
    compositor_max_layers: int = Field(default=20, ge=1)
    # Longest side of the downscaled copy the browser shows while placing.
    compositor_preview_px: int = Field(default=2048, ge=64)

    _split = field_validator(
        "trusted_proxies", "admin_groups", "trainer_groups", "viewer_groups", mode="before"
    )(_split_csv)

    @field_validator("default_role", "dev_role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in {"none", "viewer", "trainer", "admin"}:
            raise ValueError("must be one of none, viewer, trainer, admin")
        return value

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.env is Environment.PRODUCTION and not self.secret_key:
            raise SettingsError(
                "SECRET_KEY is not set. Production needs a long random SECRET_KEY "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        return self

    @property
    def is_production(self) -> bool:
        """True when running with production safety checks."""
        return self.env is Environment.PRODUCTION

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the instance folder."""
        if self.database_url:
            # Heroku-style postgres:// is gone from SQLAlchemy 2, and SQLAlchemy 2.1 maps a bare
            # postgresql:// to psycopg 3; we ship psycopg2, so name the driver explicitly.
            for prefix in ("postgres://", "postgresql://"):
                if self.database_url.startswith(prefix):
                    return "postgresql+psycopg2://" + self.database_url.removeprefix(prefix)
            return self.database_url
        return f"sqlite:///{self.instance_path / 'dashapp.sqlite'}"

    @property
    def logs_as_json(self) -> bool:
        """Whether log records are written as JSON lines."""
        return self.is_production if self.log_json is None else self.log_json

    @property
    def uses_celery(self) -> bool:
        """Background callbacks go to Celery when Redis is configured."""
        return bool(self.redis_url)

    @property
    def effective_secret_key(self) -> str:
        """The secret key; development gets a fixed, clearly non-production one."""
        return self.secret_key or "dev-only-insecure-secret-key"


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, turning validation errors into one clear message."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"Invalid settings: {problems}") from None


def current_settings() -> Settings:
    """The settings of the app handling the current request or app context."""
    from flask import current_app  # here, so importing settings does not load Flask

    settings: Settings = current_app.extensions["dashapp_settings"]
    return settings
