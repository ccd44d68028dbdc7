"""The compositor's frame rate while dragging, in headless Chromium at a desktop viewport.

.venv/bin/python bench/bench_drag_fps.py [--seconds 5] [--size 1440x900] [--zoom 1]
.venv/bin/python bench/bench_drag_fps.py --phone --cpu-throttle 4   # 390x844 touch, 4x slower CPU

Serves the app (embedded default) in this process, uploads a 4000x3000 JPEG background and a
1000x1000 RGBA PNG foreground through the page's own upload fields, then, inside the page,
moves the pointer once per animation frame for `--seconds` (a pointer that never rests, like a
60 Hz mouse in a long drag) and records every frame's timestamp. The baseline is the same frame
loop on the same page with no drag, measured first in the same browser. WebDriver's own pointer
actions are not used: they are paced by the driver (~29 moves/s here), not by the display.

`--phone` emulates a 390x844 phone through DevTools (mobile viewport, device pixel ratio 3,
touch; the drag's pointer events are touch), and `--cpu-throttle N` slows the page's CPU N times
(DevTools `Emulation.setCPUThrottlingRate`, set after the uploads, for both loops).

Prints frames/s, frame-interval p50/p95/max, frames slower than 1.5 intervals of 60 Hz, and the
editor's own script time per drawn frame (its `stats`), for the idle page and for the drag.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
from flask_migrate import upgrade
from PIL import Image
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_grid_browser import chromium, wait_for  # noqa: E402  (bench/ is the script dir)

from dashapp import create_app  # noqa: E402
from dashapp.settings import load_settings  # noqa: E402
from tests.support.browser import free_port  # noqa: E402

# One rAF-paced loop for both measurements; `drag` says whether each frame moves the pointer.
FRAME_LOOP = """
const [seconds, drag, pointerType, done] = arguments;
const stage = document.querySelector('.comp-stage');
const layer = document.querySelector('.comp-layer');
const box = layer.getBoundingClientRect();
let x = box.left + box.width / 2, y = box.top + box.height / 2, n = 0;
const pointer = (type) => new PointerEvent(type, {bubbles: true, cancelable: true, pointerId: 7,
  pointerType: pointerType, isPrimary: true, buttons: 1, clientX: x, clientY: y});
