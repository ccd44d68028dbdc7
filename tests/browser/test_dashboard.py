"""The data view in headless Chromium on a seeded PostgreSQL database (1,000,000 orders)."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade
from selenium.webdriver.common.action_chains import ActionChains

from dashapp import create_app
from dashapp.pages.dataview import ids
from dashapp.seeding.seed import seed
from dashapp.seeding.seed_data import SeedPlan
from tests.conftest import SettingsFactory
from tests.support.browser import horizontal_overflow, set_viewport, start
from tests.support.services import throwaway_postgres_database, with_driver

ROWS = int(os.environ.get("DASHAPP_TEST_GRID_ROWS", "1000000"))
GRID_API = "return dash_ag_grid.getApi('dash-grid')"
NOT_DELIVERED = "e.textContent.trim() && e.textContent.trim() !== 'delivered'"


@pytest.fixture(scope="module")
def seeded_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL database migrated and seeded with ROWS orders (once for this module)."""
    from tests.conftest import _test_settings

    with throwaway_postgres_database("dashapp_grid_ui") as url:
        server = create_app(
            _test_settings(tmp_path_factory.mktemp("dv"), database_url=with_driver(url))
        )
        from dashapp.extensions import db

        with server.app_context():
            upgrade(revision="heads")
            seed(db.engine, SeedPlan.for_orders(ROWS))
            db.engine.dispose()
        engine = sa.create_engine(with_driver(url))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE orders"))  # as autovacuum would, after a load
        engine.dispose()
        yield with_driver(url)


@pytest.fixture(autouse=True)
def _settled(dash_duo: Any) -> Iterator[None]:
    """After each test, let in-flight callbacks finish before the server is stopped."""
    yield
    try:
        _wait_js(dash_duo, "return !document.querySelector('[data-dash-is-loading=\"true\"]');", 30)
    finally:
        time.sleep(0.5)


def _open(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, url: str, **kw: Any
) -> str:
    base = start(dash_duo, dash_app_for(settings_factory(database_url=url, **kw)))
    return base


def _cell(dash_duo: Any, row: int, col: str, timeout: float = 20) -> str:
    """The text of a grid cell once its block has loaded."""
    selector = f'#dash-grid .ag-row[row-index="{row}"] .ag-cell[col-id="{col}"]'
    # Columns are sized to their content, so a column can sit right of the visible area, where
    # AG Grid does not render its cells: bring it into view first, as a person would scroll.
    script = (
        "var api=null; try { api=dash_ag_grid.getApi('dash-grid'); } catch (e) {}"
        f"if (api) api.ensureColumnVisible('{col}');"
        f"var e=document.querySelector('{selector}'); return e && e.textContent.trim();"
    )
    return str(_wait_js(dash_duo, script, timeout))


