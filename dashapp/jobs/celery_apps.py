"""The Celery apps on Redis: one per kind of work, each sending to its queue by default.

Dash-free: the background-callback managers (dashapp/background.py) are built on these apps,
and the training services ask them about the queue (queue_state, run_queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery import Celery
from flask import Flask

from dashapp.settings import Settings

CELERY_APPS_KEY = "dashapp_celery_apps"
RESULT_EXPIRY_S = 24 * 3600
# Broker priorities 0 (taken first) to 9: kombu's Redis transport keeps one list per step. The
# training queue's fair order (training/run_fairness.py) sends each run at one of them.
PRIORITY_LEVELS = 10
TRANSPORT_OPTIONS: dict[str, Any] = {"priority_steps": list(range(PRIORITY_LEVELS))}


@dataclass(frozen=True)
class CeleryApps:
    """UI work (renders), Excel exports (same queue, own limits) and training."""

    ui: Celery
    exports: Celery
    training: Celery


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


def make_celery_apps(settings: Settings, training_hard_limit_s: float) -> CeleryApps | None:
    """The apps for the settings (None in the embedded mode, which runs jobs in processes).

    `training_hard_limit_s` is Celery's backstop behind the worker's own run time limit
    (training/run_limits.py), which ends the run failed: a job stuck in one C call is killed
    (prefork workers only)."""
    if not settings.uses_celery:
        return None
    ui = make_celery(settings, "dashapp-ui", settings.ui_queue)
    # The UI queue runs the compositor's renders: each is stopped by Celery past its time limit
    # (soft: an exception the render reports), and its process killed after a grace (hard: a
    # render stuck inside one C call). Celery copies a task's limits into each message it sends.
    ui.conf.update(
        task_soft_time_limit=settings.compositor_render_time_limit_s,
        task_time_limit=settings.compositor_render_time_limit_s
        + settings.compositor_render_kill_grace_s,
    )
    training = make_celery(settings, "dashapp-training", settings.training_queue)
    training.conf.update(task_time_limit=training_hard_limit_s)
    # An app of its own (Dash registers every callback's task on each manager's app), sending
    # to the UI queue, where the UI worker runs it with the limits its messages carry.
    exports = make_celery(settings, "dashapp-exports", settings.ui_queue)
    return CeleryApps(ui=ui, exports=exports, training=training)


def celery_apps_for(app: Any) -> CeleryApps | None:
    """The Celery apps of this Flask server (or Dash app); None in the embedded mode."""
    server: Flask = getattr(app, "server", app)
    apps: CeleryApps | None = server.extensions.get(CELERY_APPS_KEY)
    return apps
