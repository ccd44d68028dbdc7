"""`make screenshots`: every page and the main states, light and dark, 1440 and 390 px wide.

Serves the app on a fresh embedded instance (plus a production-mode instance for the sign-in
and access pages, and one on an empty PostgreSQL database for the upgrade page when PostgreSQL
answers), drives headless Chromium through each state, and writes PNGs and an index.html to look
at. A state that cannot be reached is listed in the index with the reason: nothing is skipped
silently. The folder is not committed.
"""

from __future__ import annotations

import argparse
import base64
import html
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    StaleElementReferenceException,
)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashapp.pages.compositor import ids as compositor_ids  # noqa: E402
from dashapp.pages.dataview import ids as dashboard_ids  # noqa: E402
from dashapp.pages.training import ids as training_ids  # noqa: E402
from dashapp.pages.training import sweep_ids  # noqa: E402
from tests.support.a11y import MODES, WIDTHS, set_mode, set_width  # noqa: E402

WAIT_S = 30
Driver = webdriver.Chrome


@dataclass
class Shot:
    """One picture (or why there is none)."""

    state: str
    mode: str
    width: int
    file: str = ""
    problem: str = ""


@dataclass
class Server:
    """A dashapp process serving on `url`."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path


@dataclass
class Session:
    """Where the pictures go and what has been taken."""

    out: Path
    shots: list[Shot] = field(default_factory=list)
    only: tuple[str, ...] = ()  # take only the states whose name starts with one of these

    def wants(self, state: str) -> bool:
        """Whether `state` is to be taken (all are when `only` is empty)."""
        return not self.only or any(state.startswith(prefix) for prefix in self.only)


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dashapp_env(instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a dashapp process on its own instance folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASHAPP_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(DASHAPP_INSTANCE_PATH=str(instance), DASHAPP_LOG_JSON="false", **extra)
    return env


@contextmanager
def serve(instance: Path, **extra: str) -> Iterator[Server]:
    """`dashapp run` on a free port until the block ends."""
    port = free_port()
    log = instance / "server.log"
    instance.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli", "run", "--port", str(port)],
        cwd=ROOT,
        env=dashapp_env(instance, **extra),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"dashapp exited:\n{log.read_text()[-3000:]}")
            try:
                requests.get(server.url + "/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


def browser(download_dir: Path) -> Driver:
    """Headless Debian Chromium."""
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(download_dir)})
    driver = webdriver.Chrome(options=options)
    # Start at desktop size: in headless Chromium's default 780x580 window the grid sits below
    # the fold, and Selenium calls its rows not displayed, so waits for them time out.
    set_width(driver, max(WIDTHS))
    return driver


def wait_for(driver: Driver, css: str, timeout: float = WAIT_S) -> None:
    """Wait until `css` matches a displayed element."""
    WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: any(e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, css))
    )


def capture(session: Session, driver: Driver, state: str, settle: float = 0.6) -> None:
    """The current page in both modes at both widths (full page height, up to 8000 px)."""
    for width in WIDTHS:
        set_width(driver, width)
        for mode in MODES:
            set_mode(driver, mode)
            time.sleep(settle)
            name = f"{state}-{mode}-{width}.png"
            save_full_page(driver, session.out / name)
            session.shots.append(Shot(state, mode, width, file=name))


def save_full_page(driver: Driver, path: Path, max_height: int = 8000) -> None:
    """The whole page as a person scrolls through it, at the window's own size.

    Growing the window to the page's height instead re-lays out everything sized by the
    viewport (the grid's height follows it), so the picture showed a page no one sees.
    """
    size = driver.execute_script(
        "const d = document.documentElement;"
        "return [Math.max(d.scrollWidth, window.innerWidth), Math.max(d.scrollHeight, 1)];"
    )
    width, height = int(size[0]), min(int(size[1]), max_height)
    if not (0 < width <= 10_000):  # CDP refuses a clip out of range; say what it was
        raise RuntimeError(f"page size {size!r} cannot be captured")
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def attempt(session: Session, state: str, steps: Callable[[], None]) -> None:
    """Run a state's steps; record why if it could not be reached."""
    if not session.wants(state):
        return
    try:
        steps()
    except Exception as exc:  # noqa: BLE001 - a missing state is reported, not fatal
        session.shots.append(Shot(state, "-", 0, problem=f"{type(exc).__name__}: {exc}"[:400]))
        print(f"!! {state}: {exc}", file=sys.stderr)


def write_images(folder: Path) -> tuple[Path, Path, Path]:
    """A background, a foreground with transparency, and an SVG the compositor refuses."""
    background = Image.linear_gradient("L").resize((1600, 1000)).convert("RGB")
    background.paste((40, 120, 200), (0, 0, 800, 1000))
    bg_path = folder / "background.jpg"
    background.save(bg_path, quality=90)
    foreground = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    foreground.paste((250, 160, 20, 255), (40, 40, 360, 260))
    fg_path = folder / "logo.png"
    foreground.save(fg_path)
    svg_path = folder / "drawing.svg"
    svg_path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    return bg_path, fg_path, svg_path


def param(name: str) -> str:
    """CSS selector of a field of the training page's generated form."""
    return f"[id='{training_ids.dom_id(training_ids.param_id(name))}']"


def fill(driver: Driver, css: str, value: str) -> None:
    """Replace a field's text (scrolled into view at once: Bootstrap scrolls smoothly)."""
    box = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.clear()
    box.send_keys(value)


def click(driver: Driver, css: str) -> None:
    """Click an element after scrolling it into view at once."""
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    try:
        element.click()
    except ElementClickInterceptedException:
        # A smooth scroll still moving (Bootstrap's) put it elsewhere: click it in the page.
        driver.execute_script("arguments[0].click();", element)


def embedded_states(session: Session, driver: Driver, base: str, files: Path) -> None:
    """Pages and states of the embedded app (every role, development user)."""
    bg_path, fg_path, svg_path = write_images(files)

    def page(path: str, ready: str, state: str) -> Callable[[], None]:
        def steps() -> None:
            driver.get(base + path)
            wait_for(driver, ready)
            time.sleep(1.5)
            capture(session, driver, state)

        return steps

    attempt(session, "dashboard", page("/", "#dash-grid .ag-row", "dashboard"))
    attempt(session, "training", page("/training", "#page-training", "training"))
    attempt(session, "compositor", page("/compositor", "#page-compositor", "compositor"))
    attempt(session, "not-found", page("/no-such-page", "#page-not-found", "not-found"))
    attempt(session, "admin", page("/admin", "#admin-sources .card", "admin"))

    def filtered_grid() -> None:
        driver.get(base + "/")
        wait_for(driver, "#dash-grid .ag-row")
        box = driver.find_element(By.CSS_SELECTOR, "#dash-quick")
        box.send_keys("North")
        time.sleep(3)
        capture(session, driver, "dashboard-filtered")

    attempt(session, "dashboard-filtered", filtered_grid)

    def shared_view() -> None:
        driver.get(base + "/")
        wait_for(driver, "#dash-grid .ag-row")
        fill(driver, f"#{dashboard_ids.VIEW_NAME}", "North, big orders")
        click(driver, f"#{dashboard_ids.VIEW_SAVE}")
        WebDriverWait(driver, WAIT_S).until(lambda d: "view=" in d.current_url)
        wait_for(driver, "#dash-grid .ag-row")
        click(driver, f"#{dashboard_ids.VIEW_SHARE}")
        wait_for(driver, f"#{dashboard_ids.VIEW_SHARE_BOX}:not([hidden])")
        capture(session, driver, "dashboard-view-shared")

    attempt(session, "dashboard-view-shared", shared_view)

    def excel_ready() -> None:
        driver.get(base + "/")
        wait_for(driver, "#dash-grid .ag-row")
        click(driver, "#dash-export-xlsx")
        wait_for(driver, "#dash-xlsx-result a", timeout=120)
        driver.execute_script("window.scrollTo(0, 0);")
        capture(session, driver, "dashboard-excel-ready")

    attempt(session, "dashboard-excel-ready", excel_ready)

    def custom_range() -> None:
        driver.get(base + "/")
        wait_for(driver, "#dash-grid .ag-row")
        click(driver, "#dash-date-preset")
        options = driver.find_elements(By.CSS_SELECTOR, "[role=option]")
        next(o for o in options if o.text.strip() == "Custom range…").click()
        wait_for(driver, "#dash-date-from")
        for box, value in (("dash-date-from", "2025-03-01"), ("dash-date-to", "2025-03-31")):
            driver.execute_script(
                "const el = document.getElementById(arguments[0]);"
                "Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')"
                ".set.call(el, arguments[1]);"
                "el.dispatchEvent(new Event('input', {bubbles: true}));",
                box,
                value,
            )
        time.sleep(3)
        # How KPIs and charts look while they recompute (the class a running callback sets).
        driver.execute_script(
            "for (const id of ['dash-kpis', 'dash-charts-box'])"
            " document.getElementById(id).classList.add('dv-busy');"
        )
        capture(session, driver, "dashboard-custom-range-busy")

    attempt(session, "dashboard-custom-range-busy", custom_range)

    def view_delete() -> None:
        driver.get(base + "/")
        wait_for(driver, "#dash-grid .ag-row")
        fill(driver, "#dash-view-name", "Big orders\n")
        wait_for(driver, "#dash-grid .ag-row")
        time.sleep(2)
        click(driver, "#dash-view-delete")
        wait_for(driver, "#dash-view-confirm-yes")
        capture(session, driver, "dashboard-view-delete-asks")
        click(driver, "#dash-view-confirm-yes")
        wait_for(driver, "#dash-view-undo")
        capture(session, driver, "dashboard-view-undo", settle=0.3)

    attempt(session, "dashboard-view-delete-asks", view_delete)

    def column_chooser() -> None:
        driver.get(base + "/")
        wait_for(driver, "#dash-grid .ag-row")
        click(driver, "#dash-columns-menu button")
        wait_for(driver, "#dash-pinned")
        click(driver, "#dash-pinned input[value='channel']")
        time.sleep(1)
        capture(session, driver, "dashboard-column-chooser")

    attempt(session, "dashboard-column-chooser", column_chooser)

    def refused_request() -> None:
        driver.get(base + "/")
        wait_for(driver, "#dash-grid .ag-row")
        driver.execute_script(
            "fetch('/_dash-update-component', {method: 'POST',"
            " headers: {'Content-Type': 'application/json'}, body: '{}'});"
        )
        wait_for(driver, "#dashapp-request-errors .alert")
        capture(session, driver, "request-error-notice", settle=0.2)

    attempt(session, "request-error-notice", refused_request)

    def training_form_error() -> None:
        driver.get(base + "/training?recipe=synthetic")
        wait_for(driver, param("epochs"))
        fill(driver, param("epochs"), "abc")
        click(driver, f"#{training_ids.START}")
        wait_for(driver, ".invalid-feedback")
        capture(session, driver, "training-form-error")

    attempt(session, "training-form-error", training_form_error)

    def running_run() -> None:
        driver.get(base + "/training?recipe=synthetic")
        wait_for(driver, param("epochs"))
        fill(driver, param("epochs"), "40")
        fill(driver, param("samples"), "20000")
        click(driver, f"#{training_ids.START}")
        badge = f"#{training_ids.STATUS_BADGE}"
        WebDriverWait(driver, 90, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: "running" in d.find_element(By.CSS_SELECTOR, badge).text
        )
        time.sleep(8)  # some steps of progress and curves
        capture(session, driver, "training-running", settle=0.3)
        for button in driver.find_elements(By.CSS_SELECTOR, f"#{training_ids.CANCEL}"):
            if button.is_displayed() and button.is_enabled():
                button.click()

    attempt(session, "training-running", running_run)

    def run_details() -> None:
        # The run just cancelled (or any run): name, tag and note it, then look at it.
        set_width(driver, max(WIDTHS))  # the previous state ended at the phone width
        driver.get(base + "/training")
        wait_for(driver, f"#{training_ids.GRID} .ag-row")
        click(driver, f"#{training_ids.GRID} .ag-row .ag-cell[col-id='name']")
        wait_for(driver, f"#{training_ids.RUN_NAME}")
        WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element(By.CSS_SELECTOR, f"#{training_ids.DELETE}").is_enabled()
        )
        fill(driver, f"#{training_ids.RUN_NAME}", "shapes baseline")
        fill(driver, f"#{training_ids.RUN_TAGS}", "baseline, shapes")
        fill(driver, f"#{training_ids.RUN_NOTES}", "Stopped early to free the GPU.")
        click(driver, f"#{training_ids.SAVE_DETAILS}")
        wait_for(driver, f"#{training_ids.MANAGE_MSG} .alert")
        capture(session, driver, "training-run-details", settle=0.3)
        fill(driver, f"#{training_ids.SEARCH}", "lr>fast\n")
        wait_for(driver, f"#{training_ids.SEARCH_FEEDBACK}")
        capture(session, driver, "training-runs-search-error", settle=0.3)
        fill(driver, f"#{training_ids.SEARCH}", "baseline\n")
        time.sleep(1.5)
        capture(session, driver, "training-runs-search", settle=0.3)
        click(driver, f"#{training_ids.DELETE}")
        wait_for(driver, f"#{training_ids.DELETE_CONFIRM}")
        capture(session, driver, "training-delete-confirm", settle=0.5)

    attempt(session, "training-run-details", run_details)

    def comparison() -> None:
        # Two quick digits runs, both ticked; the chooser with every logged metric, one unticked.
        set_width(driver, max(WIDTHS))
        for lr in ("0.01", "0.003"):
            driver.get(base + "/training?recipe=digits")
            wait_for(driver, param("epochs"))
            fill(driver, param("epochs"), "3")
            fill(driver, param("max_samples"), "300")
            fill(driver, param("lr"), lr)
            click(driver, f"#{training_ids.START}")
            WebDriverWait(driver, 180, ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda d: (
                    "succeeded"
                    in d.find_element(By.CSS_SELECTOR, f"#{training_ids.STATUS_BADGE}").text
                )
            )
        driver.get(base + "/training")
        wait_for(driver, f"#{training_ids.GRID} .ag-row")
        boxes = f"#{training_ids.GRID} .ag-row .ag-selection-checkbox input"  # drawn, not shown
        for box in driver.find_elements(By.CSS_SELECTOR, boxes)[:2]:
            driver.execute_script("arguments[0].click();", box)
        chooser = f"#{training_ids.COMPARE_METRICS} label"
        wait_for(driver, chooser)
        driver.execute_script(
            "arguments[0].click();", driver.find_elements(By.CSS_SELECTOR, chooser)[-1]
        )
        time.sleep(2)
        capture(session, driver, "training-compare", settle=0.5)

    attempt(session, "training-compare", comparison)

    def placed_layer() -> None:
        driver.get(base + "/compositor")
        wait_for(driver, "#comp-upload-bg input[type=file]")
        driver.find_element(By.CSS_SELECTOR, "#comp-upload-bg input[type=file]").send_keys(
            str(bg_path)
        )
        wait_for(driver, ".comp-stage img.comp-bg[src]")
        driver.find_element(By.CSS_SELECTOR, "#comp-upload-fg input[type=file]").send_keys(
            str(fg_path)
        )
        wait_for(driver, ".comp-layer")
        time.sleep(1)
        capture(session, driver, "compositor-placed-layer")

    attempt(session, "compositor-placed-layer", placed_layer)

    def storage_prune() -> None:
        # A new background leaves the previous one unused: the question names it.
        driver.get(base + "/compositor")
        wait_for(driver, "#comp-upload-bg input[type=file]")
        driver.find_element(By.CSS_SELECTOR, "#comp-upload-bg input[type=file]").send_keys(
            str(bg_path)
        )
        time.sleep(3)
        click(driver, "#comp-prune-btn")
        wait_for(driver, "#comp-prune-ask:not([hidden])")
        capture(session, driver, "compositor-storage-prune", settle=0.5)

    attempt(session, "compositor-storage-prune", storage_prune)

    def unsupported_upload() -> None:
        driver.get(base + "/compositor")
        wait_for(driver, "#comp-upload-bg input[type=file]")
        driver.find_element(By.CSS_SELECTOR, "#comp-upload-bg input[type=file]").send_keys(
            str(svg_path)
        )
        time.sleep(3)
        capture(session, driver, "compositor-unsupported-file")

    attempt(session, "compositor-unsupported-file", unsupported_upload)


