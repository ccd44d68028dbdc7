"""Queue committed runs by id without a browser: what a sweep's N runs go through.

A single run is queued by the page's background callback (one job per browser). A sweep's runs
must start whether or not a page stays open, so the web tier queues them here:

- Celery mode: one task per run on the training queue (`gpu`), so every worker serving it
  takes runs (prefetch 1, acks late: a worker holds one run at a time), each with its run's
  fair priority (training/run_fairness.py).
- Embedded mode: one job process, forked like every embedded job, runs the ids in turn (the
  machine has one job slot for training anyway).

Either way the job is `execute_run`, the same one single runs use.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from celery import Celery
from flask import Flask, current_app

from dashapp.jobs.celery_apps import CeleryApps, celery_apps_for
from dashapp.settings import current_settings
from dashapp.training.run_fairness import fair_priority
from dashapp.training.training_job import execute_run

log = logging.getLogger(__name__)
TASK_NAME = "dashapp.training.execute_run"
EMBEDDED_JOB = "dashapp_run_queue_job"
EMBEDDED_SUBMIT_KEY = "dashapp_run_queue_submit"


def _embedded_job(server: Flask, _key: str, _progress_key: str, run_ids: Any, _ctx: Any) -> None:
    """The embedded job: each run in turn (a cancelled one is skipped by its claim)."""
    for run_id in run_ids:
        execute_run(server, int(run_id))


def _register_task(celery: Celery, server: Flask) -> None:
    @celery.task(name=TASK_NAME, ignore_result=True)
    def _execute(run_id: int) -> str:
        """One run, by id."""
        return execute_run(server, int(run_id))


def install_run_queue(server: Flask, celery_apps: CeleryApps | None, job_manager: Any) -> None:
    """Register the run task on the Celery apps (web and worker both build them), or, in the
    embedded mode, the run job with the job manager (`job_manager`: Dash's diskcache manager,
    used through its job registry only); call before the embedded job helper is forked."""
    if celery_apps is not None:
        # On both apps, as Dash does with its jobs: whichever app a worker on `gpu` was started
        # with (the docs say training_celery; a dev worker may serve dash,gpu with ui_celery),
        # it knows the task instead of dropping it as unregistered.
        for celery in (celery_apps.training, celery_apps.ui):
            _register_task(celery, server)
        return
    registry = getattr(job_manager, "func_registry", None)
    if isinstance(registry, dict):
        registry[EMBEDDED_JOB] = partial(_embedded_job, server)
        server.extensions[EMBEDDED_SUBMIT_KEY] = partial(_submit_embedded, job_manager)


def _submit_embedded(job_manager: Any, run_ids: Sequence[int]) -> None:
    job = job_manager.func_registry[EMBEDDED_JOB]
    key = f"runs-{'-'.join(str(i) for i in run_ids[:4])}-{len(run_ids)}"
    job_manager.call_job_fn(key, job, [int(i) for i in run_ids], {})


def enqueue_runs(run_ids: Sequence[int]) -> None:
    """Queue committed runs; raises on a broker that refuses (the caller marks them)."""
    if not run_ids:
        return
    apps = celery_apps_for(current_app)
    if apps is not None:
        queue = current_settings().training_queue
        for run_id in run_ids:
            priority = fair_priority(int(run_id))
            apps.training.send_task(TASK_NAME, args=[int(run_id)], queue=queue, priority=priority)
        return
    current_app.extensions[EMBEDDED_SUBMIT_KEY](run_ids)
