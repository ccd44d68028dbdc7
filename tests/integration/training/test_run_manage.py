"""Run management over HTTP as the page sends it, on PostgreSQL in production mode: names,
tags, notes, search, archive, delete, the metrics CSV, and who may do each (403/404, not 500)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from dashapp import create_app
from dashapp.extensions import db
from dashapp.models.training import RunArtifact, RunPoint, RunTag, TrainingRun
from dashapp.pages.training import ids
from tests.conftest import SettingsFactory
from tests.support.dash_requests import callbacks_of

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PROXY = {"REMOTE_ADDR": "127.0.0.1"}


def who(name: str, groups: str = "ml") -> dict[str, str]:
    return {"X-Forwarded-User": name, "X-Forwarded-Groups": groups}


@pytest.fixture
def managed(pg_settings_factory: SettingsFactory, redis_url: str) -> Iterator[Flask]:
    server = create_app(
        pg_settings_factory(
            env="production",
            redis_url=redis_url,
            trainer_groups=["ml"],
            admin_groups=["boss"],
            training_queue=f"gpu-nobody-{uuid.uuid4().hex[:8]}",
        )
    )
    yield server
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def finished_run(app: Flask, owner: str, **config: Any) -> int:
    """A succeeded run of `owner`'s with metric points, a summary and an artifact."""
    with app.app_context():
        # Inserted directly: launches are rate limited per user on the shared database.
        run = TrainingRun(
            owner=owner,
            recipe="digits",
            status="succeeded",
            config={"epochs": 2, "lr": 0.001, **config},
            summary={"val_accuracy": 0.91, "loss": 0.2},
        )
        db.session.add(run)
        db.session.flush()
        db.session.add_all(
            [
                RunPoint(run_id=run.id, name="loss", step=1, value=0.5),
                RunPoint(run_id=run.id, name="loss", step=2, value=0.2),
                RunPoint(run_id=run.id, name="val_accuracy", step=2, value=0.91),
                RunPoint(run_id=run.id, name="=cmd", step=2, value=1.0),
                RunArtifact(
                    run_id=run.id,
                    name="model.pt",
                    kind="checkpoint",
                    title="Model",
                    content_type="application/octet-stream",
                    size=3,
                    sha256="0" * 64,
                    data=b"abc",
                ),
            ]
        )
        db.session.commit()
        run_id = run.id
        db.session.remove()
        return run_id


def row(app: Flask, run_id: int) -> TrainingRun | None:
    with app.app_context():
        run = db.session.get(TrainingRun, run_id)
        if run is not None:
            _ = run.tags
            db.session.expunge_all()
        db.session.remove()
        return run


def save(app: Flask, run_id: int, headers: dict[str, str], **fields: Any) -> Any:
    state = {
        f"{ids.CURRENT}.data": run_id,
        f"{ids.RUN_NAME}.value": fields.get("name", ""),
        f"{ids.RUN_TAGS}.value": fields.get("tags", ""),
        f"{ids.RUN_NOTES}.value": fields.get("notes", ""),
        f"{ids.MANAGE_VERSION}.data": 0,
    }
    return callbacks_of(app).post(
        app.test_client(),
        f"{ids.RUN_NAME}.invalid",
        {f"{ids.SAVE_DETAILS}.n_clicks": 1},
        state,
        headers=headers,
        environ_base=PROXY,
    )


def key_with_input(app: Flask, prop: str) -> str:
    """The callback-map key of the one callback `prop` triggers (its outputs are shared)."""
    callback_map = callbacks_of(app).app.callback_map
    keys = [
        key
        for key, spec in callback_map.items()
        if prop in {f"{i['id']}.{i['property']}" for i in spec.get("inputs", [])}
    ]
    assert len(keys) == 1, keys
    return keys[0]


def archive(app: Flask, run_id: int, headers: dict[str, str]) -> Any:
    return callbacks_of(app).post(
        app.test_client(),
        key_with_input(app, f"{ids.ARCHIVE}.n_clicks"),
        {f"{ids.ARCHIVE}.n_clicks": 1},
        {f"{ids.CURRENT}.data": run_id, f"{ids.MANAGE_VERSION}.data": 0},
        headers=headers,
        environ_base=PROXY,
    )


def delete(app: Flask, run_id: int, headers: dict[str, str]) -> Any:
    return callbacks_of(app).post(
        app.test_client(),
        f"{ids.MANAGE_REDIRECT}.data",
        {f"{ids.DELETE_CONFIRM}.n_clicks": 1},
        {f"{ids.CURRENT}.data": run_id},
        headers=headers,
        environ_base=PROXY,
    )


