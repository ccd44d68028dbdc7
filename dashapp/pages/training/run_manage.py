"""Layout of run management: the open run's name, tags, notes, archive, delete and CSV
download; the runs list's search and filters."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.pages.training import ids
from dashapp.recipes import RunStatus

ANY = "*"  # no recipe, tag or status has this name


def _field(label: str, control: object, feedback_id: str, width: int) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=getattr(control, "id", None), className="small mb-0"),
            control,
            dbc.FormFeedback(id=feedback_id, type="invalid"),
        ],
        md=width,
    )


def details_card() -> html.Div:
    """Name, tags and notes of the open run, with its management buttons."""
    fields = dbc.Row(
        [
            _field(
                "Name",
                dbc.Input(id=ids.RUN_NAME, size="sm", maxLength=120, placeholder="Unnamed"),
                ids.RUN_NAME_FEEDBACK,
                5,
            ),
            _field(
                "Tags",
                dbc.Input(id=ids.RUN_TAGS, size="sm", placeholder="e.g. baseline, small-lr"),
                ids.RUN_TAGS_FEEDBACK,
                7,
            ),
            _field(
                "Notes",
                dbc.Textarea(id=ids.RUN_NOTES, size="sm", rows=2, maxLength=10_000),
                ids.RUN_NOTES_FEEDBACK,
                12,
            ),
        ],
        className="g-2",
    )
    buttons = html.Div(
        [
            dbc.Button("Save details", id=ids.SAVE_DETAILS, color="primary", size="sm"),
            dbc.Button("Archive", id=ids.ARCHIVE, color="secondary", outline=True, size="sm"),
            dbc.Button("Delete…", id=ids.DELETE, color="danger", outline=True, size="sm"),
            html.A(
                [html.I(className="bi bi-download me-1"), "Metrics (CSV)"],
                id=ids.METRICS_CSV,
                href="",
                className="btn btn-sm btn-outline-secondary",
                download="",
            ),
            html.Span(id=ids.RERUN_FROM, className="small ms-auto"),
        ],
        className="d-flex flex-wrap align-items-center gap-2 mt-2",
    )
    confirm = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Delete this run?")),
            dbc.ModalBody(
                "The run, its metrics, images and checkpoints are deleted for good. "
                "Archive it instead to only hide it."
            ),
            dbc.ModalFooter(
                [
                    dbc.Button("Keep it", id=ids.DELETE_DISMISS, color="secondary", size="sm"),
                    dbc.Button("Delete run", id=ids.DELETE_CONFIRM, color="danger", size="sm"),
                ]
            ),
        ],
        id=ids.DELETE_MODAL,
        is_open=False,
    )
    return html.Div(
        [
            html.Details(
                [
                    html.Summary("Name, tags and notes", className="small fw-semibold"),
                    fields,
                    buttons,
                ],
                open=True,
                className="mb-2",
            ),
            html.Div(id=ids.MANAGE_MSG, role="status"),
            confirm,
            dcc.Store(id=ids.MANAGE_VERSION, data=0),
            dcc.Store(id=ids.MANAGE_REDIRECT),  # where to go after a delete (clientside)
        ],
        id=ids.DETAILS,
    )


def filter_bar(recipe_names: dict[str, str]) -> dbc.Row:
    """Search box (text and conditions) and the recipe, status, tag and archived filters."""
    # "*" for no filter: dbc.Select shows an option whose value is "" as blank.
    any_option = [{"label": "Any", "value": ANY}]
    search = dbc.Col(
        [
            dbc.Label("Search", html_for=ids.SEARCH, className="small mb-0"),
            dbc.Input(
                id=ids.SEARCH,
                size="sm",
                type="search",
                debounce=400,  # dbc counts milliseconds
                placeholder="name, #id, tag, or lr<0.01 val_accuracy>=0.9",
            ),
            dbc.FormFeedback(id=ids.SEARCH_FEEDBACK, type="invalid"),
        ],
        md=4,
    )

    def select(label: str, component_id: str, options: list[dict[str, str]]) -> dbc.Col:
        return dbc.Col(
            [
                dbc.Label(label, html_for=component_id, className="small mb-0"),
                dbc.Select(id=component_id, options=any_option + options, value=ANY, size="sm"),
            ],
            xs=6,
            md=2,
        )

    recipes = [{"label": title, "value": name} for name, title in recipe_names.items()]
    statuses = [{"label": s.value, "value": s.value} for s in RunStatus]
    return dbc.Row(
        [
            search,
            select("Recipe", ids.FILTER_RECIPE, recipes),
            select("Status", ids.FILTER_STATUS, statuses),
            select("Tag", ids.FILTER_TAG, []),
            dbc.Col(
                dbc.Switch(id=ids.SHOW_ARCHIVED, label="Show archived", value=False),
                xs=6,
                md=2,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mb-2",
    )


def deleted_notice(query: dict[str, str]) -> html.Div:
    """After a delete the page reloads with ?deleted=N: say so."""
    raw = query.get("deleted", "")
    if not raw.isdigit():
        return html.Div(id=ids.DELETED_NOTICE)
    return html.Div(
        dbc.Alert(
            f"Run #{raw} was deleted.", color="info", className="py-2 small", dismissable=True
        ),
        id=ids.DELETED_NOTICE,
        role="status",
    )
