"""The training loop: progress hooks and a stop check every step, AMP where device.py says."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from dashapp.recipes.status import RunStatus
from tasks.training.config import TrainingConfig
from tasks.training.datasets import Dataset
from tasks.training.device import (
    DeviceError,
    Precision,
    choose_precision,
    device_name,
    fits_on_device,
    reduced_precision_dtype,
    select_device,
)
from tasks.training.models import build_model
from tasks.training.reporting import EpochMetrics, Progress, RunInfo, TrainWindows
from tasks.training.threads import make_fork_safe

# What the loop offers. Callers (the recipe runner, the benchmarks) also import the device and
# report names from here, so they stay importable where they were.
__all__ = [
    "DeviceError",
    "EarlyStopping",
    "EpochMetrics",
    "Hooks",
    "Progress",
    "RunInfo",
    "TrainResult",
    "device_name",
    "evaluate",
    "make_optimizer",
    "reduced_precision_dtype",
    "select_device",
    "train",
]


@dataclass
class Hooks:
    """Callbacks the loop calls; all optional."""

    on_start: Callable[[RunInfo], None] = lambda _info: None
    on_progress: Callable[[Progress], None] = lambda _progress: None
    on_epoch: Callable[[EpochMetrics], None] = lambda _metrics: None
    should_stop: Callable[[], bool] = lambda: False
    # Training loss and accuracy over the last `train_metrics_every` steps, by global step
    # (so a long first epoch still draws a curve); None turns it off.
    on_train_metrics: Callable[[int, float, float], None] | None = None
    train_metrics_every: int = 0
    # Windows are read from the device together, at most this often (and at each epoch end).
    train_metrics_flush_s: float = 1.0
    # After each epoch's metrics, with the model (to keep the best weights, say).
    on_epoch_model: Callable[[EpochMetrics, nn.Module], None] | None = None


@dataclass
class TrainResult:
    """The outcome: status, history, the model (on CPU) and validation predictions."""

    status: str
    info: RunInfo
    history: list[EpochMetrics]
    model: nn.Module
    val_true: np.ndarray
    val_pred: np.ndarray
    samples_per_s: float
    peak_memory_bytes: int | None
    timings: dict[str, float] = field(default_factory=dict)
    # Set when early stopping ended the run: the last epoch trained.
    stopped_early_at: int | None = None


class EarlyStopping:
    """Says stop once `metric` has not improved for `patience` epochs in a row (0 = never)."""

    def __init__(self, patience: int, metric: str = "val_loss") -> None:
        if metric not in ("val_loss", "val_accuracy"):
            raise ValueError(f"early stopping watches val_loss or val_accuracy, not {metric!r}")
        self.patience, self.metric = patience, metric
        self.best: float | None = None
        self.best_epoch = 0
        self.stale = 0

    def update(self, metrics: EpochMetrics) -> bool:
        """Record this epoch; True when the run should stop after it."""
        value = metrics.val_loss if self.metric == "val_loss" else metrics.val_acc
        lower_is_better = self.metric == "val_loss"
        improved = self.best is None or (
            value < self.best if lower_is_better else value > self.best
        )
        if improved:
            self.best, self.best_epoch, self.stale = value, metrics.epoch, 0
        else:
            self.stale += 1
        return self.patience > 0 and self.stale >= self.patience


def make_optimizer(name: str, model: nn.Module, lr: float) -> torch.optim.Optimizer:
    """The optimizer `name` for `model`."""
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=lr)
    return torch.optim.Adam(model.parameters(), lr=lr)


def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    device: torch.device,
    batch_size: int,
    loss_fn: nn.Module,
    precision: Precision,
) -> tuple[float, float, np.ndarray]:
    """Mean loss, accuracy and predictions on (x, y), computed as the training was."""
    model.eval()
    amp, memory_format = precision.amp, precision.memory_format
    preds: list[torch.Tensor] = []
    total = torch.zeros((), device=device)
    # Evaluation holds no activations for backward: larger batches are safe and cheaper.
    eval_batch = max(batch_size, 1024 if device.type == "cuda" else 256)
    with torch.no_grad(), torch.autocast(device.type, dtype=amp, enabled=amp is not None):
        for start in range(0, len(x), eval_batch):
            xb = x[start : start + eval_batch].to(device, non_blocking=True)
            xb = xb.contiguous(memory_format=memory_format)
            yb = y[start : start + eval_batch].to(device, non_blocking=True)
            logits = model(xb)
            total += loss_fn(logits.float(), yb) * len(yb)
            preds.append(logits.argmax(1))
    model.train()
    pred = torch.cat(preds).cpu()
    acc = float((pred == y.cpu()).float().mean()) if len(y) else 0.0
    return float(total) / max(len(y), 1), acc, pred.numpy()


@dataclass
class _Setup:
    """What a run trains with, made before the first step."""

    device: torch.device
    precision: Precision
    model: nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    loss_fn: nn.Module
    # On the device when it fits there (fits_on_device), else in pinned host memory.
    x_train: torch.Tensor
    y_train: torch.Tensor
    steps: int  # per epoch
    eval_loss: nn.Module = field(default_factory=nn.CrossEntropyLoss)  # unweighted


@dataclass
class _Loop:
    """What every epoch reads: the setup, the run's settings and hooks, how it reports."""

    setup: _Setup
    config: TrainingConfig
    hooks: Hooks
    generator: torch.Generator
    windows: TrainWindows | None
    every: int  # a training-metrics window closes every this many steps
    started: float  # perf_counter at the first step; progress times count from here


