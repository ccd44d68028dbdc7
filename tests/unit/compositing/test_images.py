"""Decoding uploads: formats, transparency, orientation, colour modes, and every bad input."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from dashapp.compositing.images import (
    ImageInputError,
    ImageLimits,
    decode_data_url,
    encode_preview,
    load_image,
)
from tests.unit.compositing.helpers import array, encoded, noise_rgba, png_with_size, solid

LIMITS = ImageLimits(max_bytes=5 * 1024 * 1024, max_pixels=20_000_000)


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("fmt", "params", "name"),
    [("PNG", {}, "PNG"), ("JPEG", {"quality": 95}, "JPEG"), ("WEBP", {"lossless": True}, "WebP")],
)
def test_supported_formats_decode_to_rgba(fmt: str, params: dict[str, object], name: str) -> None:
    source = Image.new("RGB", (30, 20), (200, 40, 10))
    decoded = load_image(encoded(source, fmt, **params), LIMITS)
    assert decoded.format == name
    assert decoded.image.mode == "RGBA" and decoded.size == (30, 20)
    r, g, b, a = decoded.image.getpixel((15, 10))  # type: ignore[misc]
    assert abs(r - 200) <= 3 and abs(g - 40) <= 3 and abs(b - 10) <= 3 and a == 255


def test_png_transparency_is_kept_exactly() -> None:
    source = noise_rgba(16, 16, seed=1, opaque=False)
    assert np.array_equal(array(load_image(encoded(source, "PNG"), LIMITS).image), array(source))


def test_palette_png_with_transparent_index_keeps_transparency() -> None:
    source = Image.new("P", (4, 4), 0)
    source.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    source.putpixel((1, 1), 1)
    decoded = load_image(encoded(source, "PNG", transparency=0), LIMITS).image
    assert decoded.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert decoded.getpixel((1, 1)) == (0, 255, 0, 255)


def test_gif_uses_first_frame_with_transparency() -> None:
    frames = [Image.new("P", (8, 8), i) for i in (1, 2)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * 759)
        frame.putpixel((0, 0), 0)
    gif = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], transparency=0)
    decoded = load_image(gif, LIMITS)
    assert decoded.format == "GIF"
    assert decoded.image.getpixel((4, 4)) == (255, 0, 0, 255)
    assert decoded.image.getpixel((0, 0))[3] == 0  # type: ignore[index]


def test_exif_orientation_is_applied() -> None:
    source = Image.new("RGB", (40, 20), (0, 0, 255))
    source.paste((255, 0, 0), (0, 0, 10, 20))  # red strip on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    decoded = load_image(encoded(source, "JPEG", exif=exif, quality=95), LIMITS).image
    assert decoded.size == (20, 40)
    assert decoded.getpixel((10, 2))[0] > 200  # type: ignore[index]  # the left strip is now on top
    assert decoded.getpixel((10, 35))[2] > 200  # type: ignore[index]


def test_cmyk_jpeg_is_converted_to_the_right_colours() -> None:
    source = Image.new("CMYK", (10, 10), (0, 255, 255, 0))  # pure red in CMYK
    decoded = load_image(encoded(source, "JPEG", quality=95), LIMITS).image
    r, g, b, a = decoded.getpixel((5, 5))  # type: ignore[misc]
    assert r > 240 and g < 15 and b < 15 and a == 255


def test_icc_profile_is_honoured() -> None:
    source = Image.new("RGB", (8, 8), (180, 60, 60))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    decoded = load_image(encoded(source, "PNG", icc_profile=srgb), LIMITS).image
    r, g, b, _ = decoded.getpixel((1, 1))  # type: ignore[misc]
    assert abs(r - 180) <= 2 and abs(g - 60) <= 2 and abs(b - 60) <= 2


def test_sixteen_bit_greyscale_is_scaled_not_clipped() -> None:
    source = Image.new("I;16", (4, 4), 40000)
    decoded = load_image(encoded(source, "PNG"), LIMITS).image
    assert decoded.getpixel((0, 0)) == (156, 156, 156, 255)  # 40000 / 257 = 155.6


def test_sixteen_bit_rgb_png_decodes() -> None:
    # A 48-bit PNG written by hand-free means: numpy -> raw PNG via Pillow is 8-bit only, so
    # build the file with zlib (one scanline per row, filter 0).
    import struct
    import zlib

    width, height = 3, 2
    pixel = struct.pack(">HHH", 65535, 32896, 0)  # -> (255, 128, 0)
    raw = b"".join(b"\x00" + pixel * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    decoded = load_image(png, LIMITS).image
    assert decoded.getpixel((1, 1)) == (255, 128, 0, 255)


# --- bad input ---------------------------------------------------------------------------------


def test_not_an_image() -> None:
    with pytest.raises(ImageInputError, match="not an image"):
        load_image(b"hello, this is a text file" * 10, LIMITS)


def test_corrupt_image() -> None:
    png = encoded(noise_rgba(64, 64), "PNG")
    with pytest.raises(ImageInputError, match="corrupt"):
        load_image(png[: len(png) // 2], LIMITS)
    with pytest.raises(ImageInputError, match="corrupt|not an image"):
        load_image(png[:40], LIMITS)


def test_empty_file() -> None:
    with pytest.raises(ImageInputError, match="empty"):
        load_image(b"", LIMITS)


def test_file_over_size_limit() -> None:
    png = encoded(noise_rgba(100, 100), "PNG")
    with pytest.raises(ImageInputError, match="too large.*limit is 0.0 MB"):
        load_image(png, ImageLimits(max_bytes=1000, max_pixels=10**9))


def test_data_url_over_size_limit_is_refused_before_decoding() -> None:
    with pytest.raises(ImageInputError, match="too large"):
        decode_data_url("data:image/png;base64," + "A" * 4_000_000, max_bytes=1_000_000)


@pytest.mark.parametrize(
    "contents", ["", "nonsense", "data:image/png,abc", "data:image/png;base64,@@@@"]
)
def test_malformed_data_urls(contents: str) -> None:
    with pytest.raises(ImageInputError):
        decode_data_url(contents, max_bytes=1000)


def test_data_url_round_trip() -> None:
    png = encoded(solid(2, 2, (1, 2, 3, 4)), "PNG")
    assert decode_data_url(data_url(png), max_bytes=10_000) == png


def test_pixel_limit() -> None:
    png = encoded(solid(300, 200, (0, 0, 0, 255)), "PNG")
    with pytest.raises(ImageInputError, match="300x200.*limit is 0.1 megapixels"):
        load_image(png, ImageLimits(max_bytes=10**7, max_pixels=50_000))


@pytest.mark.parametrize("side", [6_000, 30_000, 100_000])
def test_decompression_bomb_is_refused_before_decoding(side: int) -> None:
    # Tiny file, header claims side x side pixels; Pillow's own bomb check or ours must refuse.
    with pytest.raises(ImageInputError, match="pixels"):
        load_image(png_with_size(side, side), LIMITS)


@pytest.mark.parametrize(("fmt", "name"), [("BMP", "BMP"), ("TIFF", "TIFF")])
def test_unsupported_formats_say_what_they_are(fmt: str, name: str) -> None:
    with pytest.raises(ImageInputError, match=f"{name} files are not supported"):
        load_image(encoded(Image.new("RGB", (4, 4)), fmt), LIMITS)


def test_svg_is_unsupported() -> None:
    with pytest.raises(ImageInputError, match="not supported"):
        load_image(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', LIMITS)


def test_preview_is_downscaled_png_keeping_alpha() -> None:
    preview = Image.open(io.BytesIO(encode_preview(noise_rgba(400, 100, opaque=False), 200)))
    assert preview.format == "PNG" and preview.size == (200, 50) and preview.mode == "RGBA"


def test_files_of_one_drop_come_back_in_the_order_chosen() -> None:
    from dashapp.compositing.uploads import in_selection_order

    arrived = [("small.png", "s"), ("logo.png", "l2"), ("big.png", "b"), ("logo.png", "l1")]
    chosen = ["big.png", "logo.png", "small.png", "logo.png"]
    assert in_selection_order(arrived, chosen) == [
        ("big.png", "b"),
        ("logo.png", "l2"),  # same names: their arrival order between them
        ("small.png", "s"),
        ("logo.png", "l1"),
    ]
    # Names the page did not list stay in arrival order, after the listed ones; no list: as is.
    assert in_selection_order([("x.png", "x"), ("big.png", "b")], ["big.png"]) == [
        ("big.png", "b"),
        ("x.png", "x"),
    ]
    assert in_selection_order(arrived, None) == arrived
    assert in_selection_order(arrived, "junk") == arrived
