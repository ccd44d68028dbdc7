"""Saved views of other users cannot be reached by walking ids; a share token opens one."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import Flask

from dashapp import create_app
from dashapp.dataview import saved_views
from tests.conftest import SettingsFactory

PROXY = {"REMOTE_ADDR": "127.0.0.1"}
ANN = {"X-Forwarded-User": "ann", "X-Forwarded-Groups": "staff"}
BOB = {"X-Forwarded-User": "bob", "X-Forwarded-Groups": "staff"}
MARKER = "ann-private-search-7c1"


def page_as(app: Flask, headers: dict[str, str], **query: str) -> str:
    """The dashboard layout as `headers`' user sees it for `query`, as JSON text."""
    from dashapp.pages.dataview import page  # registers a page: only once an app exists

    with app.test_request_context("/", headers=headers, environ_base=PROXY):
        app.preprocess_request()  # identifies the user, as for a real request
        layout = page.layout(**query)
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


def test_only_the_owner_gets_a_views_share_link(settings_factory: SettingsFactory) -> None:
    from dashapp.pages.dataview import ids
    from tests.support.dash_requests import callbacks_of

    app = create_app(settings_factory(env="production"))
    with app.test_request_context():
        view = saved_views.save_view("ann", "orders", "private", {"quick": MARKER})
    callbacks = callbacks_of(app)

    def share_as(headers: dict[str, str]) -> dict[str, Any]:
        response = callbacks.post(
            app.test_client(),
            f"{ids.VIEW_SHARE_PATH}.data",
            inputs={f"{ids.VIEW_SHARE}.n_clicks": 1},
            state={f"{ids.VIEWS}.value": view.id, f"{ids.TABLE}.data": "orders"},
            headers=headers,
            environ_base=PROXY,
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        answer: dict[str, Any] = response.get_json()["response"]
        return answer

    # Bob names Ann's view id: no link, and he is told why.
    refused = share_as(BOB)
    assert refused[ids.VIEW_SHARE_PATH]["data"] is None
    assert "Only the owner" in refused[ids.VIEW_MESSAGE]["children"]
    # Ann gets a link; it opens her view for Bob, read-only.
    path = share_as(ANN)[ids.VIEW_SHARE_PATH]["data"]
    query = dict(parse_qsl(urlsplit(path).query))
    assert query["table"] == "orders" and "view" not in query
    assert MARKER in page_as(app, BOB, share=query["share"])
