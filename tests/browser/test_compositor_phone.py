"""The compositor's "Shown by" cases on a 390x844 phone viewport with touch input: the SVG
refusal, replace-or-save-as on a name clash, delete with its question and undo, a new background
that keeps the layers, reordering layers by dragging a row's grip with a
finger (the download changes), and a finger drag while zoomed in that lands on the exact pixel
in the download. The desktop versions are in test_compositor_*.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.keys import Keys

from dashapp.compositing import library
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
from tests.browser.test_compositor_layers import RED, layer_names, open_red_and_green, row_button
from tests.browser.test_compositor_no_lost_work import UPLOAD_BG, UPLOAD_FG, send_files
from tests.conftest import SettingsFactory
from tests.support.browser import horizontal_overflow, set_viewport, start

PHONE = (390, 844)


def centre(driver: Any, element: Any) -> tuple[int, int]:
    """The element's centre in viewport pixels, after scrolling it to the middle at once."""
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    r = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();return [r.left, r.top, r.width, r.height];",
        element,
    )
    return int(r[0] + r[2] / 2), int(r[1] + r[3] / 2)


def finger(driver: Any) -> ActionBuilder:
    return ActionBuilder(driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))


def tap(dash_duo: Any, selector: str) -> None:
    """A finger tap on the element (a touch pointer down and up at its centre)."""
    driver = dash_duo.driver
    x, y = centre(driver, dash_duo.find_element(selector))
    touch = finger(driver)
    touch.pointer_action.move_to_location(x, y).pointer_down().pause(0.05).pointer_up()
    touch.perform()


def touch_drag(driver: Any, element: Any, steps: int, dx: int, dy: int) -> None:
    """Press a finger on the element's centre, move `steps` times by (dx, dy), lift."""
    x, y = centre(driver, element)
    touch = finger(driver)
    touch.pointer_action.move_to_location(x, y).pointer_down()
    for _ in range(steps):
        touch.pointer_action.move_by(dx, dy)
    touch.pointer_action.pointer_up()
    touch.perform()


def open_on_phone(dash_duo: Any, app: Any) -> str:
    base = start(dash_duo, app)
    set_viewport(dash_duo, *PHONE)
    dash_duo.driver.get(base + "/compositor")
    return base


def test_phone_svg_refused_and_name_clash_replace_or_save_as_by_touch(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    app = dash_app_for(settings_factory(dev_role="viewer"))
    open_on_phone(dash_duo, app)
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver

    svg = tmp_path / "logo.svg"
    svg.write_text("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>")
    send_files(dash_duo, UPLOAD_FG, svg)
    status = f"#{ids.UPLOAD_STATUS}"
    dash_duo.wait_for_contains_text(status, "SVG files are not supported", timeout=10)
    # Readable on the phone: shown, and inside the viewport's width.
    box = driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return [r.left, r.right, r.height];",
        status,
    )
    assert box[0] >= 0 and box[1] <= PHONE[0] and box[2] > 0

    dash_duo.find_element(f"#{ids.NAME}").send_keys("Card")
    tap(dash_duo, f"#{ids.SAVE_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.SAVE_MSG}", "Saved Card", timeout=10)
    # Move the layer with a finger and save under the same name: the page asks.
    touch_drag(driver, dash_duo.find_element(".comp-layer"), 4, 6, 0)
    moved = driver.execute_script(STATE_JS)["layers"][0]["x"]
    tap(dash_duo, f"#{ids.SAVE_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.CLASH_TEXT}", "already exists", timeout=10)
    tap(dash_duo, f"#{ids.CLASH_NEW}")
    dash_duo.wait_for_contains_text(f"#{ids.SAVE_MSG}", "Saved Card (2)", timeout=10)
    touch_drag(driver, dash_duo.find_element(".comp-layer"), 4, 0, 6)
    tap(dash_duo, f"#{ids.SAVE_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.CLASH_TEXT}", "Card (2)", timeout=10)
    tap(dash_duo, f"#{ids.CLASH_REPLACE}")
    dash_duo.wait_for_contains_text(f"#{ids.SAVE_MSG}", "Replaced Card (2)", timeout=10)
    with app.server.app_context():
        saved = {c["name"]: c["id"] for c in library.list_composites("dev")}
        assert sorted(saved) == ["Card", "Card (2)"]
        first = library.composite_state("dev", saved["Card"])[1]["layers"][0]
        second = library.composite_state("dev", saved["Card (2)"])[1]["layers"][0]
        assert first["x"] < moved and second["x"] == moved and second["y"] > first["y"]
    assert horizontal_overflow(dash_duo) == 0
    assert dash_duo.get_logs() == []


