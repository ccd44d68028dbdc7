"""Sweeps for the web tier: plan, launch (all or nothing), read with progress and the best run.

Each public function is one transaction; role checks happen here, whatever the page shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.orm import load_only

from dashapp.extensions import db
from dashapp.models.sweeps import Sweep
from dashapp.models.training import RunStatus, TrainingRun, utcnow
from dashapp.recipes import Recipe
from dashapp.settings import current_settings
from dashapp.training import runs
from dashapp.training.run_queue import enqueue_runs
from dashapp.training.sweep_spec import SweepSpec, expand
from dashapp.web.identity import Role, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepPlan:
    """A checked sweep: its recipe and every run's parameters."""

    recipe: Recipe
    params: list[BaseModel]


def plan(spec: SweepSpec) -> SweepPlan:
    """Expand and validate `spec` (SweepSpecError per input; UnknownRecipe)."""
    recipe = runs._recipe(spec.recipe)
    return SweepPlan(recipe, expand(spec, recipe, current_settings().max_sweep_runs))


def _check_memory(plan_: SweepPlan) -> None:
    """Every run must fit the worker budgets (memory, steps); the message names the first that
    does not."""
    for number, params in enumerate(plan_.params, start=1):
        try:
            runs._check_memory(plan_.recipe, params)
            runs._check_work(plan_.recipe, params)
        except (runs.OverMemoryBudget, runs.OverStepBudget) as exc:
            raise type(exc)(f"Run {number} of the sweep: {exc}") from None


def launch(user: User | None, spec: SweepSpec) -> Sweep:
    """Check the whole sweep, insert it and its N queued runs in one commit, then queue them.

    Nothing is queued unless every run passed: parameters, memory budget, launch rate (a sweep
    counts as one launch; its size is bounded by the `max_sweep_runs` setting; each of its runs
    counts toward the user's runs queued or running at once).
    """
    user = runs._require(user, Role.TRAINER)
    checked = plan(spec)
    _check_memory(checked)
    runs._check_launch_rate(user, new_runs=len(checked.params))
    sweep = Sweep(
        owner=user.username,
        recipe=checked.recipe.name,
        strategy=spec.strategy,
        metric=spec.metric,
        goal=spec.goal,
        spec=spec.to_json(),
    )
    db.session.add(sweep)
    db.session.flush()
    stamp = f"{utcnow():%H:%M:%S} queued by {user.username} (sweep #{sweep.id})\n"
    created = [
        TrainingRun(
            owner=user.username,
            status=RunStatus.QUEUED.value,
            recipe=checked.recipe.name,
            config=params.model_dump(mode="json"),
            sweep_id=sweep.id,
            log=stamp,
        )
        for params in checked.params
    ]
    db.session.add_all(created)
    db.session.commit()
    run_ids = [run.id for run in created]
    try:
        enqueue_runs(run_ids)
    except Exception as exc:  # noqa: BLE001 - the broker went away between check and queue
        log.exception("sweep %s: queueing its runs failed", sweep.id)
        _fail_unstarted(sweep.id, f"Could not be queued: {exc}")
        raise runs.RunError(
            "The job queue refused the sweep's runs; they are marked failed. Try again."
        ) from None
    return sweep