if (drag) { layer.dispatchEvent(pointer('pointerdown')); }
const stamps = [];
function frame(ts) {
  stamps.push(ts);
  if (drag) {
    // A slow diagonal wave: stays on the stage, crosses the snapping guides now and then.
    x += (n % 240 < 120 ? 1.5 : -1.5);
    y += (n % 60 < 30 ? 0.8 : -0.8);
    n += 1;
    stage.dispatchEvent(pointer('pointermove'));
  }
  if (ts - stamps[0] < seconds * 1000) { requestAnimationFrame(frame); return; }
  if (drag) { stage.dispatchEvent(pointer('pointerup')); }
  done({stamps: stamps, stats: window.dashappCompositor.active().stats});
}
requestAnimationFrame(frame);
"""


def photo_like(width: int, height: int, seed: int, mode: str) -> Image.Image:
    """Smooth colour gradients with mild noise (encodes like a photo)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack(
        [127 + 120 * np.sin(xx / 300), 127 + 120 * np.cos(yy / 250), 127 + 120 * np.sin(xx / 90)],
        axis=-1,
    )
    rgb += rng.normal(0, 6, rgb.shape)
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    if mode == "RGBA":
        alpha = np.full((height, width), 255, np.uint8)
        alpha[: height // 10] = 0  # a transparent band, as cut-outs have
        image.putalpha(Image.fromarray(alpha, "L"))
    return image


def write_uploads(folder: Path) -> tuple[Path, Path]:
    """The background (JPEG) and foreground (PNG with alpha) files the page uploads."""
    background, foreground = folder / "background.jpg", folder / "foreground.png"
    photo_like(4000, 3000, 1, "RGB").save(background, "JPEG", quality=88)
    photo_like(1000, 1000, 2, "RGBA").save(foreground, "PNG")
    return background, foreground


def summarise(label: str, result: dict[str, Any]) -> float:
    """Print one loop's frame figures; returns its frames/s."""
    stamps = result["stamps"]
    intervals = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    seconds = (stamps[-1] - stamps[0]) / 1000
    fps = len(intervals) / seconds
    quantiles = statistics.quantiles(intervals, n=20)
    slow = sum(1 for i in intervals if i > 1.5 * 1000 / 60)
    print(
        f"  {label:5s}: {fps:5.1f} frames/s over {len(intervals)} frames; interval "
        f"p50 {statistics.median(intervals):.1f} ms, p95 {quantiles[18]:.1f} ms, "
        f"max {max(intervals):.1f} ms; {slow} frames slower than 25 ms"
    )
    return fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--size", default="1440x900", help="browser window, WIDTHxHEIGHT")
    parser.add_argument("--zoom", type=float, default=1.0, help="times the fitted scale")
    parser.add_argument("--phone", action="store_true", help="390x844 touch phone (DevTools)")
    parser.add_argument("--cpu-throttle", type=float, default=1.0, help="DevTools CPU slowdown")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        background, foreground = write_uploads(folder)
        settings = load_settings(instance_path=folder / "instance", log_level="WARNING")
        app = create_app(settings)
        with app.app_context():
            upgrade(revision="heads")
        server = make_server("127.0.0.1", free_port(), app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = chromium()
        try:
            width, height = (int(v) for v in args.size.split("x"))
            driver.set_window_size(width, height)
            pointer_type = "mouse"
            if args.phone:
                args.size, pointer_type = "390x844 phone (DPR 3, touch)", "touch"
                driver.execute_cdp_cmd(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True},
                )
                driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
            driver.set_script_timeout(args.seconds * 3 + 30)
            driver.get(f"http://127.0.0.1:{server.server_port}/compositor")
            wait_for(driver, "return document.querySelector('#comp-upload-bg input[type=file]');")
            driver.find_element("css selector", "#comp-upload-bg input[type=file]").send_keys(
                str(background)
            )
            wait_for(driver, "return document.querySelector('.comp-stage img.comp-bg[src]');")
            driver.find_element("css selector", "#comp-upload-fg input[type=file]").send_keys(
                str(foreground)
            )
            try:
                wait_for(driver, "return document.querySelector('.comp-layer');", timeout=90)
            except TimeoutError:
                said = driver.execute_script(
                    "return document.querySelector('#comp-upload-status').innerText + ' | ' +"
                    " document.querySelector('#comp-messages').innerText;"
                )
                raise TimeoutError(f"no layer; the page says: {said}") from None
            # Frame counters are off unless asked for; zoom about the centre if requested.
            driver.execute_script(
                "window.dashappCompositor.bench = true;"
                "window.dashappCompositor.active().setZoom(arguments[0]);",
                args.zoom,
            )
            stage = driver.execute_script(
                "const r = document.querySelector('.comp-stage').getBoundingClientRect();"
                "return [Math.round(r.width), Math.round(r.height)];"
            )
            if args.cpu_throttle != 1:
                driver.execute_cdp_cmd(
                    "Emulation.setCPUThrottlingRate", {"rate": args.cpu_throttle}
                )
            print(
                f"headless Chromium {driver.capabilities.get('browserVersion')}, window "
                f"{args.size}, preview stage {stage[0]}x{stage[1]} px, {args.seconds:g} s each, "
                f"CPU throttled {args.cpu_throttle:g}x"
            )
            loop = (FRAME_LOOP, args.seconds)
            idle = summarise("idle", driver.execute_async_script(*loop, False, pointer_type))
            dragged = driver.execute_async_script(*loop, True, pointer_type)
            fps = summarise("drag", dragged)
            stats = dragged["stats"]
            print(
                f"  editor: {stats['dragFrames']} frames drawn during the drag, "
                f"{stats['renderMsPerFrame']:.2f} ms of its script per frame"
            )
            target = "30 frames/s on a phone" if args.phone else "60 frames/s"
            print(f"  drag / idle frame rate: {fps / idle:.3f}   (target: {target})")
            layers = driver.execute_script(
                "return window.dashappCompositor.active().serialize().layers;"
            )
            assert layers and layers[0]["x"] != 500, "the drag did not move the layer"
        finally:
            driver.quit()
            server.shutdown()


if __name__ == "__main__":
    main()
