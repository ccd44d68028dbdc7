"""Sweeps in Chromium: the form's Sweep mode, its errors and run count, the sweep view."""

from __future__ import annotations

import time
from typing import Any

from selenium.webdriver.common.by import By

from dashapp.pages.training import ids
from dashapp.pages.training import sweep_ids as sids
from tests.conftest import SettingsFactory
from tests.support.browser import start
from tests.support.waiting import wait_while_progressing


def _box(dash_duo: Any, component_id: dict[str, str]) -> Any:
    return dash_duo.find_element(f"[id='{ids.dom_id(component_id)}']")


def _type(dash_duo: Any, component_id: dict[str, str] | str, text: str) -> None:
    element = (
        dash_duo.find_element(f"#{component_id}")
        if isinstance(component_id, str)
        else _box(dash_duo, component_id)
    )
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.clear()
    element.send_keys(text)
    element.send_keys("\t")  # leave the box: the debounced value is sent


def _choose_sweep_mode(dash_duo: Any) -> None:
    label = dash_duo.driver.find_element(
        By.XPATH, f"//*[@id='{sids.MODE}']//label[normalize-space()='Sweep']"
    )
    label.click()
    dash_duo.wait_for_element(f"#{sids.START}", timeout=10)


def _click(dash_duo: Any, selector: str) -> None:
    """Scroll `selector` to the middle of the window at once, then click it."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def _wait(predicate: Any, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.3)


def test_launch_a_sweep_from_the_form_and_see_its_chart_and_best_run(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    settings = settings_factory(dev_role="trainer", training_progress_every_s=0.2)
    base = start(dash_duo, dash_app_for(settings))
    dash_duo.driver.get(base + "/training?recipe=digits")
    dash_duo.wait_for_element(f"#{ids.START}", timeout=15)
    _choose_sweep_mode(dash_duo)
    assert not dash_duo.find_element(f"#{ids.START}").is_displayed()
    _type(dash_duo, ids.param_id("epochs"), "1")
    _type(dash_duo, ids.param_id("max_samples"), "200")

    # Non-numeric text in a swept value is an error on that box, never a default.
    _type(dash_duo, sids.axis_id("lr"), "0.01, abc")
    feedback = f"[id='{ids.dom_id(sids.axis_feedback_id('lr'))}']"
    dash_duo.wait_for_contains_text(feedback, "Enter a number (got 'abc')", timeout=10)
    assert "is-invalid" in (_box(dash_duo, sids.axis_id("lr")).get_attribute("class") or "")

    # Fixed, the page says how many runs it will launch before launching.
    _type(dash_duo, sids.axis_id("lr"), "0.01, 0.1")
    _type(dash_duo, sids.axis_id("batch_size"), "32")
    dash_duo.wait_for_contains_text(f"#{sids.PREVIEW}", "Will launch 2 runs", timeout=10)
    dash_duo.wait_for_contains_text(f"#{sids.PREVIEW}", "a 1 × 2 grid", timeout=10)
    assert "is-invalid" not in (_box(dash_duo, sids.axis_id("lr")).get_attribute("class") or "")

    # Below the fold after the sweep's rows: scrolled to as a person would (a click on an
    # element outside the window is refused, and Chromium's own scroll may still be moving).
    _click(dash_duo, f"#{sids.START}")
    _wait(lambda: "sweep=" in dash_duo.driver.current_url, 15, "the sweep view did not open")
    dash_duo.wait_for_element(f"#{sids.VIEW}", timeout=15)
    dash_duo.wait_for_contains_text(f"#{sids.TITLE}", "grid over batch_size, lr", timeout=10)

    # Both runs finish (the embedded job runs them in turn); the counts follow live.
    # However slow the machine, the sweep must keep moving; it may take as long as it moves.
    counts = (
        "return [...document.querySelectorAll('[id^=\"sweep-count-\"]')]"
        ".map(e => e.textContent).join(' ');"
    )
    wait_while_progressing(
        done=lambda: "2done" in dash_duo.driver.execute_script(counts).split(),
        progress=lambda: (
            dash_duo.driver.execute_script(counts),
            dash_duo.find_element(f"#{sids.RUNS}").text,
        ),
        what="sweep of 2 runs",
    )
    # Parallel coordinates: an axis per swept parameter and the metric, a drawn line per run.
    axes = (
        "const g = document.querySelector('#sweep-chart .js-plotly-plot');"
        "return g && g.layout ? g.layout.xaxis.ticktext : null;"
    )
    _wait(lambda: dash_duo.driver.execute_script(axes), 15, "no chart drawn")
    assert dash_duo.driver.execute_script(axes) == ["batch_size", "lr", "val_accuracy"]
    lines = "return document.querySelectorAll('#sweep-chart .scatterlayer .trace .js-line').length;"
    _wait(lambda: dash_duo.driver.execute_script(lines) == 2, 15, "a line per run not drawn")
    assert "WebGL" not in dash_duo.find_element(f"#{sids.CHART}").text

    link = dash_duo.find_element(f"#{sids.BEST}-link")
    assert link.text.startswith("Run #")
    run_id = link.text.removeprefix("Run #")
    assert (link.get_attribute("href") or "").endswith(f"/training?run={run_id}")
    rows = dash_duo.find_elements(f"#{sids.RUNS} tbody tr")
    assert len(rows) == 2
    texts = [r.text for r in rows]
    marked = [t for t in texts if "best" in t.split()]
    assert len(marked) == 1 and marked[0].startswith(f"#{run_id} best"), texts

    # The sweeps list links back to the view; the best run's link opens the run.
    dash_duo.wait_for_element(f"#{sids.LIST} a[href$='?sweep=1']", timeout=15)
    link = dash_duo.find_element(f"#{sids.BEST}-link")
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", link
    )
    link.click()
    dash_duo.wait_for_contains_text(f"#{ids.RUN_TITLE}", f"Run #{run_id}", timeout=15)
