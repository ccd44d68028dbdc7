"""While KPIs and charts recompute they are dimmed under a spinner, then show the new figures."""

from __future__ import annotations

import json
import time
from typing import Any

from dashapp.extensions import db
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.support.browser import start

GRID_API = "return dash_ag_grid.getApi('dash-grid')"
# Records every class the two regions take, from before the filter changes.
WATCH = """
window.dvBusySeen = [];
for (const id of arguments) {
  const el = document.getElementById(id);
  new MutationObserver(() => {
    if (el.classList.contains('dv-busy')) window.dvBusySeen.push(id);
  }).observe(el, {attributes: true, attributeFilter: ['class']});
}
"""


def _kpi_rows(dash_duo: Any) -> str:
    return str(dash_duo.find_element(f"#{ids.KPI_ROWS}").text)


def _open_40k_orders(dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory) -> None:
    """The dashboard on 40,000 seeded orders, its KPIs and charts shown."""
    app = dash_app_for(settings_factory())
    with app.server.app_context():
        seed(db.engine, SeedPlan.for_orders(40_000))
    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal(f"#{ids.KPI_ROWS}", "40,000", timeout=30)
    dash_duo.wait_for_element(f"#{ids.CHARTS_BOX} .js-plotly-plot", timeout=30)


def _filter_big_orders(dash_duo: Any) -> str:
    """Filter to amounts over 1,500 through the grid; the row count KPI once it changed."""
    model = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 1500}}
    dash_duo.driver.execute_script(GRID_API + f".setFilterModel({json.dumps(model)});")
    deadline = time.monotonic() + 30
    while _kpi_rows(dash_duo) == "40,000" and time.monotonic() < deadline:
        time.sleep(0.05)
    filtered = _kpi_rows(dash_duo)
    assert filtered not in ("40,000", "")
    return filtered


def test_kpis_and_charts_dim_while_they_recompute(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    _open_40k_orders(dash_duo, dash_app_for, settings_factory)
    time.sleep(1)
    assert dash_duo.find_elements(".dv-busy") == []
    dash_duo.driver.execute_script(WATCH, ids.KPIS, ids.CHARTS_BOX)
    _filter_big_orders(dash_duo)
    seen = dash_duo.driver.execute_script("return window.dvBusySeen;")
    assert ids.KPIS in seen and ids.CHARTS_BOX in seen  # dimmed while recomputing
    dash_duo.wait_for_no_elements(".dv-busy", timeout=10)  # and back once the figures came


STALE_SUMMARY = """
window.dash_clientside.set_props(arguments[0], {data: {
  echo: {filterModel: {}, quick: "", dimension: arguments[1], facets: [[], [], [], []]},
  rows: "999,999", values: [], notes: [], figures: {}, chartError: "", status: "999,999 rows"
}});
"""


def test_a_late_answer_for_another_filter_is_dropped_and_asked_again(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    """KPIs answer the filter on screen, whatever order answers arrive in."""
    _open_40k_orders(dash_duo, dash_app_for, settings_factory)
    filtered = _filter_big_orders(dash_duo)
    dash_duo.wait_for_no_elements(".dv-busy", timeout=10)
    # An answer computed for the unfiltered table arrives now, late.
    dimension = dash_duo.driver.execute_script(
        f"return window.dash_component_api.getLayout('{ids.DIMENSION}').props.value;"
    )
    dash_duo.driver.execute_script(STALE_SUMMARY, ids.SUMMARY, dimension)
    # It is dropped, and the page asks again for what it shows.
    again = f"return window.dash_component_api.getLayout('{ids.SUMMARY_AGAIN}').props.data;"
    deadline = time.monotonic() + 10
    while not dash_duo.driver.execute_script(again) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (dash_duo.driver.execute_script(again) or {}).get("tries") == 1
    dash_duo.wait_for_no_elements(".dv-busy", timeout=20)
    time.sleep(0.5)
    assert _kpi_rows(dash_duo) == filtered
    assert "999,999" not in dash_duo.find_element(f"#{ids.STATUS}").text
    assert f"{filtered} rows" in dash_duo.find_element(f"#{ids.STATUS}").text
