"""The demo's configured dashboard (examples/dashboards.yml) against SQL, on two databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from dashapp import create_app
from dashapp.dataview.binding import current_dataview
from dashapp.dataview.service import GridState
from dashapp.extensions import db
from dashapp.pages.dataview.formatting import format_value
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.support.services import throwaway_postgres_database, with_driver

NET = (
    "SELECT COALESCE(SUM(amount), 0) FROM orders "
    "WHERE status NOT IN ('cancelled', 'returned') AND {where}"
)
RETURNED = "SELECT COUNT(*) FROM orders WHERE status = 'returned' AND {where}"
NOT_CANCELLED = "SELECT COUNT(*) FROM orders WHERE status <> 'cancelled' AND {where}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_app(request: pytest.FixtureRequest, settings_factory: SettingsFactory) -> Iterator[Flask]:
    """The app with no dashboards setting (the shipped demo file) and 4,000 seeded orders."""
    if request.param == "sqlite":
        settings = settings_factory()
    else:
        context = throwaway_postgres_database("dashapp_demo_kpi")
        settings = settings_factory(database_url=with_driver(context.__enter__()))
        request.addfinalizer(lambda: context.__exit__(None, None, None))
    server = create_app(settings)
    with server.app_context():
        upgrade(revision="heads")
        seed(db.engine, SeedPlan.for_orders(4000))
    yield server
    with server.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    ("where", "state"),
    [
        ("1 = 1", GridState()),
        ("region = 'North'", GridState(facets={"region": ["North"]})),
        # Rows match but none counts toward net revenue: it is $0, not "n/a".
        ("status = 'returned'", GridState(facets={"status": ["returned"]})),
        (
            "amount > 500",
            GridState(
                filter_model={
                    "amount": {"filterType": "number", "type": "greaterThan", "filter": 500}
                }
            ),
        ),
    ],
)
def test_net_revenue_and_return_rate_equal_sql(
    demo_app: Flask, where: str, state: GridState
) -> None:
    with demo_app.app_context():
        view = current_dataview()
        figures = {k.label: k for k in view.summary("orders", state).kpis}
        net = db.session.execute(sa.text(NET.format(where=where))).scalar_one()
        returned = db.session.execute(sa.text(RETURNED.format(where=where))).scalar_one()
        kept = db.session.execute(sa.text(NOT_CANCELLED.format(where=where))).scalar_one()
    assert list(figures) == ["Net revenue", "Return rate"]
    assert figures["Net revenue"].value == pytest.approx(float(net))
    assert figures["Return rate"].value == pytest.approx(returned / kept)
    # The cards read as a manager expects: currency and a percentage.
    assert format_value(figures["Net revenue"].value, figures["Net revenue"].format).startswith("$")
    assert format_value(figures["Return rate"].value, "percent:1").endswith("%")


def test_a_figure_that_cannot_be_computed_says_why(demo_app: Flask) -> None:
    nothing = {"amount": {"filterType": "number", "type": "lessThan", "filter": -1_000_000}}
    with demo_app.app_context():
        kpis = current_dataview().summary("orders", GridState(filter_model=nothing)).kpis
    assert [k.value for k in kpis] == [None, None]
    assert all(k.note for k in kpis)
    assert format_value(None, "currency:USD") == "n/a"
