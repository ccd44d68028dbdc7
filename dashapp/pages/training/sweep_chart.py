"""The sweep's chart: parameters against the objective (parallel coordinates, or a scatter for
one swept parameter). SVG traces only: the page's CSP leaves WebGL traces undrawable."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashapp.models.sweeps import Sweep
from dashapp.models.training import TrainingRun
from dashapp.training import sweeps

CLEAR = "rgba(0,0,0,0)"
MAX_TICKS = 8


def _empty(message: str, template: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_layout(
        template=template,
        height=160,
        xaxis={"visible": False},
        yaxis={"visible": False},
        paper_bgcolor=CLEAR,
        plot_bgcolor=CLEAR,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure


def _axis_positions(values: list[Any], log: bool) -> tuple[list[float], list[tuple[float, str]]]:
    """Each value's height on its axis (0..1) and the ticks (height, text) to label it with.

    Numbers are spread min..max (on a log scale when the axis was swept on one); text values
    (choices) get evenly spaced places in sorted order.
    """
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if not numeric:
        names = sorted({str(v) for v in values})
        step = 1 / (len(names) - 1) if len(names) > 1 else 0.0
        place = {name: (i * step if len(names) > 1 else 0.5) for i, name in enumerate(names)}
        return [place[str(v)] for v in values], [(place[n], n) for n in names]
    positive = all(float(v) > 0 for v in values)
    # Log scale when swept on one, or when the values span two decades (0.001, 0.01, 0.1).
    use_log = positive and (log or max(values) >= 100 * min(values))
    scaled = [math.log10(float(v)) if use_log else float(v) for v in values]
    low, high = min(scaled), max(scaled)
    if high == low:
        return [0.5] * len(values), [(0.5, f"{values[0]:.4g}")]
    heights = [(v - low) / (high - low) for v in scaled]
    distinct = sorted(set(zip(heights, values, strict=True)))
    # A grid has few values: label each; random draws get their ends only.
    shown = distinct if len(distinct) <= MAX_TICKS else [distinct[0], distinct[-1]]
    return heights, [(h, f"{v:.4g}") for h, v in shown]


def _log_axis(sweep: Sweep, name: str) -> bool:
    for axis in (sweep.spec or {}).get("axes", []):
        if axis.get("name") == name:
            return bool(axis.get("log"))
    return False


def _parallel(sweep: Sweep, names: list[str], rows: list[tuple[TrainingRun, float]]) -> go.Figure:
    """Parallel coordinates drawn with SVG lines: one vertical axis per swept parameter and one
    for the metric, one line per run coloured by its metric (the best run drawn thicker).

    Not `go.Parcoords`: it draws with WebGL through regl, which compiles code at run time, and
    the app's Content-Security-Policy (no 'unsafe-eval') rightly forbids that.
    """
    columns = [[r.config.get(n) for r, _ in rows] for n in names]
    columns.append([v for _, v in rows])
    placed = [
        _axis_positions(values, _log_axis(sweep, name))
        for name, values in zip([*names, sweep.metric], columns, strict=True)
    ]
    metric = [v for _, v in rows]
    low, high = min(metric), max(metric)
    spread = (high - low) or 1.0
    best = sweeps.best_run(sweep, [r for r, _ in rows])
    figure = go.Figure()
    for i, (run, value) in enumerate(rows):
        # One value so far (or all equal): it is the best, drawn in the best colour.
        share = (value - low) / spread if high > low else (0.0 if sweep.goal == "min" else 1.0)
        if sweep.goal == "min":
            share = 1 - share  # the best runs are always yellow
        # From 0.2 up: the darkest violet vanishes on the dark theme.
        colour = sample_colorscale("Viridis", [0.2 + 0.8 * share])[0]
        raw = "<br>".join(f"{n} {col[i]}" for n, col in zip(names, columns, strict=False))
        figure.add_trace(
            go.Scatter(
                x=list(range(len(placed))),
                y=[heights[i] for heights, _ in placed],
                mode="lines+markers",
                line={"color": colour, "width": 4 if best is not None and run.id == best.id else 2},
                marker={"size": 6, "color": colour},
                name=f"run #{run.id}",
                meta="run",
                hovertemplate=f"run #{run.id}<br>{raw}<br>{sweep.metric} {value:.4g}"
                "<extra></extra>",
                showlegend=False,
            )
        )
    # No colour bar: the metric's own axis, on the right, says what the colours mean.
    for x, (_heights, ticks) in enumerate(placed):
        figure.add_shape(type="line", x0=x, x1=x, y0=0, y1=1, line={"color": "#888", "width": 1})
        for y, text in ticks:
            figure.add_annotation(
                # Just above the point: a line leaving it horizontally would cross the text.
                x=x,
                y=y,
                text=text,
                showarrow=False,
                xanchor="left",
                xshift=5,
                yshift=9,
                font={"size": 11},
            )
    figure.update_xaxes(
        tickvals=list(range(len(placed))),
        ticktext=[*names, sweep.metric],
        side="top",
        showgrid=False,
        zeroline=False,
        range=[-0.15, len(placed) - 0.6],
    )
    # Room above 1 for the top tick's label, below the axis titles.
    figure.update_yaxes(visible=False, range=[-0.06, 1.1])
    figure.update_layout(height=360, hovermode="closest")
    return figure


def figure(sweep: Sweep, members: list[TrainingRun], template: str) -> go.Figure:
    """Every run that logged the metric: its swept values and its metric, coloured by it."""
    names = sweeps.swept_names(sweep)
    scored = [(r, sweeps.objective(sweep, r)) for r in members]
    rows = [(r, v) for r, v in scored if v is not None]
    if not rows:
        return _empty(f"No run has logged {sweep.metric} yet.", template)
    metric_values = [v for _, v in rows]
    if len(names) == 1:
        name = names[0]
        figure = go.Figure(
            go.Scatter(
                x=[r.config.get(name) for r, _ in rows],
                y=metric_values,
                mode="markers",
                marker={
                    "size": 11,
                    "color": metric_values,
                    "colorscale": "Viridis",
                    "reversescale": sweep.goal == "min",
                },
                text=[f"run #{r.id}" for r, _ in rows],
                hovertemplate=f"%{{text}}<br>{name} %{{x}}<br>{sweep.metric} %{{y:.4g}}"
                "<extra></extra>",
            )
        )
        figure.update_xaxes(title=name, type="log" if _log_axis(sweep, name) else None)
        figure.update_yaxes(title=sweep.metric)
        figure.update_layout(height=320)
    else:
        figure = _parallel(sweep, names, rows)
    figure.update_layout(
        template=template,
        paper_bgcolor=CLEAR,
        margin={"l": 60, "r": 40, "t": 50, "b": 40},
    )
    return figure
