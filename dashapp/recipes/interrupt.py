"""Stopping a recipe that does not look at `ctx.should_stop` (data loading, a long set-up step).

A watcher thread calls `Interrupter.interrupt()`; the job thread, while inside
`Interrupter.window()`, then raises `RunInterrupted` where it is. In the main thread (a solo or
prefork Celery worker, an embedded job process) a real signal is sent, so a blocking sleep or
socket wait is woken as well: Python retries an interrupted system call only when the handler
returns, and ours raises. Other threads get an asynchronous exception, which takes effect when the
thread next runs Python code. Either way a single long C call (one SQL statement, one huge tensor
operation) finishes first.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import threading
from collections.abc import Iterator
from types import FrameType

# SIGUSR1 is Celery's "dump tracebacks"; SIGUSR2 is free unless its remote debugger is enabled.
INTERRUPT_SIGNAL = signal.SIGUSR2


class RunInterrupted(BaseException):
    """Raised inside a cancelled recipe that did not stop by itself.

    A BaseException, like KeyboardInterrupt, so that a recipe's `except Exception` cannot
    swallow the cancel.
    """


class Interrupter:
    """Lets another thread break into the job thread while it runs recipe code."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread_id: int | None = None
        self._in_main = False
        self.fired = False

    @contextlib.contextmanager
    def window(self) -> Iterator[None]:
        """While inside, `interrupt()` from another thread raises RunInterrupted here."""
        in_main = threading.current_thread() is threading.main_thread()
        previous: object = None
        if in_main:
            previous = signal.signal(INTERRUPT_SIGNAL, self._handle)
        with self._lock:
            self._thread_id, self._in_main = threading.get_ident(), in_main
        try:
            yield
        finally:
            with self._lock:
                self._thread_id = None
            if in_main:
                # A signal already on its way finds no Python handler to run: CPython skips
                # the default action for a handler replaced before it ran.
                signal.signal(INTERRUPT_SIGNAL, previous)  # type: ignore[arg-type]

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        if self._thread_id is not None:  # only inside the window
            raise RunInterrupted("cancelled")

    def interrupt(self) -> bool:
        """Break into the window once; False when no recipe code is running (or already done)."""
        with self._lock:
            if self._thread_id is None or self.fired:
                return False
            self.fired = True
            if self._in_main:
                signal.pthread_kill(self._thread_id, INTERRUPT_SIGNAL)
            else:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread_id), ctypes.py_object(RunInterrupted)
                )
        return True
