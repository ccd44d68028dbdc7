"""Export routes and saved views through the Flask app, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from dashapp import create_app
from dashapp.dataview import saved_views
from dashapp.dataview.errors import GridQueryError
from dashapp.extensions import db
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory

FILTER = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 300}}


def _seeded(app: Flask, rows: int = 3000) -> None:
    with app.app_context():
        seed(db.engine, SeedPlan.for_orders(rows))


def _state(**extra: Any) -> str:
    return json.dumps(
        {"filterModel": FILTER, "sortModel": [{"colId": "amount", "sort": "desc"}], **extra}
    )


def _expected(app: Flask, limit: int | None = None) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT id, amount FROM orders WHERE amount > 300 ORDER BY amount DESC, id DESC"
            )
        ).all()
    got = [(int(i), f"{float(a):.2f}") for i, a in rows]
    return got[:limit] if limit else got


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded_app(request: pytest.FixtureRequest, settings_factory: SettingsFactory) -> Any:
    """An app (admin dev user) with 3,000 seeded orders on each database."""
    if request.param == "sqlite":
        server = create_app(settings_factory())
    else:
        from tests.support.services import throwaway_postgres_database, with_driver

        context = throwaway_postgres_database("dashapp_dv_int")
        url = context.__enter__()
        request.addfinalizer(lambda: context.__exit__(None, None, None))
        server = create_app(settings_factory(database_url=with_driver(url)))
        from flask_migrate import upgrade

        with server.app_context():
            upgrade(revision="heads")
    _seeded(server)
    yield server
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


def test_csv_export_streams_the_filtered_sorted_rows(seeded_app: Flask) -> None:
    response = seeded_app.test_client().get(
        "/export/orders.csv", query_string={"state": _state(), "columns": "id,amount,status"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=orders-{dt.date.today().isoformat()}.csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Order", "Amount", "Status"]  # the labels of examples/dashboards.yml
    got = [(int(r[0]), f"{float(r[1]):.2f}") for r in rows[1:]]
    assert got == _expected(seeded_app)


def test_xlsx_export_has_the_same_rows(seeded_app: Flask) -> None:
    response = seeded_app.test_client().get(
        "/export/orders.xlsx", query_string={"state": _state(), "columns": "id,amount"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Order", "Amount")
    assert [(int(i), f"{a:.2f}") for i, a in values[1:]] == _expected(seeded_app)


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/export/orders.csv", {"state": "{not json"}, 400),
        ("/export/orders.csv", {"state": json.dumps({"filterModel": {"x": {}}})}, 400),
        ("/export/orders.csv", {"columns": "id,password"}, 400),
        ("/export/saved_views.csv", {}, 400),
        ("/export/orders.xlsx", {"state": json.dumps({"sortModel": "drop"})}, 400),
    ],
)
def test_bad_export_requests_get_a_clear_400(
    app: Flask, path: str, query: dict[str, str], status: int
) -> None:
    response = app.test_client().get(path, query_string=query)
    assert response.status_code == status
    assert response.get_json()["error"]


def test_viewers_export_at_most_their_limit(settings_factory: SettingsFactory) -> None:
    server = create_app(settings_factory(dev_role="viewer", dataview_viewer_export_max_rows=10))
    _seeded(server, 200)
    response = server.test_client().get("/export/orders.csv", query_string={"columns": "id"})
    assert response.status_code == 200
    assert len(response.get_data(as_text=True).splitlines()) == 11


def test_export_role_setting_is_enforced(settings_factory: SettingsFactory) -> None:
    server = create_app(settings_factory(dev_role="viewer", dataview_export_role="trainer"))
    response = server.test_client().get("/export/orders.csv")
    assert response.status_code == 403


def test_saved_views_are_per_user(app: Flask) -> None:
    with app.app_context():
        mine = saved_views.save_view("ann", "orders", "  Big  ", {"filterModel": FILTER, "junk": 1})
        assert mine.name == "Big" and "junk" not in mine.state
        again = saved_views.save_view("ann", "orders", "Big", {"quick": "north"})
        assert again.id == mine.id and again.state == {"quick": "north"}
        saved_views.save_view("bob", "orders", "Big", {})
        assert [v.name for v in saved_views.list_views("ann", "orders")] == ["Big"]
        assert saved_views.get_view(str(mine.id), "ann") is not None
        # Another user cannot open it by id (no id walking), only through its share token.
        assert saved_views.get_view(str(mine.id), "bob") is None
        assert saved_views.open_shared(saved_views.share_token(mine)) == again
        assert not saved_views.delete_view("bob", mine.id)  # but only the owner deletes
        assert saved_views.delete_view("ann", mine.id)
        assert saved_views.get_view(mine.id, "ann") is None
        with pytest.raises(GridQueryError):
            saved_views.save_view("ann", "orders", "", {})
        with pytest.raises(GridQueryError):
            saved_views.save_view("ann", "orders", "x", {"quick": "y" * 70_000})


def test_a_deleted_view_is_gone_but_its_owner_may_undo_for_a_few_seconds(app: Flask) -> None:
    from dashapp.models.dataview import SavedView

    with app.app_context():
        view = saved_views.save_view("ann", "orders", "Big", {"quick": "north"})
        token = saved_views.share_token(view)
        assert saved_views.delete_view("ann", view.id)
        # Gone for everyone: the menu, the owner's link, the share link.
        assert saved_views.list_views("ann", "orders") == []
        assert saved_views.get_view(view.id, "ann") is None
        assert saved_views.open_shared(token) is None
        assert saved_views.undo_delete("bob", view.id) is None  # only its owner undoes
        restored = saved_views.undo_delete("ann", view.id)
        assert restored == view  # same id: old links work again
        assert saved_views.open_shared(token) == view
        # Past the undo window it cannot come back, and the next delete purges it.
        assert saved_views.delete_view("ann", view.id)
        row = db.session.get(SavedView, view.id)
        assert row is not None and row.deleted_at is not None
        row.deleted_at -= dt.timedelta(seconds=saved_views.UNDO_SECONDS + 1)
        db.session.commit()
        assert saved_views.undo_delete("ann", view.id) is None
        other = saved_views.save_view("ann", "orders", "Other", {})
        assert saved_views.delete_view("ann", other.id)
        assert db.session.get(SavedView, view.id) is None
        # Saving a name just deleted makes it a live view again.
        again = saved_views.save_view("ann", "orders", "Other", {"quick": "south"})
        assert again.id == other.id and saved_views.list_views("ann", "orders") == [again]
