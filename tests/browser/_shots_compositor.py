"""Screenshots of the compositor (run explicitly; not part of the suite)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from dashapp.pages.compositor import ids
from tests.browser.test_compositor import click, upload_both, write_images
from tests.browser.test_compositor_no_lost_work import UPLOAD_FG, send_files
from tests.conftest import SettingsFactory
from tests.support.browser import set_viewport, start

OUT = Path(os.environ.get("SHOTS", "/tmp/shots11"))


def shoot(dash_duo: Any, name: str, width: int) -> None:
    for theme in ("light", "dark"):
        dash_duo.driver.execute_script(
            "document.documentElement.setAttribute('data-bs-theme', arguments[0]);", theme
        )
        time.sleep(0.2)
        dash_duo.driver.save_screenshot(str(OUT / f"{name}-{width}-{theme}.png"))


def test_shots(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    OUT.mkdir(exist_ok=True)
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    svg = tmp_path / "logo.svg"
    svg.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    base = start(dash_duo, dash_app_for(settings_factory(dev_role="viewer")))
    for n, (width, height) in enumerate(((1440, 900), (390, 844))):
        set_viewport(dash_duo, width, height)
        dash_duo.driver.get(base + "/compositor")
        if n == 0:
            shoot(dash_duo, "empty", width)
            upload_both(dash_duo, bg_path, fg_path)
        else:
            dash_duo.wait_for_element(".comp-layer", timeout=10)
        send_files(dash_duo, UPLOAD_FG, svg)
        dash_duo.wait_for_contains_text(f"#{ids.UPLOAD_STATUS}", "SVG", timeout=10)
        shoot(dash_duo, "editor", width)
        dash_duo.find_element(".comp-layer").click()
        dash_duo.find_element("[data-action=zoom-in]").click()
        dash_duo.find_element("[data-action=zoom-in]").click()
        shoot(dash_duo, "zoomed", width)
        dash_duo.driver.execute_script("window.scrollTo(0, 0);")
        shoot(dash_duo, "zoomed-top", width)
        dash_duo.find_element("[data-action=zoom-fit]").click()
        dash_duo.driver.execute_script(
            "document.querySelector('.comp-props').scrollIntoView({behavior: 'instant'});"
        )
        shoot(dash_duo, "panel", width)
        # Crop mode on a layer cut on two sides, seen at 100 %.
        click(dash_duo, "[data-action=zoom-100]")
        click(dash_duo, "[data-action=crop]")
        dash_duo.driver.execute_script(
            "const e = window.dashappCompositor.active(), l = e.layer(e.selected);"
            "Object.assign(l, window.dashappCompositorGeometry.cropTo(l,"
            " {crop_left: 15, crop_bottom: 10})); e.commit();"
            "document.querySelector('.comp-layer.is-cropping')"
            ".scrollIntoView({block: 'center', behavior: 'instant'});"
        )
        shoot(dash_duo, "crop", width)
        dash_duo.driver.execute_script(
            "document.querySelector('[data-field=crop_left]')"
            ".scrollIntoView({block: 'center', behavior: 'instant'});"
        )
        shoot(dash_duo, "crop-fields", width)
        click(dash_duo, "[data-align=uncrop]")
        click(dash_duo, "[data-action=crop]")
        click(dash_duo, "[data-action=zoom-fit]")
        dash_duo.driver.execute_script(
            "document.getElementById(arguments[0]).scrollIntoView({behavior: 'instant'});",
            ids.UPLOAD_STATUS,
        )
        shoot(dash_duo, "refused", width)
        # The Cancel render button as it shows while a render runs (unhidden here: the renders
        # of this small test image end before a screenshot could catch one).
        dash_duo.driver.execute_script(
            "const b = document.getElementById(arguments[0]); b.hidden = false;"
            "b.scrollIntoView({block: 'center', behavior: 'instant'});",
            ids.RENDER_CANCEL,
        )
        shoot(dash_duo, "render-cancel", width)
        dash_duo.driver.execute_script(
            "document.getElementById(arguments[0]).hidden = true;", ids.RENDER_CANCEL
        )
        name = dash_duo.find_element(f"#{ids.NAME}")
        name.clear()
        name.send_keys("Card")
        click(dash_duo, f"#{ids.SAVE_BTN}")
        if n == 0:
            dash_duo.wait_for_contains_text(f"#{ids.SAVE_MSG}", "Saved", timeout=10)
            click(dash_duo, f"#{ids.SAVE_BTN}")
        dash_duo.wait_for_contains_text(f"#{ids.CLASH_TEXT}", "already", timeout=10)
        shoot(dash_duo, "clash", width)
        click(dash_duo, f"#{ids.CLASH_CANCEL}")
        delete = "#comp-gallery button[id*='comp-delete']"
        click(dash_duo, delete)
        dash_duo.wait_for_contains_text(f"#{ids.DELETE_TEXT}", "Delete", timeout=10)
        shoot(dash_duo, "delete-ask", width)
        click(dash_duo, f"#{ids.DELETE_CONFIRM}")
        dash_duo.wait_for_contains_text(f"#{ids.UNDO_TEXT}", "Deleted", timeout=10)
        shoot(dash_duo, "undo", width)
        click(dash_duo, f"#{ids.UNDO_BTN}")
        dash_duo.wait_for_contains_text(f"#{ids.GALLERY_MSG}", "Restored", timeout=10)
