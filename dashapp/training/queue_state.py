"""Is anyone serving the training queue, and where does a queued run stand in it?"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app

from dashapp.jobs.celery_apps import celery_apps_for
from dashapp.models.training import TrainingRun
from dashapp.settings import current_settings
from dashapp.training import run_fairness

CACHE_KEY = "dashapp_queue_workers"
# Asking the workers costs up to INSPECT_TIMEOUT_S; every poll of every page reuses one answer
# for this long.
CACHE_S = 10.0
INSPECT_TIMEOUT_S = 1.0


def workers_serving_training() -> list[str] | None:
    """Names of the Celery workers consuming the training queue; None in the embedded mode
    (jobs run in the web process, so the queue is always served)."""
    apps = celery_apps_for(current_app)
    celery = apps.training if apps else None
    if celery is None:
        return None
    cache: dict[str, Any] = current_app.extensions.setdefault(CACHE_KEY, {})
    if time.monotonic() - cache.get("at", -CACHE_S) < CACHE_S:
        return list(cache["workers"])
    queue = current_settings().training_queue
    try:
        active = celery.control.inspect(timeout=INSPECT_TIMEOUT_S).active_queues() or {}
    except Exception:  # noqa: BLE001 - the broker is away: nobody is reachable
        active = {}
    workers = sorted(
        name for name, queues in active.items() if any(q.get("name") == queue for q in queues)
    )
    cache.update(at=time.monotonic(), workers=workers)
    return workers


def queue_position(run: TrainingRun) -> int:
    """1 for the next queued run to start, 2 for the one after it, ... (the fair order)."""
    return run_fairness.queue_position(run)
