"""Training page in Chromium: start a run, watch progress, reload mid-run, see the gallery."""

from __future__ import annotations

import time
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.conftest import SettingsFactory
from tests.support.browser import start
from tests.support.waiting import wait_while_progressing


def _percent(dash_duo: Any) -> float:
    bar = dash_duo.find_element("#train-progress .progress-bar")
    return float(bar.get_attribute("aria-valuenow") or 0)


def _wait(predicate: Any, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def test_start_watch_reload_and_gallery(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    settings = settings_factory(dev_role="trainer", training_progress_every_s=0.2)
    base = start(dash_duo, dash_app_for(settings))
    dash_duo.driver.get(base + "/training")
    dash_duo.wait_for_element("#train-start", timeout=15)
    # A run of some seconds on CPU, long enough to reload in the middle of it.
    Select(dash_duo.find_element("#train-dataset")).select_by_value("synthetic")
    for field, value in (("#train-epochs", "3"), ("#train-samples", "3000")):
        box = dash_duo.find_element(field)
        box.clear()
        box.send_keys(value)
    dash_duo.find_element("#train-start").click()
    dash_duo.wait_for_text_to_equal("#train-status-badge", "running", timeout=30)
    _wait(lambda: _percent(dash_duo) > 0, 30, "progress never moved")
    before = _percent(dash_duo)
    assert before < 100

    dash_duo.driver.refresh()  # the job keeps going; the page finds the run in the database
    dash_duo.wait_for_contains_text("#train-run-title", "Run #", timeout=15)
    _wait(lambda: _percent(dash_duo) > before, 30, "progress did not continue after reload")

    # However slow the machine, the run must keep moving; it may take as long as it moves.
    status = "#train-status-badge"
    wait_while_progressing(
        done=lambda: dash_duo.find_element(status).text == "succeeded",
        progress=lambda: (dash_duo.find_element(status).text, _percent(dash_duo)),
        what="training run",
    )
    dash_duo.wait_for_element("#train-gallery img", timeout=15)
    thumbs = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#train-gallery img")
    assert len(thumbs) == 4
    loaded = "return arguments[0].complete && arguments[0].naturalWidth > 0;"
    _wait(lambda: dash_duo.driver.execute_script(loaded, thumbs[0]), 10, "thumbnail not loaded")
    thumbs[0].click()  # the lightbox (assets/training.js)
    dash_duo.wait_for_element("#train-lightbox-img", timeout=10)
    assert "/artifacts/runs/" in dash_duo.find_element("#train-lightbox-img").get_attribute("src")
    dash_duo.find_element("#train-lightbox button").click()
    dash_duo.wait_for_element("#train-grid .ag-row", timeout=15)
    assert dash_duo.get_logs() == []