def compositor_states(session: Session, driver: Driver, base: str, files: Path) -> None:
    """The compositor while a person works: zoomed in, the layers panel, crop, and the
    questions and notices of saving and deleting (name clash, delete, undo)."""
    bg_path, fg_path, _svg = write_images(files)

    def placed() -> None:
        set_width(driver, max(WIDTHS))
        driver.get(base + "/compositor")
        wait_for(driver, f"#{compositor_ids.UPLOAD_BG} input[type=file]")
        upload = f"#{compositor_ids.UPLOAD_BG} input[type=file]"
        driver.find_element(By.CSS_SELECTOR, upload).send_keys(str(bg_path))
        wait_for(driver, ".comp-stage img.comp-bg[src]")
        upload = f"#{compositor_ids.UPLOAD_FG} input[type=file]"
        driver.find_element(By.CSS_SELECTOR, upload).send_keys(str(fg_path))
        wait_for(driver, ".comp-layer")
        click(driver, ".comp-layer")

    def zoomed() -> None:
        placed()
        click(driver, "[data-action=zoom-in]")
        click(driver, "[data-action=zoom-in]")
        driver.execute_script("window.scrollTo(0, 0);")
        capture(session, driver, "compositor-zoomed", settle=0.3)

    def crop() -> None:
        placed()
        click(driver, "[data-action=zoom-100]")
        click(driver, "[data-action=crop]")
        # A layer cut on two sides, as a person leaves it after dragging two crop handles.
        driver.execute_script(
            "const e = window.dashappCompositor.active(), l = e.layer(e.selected);"
            "Object.assign(l, window.dashappCompositorGeometry.cropTo(l,"
            " {crop_left: 60, crop_bottom: 40})); e.commit();"
            "document.querySelector('.comp-layer.is-cropping')"
            ".scrollIntoView({block: 'center', behavior: 'instant'});"
        )
        capture(session, driver, "compositor-crop", settle=0.3)

    def layers_panel() -> None:
        placed()
        driver.execute_script(
            "document.querySelector('.comp-props').scrollIntoView({behavior: 'instant'});"
        )
        capture(session, driver, "compositor-layers-panel", settle=0.3)

    def save_clash_delete_undo() -> None:
        placed()
        for attempt_no in range(2):  # the second save under the same name asks
            fill(driver, f"#{compositor_ids.NAME}", "Card")
            click(driver, f"#{compositor_ids.SAVE_BTN}")
            if attempt_no == 0:
                WebDriverWait(driver, WAIT_S).until(
                    lambda d: "Saved" in d.find_element(By.ID, compositor_ids.SAVE_MSG).text
                )
        wait_for(driver, f"#{compositor_ids.CLASH_TEXT}")
        capture(session, driver, "compositor-name-clash", settle=0.3)
        click(driver, f"#{compositor_ids.CLASH_CANCEL}")
        click(driver, f"#{compositor_ids.GALLERY} button[id*='{compositor_ids.DELETE_TYPE}']")
        wait_for(driver, f"#{compositor_ids.DELETE_TEXT}")
        capture(session, driver, "compositor-delete-asks", settle=0.3)
        click(driver, f"#{compositor_ids.DELETE_CONFIRM}")
        wait_for(driver, f"#{compositor_ids.UNDO_BTN}")
        capture(session, driver, "compositor-delete-undo", settle=0.3)

    attempt(session, "compositor-zoomed", zoomed)
    attempt(session, "compositor-crop", crop)
    attempt(session, "compositor-layers-panel", layers_panel)
    attempt(session, "compositor-name-clash", save_clash_delete_undo)