@dataclass
class _Tally:
    """What the epochs add up to."""

    status: str = RunStatus.SUCCEEDED.value
    done: int = 0  # steps over all epochs
    history: list[EpochMetrics] = field(default_factory=list)
    val_pred: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    train_time: float = 0.0
    train_samples: int = 0
    stopped_early_at: int | None = None


@dataclass
class _EpochSums:
    """One epoch's running training sums (on the device) and how many samples they cover."""

    loss_sum: torch.Tensor
    correct: torch.Tensor
    seen: int


def train(config: TrainingConfig, data: Dataset, hooks: Hooks | None = None) -> TrainResult:
    """Train a model on `data` as `config` says; stop early (status cancelled) on should_stop."""
    hooks = hooks or Hooks()
    started = time.perf_counter()
    setup = _prepare(config, data)
    info = _run_info(setup, data)
    hooks.on_start(info)
    generator = torch.Generator().manual_seed(config.seed)
    tally = _Tally()
    every = max(1, hooks.train_metrics_every or (setup.steps * config.epochs) // 100)
    windows = (
        TrainWindows(hooks.on_train_metrics, hooks.train_metrics_flush_s)
        if hooks.on_train_metrics is not None
        else None
    )
    stopper = EarlyStopping(config.early_stop_patience, config.early_stop_metric)
    loop = _Loop(setup, config, hooks, generator, windows, every, time.perf_counter())
    for epoch in range(1, config.epochs + 1):
        epoch_started = time.perf_counter()
        sums = _train_epoch(loop, tally, epoch)
        if windows is not None:
            windows.flush()
        if tally.status == RunStatus.CANCELLED or sums.seen == 0:
            break
        metrics = _end_epoch(loop, tally, data, epoch, sums, epoch_started)
        if stopper.update(metrics) and epoch < config.epochs:
            tally.stopped_early_at = epoch
            break
    return _result(loop, tally, data, info, started)


def _prepare(config: TrainingConfig, data: Dataset) -> _Setup:
    """Seed, pick the device and precision, build the model and put the training split in place."""
    make_fork_safe()
    torch.manual_seed(config.seed)
    device = select_device(config.device)
    precision = choose_precision(device, data)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.cuda.reset_peak_memory_stats(device)
    # torch's stubs omit Module.to's memory_format keyword (it applies to 4-D weights).
    model = build_model(data).to(device, memory_format=precision.memory_format)  # type: ignore[call-overload]
    optimizer = make_optimizer(config.optimizer, model, config.lr)
    scaler = torch.amp.GradScaler("cuda", enabled=precision.amp is torch.float16)
    loss_fn = nn.CrossEntropyLoss(weight=_class_weights(data, device))
    resident = fits_on_device(data.x_train, device)
    x_train = data.x_train.to(device) if resident else data.x_train.pin_memory()
    y_train = data.y_train.to(device) if resident else data.y_train
    steps = math.ceil(len(x_train) / config.batch_size)
    return _Setup(device, precision, model, optimizer, scaler, loss_fn, x_train, y_train, steps)


def _class_weights(data: Dataset, device: torch.device) -> torch.Tensor | None:
    """Inverse-frequency class weights for tabular data; None (unweighted) otherwise."""
    if data.kind != "tabular":
        return None
    # Returns are rare; weight classes so "always kept" is not a good answer.
    counts = torch.bincount(data.y_train, minlength=data.num_classes).float().clamp(min=1)
    return (counts.sum() / (len(counts) * counts)).to(device)


def _run_info(setup: _Setup, data: Dataset) -> RunInfo:
    """What the loop tells on_start."""
    amp = setup.precision.amp
    return RunInfo(
        device=str(setup.device),
        device_name=device_name(setup.device),
        amp=str(amp).removeprefix("torch.") if amp else None,
        train_size=len(setup.x_train),
        val_size=len(data.x_val),
        steps_per_epoch=setup.steps,
        parameters=sum(p.numel() for p in setup.model.parameters()),
    )


def _train_epoch(loop: _Loop, tally: _Tally, epoch: int) -> _EpochSums:
    """One shuffled pass over the training split; a stop request ends it (status cancelled)."""
    # Everything the steps use, bound once per epoch: the step loop itself stays bare.
    setup, hooks, windows, every = loop.setup, loop.hooks, loop.windows, loop.every
    device, model, optimizer, scaler = setup.device, setup.model, setup.optimizer, setup.scaler
    loss_fn, x_train, y_train, steps = setup.loss_fn, setup.x_train, setup.y_train, setup.steps
    amp, memory_format = setup.precision.amp, setup.precision.memory_format
    batch_size, epochs, loop_started = loop.config.batch_size, loop.config.epochs, loop.started
    total, done = steps * epochs, tally.done
    order = torch.randperm(len(x_train), generator=loop.generator).to(x_train.device)
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    seen = 0
    if windows is not None:
        windows.start_epoch()
    for step in range(1, steps + 1):
        if hooks.should_stop():
            tally.status = RunStatus.CANCELLED.value
            break
        idx = order[(step - 1) * batch_size : step * batch_size]
        xb = x_train[idx].to(device, non_blocking=True)
        xb = xb.contiguous(memory_format=memory_format)
        yb = y_train[idx].to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            logits = model(xb)
            loss = loss_fn(logits.float(), yb)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        loss_sum += loss.detach() * len(yb)
        correct += (logits.detach().argmax(1) == yb).sum()
        seen += len(yb)
        done += 1
        elapsed = time.perf_counter() - loop_started
        eta = elapsed / done * (total - done)
        hooks.on_progress(Progress(epoch, epochs, step, steps, done, total, elapsed, eta))
        if windows is not None and done % every == 0:
            # Differences of the epoch sums: no extra tensor work on the other steps.
            windows.snapshot(done, seen, loss_sum, correct)
    tally.done = done
    return _EpochSums(loss_sum, correct, seen)


def _end_epoch(
    loop: _Loop,
    tally: _Tally,
    data: Dataset,
    epoch: int,
    sums: _EpochSums,
    epoch_started: float,
) -> EpochMetrics:
    """Validate a finished epoch, add it to the tally and report it."""
    setup, hooks, seen = loop.setup, loop.hooks, sums.seen
    # Reading the sums waits for the device, so the epoch's time includes all its steps.
    train_loss, train_acc = float(sums.loss_sum) / seen, float(sums.correct) / seen
    seconds = time.perf_counter() - epoch_started
    tally.train_time += seconds
    tally.train_samples += seen
    val_loss, val_acc, tally.val_pred = _evaluate_val(loop, data)
    metrics = EpochMetrics(
        epoch, train_loss, train_acc, val_loss, val_acc, seconds, seen / max(seconds, 1e-9)
    )
    tally.history.append(metrics)
    hooks.on_epoch(metrics)
    if hooks.on_epoch_model is not None:
        hooks.on_epoch_model(metrics, setup.model)
    return metrics


def _evaluate_val(loop: _Loop, data: Dataset) -> tuple[float, float, np.ndarray]:
    """`evaluate` on the validation split, as the run trains."""
    setup = loop.setup
    return evaluate(
        setup.model,
        data.x_val,
        data.y_val,
        setup.device,
        loop.config.batch_size,
        setup.eval_loss,
        setup.precision,
    )


def _result(
    loop: _Loop, tally: _Tally, data: Dataset, info: RunInfo, started: float
) -> TrainResult:
    """The outcome, with predictions for every validation example even after a cancel."""
    device, val_pred = loop.setup.device, tally.val_pred
    if len(val_pred) != len(data.y_val):
        _, _, val_pred = _evaluate_val(loop, data)
    peak = int(torch.cuda.max_memory_allocated(device)) if device.type == "cuda" else None
    model = loop.setup.model.to("cpu", memory_format=torch.contiguous_format)  # type: ignore[call-overload]
    return TrainResult(
        status=tally.status,
        info=info,
        history=tally.history,
        model=model,
        val_true=data.y_val.numpy(),
        val_pred=val_pred,
        samples_per_s=tally.train_samples / tally.train_time if tally.train_time else 0.0,
        peak_memory_bytes=peak,
        timings={
            "setup_s": loop.started - started,
            "train_s": time.perf_counter() - loop.started,
            "total_s": time.perf_counter() - started,
        },
        stopped_early_at=tally.stopped_early_at,
    )