def grid(app: Flask, headers: dict[str, str], **filters: Any) -> dict[str, Any]:
    inputs = {
        f"{ids.SCOPE}.value": filters.get("scope", "all"),
        f"{ids.SEARCH}.value": filters.get("search", ""),
        f"{ids.FILTER_RECIPE}.value": filters.get("recipe", "*"),
        f"{ids.FILTER_STATUS}.value": filters.get("status", "*"),
        f"{ids.FILTER_TAG}.value": filters.get("tag", "*"),
        f"{ids.SHOW_ARCHIVED}.value": filters.get("archived", False),
    }
    response = callbacks_of(app).post(
        app.test_client(), f"{ids.GRID}.rowData", inputs, headers=headers, environ_base=PROXY
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()["response"]
    return body


def grid_ids(app: Flask, headers: dict[str, str], **filters: Any) -> set[int]:
    return {r["id"] for r in grid(app, headers, **filters)[ids.GRID]["rowData"]}


def test_the_owner_names_tags_and_notes_a_run_and_finds_it_by_them(managed: Flask) -> None:
    mine = finished_run(managed, "tina", lr=0.005)
    other = finished_run(managed, "tina", lr=0.02)
    response = save(
        managed, mine, who("tina"), name="baseline v2", tags="Baseline, small-lr", notes="ok"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Saved." in response.get_data(as_text=True)
    run = row(managed, mine)
    assert run is not None
    assert (run.name, run.tags, run.notes) == ("baseline v2", ["baseline", "small-lr"], "ok")
    tina = who("tina")
    assert grid_ids(managed, tina, tag="baseline") == {mine}
    assert grid_ids(managed, tina, search="baseline v2") == {mine}
    assert grid_ids(managed, tina, search=f"#{other}") == {other}
    assert {mine, other} <= grid_ids(managed, tina, search="lr<0.03 val_accuracy>=0.9")
    assert mine in grid_ids(managed, tina, search="lr<0.01") and other not in grid_ids(
        managed, tina, search="lr<0.01"
    )
    assert not {mine, other} & grid_ids(managed, tina, search="val_accuracy>0.95")
    assert not {mine, other} & grid_ids(managed, tina, status="failed")
    assert {mine, other} <= grid_ids(managed, tina, recipe="digits", status="succeeded")
    bad = grid(managed, tina, search="lr>fast")
    assert bad[ids.SEARCH]["invalid"] is True
    assert "compares numbers" in bad[ids.SEARCH_FEEDBACK]["children"]


def test_bad_details_are_refused_on_their_fields_and_nothing_changes(managed: Flask) -> None:
    run_id = finished_run(managed, "tina")
    # \x01, not NUL: the callback firewall refuses a NUL in any typed value before this runs.
    response = save(managed, run_id, who("tina"), name="bell\x01name", tags="ok, no spaces!")
    assert response.status_code == 200
    body = response.get_json()["response"]
    assert body[ids.RUN_NAME]["invalid"] is True and body[ids.RUN_TAGS]["invalid"] is True
    assert body[ids.RUN_NOTES]["invalid"] is False
    assert "control characters" in body[ids.RUN_NAME_FEEDBACK]["children"]
    assert "is not allowed" in body[ids.RUN_TAGS_FEEDBACK]["children"]
    run = row(managed, run_id)
    assert run is not None and run.name is None and run.tags == []


def test_archived_runs_are_hidden_unless_asked_for(managed: Flask) -> None:
    run_id = finished_run(managed, "tina")
    assert archive(managed, run_id, who("tina")).status_code == 200
    run = row(managed, run_id)
    assert run is not None and run.archived
    assert run_id not in grid_ids(managed, who("tina"))
    assert run_id in grid_ids(managed, who("tina"), archived=True)
    assert archive(managed, run_id, who("tina")).status_code == 200  # and back
    assert run_id in grid_ids(managed, who("tina"))


def test_another_users_run_cannot_be_changed_deleted_or_downloaded(managed: Flask) -> None:
    run_id = finished_run(managed, "tina")
    tom = who("tom")
    assert save(managed, run_id, tom, name="mine now").status_code == 403
    assert archive(managed, run_id, tom).status_code == 403
    assert delete(managed, run_id, tom).status_code == 403
    client = managed.test_client()
    url = f"/training/runs/{run_id}/metrics.csv"
    refused = client.get(url, headers=tom, environ_base=PROXY)
    assert refused.status_code == 403 and "not yours" in refused.get_json()["error"]
    viewer = client.get(url, headers=who("vic", "readers"), environ_base=PROXY)
    assert viewer.status_code == 403
    # Missing runs are 404s, never 500s.
    missing = 2**31 - 5
    assert save(managed, missing, who("tina"), name="x").status_code == 404
    assert archive(managed, missing, who("tina")).status_code == 404
    assert delete(managed, missing, who("tina")).status_code == 404
    assert client.get(f"/training/runs/{missing}/metrics.csv", headers=tom).status_code == 404
    # A forged, non-numeric run id is a 400.
    for junk in ("abc", "1e3", {"id": 1}, -4):
        assert save(managed, junk, who("tina"), name="x").status_code == 400  # type: ignore[arg-type]
        assert delete(managed, junk, who("tina")).status_code == 400  # type: ignore[arg-type]
    run = row(managed, run_id)
    assert run is not None and run.name is None and not run.archived
    # The owner and an admin may.
    assert client.get(url, headers=who("tina"), environ_base=PROXY).status_code == 200
    assert client.get(url, headers=who("ann", "boss"), environ_base=PROXY).status_code == 200


def test_metrics_download_is_one_row_per_step_with_formula_names_quoted(managed: Flask) -> None:
    run_id = finished_run(managed, "tina")
    response = managed.test_client().get(
        f"/training/runs/{run_id}/metrics.csv", headers=who("tina"), environ_base=PROXY
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"filename=run-{run_id}-metrics.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        ["step", "'=cmd", "loss", "val_accuracy"],
        ["1", "", "0.5", ""],
        ["2", "1.0", "0.2", "0.91"],
    ]


def test_delete_removes_the_run_with_points_artifacts_and_tags(managed: Flask) -> None:
    run_id = finished_run(managed, "tina")
    assert save(managed, run_id, who("tina"), tags="gone").status_code == 200
    response = delete(managed, run_id, who("tina"))
    assert response.status_code == 200
    assert response.get_json()["response"][ids.MANAGE_REDIRECT]["data"] == (
        f"/training?deleted={run_id}"
    )
    assert row(managed, run_id) is None
    with managed.app_context():
        for model in (RunPoint, RunArtifact, RunTag):
            assert db.session.query(model).filter_by(run_id=run_id).count() == 0
        db.session.remove()


def test_a_live_run_is_not_deleted_and_the_page_says_why(managed: Flask) -> None:
    run_id = finished_run(managed, "tina")
    with managed.app_context():
        db.session.execute(
            TrainingRun.__table__.update().where(TrainingRun.id == run_id).values(status="running")
        )
        db.session.commit()
        db.session.remove()
    response = delete(managed, run_id, who("tina"))
    assert response.status_code == 200
    assert "cancel it before deleting it" in response.get_data(as_text=True)
    assert row(managed, run_id) is not None


def details(app: Flask, run_id: int, headers: dict[str, str]) -> dict[str, Any]:
    response = callbacks_of(app).post(
        app.test_client(),
        f"{ids.RERUN_FROM}.children",
        {f"{ids.CURRENT}.data": run_id, f"{ids.MANAGE_VERSION}.data": 0},
        headers=headers,
        environ_base=PROXY,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()["response"]
    return body


def test_a_rerun_shows_where_it_came_from_even_after_that_run_is_gone(managed: Flask) -> None:
    source = finished_run(managed, "tina")
    again = finished_run(managed, "tina")
    with managed.app_context():
        db.session.execute(
            TrainingRun.__table__.update().where(TrainingRun.id == again).values(rerun_of=source)
        )
        db.session.commit()
        db.session.remove()
    shown = details(managed, again, who("tom"))  # any viewer sees it
    link = shown[ids.RERUN_FROM]["children"]
    assert link["props"]["children"] == f"Re-run from #{source}"
    assert link["props"]["href"] == f"/training?run={source}"
    assert details(managed, source, who("tom"))[ids.RERUN_FROM]["children"] is None
    assert delete(managed, source, who("tina")).status_code == 200
    gone = details(managed, again, who("tom"))[ids.RERUN_FROM]["children"]
    assert gone == f"Re-run from #{source} (deleted)"


def test_forged_run_ids_on_the_page_callbacks_are_400_not_500(managed: Flask) -> None:
    """Cancel, the panel's poll, a grid row click and the comparison read ids the client sends."""
    callbacks = callbacks_of(managed)
    headers = who("tina")
    for junk in ("abc", "1e3", {"id": 1}, -4, "9" * 40):
        requests = [
            (
                f"{ids.CANCEL}.n_clicks",
                {f"{ids.CANCEL}.n_clicks": 1},
                {f"{ids.CURRENT}.data": junk},
            ),
            (
                f"{ids.POLL}.n_intervals",
                {f"{ids.POLL}.n_intervals": 1, f"{ids.CURRENT}.data": junk},
                {},
            ),
            (f"{ids.GRID}.cellClicked", {f"{ids.GRID}.cellClicked": {"rowId": junk}}, {}),
            (f"{ids.GRID}.selectedRows", {f"{ids.GRID}.selectedRows": [{"id": junk}]}, {}),
        ]
        for trigger, inputs, state in requests:
            response = callbacks.post(
                managed.test_client(),
                key_with_input(managed, trigger),
                inputs,
                state,
                changed=[trigger],
                headers=headers,
                environ_base=PROXY,
            )
            body = response.get_data(as_text=True)
            assert response.status_code == 400, (trigger, junk, response.status_code, body[:200])
            assert "whole number" in body and "Traceback" not in body
