"""The built-in demos as recipes: best-checkpoint keeping, cancel while loading, estimates."""

from __future__ import annotations

import io
import time

import pytest
import torch

from dashapp.recipes import RunStatus, run_recipe, validate_params
from dashapp.recipes.api import MemorySink
from dashapp.recipes.validation import ParamsError
from tasks.training.builtin_recipes import BUILTINS
from tasks.training.loop import EarlyStopping, EpochMetrics

SMALL = {"epochs": 4, "max_samples": 300, "batch_size": 32, "device": "cpu", "lr": 0.01}


def test_digits_keeps_the_epoch_with_the_best_chosen_metric() -> None:
    recipe = BUILTINS["digits"]
    sink = MemorySink()
    params = validate_params(recipe, {**SMALL, "keep": "best val_loss"})
    assert run_recipe(recipe, params, sink).status is RunStatus.SUCCEEDED
    per_epoch = [(v["epoch"], v["val_loss"]) for _, v in sink.metric_rows if "val_loss" in v]
    best_epoch = min(per_epoch, key=lambda item: item[1])[0]
    saved = torch.load(io.BytesIO(sink.artifacts["model.pt"]), weights_only=False)
    assert saved["kept"] == "best val_loss" and saved["kept_epoch"] == best_epoch
    # Per-step training curves start long before the first epoch ends.
    steps = [step for step, values in sink.metric_rows if "loss" in values]
    assert len(steps) >= 4 * 8 and steps[0] < steps[-1]
    assert {"curves.png", "confusion.png", "samples.png", "misclassified.png"} <= set(
        sink.artifacts
    )


class StopsLater(MemorySink):
    """Says stop from the `after`-th question on (a cancel arriving mid-way)."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.asked, self.after = 0, after

    def should_stop(self) -> bool:
        self.asked += 1
        return self.asked >= self.after


def test_cancel_while_generating_synthetic_data_stops_at_once() -> None:
    recipe = BUILTINS["synthetic"]
    sink = StopsLater(after=3)
    # 200,000 images take a minute or more to make on a CPU; the cancel lands after 2 chunks.
    params = validate_params(recipe, {"samples": 200_000, "image_size": 32, "device": "cpu"})
    started = time.monotonic()
    outcome = run_recipe(recipe, params, sink)
    assert outcome.status is RunStatus.CANCELLED
    assert time.monotonic() - started < 30  # all 49 chunks take minutes on a loaded CPU
    assert sink.asked == 4  # two chunks made, stopped at the third; the runner asks once more
    assert "cancelled while generating the data" in sink.lines and sink.metric_rows == []


def test_memory_estimates_grow_with_the_data() -> None:
    synthetic = BUILTINS["synthetic"]
    small = validate_params(synthetic, {"samples": 1000, "image_size": 32})
    large = validate_params(synthetic, {"samples": 2_000_000, "image_size": 128})
    assert synthetic.memory_estimate is not None
    assert synthetic.memory_estimate(large) > 100 * 2**30 > synthetic.memory_estimate(small)


def _epoch(epoch: int, val_loss: float, val_acc: float = 0.5) -> EpochMetrics:
    return EpochMetrics(epoch, 1.0, 0.5, val_loss, val_acc, 1.0, 100.0)


def test_early_stopping_counts_epochs_without_improvement() -> None:
    stopper = EarlyStopping(patience=2, metric="val_loss")
    says = [stopper.update(_epoch(e, v)) for e, v in enumerate([1.0, 0.8, 0.9, 0.8], 1)]
    assert says == [False, False, False, True] and stopper.best_epoch == 2
    assert stopper.update(_epoch(5, 0.7)) is False and stopper.best_epoch == 5
    accuracy = EarlyStopping(patience=1, metric="val_accuracy")
    assert [accuracy.update(_epoch(e, 1.0, a)) for e, a in enumerate([0.5, 0.6, 0.6], 1)] == [
        False,
        False,
        True,
    ]
    never = EarlyStopping(patience=0)
    assert not any(never.update(_epoch(e, 1.0)) for e in range(1, 30))


def test_digits_stops_early_when_val_loss_stops_improving_and_says_so() -> None:
    recipe = BUILTINS["digits"]
    # A learning rate this high makes validation loss bounce after the first epochs.
    values = {**SMALL, "epochs": 30, "lr": 0.5, "optimizer": "sgd", "early_stop_patience": 2}
    sink = MemorySink()
    assert run_recipe(recipe, validate_params(recipe, values), sink).status is RunStatus.SUCCEEDED
    losses = [v["val_loss"] for _, v in sink.metric_rows if "val_loss" in v]
    stopped = len(losses)
    assert 3 <= stopped < 30
    # The last two epochs were no better than the best before them; every earlier pair was.
    best_before = min(losses[: stopped - 2])
    assert min(losses[-2:]) >= best_before
    message = f"stopped early at epoch {stopped}: no improvement of val_loss for 2 epochs"
    assert message in sink.lines
    # Off (the default): every epoch runs.
    sink = MemorySink()
    run_recipe(recipe, validate_params(recipe, {**values, "early_stop_patience": 0}), sink)
    assert len([v for _, v in sink.metric_rows if "val_loss" in v]) == 30
    assert not any(line.startswith("stopped early") for line in sink.lines)


def test_early_stopping_fields_are_checked_like_any_parameter() -> None:
    recipe = BUILTINS["digits"]
    with pytest.raises(ParamsError) as caught:
        validate_params(recipe, {"early_stop_patience": "abc", "early_stop_metric": "loss"})
    assert set(caught.value.errors) == {"early_stop_patience", "early_stop_metric"}
