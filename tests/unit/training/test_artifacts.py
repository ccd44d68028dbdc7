"""Artifacts: real PNGs and a loadable checkpoint, for finished and stopped runs."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from tasks.training import datasets
from tasks.training.artifacts import confusion_matrix
from tasks.training.config import TrainingConfig
from tasks.training.job import reproducibility, run_training, stop_on_sigterm
from tasks.training.loop import Hooks


def test_confusion_matrix_counts_pairs() -> None:
    matrix = confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_job_makes_pngs_and_checkpoint() -> None:
    config = TrainingConfig(epochs=1, max_samples=120, device="cpu")
    outcome = run_training(config, datasets.digits(config))
    by_name = {a.name: a for a in outcome.artifacts}
    assert set(by_name) == {
        "curves.png",
        "confusion.png",
        "samples.png",
        "misclassified.png",
        "model.pt",
    }
    for artifact in outcome.artifacts:
        if artifact.kind == "image":
            image = Image.open(io.BytesIO(artifact.data))
            assert image.format == "PNG" and image.width > 200
    saved = torch.load(io.BytesIO(by_name["model.pt"].data), weights_only=False)
    assert saved["config"] == config.to_dict() and "state_dict" in saved
    assert outcome.meta["versions"]["torch"].startswith("2.")


def test_stopped_run_keeps_artifacts() -> None:
    config = TrainingConfig(dataset="synthetic", samples=128, image_size=16, device="cpu")
    outcome = run_training(config, datasets.synthetic(config), Hooks(should_stop=lambda: True))
    assert outcome.result.status == "cancelled"
    assert {a.name for a in outcome.artifacts} >= {"curves.png", "model.pt"}


def test_tabular_predictions_become_a_table_image() -> None:
    rows = [
        {
            "status": s,
            "quantity": 1,
            "unit_price": 5,
            "discount": 0,
            "amount": 5,
            "channel": "web",
            "region": "East",
            "order_date": "2025-05-02",
        }
        for s in ("returned", "delivered") * 20
    ]
    config = TrainingConfig(dataset="orders", epochs=1, device="cpu")
    outcome = run_training(config, datasets.orders(rows, config))
    samples = next(a for a in outcome.artifacts if a.name == "samples.png")
    assert Image.open(io.BytesIO(samples.data)).format == "PNG"


def test_reproducibility_and_sigterm_flag() -> None:
    meta = reproducibility(TrainingConfig())
    assert meta["config"]["seed"] == 0 and meta["code_version"]
    import os
    import signal

    with stop_on_sigterm() as flag:
        assert not flag
        os.kill(os.getpid(), signal.SIGTERM)
        assert flag
