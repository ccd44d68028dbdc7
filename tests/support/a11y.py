"""The browser tests' accessibility gate: axe-core plus our own contrast and focus checks.

axe-core comes from the npm registry (tests/support/axe/package.json, installed by `make
install`); it is injected into the page under test, never served by the app. axe cannot see
everything: it passed a white-on-white navbar whose background came through a transparent chain
of ancestors, so `contrast_failures` composites each text colour over its real background itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.browser import resize_content

AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
MODES = ("light", "dark")
WIDTHS = (1440, 390)
PHONE_HEIGHT = 844
DESKTOP_HEIGHT = 900
# Where our own contrast check looks: the navigation, and text on coloured surfaces.
CONTRAST_SELECTORS = (
    "nav",
    ".badge",
    ".btn",
    ".alert",
    ".nav-link",
    ".dropdown-item",
    ".toast",
    ".form-text",
    ".invalid-feedback",
)

_CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text()


def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"axe-core is not installed at {AXE_JS}: run `make install`.")
    return AXE_JS.read_text()


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not driver.execute_script("return typeof window.axe !== 'undefined';"):
        driver.execute_script(_axe_source())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        window.axe.run(document, {resultTypes: ["violations"]})
          .then(r => done(JSON.stringify(r.violations)))
          .catch(e => done(JSON.stringify([{id: "axe-error", impact: "critical",
                                            help: String(e), nodes: []}])));
        """
    )
    violations: list[dict[str, Any]] = json.loads(result)
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def contrast_failures(driver: Any, selectors: tuple[str, ...] = CONTRAST_SELECTORS) -> list[str]:
    """Visible text under `selectors` whose contrast with its composited background fails AA."""
    failures: list[str] = driver.execute_script(_CONTRAST_JS, list(selectors))
    return failures


def current_mode(driver: Any) -> str:
    """The colour mode the page shows (the `data-bs-theme` attribute on <html>)."""
    return str(
        driver.execute_script("return document.documentElement.getAttribute('data-bs-theme');")
    )


def set_mode(driver: Any, mode: str) -> None:
    """Show the page in `mode` the way assets/00_theme.js does, without touching storage."""
    driver.execute_script(
        """
        document.documentElement.setAttribute('data-bs-theme', arguments[0]);
        document.documentElement.setAttribute('data-ag-theme-mode', arguments[0]);
        // The navbar's switch shows the mode too (its knob is all a person sees of it).
        const toggle = document.getElementById('theme-switch');
        if (toggle) { toggle.checked = arguments[0] === 'dark'; }
        """,
        mode,
    )
    time.sleep(0.35)  # Bootstrap's colour transitions take 0.15 s


def set_width(driver: Any, width: int) -> None:
    """Resize the content area to `width` (phone height below 768 px, desktop height above)."""
    resize_content(driver, width, PHONE_HEIGHT if width < 768 else DESKTOP_HEIGHT)
    time.sleep(0.4)  # the grid and charts re-lay out on resize


@contextmanager
def restored_view(driver: Any) -> Iterator[None]:
    """Put the window size and colour mode back as the test left them."""
    size = driver.get_window_size()
    mode = current_mode(driver)
    try:
        yield
    finally:
        driver.set_window_size(size["width"], size["height"])
        if mode in MODES:
            set_mode(driver, mode)


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation with the first few offending elements."""
    lines = []
    for violation in violations:
        targets = [", ".join(map(str, node.get("target", []))) for node in violation["nodes"][:4]]
        lines.append(
            f"{violation['impact']}: {violation['id']} - {violation.get('help', '')} "
            f"({len(violation['nodes'])} nodes: {'; '.join(targets)})"
        )
    return "\n".join(lines)


def audit_problems(driver: Any, label: str) -> list[str]:
    """Every blocking problem on the current page in each colour mode and width."""
    problems: list[str] = []
    with restored_view(driver):
        for width in WIDTHS:
            set_width(driver, width)
            for mode in MODES:
                set_mode(driver, mode)
                where = f"{label} [{mode}, {width} px]"
                violations = axe_violations(driver)
                if violations:
                    problems.append(f"{where} axe:\n{describe(violations)}")
                problems.extend(f"{where} contrast: {f}" for f in contrast_failures(driver))
    return problems


def assert_accessible(driver: Any, label: str = "") -> None:
    """Fail with every serious/critical violation and contrast failure, in both modes and widths."""
    label = label or driver.current_url
    problems = audit_problems(driver, label)
    assert not problems, "accessibility gate failed:\n" + "\n".join(problems)


def focus_ring_missing(driver: Any, presses: int = 40) -> list[str]:
    """Tab through the page; name each focused element that shows no visible focus indicator."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    missing: list[str] = []
    seen: set[str] = set()
    driver.execute_script("document.activeElement && document.activeElement.blur();")
    for _ in range(presses):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        time.sleep(0.05)
        info = driver.execute_script(
            """
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
            const shadow = s.boxShadow && s.boxShadow !== 'none';
            const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
              (el.className && typeof el.className === 'string'
                ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '');
            return {name: name, visible: outline || shadow};
            """
        )
        if info is None:
            continue
        if info["name"] in seen:
            continue
        seen.add(info["name"])
        if not info["visible"]:
            missing.append(info["name"])
    return missing
