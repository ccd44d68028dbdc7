"""Compositor layers panel in headless Chromium: order, visibility, names, typed fields, align."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from dashapp.pages.compositor import ids
from tests.browser.test_compositor import STATE_JS, click, export_png
from tests.browser.test_compositor_no_lost_work import UPLOAD_BG, UPLOAD_FG, send_files
from tests.conftest import SettingsFactory
from tests.support.browser import start
from tests.unit.compositing.helpers import solid

RED, GREEN = (255, 0, 0, 255), (0, 200, 0, 255)


def row_button(dash_duo: Any, name: str, role: str) -> Any:
    for row in dash_duo.find_elements(".comp-layer-row"):
        if row.find_element("css selector", "[data-role=name]").get_attribute("value") == name:
            return row.find_element("css selector", f"[data-role={role}]")
    raise AssertionError(f"no row {name}")


def field(dash_duo: Any, name: str, value: float) -> None:
    box = dash_duo.find_element(f"[data-field={name}]")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(value), Keys.ENTER)


def open_red_and_green(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    """A blue 200 x 100 background with a red and (on top) a green 40 x 20 layer, centred."""
    paths = {}
    for name, image in {
        "bg": solid(200, 100, (0, 0, 255, 255)),
        "red": solid(40, 20, RED),
        "green": solid(40, 20, GREEN),
    }.items():
        paths[name] = tmp_path / f"{name}.png"
        image.save(paths[name])
    base = start(dash_duo, app)
    dash_duo.driver.get(base + "/compositor")
    dash_duo.wait_for_element(UPLOAD_BG, timeout=10)
    send_files(dash_duo, UPLOAD_BG, paths["bg"])
    dash_duo.wait_for_element(".comp-stage img.comp-bg[src]", timeout=10)
    send_files(dash_duo, UPLOAD_FG, paths["red"], paths["green"])
    dash_duo.wait_for_element(".comp-layer-row + .comp-layer-row", timeout=10)


def layer_names(dash_duo: Any) -> list[str]:
    """Bottom to top, as exported."""
    return [layer["name"] for layer in dash_duo.driver.execute_script(STATE_JS)["layers"]]


def test_layers_panel_order_visibility_fields_change_the_download(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    open_red_and_green(dash_duo, dash_app_for(settings_factory(dev_role="viewer")), tmp_path)
    # Both centred on top of each other: green (added last) on top.
    out = export_png(dash_duo)
    assert tuple(out[50, 100]) == GREEN

    # Move green down in the panel: red is on top in the download.
    row_button(dash_duo, "green.png", "down").click()
    layers = dash_duo.driver.execute_script(STATE_JS)["layers"]
    assert [layer["name"] for layer in layers] == ["green.png", "red.png"]
    for old in Path(dash_duo.download_path).glob("*.png"):
        old.unlink()
    out = export_png(dash_duo)
    assert tuple(out[50, 100]) == RED

    # Hide red; rename green; type green's position and width.
    row_button(dash_duo, "red.png", "visible").click()
    name = row_button(dash_duo, "green.png", "name")
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys("Logo", Keys.ENTER)
    row_button(dash_duo, "Logo", "select").click()
    field(dash_duo, "x", 10)
    field(dash_duo, "y", 5)
    field(dash_duo, "w", 80)  # keeps the aspect: 80 x 40
    state = dash_duo.driver.execute_script(STATE_JS)["layers"]
    green = next(layer for layer in state if layer["name"] == "Logo")
    assert green["scale_x"] == green["scale_y"] == 2
    assert (green["x"] - 40, green["y"] - 20) == (10, 5)
    assert next(layer for layer in state if layer["name"] == "red.png")["visible"] is False
    for old in Path(dash_duo.download_path).glob("*.png"):
        old.unlink()
    out = export_png(dash_duo)
    assert tuple(out[50, 100]) == (0, 0, 255, 255)  # red is hidden, green moved away
    assert (out[6:44, 11:89] == np.array(GREEN)).all()

    # Align right edge: the layer's right side meets the background's.
    dash_duo.find_element("[data-align=right]").click()
    green = dash_duo.driver.execute_script(STATE_JS)["layers"][0]
    assert green["x"] + 40 == 200
    # The other edges and the centre lines (the layer is 80 x 40 here).
    height = dash_duo.driver.execute_script(STATE_JS)["background"]["height"]
    for how, key, expected in (
        ("left", "x", 40), ("top", "y", 20), ("bottom", "y", height - 20),
        ("hcenter", "x", 100), ("vcenter", "y", height / 2),
    ):  # fmt: skip
        dash_duo.find_element(f"[data-align={how}]").click()
        moved = dash_duo.driver.execute_script(STATE_JS)["layers"][0]
        assert moved[key] == expected, (how, moved)
    # Every row shows its image as a thumbnail, the background's too.
    thumbs = ".comp-layers img"
    loaded = (
        f"const imgs = [...document.querySelectorAll('{thumbs}')];"
        "return imgs.map(i => i.complete && i.naturalWidth > 0);"
    )
    assert dash_duo.driver.execute_script(loaded) == [True, True, True]
    # Lock: dragging does nothing, the fields are disabled.
    row_button(dash_duo, "Logo", "lock").click()
    assert dash_duo.find_element("[data-field=x]").get_attribute("disabled") is not None
    assert dash_duo.get_logs() == []


def test_dragging_a_row_by_its_grip_reorders_and_changes_the_download(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    open_red_and_green(dash_duo, dash_app_for(settings_factory(dev_role="viewer")), tmp_path)
    assert layer_names(dash_duo) == ["red.png", "green.png"]
    assert tuple(export_png(dash_duo)[50, 100]) == GREEN

    # A real pointer drag: press red's grip (the bottom row), move over green's row, release.
    grip = row_button(dash_duo, "red.png", "grip")
    target = row_button(dash_duo, "green.png", "name")
    chain = ActionChains(dash_duo.driver).move_to_element(grip).click_and_hold()
    chain.move_by_offset(0, -10).move_to_element(target).pause(0.1)
    chain.perform()
    assert dash_duo.find_element(".comp-layer-row.is-drop-target")
    ActionChains(dash_duo.driver).release().perform()
    assert layer_names(dash_duo) == ["green.png", "red.png"]
    assert not dash_duo.find_elements(".comp-layer-row.is-drop-target")
    for old in Path(dash_duo.download_path).glob("*.png"):
        old.unlink()
    assert tuple(export_png(dash_duo)[50, 100]) == RED

    # Released where it started: nothing moves. One undo step brings the old order back.
    chain = ActionChains(dash_duo.driver).move_to_element(row_button(dash_duo, "red.png", "grip"))
    chain.click_and_hold().move_by_offset(0, 3).release().perform()
    assert layer_names(dash_duo) == ["green.png", "red.png"]
    click(dash_duo, "[data-action=undo]")
    assert layer_names(dash_duo) == ["red.png", "green.png"]
    assert dash_duo.get_logs() == []


def test_layer_limit_said_at_the_drop_zone_delete_key_and_flip(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    app = dash_app_for(settings_factory(dev_role="viewer", compositor_max_layers=2))
    open_red_and_green(dash_duo, app, tmp_path)
    # At the layer limit: a third foreground is refused next to the drop zone, nothing sent.
    send_files(dash_duo, UPLOAD_FG, tmp_path / "red.png")
    dash_duo.wait_for_contains_text(f"#{ids.UPLOAD_STATUS}", "Too many layers", timeout=10)
    assert "at most 2" in dash_duo.find_element(f"#{ids.UPLOAD_STATUS}").text
    assert len(layer_names(dash_duo)) == 2

    # Flip the selected (green) layer from the panel: kept in the state the server renders.
    row_button(dash_duo, "green.png", "select").click()
    flip = dash_duo.find_element("[data-align=flip-x]")
    flip.click()
    assert flip.get_attribute("aria-pressed") == "true"
    green = dash_duo.driver.execute_script(STATE_JS)["layers"][1]
    assert green["name"] == "green.png" and green["flip_x"] is True

    # The Delete key anywhere on the page (not typing) deletes the selected layer; undo.
    dash_duo.driver.execute_script("document.activeElement.blur(); document.body.focus();")
    ActionChains(dash_duo.driver).send_keys(Keys.DELETE).perform()
    assert layer_names(dash_duo) == ["red.png"]
    ActionChains(dash_duo.driver).key_down(Keys.CONTROL).send_keys("z").key_up(
        Keys.CONTROL
    ).perform()
    assert layer_names(dash_duo) == ["red.png", "green.png"]
    assert dash_duo.get_logs() == []


def test_a_drop_of_several_files_stacks_them_in_the_order_chosen(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    """dcc.Upload lists files in the order its readers finish: a large file chosen first used
    to arrive after a small one and land on top of it (seen as a flaky export test)."""
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 255, size=(1200, 1600, 3), dtype=np.uint8)  # ~5.8 MB as PNG
    paths = {"bg": tmp_path / "bg.png", "big": tmp_path / "big.png", "tiny": tmp_path / "tiny.png"}
    solid(200, 100, (0, 0, 255, 255)).save(paths["bg"])
    Image.fromarray(noise).save(paths["big"])
    solid(4, 4, RED).save(paths["tiny"])
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    dash_duo.driver.get(base + "/compositor")
    dash_duo.wait_for_element(UPLOAD_BG, timeout=10)
    send_files(dash_duo, UPLOAD_BG, paths["bg"])
    dash_duo.wait_for_element(".comp-stage img.comp-bg[src]", timeout=10)
    for attempt in range(3):  # each drop: big chosen first, so big is the bottom layer
        send_files(dash_duo, UPLOAD_FG, paths["big"], paths["tiny"])
        dash_duo.wait_for_element(f".comp-layer-row:nth-child({2 * attempt + 2})", timeout=30)
        names = layer_names(dash_duo)
        assert names == ["big.png", "tiny.png"] * (attempt + 1), names
    assert dash_duo.get_logs() == []
