"""The job's side of a run row: claim it, write progress, metrics and heartbeats, finish it.

Every write is conditional on the run still being `running`, so a run a sweeper already marked
lost (or a re-delivered Celery message for a finished run) is never brought back to life.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from dashapp.extensions import db
from dashapp.models.training import RunArtifact, RunMetric, TrainingRun, utcnow
from tasks.training.job import JobOutcome
from tasks.training.loop import EpochMetrics, Progress, RunInfo

LOG_LINES = 200


class RunRecorder:
    """Writes one run's progress to its row; use inside an app context."""

    def __init__(self, run_id: int, progress_every_s: float, heartbeat_s: float) -> None:
        self.run_id = run_id
        self.progress_every_s = progress_every_s
        self.heartbeat_s = heartbeat_s
        self.host = f"{socket.gethostname()} (pid {os.getpid()})"
        self._last_write = 0.0
        self._last_check = 0.0
        self._stop_seen = False
        self._log: list[str] = []
        self._stop_beat = threading.Event()
        self._beater: threading.Thread | None = None

    # --- row updates ----------------------------------------------------------------------

    def _update(self, **values: Any) -> bool:
        result = db.session.execute(
            update(TrainingRun)
            .where(TrainingRun.id == self.run_id, TrainingRun.status == "running")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return bool(getattr(result, "rowcount", 0))

    def log(self, line: str) -> None:
        """Add a line to the run's log tail (written with the next update)."""
        self._log.append(f"{utcnow():%H:%M:%S} {line}")

    def _log_text(self, run_log: str = "") -> str:
        lines = (run_log + "\n".join(self._log) + "\n").splitlines()
        return "\n".join(lines[-LOG_LINES:]) + "\n"

    def claim(self) -> TrainingRun | None:
        """queued -> running; None when the run is not queued (cancelled, re-delivered, gone)."""
        now = utcnow()
        result = db.session.execute(
            update(TrainingRun)
            .where(TrainingRun.id == self.run_id, TrainingRun.status == "queued")
            .values(status="running", started_at=now, heartbeat_at=now, worker_host=self.host)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if not getattr(result, "rowcount", 0):
            return None
        run = db.session.get(TrainingRun, self.run_id)
        if run is not None:
            self._log = [line for line in run.log.splitlines() if line]
            self.log(f"started on {self.host}")
        return run

    def on_start(self, info: RunInfo) -> None:
        """Record the device and the shape of the loop."""
        self.log(f"device {info.device_name}, {info.parameters:,} parameters, amp {info.amp}")
        self._update(
            device=info.device,
            device_name=info.device_name,
            amp=info.amp,
            steps_per_epoch=info.steps_per_epoch,
            heartbeat_at=utcnow(),
            log=self._log_text(),
        )

    def on_progress(self, progress: Progress) -> bool:
        """Write progress at most every `progress_every_s`; True when it wrote."""
        now = time.monotonic()
        last = progress.global_step == progress.total_steps
        if not last and now - self._last_write < self.progress_every_s:
            return False
        self._last_write = now
        self._update(
            epoch=progress.epoch,
            epochs=progress.epochs,
            step=progress.step,
            steps_per_epoch=progress.steps_per_epoch,
            percent=round(progress.percent, 2),
            eta_s=progress.eta_s,
            heartbeat_at=utcnow(),
        )
        return True

    def on_epoch(self, metrics: EpochMetrics) -> None:
        """Store one epoch's metrics."""
        self.log(
            f"epoch {metrics.epoch}: loss {metrics.train_loss:.4f} acc {metrics.train_acc:.3f} "
            f"val_loss {metrics.val_loss:.4f} val_acc {metrics.val_acc:.3f} "
            f"({metrics.samples_per_s:,.0f} samples/s)"
        )
        db.session.add(RunMetric(run_id=self.run_id, **vars(metrics)))
        db.session.flush()
        self._update(val_acc=metrics.val_acc, val_loss=metrics.val_loss, log=self._log_text())

    def should_stop(self) -> bool:
        """True once the cancel flag is set or the run is no longer running (read throttled)."""
        if self._stop_seen:
            return True
        now = time.monotonic()
        if now - self._last_check < self.progress_every_s:
            return False
        self._last_check = now
        row = db.session.execute(
            select(
                TrainingRun.status, TrainingRun.cancel_requested, TrainingRun.cancel_requested_by
            ).where(TrainingRun.id == self.run_id)
        ).one_or_none()
        db.session.commit()  # end the read transaction so the next read sees new flags
        self._stop_seen = row is None or row.status != "running" or bool(row.cancel_requested)
        if row is not None and row.cancel_requested:
            self.log(f"cancel requested by {row.cancel_requested_by}; stopping")
        return self._stop_seen

    def finish(self, outcome: JobOutcome) -> str:
        """Store artifacts and final numbers; succeeded or cancelled."""
        result = outcome.result
        for artifact in outcome.artifacts:
            db.session.add(
                RunArtifact(
                    run_id=self.run_id,
                    name=artifact.name,
                    kind=artifact.kind,
                    title=artifact.title,
                    content_type=artifact.content_type,
                    size=len(artifact.data),
                    sha256=hashlib.sha256(artifact.data).hexdigest(),
                    data=artifact.data,
                )
            )
        db.session.flush()
        self.log(f"{result.status}; {len(outcome.artifacts)} artifacts saved")
        values: dict[str, Any] = {
            "status": result.status,
            "finished_at": utcnow(),
            "heartbeat_at": utcnow(),
            "samples_per_s": result.samples_per_s,
            "peak_memory_bytes": result.peak_memory_bytes,
            "timings": {k: round(v, 4) for k, v in result.timings.items()},
            "environment": outcome.meta["versions"],
            "code_version": outcome.meta["code_version"],
            "log": self._log_text(),
        }
        if result.status == "succeeded":
            values.update(percent=100.0, eta_s=0.0)
        if not self._update(**values):
            db.session.rollback()  # someone marked it lost meanwhile: keep their verdict
            return "lost"
        return result.status

    def fail(self, error: BaseException) -> None:
        """Mark the run failed with a readable message."""
        db.session.rollback()
        message = str(error) or type(error).__name__
        self.log(f"failed: {message}")
        self._update(
            status="failed", error=message[:2000], finished_at=utcnow(), log=self._log_text()
        )

    # --- heartbeat ------------------------------------------------------------------------

    def start_heartbeat(self, engine: Engine) -> None:
        """Beat from a thread so slow steps (data loading, a long eval) do not look like death."""
        self._stop_beat.clear()

        def beat() -> None:
            while not self._stop_beat.wait(self.heartbeat_s):
                try:
                    with engine.begin() as conn:
                        conn.execute(
                            update(TrainingRun)
                            .where(TrainingRun.id == self.run_id, TrainingRun.status == "running")
                            .values(heartbeat_at=utcnow())
                        )
                except Exception:  # noqa: BLE001 - a missed beat is retried; never kill the job
                    pass

        self._beater = threading.Thread(
            target=beat, name=f"heartbeat-run-{self.run_id}", daemon=True
        )
        self._beater.start()

    def stop_heartbeat(self) -> None:
        """Stop the heartbeat thread."""
        self._stop_beat.set()
        if self._beater is not None:
            self._beater.join(timeout=self.heartbeat_s + 5)
