"""Crafted image files: what Pillow's own walk costs against the bounded walk that refuses them.

.venv/bin/python bench/bench_crafted_images.py [--repeat 3] [--threads 8]

1. Each crafted file (generated here: a 23 MB GIF of 1,000,000 one-pixel frames, a GIF of
   one-byte sub-blocks, a PNG of 2,000,000 empty chunks, a JPEG of 3,000,000 comment markers)
   and a one-frame GIF of the same size: seconds for Pillow to open it and count its frames or
   load it (what the upload and every download did before), against `load_image` now.
2. The probe's scene in one process: `--threads` downloads of a composite holding the frame
   bomb decode it at once (before: Pillow's frame count, the GIL held; now: refused), while a
   Flask request (/healthz) is timed in a loop. Prints its median and worst latency.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from dashapp import create_app  # noqa: E402
from dashapp.compositing.images import (  # noqa: E402
    ImageInputError,
    ImageLimits,
    load_image,
)
from dashapp.settings import load_settings  # noqa: E402
from tests.unit.compositing.hostile import (  # noqa: E402
    gif_frame_bomb,
    gif_noise,
    gif_one_byte_sub_blocks,
    jpeg_marker_bomb,
    png_chunk_bomb,
)

LIMITS = ImageLimits(max_bytes=25 * 1024 * 1024, max_pixels=50_000_000)


def pillow_before(data: bytes) -> None:
    """What the upload and each render did before: open, count frames, load the first."""
    image = Image.open(io.BytesIO(data))
    getattr(image, "n_frames", 1)
    image.seek(0)
    image.load()


def bounded_now(data: bytes) -> None:
    """What they do now (a refusal is the expected outcome for a crafted file)."""
    try:
        load_image(data, LIMITS)
    except ImageInputError:
        pass


def best_of(call: Callable[[bytes], None], data: bytes, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call(data)
        times.append(time.perf_counter() - started)
    return min(times)


def files_table(repeat: int) -> None:
    files = {
        "GIF 1,000,000 frames of 1x1": gif_frame_bomb(1_000_000),
        "GIF one frame, 4096x4096 (control)": gif_noise(4096),
        "GIF 12,000,000 one-byte sub-blocks": gif_one_byte_sub_blocks(12_000_000),
        "PNG 2,000,000 empty chunks": png_chunk_bomb(2_000_000),
        "JPEG 3,000,000 comment markers": jpeg_marker_bomb(3_000_000),
    }
    print(f"{'file':38} {'MB':>6} {'Pillow before':>14} {'bounded now':>12}  outcome now")
    for name, data in files.items():
        try:
            load_image(data, LIMITS)
            outcome = "accepted"
        except ImageInputError as exc:
            outcome = "refused: " + str(exc)[:60]
        before = best_of(pillow_before, data, repeat)
        now = best_of(bounded_now, data, repeat)
        print(f"{name:38} {len(data) / 1e6:6.1f} {before:13.3f}s {now:11.4f}s  {outcome}")


def scene(threads: int, decode: Callable[[bytes], None], data: bytes) -> list[float]:
    """Latencies (ms) of /healthz while `threads` threads each run `decode(data)` once."""
    app = create_app(
        load_settings(
            instance_path=Path(tempfile.mkdtemp()),
            redis_url=None,
            log_json=False,
            training_sweep_every_s=0,
        )
    )
    client = app.test_client()
    client.get("/healthz")
    workers = [threading.Thread(target=decode, args=(data,)) for _ in range(threads)]
    latencies: list[float] = []
    for worker in workers:
        worker.start()
    while any(worker.is_alive() for worker in workers) or len(latencies) < 20:
        started = time.perf_counter()
        client.get("/healthz")
        latencies.append((time.perf_counter() - started) * 1000)
    for worker in workers:
        worker.join()
    return latencies


def scene_table(threads: int) -> None:
    bomb = gif_frame_bomb(1_000_000)
    print(f"\n/healthz in the same process while {threads} downloads decode the frame bomb:")
    for label, decode in (("before (Pillow)", pillow_before), ("now (bounded)", bounded_now)):
        started = time.perf_counter()
        latencies = scene(threads, decode, bomb)
        print(
            f"  {label:16} median {statistics.median(latencies):8.1f} ms, worst "
            f"{max(latencies):8.1f} ms over {len(latencies)} requests; the downloads took "
            f"{time.perf_counter() - started:.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    files_table(args.repeat)
    scene_table(args.threads)


if __name__ == "__main__":
    main()
