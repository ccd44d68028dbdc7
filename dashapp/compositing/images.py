"""Decode and validate uploaded images into normalized RGBA, with messages meant for users."""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from dashapp.compositing.deadline import DeadlineReader, DecodeTimeout
from dashapp.compositing.structure import Structure, StructureError, walk

# Pillow format name -> what we call it in messages.
SUPPORTED_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "GIF": "GIF"}
SUPPORTED_TEXT = "PNG, JPEG, WebP or GIF"

# Magic numbers of formats people commonly try, to say what the file is instead of "not an image".
_KNOWN_OTHER_FORMATS = (
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"<svg", "SVG"),
    (b"<?xml", "SVG/XML"),
)


class ImageInputError(ValueError):
    """An upload we refuse; the message says why in words a user understands."""


@dataclass(frozen=True)
class ImageLimits:
    """Server-side limits on uploads (from settings; the defaults are the settings' defaults)."""

    max_bytes: int
    max_pixels: int
    max_frames: int = 1000
    # Pixels times frames: what decoding every frame of an animation would cost.
    max_frame_pixels: int = 500_000_000
    max_decode_s: float = 10.0


@dataclass(frozen=True)
class DecodedImage:
    """A validated upload: the normalized RGBA image and where it came from."""

    image: Image.Image
    format: str
    frames: int = 1  # frames in the file (the image is the first one)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels after EXIF orientation."""
        return self.image.size


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _too_large(size: int, max_bytes: int) -> ImageInputError:
    return ImageInputError(
        f"The file is too large ({_megabytes(size)}); the limit is {_megabytes(max_bytes)}."
    )


def decode_data_url(contents: str, max_bytes: int) -> bytes:
    """The bytes of a `data:...;base64,...` URL (what dcc.Upload sends), size-checked first."""
    if not isinstance(contents, str) or "," not in contents:
        raise ImageInputError("The upload arrived empty or malformed.")
    header, payload = contents.split(",", 1)
    if not header.startswith("data:") or ";base64" not in header:
        raise ImageInputError("The upload arrived in an unexpected encoding.")
    # Check the size before decoding: 4 base64 characters carry 3 bytes.
    estimated = len(payload) * 3 // 4
    if estimated > max_bytes + 3:
        raise _too_large(estimated, max_bytes)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImageInputError("The upload is corrupt (bad base64 data).") from None
    check_size(data, max_bytes)
    return data


def check_size(data: bytes, max_bytes: int) -> None:
    """Refuse empty files and files over the byte limit."""
    if not data:
        raise ImageInputError("The file is empty.")
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)


def _sniff_other_format(data: bytes) -> str | None:
    head = data[:16].lstrip()
    for magic, name in _KNOWN_OTHER_FORMATS:
        if head.startswith(magic):
            return name
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return "HEIC/AVIF"
    return None


def _open(data: bytes, reader: DeadlineReader) -> Image.Image:
    """Open (header only) with just the supported decoders; bombs become ImageInputError."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; treat a warning as refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(reader, formats=list(SUPPORTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageInputError(
            "The image has far too many pixels (possible decompression bomb)."
        ) from None
    except UnidentifiedImageError:
        other = _sniff_other_format(data)
        if other is not None:
            raise ImageInputError(
                f"{other} files are not supported; upload {SUPPORTED_TEXT}."
            ) from None
        raise ImageInputError(
            f"This file is not an image we can read (or it is corrupt); upload {SUPPORTED_TEXT}."
        ) from None
    except (OSError, ValueError, SyntaxError):
        raise ImageInputError("The image is corrupt and cannot be read.") from None


def _sixteen_bit_to_8(image: Image.Image) -> Image.Image:
    """Scale 16-bit (and 32-bit integer) greyscale to 8 bits; Pillow's convert would clip."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        image = image.convert("I")
    # 0..65535 -> 0..255 with rounding: v / 257.
    return image.point(lambda v: v / 257.0 + 0.5).convert("L")


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert through the embedded ICC profile to sRGB when there is one (CMYK needs it most)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        alpha = image.getchannel("A") if image.mode == "RGBA" else None
        base = image.convert("RGB") if image.mode == "RGBA" else image
        converted = ImageCms.profileToProfile(base, source, target, outputMode="RGB")
        if converted is None:  # only when inPlace=True
            return image
        if alpha is not None:
            converted.putalpha(alpha)
        return converted
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile: fall back to Pillow's plain conversion below.
        return image


def normalize(image: Image.Image) -> Image.Image:
    """First frame, EXIF orientation applied, colour-managed, as 8-bit RGBA."""
    # tell(), never n_frames: a GIF's frame count walks every frame (see structure.py).
    if image.tell() != 0:
        image.seek(0)
    image = ImageOps.exif_transpose(image) or image
    if image.mode.startswith("I") or image.mode == "F":
        image = _sixteen_bit_to_8(image)
    image = _to_srgb(image)
    if image.mode != "RGBA":
        # P with tRNS, LA, PA, L, 1, RGB, CMYK: Pillow's conversions keep transparency.
        image = image.convert("RGBA")
    return image


