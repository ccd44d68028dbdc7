"""The sweep's chart: parameters against the objective (parallel coordinates, or a scatter for
one swept parameter)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashapp.models.sweeps import Sweep
from dashapp.models.training import TrainingRun
from dashapp.services import sweeps

CLEAR = "rgba(0,0,0,0)"


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


def _dimension(label: str, values: list[Any]) -> dict[str, Any]:
    """A parcoords axis; text values become evenly spaced ticks named by the text."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return {"label": label, "values": values}
    names = sorted({str(v) for v in values})
    index = {name: i for i, name in enumerate(names)}
    return {
        "label": label,
        "values": [index[str(v)] for v in values],
        "tickvals": list(range(len(names))),
        "ticktext": names,
        "range": [-0.25, max(len(names) - 1, 0) + 0.25],
    }


def _log_axis(sweep: Sweep, name: str) -> bool:
    for axis in (sweep.spec or {}).get("axes", []):
        if axis.get("name") == name:
            return bool(axis.get("log"))
    return False


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
        dimensions = [_dimension(n, [r.config.get(n) for r, _ in rows]) for n in names]
        dimensions.append({"label": sweep.metric, "values": metric_values})
        figure = go.Figure(
            go.Parcoords(
                line={
                    "color": metric_values,
                    "colorscale": "Viridis",
                    "reversescale": sweep.goal == "min",  # the best runs are always yellow
                    "showscale": True,
                    "colorbar": {"title": {"text": sweep.metric}},
                },
                dimensions=dimensions,
            )
        )
        figure.update_layout(height=360)
    figure.update_layout(
        template=template,
        paper_bgcolor=CLEAR,
        margin={"l": 60, "r": 40, "t": 50, "b": 40},
    )
    return figure
