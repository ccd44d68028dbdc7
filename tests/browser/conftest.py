"""Every browser test ends with the accessibility gate on the state it reached.

After a test's own assertions pass, the page it left open is audited with axe-core and our
contrast check in light and dark mode at 1440 and 390 px wide; any serious or critical problem
fails the test. Tests audit intermediate states themselves with `tests.support.a11y`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from tests.support.a11y import assert_accessible


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """Run the test, then (if it passed) the gate on whatever page it left in the browser."""
    result = yield
    duo = getattr(item, "funcargs", {}).get("dash_duo")
    if duo is None or item.get_closest_marker("no_accessibility_gate"):
        return result
    url = duo.driver.current_url
    if url.startswith("http"):
        assert_accessible(duo.driver, f"{item.name} at {url}")
    return result
