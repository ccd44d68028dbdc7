"""Every upload is bounded by its real cost before it is decoded: frames, pixels x frames,
structure (blocks, chunks, markers, scans) and decode time."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator

import pytest
from PIL import GifImagePlugin, Image

from dashapp.compositing.images import ImageInputError, ImageLimits, load_image, probe
from dashapp.compositing.structure import walk
from tests.unit.compositing.helpers import encoded, noise_rgba
from tests.unit.compositing.hostile import (
    gif_comment_bomb,
    gif_frame_bomb,
    gif_noise,
    gif_one_byte_sub_blocks,
    jpeg_junk_bomb,
    jpeg_marker_bomb,
    jpeg_scan_bomb,
    png_chunk_bomb,
)

LIMITS = ImageLimits(max_bytes=25 * 1024 * 1024, max_pixels=50_000_000)
# Each refusal below is the walk alone: a few ms here; Pillow's own walk of the same file is
# 4-8 s. The bound leaves room for a loaded machine and still fails on a whole walk.
QUICK_S = 0.5


@pytest.fixture
def gif_frames_never_walked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if anything asks Pillow for a GIF's frame count (it walks every frame)."""

    def walked(_self: object) -> int:
        raise AssertionError("GifImageFile.n_frames walks every frame of the file")

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "n_frames", property(walked))
    yield


def animation(fmt: str, frames: int, size: tuple[int, int] = (8, 8), **params: object) -> bytes:
    """An animated `fmt` file of `frames` distinct frames."""
    images = [Image.new("RGB", size, (frame * 40 % 256, 0, 0)) for frame in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, fmt, save_all=True, append_images=images[1:], **params)
    return buffer.getvalue()


def refused_quickly(data: bytes, limits: ImageLimits = LIMITS) -> str:
    """The refusal message of `data`, asserting it came within QUICK_S."""
    started = time.perf_counter()
    with pytest.raises(ImageInputError) as refused:
        load_image(data, limits)
    assert time.perf_counter() - started < QUICK_S
    return str(refused.value)


@pytest.mark.usefixtures("gif_frames_never_walked")
def test_a_million_frame_gif_is_refused_from_its_structure_in_milliseconds() -> None:
    bomb = gif_frame_bomb(1_000_000)
    assert len(bomb) == 23_000_020  # the probe's file: 1x1 pixel, 23 MB
    message = refused_quickly(bomb)
    assert "animation of more than 1,000 frames; the limit is 1,000 frames" in message
    with pytest.raises(ImageInputError, match="more than 1,000 frames"):
        probe(bomb, LIMITS)  # the header-only check of an upload request refuses it too


@pytest.mark.usefixtures("gif_frames_never_walked")
def test_an_animation_within_the_caps_gives_its_first_frame_and_frame_count() -> None:
    decoded = load_image(animation("GIF", 3), LIMITS)
    assert decoded.frames == 3
    assert decoded.image.getpixel((4, 4)) == (0, 0, 0, 255)
    at_cap = gif_frame_bomb(1000)
    assert load_image(at_cap, LIMITS).frames == 1000
    assert "more than 999 frames" in refused_quickly(at_cap, ImageLimits(10**8, 10**8, 999))


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("PNG", {}), ("WEBP", {"lossless": True}), ("GIF", {})],
)
def test_the_frame_cap_holds_for_every_animated_format(fmt: str, params: dict[str, object]) -> None:
    limits = ImageLimits(max_bytes=10**7, max_pixels=10**6, max_frames=4)
    assert load_image(animation(fmt, 4, **params), limits).frames == 4
    message = refused_quickly(animation(fmt, 5, **params), limits)
    assert "frames; the limit is 4 frames" in message
    assert "first frame" in message  # says what to do instead


def test_pixels_times_frames_is_bounded() -> None:
    limits = ImageLimits(max_bytes=10**7, max_pixels=10**6, max_frame_pixels=150_000)
    assert load_image(animation("GIF", 15, (100, 100)), limits).frames == 15  # 150,000
    message = refused_quickly(animation("GIF", 16, (100, 100)), limits)
    assert message.startswith(
        "The animation is 100x100 pixels x 16 frames = 160,000 pixels in all; "
        "the limit is 150,000 pixels."
    )
    limits = ImageLimits(max_bytes=10**7, max_pixels=10**7, max_frame_pixels=20_000_000)
    message = refused_quickly(animation("WEBP", 3, (3000, 3000), lossless=True), limits)
    assert "x 3 frames = 27 million pixels in all; the limit is 20 million pixels" in message


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda: gif_one_byte_sub_blocks(12_000_000), "GIF"),
        (lambda: gif_comment_bomb(5_000_000), "GIF"),
        (lambda: png_chunk_bomb(2_000_000), "PNG"),
        (lambda: jpeg_marker_bomb(3_000_000), "JPEG"),
        (lambda: jpeg_junk_bomb(20_000_000), "JPEG"),
    ],
    ids=["gif-sub-blocks", "gif-comments", "png-chunks", "jpeg-markers", "jpeg-junk"],
)
def test_files_split_into_millions_of_blocks_are_refused_quickly(
    make: Callable[[], bytes], kind: str
) -> None:
    message = refused_quickly(make())
    assert f"This {kind} is split into far more blocks than any image editor writes" in message


def test_a_jpeg_with_hundreds_of_progressive_scans_is_refused() -> None:
    assert load_image(jpeg_scan_bomb(0), LIMITS).size == (64, 64)  # 10 scans: a normal file
    message = refused_quickly(jpeg_scan_bomb(200))
    assert "more than 100 progressive scans" in message


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: gif_noise(512), id="gif"),
        pytest.param(lambda: encoded(noise_rgba(300, 200), "PNG"), id="png"),
        pytest.param(lambda: encoded(noise_rgba(300, 200).convert("RGB"), "JPEG"), id="jpeg"),
        pytest.param(
            lambda: encoded(noise_rgba(300, 200).convert("RGB"), "JPEG", progressive=True),
            id="progressive-jpeg",
        ),
    ],
)
def test_ordinary_files_walk_in_a_handful_of_steps(data: Callable[[], bytes]) -> None:
    walked = walk(data(), 1000)
    assert walked is not None and walked.frames == 1 and not walked.capped


def test_decoding_is_bounded_in_time() -> None:
    large = encoded(noise_rgba(3000, 2000), "PNG", compress_level=1)  # 24 MB
    started = time.perf_counter()
    load_image(large, ImageLimits(10**8, 10**8))
    whole = time.perf_counter() - started
    started = time.perf_counter()
    with pytest.raises(ImageInputError, match=r"took longer than 0.01 s to read"):
        load_image(large, ImageLimits(10**8, 10**8, max_decode_s=0.01))
    # Refused within a block of the limit (each read checks the clock), not after decoding it.
    assert time.perf_counter() - started < whole / 2, whole


def test_a_decoder_that_reads_the_file_at_once_is_checked_when_it_returns() -> None:
    # libwebp takes the whole file in one read, before its clock could run out.
    webp = encoded(noise_rgba(2000, 1500), "WEBP", lossless=True)
    with pytest.raises(ImageInputError, match="took longer than 0.001 s"):
        load_image(webp, ImageLimits(10**8, 10**8, max_decode_s=0.001))
