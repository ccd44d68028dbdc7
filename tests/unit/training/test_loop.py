"""The loop: learns, reports progress, stops within one step, picks devices sensibly."""

from __future__ import annotations

import pytest
import torch

from tasks.training import datasets
from tasks.training.config import TrainingConfig
from tasks.training.device import DeviceError, select_device
from tasks.training.loop import Hooks, Progress, train

TINY = TrainingConfig(epochs=2, batch_size=32, max_samples=300, seed=1, device="cpu")


def test_tiny_digits_run_learns_and_reports() -> None:
    progress: list[Progress] = []
    epochs: list[int] = []
    hooks = Hooks(on_progress=progress.append, on_epoch=lambda m: epochs.append(m.epoch))
    result = train(TINY, datasets.digits(TINY), hooks)
    assert result.status == "succeeded" and epochs == [1, 2]
    assert len(progress) == 2 * result.info.steps_per_epoch
    assert progress[-1].percent == 100.0 and progress[-1].eta_s == 0.0
    assert result.history[-1].train_loss < result.history[0].train_loss
    assert result.info.device == "cpu" and result.samples_per_s > 0
    assert result.peak_memory_bytes is None
    assert len(result.val_pred) == len(result.val_true) == 60


def test_same_seed_same_result() -> None:
    data = datasets.digits(TINY)
    first, second = train(TINY, data), train(TINY, data)
    assert [m.train_loss for m in first.history] == [m.train_loss for m in second.history]


def test_should_stop_is_checked_every_step() -> None:
    steps: list[int] = []
    hooks = Hooks(
        on_progress=lambda p: steps.append(p.global_step), should_stop=lambda: len(steps) >= 3
    )
    result = train(TINY, datasets.digits(TINY), hooks)
    assert result.status == "cancelled" and steps == [1, 2, 3]
    assert result.history == [] and len(result.val_pred) == 60


def test_tabular_run_uses_the_mlp() -> None:
    rows = [
        {
            "status": s,
            "quantity": q,
            "unit_price": 10,
            "discount": d,
            "amount": 10 * q,
            "channel": "web",
            "region": "East",
            "order_date": "2025-01-02",
            "category": "Home",
        }
        for s, q, d in [("returned", 1, 30), ("delivered", 3, 0)] * 40
    ]
    config = TrainingConfig(dataset="orders", epochs=2, batch_size=16, device="cpu")
    result = train(config, datasets.orders(rows, config))
    assert result.status == "succeeded" and result.history[-1].val_acc == 1.0


def test_device_choice() -> None:
    assert select_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert select_device("auto").type == expected
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no usable GPU"):
            select_device("cuda")


def test_a_child_forked_after_training_does_not_hang() -> None:
    import multiprocess

    train(TINY, datasets.digits(TINY))  # this process's thread pool is now in use

    def child() -> None:
        train(TINY, datasets.digits(TINY))

    process = multiprocess.Process(target=child)
    process.start()
    process.join(60)
    alive = process.is_alive()
    if alive:
        process.kill()
    assert not alive and process.exitcode == 0