def sweep_states(session: Session, driver: Driver, base: str) -> None:
    """The form's Sweep mode (a preview, an error) and a finished sweep's view."""

    def axis(name: str) -> str:
        return f"[id='{training_ids.dom_id(sweep_ids.axis_id(name))}']"

    def sweep_mode() -> None:
        driver.get(base + "/training?recipe=digits")
        wait_for(driver, param("epochs"))
        label = f"//*[@id='{sweep_ids.MODE}']//label[normalize-space()='Sweep']"
        driver.find_element(By.XPATH, label).click()
        wait_for(driver, f"#{sweep_ids.START}")

    def sweep_form() -> None:
        sweep_mode()
        random = driver.find_element(
            By.XPATH, f"//*[@id='{sweep_ids.STRATEGY}']//label[starts-with(., 'Random')]"
        )
        driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", random
        )
        random.click()
        fill(driver, f"#{sweep_ids.COUNT}", "6\t")
        fill(driver, axis("lr"), "0.001..0.1 log\t")
        fill(driver, axis("batch_size"), "32, 64, 128\t")
        wait_for(driver, f"#{sweep_ids.PREVIEW}-count")
        driver.execute_script("window.scrollTo(0, 0);")
        capture(session, driver, "training-sweep-form")

    attempt(session, "training-sweep-form", sweep_form)

    def sweep_form_error() -> None:
        sweep_mode()
        fill(driver, axis("lr"), "0.01, abc\t")
        fill(driver, axis("epochs"), "0, 5\t")
        wait_for(driver, ".invalid-feedback")
        driver.execute_script("window.scrollTo(0, 0);")
        capture(session, driver, "training-sweep-form-error")

    attempt(session, "training-sweep-form-error", sweep_form_error)

    def sweep_view() -> None:
        sweep_mode()
        fill(driver, param("epochs"), "2")
        fill(driver, param("max_samples"), "300")
        fill(driver, axis("lr"), "0.003, 0.03, 0.3\t")
        fill(driver, axis("batch_size"), "32, 128\t")
        wait_for(driver, f"#{sweep_ids.PREVIEW}-count")
        click(driver, f"#{sweep_ids.START}")
        wait_for(driver, f"#{sweep_ids.VIEW}")
        WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "#sweep-count-done .badge").text != "0"
        )
        driver.execute_script("window.scrollTo(0, 0);")
        capture(session, driver, "training-sweep-running", settle=0.3)
        WebDriverWait(driver, 240, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "#sweep-count-done .badge").text == "6"
        )
        time.sleep(2)
        driver.execute_script("window.scrollTo(0, 0);")
        capture(session, driver, "training-sweep-view")

    attempt(session, "training-sweep-view", sweep_view)


