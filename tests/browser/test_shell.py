"""The app shell in headless Chromium: pages per role, colour mode, phone width, what people see."""

from __future__ import annotations

import time
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pytest
from dash import html

from dashapp.components import ids
from dashapp.dash_app import ASSETS_DIR
from tests.conftest import SettingsFactory
from tests.support.a11y import (
    MODES,
    WIDTHS,
    assert_accessible,
    contrast_failures,
    focus_ring_missing,
    set_mode,
    set_width,
)
from tests.support.browser import horizontal_overflow, set_viewport, start

PAGES = {"/": "Dashboard", "/training": "Training", "/compositor": "Compositor"}
ADMIN_PAGES = {"/admin": "Admin"}  # linked for admins only (the development user is one)
PAGE_CONTENT = f"#{ids.PAGES_CONTENT} > *"


@pytest.mark.parametrize("role", ["viewer", "trainer", "admin"])
def test_every_page_renders_for_each_role(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, role: str
) -> None:
    base = start(dash_duo, dash_app_for(settings_factory(dev_role=role)))
    for path, name in PAGES.items():
        dash_duo.driver.get(base + path)
        dash_duo.wait_for_text_to_equal(f"#{ids.ROLE_BADGE}", role, timeout=10)
        dash_duo.wait_for_element(PAGE_CONTENT, timeout=10)
        assert dash_duo.driver.title.startswith(name)
        assert dash_duo.driver.find_elements("css selector", f"#{ids.PAGE_DENIED}") == []
        links = dash_duo.driver.find_elements("css selector", ".navbar .nav-link")
        shown = [link.get_attribute("textContent") for link in links]
        expected = {**PAGES, **ADMIN_PAGES} if role == "admin" else PAGES
        assert shown == list(expected.values())
    assert dash_duo.get_logs() == []


@pytest.mark.no_accessibility_gate  # it runs the gate itself, on every page
@pytest.mark.parametrize("path", [*PAGES, *ADMIN_PAGES, "/no-such-page"])
def test_every_page_passes_the_accessibility_gate(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, path: str
) -> None:
    base = start(dash_duo, dash_app_for(settings_factory()))
    dash_duo.driver.get(base + path)
    dash_duo.wait_for_element(PAGE_CONTENT, timeout=10)
    time.sleep(1.5)  # charts and grids join after the first data: audit the settled page
    assert_accessible(dash_duo.driver, path)


