"""Embedded-mode background jobs, forked from a single-threaded helper process (a "zygote").

Dash's DiskcacheManager forks the web process for every job. The web process runs threads (the
server's request threads, each talking to SQLite), and a fork copies every lock another thread
holds at that instant: we saw a job child hang for ever in `sqlite3Malloc`, on SQLite's memory
mutex that a polling thread had held when the request thread forked. This manager forks one
helper when the app is built, before any request thread exists; each job is then forked from
that quiet helper, so it starts as a clean copy whatever the web process is doing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import sqlite3
import sys
import tempfile
import threading
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from dash.background_callback import DiskcacheManager

log = logging.getLogger(__name__)

JobFn = Callable[[str, str, Any, dict[str, Any]], None]
READY = "ready"
READY_TIMEOUT_S = 10.0
START_ATTEMPTS = 3
# The web side's end of every helper's pipe in this process. A process forked later (another
# helper, a job) closes its copies, so each helper sees EOF as soon as its own app is gone.
_open_pipes: weakref.WeakSet[Connection] = weakref.WeakSet()
# Managers whose helper is running: a process that makes many apps (a test run) ends the
# helpers of the apps it is done with (see live_helpers), instead of keeping one per app.
_live: weakref.WeakSet[ZygoteDiskcacheManager] = weakref.WeakSet()


@dataclass
class _Zygote:
    pid: int
    conn: Connection
    owner_pid: int  # the process that made it: a pipe must not be shared by forked workers


class ZygoteDiskcacheManager(DiskcacheManager):
    """A DiskcacheManager whose job processes are forked from a helper made at start-up."""

    def __init__(self, cache: Any, expire: int | None = None) -> None:
        super().__init__(cache, expire=expire)
        self._zygote: _Zygote | None = None
        self._send_lock = threading.Lock()

    def start_zygote(self) -> None:
        """Fork the helper; call once every background callback is registered, before serving.

        A helper that cannot prove SQLite usable in time inherited a lock another thread held
        at the fork: it is killed and forked again (the lock is held for an instant)."""
        for _attempt in range(START_ATTEMPTS):
            if self._fork_zygote():
                return
        log.warning("embedded job helper did not start; jobs fork the web process instead")

    def _fork_zygote(self) -> bool:
        """Fork one helper and wait for its proof of life; True when it is serving."""
        ours, theirs = multiprocessing.Pipe()
        registry: dict[str, JobFn] = dict(self.func_registry)
        with warnings.catch_warnings():
            # Python 3.12+ warns on any fork of a threaded process (a test runner, a server that
            # builds a second app). The helper is made for exactly that hazard: it proves below
            # that SQLite works in it before any job is forked from it.
            warnings.filterwarnings(
                "ignore", "This process .* is multi-threaded", DeprecationWarning
            )
            pid = os.fork()
        if pid == 0:  # the helper: never returns
            ours.close()
            _close_inherited_pipes()
            _serve(theirs, registry)
        theirs.close()
        _open_pipes.add(ours)
        # The helper proves SQLite is usable in it (no mutex inherited locked) before we use it.
        try:
            ready = ours.poll(READY_TIMEOUT_S) and ours.recv() == READY
        except (EOFError, OSError):
            ready = False
        if ready:
            self._zygote = _Zygote(pid, ours, os.getpid())
            _live.add(self)
            return True
        ours.close()
        _kill(pid)
        return False

    def stop_zygote(self) -> None:
        """End the helper (running jobs go on); later jobs fork the web process."""
        zygote, self._zygote = self._zygote, None
        _live.discard(self)
        if zygote is not None:
            zygote.conn.close()
            _kill(zygote.pid)

    def call_job_fn(self, key: str, job_fn: JobFn, args: Any, context: Any) -> int:
        """Start the job in a child of the helper; returns its pid (what Dash kills on cancel).
        Without a usable helper, the job forks the web process, as Dash itself does."""
        child = self._fork_from_helper(key, job_fn, args, context)
        if child is not None:
            return child
        pid: int = super().call_job_fn(key, job_fn, args, context)
        return pid

    def _fork_from_helper(self, key: str, job_fn: JobFn, args: Any, context: Any) -> int | None:
        """The pid of the job forked by the helper; None when the helper cannot start it."""
        zygote = self._zygote
        name = next((k for k, fn in self.func_registry.items() if fn is job_fn), None)
        if zygote is None or name is None or zygote.owner_pid != os.getpid():
            return None
        request = (name, key, self._make_progress_key(key), args, dict(context))
        try:
            payload = pickle.dumps(request)
        except (pickle.PicklingError, TypeError, AttributeError):
            log.warning("background job arguments cannot be pickled; forking the web process")
            return None
        try:
            with self._send_lock:
                zygote.conn.send_bytes(payload)
                child: int = zygote.conn.recv()
        except (EOFError, OSError):
            # The helper is gone (killed, out of memory): this and later jobs fork the web
            # process rather than fail.
            log.warning("embedded job helper is gone; jobs fork the web process from now on")
            self.stop_zygote()
            return None
        return child


def live_helpers() -> set[ZygoteDiskcacheManager]:
    """The managers of this process whose job helper is running."""
    return set(_live)


def _serve(conn: Connection, registry: dict[str, JobFn]) -> None:
    """The helper's loop: fork one child per request until the web process goes away."""
    status = 0
    try:
        # Children are reaped by the kernel, so a finished job never lingers as a zombie
        # (Dash's job_running() would take a zombie for a live job).
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal stops the web only
        _prove_sqlite_usable()
        conn.send(READY)
        while True:
            name, key, progress_key, args, context = pickle.loads(conn.recv_bytes())
            child = os.fork()
            if child == 0:
                conn.close()
                _close_inherited_pipes()
                _run_job(registry[name], key, progress_key, args, context)
            conn.send(child)
    except (EOFError, OSError):
        pass  # the web process closed its end: time to go
    except BaseException:  # noqa: BLE001 - the helper must leave, never fall back into caller code
        log.exception("embedded job helper failed")
        status = 1
    os._exit(status)


def _prove_sqlite_usable() -> None:
    """Take and release SQLite's locks the way a job will: memory, file open and file locking.

    A mutex another thread of the forking process held at the fork stays held here for ever;
    an in-memory database alone takes neither the file-open nor the file-locking mutex, which
    every job's first read of a file database takes. Hangs (and the helper is re-forked) when
    one is held."""
    sqlite3.connect(":memory:").close()
    handle, path = tempfile.mkstemp(prefix="dashapp-helper-", suffix=".sqlite")
    os.close(handle)
    try:
        probe = sqlite3.connect(path, isolation_level=None)
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("CREATE TABLE proof (x)")
        probe.execute("COMMIT")
        probe.close()
    finally:
        os.unlink(path)


def _run_job(job_fn: JobFn, key: str, progress_key: str, args: Any, context: Any) -> None:
    """Run one job in a fresh child and leave the process, whatever happens."""
    status = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        job_fn(key, progress_key, args, context)
    except BaseException:  # noqa: BLE001 - Dash's job_fn records callback errors itself
        log.exception("embedded background job failed")
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _close_inherited_pipes() -> None:
    for pipe in list(_open_pipes):
        pipe.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
