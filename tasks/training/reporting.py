"""What the loop reports while it runs: what it found before the first step, where it is after
each step, each epoch's numbers, and the training-metric windows read from the device in
batches."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class RunInfo:
    """What the loop found out before the first step."""

    device: str
    device_name: str
    amp: str | None
    train_size: int
    val_size: int
    steps_per_epoch: int
    parameters: int


@dataclass(frozen=True)
class Progress:
    """Where the loop is; sent after every step."""

    epoch: int
    epochs: int
    step: int
    steps_per_epoch: int
    global_step: int
    total_steps: int
    elapsed_s: float
    eta_s: float | None

    @property
    def percent(self) -> float:
        """Share of all steps done, 0-100."""
        return 100.0 * self.global_step / max(self.total_steps, 1)


@dataclass(frozen=True)
class EpochMetrics:
    """One epoch's numbers."""

    epoch: int
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float
    samples_per_s: float


class TrainWindows:
    """Training loss/accuracy over windows of steps, read from the device in batches.

    Reading a CUDA tensor (`float(t)`) waits for every queued kernel; doing it on each report
    step made the small, launch-bound digits run wait on the GPU every step. The running epoch
    sums are snapshotted on the device instead (one small kernel) and read together at most
    every `flush_s` seconds and at the end of each epoch: the same numbers, reported a little
    later.
    """

    def __init__(self, report: Callable[[int, float, float], None], flush_s: float) -> None:
        self._report, self._flush_s = report, flush_s
        self._pending: list[tuple[int, int, torch.Tensor]] = []  # (global step, seen, sums)
        self._last_flush = time.perf_counter()
        self.start_epoch()

    def start_epoch(self) -> None:
        """A new epoch: its sums start from zero."""
        self._window_start = (0.0, 0, 0)  # epoch sums (loss, correct, seen) when it opened

    def snapshot(self, done: int, seen: int, loss_sum: torch.Tensor, correct: torch.Tensor) -> None:
        """Close a window at global step `done` (float64 holds the counts exactly)."""
        sums = torch.stack((loss_sum.double(), correct.double()))
        self._pending.append((done, seen, sums))
        if time.perf_counter() - self._last_flush >= self._flush_s:
            self.flush()

    def flush(self) -> None:
        """Read the pending windows (one device sync) and report each."""
        self._last_flush = time.perf_counter()
        if not self._pending:
            return
        read = torch.stack([sums for _, _, sums in self._pending]).tolist()
        for (done, seen, _), (loss_now, correct_now) in zip(self._pending, read, strict=True):
            # float32 -> float64 -> float is exact, as float(loss_sum) was.
            correct_now = int(correct_now)
            span = seen - self._window_start[2]
            self._report(
                done,
                (loss_now - self._window_start[0]) / span,
                (correct_now - self._window_start[1]) / span,
            )
            self._window_start = (loss_now, correct_now, seen)
        self._pending = []
