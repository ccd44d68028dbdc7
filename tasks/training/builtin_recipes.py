"""The three demos as recipes on the public API: digits, synthetic shapes and order returns.

Parameter models import no torch, so the web tier can build forms and validate without it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dashapp.recipes.api import Recipe, RunContext

if TYPE_CHECKING:
    from tasks.training.config import TrainingConfig
    from tasks.training.datasets import Dataset

MIB = 1024 * 1024
DIGITS_EXAMPLES = 1797
ORDER_ROWS_DEFAULT = 200_000
# Python, torch and the model: what a digits run measured on a CPU worker, rounded up.
BASE_BYTES = 400 * MIB


class ClassifierParams(BaseModel):
    """What every built-in classifier run takes."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = Field(5, ge=1, le=200, title="Epochs", description="Passes over the training set")
    batch_size: int = Field(
        64, ge=1, le=8192, title="Batch size", description="Examples per optimizer step"
    )
    lr: float = Field(
        1e-3, ge=1e-6, le=10.0, title="Learning rate", description="Step size of the optimizer"
    )
    optimizer: Literal["adam", "adamw", "sgd"] = Field(
        "adam", title="Optimizer", description="Adam is a safe default; SGD uses momentum 0.9"
    )
    seed: int = Field(
        0, ge=0, le=2**31 - 1, title="Seed", description="Same seed, same data split and result"
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", title="Device", description="auto takes the worker's GPU when it has one"
    )
    val_fraction: float = Field(
        0.2, ge=0.05, le=0.5, title="Validation share", description="Held out to measure accuracy"
    )
    keep: Literal["best val_accuracy", "best val_loss", "last epoch"] = Field(
        "best val_accuracy",
        title="Checkpoint to keep",
        description="The epoch whose model becomes model.pt",
    )
    early_stop_patience: int = Field(
        0,
        ge=0,
        le=200,
        title="Early stopping patience",
        description="Stop after this many epochs without a better early-stopping metric (0 = off)",
    )
    early_stop_metric: Literal["val_loss", "val_accuracy"] = Field(
        "val_loss",
        title="Early-stopping metric",
        description="The validation metric early stopping watches",
    )


class SampledParams(ClassifierParams):
    """A classifier on a fixed data set that may be cut down for quick runs."""

    max_samples: int = Field(
        0,
        ge=0,
        le=10_000_000,
        title="Max examples",
        description="Use at most this many examples (0 = all of them)",
    )


class SyntheticParams(ClassifierParams):
    """The synthetic shapes set: its size is a parameter."""

    samples: int = Field(
        4096, ge=64, le=2_000_000, title="Images", description="How many images to generate"
    )
    image_size: int = Field(
        32, ge=8, le=128, title="Image size (px)", description="Side of each square image"
    )


def to_config(dataset: str, params: BaseModel) -> TrainingConfig:
    """The loop's configuration for a built-in run."""
    from tasks.training.config import TrainingConfig

    return TrainingConfig(dataset=dataset, **params.model_dump(exclude={"keep"}))


def train_classifier(
    ctx: RunContext, config: TrainingConfig, data: Dataset, keep: str = "last epoch"
) -> None:
    """The shared body of the built-ins: the tuned loop, reported through the recipe API."""
    from tasks.training.artifacts import build_artifacts
    from tasks.training.loop import Hooks, train
    from tasks.training.repro import code_version, package_versions

    ctx.log(f"data {data.name}: {len(data.x_train)} train, {len(data.x_val)} val")

    def on_epoch(metrics: Any) -> None:
        step = metrics.epoch * steps_per_epoch[0]
        ctx.log(
            f"epoch {metrics.epoch}: loss {metrics.train_loss:.4f} acc {metrics.train_acc:.3f} "
            f"val_loss {metrics.val_loss:.4f} val_acc {metrics.val_acc:.3f} "
            f"({metrics.samples_per_s:,.0f} samples/s)"
        )
        ctx.log_metrics(
            step,
            epoch=metrics.epoch,
            val_loss=metrics.val_loss,
            val_accuracy=metrics.val_acc,
            samples_per_s=metrics.samples_per_s,
        )

    steps_per_epoch = [1]

    def on_start(info: Any) -> None:
        steps_per_epoch[0] = info.steps_per_epoch
        ctx.log(f"device {info.device_name}, {info.parameters:,} parameters, amp {info.amp}")

    best = BestKeeper(keep)
    hooks = Hooks(
        on_epoch_model=best.offer,
        on_start=on_start,
        on_progress=lambda p: ctx.progress(p.global_step, p.total_steps),
        on_epoch=on_epoch,
        should_stop=lambda: ctx.should_stop,
        on_train_metrics=lambda step, loss, acc: ctx.log_metrics(step, loss=loss, accuracy=acc),
    )
    result = train(config, data, hooks)
    if result.stopped_early_at is not None:
        ctx.log(
            f"stopped early at epoch {result.stopped_early_at}: no improvement of "
            f"{config.early_stop_metric} for {config.early_stop_patience} epochs"
        )
    meta = {
        "versions": package_versions(),
        "code_version": code_version(),
        "device": result.info.device,
        "parameters": result.info.parameters,
    }
    for artifact in build_artifacts(config, data, result, meta):
        if artifact.kind == "image":
            ctx.log_image(artifact.name, artifact.data, artifact.title)
    state = best.state if best.state is not None else result.model.state_dict()
    if best.state is not None:
        ctx.log(f"model.pt is epoch {best.epoch} ({best.rule}: {best.value:.4f})")
    ctx.save_checkpoint(
        state,
        history=[vars(m) for m in result.history],
        class_names=list(data.class_names),
        status=result.status,
        kept=best.rule,
        kept_epoch=best.epoch,
    )


