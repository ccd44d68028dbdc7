"""A sweep's progress counts, best run and chart, from transient rows (no database, no browser)."""

from __future__ import annotations

from typing import Any

from dashapp.models.sweeps import Sweep
from dashapp.models.training import TrainingRun
from dashapp.pages.training import sweep_chart
from dashapp.training import sweeps


def _sweep(goal: str = "max", axes: list[dict[str, Any]] | None = None) -> Sweep:
    axes = axes or [{"name": "lr", "values": [0.001, 0.01, 0.1]}]
    return Sweep(
        id=7,
        owner="dev",
        recipe="digits",
        strategy="grid",
        metric="val_accuracy",
        goal=goal,
        spec={"fixed": {}, "axes": axes, "count": 0, "seed": 0},
    )


def _run(run_id: int, status: str, config: dict[str, Any], acc: float | None) -> TrainingRun:
    summary = None if acc is None else {"val_accuracy": acc, "loss": 1 - acc}
    return TrainingRun(
        id=run_id, owner="dev", status=status, recipe="digits", config=config, summary=summary
    )


RUNS = [
    _run(1, "succeeded", {"lr": 0.001, "optimizer": "adam"}, 0.80),
    _run(2, "succeeded", {"lr": 0.01, "optimizer": "sgd"}, 0.93),
    _run(3, "failed", {"lr": 0.1, "optimizer": "adam"}, 0.99),  # failed runs never win
    _run(4, "running", {"lr": 0.1, "optimizer": "sgd"}, 0.50),
    _run(5, "queued", {"lr": 0.001, "optimizer": "sgd"}, None),
    _run(6, "lost", {"lr": 0.01, "optimizer": "adam"}, None),
    _run(7, "cancelled", {"lr": 0.1, "optimizer": "adam"}, None),
]


def test_counts_sort_every_status_into_four_groups() -> None:
    assert sweeps.status_counts(RUNS) == {"done": 3, "running": 1, "queued": 1, "failed": 2}


def test_best_run_follows_the_goal_and_ignores_failed_runs() -> None:
    best = sweeps.best_run(_sweep("max"), RUNS)
    assert best is not None and best.id == 2
    lowest = sweeps.best_run(_sweep("min"), RUNS)
    assert lowest is not None and lowest.id == 4  # running runs count with their latest value
    assert sweeps.best_run(_sweep(), [RUNS[4]]) is None


def test_one_swept_parameter_is_a_scatter_on_a_log_axis_when_swept_on_one() -> None:
    sweep = _sweep(axes=[{"name": "lr", "low": 0.001, "high": 0.1, "log": True}])
    figure = sweep_chart.figure(sweep, RUNS, "plotly_white")
    (trace,) = figure.data
    assert trace.type == "scatter" and list(trace.x) == [0.001, 0.01, 0.1, 0.1]
    assert list(trace.y) == [0.80, 0.93, 0.99, 0.50]
    assert figure.layout.xaxis.type == "log"


def test_several_parameters_are_parallel_axes_with_a_line_per_scored_run() -> None:
    sweep = _sweep(
        axes=[
            {"name": "lr", "values": [0.001, 0.01, 0.1]},
            {"name": "optimizer", "values": ["adam", "sgd"]},
        ]
    )
    figure = sweep_chart.figure(sweep, RUNS, "plotly_dark")
    assert list(figure.layout.xaxis.ticktext) == ["lr", "optimizer", "val_accuracy"]
    lines = [t for t in figure.data if t.meta == "run"]
    assert [t.name for t in lines] == ["run #1", "run #2", "run #3", "run #4"]
    # lr spans two decades: a log scale puts 0.01 half way; choices sit at the axis ends.
    assert list(lines[1].y[:2]) == [0.5, 1.0] and lines[0].y[1] == 0.0
    widths = {t.name: t.line.width for t in lines}
    assert widths["run #2"] == 4 and widths["run #1"] == 2  # the best run stands out
    labels = {a.text for a in figure.layout.annotations}
    assert {"0.001", "0.01", "0.1", "adam", "sgd"} <= labels


def test_no_scored_run_yet_says_so() -> None:
    figure = sweep_chart.figure(_sweep(), [RUNS[4]], "plotly_white")
    assert figure.layout.annotations[0].text == "No run has logged val_accuracy yet."
