"""Metric values read from the device in batches are the values a read on every step gave."""

from __future__ import annotations

import math

import pytest
import torch

from dashapp.recipes.api import MemorySink, RunContext
from tasks.training import datasets
from tasks.training.config import TrainingConfig
from tasks.training.loop import Hooks, train

TINY = TrainingConfig(epochs=3, batch_size=32, max_samples=300, seed=4, device="cpu")


def _train_windows(flush_s: float) -> tuple[list[tuple[int, float, float]], list[float]]:
    reported: list[tuple[int, float, float]] = []
    hooks = Hooks(
        on_train_metrics=lambda step, loss, acc: reported.append((step, loss, acc)),
        train_metrics_every=1,
        train_metrics_flush_s=flush_s,
    )
    result = train(TINY, datasets.digits(TINY), hooks)
    return reported, [m.train_loss for m in result.history]


def test_train_windows_read_once_per_epoch_equal_windows_read_every_step() -> None:
    every_step, epoch_losses = _train_windows(flush_s=0.0)
    once_per_epoch, _ = _train_windows(flush_s=1e9)
    assert once_per_epoch == every_step  # exactly equal, not approximately
    steps_per_epoch = len(every_step) // TINY.epochs
    assert [step for step, _, _ in every_step] == list(range(1, len(every_step) + 1))
    # One-step windows, weighted by batch size, add up to each epoch's mean training loss.
    sizes = [32] * (steps_per_epoch - 1) + [240 - 32 * (steps_per_epoch - 1)]
    for epoch, expected in enumerate(epoch_losses):
        window = every_step[epoch * steps_per_epoch : (epoch + 1) * steps_per_epoch]
        mean = sum(loss * n for (_, loss, _), n in zip(window, sizes, strict=True)) / 240
        assert mean == pytest.approx(expected, rel=1e-5)
        assert all(0.0 <= acc <= 1.0 for _, _, acc in window)


def _log_like_a_recipe(ctx: RunContext) -> None:
    """Tensors, numbers, a NaN, a count, and a tensor changed in place after it was logged."""
    running = torch.zeros(())
    for step in range(1, 40):
        loss = torch.tensor(1.0 / step, requires_grad=True) * 2
        running += loss.detach()
        ctx.log_metrics(step=step, loss=loss, running=running, lr=0.1 / step)
        if step % 7 == 0:
            ctx.log_metrics(step=step, correct=torch.tensor(2**40 + step), bad=float("nan"))
        if step % 10 == 0:
            ctx.progress(done=step, total=39)
    running += 1000.0  # after the last call: must not reach the logged values


def test_deferred_tensor_metrics_equal_immediate_reads_in_order() -> None:
    immediate, deferred = MemorySink(), MemorySink()
    _log_like_a_recipe(RunContext(immediate, defer_reads=False))
    context = RunContext(deferred, defer_reads=True)
    _log_like_a_recipe(context)
    assert deferred.metric_rows == []  # still on the device (less than a second went by)
    context.flush()
    assert deferred.metric_rows == immediate.metric_rows
    assert immediate.metric_rows[0] == (1, {"loss": 2.0, "running": 2.0, "lr": 0.1})
    assert (7, {"correct": float(2**40 + 7)}) in immediate.metric_rows  # NaN left out, count exact
    last = immediate.metric_rows[-1][1]
    assert last["running"] == pytest.approx(sum(2.0 / s for s in range(1, 40)), rel=1e-6)
    assert not any(math.isnan(v) for _, row in deferred.metric_rows for v in row.values())


def test_a_checkpoint_or_image_sends_what_was_logged_before_it() -> None:
    sink = MemorySink()
    context = RunContext(sink, defer_reads=True)
    context.log_metrics(step=3, loss=torch.tensor(0.25))
    context.save_checkpoint({"w": torch.ones(1)})
    assert sink.metric_rows == [(3, {"loss": 0.25})] and "model.pt" in sink.artifacts


@pytest.mark.parametrize("defer", [False, True])
def test_a_tensor_of_many_values_is_refused_at_the_call(defer: bool) -> None:
    with pytest.raises(TypeError, match="'loss' must be one number, got 3 values"):
        RunContext(MemorySink(), defer_reads=defer).log_metrics(step=0, loss=torch.ones(3))
