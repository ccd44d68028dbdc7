"""A run's artifacts: PNG charts made with Pillow and the model checkpoint, as bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from tasks.training.charts import (
    confusion_chart,
    line_chart,
    png_bytes,
    prediction_grid,
    table_chart,
)
from tasks.training.config import TrainingConfig
from tasks.training.datasets import Dataset
from tasks.training.loop import EpochMetrics, TrainResult

SAMPLE_COUNT = 24


@dataclass(frozen=True)
class Artifact:
    """One file a run produced."""

    name: str
    kind: str  # "image" or "checkpoint"
    content_type: str
    data: bytes
    title: str


def confusion_matrix(true: np.ndarray, pred: np.ndarray, classes: int) -> np.ndarray:
    """Counts of (true, predicted) pairs."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (true.astype(np.int64), pred.astype(np.int64)), 1)
    return matrix


def curves_image(history: list[EpochMetrics]) -> Image.Image:
    """Loss and accuracy per epoch, train and validation, side by side."""
    epochs = [m.epoch for m in history]
    loss = line_chart(
        "Loss",
        {
            "train": (epochs, [m.train_loss for m in history]),
            "validation": (epochs, [m.val_loss for m in history]),
        },
    )
    acc = line_chart(
        "Accuracy",
        {
            "train": (epochs, [m.train_acc for m in history]),
            "validation": (epochs, [m.val_acc for m in history]),
        },
    )
    both = Image.new("RGB", (loss.width + acc.width, max(loss.height, acc.height)), "white")
    both.paste(loss, (0, 0))
    both.paste(acc, (loss.width, 0))
    return both


def _sample_images(data: Dataset, result: TrainResult) -> list[Artifact]:
    x = data.x_val.numpy()
    names = data.class_names
    true = [names[i] for i in result.val_true]
    pred = [names[i] for i in result.val_pred]
    picked = np.arange(min(SAMPLE_COUNT, len(x)))
    wrong = np.flatnonzero(result.val_true != result.val_pred)[:SAMPLE_COUNT]
    artifacts = []
    for name, title, idx in (
        ("samples.png", "Sample predictions (true -> predicted)", picked),
        ("misclassified.png", f"Misclassified ({len(wrong)} shown)", wrong),
    ):
        if data.kind == "image":
            image = prediction_grid(title, x[idx], [true[i] for i in idx], [pred[i] for i in idx])
        else:
            header = ["true", "predicted", *data.feature_names[:4]]
            rows = [[true[i], pred[i], *(f"{v:+.2f}" for v in x[i][:4])] for i in idx[:16]]
            image = table_chart(title, header, rows)
        artifacts.append(Artifact(name, "image", "image/png", png_bytes(image), title))
    return artifacts


def checkpoint_bytes(result: TrainResult, config: TrainingConfig, meta: dict[str, Any]) -> bytes:
    """A torch.save'd dict: state_dict, config, class names, history and metadata."""
    buffer = io.BytesIO()
    torch.save(
        {
            "state_dict": result.model.state_dict(),
            "config": config.to_dict(),
            "status": result.status,
            "history": [vars(m) for m in result.history],
            "meta": meta,
        },
        buffer,
    )
    return buffer.getvalue()


def build_artifacts(
    config: TrainingConfig, data: Dataset, result: TrainResult, meta: dict[str, Any]
) -> list[Artifact]:
    """Every artifact of a finished (or cancelled) run."""
    matrix = confusion_matrix(result.val_true, result.val_pred, data.num_classes)
    artifacts = [
        Artifact(
            "curves.png",
            "image",
            "image/png",
            png_bytes(curves_image(result.history)),
            "Loss and accuracy",
        ),
        Artifact(
            "confusion.png",
            "image",
            "image/png",
            png_bytes(confusion_chart(matrix, data.class_names)),
            "Confusion matrix",
        ),
        *_sample_images(data, result),
    ]
    artifacts.append(
        Artifact(
            "model.pt",
            "checkpoint",
            "application/octet-stream",
            checkpoint_bytes(result, config, meta),
            "Model checkpoint",
        )
    )
    return artifacts
