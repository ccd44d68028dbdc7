"""One training job end to end: train, then build artifacts; free the GPU afterwards."""

from __future__ import annotations

import contextlib
import gc
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import torch

from tasks.training.artifacts import Artifact, build_artifacts
from tasks.training.config import TrainingConfig
from tasks.training.datasets import Dataset
from tasks.training.loop import Hooks, TrainResult, train
from tasks.training.repro import code_version, package_versions


@dataclass
class JobOutcome:
    """The loop's result, the artifacts and the reproducibility metadata."""

    result: TrainResult
    artifacts: list[Artifact]
    meta: dict[str, Any]


def reproducibility(config: TrainingConfig) -> dict[str, Any]:
    """Config, versions and code version recorded with every run."""
    return {
        "config": config.to_dict(),
        "versions": package_versions(),
        "code_version": code_version(),
    }


def free_device_memory() -> None:
    """Give cached GPU memory back so the next job on this worker starts clean."""
    gc.collect()
    if torch.cuda.is_initialized():
        torch.cuda.empty_cache()


def run_training(config: TrainingConfig, data: Dataset, hooks: Hooks | None = None) -> JobOutcome:
    """Train on `data` and build the artifacts (also for a run stopped early)."""
    try:
        result = train(config, data, hooks)
        meta = reproducibility(config) | {
            "device": result.info.device,
            "device_name": result.info.device_name,
            "amp": result.info.amp,
            "parameters": result.info.parameters,
        }
        artifacts = build_artifacts(config, data, result, meta)
        return JobOutcome(result, artifacts, meta)
    finally:
        free_device_memory()


class TermFlag:
    """Set by SIGTERM (Celery's revoke-terminate, Dash's cancel) so the loop stops cleanly."""

    def __init__(self) -> None:
        self.raised = False

    def __bool__(self) -> bool:
        return self.raised


@contextlib.contextmanager
def stop_on_sigterm(on_term: Callable[[], None] | None = None) -> Iterator[TermFlag]:
    """While inside, SIGTERM sets the yielded flag (and calls `on_term`) instead of killing
    the process."""
    flag = TermFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag  # signal handlers can only be installed from the main thread
        return

    def handle(_signum: int, _frame: FrameType | None) -> None:
        flag.raised = True
        if on_term is not None:
            on_term()

    previous = signal.signal(signal.SIGTERM, handle)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGTERM, previous)
