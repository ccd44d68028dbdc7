"""One long-lived background thread per web process that runs landmark passes.

A thread started per pass cost the request that started it about 0.7 ms here (creating the
thread and handing the interpreter lock to it and back), on exactly the request a manager
waits for: a large table's first rows. This thread is started by the process's first data view
request instead, and a pass is then one hand-off through a queue.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PassRunner:
    """Runs submitted jobs one after another on a daemon thread of this process.

    Fork-safe: a process forked after the thread started (gunicorn's `preload_app`) has no
    such thread, so `ensure_started` starts one there too.
    """

    def __init__(self, name: str = "grid-landmarks") -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started_in: int | None = None

    def ensure_started(self) -> None:
        """Start the thread in this process unless it runs already (cheap when it does)."""
        if self._started_in == os.getpid():
            return
        with self._lock:
            if self._started_in == os.getpid():
                return
            if self._started_in is not None:  # forked: the parent's queue may hold its jobs
                self._jobs = queue.SimpleQueue()
            threading.Thread(target=self._loop, name=self._name, daemon=True).start()
            self._started_in = os.getpid()

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` on the thread after the jobs already waiting."""
        self.ensure_started()
        self._jobs.put(job)

    def _loop(self) -> None:
        jobs = self._jobs
        while True:
            job = jobs.get()
            try:
                job()
            except Exception:  # a job handles its own failures; this only keeps the thread
                log.exception("background job failed")
