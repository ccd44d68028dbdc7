"""Compositor crop in headless Chromium: crop mode's corner handles with a real pointer, the typed
crop fields and reset; the download holds exactly the pixels left, in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.browser.test_compositor import (
    FG_SIZE,
    STATE_JS,
    click,
    export_png,
    upload_both,
    write_images,
)
from tests.browser.test_compositor_layers import field
from tests.conftest import SettingsFactory
from tests.support.browser import start

CROP_KEYS = ("crop_left", "crop_top", "crop_right", "crop_bottom")


def crop_of(dash_duo: Any) -> tuple[int, ...]:
    layer = dash_duo.driver.execute_script(STATE_JS)["layers"][0]
    return tuple(layer[key] for key in CROP_KEYS)


def assert_cropped_at(out: np.ndarray, bg: Any, fg: Any, crop: tuple[int, ...]) -> None:
    """The kept part of `fg` where it was before cropping (top-left at 370, 280); nothing of the
    cut part, the untouched background everywhere else."""
    cl, ct, cr, cb = crop
    w, h = FG_SIZE
    top, bottom, left, right = 280 + ct, 280 + h - cb, 370 + cl, 370 + w - cr
    assert np.array_equal(out[top:bottom, left:right], np.asarray(fg)[ct : h - cb, cl : w - cr])
    mask = np.ones(out.shape[:2], bool)
    mask[top:bottom, left:right] = False
    assert np.array_equal(out[mask], np.asarray(bg)[mask])


def clear_downloads(dash_duo: Any) -> None:
    for old in Path(dash_duo.download_path).glob("*.png"):
        old.unlink()


def test_crop_handles_and_fields_cut_the_layer_in_the_download(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    bg_path, fg_path, bg, fg = write_images(tmp_path)
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    dash_duo.driver.get(base + "/compositor")
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver
    dash_duo.find_element("[data-action=zoom-100]").click()  # one screen pixel per pixel
    assert driver.execute_script("return window.dashappCompositor.active().k;") == 1

    # Crop mode: the corner handles now cut edges (a real pointer drag, up-left by 12 x 9).
    click(dash_duo, "[data-action=crop]")
    assert dash_duo.find_element("[data-action=crop]").get_attribute("aria-pressed") == "true"
    assert dash_duo.find_element(".comp-layer.is-cropping")
    handle = dash_duo.find_element(".comp-layer [data-handle=se]")
    chain = ActionChains(driver).move_to_element(handle).click_and_hold()
    for _ in range(3):
        chain.move_by_offset(-4, -3)
    chain.release().perform()
    assert crop_of(dash_duo) == (0, 0, 12, 9)
    # The part left stays where it was: its top-left is still (370, 280).
    layer = driver.execute_script(STATE_JS)["layers"][0]
    assert (layer["x"] - 24, layer["y"] - 15.5) == (370, 280)

    # Enter ends crop mode: the same handle resizes again.
    driver.find_element("css selector", "body").send_keys(Keys.ENTER)
    assert not dash_duo.find_elements(".comp-layer.is-cropping")

    # Typed: 5 px off the left; a crop that would leave nothing is clamped to one pixel.
    field(dash_duo, "crop_left", 5)
    assert crop_of(dash_duo) == (5, 0, 12, 9)
    field(dash_duo, "crop_top", 500)
    assert crop_of(dash_duo) == (5, 30, 12, 9)
    field(dash_duo, "crop_top", 2)
    assert crop_of(dash_duo) == (5, 2, 12, 9)
    out = export_png(dash_duo)
    assert_cropped_at(out, bg, fg, (5, 2, 12, 9))

    # Reset crop: the whole foreground is back where it was.
    click(dash_duo, "[data-align=uncrop]")
    assert crop_of(dash_duo) == (0, 0, 0, 0)
    clear_downloads(dash_duo)
    assert_cropped_at(export_png(dash_duo), bg, fg, (0, 0, 0, 0))
    assert dash_duo.get_logs() == []