def test_phone_zoomed_finger_drag_lands_on_the_exact_pixel(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    open_on_phone(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    bg_path, fg_path, bg, fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver
    fit = driver.execute_script("return window.dashappCompositor.active().k;")
    tap(dash_duo, "[data-action=zoom-in]")
    tap(dash_duo, "[data-action=zoom-in]")
    k = driver.execute_script("return window.dashappCompositor.active().k;")
    assert abs(k - fit * 2.25) < 1e-9

    touch_drag(driver, dash_duo.find_element(".comp-layer"), 6, -7, 5)
    dx, dy = round(-42 / k + 1e-9), round(30 / k + 1e-9)
    left, top = 370 + dx, 280 + dy
    assert (dx, dy) != (0, 0)
    assert top_left(dash_duo) == (left, top)
    stats = driver.execute_script("return window.dashappCompositor.active().stats;")
    assert stats["pointerType"] == "touch"
    out = export_png(dash_duo)
    assert_foreground_at(out, fg, left, top)
    mask = np.ones(out.shape[:2], bool)
    mask[top : top + FG_SIZE[1], left : left + FG_SIZE[0]] = False
    assert np.array_equal(out[mask], np.asarray(bg)[mask])
    assert out.shape[:2] == (BG_SIZE[1], BG_SIZE[0])
    assert horizontal_overflow(dash_duo) == 0
    assert dash_duo.get_logs() == []


def test_phone_finger_drag_of_a_row_grip_reorders_and_changes_the_download(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    set_viewport(dash_duo, *PHONE)
    open_red_and_green(dash_duo, dash_app_for(settings_factory(dev_role="viewer")), tmp_path)
    assert layer_names(dash_duo) == ["red.png", "green.png"]
    driver = dash_duo.driver
    grip = row_button(dash_duo, "red.png", "grip")
    target = row_button(dash_duo, "green.png", "name")
    gx, gy = centre(driver, grip)
    r = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();return [r.top, r.height];", target
    )
    ty = int(r[0] + r[1] / 2)
    touch = finger(driver)
    touch.pointer_action.move_to_location(gx, gy).pointer_down()
    for step in range(1, 6):
        touch.pointer_action.move_to_location(gx, gy + (ty - gy) * step // 5)
    touch.pointer_action.pointer_up()
    touch.perform()
    assert layer_names(dash_duo) == ["green.png", "red.png"]
    assert tuple(export_png(dash_duo)[50, 100]) == RED
    assert horizontal_overflow(dash_duo) == 0
    assert dash_duo.get_logs() == []


def test_phone_delete_asks_undo_restores_and_a_new_background_keeps_the_layers_by_touch(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    app = dash_app_for(settings_factory(dev_role="viewer"))
    open_on_phone(dash_duo, app)
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    dash_duo.find_element(f"#{ids.NAME}").send_keys("Poster")
    tap(dash_duo, f"#{ids.SAVE_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY}", "Poster", timeout=10)

    # Delete asks first; a tap on Cancel keeps it, a tap on Delete removes it, Undo restores it.
    delete = "#comp-gallery button[id*='comp-delete']"
    dash_duo.wait_for_element(delete, timeout=10)
    tap(dash_duo, delete)
    dash_duo.wait_for_contains_text(f"#{ids.DELETE_TEXT}", "Delete “Poster”", timeout=10)
    tap(dash_duo, f"#{ids.DELETE_CANCEL}")
    dash_duo.wait_for_element(f"#{ids.DELETE_ASK}[hidden]", timeout=10)
    with app.server.app_context():
        assert [c["name"] for c in library.list_composites("dev")] == ["Poster"]
    tap(dash_duo, delete)
    dash_duo.wait_for_contains_text(f"#{ids.DELETE_TEXT}", "Poster", timeout=10)
    tap(dash_duo, f"#{ids.DELETE_CONFIRM}")
    dash_duo.wait_for_contains_text(f"#{ids.UNDO_TEXT}", "Deleted “Poster”", timeout=10)
    with app.server.app_context():
        assert library.list_composites("dev") == []
    tap(dash_duo, f"#{ids.UNDO_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY}", "Poster", timeout=10)
    with app.server.app_context():
        assert [c["name"] for c in library.list_composites("dev")] == ["Poster"]

    # A smaller background keeps the layer on the canvas, scaled, and says so; no sideways scroll.
    before = dash_duo.driver.execute_script(STATE_JS)["layers"][0]
    small = tmp_path / "small.png"
    Image.new("RGBA", (BG_SIZE[0] // 2, BG_SIZE[1] // 2), (10, 20, 30, 255)).save(small)
    send_files(dash_duo, UPLOAD_BG, small)
    dash_duo.wait_for_contains_text(f"#{ids.MESSAGES}", "scaled to 50%", timeout=10)
    after = dash_duo.driver.execute_script(STATE_JS)["layers"][0]
    assert (after["x"], after["y"]) == (before["x"] / 2, before["y"] / 2)
    assert horizontal_overflow(dash_duo) == 0
    assert dash_duo.get_logs() == []


def test_phone_with_a_keyboard_shortcuts_work_on_a_layer_chosen_by_touch(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    """A phone or tablet with a keyboard attached: the layer is picked with a finger, then
    the shortcuts work anywhere on the page, except while typing in a field."""
    open_on_phone(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver
    tap(dash_duo, ".comp-layer")
    dash_duo.wait_for_element(".comp-layer.is-selected", timeout=10)
    start_at = top_left(dash_duo)

    def keys(*sent: str) -> None:
        driver.execute_script("document.activeElement.blur(); document.body.focus();")
        ActionChains(driver).send_keys(*sent).perform()

    def ctrl(key: str) -> None:
        driver.execute_script("document.activeElement.blur(); document.body.focus();")
        ActionChains(driver).key_down(Keys.CONTROL).send_keys(key).key_up(Keys.CONTROL).perform()

    keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_DOWN)  # 1 background pixel each
    assert top_left(dash_duo) == (start_at[0] + 2, start_at[1] + 1)
    name = dash_duo.find_element(f"#{ids.NAME}")
    name.send_keys("ab", Keys.ARROW_LEFT, Keys.DELETE)  # typing: the keys edit the text
    assert name.get_attribute("value") == "a"
    assert top_left(dash_duo) == (start_at[0] + 2, start_at[1] + 1)
    keys(Keys.DELETE)
    assert driver.execute_script(STATE_JS)["layers"] == []
    ctrl("z")  # the delete comes back, the nudges stay
    assert top_left(dash_duo) == (start_at[0] + 2, start_at[1] + 1)
    for _ in range(3):  # then the nudges go (one undo step per key at most)
        ctrl("z")
        if top_left(dash_duo) == start_at:
            break
    assert top_left(dash_duo) == start_at
    ctrl("y")  # redo moves it again
    assert top_left(dash_duo) != start_at
    keys(Keys.ESCAPE)
    assert driver.execute_script("return window.dashappCompositor.active().selected;") is None
    assert horizontal_overflow(dash_duo) == 0
    assert dash_duo.get_logs() == []
