"""The training loop: device choice, AMP on CUDA, progress hooks and a stop check every step."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from tasks.training.config import TrainingConfig
from tasks.training.datasets import Dataset
from tasks.training.models import build_model
from tasks.training.threads import make_fork_safe

# Below this many bytes the whole split lives on the device; above, batches are copied per step.
DEVICE_RESIDENT_BYTES = 1 << 30


class DeviceError(ValueError):
    """The requested device does not exist on this worker."""


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


@dataclass
class Hooks:
    """Callbacks the loop calls; all optional."""

    on_start: Callable[[RunInfo], None] = lambda _info: None
    on_progress: Callable[[Progress], None] = lambda _progress: None
    on_epoch: Callable[[EpochMetrics], None] = lambda _metrics: None
    should_stop: Callable[[], bool] = lambda: False


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


def select_device(preference: str) -> torch.device:
    """cuda when asked for or (auto) when present, else cpu; called only inside the job."""
    if preference == "cpu":
        return torch.device("cpu")
    available = torch.cuda.is_available()
    if preference == "cuda" and not available:
        raise DeviceError("CUDA was requested but this worker has no usable GPU; choose auto/cpu")
    return torch.device("cuda" if available else "cpu")


def device_name(device: torch.device) -> str:
    """A human name: the GPU model, or the CPU with its thread count."""
    if device.type == "cuda":
        return str(torch.cuda.get_device_name(device))
    return f"CPU ({torch.get_num_threads()} threads)"


def make_optimizer(name: str, model: nn.Module, lr: float) -> torch.optim.Optimizer:
    """The optimizer `name` for `model`."""
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    if name == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=lr)
    return torch.optim.Adam(model.parameters(), lr=lr)


def _amp_dtype(device: torch.device) -> torch.dtype | None:
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _memory_format(device: torch.device, data: Dataset) -> torch.memory_format:
    """channels_last for images on CUDA: cuDNN's reduced-precision convolutions want NHWC, and
    with NCHW tensors autocast buys nothing (measured on an H100, see bench_training_gpu.py)."""
    if device.type == "cuda" and data.kind == "image":
        return torch.channels_last
    return torch.contiguous_format


def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    device: torch.device,
    batch_size: int,
    loss_fn: nn.Module,
    memory_format: torch.memory_format = torch.contiguous_format,
) -> tuple[float, float, np.ndarray]:
    """Mean loss, accuracy and predictions on (x, y)."""
    model.eval()
    amp = _amp_dtype(device)
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
    amp = _amp_dtype(device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.cuda.reset_peak_memory_stats(device)
    memory_format = _memory_format(device, data)
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
    resident = device.type == "cpu" or data.x_train.nelement() * 4 < DEVICE_RESIDENT_BYTES
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
    status, done, train_time, train_samples = "succeeded", 0, 0.0, 0
    loop_started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        epoch_started = time.perf_counter()
        order = torch.randperm(n, generator=generator).to(x_train.device)
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        seen = 0
        for step in range(1, steps + 1):
            if hooks.should_stop():
                status = "cancelled"
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
        if status == "cancelled" or seen == 0:
            break
        train_loss, train_acc = float(loss_sum) / seen, float(correct) / seen
        seconds = time.perf_counter() - epoch_started
        train_time += seconds
        train_samples += seen
        val_loss, val_acc, val_pred = evaluate(
            model, data.x_val, data.y_val, device, config.batch_size, eval_loss, memory_format
        )
        metrics = EpochMetrics(
            epoch, train_loss, train_acc, val_loss, val_acc, seconds, seen / max(seconds, 1e-9)
        )
        history.append(metrics)
        hooks.on_epoch(metrics)
    if len(val_pred) != len(data.y_val):
        _, _, val_pred = evaluate(
            model, data.x_val, data.y_val, device, config.batch_size, eval_loss, memory_format
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
    )