def _wait_js(dash_duo: Any, script: str, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = dash_duo.driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def _status_count(dash_duo: Any) -> int:
    text = dash_duo.find_element("#dash-status").text
    return int(text.split(" rows")[0].lstrip("≈ ").replace(",", ""))


def test_first_rows_then_scroll_to_the_last_row(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    assert _cell(dash_duo, 0, "id") == "1"
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=15)
    dash_duo.driver.execute_script(GRID_API + f".ensureIndexVisible({ROWS - 1}, 'bottom');")
    assert _cell(dash_duo, ROWS - 1, "id") == f"{ROWS:,}"
    dash_duo.wait_for_text_to_equal("#dash-kpi-rows", f"{ROWS:,}", timeout=20)
    assert dash_duo.get_logs() == []


def test_filter_and_chart_click_change_the_grid(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=15)
    model = {"status": {"filterType": "text", "type": "notEqual", "filter": "delivered"}}
    dash_duo.driver.execute_script(GRID_API + f".setFilterModel({json.dumps(model)});")
    _wait_js(
        dash_duo,
        f"return !document.querySelector('#dash-status').textContent.startsWith('{ROWS:,}')",
    )
    statuses = "[...document.querySelectorAll('#dash-grid .ag-cell[col-id=\"status\"]')]"
    _wait_js(
        dash_duo,
        f"var c={statuses}; return c.length>0 && c.every(e => {NOT_DELIVERED});",
    )
    filtered = _status_count(dash_duo)
    assert 0 < filtered < ROWS
    # Drill down: click the first bar of the breakdown (by status), as a user would.
    # Wait for the chart to follow the filter (no "delivered" bar left), then pick a bar.
    ticks = "[...document.querySelectorAll('#dash-breakdown .xtick text')].map(e => e.textContent)"
    _wait_js(dash_duo, f"var t={ticks}; return t.length > 0 && t.indexOf('delivered') < 0;", 30)
    bar = dash_duo.wait_for_element("#dash-breakdown .bars .point path", timeout=20)
    value = dash_duo.driver.execute_script(
        "return document.querySelector('#dash-breakdown .xtick text').textContent;"
    )
    # Plotly listens on its drag layer above the bars: hover, then click at the bar's spot.
    ActionChains(dash_duo.driver).move_to_element(bar).pause(0.3).click().perform()
    _wait_js(
        dash_duo,
        f"return document.querySelector('#dash-status').textContent.indexOf('{filtered:,} rows')<0",
    )
    assert 0 < _status_count(dash_duo) < filtered
    _wait_js(
        dash_duo,
        f"var c={statuses}; return c.length>0 && c.every(e => e.textContent.trim()==='{value}');",
    )


def test_saved_view_reopens_from_its_url(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    base = _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    model = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 900}}
    dash_duo.driver.execute_script(GRID_API + f".setFilterModel({json.dumps(model)});")
    dash_duo.driver.execute_script(
        GRID_API + ".applyColumnState({state:[{colId:'amount', sort:'desc'}]});"
    )
    # The filtered count, not the first status (empty, or the whole table's estimate "≈ ...").
    _wait_js(
        dash_duo,
        "var t=document.querySelector('#dash-status').textContent;"
        f"return t.indexOf(' rows')>0 && t.indexOf('{ROWS:,}')<0 && t.indexOf('≈')<0;",
        30,
    )
    expected = dash_duo.find_element("#dash-status").text.split(" · ")[0]
    name = f"big orders {time.time_ns()}"
    dash_duo.find_element("#dash-view-name").send_keys(name)
    dash_duo.find_element("#dash-view-save").click()
    _wait_js(dash_duo, "return window.location.search.indexOf('view=')>=0")
    link = dash_duo.driver.current_url
    dash_duo.driver.get(base + "/training")
    dash_duo.driver.get(link)
    dash_duo.wait_for_contains_text("#dash-status", expected, timeout=20)
    first = float(_cell(dash_duo, 0, "amount").replace("$", "").replace(",", ""))
    second = float(_cell(dash_duo, 1, "amount").replace("$", "").replace(",", ""))
    assert first >= second > 900
    assert name in dash_duo.find_element("#dash-views").text
    # Share: the owner gets a link with an unguessable token that opens the same view.
    dash_duo.find_element(f"#{ids.VIEW_SHARE}").click()
    _wait_js(dash_duo, f"return document.getElementById('{ids.VIEW_SHARE_URL}').value.length > 0")
    shared = dash_duo.find_element(f"#{ids.VIEW_SHARE_URL}").get_attribute("value")
    assert shared.startswith(base + "/?") and "share=" in shared and "view=" not in shared
    assert dash_duo.find_element(f"#{ids.VIEW_SHARE_BOX}").is_displayed()
    dash_duo.driver.get(base + "/training")
    dash_duo.driver.get(shared)
    dash_duo.wait_for_contains_text("#dash-status", expected, timeout=20)
    assert name in dash_duo.find_element("#dash-views").text


def test_csv_export_matches_the_database(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    base = _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    model = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 1500}}
    dash_duo.driver.execute_script(GRID_API + f".setFilterModel({json.dumps(model)});")
    href = _wait_js(
        dash_duo,
        "var h=document.querySelector('#dash-export-csv').getAttribute('href');"
        "return h && h.indexOf('1500')>=0 ? h : null;",
    )
    response = requests.get(base + href, timeout=60)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    engine = sa.create_engine(seeded_pg)
    with engine.connect() as conn:
        expected = conn.execute(
            sa.text("SELECT id, amount FROM orders WHERE amount > 1500 ORDER BY id")
        ).all()
    engine.dispose()
    header = rows[0]
    got = [(int(r[header.index("Order")]), r[header.index("Amount")]) for r in rows[1:]]
    assert got == [(i, str(a)) for i, a in expected]


