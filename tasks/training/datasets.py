"""Datasets as in-memory tensors: sklearn digits, synthetic shapes, and order rows (tabular)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tasks.training.config import TrainingConfig
from tasks.training.threads import make_fork_safe

SHAPES = ("square", "disc", "cross", "stripes")
ORDER_CHANNELS = ("web", "mobile", "store", "partner")
ORDER_REGIONS = ("North", "South", "East", "West", "Central")
ORDER_CATEGORIES = ("Electronics", "Home", "Garden", "Sports", "Books", "Toys", "Beauty", "Office")
# Orders still pending or shipped have no outcome yet: neither a return nor a keep.
SETTLED_STATUSES = ("delivered", "returned", "cancelled")


@dataclass(frozen=True)
class Dataset:
    """A train/validation split; `kind` is "image" (N,C,H,W) or "tabular" (N,F)."""

    name: str
    kind: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...] = ()

    @property
    def num_classes(self) -> int:
        """How many labels the model predicts."""
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one example."""
        return tuple(self.x_train.shape[1:])


def split(
    name: str,
    kind: str,
    x: np.ndarray,
    y: np.ndarray,
    class_names: Sequence[str],
    config: TrainingConfig,
    feature_names: Sequence[str] = (),
) -> Dataset:
    """Shuffle with the run's seed, cap at max_samples, hold out val_fraction (at least 1)."""
    if len(x) < 2:
        raise ValueError(f"the {name} dataset has {len(x)} examples; training needs at least 2")
    make_fork_safe()  # the tensor indexing below may run on torch's thread pool
    order = np.random.default_rng(config.seed).permutation(len(x))
    if config.max_samples:
        order = order[: max(config.max_samples, 2)]
    n_val = min(max(1, int(round(len(order) * config.val_fraction))), len(order) - 1)
    val, train = order[:n_val], order[n_val:]
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    yt = torch.from_numpy(np.ascontiguousarray(y, dtype=np.int64))
    return Dataset(
        name=name,
        kind=kind,
        x_train=xt[train],
        y_train=yt[train],
        x_val=xt[val],
        y_val=yt[val],
        class_names=tuple(class_names),
        feature_names=tuple(feature_names),
    )


def digits(config: TrainingConfig) -> Dataset:
    """scikit-learn's bundled 8×8 digits (1,797 images), scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]
    return split("digits", "image", images, bunch.target, [str(d) for d in range(10)], config)


def preload() -> None:
    """Import what the built-in data sets need (scikit-learn alone takes seconds): a training
    worker calls this before its pool forks, so a run's data loads as fast as the next run's."""
    import sklearn.datasets  # noqa: F401


class LoadCancelled(RuntimeError):
    """The run was cancelled while its data was being made."""


def synthetic_images(
    count: int, size: int, seed: int, should_stop: Callable[[], bool] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`count` noisy 3-channel images of four shape classes at random places and scales;
    `should_stop` is asked between chunks (LoadCancelled when it says yes)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPES), count)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / max(size - 1, 1)
    images = np.empty((count, 3, size, size), dtype=np.float32)
    chunk = 4096  # bounded memory for the (chunk, size, size) intermediates
    for start in range(0, count, chunk):
        if should_stop is not None and should_stop():
            raise LoadCancelled(f"cancelled after {start:,} of {count:,} images")
        n = min(chunk, count - start)
        lab = labels[start : start + n]
        cx, cy = (rng.uniform(0.3, 0.7, (2, n, 1, 1))).astype(np.float32)
        r = rng.uniform(0.12, 0.3, (n, 1, 1)).astype(np.float32)
        dx, dy = np.abs(xx - cx), np.abs(yy - cy)
        masks = np.stack(
            [
                np.maximum(dx, dy) < r,
                dx**2 + dy**2 < r**2,
                ((dx < r / 3) & (dy < r)) | ((dy < r / 3) & (dx < r)),
                (np.sin(xx * 40 * r) > 0) & (np.maximum(dx, dy) < r),
            ]
        )
        mask = masks[lab, np.arange(n)].astype(np.float32)
        colour = rng.uniform(0.4, 1.0, (n, 3, 1, 1)).astype(np.float32)
        noise = rng.normal(0, 0.15, (n, 3, size, size)).astype(np.float32)
        images[start : start + n] = mask[:, None] * colour + noise
    return images, labels


def synthetic(config: TrainingConfig, should_stop: Callable[[], bool] | None = None) -> Dataset:
    """The synthetic shapes set with `config.samples` images of `config.image_size` pixels."""
    x, y = synthetic_images(config.samples, config.image_size, config.seed, should_stop)
    return split("synthetic", "image", x, y, SHAPES, config)


def order_features(rows: Iterable[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features and returned/kept labels from order rows (dicts with the orders columns).

    Each row needs status, quantity, unit_price, discount, amount, channel, region, order_date
    and, optionally, category (of its product). Unsettled orders are left out.
    """
    names = ["log_amount", "log_unit_price", "quantity", "discount", "month_sin", "month_cos"]
    names += [f"channel={c}" for c in ORDER_CHANNELS] + [f"region={r}" for r in ORDER_REGIONS]
    names += [f"category={c}" for c in ORDER_CATEGORIES]
    features: list[list[float]] = []
    labels: list[int] = []
    for row in rows:
        if row["status"] not in SETTLED_STATUSES:
            continue
        month = _month(row["order_date"])
        values = [
            math.log1p(float(row["amount"])),
            math.log1p(float(row["unit_price"])),
            float(row["quantity"]) / 10.0,
            float(row["discount"]) / 100.0,
            math.sin(2 * math.pi * month / 12),
            math.cos(2 * math.pi * month / 12),
        ]
        values += [float(row["channel"] == c) for c in ORDER_CHANNELS]
        values += [float(row["region"] == r) for r in ORDER_REGIONS]
        values += [float(row.get("category") == c) for c in ORDER_CATEGORIES]
        features.append(values)
        labels.append(int(row["status"] == "returned"))
    x = np.asarray(features, dtype=np.float64).reshape(-1, len(names))
    if len(x):
        # Standardise so the MLP's learning rate means the same whatever the price scale;
        # constant columns (a channel nobody used) stay zero instead of blowing up.
        std = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(std > 1e-9, std, 1.0)
    return x.astype(np.float32), np.asarray(labels, dtype=np.int64), names


def orders(rows: Iterable[Mapping[str, Any]], config: TrainingConfig) -> Dataset:
    """The returns classifier's data from already-fetched order rows."""
    x, y, names = order_features(rows)
    return split("orders", "tabular", x, y, ("kept", "returned"), config, names)


def _month(value: Any) -> int:
    if hasattr(value, "month"):
        return int(value.month)
    return int(str(value)[5:7])


def load(config: TrainingConfig, order_rows: Iterable[Mapping[str, Any]] | None = None) -> Dataset:
    """The dataset `config` names; the orders set needs its rows passed in."""
    if config.dataset == "digits":
        return digits(config)
    if config.dataset == "synthetic":
        return synthetic(config)
    if config.dataset == "orders":
        if order_rows is None:
            raise ValueError("the orders dataset needs its rows (fetched from the database)")
        return orders(order_rows, config)
    raise ValueError(f"unknown dataset {config.dataset!r}")
