"""The job's side of a run row (a RunSink): claim it, write progress, metric points, artifacts
and heartbeats, finish it.

Every write is conditional on the run still being `running`, so a run a sweeper already marked
lost (or a re-delivered Celery message for a finished run) is never brought back to life.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from dashapp.extensions import db
from dashapp.models.training import RunArtifact, RunPoint, RunStatus, TrainingRun, utcnow
from dashapp.recipes.interrupt import Interrupter
from dashapp.recipes.runner import RecipeOutcome
from dashapp.training.run_limits import RunLimits

LOG_LINES = 400
# Points kept per metric and run: a recipe logging every step of a long run stays bounded.
MAX_POINTS_PER_METRIC = 20_000


def progress_text(done: int, total: int, eta_s: float | None) -> str:
    """The line the background callback's progress output shows.

    No ETA here: the panel shows the run row's ETA beside it, and two ETAs computed at
    different moments (one in raw seconds) contradicted each other on screen.
    """
    del eta_s  # kept in the signature: the sink's progress() hands it over
    return f"{done:,}/{total:,} · {100.0 * done / max(total, 1):.0f}%"


class RunRecorder:
    """Writes one run's progress to its row; use inside an app context."""

    def __init__(
        self,
        run_id: int,
        progress_every_s: float,
        heartbeat_s: float,
        limits: RunLimits | None = None,
    ) -> None:
        self.run_id = run_id
        self.limits = limits or RunLimits()
        self.progress_every_s = progress_every_s
        self.heartbeat_s = heartbeat_s
        self.host = f"{socket.gethostname()} (pid {os.getpid()})"
        self.on_progress_written: Callable[[str], None] | None = None
        self._last_write = 0.0
        self._stop = threading.Event()
        self._stop_reason = "stop requested"
        self._stop_logged = False
        # Set when a limit stopped the run: it then ends failed with this reason.
        self._over_limit: str | None = None
        self._claimed_at = time.monotonic()
        self._log: list[str] = []
        self._log_dirty = False
        self._points: list[dict[str, Any]] = []
        self._counts: dict[str, int] = {}
        self._summary: dict[str, float] = {}
        self._progress: dict[str, Any] = {}
        self._stop_beat = threading.Event()
        self._beater: threading.Thread | None = None

    # --- row updates ----------------------------------------------------------------------

    def _update(self, **values: Any) -> bool:
        result = db.session.execute(
            update(TrainingRun)
            .where(TrainingRun.id == self.run_id, TrainingRun.status == RunStatus.RUNNING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return bool(getattr(result, "rowcount", 0))

    def _log_text(self) -> str:
        return "\n".join(self._log[-LOG_LINES:]) + "\n"

    def claim(self) -> TrainingRun | None:
        """queued -> running; None when the run is not queued (cancelled, re-delivered, gone)."""
        now = utcnow()
        result = db.session.execute(
            update(TrainingRun)
            .where(TrainingRun.id == self.run_id, TrainingRun.status == RunStatus.QUEUED)
            .values(
                status=RunStatus.RUNNING.value,
                started_at=now,
                heartbeat_at=now,
                worker_host=self.host,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if not getattr(result, "rowcount", 0):
            return None
        self._claimed_at = time.monotonic()  # the time limit counts from here
        run = db.session.get(TrainingRun, self.run_id)
        if run is not None:
            self._log = [line for line in run.log.splitlines() if line]
            self.log(f"started on {self.host}")
        return run

    def flush(self) -> None:
        """Write buffered points, the metric summary, progress and the log (what changed)."""
        values: dict[str, Any] = {"heartbeat_at": utcnow(), **self._progress}
        if self._points:
            db.session.execute(insert(RunPoint), self._points)
            self._points = []
            values["summary"] = dict(self._summary)
        if self._log_dirty:
            values["log"] = self._log_text()
            self._log_dirty = False
        self._update(**values)
        self._last_write = time.monotonic()

    def _maybe_flush(self, force: bool = False) -> bool:
        if not force and time.monotonic() - self._last_write < self.progress_every_s:
            return False
        self.flush()
        return True

    # --- RunSink --------------------------------------------------------------------------

    def log(self, line: str) -> None:
        """Add a line to the run's log (written with the next flush)."""
        self._log.append(f"{utcnow():%H:%M:%S} {line}")
        del self._log[:-LOG_LINES]
        self._log_dirty = True

    def started(self, device: str, device_name: str) -> None:
        """Record where the recipe runs."""
        self._update(device=device[:20], device_name=device_name[:200], heartbeat_at=utcnow())

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        """Buffer metric points; they reach the row with the next flush."""
        for name, value in values.items():
            name = name[:100]
            count = self._counts.get(name, 0)
            self._counts[name] = count + 1
            self._summary[name] = value
            if count < MAX_POINTS_PER_METRIC:
                self._points.append(
                    {"run_id": self.run_id, "name": name, "step": step, "value": value}
                )
            elif count == MAX_POINTS_PER_METRIC:
                self.log(f"metric {name}: over {MAX_POINTS_PER_METRIC:,} points; keeping no more")
        self._maybe_flush()

    def progress(self, done: int, total: int, eta_s: float | None) -> None:
        """Progress at most every `progress_every_s` (and always the last step)."""
        self._progress = {
            "progress_done": done,
            "progress_total": total,
            "percent": round(100.0 * done / total, 2),
            "eta_s": eta_s,
        }
        over = self.limits.over_steps(done, total)
        tripped = over is not None and not self._stop.is_set()
        if over is not None:
            self.request_stop(over, over_limit=True)
        # Written at once when the budget stops the run: the row shows where it stopped.
        force = done == total or tripped
        if self._maybe_flush(force=force) and self.on_progress_written is not None:
            self.on_progress_written(progress_text(done, total, eta_s))

    def artifact(self, name: str, kind: str, content_type: str, data: bytes, title: str) -> None:
        """Store a file at once (a later file of the same name replaces it)."""
        db.session.execute(
            delete(RunArtifact).where(RunArtifact.run_id == self.run_id, RunArtifact.name == name)
        )
        db.session.add(
            RunArtifact(
                run_id=self.run_id,
                name=name,
                kind=kind,
                title=title[:200],
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
            )
        )
        db.session.commit()

    def should_stop(self) -> bool:
        """True once the watcher saw a cancel (or the run is no longer running); no database
        read here, so recipes may ask on every step."""
        if self._stop.is_set() and not self._stop_logged:
            self._stop_logged = True
            self.log(f"{self._stop_reason}; stopping")
        return self._stop.is_set()

    # --- the end --------------------------------------------------------------------------

    def finish(self, outcome: RecipeOutcome, meta: Mapping[str, Any]) -> RunStatus:
        """Store the final state: succeeded, cancelled or failed (with the error); a run a
        limit stopped failed, whatever the recipe made of the stop."""
        if self._over_limit is not None:
            error = f"The worker stopped it: it {self._over_limit}."
            outcome = replace(outcome, status=RunStatus.FAILED, error=error)
        if outcome.status is not RunStatus.SUCCEEDED:
            # A failing recipe, or one interrupted mid-write, may leave a transaction half done.
            db.session.rollback()
        self.log(str(outcome.status))
        values: dict[str, Any] = {
            "status": outcome.status.value,
            "finished_at": utcnow(),
            "samples_per_s": self._summary.get("samples_per_s"),
            "peak_memory_bytes": outcome.peak_memory_bytes,
            "timings": {k: round(v, 4) for k, v in outcome.timings.items()},
            "environment": meta.get("versions"),
            "code_version": meta.get("code_version"),
            "error": outcome.error[:2000] if outcome.error else None,
        }
        if outcome.status is RunStatus.SUCCEEDED:
            values.update(percent=100.0)
        if outcome.status is not RunStatus.RUNNING:
            values.update(eta_s=None)
        self._progress = {}
        if self._points:
            db.session.execute(insert(RunPoint), self._points)
            self._points = []
        if not self._update(
            summary=dict(self._summary), heartbeat_at=utcnow(), log=self._log_text(), **values
        ):
            db.session.rollback()  # someone marked it lost meanwhile: keep their verdict
            return RunStatus.LOST
        return outcome.status

    def fail(self, error: BaseException) -> None:
        """Mark the run failed with a readable message (for failures outside the recipe)."""
        db.session.rollback()
        message = str(error) or type(error).__name__
        self.log(f"failed: {message}")
        self._update(
            status=RunStatus.FAILED.value,
            error=message[:2000],
            finished_at=utcnow(),
            eta_s=None,
            log=self._log_text(),
        )

    # --- the watcher: heartbeat, cancel flag, interrupt -------------------------------------

    def request_stop(self, reason: str, over_limit: bool = False) -> None:
        """Ask the run to stop (a SIGTERM from Dash's cancel, a limit); the watcher escalates.
        The first reason wins: a run cancelled before its limit stays cancelled."""
        if not self._stop.is_set():
            self._stop_reason = reason
            if over_limit:
                self._over_limit = reason
            self._stop.set()

    def _read_stop(self, conn: Any) -> None:
        row = conn.execute(
            select(
                TrainingRun.status, TrainingRun.cancel_requested, TrainingRun.cancel_requested_by
            ).where(TrainingRun.id == self.run_id)
        ).one_or_none()
        if row is None:
            self.request_stop("the run was deleted")
        elif row.cancel_requested:
            self.request_stop(f"cancel requested by {row.cancel_requested_by}")
        elif row.status != RunStatus.RUNNING:
            self.request_stop(f"the run is {row.status}")

    def start_heartbeat(
        self,
        engine: Engine,
        interrupter: Interrupter | None = None,
        poll_s: float = 1.0,
        interrupt_after_s: float = 3.0,
        wrap_up_s: float = 15.0,
    ) -> None:
        """Watch from a thread, whatever the job thread is doing (loading data, a long eval):
        beat every `heartbeat_s` so slow phases do not look like death; read the cancel flag
        every `poll_s`. After a stop was asked, a recipe that has not looked at `should_stop`
        within `interrupt_after_s` (it is loading data, say) is broken into with `interrupter`;
        one that saw it gets `wrap_up_s` to save what it has before the same happens."""
        self._stop_beat.clear()

        def watch() -> None:
            next_beat = 0.0
            stop_seen_at: float | None = None
            while not self._stop_beat.wait(min(poll_s, self.heartbeat_s)):
                now = time.monotonic()
                try:
                    with engine.begin() as conn:
                        if now >= next_beat:
                            conn.execute(
                                update(TrainingRun)
                                .where(
                                    TrainingRun.id == self.run_id,
                                    TrainingRun.status == RunStatus.RUNNING,
                                )
                                .values(heartbeat_at=utcnow())
                            )
                            next_beat = now + self.heartbeat_s
                        if not self._stop.is_set():
                            self._read_stop(conn)
                except Exception:  # noqa: BLE001 - a missed beat is retried; never kill the job
                    pass
                over = self.limits.over_time(now - self._claimed_at)
                if over is not None:
                    self.request_stop(over, over_limit=True)
                if self._stop.is_set() and interrupter is not None:
                    stop_seen_at = now if stop_seen_at is None else stop_seen_at
                    allowed = wrap_up_s if self._stop_logged else interrupt_after_s
                    if now - stop_seen_at >= allowed:
                        interrupter.interrupt()

        self._beater = threading.Thread(target=watch, name=f"watch-run-{self.run_id}", daemon=True)
        self._beater.start()

    def stop_heartbeat(self) -> None:
        """Stop the watcher thread."""
        self._stop_beat.set()
        if self._beater is not None:
            self._beater.join(timeout=self.heartbeat_s + 5)
