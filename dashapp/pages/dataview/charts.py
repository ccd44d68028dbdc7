"""Plotly figures for the data view, themed for light or dark mode."""

from __future__ import annotations

import plotly.graph_objects as go

from dashapp.pages.dataview.formatting import plotly_format

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
    points: list[tuple[str, int, float]], measure: str | None, dark: bool, fmt: str | None = None
) -> go.Figure:
    """Totals per period; clicking a period filters the grid to it."""
    figure = _base(measure or "rows", dark)
    prefix, d3 = plotly_format(fmt)
    figure.add_scatter(
        x=[p[0] for p in points],
        y=[p[2] for p in points],
        mode="lines+markers",
        line={"color": ACCENT, "width": 2},
        marker={"size": 7},
        customdata=[p[1] for p in points],
        hovertemplate=f"%{{x}}<br>{prefix}%{{y:{d3}}}<br>%{{customdata:,}} rows<extra></extra>",
    )
    figure.update_xaxes(type="category")
    figure.update_yaxes(tickprefix=prefix, tickformat=d3)
    return figure


def breakdown_figure(
    bars: list[tuple[str, int, float]], measure: str | None, dark: bool, fmt: str | None = None
) -> go.Figure:
    """Totals per value, largest first; clicking a bar selects that value in the grid."""
    figure = _base(measure or "rows", dark)
    prefix, d3 = plotly_format(fmt)
    figure.add_bar(
        x=[b[0] for b in bars],
        y=[b[2] for b in bars],
        marker_color=ACCENT,
        customdata=[b[1] for b in bars],
        hovertemplate=f"%{{x}}<br>{prefix}%{{y:{d3}}}<br>%{{customdata:,}} rows<extra></extra>",
    )
    figure.update_xaxes(type="category")
    figure.update_yaxes(tickprefix=prefix, tickformat=d3)
    return figure