def test_phone_width_stacks_kpis_and_keeps_the_grid_usable(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    base = _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    set_viewport(dash_duo, 375, 812)
    dash_duo.driver.get(base + "/")
    _cell(dash_duo, 0, "id")
    boxes = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('.dv-kpi')].map(e => e.getBoundingClientRect().top);"
    )
    assert len(boxes) == 3 and boxes[0] < boxes[1] < boxes[2]  # stacked, not side by side
    assert horizontal_overflow(dash_duo) == 0
    # The charts join the page after the first rows (Plotly loads only then).
    dash_duo.wait_for_element("#dash-trend .main-svg", timeout=20)
    assert horizontal_overflow(dash_duo) == 0
    width = dash_duo.driver.execute_script(
        "return document.querySelector('#dash-trend .main-svg').getBoundingClientRect().width;"
    )
    assert 200 < width <= 375


def test_grid_follows_dark_mode(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    wrapper = "document.querySelector('#dash-grid .ag-root-wrapper')"
    background = f"return getComputedStyle({wrapper}).backgroundColor;"
    light = dash_duo.driver.execute_script(background)
    dash_duo.find_element("#theme-switch").click()
    _wait_js(dash_duo, f"return ({background.removeprefix('return ').rstrip(';')}) !== '{light}'")


def test_quick_search_typed_key_by_key_ends_on_the_final_text(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    dash_duo.wait_for_text_to_equal("#dash-kpi-rows", f"{ROWS:,}", timeout=30)
    box = dash_duo.find_element("#dash-quick")
    for key in "north":  # a person typing at 100 ms per key
        box.send_keys(key)
        time.sleep(0.1)
    engine = sa.create_engine(seeded_pg)
    with engine.connect() as conn:
        expected = conn.execute(
            sa.text(
                "SELECT count(*) FROM orders WHERE status ILIKE '%north%' "
                "OR channel ILIKE '%north%' OR region ILIKE '%north%'"
            )
        ).scalar_one()
    engine.dispose()
    assert 0 < expected < ROWS
    regions = "[...document.querySelectorAll('#dash-grid .ag-cell[col-id=\"region\"]')]"
    for _ in range(2):  # consistent at once, and still so after any late answer could land
        dash_duo.wait_for_contains_text("#dash-status", f"{expected:,} rows", timeout=30)
        dash_duo.wait_for_text_to_equal("#dash-kpi-rows", f"{expected:,}", timeout=30)
        _wait_js(
            dash_duo,
            f"var c={regions}; return c.length>0 && c.every(e => e.textContent.trim()==='North');",
        )
        time.sleep(1.5)
    assert dash_duo.find_element("#dash-quick").get_attribute("value") == "north"


def test_chips_clear_all_and_a_copied_url_reproduce_the_screen(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    base = _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=20)
    model = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 900}}
    dash_duo.driver.execute_script(GRID_API + f".setFilterModel({json.dumps(model)});")
    dash_duo.driver.execute_script(
        GRID_API + ".applyColumnState({state:[{colId:'amount', sort:'desc'}]});"
    )
    dash_duo.find_element("#dash-quick").send_keys("north")
    _wait_js(dash_duo, "return document.querySelectorAll('.dv-chip').length === 2;", 20)
    engine = sa.create_engine(seeded_pg)
    with engine.connect() as conn:
        expected = conn.execute(
            sa.text(
                "SELECT count(*) FROM orders WHERE amount > 900 AND (status ILIKE '%north%' "
                "OR channel ILIKE '%north%' OR region ILIKE '%north%')"
            )
        ).scalar_one()
    engine.dispose()
    dash_duo.wait_for_contains_text("#dash-status", f"{expected:,} rows", timeout=30)
    chip_text = dash_duo.find_element("#dash-chips").text
    assert "Amount > 900" in chip_text and "north" in chip_text
    link = base + _wait_js(
        dash_duo,
        "var h=document.querySelector('#dash-share-link').getAttribute('href');"
        "return h && h.indexOf('north')>=0 ? h : null;",
        15,
    )
    # The copied link, opened afresh, shows the same rows, order, search and chips.
    dash_duo.driver.get(base + "/training")
    dash_duo.driver.get(link)
    dash_duo.wait_for_contains_text("#dash-status", f"{expected:,} rows", timeout=30)
    assert dash_duo.find_element("#dash-quick").get_attribute("value") == "north"
    first = float(_cell(dash_duo, 0, "amount").replace("$", "").replace(",", ""))
    second = float(_cell(dash_duo, 1, "amount").replace("$", "").replace(",", ""))
    assert first >= second > 900
    _wait_js(dash_duo, "return document.querySelectorAll('.dv-chip').length === 2;", 20)
    dash_duo.find_element("#dash-clear-all").click()
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=30)
    _wait_js(dash_duo, "return document.querySelectorAll('.dv-chip').length === 0;", 20)
    assert dash_duo.find_element("#dash-quick").get_attribute("value") == ""