def test_navigation_is_readable_in_both_modes_and_widths(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    start(dash_duo, dash_app_for(settings_factory()))
    dash_duo.wait_for_element(f"#{ids.NAV_TOGGLER}", timeout=10)
    for width in WIDTHS:
        set_width(dash_duo.driver, width)
        for mode in MODES:
            set_mode(dash_duo.driver, mode)
            assert contrast_failures(dash_duo.driver, ("nav",)) == [], (mode, width)
            brand = dash_duo.find_element(".navbar-brand")
            assert brand.is_displayed()
            if width < 768:
                assert dash_duo.find_element(f"#{ids.NAV_TOGGLER}").is_displayed()
            else:
                links = dash_duo.driver.find_elements("css selector", ".navbar .nav-link")
                assert [link.text for link in links] == [*PAGES.values(), *ADMIN_PAGES.values()]


@pytest.mark.no_accessibility_gate  # the page under test is a deliberately broken navbar
def test_contrast_check_catches_a_white_on_white_navbar(dash_duo: Any) -> None:
    # The navbar as it shipped: dbc's default dark=True (light text) on a light bar.
    app = dash.Dash(__name__, assets_folder=str(ASSETS_DIR))
    app.layout = html.Div(
        dbc.Navbar(
            dbc.Container([dbc.NavbarBrand("dashapp", href="/"), dbc.NavLink("Training")]),
            color="body-tertiary",
        )
    )
    start(dash_duo, app)
    dash_duo.wait_for_element(".navbar-brand", timeout=10)
    set_mode(dash_duo.driver, "light")
    failures = contrast_failures(dash_duo.driver, ("nav",))
    assert any("dashapp" in failure for failure in failures), failures


def test_dark_mode_switch_persists_across_reload(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    start(dash_duo, dash_app_for(settings_factory()))
    html_theme = "return document.documentElement.getAttribute('data-bs-theme');"
    switch = f"#{ids.THEME_SWITCH}"
    dash_duo.wait_for_element(switch, timeout=10)
    assert dash_duo.driver.execute_script(html_theme) == "light"
    dash_duo.find_element(switch).click()
    dash_duo.wait_for_element(f"{switch}:checked", timeout=5)
    assert dash_duo.driver.execute_script(html_theme) == "dark"
    dash_duo.driver.refresh()
    dash_duo.wait_for_element(f"{switch}:checked", timeout=10)
    assert dash_duo.driver.execute_script(html_theme) == "dark"
    background = dash_duo.driver.execute_script(
        "return getComputedStyle(document.body).backgroundColor;"
    )
    assert background != "rgb(255, 255, 255)"
    # Dash's own dropdowns follow the mode too (they used to stay white).
    dropdown = dash_duo.driver.execute_script(
        "const el = document.querySelector('.dash-dropdown');"
        "return el ? getComputedStyle(el).backgroundColor : null;"
    )
    assert dropdown not in ("rgb(255, 255, 255)", None)


@pytest.mark.parametrize("path", [*PAGES, *ADMIN_PAGES])
def test_phone_width_has_no_horizontal_scroll(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, path: str
) -> None:
    base = start(dash_duo, dash_app_for(settings_factory()))
    set_viewport(dash_duo, 375, 812)
    dash_duo.driver.get(base + path)
    dash_duo.wait_for_element(PAGE_CONTENT, timeout=10)
    assert dash_duo.driver.execute_script("return window.innerWidth;") == 375
    # The collapsed navbar shows a toggler that opens the page links.
    toggler = dash_duo.find_element(f"#{ids.NAV_TOGGLER}")
    assert toggler.is_displayed()
    toggler.click()
    dash_duo.wait_for_element(f"#{ids.NAV_COLLAPSE}.show", timeout=5)
    assert horizontal_overflow(dash_duo) == 0


def test_phone_menu_closes_after_navigating(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    start(dash_duo, dash_app_for(settings_factory()))
    set_viewport(dash_duo, 390, 844)
    dash_duo.wait_for_element(PAGE_CONTENT, timeout=10)
    dash_duo.find_element(f"#{ids.NAV_TOGGLER}").click()
    dash_duo.wait_for_element(f"#{ids.NAV_COLLAPSE}.show", timeout=5)
    link = dash_duo.driver.find_element("link text", "Training")
    link.click()
    dash_duo.wait_for_element("#page-training", timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        classes = dash_duo.find_element(f"#{ids.NAV_COLLAPSE}").get_attribute("class")
        if "show" not in classes and "collapsing" not in classes:
            break
        time.sleep(0.1)
    assert "show" not in dash_duo.find_element(f"#{ids.NAV_COLLAPSE}").get_attribute("class")


def test_unknown_address_shows_a_not_found_page_with_a_way_back(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    base = start(dash_duo, dash_app_for(settings_factory()))
    dash_duo.driver.get(base + "/no-such-page")
    dash_duo.wait_for_element(f"#{ids.NOT_FOUND}", timeout=10)
    assert "Page not found" in dash_duo.find_element(f"#{ids.NOT_FOUND}").text
    assert dash_duo.driver.title.startswith("Page not found")
    # The navbar is there too, and the page's own buttons lead back.
    dash_duo.find_element(".navbar-brand")
    dash_duo.driver.find_element("css selector", f"#{ids.NOT_FOUND} a[href='/']").click()
    dash_duo.wait_for_element("#dash-grid", timeout=10)


def test_keyboard_reaches_the_navigation_with_a_visible_focus_ring(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    start(dash_duo, dash_app_for(settings_factory()))
    dash_duo.wait_for_element(PAGE_CONTENT, timeout=10)
    time.sleep(1)
    for mode in MODES:
        set_mode(dash_duo.driver, mode)
        assert focus_ring_missing(dash_duo.driver, presses=14) == [], mode


def test_a_refused_request_is_said_on_the_page(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory
) -> None:
    start(dash_duo, dash_app_for(settings_factory()))
    dash_duo.wait_for_element(PAGE_CONTENT, timeout=10)
    # A callback request the server refuses (malformed), sent the way Dash sends them.
    dash_duo.driver.execute_script(
        "fetch('/_dash-update-component', {method: 'POST',"
        " headers: {'Content-Type': 'application/json'}, body: '{}'});"
    )
    notice = dash_duo.wait_for_element(f"#{ids.REQUEST_ERRORS} .alert", timeout=10)
    assert "Malformed callback request" in notice.text
    assert "request id" in notice.text
