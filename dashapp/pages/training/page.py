"""Training page (/training): pick a recipe, launch runs, watch them live, compare runs."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components.page_guard import page_guard
from dashapp.pages.training import ids, run_manage, sweep_view
from dashapp.pages.training.callbacks import register_callbacks as _register_run_callbacks
from dashapp.pages.training.layout import history_section, launch_form, run_panel
from dashapp.pages.training.sweep_callbacks import register_sweep_callbacks
from dashapp.settings import current_settings
from dashapp.training import recipe_catalog, runs
from dashapp.web.identity import Role, current_user

__all__ = ["layout", "register_callbacks"]

dash.register_page(__name__, path="/training", name="Training", order=1, title="Training · dashapp")


def register_callbacks(app: dash.Dash) -> None:
    """Bind the page's callbacks (runs, then sweeps) to `app`."""
    _register_run_callbacks(app)
    register_sweep_callbacks(app)


def _initial_run(query: dict[str, str]) -> int | None:
    """?run=ID when given, else the user's newest active run (so a reload finds it again)."""
    raw = query.get("run", "")
    if raw.isdigit():
        return int(raw)
    active = runs.latest_active_run(current_user())
    return active.id if active else None


def layout(**query: str) -> object:
    """The page, or an explanation when the user lacks the role."""
    denied = page_guard(Role.VIEWER)
    if denied is not None:
        return denied
    user = current_user()
    assert user is not None
    recipes = recipe_catalog.available()
    chosen = recipes.get(query.get("recipe", "")) or recipes[recipe_catalog.default_name()]
    return html.Div(
        [
            html.H1("Training", className="h3 mb-3"),
            run_manage.deleted_notice(query),
            sweep_view.section(query.get("sweep")),
            dbc.Row(
                [
                    dbc.Col(launch_form(recipes, chosen, user.has(Role.TRAINER)), lg=4),
                    dbc.Col(run_panel(), lg=8, className="mb-3"),
                ],
                className="g-3",
            ),
            history_section(user.username, {n: r.title for n, r in recipes.items()}),
            sweep_view.list_section(),
            dcc.Store(id=ids.CURRENT, data=_initial_run(query)),
            dcc.Store(id=ids.LAUNCH),
            dcc.Store(id=ids.FORCE_CANCEL),
            dcc.Store(id=ids.RENDERED),
            dcc.Store(id=ids.URL_SYNC),
            dcc.Interval(id=ids.POLL, interval=current_settings().training_poll_ms),
            dcc.Interval(id=ids.GRID_POLL, interval=5000),
        ],
        id=ids.PAGE,
    )
