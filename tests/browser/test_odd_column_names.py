"""A column named `a.b` (AG Grid reads dots as a path into nested data) shows its values and
filters in Chromium, on a PostgreSQL warehouse."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SettingsFactory
from tests.support.browser import start
from tests.support.warehouse import add_odd_names_table, postgres_warehouse

DASHBOARDS = """\
sources:
  warehouse:
    url: ${{WAREHOUSE_URL}}
tables:
  - source: warehouse
    name: {table}
    id: odd
"""
DOTTED = "a.b"
GRID_API = "return dash_ag_grid.getApi('dash-grid')"
# The dotted column's cells that hold a row's value (the grid renders each row once).
CELLS = (
    "[...document.querySelectorAll('#dash-grid .ag-center-cols-container .ag-cell')]"
    f".filter(e => e.getAttribute('col-id') === {json.dumps(DOTTED)})"
    ".map(e => e.textContent.trim())"
)


@pytest.fixture(scope="module")
def odd_table() -> Iterator[tuple[str, str]]:
    with postgres_warehouse() as w:
        yield w.source_url, add_odd_names_table(w)


def _wait_js(dash_duo: Any, script: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = dash_duo.driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def test_a_dotted_column_shows_its_values_and_filters(
    dash_duo: Any,
    dash_app_for: Any,
    settings_factory: SettingsFactory,
    odd_table: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, table = odd_table
    path = tmp_path / "dashboards.yml"
    path.write_text(DASHBOARDS.format(table=table))
    monkeypatch.setenv("WAREHOUSE_URL", url)
    start(dash_duo, dash_app_for(settings_factory(dashboards=path)))
    # The grid's API exists only once the grid has mounted: ask until it answers.
    _wait_js(
        dash_duo,
        "try { var api = dash_ag_grid.getApi('dash-grid'); } catch (e) { return false; }"
        f"api.ensureColumnVisible({json.dumps(DOTTED)}); return true;",
    )
    shown = _wait_js(dash_duo, f"var c={CELLS}; return c.length === 6 && c;")
    assert sorted(shown) == [f"dot-{i}" for i in range(1, 7)], shown  # not "(blank)"
    model = {DOTTED: {"filterType": "text", "type": "endsWith", "filter": "-3"}}
    dash_duo.driver.execute_script(GRID_API + f".setFilterModel({json.dumps(model)});")
    # Wait for the filtered block (a loading row shows an empty cell first), then compare.
    _wait_js(dash_duo, f"var c={CELLS}; return c.length === 1 && c[0] !== '';")
    assert dash_duo.driver.execute_script(f"return {CELLS};") == ["dot-3"]
    dash_duo.wait_for_contains_text("#dash-status", "1 rows", timeout=20)
    assert dash_duo.get_logs() == []
