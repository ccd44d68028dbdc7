"""Run one recipe: pick the device, capture print() output, turn exceptions into `failed`."""

from __future__ import annotations

import contextlib
import gc
import io
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from dashapp.recipes.api import Recipe, RunContext, RunSink
from dashapp.recipes.interrupt import Interrupter, RunInterrupted
from dashapp.recipes.status import RunStatus


@dataclass(frozen=True)
class RecipeOutcome:
    """How the recipe ended: succeeded, cancelled or failed (with the error and traceback)."""

    status: RunStatus
    error: str | None = None
    traceback: str | None = None
    peak_memory_bytes: int | None = None
    timings: dict[str, float] = field(default_factory=dict)


class _LineWriter(io.TextIOBase):
    """A text stream that sends each complete line to `emit` (recipe print() -> run log)."""

    def __init__(self, emit: Callable[[str], None], prefix: str = "") -> None:
        self._emit = emit
        self._prefix = prefix
        self._pending = ""

    def writable(self) -> bool:
        """Always writable."""
        return True

    def write(self, text: str) -> int:
        """Buffer `text`; emit every finished line."""
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                self._emit(self._prefix + line.rstrip())
        return len(text)

    def flush(self) -> None:
        """Emit an unfinished last line."""
        if self._pending.strip():
            self._emit(self._prefix + self._pending.rstrip())
        self._pending = ""


@contextlib.contextmanager
def captured_output(sink: RunSink) -> Iterator[None]:
    """While inside, the recipe's stdout and stderr lines go to the run's log."""
    out, err = _LineWriter(sink.log), _LineWriter(sink.log, "stderr: ")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield
    finally:
        out.flush()
        err.flush()


def choose_device(preference: str) -> tuple[Any, str]:
    """The torch device for a run (`auto` takes a GPU when the worker has one) and its name."""
    from tasks.training.loop import device_name, select_device

    device = select_device(preference)
    if device.type == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats(device)
    return device, device_name(device)


def peak_device_memory() -> int | None:
    """Peak GPU memory of this run in bytes; None on the CPU."""
    import torch

    if not torch.cuda.is_initialized():
        return None
    return int(torch.cuda.max_memory_allocated())


def free_device_memory() -> None:
    """Give cached GPU memory back so the next job on this worker starts clean."""
    gc.collect()
    import torch

    if torch.cuda.is_initialized():
        torch.cuda.empty_cache()


def _flush_quietly(context: RunContext | None) -> None:
    """Keep the metrics a failed or interrupted run logged; a broken device may refuse."""
    if context is None:
        return
    try:
        context.flush()
    except Exception:  # noqa: BLE001 - the run's own error is the one to report
        pass


def run_recipe(
    recipe: Recipe,
    params: BaseModel,
    sink: RunSink,
    stop_flag: Callable[[], bool] | None = None,
    meta: Mapping[str, Any] | None = None,
    resources: Mapping[str, Any] | None = None,
    interrupter: Interrupter | None = None,
) -> RecipeOutcome:
    """Call the recipe's train function; never raises for what the recipe does.

    With an `interrupter`, everything from choosing the device to the recipe's return can be
    broken into by a cancel (see dashapp/recipes/interrupt.py): the run ends `cancelled`.
    """
    started = time.perf_counter()
    peak: int | None = None
    window = interrupter.window() if interrupter is not None else contextlib.nullcontext()
    context: RunContext | None = None
    try:
        with captured_output(sink), window:
            device, name = choose_device(str(getattr(params, "device", "auto")))
            sink.started(str(device), name)
            sink.log(f"recipe {recipe.name} on {name}")
            checkpoint_meta = {"recipe": recipe.name, "params": params.model_dump(mode="json")}
            checkpoint_meta |= dict(meta or {})
            context = RunContext(sink, device, stop_flag, checkpoint_meta, resources)
            recipe.train(context, params)
            context.flush()
            stopped = context.should_stop
            peak = peak_device_memory()
    except RunInterrupted:
        _flush_quietly(context)
        sink.should_stop()  # the sink records why it was asked to stop
        sink.log("stopped: the recipe did not stop by itself, so it was interrupted")
        timings = {"total_s": time.perf_counter() - started}
        return RecipeOutcome(RunStatus.CANCELLED, None, None, peak_device_memory(), timings)
    except Exception as exc:  # noqa: BLE001 - whatever the recipe raises ends the run failed
        text = traceback.format_exc()
        _flush_quietly(context)
        for line in text.rstrip().splitlines():
            sink.log(line)
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        timings = {"total_s": time.perf_counter() - started}
        return RecipeOutcome(RunStatus.FAILED, message, text, peak_device_memory(), timings)
    finally:
        # Runs after the except blocks dropped the traceback, so the recipe's tensors are
        # unreachable here and their cached GPU memory can go back.
        free_device_memory()
    status = RunStatus.CANCELLED if stopped else RunStatus.SUCCEEDED
    return RecipeOutcome(status, None, None, peak, {"total_s": time.perf_counter() - started})
