"""Plotly figures for the data view, themed for light or dark mode."""

from __future__ import annotations

import plotly.graph_objects as go

ACCENT = "#2563eb"


def _base(title_y: str, dark: bool) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        template="plotly_dark" if dark else "plotly_white",
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 48, "r": 12, "t": 8, "b": 36},
        height=260,
        yaxis_title=title_y,
        clickmode="event",
        hovermode="closest",
    )
    return figure


def trend_figure(
    points: list[tuple[str, int, float]], measure: str | None, dark: bool
) -> go.Figure:
    """Monthly totals; clicking a month filters the grid to it."""
    figure = _base(measure or "rows", dark)
    figure.add_scatter(
        x=[p[0] for p in points],
        y=[p[2] for p in points],
        mode="lines+markers",
        line={"color": ACCENT, "width": 2},
        marker={"size": 7},
        customdata=[p[1] for p in points],
        hovertemplate="%{x}<br>%{y:,.0f}<br>%{customdata:,} rows<extra></extra>",
    )
    figure.update_xaxes(type="category")
    return figure


def breakdown_figure(
    bars: list[tuple[str, int, float]], measure: str | None, dark: bool
) -> go.Figure:
    """Totals per value, largest first; clicking a bar selects that value in the grid."""
    figure = _base(measure or "rows", dark)
    figure.add_bar(
        x=[b[0] for b in bars],
        y=[b[2] for b in bars],
        marker_color=ACCENT,
        customdata=[b[1] for b in bars],
        hovertemplate="%{x}<br>%{y:,.0f}<br>%{customdata:,} rows<extra></extra>",
    )
    return figure
