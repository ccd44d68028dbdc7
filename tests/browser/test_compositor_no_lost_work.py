"""Compositor in headless Chromium: every refusal said on the page, and no lost work."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, request

from dashapp.compositing import library
from dashapp.pages.compositor import ids
from tests.browser.test_compositor import STATE_JS, click, upload_both, write_images
from tests.conftest import SettingsFactory
from tests.support.browser import horizontal_overflow, start
from tests.support.domain import storage_used
from tests.unit.compositing.helpers import noise_rgba

UPLOAD_BG = f"#{ids.UPLOAD_BG} input[type=file]"
UPLOAD_FG = f"#{ids.UPLOAD_FG} input[type=file]"


def open_page(dash_duo: Any, dash_app_for: Any, settings: Any) -> Flask:
    app = dash_app_for(settings)
    base = start(dash_duo, app)
    dash_duo.driver.get(base + "/compositor")
    dash_duo.wait_for_element(UPLOAD_BG, timeout=10)
    return app.server  # type: ignore[no-any-return]


def send_files(dash_duo: Any, selector: str, *paths: Path | str) -> None:
    """Choose `paths` in a file input (cleared first: ChromeDriver adds to what it holds)."""
    field = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].value = '';", field)
    field.send_keys("\n".join(str(p) for p in paths))


def layer_count(dash_duo: Any) -> int:
    return len(dash_duo.driver.execute_script(STATE_JS)["layers"])


def test_svg_and_oversize_uploads_say_why_next_to_the_drop_zone(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    settings = settings_factory(
        dev_role="viewer",
        compositor_max_upload_mb=0.3,
        compositor_max_files_per_upload=3,
        max_request_mb=1,
    )
    server = open_page(dash_duo, dash_app_for, settings)
    # Images under the 0.3 MB limit of this test.
    bg_path, fg_path = tmp_path / "bg.png", tmp_path / "fg.png"
    noise_rgba(300, 200, seed=1).save(bg_path)
    noise_rgba(60, 40, seed=2).save(fg_path)
    upload_both(dash_duo, bg_path, fg_path)
    status = f"#{ids.UPLOAD_STATUS}"

    # An SVG: the drop zone's filter would drop it silently; the page says why.
    svg = tmp_path / "logo.svg"
    svg.write_text("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>")
    send_files(dash_duo, UPLOAD_FG, svg)
    dash_duo.wait_for_contains_text(status, "SVG files are not supported", timeout=10)

    # An SVG named .png gets past the browser: the server's own message reaches the page.
    disguised = tmp_path / "disguised.png"
    disguised.write_text("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>")
    send_files(dash_duo, UPLOAD_FG, disguised)
    dash_duo.wait_for_contains_text(f"#{ids.MESSAGES}", "SVG files are not supported", timeout=10)

    # Too large for one file (400x400 noise is ~0.6 MB; the limit is 0.3 MB).
    big = tmp_path / "big.png"
    noise_rgba(400, 400, seed=5).save(big)
    send_files(dash_duo, UPLOAD_FG, big)
    dash_duo.wait_for_contains_text(status, "too large", timeout=10)
    assert "limit is 0.3 MB" in dash_duo.find_element(status).text

    # Each under the file limit but too large together for one request (the 413 of before):
    # 3 x 0.27 MB is over 1 MB as base64. Then too many files at once.
    parts = []
    for i in range(4):
        path = tmp_path / f"part{i}.png"
        noise_rgba(285, 285, seed=20 + i).save(path)
        parts.append(str(path))
    send_files(dash_duo, UPLOAD_FG, *parts[:3])
    dash_duo.wait_for_contains_text(status, "too large together", timeout=10)
    assert "Nothing was uploaded" in dash_duo.find_element(status).text
    send_files(dash_duo, UPLOAD_FG, *parts)
    dash_duo.wait_for_contains_text(status, "Too many files at once (4)", timeout=10)
    assert layer_count(dash_duo) == 1
    with server.app_context():
        # Only the background and the one foreground ever reached the server.
        assert storage_used("dev") > 0
        from dashapp.extensions import db
        from dashapp.models.compositor import CompositorImage

        assert db.session.query(CompositorImage).count() == 2
    assert horizontal_overflow(dash_duo) == 0


def test_save_under_existing_name_asks_replace_or_save_as_new(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    server = open_page(dash_duo, dash_app_for, settings_factory(dev_role="viewer"))
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    # Unsaved work: leaving the page asks first (the browser shows its own dialog).
    leave = (
        "const e = new Event('beforeunload', {cancelable: true});"
        "window.dispatchEvent(e); return e.defaultPrevented;"
    )
    assert dash_duo.driver.execute_script(leave) is True
    name = dash_duo.find_element(f"#{ids.NAME}")
    name.send_keys("Card")
    click(dash_duo, f"#{ids.SAVE_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.SAVE_MSG}", "Saved Card", timeout=10)
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY}", "Card", timeout=10)

    # Move the layer, save under the same name: the page asks instead of overwriting.
    dash_duo.find_element(".comp-stage").send_keys("\ue014" * 5)  # 5 x arrow right
    moved_x = dash_duo.driver.execute_script(STATE_JS)["layers"][0]["x"]
    click(dash_duo, f"#{ids.SAVE_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.CLASH_TEXT}", "already exists", timeout=10)
    with server.app_context():
        assert library.composite_state("dev", 1)[1]["layers"][0]["x"] == moved_x - 5

    click(dash_duo, f"#{ids.CLASH_NEW}")
    dash_duo.wait_for_contains_text(f"#{ids.SAVE_MSG}", "Saved Card (2)", timeout=10)
    assert dash_duo.find_element(f"#{ids.NAME}").get_attribute("value") == "Card (2)"
    assert dash_duo.find_element(f"#{ids.CLASH}").get_attribute("hidden") is not None
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY}", "Card (2)", timeout=10)

    # Saving "Card (2)" again asks again; Replace overwrites it and no third item appears.
    dash_duo.find_element(".comp-stage").send_keys("\ue015")  # arrow down
    click(dash_duo, f"#{ids.SAVE_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.CLASH_TEXT}", "Card (2)", timeout=10)
    click(dash_duo, f"#{ids.CLASH_REPLACE}")
    dash_duo.wait_for_contains_text(f"#{ids.SAVE_MSG}", "Replaced Card (2)", timeout=10)
    with server.app_context():
        saved = {c["name"]: c["id"] for c in library.list_composites("dev")}
        assert sorted(saved) == ["Card", "Card (2)"]
        first = library.composite_state("dev", saved["Card"])[1]["layers"][0]
        second = library.composite_state("dev", saved["Card (2)"])[1]["layers"][0]
        assert first["x"] == moved_x - 5 and second["x"] == moved_x
        assert second["y"] == first["y"] + 1
    # Saved: nothing to warn about when leaving.
    assert not dash_duo.driver.execute_script("return window.dashappCompositor.active().isDirty();")
    assert dash_duo.driver.execute_script(leave) is False
    assert dash_duo.get_logs() == []


def test_delete_asks_and_can_be_undone(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    server = open_page(dash_duo, dash_app_for, settings_factory(dev_role="viewer"))
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    dash_duo.find_element(f"#{ids.NAME}").send_keys("Poster")
    click(dash_duo, f"#{ids.SAVE_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY}", "Poster", timeout=10)
    assert not dash_duo.driver.execute_script("return window.dashappCompositor.active().isDirty();")

    delete = "#comp-gallery button[id*='comp-delete']"
    dash_duo.wait_for_element(delete, timeout=10)
    click(dash_duo, delete)
    dash_duo.wait_for_contains_text(f"#{ids.DELETE_TEXT}", "Delete “Poster”", timeout=10)
    click(dash_duo, f"#{ids.DELETE_CANCEL}")
    dash_duo.wait_for_element(f"#{ids.DELETE_ASK}[hidden]", timeout=10)
    with server.app_context():
        assert [c["name"] for c in library.list_composites("dev")] == ["Poster"]

    click(dash_duo, delete)
    dash_duo.wait_for_contains_text(f"#{ids.DELETE_TEXT}", "Poster", timeout=10)
    click(dash_duo, f"#{ids.DELETE_CONFIRM}")
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY}", "Nothing saved yet", timeout=10)
    dash_duo.wait_for_contains_text(f"#{ids.UNDO_TEXT}", "Deleted “Poster”", timeout=10)
    with server.app_context():
        assert library.list_composites("dev") == []

    click(dash_duo, f"#{ids.UNDO_BTN}")
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY_MSG}", "Restored “Poster”", timeout=10)
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY}", "Poster", timeout=10)
    with server.app_context():
        assert [c["name"] for c in library.list_composites("dev")] == ["Poster"]
    assert dash_duo.get_logs() == []


def test_new_background_keeps_layers_on_the_canvas_and_says_so(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    open_page(dash_duo, dash_app_for, settings_factory(dev_role="viewer"))
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    before = dash_duo.driver.execute_script(STATE_JS)["layers"][0]
    small = tmp_path / "small.png"
    noise_rgba(400, 300, seed=7).save(small)
    send_files(dash_duo, UPLOAD_BG, small)
    dash_duo.wait_for_contains_text(f"#{ids.MESSAGES}", "scaled to 50%", timeout=10)
    state = dash_duo.driver.execute_script(STATE_JS)
    after = state["layers"][0]
    assert state["background"]["width"] == 400
    assert (after["x"], after["y"]) == (before["x"] / 2, before["y"] / 2)
    assert after["scale_x"] == after["scale_y"] == 0.5
    assert horizontal_overflow(dash_duo) == 0
    assert dash_duo.get_logs() == []


def test_server_unreachable_is_said_where_the_user_acted(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    open_page(dash_duo, dash_app_for, settings_factory(dev_role="viewer"))
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    driver = dash_duo.driver
    offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
    try:
        send_files(dash_duo, UPLOAD_FG, fg_path)
        dash_duo.wait_for_contains_text(f"#{ids.UPLOAD_STATUS}", "could not be reached", timeout=10)
        click(dash_duo, f"#{ids.DOWNLOAD_BTN}")
        dash_duo.wait_for_contains_text(f"#{ids.EXPORT_STATUS}", "could not be reached", timeout=10)
    finally:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": False})
    assert layer_count(dash_duo) == 1  # the work in the editor is kept


class SlowServer:
    """Makes the test app's server hold the requests of one action (a marker in the Dash
    callback body, e.g. b"comp-save-btn.n_clicks") until released: a slow server, as the
    browser sees it (nothing of ours is replaced)."""

    def __init__(self, server: Flask) -> None:
        self.marker: bytes | None = None
        self.release = threading.Event()
        server.before_request(self._maybe_hold)

    def _maybe_hold(self) -> None:
        body = request.get_data(cache=True)[:4096]
        if self.marker is not None and self.marker in body:
            self.release.wait(30)

    @contextmanager
    def holding(self, marker: str) -> Iterator[None]:
        """Hold `marker`'s requests inside the block; release them at its end."""
        self.marker, self.release = marker.encode(), threading.Event()
        try:
            yield
        finally:
            self.marker = None
            self.release.set()


