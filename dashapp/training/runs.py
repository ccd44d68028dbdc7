"""Run bookkeeping for the web tier: create, cancel, re-run, read runs.

Each public function is one transaction. Role and ownership checks happen here, on the server,
whatever the page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from dashapp.extensions import db
from dashapp.jobs.user_locks import lock_user
from dashapp.models.sweeps import Sweep
from dashapp.models.training import ACTIVE_STATUSES, RunArtifact, RunStatus, TrainingRun, utcnow
from dashapp.recipes import ParamsError, Recipe, validate_params
from dashapp.recipes.validation import FORM_LEVEL
from dashapp.settings import current_settings
from dashapp.training import recipe_catalog
from dashapp.web.identity import Role, User


class RunError(Exception):
    """A refused run operation; `status_code` is the HTTP status it maps to."""

    status_code = 400


class RunNotFound(RunError):
    """No such run."""

    status_code = 404


class RunForbidden(RunError):
    """The user may not do this to this run."""

    status_code = 403


def _require(user: User | None, role: Role) -> User:
    if user is None:
        raise RunForbidden("Sign-in required.")
    if not user.has(role):
        raise RunForbidden(f"This needs the {role.name.lower()} role.")
    return user


def can_control(user: User | None, run: TrainingRun) -> bool:
    """Trainers control their own runs; admins control every run."""
    if user is None or not user.has(Role.TRAINER):
        return False
    return user.has(Role.ADMIN) or run.owner == user.username


def _get(run_id: int) -> TrainingRun:
    run = db.session.get(TrainingRun, run_id)
    if run is None:
        raise RunNotFound(f"Run {run_id} does not exist.")
    return run


class RunRateLimited(RunError):
    """The user started too many runs in the last minute."""


def _lock_launches(username: str) -> None:
    """Serialise this user's launches until the transaction ends, across web processes."""
    lock_user("launch", username, TrainingRun)


class TooManyActiveRuns(RunRateLimited):
    """The user's queued and running runs would pass the per-user cap."""


def _check_launch_rate(user: User, new_runs: int = 1) -> None:
    """Refuse a launch of `new_runs` runs past the per-user limits (launches per minute; runs
    queued or running at once); counted on the table under a per-user lock, so all web
    processes agree (the caller inserts and commits in the same transaction)."""
    _lock_launches(user.username)
    _check_active_runs(user, new_runs)
    limit = current_settings().training_launches_per_minute
    since = utcnow() - dt.timedelta(minutes=1)
    recent = db.session.scalar(
        select(func.count())
        .select_from(TrainingRun)
        .where(TrainingRun.owner == user.username, TrainingRun.created_at >= since)
        # A sweep counts once (below), not once per run: its size has its own bound.
        .where(TrainingRun.sweep_id.is_(None))
    )
    sweeps = db.session.scalar(
        select(func.count())
        .select_from(Sweep)
        .where(Sweep.owner == user.username, Sweep.created_at >= since)
    )
    if (recent or 0) + (sweeps or 0) >= limit:
        db.session.rollback()  # releases the lock
        raise RunRateLimited(
            f"You started {limit} runs in the last minute; wait a moment before starting more."
        )


def _check_active_runs(user: User, new_runs: int) -> None:
    """Refuse when the user's queued and running runs plus `new_runs` pass the cap."""
    cap = current_settings().training_max_active_runs
    active = db.session.scalar(
        select(func.count())
        .select_from(TrainingRun)
        .where(TrainingRun.owner == user.username, TrainingRun.status.in_(ACTIVE_STATUSES))
    )
    if (active or 0) + new_runs > cap:
        db.session.rollback()  # releases the lock
        asked = "this run" if new_runs == 1 else f"these {new_runs} runs"
        raise TooManyActiveRuns(
            f"You have {active or 0} runs queued or running; with {asked} that would pass the "
            f"limit of {cap}. Wait for some to finish, or cancel some."
        )


class UnknownRecipe(RunError):
    """No recipe of that name is registered."""

    status_code = 404


class OverMemoryBudget(RunError):
    """The run would need more worker memory than the budget allows."""


def _recipe(name: str) -> Recipe:
    recipe = recipe_catalog.find(name)
    if recipe is None:
        known = ", ".join(recipe_catalog.available())
        raise UnknownRecipe(f"There is no recipe {name!r}. Available: {known}.")
    return recipe


def _check_memory(recipe: Recipe, params: Any) -> None:
    """Refuse a run estimated over the worker memory budget, saying by how much."""
    if recipe.memory_estimate is None:
        return
    need_mb = recipe.memory_estimate(params) / 2**20
    budget_mb = current_settings().training_memory_budget_mb
    if need_mb > budget_mb:
        raise OverMemoryBudget(
            f"This run needs about {need_mb:,.0f} MiB of worker memory, "
            f"{need_mb - budget_mb:,.0f} MiB over the budget of {budget_mb:,} MiB. "
            "Make it smaller (fewer or smaller examples)."
        )


