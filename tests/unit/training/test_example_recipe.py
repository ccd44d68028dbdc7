"""The documented example recipe (examples/wine_recipe.py) trains and reports as documented."""

from __future__ import annotations

import io

import torch

from dashapp.recipes import RunStatus, load_recipes, run_recipe, validate_params
from dashapp.recipes.api import MemorySink


def test_the_wine_example_learns_and_keeps_its_best_checkpoint() -> None:
    recipe = load_recipes("examples.wine_recipe:recipe")["wine"]
    sink = MemorySink()
    params = validate_params(recipe, {"epochs": "40", "lr": "0.05"})
    outcome = run_recipe(recipe, params, sink)
    assert outcome.status is RunStatus.SUCCEEDED, sink.lines
    accuracy = [values["val_accuracy"] for _, values in sink.metric_rows]
    assert len(accuracy) == 40 and max(accuracy) > 0.85  # 3 classes: chance is about 0.4
    saved = torch.load(io.BytesIO(sink.artifacts["model.pt"]), weights_only=False)
    assert saved["val_accuracy"] == max(accuracy) and saved["recipe"] == "wine"
    assert sink.artifacts["predictions.png"].startswith(b"\x89PNG")
    assert any(line.startswith("wine: 133 training") for line in sink.lines)