class BestKeeper:
    """Holds a CPU copy of the best epoch's weights by `rule` ("best <metric>" or "last epoch")."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.metric = rule.removeprefix("best ") if rule.startswith("best ") else None
        self.state: dict[str, Any] | None = None
        self.epoch: int | None = None
        self.value = float("nan")

    def offer(self, metrics: Any, model: Any) -> None:
        """Keep `model`'s weights when this epoch beats the best so far."""
        if self.metric is None:
            return
        value = float(getattr(metrics, {"val_accuracy": "val_acc"}.get(self.metric, self.metric)))
        lower_is_better = self.metric.endswith("loss")
        better = (
            self.epoch is None
            or (lower_is_better and value < self.value)
            or (not lower_is_better and value > self.value)
        )
        if better:
            self.state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            self.epoch, self.value = metrics.epoch, value


def estimate_images(count: int, channels: int, side: int) -> int:
    """Worker memory for `count` float32 images: generation buffers, the tensor copies, the
    split and pinned staging; measured at about 4x the raw array on the synthetic set."""
    return BASE_BYTES + 4 * count * channels * side * side * 4


def estimate_steps(params: ClassifierParams, examples: int) -> int:
    """Optimizer steps of a run on `examples` examples: epochs x steps per epoch, with the
    validation share held out as datasets.split does (an upper bound with early stopping)."""
    held_out = min(max(1, round(examples * params.val_fraction)), examples - 1)
    return params.epochs * math.ceil((examples - held_out) / params.batch_size)


def _sampled(params: SampledParams, available: int) -> int:
    """How many examples a run with `max_samples` uses of `available`."""
    return min(params.max_samples or available, available)


def _train_digits(ctx: RunContext, params: SampledParams) -> None:
    from tasks.training import datasets

    config = to_config("digits", params)
    train_classifier(ctx, config, datasets.digits(config), params.keep)


def _train_synthetic(ctx: RunContext, params: SyntheticParams) -> None:
    from tasks.training import datasets

    config = to_config("synthetic", params)
    try:
        data = datasets.synthetic(config, should_stop=lambda: ctx.should_stop)
    except datasets.LoadCancelled:
        ctx.log("cancelled while generating the data")
        return
    train_classifier(ctx, config, data, params.keep)


def _train_orders(ctx: RunContext, params: SampledParams) -> None:
    from tasks.training import datasets

    config = to_config("orders", params)
    rows = ctx.resource("order_rows")(config.max_samples)
    train_classifier(ctx, config, datasets.orders(rows, config), params.keep)


digits = Recipe(
    name="digits",
    title="Handwritten digits",
    description="A small CNN learns scikit-learn's 1,797 8×8 digit images (10 classes).",
    params=SampledParams,
    train=_train_digits,
    memory_estimate=lambda p: estimate_images(1797, 1, 8),
    work_estimate=lambda p: estimate_steps(p, _sampled(p, DIGITS_EXAMPLES)),
)

synthetic = Recipe(
    name="synthetic",
    title="Synthetic shapes",
    description=(
        "A CNN tells four noisy shapes apart on generated images; their number and size are "
        "parameters, so it can load a GPU."
    ),
    params=SyntheticParams,
    train=_train_synthetic,
    memory_estimate=lambda p: estimate_images(p.samples, 3, p.image_size),
    work_estimate=lambda p: estimate_steps(p, p.samples),
)

orders = Recipe(
    name="orders",
    title="Order returns",
    description="An MLP predicts which of this app's settled orders are returned (tabular).",
    params=SampledParams,
    train=_train_orders,
    memory_estimate=lambda p: BASE_BYTES + 400 * (p.max_samples or 200_000),
    # The worker caps the rows at DASHAPP_TRAINING_MAX_ORDER_ROWS (200,000 by default).
    work_estimate=lambda p: estimate_steps(p, p.max_samples or ORDER_ROWS_DEFAULT),
)

BUILTINS: Mapping[str, Recipe] = {r.name: r for r in (digits, synthetic, orders)}
