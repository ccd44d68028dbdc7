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
    # Slow clients (dashapp/web/gunicorn_worker.py): a request's head must arrive within
    # `request_header_timeout_s` and its body within `request_body_timeout_s` of the head, each
    # extended by one second per `request_min_rate_bytes_s` bytes received, never past
    # `request_max_duration_s`; else 408. Unfinished requests of one web process may hold
    # `request_buffer_mb` in all (then 503). A response whose client reads nothing for
    # `socket_timeout_s` is ended.
    request_header_timeout_s: float = Field(default=10.0, gt=0, le=300)
    request_body_timeout_s: float = Field(default=20.0, gt=0, le=600)
    request_min_rate_bytes_s: float = Field(default=500.0, gt=0)
    request_max_duration_s: float = Field(default=300.0, gt=0, le=3600)
    request_buffer_mb: int = Field(default=512, ge=1)
    socket_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # Threads of one web process a single user may hold at once (0: all but one), so another
    # user's request always finds one; waiting requests are served in turn, user by user.
    web_threads_per_user: int = Field(default=0, ge=0)
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
    # Where the "Please sign in" page sends people (e.g. the SSO proxy's /oauth2/sign_in).
    sign_in_url: str | None = None
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
    # A table with at least this many rows gets its default view's landmarks (fast scrollbar
    # jumps) built when its page opens: one read of its key index per cache time.
    dataview_prewarm_rows: int = Field(default=100_000, ge=1)
    # The dashboards file (sources and per-table dashboards); unset: the shipped demo file.
    dashboards: Path | None = None
    # Stop start-up when a configured source does not answer (default: start, report on /admin).
    dashboards_strict_sources: bool = False
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
    # The lost-run sweep runs this often (Celery beat in production, a thread in the embedded
    # mode; 0 turns the embedded thread off). A queued run that waited
    # training_queued_timeout_s while no run ran, started or finished never reached a worker:
    # it is marked lost.
    training_sweep_every_s: float = Field(default=2.0, ge=0)
    training_queued_timeout_s: float = Field(default=600.0, gt=0)
    # Progress rows are written at most this often.
    training_progress_every_s: float = Field(default=0.5, ge=0)
    # The job's watcher thread reads the cancel flag this often, whatever the recipe is doing;
    # a recipe that has not looked at ctx.should_stop this long after a cancel (it is loading
    # data, say) is interrupted where it is; one that saw it gets training_cancel_wrap_up_s
    # to save its images and checkpoint first (that took ~20 s on a loaded 2-core worker).
    training_cancel_poll_s: float = Field(default=1.0, gt=0)
    training_cancel_interrupt_s: float = Field(default=3.0, ge=0)
    training_cancel_wrap_up_s: float = Field(default=60.0, ge=0)
    # The last resort, for a job stuck in one long C call: this long after a cancel request the
    # page also kills the job (Dash's cancel). Longer than interrupt + wrap-up, so a recipe
    # saving its artifacts is not killed halfway.
    training_cancel_grace_s: float = Field(default=75.0, ge=0)
    training_max_order_rows: int = Field(default=200_000, ge=100)
    training_poll_ms: int = Field(default=1000, ge=200)
    # Launches per user per minute (counted on the runs table, so it holds across web processes).
    training_launches_per_minute: int = Field(default=6, ge=1)
    # Runs one user may have queued or running at once, a sweep's runs each counting: the
    # launch rate alone let one trainer fill the queue (6 sweeps of 32 runs a minute).
    training_max_active_runs: int = Field(default=64, ge=1)
    # Recipes beyond the built-ins: `module:attribute[,module:attribute...]` (plus the
    # `dashapp.recipes` entry-point group). Web and worker must see the same list.
    recipes: CsvList = Field(default_factory=list)
    _split_recipes = field_validator("recipes", mode="before")(_split_csv)
    # Memory one training job may need on a worker; launches estimated above it are refused.
    training_memory_budget_mb: int = Field(default=8192, ge=64)
    # Work one run may do: optimizer steps (epochs x steps per epoch; for recipes of your own,
    # the units they report to ctx.progress). A launch whose recipe estimates more is refused;
    # a run that reaches it anyway is stopped by its worker and ends failed.
    training_max_steps: int = Field(default=1_000_000, ge=1)
    # Wall-clock time one run may take on a worker, data loading included; past it the worker
    # stops the run (the cancel path: ask, then interrupt) and it ends failed with the reason.
    # Celery's hard limit (prefork workers only) kills the job a grace after that.
    training_max_run_s: float = Field(default=6 * 3600.0, gt=0)
    # Runs one sweep may launch (DASHAPP_MAX_SWEEP_RUNS); larger sweeps are refused whole.
    max_sweep_runs: int = Field(default=32, ge=1, le=1000)

    # --- compositor ---
    # Limits enforced on the server for every uploaded image.
    compositor_max_upload_mb: float = Field(default=25.0, gt=0)
    compositor_max_pixels: int = Field(default=50_000_000, ge=1)
    # An animation's frames (only the first is used) and its pixels times frames, checked from
    # the file's structure before anything is decoded; and one image's decode time.
    compositor_max_frames: int = Field(default=1000, ge=1)
    compositor_max_frame_pixels: int = Field(default=500_000_000, ge=1)
    compositor_max_decode_s: float = Field(default=10.0, gt=0)
    compositor_max_layers: int = Field(default=20, ge=1)
    # Longest side of the downscaled copy the browser shows while placing.
    compositor_preview_px: int = Field(default=2048, ge=64)
    # One upload request: how many files and how many pixels in all (checked before decoding).
    compositor_max_files_per_upload: int = Field(default=8, ge=1)
    compositor_max_request_pixels: int = Field(default=120_000_000, ge=1)
    # All of one user's stored uploads together: megabytes, and how many images.
    compositor_max_storage_mb: float = Field(default=500.0, gt=0)
    compositor_max_stored_images: int = Field(default=200, ge=1)
    # One render's work: layers (plus the background) times output pixels.
    compositor_max_render_work: int = Field(default=600_000_000, ge=1)
    # Renders run as background jobs: at most this many at once per user, each within this time.
    compositor_max_concurrent_renders: int = Field(default=2, ge=1)
    compositor_render_time_limit_s: float = Field(default=120.0, gt=0)
    # On the worker: the render's Celery soft limit is the time limit above; past it plus this
    # grace Celery kills the job's process (hard limit), and its row stops counting as running.
    compositor_render_kill_grace_s: float = Field(default=15.0, gt=0)
    # Address space one render may add to its job process; past it the render fails with a
    # message instead of the worker swapping or being killed by the kernel.
    compositor_render_memory_mb: float = Field(default=2048.0, gt=0)
    # A render job's CPU priority (nice value, 0-19): a web process on the same host comes first.
    compositor_render_nice: int = Field(default=10, ge=0, le=19)
    # A saved composite's HTTP download renders in the web request only up to this much work
    # (layers plus background, times pixels); larger ones go through a render job.
    compositor_sync_render_work: int = Field(default=12_000_000, ge=0)

    _split = field_validator(
        "trusted_proxies", "admin_groups", "trainer_groups", "viewer_groups", mode="before"
    )(_split_csv)

    # --- hardening (docs/security.md lists every limit) ---
    # When set, identity headers count only on requests that also carry this value in
    # `proxy_secret_header` (the sign-on proxy adds it; nobody else knows it).
    proxy_secret: str | None = None
    proxy_secret_header: str = "X-Dashapp-Proxy-Secret"
    # Dash callback bodies larger than this are refused (413) before JSON parsing; the
    # compositor's upload callback alone may use up to max_request_mb.
    max_callback_body_kb: int = Field(default=512, ge=16, le=1024 * 1024)
    # JSON nested deeper than this is refused (400): deep nesting costs recursion, not data.
    max_json_depth: int = Field(default=64, ge=8, le=1000)
    # CSV and .xlsx exports stop at this many cells (rows x columns); .xlsx costs far more per cell.
    dataview_export_max_cells: int = Field(default=20_000_000, ge=1000)
    dataview_xlsx_max_cells: int = Field(default=2_000_000, ge=1000)
    # Excel files built by background jobs (progress on the page, a download when ready): their
    # own cell bound (1,000,000 rows x 12 columns), jobs per user at once, and a time limit.
    dataview_xlsx_job_max_cells: int = Field(default=12_000_000, ge=1000)
    dataview_xlsx_jobs_per_user: int = Field(default=1, ge=1, le=20)
    dataview_xlsx_job_time_limit_s: float = Field(default=1800.0, gt=0)
    # Excel jobs and renders beat on their row every job_heartbeat_s; a running row with no beat
    # for job_lost_after_s belongs to a worker that stopped (killed, restarted, out of memory):
    # it is marked failed and frees its owner's slot at their next request.
    job_heartbeat_s: float = Field(default=5.0, gt=0, le=300)
    job_lost_after_s: float = Field(default=20.0, gt=0, le=3600)
    # Exports one user may have in progress at once (across web processes, counted in the DB).
    dataview_export_concurrency: int = Field(default=2, ge=1, le=100)
    # Grid blocks, KPIs and charts one user may have running at once, across web processes and
    # tabs (a tab has at most two in flight); more get 429 and the page retries them shortly.
    dataview_queries_per_user: int = Field(default=4, ge=1, le=100)
    # An export is spooled to a temporary file first; larger exports stop at this size.
    dataview_export_spool_mb: int = Field(default=1024, ge=1)
    # PostgreSQL ends data-view sessions idle inside a transaction for longer than this.
    dataview_idle_in_transaction_ms: int = Field(default=30_000, ge=1000)

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for net in value:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"{net!r} is not an IP address or network") from None
        return value

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
        if self.env is Environment.PRODUCTION and "trusted_proxies" not in self.model_fields_set:
            # No safe default exists: a guessed network (Docker's 172.16.0.0/12) trusts every
            # container and the host to send identity headers.
            raise SettingsError(
                "DASHAPP_TRUSTED_PROXIES is not set. Production needs the address(es) of the "
                "sign-on proxy that sets X-Forwarded-User, comma-separated "
                "(for example DASHAPP_TRUSTED_PROXIES=10.0.0.5/32); see docs/security.md."
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
    def embedded_database(self) -> bool:
        """True for the embedded SQLite default, which the app migrates itself at start."""
        return self.sqlalchemy_url.startswith("sqlite")

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
