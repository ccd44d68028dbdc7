"""The app shell in headless Chromium: pages per role, colour mode, phone width."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SettingsFactory
from tests.support.browser import horizontal_overflow, set_viewport, start

PAGES = {"/": "Dashboard", "/training": "Training", "/compositor": "Compositor"}


@pytest.mark.parametrize("role", ["viewer", "trainer", "admin"])
def test_every_page_renders_for_each_role(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, role: str
) -> None:
    base = start(dash_duo, dash_app_for(settings_factory(dev_role=role)))
    for path, name in PAGES.items():
        dash_duo.driver.get(base + path)
        dash_duo.wait_for_text_to_equal("#navbar-role", role, timeout=10)
        dash_duo.wait_for_element("#_pages_content > *", timeout=10)
        assert dash_duo.driver.title.startswith(name)
        assert dash_duo.driver.find_elements("css selector", "#page-denied") == []
    assert dash_duo.get_logs() == []


def test_dark_mode_switch_persists_across_reload(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    start(dash_duo, dash_app_for(settings_factory()))
    html_theme = "return document.documentElement.getAttribute('data-bs-theme');"
    dash_duo.wait_for_element("#theme-switch", timeout=10)
    assert dash_duo.driver.execute_script(html_theme) == "light"
    dash_duo.find_element("#theme-switch").click()
    dash_duo.wait_for_element("#theme-switch:checked", timeout=5)
    assert dash_duo.driver.execute_script(html_theme) == "dark"
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#theme-switch:checked", timeout=10)
    assert dash_duo.driver.execute_script(html_theme) == "dark"
    background = dash_duo.driver.execute_script(
        "return getComputedStyle(document.body).backgroundColor;"
    )
    assert background != "rgb(255, 255, 255)"


@pytest.mark.parametrize("path", list(PAGES))
def test_phone_width_has_no_horizontal_scroll(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, path: str
) -> None:
    base = start(dash_duo, dash_app_for(settings_factory()))
    set_viewport(dash_duo, 375, 812)
    dash_duo.driver.get(base + path)
    dash_duo.wait_for_element("#_pages_content > *", timeout=10)
    assert dash_duo.driver.execute_script("return window.innerWidth;") == 375
    # The collapsed navbar shows a toggler that opens the page links.
    toggler = dash_duo.find_element("#navbar-toggler")
    assert toggler.is_displayed()
    toggler.click()
    dash_duo.wait_for_element("#navbar-collapse.show", timeout=5)
    assert horizontal_overflow(dash_duo) == 0
