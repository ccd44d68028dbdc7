"""Compositor canvas in headless Chromium: zoom and pan in background pixels, shortcuts anywhere,
handles that stay visible, one undo step per slider run, canvas first on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.keys import Keys

from dashapp.pages.compositor import ids
from tests.browser.test_compositor import (
    BG_SIZE,
    FG_SIZE,
    STATE_JS,
    assert_foreground_at,
    export_png,
    top_left,
    upload_both,
    write_images,
)
from tests.conftest import SettingsFactory
from tests.support.browser import horizontal_overflow, set_viewport, start

K_JS = "return window.dashappCompositor.active().k;"


def test_zoomed_drag_lands_on_the_exact_pixel(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    bg_path, fg_path, bg, fg = write_images(tmp_path)
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    dash_duo.driver.get(base + "/compositor")
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver
    fit = driver.execute_script(K_JS)

    # Ctrl + wheel over the canvas zooms in; the buttons zoom too; "fit" comes back.
    stage = dash_duo.find_element(".comp-stage")
    ActionChains(driver).key_down(Keys.CONTROL).scroll_from_origin(
        ScrollOrigin.from_element(stage), 0, -300
    ).key_up(Keys.CONTROL).perform()
    assert driver.execute_script(K_JS) > fit * 1.2
    dash_duo.find_element("[data-action=zoom-fit]").click()
    assert abs(driver.execute_script(K_JS) - fit) < 1e-9
    dash_duo.find_element("[data-action=zoom-in]").click()
    dash_duo.find_element("[data-action=zoom-in]").click()
    k = driver.execute_script(K_JS)
    assert abs(k - fit * 2.25) < 1e-9
    assert f"{round(k * 100)} %" in dash_duo.find_element(".comp-zoom").text
    assert horizontal_overflow(dash_duo) == 0

    # Handles keep their on-screen size when zoomed.
    handle = dash_duo.find_element(".comp-layer [data-handle=se]")
    assert handle.size["width"] == 14

    # A real drag while zoomed: whole background pixels, exactly where the download puts them.
    layer = dash_duo.find_element(".comp-layer")
    chain = ActionChains(driver).move_to_element(layer).click_and_hold()
    for _ in range(9):
        chain.move_by_offset(5, -3)
    chain.release().perform()
    dx, dy = round(45 / k + 1e-9), round(-27 / k + 1e-9)
    left, top = 370 + dx, 280 + dy
    assert top_left(dash_duo) == (left, top)
    assert (dx, dy) != (0, 0)
    out = export_png(dash_duo)
    assert_foreground_at(out, fg, left, top)
    mask = np.ones(out.shape[:2], bool)
    mask[top : top + FG_SIZE[1], left : left + FG_SIZE[0]] = False
    assert np.array_equal(out[mask], np.asarray(bg)[mask])
    assert out.shape[:2] == (BG_SIZE[1], BG_SIZE[0])
    assert dash_duo.get_logs() == []


def test_shortcuts_anywhere_slider_one_undo_step_handles_opaque(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    dash_duo.driver.get(base + "/compositor")
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver

    # Arrow keys with the focus on the page (not the canvas) nudge; in the name field they type.
    driver.execute_script("document.activeElement.blur(); document.body.focus();")
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT).perform()
    assert top_left(dash_duo) == (372, 280)
    name = dash_duo.find_element(f"#{ids.NAME}")
    name.send_keys("ab", Keys.ARROW_LEFT, "c")
    assert name.get_attribute("value") == "acb"
    assert top_left(dash_duo) == (372, 280)
    driver.execute_script("document.activeElement.blur();")
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    assert driver.execute_script("return window.dashappCompositor.active().selected;") is None
    dash_duo.find_element(".comp-layer").click()

    # A run of arrow keys on the opacity slider is one undo step.
    slider = dash_duo.find_element("[data-role=opacity]")
    slider.send_keys(Keys.ARROW_LEFT * 5)
    opacity = driver.execute_script(STATE_JS)["layers"][0]["opacity"]
    assert abs(opacity - 0.95) < 1e-9
    # Faded layer, handles and outline at full opacity.
    faded = driver.execute_script(
        "const n = document.querySelector('.comp-layer.is-selected');"
        "const h = n.querySelector('[data-handle=se]');"
        "return [getComputedStyle(n).opacity, getComputedStyle(h).opacity,"
        " getComputedStyle(n.firstChild).opacity];"
    )
    assert faded[0] == "1" and faded[1] == "1" and abs(float(faded[2]) - 0.95) < 1e-6
    driver.execute_script("document.activeElement.blur();")
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
    assert driver.execute_script(STATE_JS)["layers"][0]["opacity"] == 1
    assert top_left(dash_duo) == (372, 280)  # the nudges are a separate, earlier step
    assert dash_duo.get_logs() == []


def test_phone_canvas_comes_first(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    set_viewport(dash_duo, 390, 844)
    dash_duo.driver.get(base + "/compositor")
    upload_both(dash_duo, bg_path, fg_path)
    tops = dash_duo.driver.execute_script(
        "return [document.getElementById(arguments[0]).getBoundingClientRect().top,"
        " document.getElementById(arguments[1]).getBoundingClientRect().top];",
        ids.EDITOR,
        ids.UPLOAD_BG,
    )
    assert tops[0] < tops[1]
    dash_duo.find_element("[data-action=zoom-100]").click()
    assert dash_duo.driver.execute_script(K_JS) == 1
    assert horizontal_overflow(dash_duo) == 0
    assert dash_duo.get_logs() == []


def test_touch_pinch_zooms_on_a_phone(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    set_viewport(dash_duo, 390, 844)
    dash_duo.driver.get(base + "/compositor")
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver
    fit = driver.execute_script(K_JS)
    stage = dash_duo.find_element(".comp-stage")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", stage)
    # Two fingers on the background (away from the layer), moving apart.
    r = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();return [r.left, r.top, r.width, r.height];",
        stage,
    )
    cy = int(r[1] + r[3] * 0.25)
    left, right = int(r[0] + r[2] * 0.4), int(r[0] + r[2] * 0.6)
    actions = ActionBuilder(driver)
    one = actions.add_pointer_input(interaction.POINTER_TOUCH, "one")
    two = actions.add_pointer_input(interaction.POINTER_TOUCH, "two")
    one.create_pointer_move(x=left, y=cy)
    two.create_pointer_move(x=right, y=cy)
    one.create_pointer_down(button=0)
    two.create_pointer_down(button=0)
    for step in range(1, 6):
        one.create_pointer_move(x=left - 10 * step, y=cy, duration=30)
        two.create_pointer_move(x=right + 10 * step, y=cy, duration=30)
    one.create_pointer_up(button=0)
    two.create_pointer_up(button=0)
    actions.perform()
    assert driver.execute_script(K_JS) > fit * 1.3
    assert horizontal_overflow(dash_duo) == 0


def test_pan_by_dragging_the_background_slider_drag_one_undo_step_typed_fields(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    dash_duo.driver.get(base + "/compositor")
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver

    # Zoomed in, dragging the background pans the view; the layer stays where it is.
    for _ in range(3):
        dash_duo.find_element("[data-action=zoom-in]").click()
    before = top_left(dash_duo)
    scroll = "return [arguments[0].scrollLeft, arguments[0].scrollTop];"
    viewport = dash_duo.find_element(".comp-viewport")
    start_scroll = driver.execute_script(scroll, viewport)
    # From a point of the background well away from the layer (at the view's centre).
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", viewport
    )
    r = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();return [r.left, r.top, r.width, r.height];",
        viewport,
    )
    mouse = ActionBuilder(driver)
    x, y = int(r[0] + r[2] * 0.15), int(r[1] + r[3] * 0.2)
    mouse.pointer_action.move_to_location(x, y).pointer_down()
    for step in range(1, 6):
        mouse.pointer_action.move_to_location(x - 12 * step, y - 6 * step)
    mouse.pointer_action.pointer_up()
    mouse.perform()
    end_scroll = driver.execute_script(scroll, viewport)
    assert end_scroll[0] > start_scroll[0] and end_scroll[1] > start_scroll[1]
    assert top_left(dash_duo) == before

    # A pointer drag of the opacity slider is one undo step, however many values it passed.
    dash_duo.find_element("[data-action=zoom-fit]").click()
    dash_duo.find_element(".comp-layer").click()
    slider = dash_duo.find_element("[data-role=opacity]")
    chain = ActionChains(driver).move_to_element(slider).click_and_hold()
    for _ in range(6):
        chain.move_by_offset(-8, 0)
    chain.release().perform()
    opacity = driver.execute_script(STATE_JS)["layers"][0]["opacity"]
    assert opacity < 0.9
    driver.execute_script("document.activeElement.blur();")
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
    assert driver.execute_script(STATE_JS)["layers"][0]["opacity"] == 1

    # Typed H, rotation and opacity of the selected layer.
    for name, value in (("h", 80), ("rotation", 30), ("opacity", 40)):
        box = dash_duo.find_element(f"[data-field={name}]")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(str(value), Keys.ENTER)
    layer = driver.execute_script(STATE_JS)["layers"][0]
    assert layer["scale_y"] == 2 and layer["rotation"] == 30 and abs(layer["opacity"] - 0.4) < 1e-9
    assert dash_duo.get_logs() == []


def _compositor_listeners(driver: Any) -> dict[str, int]:
    """Listeners on window and document whose handler is the compositor's own code (its scripts
    in assets/, told apart by their source), by event type, as DevTools sees them."""
    driver.execute_cdp_cmd("Debugger.enable", {})
    ours: dict[str, bool] = {}
    counts: dict[str, int] = {}
    for expression in ("window", "document"):
        handle = driver.execute_cdp_cmd("Runtime.evaluate", {"expression": expression})
        found = driver.execute_cdp_cmd(
            "DOMDebugger.getEventListeners", {"objectId": handle["result"]["objectId"]}
        )
        for listener in found["listeners"]:
            script = listener["scriptId"]
            if script not in ours:
                source = driver.execute_cdp_cmd("Debugger.getScriptSource", {"scriptId": script})
                ours[script] = "dashappCompositor" in source["scriptSource"]
            if ours[script]:
                counts[listener["type"]] = counts.get(listener["type"], 0) + 1
    return counts


def test_leaving_the_page_in_the_app_destroys_the_editor_and_its_listeners(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    driver = dash_duo.driver
    driver.get(base + "/compositor")
    dash_duo.wait_for_element(f"#{ids.UPLOAD_BG}", timeout=10)
    for _ in range(2):  # twice: nothing accumulates over visits
        upload_both(dash_duo, bg_path, fg_path)
        with_editor = _compositor_listeners(driver)
        assert driver.execute_script("return !!window.dashappCompositor.active();") is True
        # Leave through the navigation bar (Dash swaps the page; no reload).
        driver.execute_script("window.__sameDocument = true;")
        dash_duo.find_element(".navbar a.nav-link[href='/training']").click()
        dash_duo.wait_for_element("#page-training", timeout=15)
        assert driver.execute_script("return window.__sameDocument;") is True
        left = _compositor_listeners(driver)
        assert driver.execute_script("return !!window.dashappCompositor.active();") is False
        # The editor's keyboard and resize listeners went with it; the page-wide ones set once
        # per session stay, once (unsaved-work warning, render cancel on pagehide, the upload
        # checks' change and drop).
        assert with_editor.get("keydown", 0) >= 1 and with_editor.get("resize", 0) >= 1
        assert left == {"beforeunload": 1, "pagehide": 1, "change": 1, "drop": 1}, left
        dash_duo.find_element(".navbar a.nav-link[href='/compositor']").click()
        dash_duo.wait_for_element(f"#{ids.UPLOAD_BG}", timeout=15)
