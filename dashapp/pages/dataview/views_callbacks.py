"""Saved views: save, open (navigates to the view's URL), delete, share."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, get_relative_path, no_update
from dash.exceptions import PreventUpdate

from dashapp.dataview import saved_views
from dashapp.dataview.errors import GridQueryError
from dashapp.pages.dataview import ids
from dashapp.pages.dataview.layout import CONFIRM_CLASS
from dashapp.pages.dataview.page_state import page_state
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role, current_user

log = logging.getLogger(__name__)


def share_search(table: str, token: str) -> str:
    """The page URL's query string that opens a shared view for anyone who may see `table`."""
    return "?" + urlencode({"table": table, "share": token})


def view_search(table: str, view_id: int | None) -> str:
    """The page URL's query string for a table and (optionally) a saved view."""
    params: dict[str, Any] = {"table": table}
    if view_id is not None:
        params["view"] = view_id
    return "?" + urlencode(params)


def with_visibility(column_state: Any, visible: Any, options: Any) -> list[Any]:
    """The grid's column state with the column chooser's choice of visible columns in it."""
    if not isinstance(visible, list) or not isinstance(options, list):
        return column_state if isinstance(column_state, list) else []
    shown = set(visible)
    known = [o.get("value") for o in options if isinstance(o, dict)]
    if not isinstance(column_state, list) or not column_state:
        return [{"colId": c, "hide": c not in shown} for c in known]
    return [
        {**c, "hide": c.get("colId") not in shown} if isinstance(c, dict) else c
        for c in column_state
    ]


def _owner() -> str:
    user = current_user()
    if user is None:
        raise PreventUpdate
    return user.username


