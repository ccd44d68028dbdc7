"""Training page in Chromium: start a run, watch progress, reload mid-run, see the gallery."""

from __future__ import annotations

import time
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from dashapp.pages.training import ids
from tests.conftest import SettingsFactory
from tests.support.browser import start
from tests.support.waiting import wait_while_progressing


def _param(name: str) -> str:
    """CSS selector of a generated form field."""
    return f"[id='{ids.dom_id(ids.param_id(name))}']"


def _click(dash_duo: Any, selector: Any) -> None:
    """Scroll the element to the middle of the window at once (Bootstrap makes scrolling
    smooth, so WebDriver's own scroll is still moving when it clicks), then click it."""
    element = dash_duo.find_element(selector) if isinstance(selector, str) else selector
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def _percent(dash_duo: Any) -> float:
    bar = dash_duo.find_element("#train-progress .progress-bar")
    return float(bar.get_attribute("aria-valuenow") or 0)


def _tick(dash_duo: Any, *run_ids: int) -> None:
    """Tick the runs' boxes in the runs grid, as a person choosing runs to compare."""
    for run_id in run_ids:
        box = f"#{ids.GRID} .ag-row[row-id='{run_id}'] .ag-selection-checkbox input"
        dash_duo.wait_for_element(box, timeout=15)
        _click(dash_duo, box)


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
    # No run open yet: the panel says so, with no empty chart and no run buttons.
    dash_duo.wait_for_contains_text(f"#{ids.PANEL}", "No run open", timeout=15)
    assert not dash_duo.find_element(f"#{ids.CURVES}").is_displayed()
    assert not dash_duo.find_element(f"#{ids.CANCEL}").is_displayed()
    assert not dash_duo.find_element(f"#{ids.COMPARE_BODY}").is_displayed()
    # A run of some seconds on CPU, long enough to reload in the middle of it.
    Select(dash_duo.find_element(f"#{ids.RECIPE}")).select_by_value("synthetic")
    dash_duo.wait_for_element(_param("samples"), timeout=15)
    for field, value in ((_param("epochs"), "3"), (_param("samples"), "3000")):
        box = dash_duo.find_element(field)
        box.clear()
        box.send_keys(value)
    _click(dash_duo, f"#{ids.START}")
    dash_duo.wait_for_text_to_equal("#train-status-badge", "running", timeout=30)
    assert dash_duo.find_element(f"#{ids.CANCEL}").is_displayed()
    assert "No run open" not in dash_duo.find_element(f"#{ids.PANEL}").text
    _wait(lambda: _percent(dash_duo) > 0, 30, "progress never moved")
    before = _percent(dash_duo)
    assert before < 100

    dash_duo.driver.refresh()  # the job keeps going; the page finds the run in the database
    dash_duo.wait_for_contains_text("#train-run-title", "Run #", timeout=15)
    _wait(lambda: _percent(dash_duo) > before, 30, "progress did not continue after reload")

    # However slow the machine, the run must keep moving; it may take as long as it moves.
    # Read through the page, not element handles: the panel re-renders as the run moves.
    read = (
        "const badge = document.querySelector('#train-status-badge');"
        "const bar = document.querySelector('#train-progress .progress-bar');"
        "return [badge ? badge.textContent : '', bar ? bar.getAttribute('aria-valuenow') : null];"
    )
    wait_while_progressing(
        done=lambda: dash_duo.driver.execute_script(read)[0] == "succeeded",
        progress=lambda: tuple(dash_duo.driver.execute_script(read)),
        what="training run",
    )
    dash_duo.wait_for_element("#train-gallery img", timeout=15)
    thumbs = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#train-gallery img")
    assert len(thumbs) == 4
    loaded = "return arguments[0].complete && arguments[0].naturalWidth > 0;"
    _wait(lambda: dash_duo.driver.execute_script(loaded, thumbs[0]), 10, "thumbnail not loaded")
    _click(dash_duo, thumbs[0])  # the lightbox (assets/training.js)
    dash_duo.wait_for_element("#train-lightbox-img", timeout=10)
    assert "/artifacts/runs/" in dash_duo.find_element("#train-lightbox-img").get_attribute("src")
    _click(dash_duo, "#train-lightbox button")
    dash_duo.wait_for_element("#train-grid .ag-row", timeout=15)
    assert dash_duo.get_logs() == []


