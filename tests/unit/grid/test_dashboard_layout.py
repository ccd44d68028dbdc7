"""The dashboard's first paint holds no chart: Plotly's script waits until the rows show."""

from __future__ import annotations

from typing import Any

from dash import dcc
from flask import Flask

from dashapp.pages.dataview import ids


def walk(component: Any) -> list[Any]:
    """The component and everything below it."""
    found = [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found.extend(walk(child))
    return found


def test_first_layout_has_chart_slots_but_no_graph(app: Flask) -> None:
    from dashapp.pages.dataview import page  # registers a page: only once an app exists

    with app.test_request_context("/"):
        app.preprocess_request()  # signs the development user in, as for a real request
        shown = page.layout()
    parts = walk(shown)
    assert not [p for p in parts if isinstance(p, dcc.Graph)]
    # Pattern-matching ids (the KPI slots) are dicts: only the string ids are compared here.
    slots = {p.id for p in parts if isinstance(getattr(p, "id", None), str)}
    assert {ids.TREND, ids.BREAKDOWN, ids.GRID, ids.DIMENSION} <= slots


def test_graphs_have_the_ids_the_summary_and_drill_downs_use() -> None:
    from dashapp.pages.dataview.layout import graph

    assert graph("trend").id == ids.graph_id("trend")
    assert graph("breakdown").id == {"type": ids.GRAPH_TYPE, "chart": "breakdown"}
