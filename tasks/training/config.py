"""The validated configuration of one training run."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

DATASETS = {
    "digits": "Handwritten digits (scikit-learn, 8×8, small CNN)",
    "orders": "Order returns (this app's orders table, MLP)",
    "synthetic": "Synthetic shapes (size is a parameter, loads a GPU)",
}
OPTIMIZERS = ("adam", "adamw", "sgd")
DEVICES = ("auto", "cpu", "cuda")
EARLY_STOP_METRICS = ("val_loss", "val_accuracy")


class ConfigError(ValueError):
    """A configuration the server refuses; `errors` maps each field to a readable message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that determines a run (with the code version, it reproduces one)."""

    dataset: str = "digits"
    epochs: int = 5
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"
    seed: int = 0
    device: str = "auto"
    # Synthetic set only: how many images, and their side in pixels.
    samples: int = 4096
    image_size: int = 32
    # Digits/orders: use at most this many examples (0 = all); keeps test runs tiny.
    max_samples: int = 0
    val_fraction: float = 0.2
    # Stop once `early_stop_metric` has not improved for this many epochs (0 = never).
    early_stop_patience: int = 0
    early_stop_metric: str = "val_loss"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (what the run row stores)."""
        return asdict(self)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TrainingConfig:
        """Parse and validate user input; raise ConfigError naming every bad field."""
        errors: dict[str, str] = {}
        known = {f.name for f in fields(cls)}
        for name in sorted(set(data) - known):
            errors[name] = "is not a training setting"
        values: dict[str, Any] = {}
        defaults = cls()
        for name in known:
            raw = data.get(name)
            if raw is None or raw == "":
                values[name] = getattr(defaults, name)
                continue
            try:
                values[name] = _PARSERS[name](raw)
            except ValueError as exc:
                errors[name] = str(exc)
        if errors:
            raise ConfigError(errors)
        return cls(**values)


def _integer(low: int, high: int, what: str) -> Any:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError(f"must be a whole number of {what}")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"must be a whole number of {what}, got {raw!r}") from None
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"must be a whole number of {what}, got {raw!r}")
        if not low <= int(value) <= high:
            raise ValueError(f"must be between {low:,} and {high:,} {what}, got {int(value):,}")
        return int(value)

    return parse


def _real(low: float, high: float, what: str) -> Any:
    def parse(raw: Any) -> float:
        if isinstance(raw, bool):
            raise ValueError(f"must be a number ({what})")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number ({what}), got {raw!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g} ({what}), got {raw!r}")
        return value

    return parse


def _choice(options: tuple[str, ...] | Mapping[str, str]) -> Any:
    def parse(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}, got {raw!r}")
        return value

    return parse


_PARSERS: dict[str, Any] = {
    "dataset": _choice(DATASETS),
    "epochs": _integer(1, 200, "epochs"),
    "batch_size": _integer(1, 8192, "samples per batch"),
    "lr": _real(1e-6, 10.0, "learning rate"),
    "optimizer": _choice(OPTIMIZERS),
    "seed": _integer(0, 2**31 - 1, "(seed)"),
    "device": _choice(DEVICES),
    "samples": _integer(64, 2_000_000, "images"),
    "image_size": _integer(8, 128, "pixels"),
    "max_samples": _integer(0, 10_000_000, "examples"),
    "val_fraction": _real(0.05, 0.5, "fraction held out for validation"),
    "early_stop_patience": _integer(0, 200, "epochs without improvement"),
    "early_stop_metric": _choice(EARLY_STOP_METRICS),
}