def test_generated_form_bounds_help_and_field_errors(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="trainer")))
    dash_duo.driver.get(base + "/training?recipe=synthetic")
    dash_duo.wait_for_element(_param("samples"), timeout=15)
    assert "Synthetic shapes" in dash_duo.find_element(f"#{ids.RECIPE_DESCRIPTION}").text
    samples = dash_duo.find_element(_param("samples"))
    assert samples.get_attribute("inputmode") == "numeric"
    # Label and help come from the parameter model's title and description.
    label = dash_duo.driver.find_element(
        By.CSS_SELECTOR, f"label[for='{samples.get_attribute('id')}']"
    )
    assert label.text == "Images"
    help_text = dash_duo.find_element(f"#{ids.help_id('samples')}")
    assert help_text.text == "How many images to generate · 64 to 2,000,000"
    assert Select(dash_duo.find_element(_param("optimizer"))).first_selected_option.text == "adam"

    # Only the recipe's own fields: digits has no synthetic-image settings.
    Select(dash_duo.find_element(f"#{ids.RECIPE}")).select_by_value("digits")
    dash_duo.wait_for_element(_param("max_samples"), timeout=15)
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, _param("samples")) == []
    _wait(lambda: "recipe=digits" in dash_duo.driver.current_url, 5, "URL not updated")

    epochs = dash_duo.find_element(_param("epochs"))
    epochs.clear()
    epochs.send_keys("abc")
    lr = dash_duo.find_element(_param("lr"))
    lr.clear()
    lr.send_keys("50")
    _click(dash_duo, f"#{ids.START}")
    feedback = f"[id='{ids.dom_id(ids.feedback_id('epochs'))}']"
    dash_duo.wait_for_text_to_equal(feedback, "Enter a whole number (got 'abc')", timeout=15)
    assert "is-invalid" in (epochs.get_attribute("class") or "")
    lr_feedback = dash_duo.find_element(f"[id='{ids.dom_id(ids.feedback_id('lr'))}']")
    assert lr_feedback.text == "Must be at most 10" and lr_feedback.is_displayed()
    seed = dash_duo.find_element(_param("seed"))
    assert "is-invalid" not in (seed.get_attribute("class") or "")
    assert dash_duo.find_element(f"#{ids.RUN_TITLE}").text == ""  # nothing was launched
    assert dash_duo.get_logs() == []


def _finished_run(
    server: Any, recipe: str, losses: list[float], config: dict[str, Any] | None = None
) -> int:
    """A finished run with per-step loss and accuracy points (no training needed)."""
    from dashapp.extensions import db
    from dashapp.models.training import RunPoint, RunStatus, utcnow
    from dashapp.training import runs
    from dashapp.web.identity import Role, User

    with server.test_request_context():
        run = runs.create_run(User("dev", Role.ADMIN), recipe, config or {"epochs": 2})
        run.status, run.started_at, run.finished_at = RunStatus.SUCCEEDED, utcnow(), utcnow()
        run.summary = {"loss": losses[-1], "val_accuracy": 0.9}
        for step, loss in enumerate(losses):
            db.session.add(RunPoint(run_id=run.id, name="loss", step=step, value=loss))
            db.session.add(RunPoint(run_id=run.id, name="val_accuracy", step=step, value=0.5))
        db.session.commit()
        return int(run.id)


TRACES = """
var plot = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
return plot && plot._fullData ? plot._fullData.map(function (t) {
  return [t.name, t.line.color, t.showlegend, t.xaxis];
}) : null;
"""


