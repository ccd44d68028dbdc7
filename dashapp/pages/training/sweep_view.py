"""The sweep view (/training?sweep=N) and the sweeps list: layout and drawing of a sweep's rows."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.models.sweeps import Sweep
from dashapp.models.training import RunStatus, TrainingRun
from dashapp.pages.training import sweep_ids as sids
from dashapp.pages.training.figures import STATUS_COLOURS
from dashapp.settings import current_settings
from dashapp.training import sweeps

COUNT_COLOURS = {"done": "success", "running": "primary", "queued": "secondary", "failed": "danger"}


def section(raw: str | None) -> Any:
    """The sweep card for `?sweep=N`; a message for a number that names no sweep; None without."""
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 12:
        return dbc.Alert(f"“{raw}” is not a sweep number.", color="warning", id=sids.VIEW)
    try:
        sweep = sweeps.get_sweep(int(raw))
    except sweeps.SweepNotFound as exc:
        return dbc.Alert(str(exc), color="warning", id=sids.VIEW)
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H2(title(sweep), id=sids.TITLE, className="h5 mb-0 me-2"),
                        dbc.Button(
                            "Cancel sweep",
                            id=sids.CANCEL,
                            color="danger",
                            outline=True,
                            size="sm",
                            className="ms-auto",
                        ),
                    ],
                    className="d-flex flex-wrap align-items-center gap-2 mb-2",
                ),
                html.Div(id=sids.ACTION_MSG, role="status"),
                html.Div(id=sids.COUNTS, className="small mb-1"),
                html.Div(
                    id=sids.PROGRESS,
                    className="mb-2",
                    **{"data-progress-label": "Sweep progress"},  # type: ignore[arg-type]
                ),
                dbc.Row(
                    [
                        dbc.Col(dcc.Graph(id=sids.CHART, config={"displaylogo": False}), lg=8),
                        dbc.Col(html.Div(id=sids.BEST), lg=4),
                    ],
                    className="g-3",
                ),
                html.H3("Runs of this sweep", className="h6 mt-2"),
                html.Div(id=sids.RUNS, className="table-responsive"),
                dcc.Store(id=sids.CURRENT, data=sweep.id),
                dcc.Store(id=sids.SHOWN),
                dcc.Interval(id=sids.POLL, interval=current_settings().training_poll_ms * 2),
            ]
        ),
        id=sids.VIEW,
        className="dashapp-card mb-3",
    )


def title(sweep: Sweep) -> str:
    """ "Sweep #3 · digits · grid over lr, batch_size" """
    swept = ", ".join(sweeps.swept_names(sweep))
    return f"Sweep #{sweep.id} · {sweep.recipe} · {sweep.strategy} over {swept}"


def counts(members: list[TrainingRun]) -> list[Any]:
    """done / running / queued / failed, in words and as a stacked bar."""
    numbers = sweeps.status_counts(members)
    words = [
        html.Span(
            [dbc.Badge(str(n), color=COUNT_COLOURS[k], className="me-1"), k],
            className="me-3 text-nowrap",
            id=f"sweep-count-{k}",
        )
        for k, n in numbers.items()
    ]
    return words


def progress(members: list[TrainingRun]) -> dbc.Progress:
    """One bar, a segment per state, sized by its share of the runs."""
    numbers = sweeps.status_counts(members)
    total = max(len(members), 1)
    return dbc.Progress(
        [
            dbc.Progress(
                value=100 * n / total,
                color=COUNT_COLOURS[k],
                bar=True,
                animated=k == "running",
                striped=k == "running",
            )
            for k, n in numbers.items()
            if n
        ],
        style={"height": "1rem"},
    )


def best(sweep: Sweep, members: list[TrainingRun]) -> Any:
    """The best run by the sweep's goal, its metric and parameters, with a link to it."""
    found = sweeps.best_run(sweep, members)
    goal = "highest" if sweep.goal == "max" else "lowest"
    heading = html.H3(f"Best run ({goal} {sweep.metric})", className="h6")
    if found is None:
        return [heading, html.P("No run has logged it yet.", className="small")]
    value = sweeps.objective(sweep, found)
    rows = [(name, found.config.get(name)) for name in sweeps.swept_names(sweep)]
    return [
        heading,
        html.P(
            [
                dcc.Link(
                    f"Run #{found.id}", href=f"/training?run={found.id}", id=sids.BEST + "-link"
                ),
                f" · {sweep.metric} {value:.4g}",
            ],
            className="mb-1",
        ),
        dbc.Table(
            html.Tbody(
                [html.Tr([html.Th(k, className="fw-normal"), html.Td(str(v))]) for k, v in rows]
            ),
            size="sm",
            className="small mb-0",
        ),
    ]


def _badge(status: str) -> dbc.Badge:
    colour = STATUS_COLOURS.get(RunStatus(status), "secondary")
    return dbc.Badge(status, color=colour, className=f"text-bg-{colour}")


def runs_table(sweep: Sweep, members: list[TrainingRun]) -> dbc.Table:
    """Every run of the sweep: link, status, swept values and the metric."""
    names = sweeps.swept_names(sweep)
    top = sweeps.best_run(sweep, members)
    header = html.Thead(
        html.Tr(
            [html.Th("Run"), html.Th("Status"), *[html.Th(n) for n in names], html.Th(sweep.metric)]
        )
    )
    body = []
    for run in members:
        value = sweeps.objective(sweep, run)
        body.append(
            html.Tr(
                [
                    html.Td(
                        [
                            dcc.Link(f"#{run.id}", href=f"/training?run={run.id}"),
                            " ",
                            # Said in words, not by colour alone.
                            dbc.Badge("best", color="info", className="text-bg-info")
                            if top is not None and run.id == top.id
                            else None,
                        ],
                        className="text-nowrap",
                    ),
                    html.Td(_badge(run.status)),
                    *[html.Td(str(run.config.get(n))) for n in names],
                    html.Td("–" if value is None else f"{value:.4g}"),
                ],
                className="fw-semibold" if top is not None and run.id == top.id else None,
            )
        )
    return dbc.Table([header, html.Tbody(body)], size="sm", hover=True, className="small mb-0")


def list_section() -> html.Div:
    """The sweeps list below the runs (mine or everyone's, as the runs grid's scope)."""
    return html.Div(
        [
            html.H2("Sweeps", className="h5 mt-4"),
            html.Div(id=sids.LIST, className="table-responsive"),
            dcc.Interval(id=sids.LIST_POLL, interval=5000),
        ]
    )


def list_table(rows: list[dict[str, Any]]) -> Any:
    """Sweeps, newest first, each linking to its view."""
    if not rows:
        return html.P(
            "No sweeps yet: choose Sweep in the form above to launch one.",
            className="small text-body-secondary",
        )
    columns = (
        "Sweep",
        "Recipe",
        "Search",
        "Swept",
        "Finished",
        "Objective",
        "Best",
        "Owner",
        "Created",
    )
    header = html.Thead(html.Tr([html.Th(c) for c in columns]))
    body = [
        html.Tr(
            [
                html.Td(dcc.Link(f"Sweep #{r['id']}", href=f"/training?sweep={r['id']}")),
                html.Td(r["recipe"]),
                html.Td(r["strategy"]),
                html.Td(r["swept"]),
                html.Td(r["progress"]),
                html.Td(r["objective"]),
                html.Td("–" if r["best"] is None else f"{r['best']:.4g}"),
                html.Td(r["owner"]),
                html.Td(r["created"]),
            ]
        )
        for r in rows
    ]
    return dbc.Table([header, html.Tbody(body)], size="sm", hover=True, className="small mb-0")