def production_states(session: Session, driver: Driver, base: str) -> None:
    """Sign-in, forbidden and no-access pages of a production instance."""

    def signed_out() -> None:
        driver.get(base + "/")
        wait_for(driver, "#error-page")
        capture(session, driver, "error-401-sign-in")

    attempt(session, "error-401-sign-in", signed_out)

    def as_user_without_role() -> None:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setExtraHTTPHeaders", {"headers": {"X-Forwarded-User": "casey"}}
        )
        driver.get(base + "/artifacts/runs/1/curves.png")
        wait_for(driver, "#error-page")
        capture(session, driver, "error-403-forbidden")
        driver.get(base + "/training")
        wait_for(driver, "#page-denied")
        capture(session, driver, "page-denied-no-role")
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})

    attempt(session, "error-403-forbidden", as_user_without_role)


WAREHOUSE_DASHBOARDS = """\
sources:
  warehouse: {{url: "{url}", title: Sales warehouse}}
  legacy: {{url: "postgresql://reader@127.0.0.1:1/legacy", title: Old billing}}
tables:
  - source: warehouse
    name: sales.invoice
    id: invoices
    title: Invoices
    columns:
      total: {{label: Total, format: "currency:EUR"}}
      invoice_date: {{label: Date, format: date}}
      notes: {{hidden: true}}
    labels: {{CustomerId: FirstName}}
    kpis:
      - {{label: Net revenue, agg: sum, column: total, filter: {{status: {{ne: cancelled}}}},
         format: "currency:EUR"}}
      - label: Refund rate
        ratio:
          numerator: {{agg: count, filter: {{status: refunded}}}}
          denominator: {{agg: count}}
        format: percent
  - {{source: warehouse, name: CRM.Customer, id: customers}}
  - {{source: legacy, name: public.invoice, id: old_invoices}}
"""


