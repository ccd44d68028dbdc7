"""The public recipe API on its own: no Dash, no Flask, no database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image
from pydantic import BaseModel, Field

from dashapp.recipes import (
    ParamsError,
    Recipe,
    RecipeLoadError,
    RunContext,
    RunStatus,
    load_recipes,
    run_recipe,
    validate_params,
)
from dashapp.recipes.api import MemorySink
from dashapp.settings import PROJECT_ROOT
from tests.support.recipe_site import install_recipe_package


def test_importing_the_api_loads_neither_dash_nor_flask() -> None:
    code = (
        "import sys\n"
        "from dashapp.recipes import Recipe, RunContext, load_recipes\n"
        "load_recipes(builtins=True)\n"
        # Every module of the worker-side training code too (point 7: tasks/ stays Dash-free).
        "import importlib, pkgutil, tasks.training as t\n"
        "for m in pkgutil.iter_modules(t.__path__):\n"
        "    importlib.import_module('tasks.training.' + m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dash', 'flask'))\n"
        "print(bad)\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "[]"


class WineLike(BaseModel):
    epochs: int = Field(3, ge=1, le=200, description="Passes over the training set")
    lr: float = Field(0.05, gt=0, le=1, description="Learning rate")


def _train(ctx: RunContext, params: WineLike) -> None:
    model = torch.nn.Linear(2, 1).to(ctx.device)
    for epoch in range(params.epochs):
        ctx.log_metrics(step=epoch, loss=torch.tensor(1.0 / (epoch + 1)), val_accuracy=0.5)
        ctx.progress(done=epoch + 1, total=params.epochs)
        if ctx.should_stop:
            return
    print("done training")
    ctx.log_image("predictions", Image.new("RGB", (8, 8), "red"))
    ctx.save_checkpoint(model.state_dict())


WINE = Recipe(name="wine", title="Wine", params=WineLike, train=_train)


def test_a_recipe_reports_metrics_progress_images_checkpoints_and_prints() -> None:
    sink = MemorySink()
    outcome = run_recipe(WINE, validate_params(WINE, {"epochs": "3"}), sink)
    assert outcome.status is RunStatus.SUCCEEDED
    assert [step for step, _ in sink.metric_rows] == [0, 1, 2]
    assert sink.metric_rows[1][1] == {"loss": 0.5, "val_accuracy": 0.5}
    assert sink.progress_rows == [(1, 3), (2, 3), (3, 3)]
    assert sink.artifacts["predictions.png"].startswith(b"\x89PNG")
    saved = torch.load(__import__("io").BytesIO(sink.artifacts["model.pt"]), weights_only=False)
    assert saved["recipe"] == "wine" and saved["params"] == {"epochs": 3, "lr": 0.05}
    assert set(saved["state_dict"]) == {"weight", "bias"}
    assert "done training" in sink.lines and sink.device == "cpu"


def test_a_raising_recipe_fails_with_its_traceback_in_the_log() -> None:
    def boom(ctx: RunContext, params: WineLike) -> None:
        print("about to fail")
        raise RuntimeError("no data")

    sink = MemorySink()
    recipe = Recipe(name="boom", title="Boom", params=WineLike, train=boom)
    outcome = run_recipe(recipe, WineLike(), sink)
    assert outcome.status is RunStatus.FAILED and outcome.error == "RuntimeError: no data"
    assert "about to fail" in sink.lines
    assert sink.lines[-1] == "RuntimeError: no data"
    assert any(line.startswith("Traceback") for line in sink.lines)
    assert any("in boom" in line for line in sink.lines)


def test_a_stop_request_ends_the_run_cancelled() -> None:
    sink = MemorySink(stop=True)
    assert run_recipe(WINE, WineLike(), sink).status is RunStatus.CANCELLED
    assert len(sink.metric_rows) == 1  # it returned at the first check


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"epochs": "abc"}, "epochs", "Enter a whole number (got 'abc')"),
        ({"epochs": None}, "epochs", "Enter a number"),
        ({"epochs": ""}, "epochs", "Enter a number"),
        ({"epochs": 0}, "epochs", "Must be at least 1"),
        ({"epochs": 201}, "epochs", "Must be at most 200"),
        ({"epochs": 2.5}, "epochs", "Enter a whole number (got 2.5)"),
        ({"lr": "fast"}, "lr", "Enter a number (got 'fast')"),
        ({"lr": 0}, "lr", "Must be above 0"),
        ({"momentum": 1}, "momentum", "not a parameter of the wine recipe"),
    ],
)
def test_validation_names_the_field_and_never_falls_back_to_a_default(
    values: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ParamsError) as caught:
        validate_params(WINE, values)
    assert message in caught.value.errors[field]


def test_bad_names_and_bad_specs_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="lowercase"):
        Recipe(name="Wine Classifier", title="x", params=WineLike, train=_train)
    with pytest.raises(RecipeLoadError, match="cannot import"):
        load_recipes("no_such_module_xyz:recipe", builtins=False)
    with pytest.raises(RecipeLoadError, match="not a dashapp Recipe"):
        load_recipes("dashapp.recipes.api:NAME_PATTERN", builtins=False)


def test_builtins_specs_and_entry_points_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert {"digits", "orders", "synthetic"} <= set(load_recipes(""))
    site = install_recipe_package(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    found = load_recipes("tests.unit.training.test_recipe_api:WINE")
    assert {"wine", "tiny-linear", "explodes", "digits"} <= set(found)
    assert found["tiny-linear"].params.model_fields["steps"].description == "Optimizer steps"
