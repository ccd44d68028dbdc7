"""Recipe and RunContext: what a recipe author writes against."""

from __future__ import annotations

import io
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    import torch

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,90}$")


@dataclass(frozen=True)
class Recipe:
    """A trainable thing: a name, a title, a pydantic parameter model and a train function.

    `memory_estimate(params)` may return the bytes of worker memory a run needs, and
    `work_estimate(params)` the optimizer steps it takes (the units it reports to
    `ctx.progress`); launches over the worker budgets are refused before they are queued.
    """

    name: str
    title: str
    params: type[BaseModel]
    train: Callable[[RunContext, Any], None]
    description: str = ""
    memory_estimate: Callable[[Any], int] | None = None
    work_estimate: Callable[[Any], int] | None = None

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(
                f"recipe name {self.name!r} must be 1-40 lowercase letters, digits, - or _, "
                "starting with a letter"
            )
        if not (isinstance(self.params, type) and issubclass(self.params, BaseModel)):
            raise TypeError(f"recipe {self.name!r}: params must be a pydantic BaseModel class")
        if not callable(self.train):
            raise TypeError(f"recipe {self.name!r}: train must be callable")


class RunSink(Protocol):
    """Where a RunContext sends what the recipe reports (the database in the app)."""

    def started(self, device: str, device_name: str) -> None:
        """Record the device the run got."""

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        """Record metric values at `step`."""

    def progress(self, done: int, total: int, eta_s: float | None) -> None:
        """Record how far the run is."""

    def artifact(self, name: str, kind: str, content_type: str, data: bytes, title: str) -> None:
        """Store a file the run produced."""

    def log(self, line: str) -> None:
        """Append a line to the run's log."""

    def should_stop(self) -> bool:
        """True once the run should end early (cancel requested)."""


@dataclass
class MemorySink:
    """Keeps everything in lists: for notebooks, unit tests and benchmarks."""

    metric_rows: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    progress_rows: list[tuple[int, int]] = field(default_factory=list)
    artifacts: dict[str, bytes] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    stop: bool = False
    device: str = ""

    def started(self, device: str, device_name: str) -> None:
        """Keep the device."""
        self.device = device

    def metrics(self, step: int, values: Mapping[str, float]) -> None:
        """Keep the values."""
        self.metric_rows.append((step, dict(values)))

    def progress(self, done: int, total: int, eta_s: float | None) -> None:
        """Keep the progress."""
        self.progress_rows.append((done, total))

    def artifact(self, name: str, kind: str, content_type: str, data: bytes, title: str) -> None:
        """Keep the bytes."""
        self.artifacts[name] = data

    def log(self, line: str) -> None:
        """Keep the line."""
        self.lines.append(line)

    def should_stop(self) -> bool:
        """The `stop` flag."""
        return self.stop


# How often tensor metric values logged on a GPU run are read back (see RunContext.log_metrics).
METRIC_READ_EVERY_S = 1.0


def _is_tensor(value: Any) -> bool:
    """A torch tensor, told apart without importing torch."""
    return hasattr(value, "detach") and hasattr(value, "numel") and hasattr(value, "device")


def _number(name: str, value: Any) -> float:
    """A plain float from a Python number, a numpy scalar or a one-element tensor."""
    if isinstance(value, bool):
        return float(value)
    if _is_tensor(value) and value.numel() != 1:
        raise TypeError(f"metric {name!r} must be one number, got {value.numel()} values")
    try:
        if hasattr(value, "item"):  # a tensor (maybe needing grad) or a numpy scalar
            value = value.item()
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"metric {name!r} must be a number, got {type(value).__name__}") from None