class OverStepBudget(RunError):
    """The run would take more optimizer steps than the budget allows; `field` is the form
    field the message belongs under."""

    def __init__(self, message: str, field: str = FORM_LEVEL) -> None:
        super().__init__(message)
        self.field = field


def _check_work(recipe: Recipe, params: Any) -> None:
    """Refuse a run estimated over the step budget, saying by how much; the message belongs
    under its epochs (the usual thing to change) when the recipe has that field."""
    if recipe.work_estimate is None:
        return
    steps = int(recipe.work_estimate(params))
    budget = current_settings().training_max_steps
    if steps > budget:
        raise OverStepBudget(
            f"This run takes about {steps:,} optimizer steps (epochs × steps per epoch), over "
            f"the budget of {budget:,}. Use fewer epochs or examples, or a larger batch.",
            "epochs" if "epochs" in recipe.params.model_fields else FORM_LEVEL,
        )


def create_run(
    user: User | None,
    recipe_name: str,
    values: Mapping[str, Any],
    rerun_of: int | None = None,
) -> TrainingRun:
    """Validate `values` with the recipe's model (ParamsError on bad input), insert the queued
    run and commit it."""
    user = _require(user, Role.TRAINER)
    recipe = _recipe(recipe_name)
    params = validate_params(recipe, values)
    _check_memory(recipe, params)
    try:
        _check_work(recipe, params)
    except OverStepBudget as exc:
        raise ParamsError({exc.field: str(exc)}) from None  # shown under the field
    _check_launch_rate(user)
    run = TrainingRun(
        owner=user.username,
        status=RunStatus.QUEUED.value,
        recipe=recipe.name,
        config=params.model_dump(mode="json"),
        rerun_of=rerun_of,
        log=f"{utcnow():%H:%M:%S} queued by {user.username}\n",
    )
    db.session.add(run)
    db.session.commit()
    return run


def rerun(user: User | None, run_id: int) -> TrainingRun:
    """A new queued run of the caller's with the same configuration (one click on a lost run)."""
    source = _get(run_id)
    return create_run(user, source.recipe, source.config, rerun_of=source.id)


def request_cancel(user: User | None, run_id: int) -> TrainingRun:
    """Flag a run for cancelling; a queued run is cancelled at once. Owner or admin only."""
    run = _get(run_id)
    if not can_control(user, run):
        raise RunForbidden("Only the run's owner or an admin can cancel it.")
    assert user is not None
    if run.is_active:
        run.cancel_requested = True
        run.cancel_requested_by = user.username
        run.cancel_requested_at = utcnow()
        run.log += f"{utcnow():%H:%M:%S} cancel requested by {user.username}\n"
        if run.status == RunStatus.QUEUED:
            # No job holds it yet: the job checks the status before starting and will skip it.
            run.status, run.finished_at = RunStatus.CANCELLED.value, utcnow()
    db.session.commit()
    return run


def get_run(run_id: int) -> TrainingRun:
    """The run (a read: lost runs are marked by the periodic sweep, dashapp/periodic.py)."""
    return _get(run_id)


def latest_active_run(user: User | None) -> TrainingRun | None:
    """The user's newest queued or running run (what the page shows after a reload)."""
    if user is None:
        return None
    return db.session.scalars(
        select(TrainingRun)
        .where(TrainingRun.owner == user.username, TrainingRun.status.in_(ACTIVE_STATUSES))
        .order_by(TrainingRun.id.desc())
        .limit(1)
    ).first()


def may_take_files(user: User | None, run: TrainingRun) -> bool:
    """Whether `user` may download the run's files (checkpoints, metrics): its owner or an admin.

    Any viewer may watch a run, images included; its files are its owner's work to hand out.
    """
    return user is not None and (user.has(Role.ADMIN) or run.owner == user.username)


def artifact(user: User | None, run_id: int, name: str) -> RunArtifact:
    """One artifact with its bytes: images for any viewer, other files for may_take_files."""
    found = db.session.scalars(
        select(RunArtifact).where(RunArtifact.run_id == run_id, RunArtifact.name == name)
    ).first()
    if found is None:
        raise RunNotFound(f"Run {run_id} has no artifact {name!r}.")
    if found.kind != "image" and not may_take_files(user, found.run):
        raise RunForbidden(
            f"Run {run_id} is not yours: only its owner or an admin can download {name!r}."
        )
    return found