def warehouse_states(session: Session, driver: Driver, work: Path) -> None:
    """The admin page over the test warehouse (PostgreSQL) and a source that is down."""
    if not session.wants("admin-warehouse"):
        return
    from tests.support.warehouse import postgres_warehouse

    def steps() -> None:
        with postgres_warehouse() as warehouse:
            path = work / "warehouse-dashboards.yml"
            path.write_text(WAREHOUSE_DASHBOARDS.format(url=warehouse.url))
            with serve(work / "warehouse", DASHAPP_DASHBOARDS=str(path)) as server:
                driver.get(server.url + "/admin")
                wait_for(driver, "#admin-sources .card")
                time.sleep(1.0)
                capture(session, driver, "admin-warehouse")

    attempt(session, "admin-warehouse", steps)


def upgrade_state(session: Session, driver: Driver, base: str) -> None:
    """The 503 page of a production web on a database that was never migrated."""

    def behind() -> None:
        driver.get(base + "/")
        wait_for(driver, "#error-page")
        capture(session, driver, "error-503-upgrading")

    attempt(session, "error-503-upgrading", behind)


def write_index(session: Session) -> Path:
    """index.html: one row per state, a column per mode and width."""
    states: dict[str, list[Shot]] = {}
    for shot in session.shots:
        states.setdefault(shot.state, []).append(shot)
    rows = []
    for state, shots in states.items():
        cells = []
        for shot in shots:
            if shot.problem:
                cells.append(
                    f"<td colspan=4 class=problem>not captured: {html.escape(shot.problem)}</td>"
                )
            else:
                cells.append(
                    f"<td><a href='{shot.file}'><img src='{shot.file}' alt='{state} "
                    f"{shot.mode} {shot.width}px' loading=lazy></a><br>{shot.mode}, "
                    f"{shot.width} px</td>"
                )
        rows.append(f"<tr><th>{html.escape(state)}</th>{''.join(cells)}</tr>")
    page = (
        "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>dashapp screenshots</title>"
        "<style>body{font-family:system-ui;margin:1rem}img{max-width:320px;max-height:420px;"
        "border:1px solid #999}td,th{vertical-align:top;padding:.4rem;text-align:left}"
        ".problem{color:#a00}</style><h1>dashapp screenshots</h1>"
        f"<p>{time.strftime('%Y-%m-%d %H:%M')}: {len(session.shots)} pictures or gaps.</p>"
        f"<table>{''.join(rows)}</table></html>"
    )
    index = session.out / "index.html"
    index.write_text(page)
    return index