def _fail_unstarted(sweep_id: int, reason: str) -> None:
    db.session.execute(
        update(TrainingRun)
        .where(TrainingRun.sweep_id == sweep_id, TrainingRun.status == RunStatus.QUEUED)
        .values(status=RunStatus.FAILED.value, finished_at=utcnow(), error=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


class SweepNotFound(runs.RunNotFound):
    """No such sweep."""


def get_sweep(sweep_id: int) -> Sweep:
    """The sweep row."""
    sweep = db.session.get(Sweep, sweep_id)
    if sweep is None:
        raise SweepNotFound(f"Sweep {sweep_id} does not exist.")
    return sweep


def sweep_runs(sweep_id: int) -> list[TrainingRun]:
    """The sweep's runs in launch order."""
    query = select(TrainingRun).where(TrainingRun.sweep_id == sweep_id).order_by(TrainingRun.id)
    return list(db.session.scalars(query))


def runs_by_sweep(sweep_ids: list[int]) -> dict[int, list[TrainingRun]]:
    """The runs of several sweeps in one query (the sweeps list polls it)."""
    found: dict[int, list[TrainingRun]] = {i: [] for i in sweep_ids}
    if not sweep_ids:
        return found
    query = (
        select(TrainingRun)
        .where(TrainingRun.sweep_id.in_(sweep_ids))
        .order_by(TrainingRun.id)
        # Only what the list shows: leave the log and the rest unloaded.
        .options(load_only(TrainingRun.sweep_id, TrainingRun.status, TrainingRun.summary))
    )
    for run in db.session.scalars(query):
        found[int(run.sweep_id or 0)].append(run)
    return found


def list_sweeps(user: User | None, scope: str = "mine", limit: int = 20) -> list[Sweep]:
    """Newest sweeps first: the user's own ("mine") or everyone's ("all")."""
    query = select(Sweep).order_by(Sweep.id.desc()).limit(limit)
    if scope == "mine":
        query = query.where(Sweep.owner == (user.username if user else ""))
    return list(db.session.scalars(query))


def cancel(user: User | None, sweep_id: int) -> int:
    """Cancel every active run of the sweep (owner or admin); returns how many were asked."""
    sweep = get_sweep(sweep_id)
    if user is None or not user.has(Role.TRAINER):
        raise runs.RunForbidden("This needs the trainer role.")
    if not (user.has(Role.ADMIN) or sweep.owner == user.username):
        raise runs.RunForbidden("Only the sweep's owner or an admin can cancel it.")
    asked = 0
    for run in sweep_runs(sweep_id):
        if run.is_active and not run.cancel_requested:
            runs.request_cancel(user, run.id)
            asked += 1
    return asked


def swept_names(sweep: Sweep) -> list[str]:
    """The swept parameters, in the spec's order."""
    return [str(axis["name"]) for axis in (sweep.spec or {}).get("axes", [])]


def objective(sweep: Sweep, run: TrainingRun) -> float | None:
    """The run's last value of the sweep's metric."""
    value = run.metric(sweep.metric)
    return float(value) if isinstance(value, int | float) else None


def best_run(sweep: Sweep, members: list[TrainingRun]) -> TrainingRun | None:
    """The run with the best metric by the sweep's goal (succeeded or cancelled runs count)."""
    scored = [(objective(sweep, r), r) for r in members if r.status != RunStatus.FAILED]
    candidates = [(v, r) for v, r in scored if v is not None]
    if not candidates:
        return None
    pick = min if sweep.goal == "min" else max
    return pick(candidates, key=lambda item: (item[0], -item[1].id))[1]


def status_counts(members: list[TrainingRun]) -> dict[str, int]:
    """done / running / queued / failed (lost and failed count as failed; cancelled as done)."""
    counts = {"done": 0, "running": 0, "queued": 0, "failed": 0}
    for run in members:
        status = RunStatus(run.status)
        if status == RunStatus.RUNNING:
            counts["running"] += 1
        elif status == RunStatus.QUEUED:
            counts["queued"] += 1
        elif status in (RunStatus.FAILED, RunStatus.LOST):
            counts["failed"] += 1
        else:
            counts["done"] += 1
    return counts


def summary_row(sweep: Sweep, members: list[TrainingRun]) -> dict[str, Any]:
    """One line of the sweeps list."""
    counts = status_counts(members)
    best = best_run(sweep, members)
    return {
        "id": sweep.id,
        "recipe": sweep.recipe,
        "strategy": sweep.strategy,
        "swept": ", ".join(swept_names(sweep)),
        "runs": len(members),
        "progress": f"{counts['done'] + counts['failed']}/{len(members)}",
        "objective": f"{sweep.goal} {sweep.metric}",
        "best": objective(sweep, best) if best else None,
        "owner": sweep.owner,
        "created": sweep.created_at.strftime("%Y-%m-%d %H:%M:%S"),
    }
