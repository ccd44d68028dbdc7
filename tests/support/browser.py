"""Helpers for dash_duo browser tests."""

from __future__ import annotations

import socket
from typing import Any


def free_port() -> int:
    """A TCP port nobody listens on right now (parallel test runs must not share 8050)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(dash_duo: Any, dash_app: Any) -> str:
    """Serve `dash_app` on a free port, open it, and return its base URL."""
    port = free_port()
    dash_duo.start_server(dash_app, port=port)
    return f"http://localhost:{port}"


def set_viewport(dash_duo: Any, width: int, height: int) -> None:
    """Resize the browser's content area (not the window frame) to width x height."""
    resize_content(dash_duo.driver, width, height)


def resize_content(driver: Any, width: int, height: int) -> None:
    """Resize a WebDriver's content area (not the window frame) to width x height."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight];")
    driver.set_window_size(width + (width - inner[0]), height + (height - inner[1]))


def horizontal_overflow(dash_duo: Any) -> int:
    """How many pixels the page is wider than the viewport (0 means no horizontal scroll)."""
    return int(
        dash_duo.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
        )
    )