def _too_slow(limits: ImageLimits) -> ImageInputError:
    return ImageInputError(
        f"The image took longer than {limits.max_decode_s:g} s to read, so it was refused; "
        "save it again in an image editor, or upload a smaller image."
    )


def _walk(data: bytes, limits: ImageLimits) -> Structure | None:
    """The file's structure, walked within its caps before Pillow parses it (see structure.py)."""
    try:
        return walk(data, limits.max_frames)
    except StructureError as exc:
        raise ImageInputError(str(exc)) from None


def _frames(image: Image.Image, walked: Structure | None) -> tuple[int, bool]:
    """(frames, whether counting stopped at the cap): walked for GIF and PNG; otherwise the
    count the format declares (WebP's from libwebp's demuxer, MPO's from its header)."""
    if walked is not None and image.format in ("GIF", "PNG"):
        return walked.frames, walked.capped
    return int(getattr(image, "n_frames", 1)), False


def _check_frames(image: Image.Image, walked: Structure | None, limits: ImageLimits) -> int:
    """Refuse an animation over the frame cap or the pixels-times-frames budget; its frames."""
    frames, capped = _frames(image, walked)
    advice = "Only its first frame is used: save that frame as a still image and upload that."
    if frames > limits.max_frames:
        count = f"more than {limits.max_frames:,}" if capped else f"{frames:,}"
        raise ImageInputError(
            f"The image is an animation of {count} frames; the limit is "
            f"{limits.max_frames:,} frames. {advice}"
        )
    width, height = image.size
    if width * height * frames > limits.max_frame_pixels:
        raise ImageInputError(
            f"The animation is {width}x{height} pixels x {frames:,} frames = "
            f"{_pixel_count(width * height * frames)} in all; the limit is "
            f"{_pixel_count(limits.max_frame_pixels)}. {advice}"
        )
    return frames


def _pixel_count(pixels: int) -> str:
    """Pixels in words: exact below ten million, in millions above."""
    return f"{pixels:,} pixels" if pixels < 10**7 else f"{pixels / 1e6:,.0f} million pixels"


def _open_checked(data: bytes, limits: ImageLimits) -> tuple[Image.Image, int, DeadlineReader]:
    """Open the header only and check bytes, structure, pixels and frames (nothing decoded yet).

    Returns the image, its frame count and the reader, whose clock (started before the walk)
    bounds the decode that follows.
    """
    check_size(data, limits.max_bytes)
    reader = DeadlineReader(data, limits.max_decode_s)
    walked = _walk(data, limits)
    try:
        image = _open(data, reader)
    except DecodeTimeout:
        raise _too_slow(limits) from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageInputError("The image has no pixels.")
    if width * height > limits.max_pixels:
        raise ImageInputError(
            f"The image is {width}x{height} = {width * height / 1e6:.1f} megapixels; "
            f"the limit is {limits.max_pixels / 1e6:.1f} megapixels."
        )
    return image, _check_frames(image, walked, limits), reader


def probe(data: bytes, limits: ImageLimits) -> tuple[int, int]:
    """(width, height) read from the header, after the limit checks; decodes no pixels."""
    width, height = _open_checked(data, limits)[0].size
    return width, height


def load_image(data: bytes, limits: ImageLimits) -> DecodedImage:
    """Validate `data` against `limits` and decode its first frame into normalized RGBA."""
    image, frames, reader = _open_checked(data, limits)
    fmt = SUPPORTED_FORMATS[image.format or ""] if image.format in SUPPORTED_FORMATS else "?"
    try:
        image.load()
        reader.check()  # a decoder that read everything at once (WebP) is checked after
        normalized = normalize(image)
        normalized.load()
    except ImageInputError:
        raise
    except DecodeTimeout:
        raise _too_slow(limits) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ImageInputError("The image is corrupt or truncated and cannot be read.") from None
    return DecodedImage(image=normalized, format=fmt, frames=frames)


def encode_normalized(image: Image.Image) -> bytes:
    """The normalised image (RGBA, first frame) as a lossless PNG for renders to decode."""
    buffer = io.BytesIO()
    # Fastest compression: written once per animated upload, in the request.
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def encode_preview(image: Image.Image, max_side: int) -> bytes:
    """A downscaled PNG (transparency kept) for the browser's preview and thumbnails."""
    preview = image
    if max(image.size) > max_side:
        preview = image.copy()
        preview.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    buffer = io.BytesIO()
    # Low compression: previews are made on every upload; speed matters more than bytes.
    preview.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()
