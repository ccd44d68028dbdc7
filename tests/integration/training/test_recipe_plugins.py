"""Recipes from a package installed only for the tests, run by a real Celery worker on
PostgreSQL and Redis: one trains end to end, one raises."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import torch
from flask import Flask

from tests.integration.training.conftest import PluginApp
from tests.integration.training.support import launch, launched_run_id, start_job, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]


@pytest.fixture
def plugin_app(plugin_app_with: PluginApp) -> Iterator[Flask]:
    """The app and a solo worker of its own queue that both see the installed recipe package."""
    with plugin_app_with(pool="solo") as (app, _worker):
        yield app


def test_an_installed_recipe_runs_end_to_end_and_a_raising_one_fails(plugin_app: Flask) -> None:
    client = plugin_app.test_client()
    form = client.get("/training?recipe=tiny-linear").get_data(as_text=True)
    assert form  # the page renders for a plug-in recipe (the form itself is checked in browser)

    run_id = launched_run_id(launch(client, {"recipe": "tiny-linear", "steps": 30}))
    start_job(client, run_id)
    run = wait_for(plugin_app, run_id, {"succeeded"}, timeout=120)
    losses = [p.value for p in run.points if p.name == "loss"]
    assert [p.step for p in run.points if p.name == "loss"] == list(range(30))
    assert losses[-1] < losses[0] / 10  # it really trained
    assert run.summary and run.summary["loss"] == losses[-1] and "weight" in run.summary
    assert run.percent == 100.0 and run.progress_done == run.progress_total == 30
    assert {a.name for a in run.artifacts} == {"fit.png", "model.pt"}
    image = client.get(f"/artifacts/runs/{run_id}/fit.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    checkpoint = client.get(f"/artifacts/runs/{run_id}/model.pt?download=1")
    saved = torch.load(io.BytesIO(checkpoint.data), weights_only=False)
    assert saved["recipe"] == "tiny-linear" and set(saved["state_dict"]) == {"weight", "bias"}
    assert "fitting 64 points on cpu" in run.log  # the recipe's print()
    assert "stderr: a warning on stderr" in run.log
    assert run.environment and run.code_version

    failing = launched_run_id(launch(client, {"recipe": "explodes", "after": 3}))
    start_job(client, failing)
    run = wait_for(plugin_app, failing, {"failed"}, timeout=60)
    assert run.error == "ValueError: recipe exploded after 3 steps"
    assert "Traceback (most recent call last)" in run.log
    assert "in train_explodes" in run.log and "about to fail" in run.log
    assert len([p for p in run.points if p.name == "loss"]) == 3  # logged before the error
