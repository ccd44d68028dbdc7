"""Run management in Chromium: rename and tag a run, find it by search and tag, archive it
(hidden until "Show archived"), a field-level error for a bad tag, delete it after confirming."""

from __future__ import annotations

import time
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from dashapp.pages.training import ids
from tests.browser.test_training import _click, _finished_run
from tests.conftest import SettingsFactory
from tests.support.browser import start


def _wait(predicate: Any, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def _grid_ids(dash_duo: Any) -> set[int]:
    """Row ids the grid shows, read in one script (rows are replaced while it redraws)."""
    found = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map(function (r) { return r.getAttribute('row-id'); });",
        f"#{ids.GRID} .ag-center-cols-container .ag-row",
    )
    return {int(r) for r in found or [] if r}


def _type(dash_duo: Any, selector: str, text: str) -> None:
    field = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", field
    )
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    if text:
        field.send_keys(text)


def test_rename_tag_search_archive_and_delete_a_run(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    dash_app = dash_app_for(settings_factory(dev_role="admin"))
    first = _finished_run(dash_app.server, "digits", [2.0, 1.0, 0.5])
    second = _finished_run(dash_app.server, "orders", [1.5, 1.2, 0.9])
    base = start(dash_duo, dash_app)
    dash_duo.driver.get(f"{base}/training?run={first}")
    dash_duo.wait_for_text_to_equal(f"#{ids.RUN_TITLE}", f"Run #{first} · digits", timeout=15)
    _wait(lambda: _grid_ids(dash_duo) == {first, second}, 15, "grid not filled")

    # A bad tag is refused on the Tags field itself; nothing is saved.
    _type(dash_duo, f"#{ids.RUN_TAGS}", "fine, not fine!")
    _click(dash_duo, f"#{ids.SAVE_DETAILS}")
    dash_duo.wait_for_contains_text(f"#{ids.RUN_TAGS_FEEDBACK}", "is not allowed", timeout=10)
    assert "is-invalid" in dash_duo.find_element(f"#{ids.RUN_TAGS}").get_attribute("class")

    # Rename and tag: the title and the grid row show it.
    _type(dash_duo, f"#{ids.RUN_NAME}", "baseline v2")
    _type(dash_duo, f"#{ids.RUN_TAGS}", "Baseline, fast")
    _type(dash_duo, f"#{ids.RUN_NOTES}", "the one to beat")
    _click(dash_duo, f"#{ids.SAVE_DETAILS}")
    dash_duo.wait_for_contains_text(f"#{ids.MANAGE_MSG}", "Saved.", timeout=10)
    dash_duo.wait_for_text_to_equal(f"#{ids.RUN_TITLE}", f"Run #{first} · baseline v2", timeout=15)
    name_cell = f"#{ids.GRID} .ag-row[row-id='{first}'] .ag-cell[col-id='name']"
    dash_duo.wait_for_text_to_equal(name_cell, "baseline v2", timeout=15)
    tags_cell = f"#{ids.GRID} .ag-row[row-id='{first}'] .ag-cell[col-id='tags']"
    dash_duo.wait_for_text_to_equal(tags_cell, "baseline, fast", timeout=15)

    # Search by name, then filter by tag and by a metric condition.
    _type(dash_duo, f"#{ids.SEARCH}", "baseline\n")
    _wait(lambda: _grid_ids(dash_duo) == {first}, 10, "search did not filter")
    _type(dash_duo, f"#{ids.SEARCH}", "loss>0.6\n")
    _wait(lambda: _grid_ids(dash_duo) == {second}, 10, "metric condition did not filter")
    _type(dash_duo, f"#{ids.SEARCH}", "lr>fast\n")
    dash_duo.wait_for_contains_text(f"#{ids.SEARCH_FEEDBACK}", "compares numbers", timeout=10)
    _type(dash_duo, f"#{ids.SEARCH}", "\n")
    _wait(lambda: _grid_ids(dash_duo) == {first, second}, 10, "search not cleared")
    _wait(
        lambda: (
            "baseline"
            in [o.text for o in Select(dash_duo.find_element(f"#{ids.FILTER_TAG}")).options]
        ),
        10,
        "tag not offered",
    )
    Select(dash_duo.find_element(f"#{ids.FILTER_TAG}")).select_by_visible_text("baseline")
    _wait(lambda: _grid_ids(dash_duo) == {first}, 10, "tag filter did not filter")
    Select(dash_duo.find_element(f"#{ids.FILTER_TAG}")).select_by_visible_text("Any")
    _wait(lambda: _grid_ids(dash_duo) == {first, second}, 10, "tag filter not cleared")

    # Archive: hidden from the list until "Show archived".
    _click(dash_duo, f"#{ids.ARCHIVE}")
    dash_duo.wait_for_contains_text(f"#{ids.MANAGE_MSG}", "archived", timeout=10)
    _wait(lambda: _grid_ids(dash_duo) == {second}, 10, "archived run still listed")
    dash_duo.wait_for_text_to_equal(f"#{ids.ARCHIVE}", "Unarchive", timeout=10)
    _click(dash_duo, f"label[for='{ids.SHOW_ARCHIVED}']")
    _wait(lambda: _grid_ids(dash_duo) == {first, second}, 10, "show archived did not show it")
    dash_duo.wait_for_text_to_equal(name_cell, "baseline v2 (archived)", timeout=10)

    # Delete asks first; "Keep it" keeps it; "Delete run" deletes and the page says so.
    _click(dash_duo, f"#{ids.DELETE}")
    dash_duo.wait_for_element(f"#{ids.DELETE_DISMISS}", timeout=10)
    _click(dash_duo, f"#{ids.DELETE_DISMISS}")
    _wait(
        lambda: not dash_duo.driver.find_elements(By.CSS_SELECTOR, f"#{ids.DELETE_CONFIRM}"),
        10,
        "dialog did not close",
    )
    assert first in _grid_ids(dash_duo)
    _click(dash_duo, f"#{ids.DELETE}")
    dash_duo.wait_for_element(f"#{ids.DELETE_CONFIRM}", timeout=10)
    _click(dash_duo, f"#{ids.DELETE_CONFIRM}")
    _wait(lambda: f"deleted={first}" in dash_duo.driver.current_url, 15, "no reload after delete")
    dash_duo.wait_for_contains_text(
        f"#{ids.DELETED_NOTICE}", f"Run #{first} was deleted.", timeout=15
    )
    _wait(lambda: _grid_ids(dash_duo) == {second}, 15, "deleted run still listed")
    # End with a run open, so the accessibility gate audits the details and their controls.
    _click(dash_duo, f"#{ids.GRID} .ag-row[row-id='{second}'] .ag-cell[col-id='status']")
    dash_duo.wait_for_text_to_equal(f"#{ids.RUN_TITLE}", f"Run #{second} · orders", timeout=15)
    dash_duo.wait_for_element(f"#{ids.DETAILS}:not([hidden]) #{ids.RUN_NAME}", timeout=10)
    assert dash_duo.get_logs() == []