def open_with_slow_server(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> tuple[SlowServer, Path]:
    """The compositor with a background and a layer, and a server that can be made slow; the
    page says "slow" after 1.5 s instead of 15 s (this test does not sit through that)."""
    app = dash_app_for(settings_factory(dev_role="viewer"))
    slow = SlowServer(app.server)
    base = start(dash_duo, app)
    dash_duo.driver.get(base + "/compositor")
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    dash_duo.driver.execute_script("window.dashappCompositorUpload.slowMs = 1500;")
    return slow, fg_path


def test_a_slow_server_is_said_at_the_upload_and_the_answer_still_lands(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    slow, fg_path = open_with_slow_server(dash_duo, dash_app_for, settings_factory, tmp_path)
    status = f"#{ids.UPLOAD_STATUS}"
    with slow.holding(f"{ids.UPLOAD_FG}.contents"):
        send_files(dash_duo, UPLOAD_FG, fg_path)
        dash_duo.wait_for_contains_text(status, "the server is slow", timeout=15)
        assert layer_count(dash_duo) == 1  # nothing added yet, nothing lost
    # The late answer lands: the layer is added and the warning goes away.
    dash_duo.wait_for_element(".comp-layer-row + .comp-layer-row", timeout=15)
    assert layer_count(dash_duo) == 2
    dash_duo.wait_for_text_to_equal(status, "", timeout=5)
    assert dash_duo.get_logs() == []


def test_a_slow_server_is_said_at_the_download_and_the_save_and_both_still_land(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    slow, _fg_path = open_with_slow_server(dash_duo, dash_app_for, settings_factory, tmp_path)
    with slow.holding(f"{ids.DOWNLOAD_BTN}.n_clicks"):
        click(dash_duo, f"#{ids.DOWNLOAD_BTN}")
        dash_duo.wait_for_contains_text(
            f"#{ids.EXPORT_STATUS}", "The download is taking long: the server is slow", timeout=15
        )
    # The late answer lands: the file arrives and the warning goes away.
    folder = Path(dash_duo.download_path)
    deadline = time.monotonic() + 60
    while not [p for p in folder.glob("*.png") if p.stat().st_size > 0]:
        assert time.monotonic() < deadline, "no download arrived after the slow answer"
        time.sleep(0.1)
    deadline = time.monotonic() + 15
    while "slow" in dash_duo.find_element(f"#{ids.EXPORT_STATUS}").text:
        assert time.monotonic() < deadline, "the slow warning stayed after the answer"
        time.sleep(0.1)

    with slow.holding(f"{ids.SAVE_BTN}.n_clicks"):
        dash_duo.find_element(f"#{ids.NAME}").send_keys("Slow card")
        click(dash_duo, f"#{ids.SAVE_BTN}")
        dash_duo.wait_for_contains_text(
            f"#{ids.SAVE_MSG}", "Saving is taking long: the server is slow", timeout=15
        )
    dash_duo.wait_for_contains_text(f"#{ids.SAVE_MSG}", "Saved Slow card", timeout=15)
    dash_duo.wait_for_contains_text(f"#{ids.GALLERY}", "Slow card", timeout=10)
    assert layer_count(dash_duo) == 1  # nothing lost while waiting
    assert dash_duo.get_logs() == []


def test_leaving_the_page_cancels_the_render_it_started(
    dash_duo: Any, dash_app_for: Any, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    from dashapp.extensions import db
    from dashapp.models.compositor import CompositorRender

    app = dash_app_for(settings_factory(dev_role="viewer"))
    hold, release = threading.Event(), threading.Event()

    # The test app's server holds the request that starts the render job: the render stays in
    # flight (queued) for as long as the test needs.
    @app.server.before_request
    def hold_render_jobs() -> None:
        body = request.get_data(cache=True)[:4096]
        if hold.is_set() and b"comp-render-done.data" in body and b"comp-render-req" in body:
            release.wait(30)

    def statuses() -> list[str]:
        with app.server.app_context():
            found = [r.status for r in db.session.scalars(db.select(CompositorRender))]
            db.session.remove()
            return found

    base = start(dash_duo, app)
    dash_duo.driver.get(base + "/compositor")
    bg_path, fg_path, _bg, _fg = write_images(tmp_path)
    upload_both(dash_duo, bg_path, fg_path)
    hold.set()
    try:
        click(dash_duo, f"#{ids.DOWNLOAD_BTN}")
        deadline = time.monotonic() + 15
        while statuses() != ["queued"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert statuses() == ["queued"]
        # Leave (no unsaved-work question: this test is about the render).
        dash_duo.driver.execute_script("window.dashappCompositor.active().markSaved();")
        dash_duo.driver.get(base + "/")
        deadline = time.monotonic() + 10
        while statuses() != ["cancelled"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert statuses() == ["cancelled"]  # at once, not after the time limit
    finally:
        release.set()
    assert dash_duo.get_logs() == []
