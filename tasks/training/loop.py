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


def train(config: TrainingConfig, data: Dataset, hooks: Hooks | None = None) -> TrainResult:
    """Train a model on `data` as `config` says; stop early (status cancelled) on should_stop."""
    hooks = hooks or Hooks()
    started = time.perf_counter()
    make_fork_safe()
    torch.manual_seed(config.seed)
    device = select_device(config.device)
    precision = choose_precision(device, data)
    amp, memory_format = precision.amp, precision.memory_format
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.cuda.reset_peak_memory_stats(device)
    # torch's stubs omit Module.to's memory_format keyword (it applies to 4-D weights).
    model = build_model(data).to(device, memory_format=memory_format)  # type: ignore[call-overload]
    optimizer = make_optimizer(config.optimizer, model, config.lr)
    scaler = torch.amp.GradScaler("cuda", enabled=amp is torch.float16)
    weights = None
    if data.kind == "tabular":
        # Returns are rare; weight classes so "always kept" is not a good answer.
        counts = torch.bincount(data.y_train, minlength=data.num_classes).float().clamp(min=1)
        weights = (counts.sum() / (len(counts) * counts)).to(device)
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    eval_loss = nn.CrossEntropyLoss()
    resident = fits_on_device(data.x_train, device)
    x_train = data.x_train.to(device) if resident else data.x_train.pin_memory()
    y_train = data.y_train.to(device) if resident else data.y_train
    n = len(x_train)
    steps = math.ceil(n / config.batch_size)
    info = RunInfo(
        device=str(device),
        device_name=device_name(device),
        amp=str(amp).removeprefix("torch.") if amp else None,
        train_size=n,
        val_size=len(data.x_val),
        steps_per_epoch=steps,
        parameters=sum(p.numel() for p in model.parameters()),
    )
    hooks.on_start(info)
    generator = torch.Generator().manual_seed(config.seed)
    history: list[EpochMetrics] = []
    val_pred = np.zeros(0, dtype=np.int64)
    status, done, train_time, train_samples = RunStatus.SUCCEEDED.value, 0, 0.0, 0
    every = max(1, hooks.train_metrics_every or (steps * config.epochs) // 100)
    windows = (
        TrainWindows(hooks.on_train_metrics, hooks.train_metrics_flush_s)
        if hooks.on_train_metrics is not None
        else None
    )
    stopper = EarlyStopping(config.early_stop_patience, config.early_stop_metric)
    stopped_early_at: int | None = None
    loop_started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        epoch_started = time.perf_counter()
        order = torch.randperm(n, generator=generator).to(x_train.device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        seen = 0
        if windows is not None:
            windows.start_epoch()
        for step in range(1, steps + 1):
            if hooks.should_stop():
                status = RunStatus.CANCELLED.value
                break
            idx = order[(step - 1) * config.batch_size : step * config.batch_size]
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
            total = steps * config.epochs
            eta = elapsed / done * (total - done)
            hooks.on_progress(
                Progress(epoch, config.epochs, step, steps, done, total, elapsed, eta)
            )
            if windows is not None and done % every == 0:
                # Differences of the epoch sums: no extra tensor work on the other steps.
                windows.snapshot(done, seen, loss_sum, correct)
        if windows is not None:
            windows.flush()
        if status == RunStatus.CANCELLED or seen == 0:
            break
        train_loss, train_acc = float(loss_sum) / seen, float(correct) / seen
        seconds = time.perf_counter() - epoch_started
        train_time += seconds
        train_samples += seen
        val_loss, val_acc, val_pred = evaluate(
            model, data.x_val, data.y_val, device, config.batch_size, eval_loss, precision
        )
        metrics = EpochMetrics(
            epoch, train_loss, train_acc, val_loss, val_acc, seconds, seen / max(seconds, 1e-9)
        )
        history.append(metrics)
        hooks.on_epoch(metrics)
        if hooks.on_epoch_model is not None:
            hooks.on_epoch_model(metrics, model)
        if stopper.update(metrics) and epoch < config.epochs:
            stopped_early_at = epoch
            break
    if len(val_pred) != len(data.y_val):
        _, _, val_pred = evaluate(
            model, data.x_val, data.y_val, device, config.batch_size, eval_loss, precision
        )
    peak = int(torch.cuda.max_memory_allocated(device)) if device.type == "cuda" else None
    model = model.to("cpu", memory_format=torch.contiguous_format)
    return TrainResult(
        status=status,
        info=info,
        history=history,
        model=model,
        val_true=data.y_val.numpy(),
        val_pred=val_pred,
        samples_per_s=train_samples / train_time if train_time else 0.0,
        peak_memory_bytes=peak,
        timings={
            "setup_s": loop_started - started,
            "train_s": time.perf_counter() - loop_started,
            "total_s": time.perf_counter() - started,
        },
        stopped_early_at=stopped_early_at,
    )
