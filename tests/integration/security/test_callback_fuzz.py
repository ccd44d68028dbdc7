"""Every server callback, every input and state in turn, given wrong types: 4xx, never a 5xx.

The callbacks come from the app's own callback map, so a new callback is fuzzed without anyone
listing it. Each request is signed in (through the trusted sign-on headers) with the weakest role
the callback allows. Runs on PostgreSQL in Celery mode (background callbacks are queued, on a
queue no worker serves), as in production.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from dash import Input, Output, State
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from dashapp.web.callback_guard import secured_callback
from dashapp.web.identity import Role
from tests.conftest import SettingsFactory
from tests.support.callback_fuzz import HOSTILE, CallbackFuzz, layout_components

DISPATCH = "/_dash-update-component"
GROUP_OF = {Role.VIEWER: "fuzz-viewers", Role.TRAINER: "fuzz-trainers", Role.ADMIN: "fuzz-admins"}
# The admin page legitimately names a source's driver, so only traceback text counts as a leak.
LEAKS = ("Traceback", 'File "')


def headers_for(role: Role) -> dict[str, str]:
    """The sign-on proxy's headers for a user holding exactly `role`."""
    return {
        "X-Forwarded-User": f"fuzz-{role.name.lower()}",
        "X-Forwarded-Groups": GROUP_OF.get(role, ""),
    }


def describe(record: logging.LogRecord) -> str:
    """The logged exception in one line."""
    exc = record.exc_info[1] if record.exc_info else None
    return f"{record.name} {record.getMessage()[:60]!r} {type(exc).__name__}: {str(exc)[:80]}"


@pytest.fixture
def server(pg_settings_factory: SettingsFactory, redis_url: str) -> Iterator[Flask]:
    queue = f"fuzz-{uuid.uuid4().hex[:8]}"  # no worker takes these jobs
    app = create_app(
        pg_settings_factory(
            redis_url=redis_url,
            ui_queue=queue,
            training_queue=queue,
            default_role="none",
            viewer_groups=[GROUP_OF[Role.VIEWER]],
            trainer_groups=[GROUP_OF[Role.TRAINER]],
            admin_groups=[GROUP_OF[Role.ADMIN]],
            training_launches_per_minute=1_000_000,
        )
    )
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(200))
    app.test_client().get("/healthz")  # Dash registers its pages router on the first request
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_callback_answers_wrong_types_without_a_5xx_or_a_traceback(
    server: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    fuzz = CallbackFuzz(server, layout_components(server))
    client = server.test_client()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    callbacks = list(fuzz.server_callbacks())
    assert len(callbacks) > 50  # the map was read, not an empty one
    caplog.set_level(logging.WARNING)
    for key, role in callbacks:
        headers = headers_for(role)
        # What the page itself sends must pass the type check (it must not refuse real use).
        for slot in fuzz.slots(key):
            sent = client.post(DISPATCH, json=fuzz.body(slot, None, hostile=False), headers=headers)
            if "Malformed request" in sent.get_data(as_text=True):
                failures.append(f"refused the page's own values: {slot.name} [{key[:60]}]")
        for slot in fuzz.slots(key):
            for value in HOSTILE:
                caplog.clear()
                response = client.post(DISPATCH, json=fuzz.body(slot, value), headers=headers)
                statuses[response.status_code] += 1
                text = response.get_data(as_text=True)
                crashed = [r for r in caplog.records if r.exc_info]
                if response.status_code >= 500 or crashed or any(x in text for x in LEAKS):
                    shown = repr(value)[:40]
                    failures.append(
                        f"{response.status_code} {slot.name} = {shown} [{key[:60]}] "
                        + (describe(crashed[0]) if crashed else text[:80])
                    )
    summary = f"{sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}"
    print(summary)
    assert not failures, f"{len(failures)} crashes in {summary}:\n" + "\n".join(failures)
    assert statuses[200] > 0  # some hostile values are fine for some callbacks: they ran


def test_a_bug_on_well_typed_input_is_still_a_logged_500(
    settings_factory: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The type check must not hide our own bugs: only what the page cannot send is a 400."""
    server = create_app(settings_factory())
    dash_app = server.extensions["dash_app"]

    @secured_callback(
        dash_app,
        Role.VIEWER,
        Output("fuzz-out", "children"),
        Input("fuzz-in", "n_clicks"),
        State("fuzz-name", "data"),
    )
    def _buggy(clicks: int | None, name: str) -> str:
        return name + clicks  # type: ignore[operator]  # the bug, on purpose

    def post(clicks: object, name: object) -> int:
        caplog.clear()
        body = {
            "output": "fuzz-out.children",
            "outputs": {"id": "fuzz-out", "property": "children"},
            "inputs": [{"id": "fuzz-in", "property": "n_clicks", "value": clicks}],
            "state": [{"id": "fuzz-name", "property": "data", "value": name}],
            "changedPropIds": ["fuzz-in.n_clicks"],
        }
        status: int = server.test_client().post(DISPATCH, json=body).status_code
        return status

    assert post(1, "x") == 500
    assert any(r.exc_info and isinstance(r.exc_info[1], TypeError) for r in caplog.records)
    for clicks, name in [("1", "x"), (-1, "x"), (True, "x"), (1, 5), (1, None)]:
        assert post(clicks, name) == 400, (clicks, name)
        assert not any(r.exc_info for r in caplog.records)
