"""Run management: names, tags and notes; archive and delete; metrics as CSV.

Every function checks the caller's role and ownership itself (owner or admin, through the
lifecycle policy), whatever the page shows. Each is one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from sqlalchemy import delete, select

from dashapp.dataview.export import FORMULA_PREFIXES
from dashapp.extensions import db
from dashapp.models.training import RunArtifact, RunPoint, RunStatus, RunTag, TrainingRun, utcnow
from dashapp.settings import current_settings
from dashapp.training.run_lifecycle import Decisions, RunState, decide
from dashapp.training.runs import (
    RunError,
    RunForbidden,
    RunNotFound,
    can_control,
    may_take_files,
)
from dashapp.web.identity import Role, User

MAX_NAME = 120
MAX_NOTES = 10_000
MAX_TAGS = 20
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,39}$")
# Control characters (NUL and friends) have no place in a name, and PostgreSQL refuses NUL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RunConflict(RunError):
    """The run's state does not allow this (a live run cannot be deleted)."""

    status_code = 409


def _get(run_id: int) -> TrainingRun:
    run = db.session.get(TrainingRun, run_id)
    if run is None:
        raise RunNotFound(f"Run {run_id} does not exist.")
    return run


def decisions_for(user: User | None, run: TrainingRun) -> Decisions:
    """The lifecycle policy's decisions for `user` on `run` (what the page and server allow)."""
    state = RunState(
        status=RunStatus(run.status),
        cancel_requested=bool(run.cancel_requested),
        cancel_requested_at=run.cancel_requested_at,
        may_control=can_control(user, run),
        may_launch=user is not None and user.has(Role.TRAINER),
    )
    return decide(state, utcnow(), current_settings().training_cancel_grace_s)


def _managed(user: User | None, run_id: int) -> TrainingRun:
    run = _get(run_id)
    if not decisions_for(user, run).can_manage:
        raise RunForbidden(f"Only the owner of run {run_id} or an admin can change it.")
    return run


def clean_name(text: str | None) -> str | None:
    """A run name: trimmed, at most MAX_NAME characters, no control characters; "" -> None."""
    name = (text or "").strip()
    if CONTROL.search(name):
        raise RunError("A name cannot contain control characters.")
    if len(name) > MAX_NAME:
        raise RunError(f"A name has at most {MAX_NAME} characters (this one has {len(name)}).")
    return name or None


def parse_tags(text: str | Iterable[str] | None) -> list[str]:
    """Tags from "a, b c" (commas or spaces), lower-cased, each once, sorted."""
    raw = re.split(r"[,\s]+", text) if isinstance(text, str) else list(text or [])
    tags = sorted({t.strip().lower() for t in raw if t and t.strip()})
    bad = [t for t in tags if not TAG_PATTERN.match(t)]
    if bad:
        raise RunError(
            f"Tag {bad[0][:50]!r} is not allowed: use up to 40 letters, digits, '.', '_', ':' "
            "or '-', starting with a letter or digit."
        )
    if len(tags) > MAX_TAGS:
        raise RunError(f"A run has at most {MAX_TAGS} tags ({len(tags)} given).")
    return tags


def clean_notes(text: str | None) -> str:
    """Notes: at most MAX_NOTES characters, NUL removed (PostgreSQL text refuses it)."""
    notes = (text or "").replace("\x00", "")
    if len(notes) > MAX_NOTES:
        raise RunError(f"Notes have at most {MAX_NOTES:,} characters (these have {len(notes):,}).")
    return notes


def update_details(
    user: User | None, run_id: int, name: str | None, tags: str | None, notes: str | None
) -> TrainingRun:
    """Set the run's name, tags and notes (owner or admin)."""
    run = _managed(user, run_id)
    clean = clean_name(name), parse_tags(tags), clean_notes(notes)
    run.name, wanted, run.notes = clean
    current = {t.tag: t for t in run.tag_rows}
    for tag in set(current) - set(wanted):
        run.tag_rows.remove(current[tag])
    for tag in wanted:
        if tag not in current:
            run.tag_rows.append(RunTag(tag=tag))
    db.session.commit()
    return run


def set_archived(user: User | None, run_id: int, archived: bool) -> TrainingRun:
    """Archive (hide from the runs list by default) or bring back a run (owner or admin)."""
    run = _managed(user, run_id)
    if archived and run.is_active:
        raise RunConflict(f"Run {run_id} is {run.status}: cancel it before archiving it.")
    run.archived_at = (run.archived_at or utcnow()) if archived else None
    db.session.commit()
    return run


def delete_run(user: User | None, run_id: int) -> None:
    """Delete a finished run with its metric points, artifacts (checkpoints too) and tags."""
    run = _managed(user, run_id)
    if not decisions_for(user, run).can_delete:
        raise RunConflict(f"Run {run_id} is {run.status}: cancel it before deleting it.")
    # Explicit deletes: no ORM load of every point and checkpoint's bytes just to remove them.
    for model in (RunPoint, RunArtifact, RunTag):
        db.session.execute(delete(model).where(model.run_id == run_id))
    db.session.execute(delete(TrainingRun).where(TrainingRun.id == run_id))
    db.session.commit()


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def metrics_csv(user: User | None, run_id: int) -> str:
    """The run's metric points as CSV: a `step` column, then one column per metric.

    Owner or admin only: a viewer may watch runs on the page but not take their data away.
    """
    if user is None or not user.has(Role.VIEWER):
        raise RunForbidden("This needs the viewer role.")
    run = _get(run_id)
    if not may_take_files(user, run):
        raise RunForbidden(
            f"Run {run_id} is not yours: only its owner or an admin can download it."
        )
    rows = db.session.execute(
        select(RunPoint.step, RunPoint.name, RunPoint.value)
        .where(RunPoint.run_id == run_id)
        .order_by(RunPoint.step, RunPoint.name)
    ).all()
    names = sorted({row.name for row in rows})
    by_step: dict[int, dict[str, float]] = {}
    for row in rows:
        by_step.setdefault(row.step, {})[row.name] = row.value
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180: a lone \r in a value is quoted
    writer.writerow(["step", *(_csv_text(n) for n in names)])
    for step, values in by_step.items():
        writer.writerow([step, *(repr(values[n]) if n in values else "" for n in names)])
    return out.getvalue()
