"""The column chooser's pins and the columns' order are kept in a saved view."""

from __future__ import annotations

import time
from typing import Any

from selenium.webdriver.common.keys import Keys

from dashapp.extensions import db
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.support.browser import start

GRID_API = "dash_ag_grid.getApi('dash-grid')"
PINNED = (
    "[...document.querySelectorAll('#dash-grid .ag-pinned-left-header .ag-header-cell')]"
    ".map(e => e.getAttribute('col-id'))"
)
# What the grid itself says is pinned left (its header DOM is rebuilt lazily after a reload).
PINNED_STATE = f"{GRID_API}.getColumnState().filter(c => c.pinned === 'left').map(c => c.colId)"
ORDER = f"return {GRID_API}.getColumnState().filter(c => !c.hide).map(c => c.colId);"


def _wait(dash_duo: Any, script: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = dash_duo.driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def test_pins_and_order_are_kept_in_a_saved_view(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    app = dash_app_for(settings_factory())
    with app.server.app_context():
        seed(db.engine, SeedPlan.for_orders(2000))
    base = start(dash_duo, app)
    dash_duo.wait_for_element('#dash-grid .ag-row[row-index="0"]', timeout=30)
    dash_duo.find_element("#dash-columns-menu button").click()
    switch = dash_duo.driver.execute_script(
        f"return [...document.querySelectorAll('#{ids.PINNED} input')]"
        ".find(e => e.value === 'channel');"
    )
    dash_duo.driver.execute_script("arguments[0].click();", switch)
    _wait(dash_duo, f"return {PINNED}.includes('channel');")
    # Drag "region" to the front of the unpinned columns (the grid's own move, as a drag does).
    dash_duo.driver.execute_script(f"{GRID_API}.moveColumns(['region'], 2);")
    before = dash_duo.driver.execute_script(ORDER)
    assert before.index("region") < before.index("customer_id__label")
    dash_duo.find_element("body").send_keys(Keys.ESCAPE)
    # The grid reports its column state to Dash after the move settles; a person takes a
    # moment before typing a name, and so does the test.
    time.sleep(1.5)
    dash_duo.find_element(f"#{ids.VIEW_NAME}").send_keys("Pinned channel", Keys.ENTER)
    link = _wait(
        dash_duo, "return window.location.search.indexOf('view=')>=0 && window.location.href"
    )
    dash_duo.driver.get(base + "/training")
    dash_duo.driver.get(link)
    dash_duo.wait_for_element('#dash-grid .ag-row[row-index="0"]', timeout=30)
    pinned = _wait(dash_duo, f"var p = {PINNED_STATE}; return p.includes('channel') && p;")
    assert pinned == ["id", "channel"]
    assert dash_duo.driver.execute_script(ORDER) == before
    checked = dash_duo.driver.execute_script(
        f"return [...document.querySelectorAll('#{ids.PINNED} input')]"
        ".filter(e => e.checked).map(e => e.value);"
    )
    assert checked == ["channel"]