def register_view_callbacks(app: Dash) -> None:
    """Bind the saved-view callbacks; changing the URL re-renders the page for the view."""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.NAVIGATE, "data"),
        Output(ids.VIEW_MESSAGE, "children"),
        Input(ids.VIEW_SAVE, "n_clicks"),
        Input(ids.VIEW_NAME, "n_submit"),  # Enter in the name field saves too
        State(ids.VIEW_NAME, "value"),
        State(ids.TABLE, "data"),
        State(ids.GRID, "columnState"),
        State(ids.GRID, "filterModel"),
        State(ids.QUICK, "value"),
        State(ids.DIMENSION, "value"),
        State(ids.COLUMNS, "value"),
        State(ids.COLUMNS, "options"),
        State(ids.FACET_COLUMNS, "data"),
        *(State(slot, "value") for slot in ids.FACET_SLOTS),
        prevent_initial_call=True,
    )
    def _save(
        clicks: Any,
        submitted: Any,
        name: Any,
        table: str,
        column_state: Any,
        filter_model: Any,
        quick: Any,
        dimension: Any,
        visible: Any,
        chooser: Any,
        facet_columns: list[Any] | None,
        *facet_values: Any,
    ) -> tuple[Any, str]:
        if not clicks and not submitted:
            raise PreventUpdate
        state = page_state(filter_model, column_state, quick, facet_columns, facet_values)
        columns = with_visibility(column_state, visible, chooser)
        state.update(columnState=columns, dimension=dimension)
        try:
            saved = saved_views.save_view(_owner(), table, name, state)
        except GridQueryError as exc:
            return no_update, str(exc)
        log.info("saved view %s on %s", saved.id, table)
        return view_search(table, saved.id), f"Saved “{saved.name}”."

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.NAVIGATE, "data", allow_duplicate=True),
        Input(ids.VIEWS, "value"),
        State(ids.VIEW_ID, "data"),
        State(ids.TABLE, "data"),
        prevent_initial_call=True,
    )
    def _open(view_id: int | str | None, current: Any, table: str) -> str:
        if view_id is None or view_id == current or not str(view_id).isdigit():
            raise PreventUpdate
        return view_search(table, int(view_id))

    # Not through the page's dcc.Location: it keeps the address it was rendered at and, once
    # the address bar follows the screen, pushes that stale address back (see dataview_url.js).
    app.clientside_callback(
        ClientsideFunction(namespace="dataviewUrl", function_name="go"),
        Output(ids.URL_SYNCED, "data", allow_duplicate=True),
        Input(ids.NAVIGATE, "data"),
        prevent_initial_call=True,
    )

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.VIEW_CONFIRM, "className"),
        Output(ids.VIEW_CONFIRM_TEXT, "children"),
        Output(ids.VIEW_MESSAGE, "children", allow_duplicate=True),
        Input(ids.VIEW_DELETE, "n_clicks"),
        Input(ids.VIEW_CONFIRM_NO, "n_clicks"),
        State(ids.VIEWS, "value"),
        prevent_initial_call=True,
    )
    def _ask(clicks: Any, cancel: Any, view_id: Any) -> tuple[str, Any, Any]:
        """Delete asks first (naming the view); Cancel puts the question away."""
        hidden = CONFIRM_CLASS + " d-none"
        if ctx.triggered_id == ids.VIEW_CONFIRM_NO or not clicks:
            return hidden, no_update, no_update
        view = saved_views.get_view(view_id, _owner()) if view_id is not None else None
        if view is None:
            return hidden, no_update, "Choose one of your saved views to delete."
        return CONFIRM_CLASS, f"Delete “{view.name}”? Links to it stop working.", ""

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.VIEWS, "options"),
        Output(ids.VIEWS, "value"),
        Output(ids.VIEW_ID, "data"),
        Output(ids.VIEW_CONFIRM, "className", allow_duplicate=True),
        Output(ids.VIEW_UNDO_TOAST, "is_open"),
        Output(ids.VIEW_DELETED, "data"),
        Output(ids.VIEW_MESSAGE, "children", allow_duplicate=True),
        Input(ids.VIEW_CONFIRM_YES, "n_clicks"),
        Input(ids.VIEW_UNDO, "n_clicks"),
        State(ids.VIEWS, "value"),
        State(ids.VIEW_DELETED, "data"),
        State(ids.TABLE, "data"),
        prevent_initial_call=True,
    )
    def _delete_or_undo(
        confirmed: Any, undo: Any, view_id: Any, deleted: Any, table: str
    ) -> tuple[Any, ...]:
        """Delete the chosen view (the page stays, with Undo for a few seconds), or undo."""
        owner = _owner()
        hidden = CONFIRM_CLASS + " d-none"
        if ctx.triggered_id == ids.VIEW_UNDO and undo:
            restored = saved_views.undo_delete(owner, deleted)
            if restored is None:
                message = "Too late to undo: the view is gone."
                return (no_update,) * 4 + (False, None, message)
            options = view_options(owner, table)
            return (
                options, restored.id, restored.id, hidden, False, None,
                f"Restored “{restored.name}”.",
            )  # fmt: skip
        if not confirmed or view_id is None:
            raise PreventUpdate
        if not saved_views.delete_view(owner, view_id):
            return (no_update,) * 3 + (hidden, False, None, "Only the owner can delete a view.")
        return view_options(owner, table), None, None, hidden, True, view_id, "Deleted."

    @secured_callback(
        app,
        Role.VIEWER,
        Output(ids.VIEW_SHARE_PATH, "data"),
        Output(ids.VIEW_MESSAGE, "children", allow_duplicate=True),
        Input(ids.VIEW_SHARE, "n_clicks"),
        State(ids.VIEWS, "value"),
        State(ids.TABLE, "data"),
        prevent_initial_call=True,
    )
    def _share(clicks: Any, view_id: Any, table: str) -> tuple[Any, str]:
        if not clicks:
            raise PreventUpdate
        if view_id is None:
            return None, "Save or open a view first, then share it."
        view = saved_views.get_view(view_id, _owner())
        if view is None:
            return None, "Only the owner can share a view."
        token = saved_views.share_token(view)
        return get_relative_path("/") + share_search(view.table, token), "Link ready: copy it."

    # The server knows the path; only the browser knows the address people reach it by.
    app.clientside_callback(
        ClientsideFunction(namespace="savedViews", function_name="showShareLink"),
        Output(ids.VIEW_SHARE_URL, "value"),
        Output(ids.VIEW_SHARE_BOX, "hidden"),
        Input(ids.VIEW_SHARE_PATH, "data"),
        prevent_initial_call=True,
    )


def view_options(owner: str, table: str) -> list[dict[str, Any]]:
    """The saved-views menu's entries."""
    return [{"label": v.name, "value": v.id} for v in saved_views.list_views(owner, table)]
