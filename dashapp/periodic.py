"""The periodic lost-run sweep, run once however many web processes there are.

Production: Celery beat (one `celery -A dashapp.worker:ui_celery beat` process) puts the sweep
task on the UI queue every `training_sweep_every_s`; a UI worker runs it. Embedded mode: each
web process starts a daemon thread, and only the one holding an exclusive lock on a file in the
instance folder sweeps; the others keep trying, so one takes over when the holder exits.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
import weakref
from pathlib import Path
from typing import IO, Any

from celery import Celery
from flask import Flask

from dashapp.settings import Settings
from dashapp.training import run_sweeper

log = logging.getLogger(__name__)
SWEEP_TASK = "dashapp.sweep_runs"
SWEEPER_KEY = "dashapp_run_sweeper"
LOCK_NAME = "run-sweeper.lock"


def sweep_once(server: Flask) -> run_sweeper.SweepResult:
    """One sweep in `server`'s app context; logs what it marked."""
    with server.app_context():  # leaving it removes the session (Flask-SQLAlchemy's teardown)
        result = run_sweeper.sweep()
    if result != run_sweeper.SweepResult():
        log.info("run sweep: %s", result)
    return result


def install_beat(celery: Celery, server: Flask, settings: Settings) -> None:
    """Register the sweep task on `celery` and put it on beat's schedule."""

    @celery.task(name=SWEEP_TASK, ignore_result=True)
    def _sweep_runs() -> None:
        sweep_once(server)

    every = settings.training_sweep_every_s or 2.0
    celery.conf.beat_schedule = {
        "sweep-lost-runs": {
            "task": SWEEP_TASK,
            "schedule": every,
            # A sweep nobody ran in time is worthless: the next one does the same work.
            "options": {"queue": settings.ui_queue, "expires": max(every * 2, 5.0)},
        }
    }
    celery.conf.beat_schedule_filename = str(settings.instance_path / "celerybeat-schedule")


class EmbeddedSweeper:
    """A daemon thread that sweeps while its process holds the sweeper lock file."""

    def __init__(self, server: Flask, every_s: float, lock_path: Path) -> None:
        self.server = server
        self.every_s = every_s
        self.lock_path = lock_path
        self._lock_file: IO[Any] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sweeps = 0
        _SWEEPERS.add(self)

    def _drop_inherited_lock(self) -> None:
        """In a forked child: close the copy of the lock file the child inherited.

        flock belongs to the open file, which a fork shares: a child that kept its copy (the
        embedded job helper, forked after this sweeper took the lock) would hold the lock after
        the sweeping process let it go, and no process would ever sweep again. Closing the
        child's copy leaves the parent's lock as it is."""
        # Nothing else here: a lock the parent's threads held at the fork (the stop event's)
        # stays held in the child, so touching it could hang the child.
        handle, self._lock_file = self._lock_file, None
        if handle is not None:
            handle.close()

    @property
    def holds_lock(self) -> bool:
        """True while this sweeper is the one that sweeps."""
        return self._lock_file is not None

    def _take_lock(self) -> bool:
        if self._lock_file is not None:
            return True
        handle = self.lock_path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()  # another process sweeps
            return False
        self._lock_file = handle
        return True

    def _run(self) -> None:
        wait, last_error = self.every_s, ""
        while not self._stop.wait(wait):
            try:
                if self._take_lock():
                    sweep_once(self.server)
                    self.sweeps += 1
                wait, last_error = self.every_s, ""
            except Exception as exc:  # noqa: BLE001 - a failed sweep is retried later
                # Once per new error, then quietly, backing off to a minute: a database that
                # is away or behind its migrations must not flood the log every 2 s.
                if str(exc) != last_error:
                    log.exception("run sweep failed; retrying with back-off")
                last_error = str(exc)
                wait = min(max(wait * 2, self.every_s), 60.0)

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="run-sweeper", daemon=True)
            self._thread.start()
            # Quiet at interpreter exit: handlers run last-registered first, so this stops the
            # sweeps before logging shuts down (a sweep then would log to closed streams).
            atexit.register(self._stop.set)

    def stop(self) -> None:
        """Stop the thread and give the lock to another process."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every_s + 10)
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


_SWEEPERS: weakref.WeakSet[EmbeddedSweeper] = weakref.WeakSet()


def live_sweepers() -> set[EmbeddedSweeper]:
    """This process's sweepers whose thread is running."""
    return {s for s in list(_SWEEPERS) if s._thread is not None and s._thread.is_alive()}


def _drop_inherited_locks() -> None:
    for sweeper in list(_SWEEPERS):
        sweeper._drop_inherited_lock()


os.register_at_fork(after_in_child=_drop_inherited_locks)


def start_embedded_sweeper(server: Flask, settings: Settings) -> EmbeddedSweeper | None:
    """Embedded mode: start this process's sweeper thread (none when the interval is 0 or in
    Celery mode, where beat does it)."""
    if settings.uses_celery or settings.training_sweep_every_s <= 0:
        return None
    sweeper = EmbeddedSweeper(
        server, settings.training_sweep_every_s, settings.instance_path / LOCK_NAME
    )
    server.extensions[SWEEPER_KEY] = sweeper
    sweeper.start()
    return sweeper
