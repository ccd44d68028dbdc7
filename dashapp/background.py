"""Background-callback managers: Celery on Redis in production, diskcache in the embedded mode.

Two managers so that long training jobs (queue `gpu`) never block short UI jobs (queue `dash`).
Each Celery manager gets its own Celery app because Dash enqueues with `task.delay()`, which
goes to the app's default queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery import Celery
from dash.background_callback import CeleryManager

from dashapp.embedded_jobs import ZygoteDiskcacheManager
from dashapp.settings import Settings
from dashapp.training.run_fairness import TRANSPORT_OPTIONS, job_priority
from dashapp.training.run_limits import hard_time_limit_s

MANAGERS_KEY = "dashapp_background_managers"
RESULT_EXPIRY_S = 24 * 3600
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

    def __init__(self, celery_app: Celery, soft_limit_s: float, hard_limit_s: float, **kw: Any):
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
    ui_celery: Celery | None = None
    training_celery: Celery | None = None


class AppOwnedTasksCelery(Celery):
    """A Celery app whose tasks belong to it alone.

    Celery's `app.task()` shares each task with every Celery app in the process by default.
    Dash defines each background callback's task on both of our apps (UI and training), so
    sharing put two callables under one name in each app: a `DuplicateTaskNameWarning` at every
    worker start. Each app already gets every callback from Dash; nothing needs sharing.
    """

    def task(self, *args: Any, **opts: Any) -> Any:
        """`Celery.task` with `shared=False` unless the caller says otherwise."""
        opts.setdefault("shared", False)
        return super().task(*args, **opts)


def make_celery(settings: Settings, name: str, queue: str) -> Celery:
    """A Celery app on the configured Redis whose tasks go to `queue` by default."""
    celery = AppOwnedTasksCelery(name, broker=settings.redis_url, backend=settings.redis_url)
    celery.conf.update(
        task_default_queue=queue,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        broker_connection_retry_on_startup=True,
        # Fail fast while Redis is away instead of blocking a web thread for minutes.
        broker_connection_timeout=3,
        # One Redis list per priority, for the training queue's fair order: sender and worker
        # need the same steps (both apps: a dev worker may serve `gpu` with the UI app).
        broker_transport_options={
            "max_retries": 1,
            "interval_start": 0,
            "socket_timeout": 3,
            **TRANSPORT_OPTIONS,
        },
        redis_socket_timeout=5,
        redis_socket_connect_timeout=3,
        result_expires=RESULT_EXPIRY_S,
    )
    return celery


def make_managers(settings: Settings) -> BackgroundManagers:
    """Managers for the settings' mode."""
    if settings.uses_celery:
        ui_celery = make_celery(settings, "dashapp-ui", settings.ui_queue)
        # The UI queue runs the compositor's renders (the only UI background callback): each is
        # stopped by Celery past its time limit (soft: an exception the render reports), and
        # its process killed after a grace (hard: a render stuck inside one C call).
        ui_celery.conf.update(
            task_soft_time_limit=settings.compositor_render_time_limit_s,
            task_time_limit=settings.compositor_render_time_limit_s
            + settings.compositor_render_kill_grace_s,
        )
        training_celery = make_celery(settings, "dashapp-training", settings.training_queue)
        training_celery.conf.update(
            # The backstop behind the worker's own time limit (training/run_limits.py), which
            # ends the run failed: a job stuck in one C call is killed (prefork workers only).
            task_time_limit=hard_time_limit_s(settings),
        )
        # Excel jobs stop themselves at their limit (dataview/excel_jobs.py); Celery's limits
        # come after it, on the same queue as renders but not with theirs.
        export_limit_s = settings.dataview_xlsx_job_time_limit_s + 30
        # An app of its own (one manager per app: Dash registers every callback's task on each
        # manager's app), sending to the UI queue, where the UI worker runs it.
        exports_celery = make_celery(settings, "dashapp-exports", settings.ui_queue)
        return BackgroundManagers(
            ui=ScrubbingCeleryManager(ui_celery, expire=RESULT_EXPIRY_S),
            exports=TimeLimitedCeleryManager(
                exports_celery,
                soft_limit_s=export_limit_s,
                hard_limit_s=export_limit_s + settings.compositor_render_kill_grace_s,
                expire=RESULT_EXPIRY_S,
            ),
            training=FairTrainingManager(training_celery, expire=RESULT_EXPIRY_S),
            ui_celery=ui_celery,
            training_celery=training_celery,
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
