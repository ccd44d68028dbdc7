"""The date menu's "Custom range…": two dates filter the grid, KPIs and chips (inclusive)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from dashapp.extensions import db
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.support.browser import start


def _choose(dash_duo: Any, dropdown_id: str, text: str) -> None:
    """Open a Dash dropdown and click the option that reads `text`, as a person would."""
    dash_duo.find_element(f"#{dropdown_id}").click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for option in dash_duo.driver.find_elements("css selector", "[role=option]"):
            if option.text.strip() == text:
                option.click()
                return
        time.sleep(0.1)
    raise AssertionError(f"no option {text!r} in #{dropdown_id}")


def _type_date(dash_duo: Any, input_id: str, value: str) -> None:
    """Enter a date in a browser date field (its typed format follows the locale, so the value
    is set the way the browser does when a date is picked: value, then an input event)."""
    dash_duo.driver.execute_script(
        "const el = document.getElementById(arguments[0]);"
        "Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')"
        ".set.call(el, arguments[1]);"
        "el.dispatchEvent(new Event('input', {bubbles: true}));"
        "el.dispatchEvent(new Event('change', {bubbles: true}));",
        input_id,
        value,
    )


def test_custom_range_filters_inclusive_days_and_refuses_a_backwards_range(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    app = dash_app_for(settings_factory())
    with app.server.app_context():
        seed(db.engine, SeedPlan.for_orders(20_000))
        expected = db.session.execute(
            sa.text(
                "SELECT count(*) FROM orders WHERE order_date >= '2025-03-01' "
                "AND order_date <= '2025-03-31'"
            )
        ).scalar_one()
        db.session.remove()
    assert expected > 0
    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal(f"#{ids.KPI_ROWS}", "20,000", timeout=30)
    assert not dash_duo.find_element(f"#{ids.DATE_RANGE_BOX}").is_displayed()
    _choose(dash_duo, ids.DATE_PRESET, "Custom range…")
    dash_duo.wait_for_element(f"#{ids.DATE_FROM}", timeout=10)
    assert dash_duo.find_element(f"#{ids.DATE_RANGE_BOX}").is_displayed()
    # Backwards first: said next to the fields, and nothing is filtered.
    _type_date(dash_duo, ids.DATE_FROM, "2025-03-31")
    _type_date(dash_duo, ids.DATE_TO, "2025-03-01")
    dash_duo.wait_for_text_to_equal(
        f"#{ids.DATE_RANGE_MSG}", "The end date is before the start date.", timeout=10
    )
    assert dash_duo.find_element(f"#{ids.KPI_ROWS}").text == "20,000"
    _type_date(dash_duo, ids.DATE_FROM, "2025-03-01")
    _type_date(dash_duo, ids.DATE_TO, "2025-03-31")
    dash_duo.wait_for_text_to_equal(f"#{ids.KPI_ROWS}", f"{expected:,}", timeout=30)
    dash_duo.wait_for_contains_text("#dash-status", f"{expected:,} rows", timeout=30)
    assert dash_duo.find_element(f"#{ids.DATE_RANGE_MSG}").text == ""
    dash_duo.wait_for_contains_text(f"#{ids.CHIPS}", "2025-03-01", timeout=10)
    assert "2025-03-31" in dash_duo.find_element(f"#{ids.CHIPS}").text