def empty_postgres_url() -> str | None:
    """A new, empty PostgreSQL database, or None when PostgreSQL does not answer."""
    import psycopg2

    admin_url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"dashapp_shots_{os.getpid()}"
    try:
        admin = psycopg2.connect(admin_url, connect_timeout=3)
    except psycopg2.OperationalError:
        return None
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    """Remove the database `empty_postgres_url` made."""
    import psycopg2

    base, name = url.rsplit("/", 1)
    admin = psycopg2.connect(base + "/postgres", connect_timeout=3)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def main() -> int:
    """Take every picture; print where the index is."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--rows", type=int, default=20_000, help="demo orders to seed")
    parser.add_argument(
        "--only", default="", help="comma-separated state names or prefixes (default: all)"
    )
    args = parser.parse_args()
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    session = Session(out, only=tuple(s for s in args.only.split(",") if s))
    with tempfile.TemporaryDirectory(prefix="dashapp-shots-") as tmp:
        work = Path(tmp)
        instance = work / "embedded"
        seed = [sys.executable, "-m", "dashapp.cli", "seed", "--if-empty", "--rows"]
        subprocess.run([*seed, str(args.rows)], cwd=ROOT, env=dashapp_env(instance), check=True)
        driver = browser(work / "downloads")
        try:
            with serve(instance) as server:
                embedded_states(session, driver, server.url, work)
                sweep_states(session, driver, server.url)
                compositor_states(session, driver, server.url, work)
            warehouse_states(session, driver, work)
            if not any(session.wants(state) for state in LATER_STATES):
                return _finish(session)
            production = {"DASHAPP_ENV": "production", "SECRET_KEY": "screenshots-only"}
            production["DASHAPP_DEFAULT_ROLE"] = "none"
            production["DASHAPP_TRUSTED_PROXIES"] = "127.0.0.1/32"
            shutil.copytree(instance, work / "production")
            with serve(work / "production", **production) as server:
                production_states(session, driver, server.url)
            empty = empty_postgres_url()
            if empty is None:
                session.shots.append(
                    Shot("error-503-upgrading", "-", 0, problem="PostgreSQL not reachable")
                )
            else:
                try:
                    with serve(work / "pg", DATABASE_URL=empty, **production) as server:
                        upgrade_state(session, driver, server.url)
                finally:
                    drop_database(empty)
        finally:
            driver.quit()
    return _finish(session)


# States of the production and upgrade instances (not started when --only names none of them).
LATER_STATES = {"error-401-sign-in", "error-403-forbidden", "error-503-upgrading"}


def _finish(session: Session) -> int:
    """Write the index and say where it is."""
    index = write_index(session)
    gaps = [shot for shot in session.shots if shot.problem]
    print(f"{len(session.shots) - len(gaps)} screenshots, {len(gaps)} gaps: {index}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
