"""Read models of runs for the page: grid rows, Plotly figures, comparison tables."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashapp.models.training import RunStatus, TrainingRun
from dashapp.training import recipe_catalog

STATUS_COLOURS = {
    RunStatus.QUEUED: "secondary",
    RunStatus.RUNNING: "primary",
    RunStatus.SUCCEEDED: "success",
    RunStatus.FAILED: "danger",
    RunStatus.CANCELLED: "warning",
    RunStatus.LOST: "dark",
}
# One colour per run, the same in every panel (Plotly's default sequence, colour-blind safe-ish).
RUN_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
)
# Panels first in this order; other metrics follow alphabetically. `epoch` is an x position.
METRIC_ORDER = ("loss", "val_loss", "accuracy", "val_accuracy")
NOT_CHARTED = frozenset({"epoch"})


def seconds_text(seconds: float | None) -> str:
    """12 s, 3 min 05 s, 1 h 02 min."""
    if seconds is None:
        return "–"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def bytes_text(size: int | None) -> str:
    """Sizes in KiB/MiB/GiB."""
    if size is None:
        return "–"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GiB"


def grid_row(run: TrainingRun) -> dict[str, Any]:
    """One row of the runs grid."""
    config = run.config or {}
    return {
        "id": run.id,
        "name": (run.name or "") + (" (archived)" if run.archived else ""),
        "tags": ", ".join(run.tags),
        "rerun_of": run.rerun_of,
        "owner": run.owner,
        "status": run.status,
        "recipe": run.recipe,
        "epochs": config.get("epochs"),
        "batch_size": config.get("batch_size"),
        "lr": config.get("lr"),
        "optimizer": config.get("optimizer"),
        "val_accuracy": run.metric("val_accuracy"),
        "val_loss": run.metric("val_loss"),
        "duration_s": run.duration_s,
        "device": run.device_name or run.device,
        "samples_per_s": run.samples_per_s,
        "created": run.created_at.strftime("%Y-%m-%d %H:%M:%S"),
    }


def run_colour(position: int) -> str:
    """The colour of the run at `position` among the runs drawn together."""
    return RUN_COLOURS[position % len(RUN_COLOURS)]


def series(run: TrainingRun) -> dict[str, tuple[list[int], list[float]]]:
    """Each metric of `run` as (steps, values), steps ascending."""
    found: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
    for point in sorted(run.points, key=lambda p: (p.name, p.step)):
        steps, values = found[point.name]
        steps.append(point.step)
        values.append(point.value)
    return dict(found)


def metric_names(all_series: list[dict[str, Any]]) -> list[str]:
    """The metrics to chart, in panel order."""
    names = {name for s in all_series for name in s} - NOT_CHARTED
    first = [n for n in METRIC_ORDER if n in names]
    return first + sorted(names - set(first))


def logged_metric_names(runs: list[TrainingRun]) -> list[str]:
    """Every metric any of `runs` logged (`epoch` too), charted ones first in panel order."""
    all_series = [series(run) for run in runs]
    charted = metric_names(all_series)
    others = {name for s in all_series for name in s} - set(charted)
    return charted + sorted(others)


def chosen_metrics(
    available: list[str], previous: list[str] | None, previously_offered: list[str] | None
) -> list[str]:
    """The metrics ticked once `available` is offered: what the user kept ticked stays ticked,
    what they unticked stays off, and metrics new to the list arrive ticked (except `epoch`,
    an x position, which is charted only when asked for)."""
    kept = set(previous or [])
    seen = set(previously_offered or [])
    return [
        name for name in available if name in kept or (name not in seen and name not in NOT_CHARTED)
    ]


def curves_figure(
    runs: list[TrainingRun],
    template: str = "plotly_white",
    metrics: list[str] | None = None,
) -> go.Figure:
    """One panel per logged metric (or per name in `metrics`) against the step; each run has
    one colour in every panel and one legend entry (clicking it hides the run everywhere)."""
    all_series = [series(run) for run in runs]
    if metrics is None:
        names = metric_names(all_series)
        empty_title = "no metrics yet: they appear as the run logs them"
    else:
        logged = {name for s in all_series for name in s}
        names = [name for name in metrics if name in logged]
        empty_title = "tick a metric to chart it"
    columns = 2 if len(names) > 1 else 1
    rows = max(1, math.ceil(len(names) / columns))
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=names or [empty_title],
        # Room between rows for the next row's panel titles.
        vertical_spacing=min(0.2, 0.6 / rows) if rows > 1 else 0.1,
    )
    for position, (run, found) in enumerate(zip(runs, all_series, strict=True)):
        colour = run_colour(position)
        label = f"#{run.id} {run.recipe}"
        shown = False
        for index, name in enumerate(names):
            if name not in found:
                continue
            steps, values = found[name]
            figure.add_trace(
                go.Scatter(
                    x=steps,
                    y=values,
                    mode="lines+markers" if len(steps) <= 60 else "lines",
                    name=label,
                    legendgroup=label,
                    showlegend=not shown,
                    line={"color": colour},
                    marker={"color": colour, "size": 5},
                    hovertemplate=f"{label}<br>{name} %{{y:.4g}} at step %{{x}}<extra></extra>",
                ),
                row=index // columns + 1,
                col=index % columns + 1,
            )
            shown = True
    if not names:
        # Nothing to draw: the message alone, no empty axes that read like data.
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
    else:
        # The x title once, under the bottom row: between rows it collides with panel titles.
        figure.update_xaxes(title_text="step", row=rows)
    figure.update_layout(
        template=template,
        height=max(320, 280 * rows),
        margin={"l": 40, "r": 10, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.12, "title": {"text": "run"}},
        uirevision="curves",
    )
    return figure


def _differ(values: list[Any]) -> bool:
    """True when the runs do not all have the same value (a missing one counts as a value)."""
    return len({repr(v) for v in values}) > 1


def comparison_rows(runs: list[TrainingRun]) -> list[dict[str, Any]]:
    """Params and results side by side: one row per setting, one column per run.

    `setting` is what the launch form calls it, `key` the parameter's own name, `differs` True
    where the runs disagree (the page highlights those rows and can show only them).
    """
    rows: list[dict[str, Any]] = []

    def add(setting: str, key: str, values: list[Any]) -> None:
        cells = {f"#{run.id}": value for run, value in zip(runs, values, strict=True)}
        rows.append({"setting": setting, "key": key, "differs": _differ(values), **cells})

    add("Recipe", "recipe", [run.recipe for run in runs])
    keys: list[str] = []
    for run in runs:
        keys += [k for k in (run.config or {}) if k not in keys]
    for key in keys:
        # The first run that has the key names it (recipes of one name share their labels).
        owner = next(run for run in runs if key in (run.config or {}))
        label = recipe_catalog.setting_label(owner.recipe, key)
        add(label, key, [(run.config or {}).get(key) for run in runs])
    metrics: list[str] = []
    for run in runs:
        metrics += [k for k in sorted(run.summary or {}) if k not in metrics]
    for name in metrics:
        add(name, name, [_rounded(run.metric(name)) for run in runs])
    results = {
        "Status": ("status", lambda r: r.status),
        "Duration": ("duration", lambda r: seconds_text(r.duration_s)),
        # Not "Device": recipes have a device parameter ("auto"); this is where it ran.
        "Ran on": ("device", lambda r: r.device_name),
        "Code version": ("code", lambda r: (r.code_version or "")[:10]),
    }
    for label, (key, read) in results.items():
        add(label, key, [read(run) for run in runs])
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