def test_a_broken_view_link_says_so(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    base = _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    dash_duo.driver.get(base + "/?table=orders&view=987654321")
    dash_duo.wait_for_contains_text("#dash-link-problem", "does not exist", timeout=20)
    dash_duo.driver.get(base + "/?table=orders&state=%7Bnot-json")
    dash_duo.wait_for_contains_text("#dash-link-problem", "could not be read", timeout=20)
    assert _cell(dash_duo, 0, "id") == "1"  # the table still shows, unfiltered


def test_a_late_answer_after_leaving_does_not_rewrite_the_next_pages_address(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    base = _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    # A navigation has pushed /admin, the router has not drawn it yet (the data view is still in
    # the DOM), and the data view's last address answer arrives: it must leave /admin alone.
    after = dash_duo.driver.execute_script(
        "window.history.pushState({}, '', '/admin');"
        "window.dash_clientside.dataviewUrl.follow('?table=orders&state=x');"
        "return [window.location.pathname + window.location.search,"
        " !!document.getElementById('page-dashboard')];"
    )
    assert after == ["/admin", True]
    dash_duo.driver.get(base + "/?table=orders")  # back on the page, it follows the screen
    _cell(dash_duo, 0, "id")
    dash_duo.driver.execute_script(
        "window.dash_clientside.dataviewUrl.follow('?table=orders&q=1');"
    )
    assert dash_duo.driver.execute_script("return window.location.search;") == "?table=orders&q=1"


def test_column_chooser_is_kept_in_a_saved_view(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    header = "document.querySelector('#dash-grid .ag-header-cell[col-id=\"channel\"]')"
    _wait_js(dash_duo, f"return !!{header};")
    dash_duo.find_element("#dash-columns-menu button").click()
    box = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#dash-columns input')]"
        ".find(e => e.value === 'channel');"
    )
    dash_duo.driver.execute_script("arguments[0].click();", box)
    _wait_js(dash_duo, f"return !{header};")
    dash_duo.find_element("#dash-view-name").send_keys(f"no channel {time.time_ns()}")
    dash_duo.find_element("#dash-view-save").click()
    _wait_js(dash_duo, "return window.location.search.indexOf('view=')>=0")
    link = dash_duo.driver.current_url
    dash_duo.driver.get(link.split("?")[0] + "training")
    dash_duo.driver.get(link)
    _cell(dash_duo, 0, "id")
    assert dash_duo.driver.execute_script(f"return !{header};")
    checked = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#dash-columns input')]"
        ".filter(e => e.checked).map(e => e.value);"
    )
    assert "channel" not in checked and "region" in checked


ADDRESS = "return window.location.search"


def _fresh_session(dash_duo: Any) -> None:
    """As a new browser session would start: no cookies or storage from this one."""
    dash_duo.driver.get("about:blank")
    dash_duo.driver.delete_all_cookies()


def test_the_address_bar_follows_the_screen_and_reproduces_it(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    base = _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    _cell(dash_duo, 0, "id")
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=20)
    # Marks the rendered page: a re-render by Dash's router (a navigation) would drop it.
    dash_duo.driver.execute_script("document.getElementById('dash-grid').dataset.marker='1';")
    model = {"amount": {"filterType": "number", "type": "greaterThan", "filter": 900}}
    dash_duo.driver.execute_script(GRID_API + f".setFilterModel({json.dumps(model)});")
    dash_duo.driver.execute_script(
        GRID_API + ".applyColumnState({state:[{colId:'amount', sort:'desc'}]});"
    )
    dash_duo.find_element("#dash-quick").send_keys("north")
    _wait_js(dash_duo, "return document.querySelectorAll('.dv-chip').length === 2;", 20)
    # The address bar (not only a link) carries table, filters, sort and search.
    _wait_js(
        dash_duo,
        ADDRESS + ".indexOf('north')>=0 && window.location.search.indexOf('desc')>=0 "
        "&& window.location.search.indexOf('900')>=0",
        20,
    )
    engine = sa.create_engine(seeded_pg)
    with engine.connect() as conn:
        expected = conn.execute(
            sa.text(
                "SELECT count(*) FROM orders WHERE amount > 900 AND (status ILIKE '%north%' "
                "OR channel ILIKE '%north%' OR region ILIKE '%north%')"
            )
        ).scalar_one()
    engine.dispose()
    dash_duo.wait_for_contains_text("#dash-status", f"{expected:,} rows", timeout=30)
    top = [_cell(dash_duo, i, "id") for i in range(3)]
    address = dash_duo.driver.execute_script("return window.location.href")
    assert address.startswith(base + "/?table=orders&state=")
    # Rewriting the address did not render the page again (the grid kept its marker).
    assert dash_duo.driver.execute_script(
        "return document.getElementById('dash-grid').dataset.marker === '1';"
    )
    _fresh_session(dash_duo)
    dash_duo.driver.get(address)
    dash_duo.wait_for_contains_text("#dash-status", f"{expected:,} rows", timeout=30)
    assert [_cell(dash_duo, i, "id") for i in range(3)] == top
    assert dash_duo.find_element("#dash-quick").get_attribute("value") == "north"
    _wait_js(dash_duo, "return document.querySelectorAll('.dv-chip').length === 2;", 20)
    chip_text = dash_duo.find_element("#dash-chips").text
    assert "Amount > 900" in chip_text and "north" in chip_text
    # Reopened, the page writes the same address back.
    assert dash_duo.driver.execute_script("return window.location.href") == address


def test_saved_view_navigation_works_while_the_address_follows_the_screen(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, seeded_pg: str
) -> None:
    base = _open(dash_duo, dash_app_for, settings_factory, seeded_pg)
    dash_duo.driver.get(base + "/?table=orders")
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=30)
    dash_duo.find_element("#dash-quick").send_keys("north")
    _wait_js(dash_duo, ADDRESS + ".indexOf('north')>=0", 20)
    dash_duo.wait_for_contains_text("#dash-chips", "north", timeout=20)
    _wait_js(dash_duo, "var t=document.querySelector('#dash-status').textContent;"
             f"return t.indexOf(' rows')>0 && !t.startsWith('{ROWS:,}') && t.indexOf('≈')<0;",
             30)  # fmt: skip
    filtered = _status_count(dash_duo)
    name = f"north {time.time_ns()}"
    dash_duo.find_element("#dash-view-name").send_keys(name)
    dash_duo.find_element("#dash-view-save").click()
    # Saving opens the view: its own address, with no state beside it (the view says it all).
    _wait_js(dash_duo, ADDRESS + ".indexOf('view=')>=0", 20)
    view_search = _wait_js(
        dash_duo,
        "var s=window.location.search; return s.indexOf('state=')<0 ? s : null;",
        20,
    )
    view_id = view_search.split("view=")[1].split("&")[0]
    dash_duo.wait_for_contains_text("#dash-views", name, timeout=20)
    # Clearing the view's search: the address says so (an empty state beside the view).
    dash_duo.find_element("#dash-clear-all").click()
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=30)
    _wait_js(dash_duo, ADDRESS + ".indexOf('state=%7B%7D')>=0", 20)
    cleared = dash_duo.driver.execute_script("return window.location.href")
    # The table menu's current table goes back to the plain table, although the router last
    # rendered a different address and the bar was rewritten since.
    dash_duo.driver.get(base + "/?table=orders")
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=30)
    dash_duo.find_element("#dash-quick").send_keys("north")
    _wait_js(dash_duo, ADDRESS + ".indexOf('north')>=0", 20)
    dash_duo.find_element("#dash-table-picker button").click()
    dash_duo.find_element("#dash-table-picker .dropdown-item.active").click()
    _wait_js(dash_duo, "return document.getElementById('dash-quick').value === '';", 20)
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=30)
    assert dash_duo.driver.execute_script(ADDRESS) == "?table=orders"
    # Opening the saved view from the menu shows it, at its own address.
    dash_duo.driver.execute_script(
        f"window.dash_clientside.set_props('{ids.VIEWS}', {{value: {int(view_id)}}});"
    )
    _wait_js(dash_duo, f"return window.location.search === '{view_search}';", 20)
    _wait_js(dash_duo, "return document.getElementById('dash-quick').value === 'north';", 20)
    dash_duo.wait_for_contains_text("#dash-status", f"{filtered:,} rows", timeout=30)
    # Back returns to the plain table; the copied address of the cleared view reopens it so.
    dash_duo.driver.back()
    _wait_js(dash_duo, "return document.getElementById('dash-quick').value === '';", 20)
    _fresh_session(dash_duo)
    dash_duo.driver.get(cleared)
    dash_duo.wait_for_contains_text("#dash-status", f"{ROWS:,} rows", timeout=30)
    assert dash_duo.find_element("#dash-quick").get_attribute("value") == ""
    dash_duo.wait_for_contains_text("#dash-views", name, timeout=20)
