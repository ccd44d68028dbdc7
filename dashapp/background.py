"""Background-callback managers: Celery on Redis in production, diskcache in the embedded mode.

Two managers so that long training jobs (queue `gpu`) never block short UI jobs (queue `dash`).
Each Celery manager gets its own Celery app because Dash enqueues with `task.delay()`, which
goes to the app's default queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash.background_callback import CeleryManager

from dashapp.embedded_jobs import ZygoteDiskcacheManager
from dashapp.jobs.celery_apps import RESULT_EXPIRY_S, CeleryApps
from dashapp.settings import Settings
from dashapp.training.run_fairness import job_priority

MANAGERS_KEY = "dashapp_background_managers"
# Request headers a job may see (lower-case). Everything else, cookies, Authorization, the
# proxy's identity and token headers, the proxy secret, stays in the web tier.
JOB_HEADER_ALLOWLIST = frozenset({"accept", "accept-language", "content-type", "user-agent"})


def scrub_job_context(context: Any) -> Any:
    """A copy of Dash's callback context without cookies and without non-allowlisted headers.

    Dash sends the context (with the request's headers and cookies) to the broker with the
    job's arguments; jobs run after the web tier checked the user, so they need none of it.
    """
    cleaned = type(context)(**context) if isinstance(context, dict) else context
    if isinstance(cleaned, dict):
        cleaned["cookies"] = {}
        headers = cleaned.get("headers") or {}
        cleaned["headers"] = {
            name: value
            for name, value in dict(headers).items()
            if str(name).lower() in JOB_HEADER_ALLOWLIST
        }
    return cleaned


class ScrubbingCeleryManager(CeleryManager):
    """Dash's CeleryManager, but the job's context reaches Redis without secrets."""

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> Any:
        """Queue the job as Dash does (`delay`), with a scrubbed context."""
        return self._queue(key, job_fn, args, context)

    def _queue(self, key: str, job_fn: Any, args: Any, context: Any, **options: Any) -> Any:
        """Send the job with Celery `options` (priority, time limits); returns its task id."""
        progress_key = self._make_progress_key(key)
        task = job_fn.apply_async(
            args=(key, progress_key, args, scrub_job_context(context)), **options
        )
        return task.task_id


class FairTrainingManager(ScrubbingCeleryManager):
    """The training manager: each job goes to the broker with its run's fair priority
    (dashapp/training/run_fairness.py), so one user's queued runs do not starve another's."""

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> Any:
        """Queue the job with its priority."""
        return self._queue(key, job_fn, args, context, priority=job_priority(args))


class TimeLimitedCeleryManager(ScrubbingCeleryManager):
    """A UI-queue manager whose jobs carry time limits of their own in the message, over the
    UI app's defaults (the compositor render's 120 s): Excel exports may take 30 minutes."""

    def __init__(self, celery_app: Any, soft_limit_s: float, hard_limit_s: float, **kw: Any):
        super().__init__(celery_app, **kw)
        self.soft_limit_s = soft_limit_s
        self.hard_limit_s = hard_limit_s

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> Any:
        """Queue the job with its own soft and hard time limits."""
        return self._queue(
            key,
            job_fn,
            args,
            context,
            soft_time_limit=self.soft_limit_s,
            time_limit=self.hard_limit_s,
        )


@dataclass(frozen=True)
class BackgroundManagers:
    """The managers for UI background callbacks, Excel exports and training jobs."""

    ui: Any
    training: Any
    exports: Any


def make_managers(settings: Settings, apps: CeleryApps | None) -> BackgroundManagers:
    """Managers for the settings' mode: on the Celery apps when there are some."""
    if apps is not None:
        # Excel jobs stop themselves at their limit (dataview/excel_jobs.py); Celery's limits
        # come after it, on the same queue as renders but not with theirs.
        export_limit_s = settings.dataview_xlsx_job_time_limit_s + 30
        return BackgroundManagers(
            ui=ScrubbingCeleryManager(apps.ui, expire=RESULT_EXPIRY_S),
            exports=TimeLimitedCeleryManager(
                apps.exports,
                soft_limit_s=export_limit_s,
                hard_limit_s=export_limit_s + settings.compositor_render_kill_grace_s,
                expire=RESULT_EXPIRY_S,
            ),
            training=FairTrainingManager(apps.training, expire=RESULT_EXPIRY_S),
        )
    import diskcache

    cache_dir = settings.instance_path / "background-cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    manager = ZygoteDiskcacheManager(diskcache.Cache(str(cache_dir)), expire=RESULT_EXPIRY_S)
    # Diskcache runs every job in its own process, so one manager serves both kinds of work.
    return BackgroundManagers(ui=manager, training=manager, exports=manager)


def start_job_processes(managers: BackgroundManagers) -> None:
    """Embedded mode: fork the job helper now, with every callback registered and no request
    thread running yet (see dashapp/embedded_jobs.py). Celery mode has nothing to start."""
    if isinstance(managers.training, ZygoteDiskcacheManager):
        managers.training.start_zygote()


def queue_available(settings: Settings) -> bool:
    """True when jobs can be queued now (Redis answers a ping; always true in embedded mode)."""
    if not settings.redis_url:
        return True
    import redis

    try:
        client = redis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=1, socket_timeout=1
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


def managers_for(app: Any) -> BackgroundManagers:
    """The managers created for this Dash app (or its Flask server)."""
    server = getattr(app, "server", app)
    managers: BackgroundManagers = server.extensions[MANAGERS_KEY]
    return managers