class RunContext:
    """Handed to a recipe's train function: the device, and where to report what happens."""

    def __init__(
        self,
        sink: RunSink,
        device: torch.device | None = None,
        stop_flag: Callable[[], bool] | None = None,
        checkpoint_meta: Mapping[str, Any] | None = None,
        resources: Mapping[str, Any] | None = None,
        defer_reads: bool | None = None,
    ) -> None:
        self._sink = sink
        # Tensor values are read in batches on an accelerator (None: when `device` is one).
        self._defer = (
            defer_reads if defer_reads is not None else device is not None and device.type != "cpu"
        )
        # (step, names, plain values, stacked tensor values or None), in logging order.
        self._pending: list[tuple[int, dict[str, float], list[str], Any]] = []
        self._last_read = time.perf_counter()
        self._resources = dict(resources or {})
        self._device = device
        self._stop_flag = stop_flag or (lambda: False)
        self._meta = dict(checkpoint_meta or {})
        self._started = time.perf_counter()
        self._step = 0
        self.checkpoints = 0

    @property
    def device(self) -> torch.device:
        """The torch device for this run (CPU unless the run was given a GPU)."""
        if self._device is None:
            import torch

            self._device = torch.device("cpu")
        return self._device

    @property
    def should_stop(self) -> bool:
        """True once the run was cancelled: return from train() soon after."""
        return bool(self._stop_flag()) or self._sink.should_stop()

    def resource(self, name: str) -> Any:
        """Something the host app lends its recipes (e.g. `order_rows`); KeyError if absent."""
        try:
            return self._resources[name]
        except KeyError:
            known = ", ".join(sorted(self._resources)) or "none"
            raise KeyError(f"this app offers no resource {name!r} (offered: {known})") from None

    def log(self, line: str) -> None:
        """Add a line to the run's log (print() does the same)."""
        self._sink.log(str(line))

    def log_metrics(self, step: int, **metrics: Any) -> None:
        """Record named metric values at `step`; every name gets its own live chart.

        Values may be numbers or one-element tensors. On a GPU, reading a tensor waits for all
        queued work, so tensors are copied on the device now (the value at this call, even if
        the recipe changes the tensor later) and read together about once a second, at
        progress, images, checkpoints and the end of the run: the same values, a moment later.
        """
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise TypeError(f"step must be a non-negative int, got {step!r}")
        self._step = step
        if not self._defer:
            self._send(step, {name: _number(name, value) for name, value in metrics.items()})
            return
        plain: dict[str, float] = {}
        names: list[str] = []
        tensors: list[Any] = []
        for name, value in metrics.items():
            if _is_tensor(value):
                if value.numel() != 1:
                    raise TypeError(
                        f"metric {name!r} must be one number, got {value.numel()} values"
                    )
                names.append(name)
                tensors.append(value.detach().reshape(()))
            else:
                plain[name] = _number(name, value)
        stacked = None
        if tensors:
            import torch

            if len({t.device for t in tensors}) > 1:  # rare: read them now
                plain |= {n: _number(n, t) for n, t in zip(names, tensors, strict=True)}
                names = []
            else:
                # float64 keeps integer counts exact; stack copies, so later changes miss it.
                stacked = torch.stack([t.to(torch.float64) for t in tensors])
        self._pending.append((step, plain, names, stacked))
        self._maybe_read()

    def _send(self, step: int, values: Mapping[str, float]) -> None:
        finite = {name: v for name, v in values.items() if math.isfinite(v)}
        if finite:
            self._sink.metrics(step, finite)

    def _maybe_read(self) -> None:
        if self._pending and time.perf_counter() - self._last_read >= METRIC_READ_EVERY_S:
            self.flush()

    def flush(self) -> None:
        """Send metric values still held on the device (one device sync for all of them)."""
        self._last_read = time.perf_counter()
        pending, self._pending = self._pending, []
        if not pending:
            return
        import torch

        held = [stacked for _, _, _, stacked in pending if stacked is not None]
        # One read per device the values live on (one device in practice).
        read: dict[Any, list[float]] = {}
        for device in dict.fromkeys(t.device for t in held):
            read[device] = torch.cat([t for t in held if t.device == device]).tolist()
        offsets = dict.fromkeys(read, 0)
        for step, plain, names, stacked in pending:
            values = dict(plain)
            if stacked is not None:
                start = offsets[stacked.device]
                values |= dict(
                    zip(names, read[stacked.device][start : start + len(names)], strict=True)
                )
                offsets[stacked.device] = start + len(names)
            self._send(step, values)

    def progress(self, done: int, total: int) -> None:
        """Report `done` of `total` units of work; drives the progress bar and the ETA."""
        if total <= 0 or done < 0:
            raise ValueError(f"progress needs 0 <= done and total > 0, got {done}/{total}")
        done = min(done, total)
        self._maybe_read()
        elapsed = time.perf_counter() - self._started
        eta = elapsed / done * (total - done) if done else None
        self._sink.progress(done, total, eta)

    def log_image(self, name: str, image: Any, title: str | None = None) -> None:
        """Store a PIL image, a matplotlib figure (or PNG bytes) in the run's gallery."""
        self.flush()
        data = _png(image)
        filename = name if name.lower().endswith(".png") else f"{name}.png"
        _check_artifact_name(filename)
        self._sink.artifact(filename, "image", "image/png", data, title or name)

    def save_checkpoint(
        self, state_dict: Mapping[str, Any], name: str = "model.pt", **extra: Any
    ) -> None:
        """Store a state_dict (with the run's parameters and step) as a downloadable file."""
        import torch

        self.flush()
        _check_artifact_name(name)
        buffer = io.BytesIO()
        payload = {"state_dict": dict(state_dict), "step": self._step, **self._meta, **extra}
        torch.save(payload, buffer)
        self.checkpoints += 1
        self._sink.artifact(
            name, "checkpoint", "application/octet-stream", buffer.getvalue(), "Model checkpoint"
        )


def _check_artifact_name(name: str) -> None:
    if not ARTIFACT_NAME.match(name):
        raise ValueError(f"artifact name {name!r}: use letters, digits, '.', '-' or '_'")


def _png(image: Any) -> bytes:
    """PNG bytes of a PIL image or a matplotlib figure."""
    if isinstance(image, bytes):
        if not image.startswith(PNG_MAGIC):
            raise TypeError("log_image takes PNG bytes, a PIL image or a matplotlib figure")
        return image
    buffer = io.BytesIO()
    if hasattr(image, "savefig"):  # a matplotlib Figure
        image.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()
    if hasattr(image, "save") and hasattr(image, "mode"):  # a PIL image
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    raise TypeError(f"log_image takes a PIL image or a matplotlib figure, got {type(image)}")