def test_run_url_round_trip_and_one_colour_per_run(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    dash_app = dash_app_for(settings_factory(dev_role="admin"))
    first = _finished_run(dash_app.server, "digits", [2.0, 1.0, 0.5])
    second = _finished_run(dash_app.server, "orders", [1.5, 1.2, 0.9])
    base = start(dash_duo, dash_app)
    dash_duo.driver.get(f"{base}/training?run={first}")
    dash_duo.wait_for_text_to_equal(f"#{ids.RUN_TITLE}", f"Run #{first} · digits", timeout=15)

    # Clicking a row opens that run, puts it in the URL and scrolls the panel into view.
    dash_duo.driver.execute_script("window.scrollTo(0, document.body.scrollHeight);")
    row = f"#{ids.GRID} .ag-row[row-id='{second}'] .ag-cell[col-id='status']"
    dash_duo.wait_for_element(row, timeout=15)
    _click(dash_duo, row)
    dash_duo.wait_for_text_to_equal(f"#{ids.RUN_TITLE}", f"Run #{second} · orders", timeout=15)
    _wait(lambda: f"run={second}" in dash_duo.driver.current_url, 5, "URL not updated")
    top = dash_duo.driver.execute_script(
        f"return document.getElementById('{ids.PANEL}').getBoundingClientRect().top;"
    )
    assert -5 <= top < 300, top  # scrolled to the panel (sub-pixel offsets happen)
    dash_duo.driver.get(dash_duo.driver.current_url)  # the URL opens the same run again
    dash_duo.wait_for_text_to_equal(f"#{ids.RUN_TITLE}", f"Run #{second} · orders", timeout=15)

    # Tick both: every panel draws a run in the same colour, and each run has one legend entry.
    _tick(dash_duo, first, second)
    _wait(
        lambda: len(dash_duo.driver.execute_script(TRACES, ids.COMPARE_GRAPH) or []) == 4,
        15,
        "comparison not drawn",
    )
    traces = dash_duo.driver.execute_script(TRACES, ids.COMPARE_GRAPH)
    colours: dict[str, set[str]] = {}
    for name, colour, _legend, _axis in traces:
        colours.setdefault(name, set()).add(colour)
    assert set(colours) == {f"#{first} digits", f"#{second} orders"}
    assert all(len(c) == 1 for c in colours.values())  # one colour per run in every panel
    assert len(set.union(*colours.values())) == 2  # and different runs differ
    assert sorted(name for name, _c, legend, _a in traces if legend) == sorted(colours)
    assert {axis for *_rest, axis in traces} == {"x", "x2"}  # loss and val_accuracy panels
    assert dash_duo.get_logs() == []


def test_comparison_charts_any_logged_metric_the_user_ticks(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    from dashapp.extensions import db
    from dashapp.models.training import RunPoint

    dash_app = dash_app_for(settings_factory(dev_role="admin"))
    first = _finished_run(dash_app.server, "digits", [2.0, 1.0, 0.5])
    second = _finished_run(dash_app.server, "orders", [1.5, 1.2, 0.9])
    with dash_app.server.app_context():
        for step in range(3):  # `epoch` is logged but not charted until ticked
            db.session.add(RunPoint(run_id=first, name="epoch", step=step, value=step + 1))
        db.session.commit()
    base = start(dash_duo, dash_app)
    dash_duo.driver.get(f"{base}/training")
    _tick(dash_duo, first, second)
    _wait(
        lambda: len(dash_duo.driver.execute_script(TRACES, ids.COMPARE_GRAPH) or []) == 4,
        15,
        "comparison not drawn",
    )
    assert not dash_duo.find_element(f"#{ids.COMPARE_HINT}").is_displayed()
    chooser = f"#{ids.COMPARE_METRICS}"
    labels = [e.text for e in dash_duo.find_elements(f"{chooser} label")]
    assert labels == ["loss", "val_accuracy", "epoch"]
    ticked = [e.is_selected() for e in dash_duo.find_elements(f"{chooser} input")]
    assert ticked == [True, True, False]

    def drawn() -> list[tuple[str, str]]:
        traces = dash_duo.driver.execute_script(TRACES, ids.COMPARE_GRAPH) or []
        return sorted((name, axis) for name, _colour, _legend, axis in traces)

    # Untick loss and tick epoch: val_accuracy for both runs, epoch for the run that logged it.
    _click(dash_duo, dash_duo.find_elements(f"{chooser} label")[0])
    _click(dash_duo, dash_duo.find_elements(f"{chooser} label")[2])
    expected = [(f"#{first} digits", "x"), (f"#{first} digits", "x2"), (f"#{second} orders", "x")]
    _wait(lambda: drawn() == expected, 15, f"chart not redrawn: {drawn()}")
    titles = dash_duo.driver.execute_script(
        f"return Array.from(document.querySelectorAll('#{ids.COMPARE_GRAPH} .annotation-text'))"
        ".map(function (a) { return a.textContent; });"
    )
    assert "val_accuracy" in titles and "epoch" in titles and "loss" not in titles
    assert dash_duo.get_logs() == []


COMPARE_ROWS = """
var pinned = ' .ag-pinned-left-cols-container .ag-row';
var rows = document.querySelectorAll('#' + arguments[0] + pinned);
return Array.from(rows).map(function (r) {
  return [r.textContent.trim(), r.classList.contains('train-compare-differs'),
          getComputedStyle(r).backgroundColor];
});
"""


def test_the_comparison_table_marks_what_differs_and_can_show_only_that(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    dash_app = dash_app_for(settings_factory(dev_role="admin"))
    slow = _finished_run(dash_app.server, "digits", [2.0, 1.0, 0.5], {"epochs": 2, "lr": 0.001})
    fast = _finished_run(dash_app.server, "digits", [1.5, 1.2, 0.9], {"epochs": 2, "lr": 0.01})
    base = start(dash_duo, dash_app)
    dash_duo.driver.get(f"{base}/training")
    _tick(dash_duo, slow, fast)

    def rows() -> list[list[Any]]:
        return dash_duo.driver.execute_script(COMPARE_ROWS, ids.COMPARE_TABLE) or []

    def headers() -> set[str]:
        found = dash_duo.driver.execute_script(
            f"return Array.from(document.querySelectorAll('#{ids.COMPARE_TABLE} "
            ".ag-header-cell-text')).map(function (h) {{ return h.textContent.trim(); }});"
        )
        return set(found or [])

    # Both runs in the table (the first tick alone draws a one-run table first).
    _wait(lambda: {f"#{slow}", f"#{fast}"} <= headers(), 15, f"columns: {headers()}")
    # The two-run rows (rowData may land a moment after the columns).
    _wait(lambda: any(differs for _n, differs, _b in rows()), 15, f"nothing marked: {rows()}")
    table = rows()
    marked = {name for name, differs, _bg in table if differs}
    # Named as the launch form names them; only what the two runs disagree on is marked.
    assert {"Learning rate", "loss"} <= marked, table
    assert not {"Recipe", "Epochs", "Batch size", "val_accuracy"} & marked, table
    plain_bg = {bg for _n, differs, bg in table if not differs}
    marked_bg = {bg for _n, differs, bg in table if differs}
    assert len(marked_bg) == 1 and not marked_bg & plain_bg  # a tint a person sees

    _click(dash_duo, f"label[for='{ids.COMPARE_DIFF_ONLY}']")
    _wait(lambda: {n for n, _d, _b in rows()} == marked, 15, f"not filtered: {rows()}")
    assert all(differs for _n, differs, _bg in rows())
    assert dash_duo.get_logs() == []
