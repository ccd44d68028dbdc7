"""The comparison's metric chooser: which metrics are offered, kept ticked, and drawn."""

from __future__ import annotations

from flask import Flask

from dashapp.models.training import RunPoint, TrainingRun
from dashapp.pages.training import figures
from dashapp.training import run_views


def _run(run_id: int, metrics: dict[str, list[float]]) -> TrainingRun:
    run = TrainingRun(id=run_id, owner="u", recipe="digits", config={})
    for name, values in metrics.items():
        for step, value in enumerate(values):
            run.points.append(RunPoint(name=name, step=step, value=value))
    return run


def test_every_logged_metric_is_offered_epoch_included_charted_ones_first() -> None:
    runs = [
        _run(1, {"loss": [1.0, 0.5], "epoch": [1, 2], "samples_per_s": [9.0, 9.0]}),
        _run(2, {"val_accuracy": [0.5], "f1": [0.4]}),
    ]
    assert run_views.logged_metric_names(runs) == [
        "loss",
        "val_accuracy",
        "f1",
        "samples_per_s",
        "epoch",
    ]


def test_chosen_metrics_keep_the_users_ticks_and_tick_new_metrics() -> None:
    offered = ["loss", "val_accuracy", "epoch"]
    # First time: everything but epoch.
    assert run_views.chosen_metrics(offered, None, None) == ["loss", "val_accuracy"]
    # The user unticked loss and ticked epoch; a run with f1 is added: f1 arrives ticked.
    now = ["loss", "val_accuracy", "f1", "epoch"]
    assert run_views.chosen_metrics(now, ["val_accuracy", "epoch"], offered) == [
        "val_accuracy",
        "f1",
        "epoch",
    ]
    # Forged names that no run logged are never charted.
    assert run_views.chosen_metrics(offered, ["nope", "loss"], offered) == ["loss"]


def test_the_figure_draws_only_the_ticked_metrics_one_colour_per_run() -> None:
    runs = [
        _run(1, {"loss": [1.0, 0.5], "val_accuracy": [0.2, 0.4], "epoch": [1, 2]}),
        _run(2, {"loss": [2.0, 1.0], "val_accuracy": [0.1, 0.3]}),
    ]
    figure = figures.curves_figure(runs, metrics=["val_accuracy", "epoch"])
    drawn = [(t.name, t.line.color, t.xaxis) for t in figure.data]
    assert [(name, axis) for name, _c, axis in drawn] == [
        ("#1 digits", "x"),
        ("#1 digits", "x2"),
        ("#2 digits", "x"),
    ]
    assert drawn[0][1] == drawn[1][1] != drawn[2][1]
    titles = [a.text for a in figure.layout.annotations]
    assert titles == ["val_accuracy", "epoch"]
    nothing = figures.curves_figure(runs, metrics=[])
    assert list(nothing.data) == []
    assert [a.text for a in nothing.layout.annotations] == ["tick a metric to chart it"]
    # No axes without data: an empty grid from -1 to 6 reads like a chart of something.
    assert nothing.layout.xaxis.visible is False and nothing.layout.yaxis.visible is False
    assert figure.layout.xaxis.visible is not False


def test_the_comparison_names_settings_as_the_form_does_and_marks_where_runs_differ(
    app: Flask,
) -> None:
    common = {"epochs": 5, "batch_size": 64, "lr": 0.001}
    first = TrainingRun(id=1, owner="u", recipe="digits", config=common, summary={"loss": 0.5})
    second = TrainingRun(
        id=2, owner="u", recipe="digits", config={**common, "lr": 0.01}, summary={"loss": 0.5}
    )
    third = TrainingRun(id=3, owner="u", recipe="gone-recipe", config={"warm_up_steps": 3})
    with app.app_context():
        rows = {row["key"]: row for row in run_views.comparison_rows([first, second])}
        gone = {row["key"]: row for row in run_views.comparison_rows([third])}
    assert rows["lr"]["setting"] == "Learning rate"  # the recipe's title for `lr`
    assert rows["batch_size"]["setting"] == "Batch size"
    assert (rows["lr"]["#1"], rows["lr"]["#2"]) == (0.001, 0.01)
    differs = {key for key, row in rows.items() if row["differs"]}
    assert differs == {"lr"}  # same recipe, epochs, batch size, loss, status...
    assert gone["warm_up_steps"]["setting"] == "Warm up steps"  # no recipe: the name in words
    assert not gone["warm_up_steps"]["differs"]  # one run differs from nothing
