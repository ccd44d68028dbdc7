"""The adapter a background callback calls: run one training run by id inside the app context."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from celery.signals import worker_init
from flask import Flask
from sqlalchemy import select

from dashapp.extensions import db
from dashapp.models.commerce import Order, Product
from dashapp.models.training import TrainingRun
from dashapp.recipes import RunStatus, run_recipe, validate_params
from dashapp.recipes.interrupt import Interrupter
from dashapp.settings import Settings, current_settings
from dashapp.training import recipe_catalog
from dashapp.training.run_limits import RunLimits
from dashapp.training.run_recorder import RunRecorder
from dashapp.web.identity import User

log = logging.getLogger(__name__)
ProgressSink = Callable[[Any], None]


@worker_init.connect
def _preload_training_code(**_kwargs: object) -> None:
    """Import torch and the training code once in the worker parent, so the first job starts
    fast; CUDA is not touched here (that happens in the job, after the fork)."""
    import sklearn.datasets  # noqa: F401

    import tasks.training.job  # noqa: F401


def check_job_request(body: dict[str, Any], user: User) -> tuple[int, str] | None:
    """Refuse (status, message) a job request for a run that is missing, not queued or not the
    caller's; None lets it be queued. Runs in the web tier before anything reaches the broker."""
    inputs = body.get("inputs") or [{}]
    launched = inputs[0].get("value") if isinstance(inputs[0], dict) else None
    if launched is None:
        return None  # the page clears its launch store this way; the job does nothing
    if not isinstance(launched, dict):
        return 400, "Malformed training job request."
    run_id = launched.get("run_id")
    if run_id is None:
        return None
    if isinstance(run_id, str) and run_id.isdigit() and len(run_id) < 19:
        run_id = int(run_id)
    if not isinstance(run_id, int) or isinstance(run_id, bool) or not 0 < run_id < 2**63:
        return 400, "A training job needs a run id."
    try:
        run = db.session.get(TrainingRun, run_id)
        if run is None:
            return 404, f"Run {run_id} does not exist."
        if run.owner != user.username:
            return 403, f"Run {run_id} is not yours: start your own run from the form."
        if run.status != RunStatus.QUEUED:
            return 409, f"Run {run_id} is {run.status}, not queued: it cannot be started again."
        return None
    finally:
        db.session.remove()


def fetch_order_rows(limit: int) -> list[dict[str, Any]]:
    """Up to `limit` settled orders with their product category, newest first."""
    query = (
        select(
            Order.status,
            Order.quantity,
            Order.unit_price,
            Order.discount,
            Order.amount,
            Order.channel,
            Order.region,
            Order.order_date,
            Product.category,
        )
        .join(Product, Product.id == Order.product_id)
        .where(Order.status.in_(("delivered", "returned", "cancelled")))
        .order_by(Order.id.desc())
        .limit(limit)
    )
    return [dict(row._mapping) for row in db.session.execute(query)]


def app_resources(settings: Settings) -> dict[str, Any]:
    """What this app lends to recipes through `ctx.resource(name)`."""

    def order_rows(max_samples: int = 0) -> list[dict[str, Any]]:
        limit = settings.training_max_order_rows
        return fetch_order_rows(min(limit, max_samples or limit))

    return {"order_rows": order_rows}


def execute_run(server: Flask, run_id: int, set_progress: ProgressSink | None = None) -> str:
    """Claim run `run_id`, run its recipe, record everything; returns the final status."""
    from tasks.training.job import stop_on_sigterm
    from tasks.training.repro import code_version, package_versions

    with server.app_context():
        # A forked job process must not reuse the parent's pooled connections.
        db.engine.dispose(close=False)
        settings = current_settings()
        recorder = RunRecorder(
            run_id,
            settings.training_progress_every_s,
            settings.training_heartbeat_s,
            RunLimits.from_settings(settings),
        )
        run = recorder.claim()
        if run is None:
            # Cancelled while queued, or a re-delivered message for a run already handled.
            log.info("run %s is not queued; nothing to do", run_id)
            db.session.remove()
            return "skipped"
        if set_progress is not None:
            recorder.on_progress_written = set_progress
        interrupter = Interrupter()
        recorder.start_heartbeat(
            db.engine,
            interrupter,
            poll_s=settings.training_cancel_poll_s,
            interrupt_after_s=settings.training_cancel_interrupt_s,
            wrap_up_s=settings.training_cancel_wrap_up_s,
        )
        status: str
        try:
            recipe = recipe_catalog.available().get(run.recipe)
            if recipe is None:
                raise LookupError(f"this worker has no recipe {run.recipe!r}; check its recipes")
            params = validate_params(recipe, run.config)
            meta = {"versions": package_versions(), "code_version": code_version()}
            on_term = partial(recorder.request_stop, "stopped by SIGTERM (job cancelled)")
            with stop_on_sigterm(on_term) as terminated:
                outcome = run_recipe(
                    recipe,
                    params,
                    recorder,
                    stop_flag=lambda: bool(terminated),
                    meta=meta,
                    resources=app_resources(settings),
                    interrupter=interrupter,
                )
            status = recorder.finish(outcome, meta)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the run
            log.exception("training run %s failed", run_id)
            recorder.fail(exc)
            status = RunStatus.FAILED
        finally:
            recorder.stop_heartbeat()
            db.session.remove()
        if set_progress is not None:
            set_progress(str(status))
        return str(status)
