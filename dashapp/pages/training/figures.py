"""The training page's drawing: status badge colours, one colour per run, the metric curves."""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashapp.models.training import RunStatus, TrainingRun
from dashapp.training.run_views import metric_names, series

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


def run_colour(position: int) -> str:
    """The colour of the run at `position` among the runs drawn together."""
    return RUN_COLOURS[position % len(RUN_COLOURS)]


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
