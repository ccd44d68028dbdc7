"""Saved views in headless Chromium: Enter saves, delete asks first and can be undone."""

from __future__ import annotations

import time
from typing import Any

from selenium.webdriver.common.keys import Keys

from dashapp.dataview import saved_views
from dashapp.extensions import db
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.support.browser import start


def _menu_text(dash_duo: Any) -> str:
    return str(dash_duo.find_element(f"#{ids.VIEWS}").text)


def _names(app: Any) -> list[str]:
    with app.server.app_context():
        names = [v.name for v in saved_views.list_views("dev", "orders")]
        db.session.remove()
    return names


def test_enter_saves_and_delete_asks_then_can_be_undone(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    app = dash_app_for(settings_factory())
    with app.server.app_context():
        seed(db.engine, SeedPlan.for_orders(2000))
    start(dash_duo, app)
    dash_duo.wait_for_element('#dash-grid .ag-row[row-index="0"]', timeout=30)
    name = dash_duo.find_element(f"#{ids.VIEW_NAME}")
    name.send_keys("Big orders", Keys.ENTER)  # no click: Enter saves
    deadline = time.monotonic() + 20
    while not _names(app) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _names(app) == ["Big orders"]
    # Saving opens the view (its URL): the menu shows it.
    dash_duo.wait_for_contains_text(f"#{ids.VIEWS}", "Big orders", timeout=20)
    dash_duo.wait_for_element('#dash-grid .ag-row[row-index="0"]', timeout=30)
    # Delete asks first; Cancel keeps the view.
    confirm = f"#{ids.VIEW_CONFIRM}"
    assert not dash_duo.find_element(confirm).is_displayed()
    dash_duo.find_element(f"#{ids.VIEW_DELETE}").click()
    dash_duo.wait_for_contains_text(confirm, "Delete “Big orders”?", timeout=10)
    dash_duo.find_element(f"#{ids.VIEW_CONFIRM_NO}").click()
    dash_duo.wait_for_style_to_equal(confirm, "display", "none", timeout=10)
    assert _names(app) == ["Big orders"]
    # Confirmed: gone, with Undo offered.
    dash_duo.find_element(f"#{ids.VIEW_DELETE}").click()
    dash_duo.wait_for_contains_text(confirm, "Delete “Big orders”?", timeout=10)
    dash_duo.find_element(f"#{ids.VIEW_CONFIRM_YES}").click()
    dash_duo.wait_for_element(f"#{ids.VIEW_UNDO}", timeout=10)
    deadline = time.monotonic() + 10
    while _names(app) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _names(app) == []
    assert "Big orders" not in _menu_text(dash_duo)
    dash_duo.find_element(f"#{ids.VIEW_UNDO}").click()
    dash_duo.wait_for_text_to_equal(f"#{ids.VIEW_MESSAGE}", "Restored “Big orders”.", timeout=10)
    dash_duo.wait_for_contains_text(f"#{ids.VIEWS}", "Big orders", timeout=10)
    assert _names(app) == ["Big orders"]
    dash_duo.wait_for_no_elements(f"#{ids.VIEW_UNDO}", timeout=10)  # the toast went away
