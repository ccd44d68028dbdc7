"""Saved views of other users cannot be reached by walking ids; a share token opens one."""

from __future__ import annotations

import json

from flask import Flask

from dashapp import create_app
from dashapp.services import saved_views
from tests.conftest import SettingsFactory

PROXY = {"REMOTE_ADDR": "127.0.0.1"}
ANN = {"X-Forwarded-User": "ann", "X-Forwarded-Groups": "staff"}
BOB = {"X-Forwarded-User": "bob", "X-Forwarded-Groups": "staff"}
MARKER = "ann-private-search-7c1"


def page_as(app: Flask, headers: dict[str, str], **query: str) -> str:
    """The dashboard layout as `headers`' user sees it for `query`, as JSON text."""
    from dashapp.pages import dashboard  # registers a page: only once an app exists

    with app.test_request_context("/", headers=headers, environ_base=PROXY):
        app.preprocess_request()  # identifies the user, as for a real request
        layout = dashboard.layout(**query)
    return json.dumps(layout, default=lambda c: c.to_plotly_json())


def test_another_users_view_ids_open_nothing(settings_factory: SettingsFactory) -> None:
    app = create_app(settings_factory(env="production"))
    with app.test_request_context():
        view = saved_views.save_view("ann", "orders", "private", {"quick": MARKER})
        others = [saved_views.save_view("bob", "orders", f"b{i}", {}) for i in range(3)]
    assert MARKER in page_as(app, ANN, view=str(view.id))
    # Bob walks every id around Ann's: none of them shows her view.
    for candidate in range(0, max(v.id for v in others) + 3):
        assert MARKER not in page_as(app, BOB, view=str(candidate))
    with app.test_request_context():
        token = saved_views.share_token(view)
        forged = f"{view.id}-{'0' * 32}"
    assert MARKER in page_as(app, BOB, share=token)
    assert MARKER not in page_as(app, BOB, share=forged)
    assert MARKER not in page_as(app, BOB, share=f"{view.id + 1}-{token.split('-')[1]}")
