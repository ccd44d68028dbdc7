"""A bounded walk of an image file's blocks before Pillow reads it: frames, and no block bombs.

Pillow walks a file's structure in Python with the GIL held: GIF extension and image blocks
(every frame, for `n_frames`), PNG chunks, JPEG markers and junk bytes between them, one at a
time. A 23 MB GIF of 1,000,000 one-pixel frames, a PNG of 1,000,000 empty chunks or a JPEG of
3,000,000 comment markers each cost the web process 4-8 s that way, and pass every limit on
bytes and pixels. This walk counts the same structure in a tight loop and stops as soon as a cap
is passed, so its cost is bounded by the caps, not by what the file claims.
"""

from __future__ import annotations

from dataclasses import dataclass

# Caps on structure (fixed: no legitimate file comes near them). Each is checked while walking.
GIF_JUNK_BYTES = 4096  # bytes between blocks that are no block (Pillow skips them one by one)
JPEG_MARKERS = 4096  # segments before the first scan (an ICC profile in 255 parts is legitimate)
JPEG_JUNK_BYTES = 4096  # fill and stray bytes between JPEG markers
JPEG_SCANS = 100  # progressive scans: each is a pass over the whole image (libjpeg uses 10)


class StructureError(ValueError):
    """The file's structure is over a cap; the message says which, for the user."""


@dataclass(frozen=True)
class Structure:
    """What the walk found: frames (stops counting at the cap + 1) and whether it stopped."""

    frames: int
    capped: bool = False


def gif_sub_block_cap(size: int, max_frames: int) -> int:
    """GIF sub-blocks allowed in `size` bytes: encoders write 255-byte ones, plus a few a frame."""
    return 4096 + 16 * max_frames + size // 64


def png_chunk_cap(size: int, max_frames: int) -> int:
    """PNG chunks allowed in `size` bytes: encoders split pixel data into 8 KB or larger."""
    return 4096 + 4 * max_frames + size // 1024


def _fragmented(kind: str) -> StructureError:
    return StructureError(
        f"This {kind} is split into far more blocks than any image editor writes (a crafted "
        "file); open it in an image editor and save it again."
    )


def _skip_sub_blocks(buf: bytes, pos: int, steps: int, cap: int) -> tuple[int, int]:
    """Position after a chain of GIF sub-blocks (ended by a zero length), and steps so far."""
    end = len(buf)
    while pos < end:
        size = buf[pos]
        pos += size + 1
        steps += 1
        if size == 0:
            break
        if steps > cap:  # checked in the loop: one chain may be the whole file
            raise _fragmented("GIF")
    return pos, steps


def _walk_gif(buf: bytes, max_frames: int) -> Structure:
    """Count GIF frames (image descriptors) up to max_frames + 1, walking blocks as Pillow does."""
    if len(buf) < 13:
        return Structure(1)
    flags, pos = buf[10], 13
    if flags & 0x80:  # global colour table
        pos += 3 << ((flags & 7) + 1)
    cap = gif_sub_block_cap(len(buf), max_frames)
    frames = extensions = steps = junk = 0
    while pos < len(buf):
        introducer = buf[pos]
        if introducer == 0x3B:  # trailer
            break
        if introducer == 0x21:  # extension: label, then sub-blocks
            extensions += 1
            if extensions > 64 + 4 * max_frames:
                raise _fragmented("GIF")
            pos, steps = _skip_sub_blocks(buf, pos + 2, steps, cap)
        elif introducer == 0x2C:  # image descriptor: one frame
            frames += 1
            if frames > max_frames:
                return Structure(frames, capped=True)
            local = buf[pos + 9] if pos + 9 < len(buf) else 0
            pos += 10
            if local & 0x80:  # local colour table
                pos += 3 << ((local & 7) + 1)
            pos, steps = _skip_sub_blocks(buf, pos + 1, steps, cap)  # +1: LZW code size
        else:
            junk += 1
            if junk > GIF_JUNK_BYTES:
                raise _fragmented("GIF")
            pos += 1
    return Structure(max(frames, 1))


def _walk_png(buf: bytes, max_frames: int) -> Structure:
    """Count PNG chunks (capped) and the frames an APNG declares (acTL) or describes (fcTL)."""
    cap = png_chunk_cap(len(buf), max_frames)
    pos, chunks, declared, controls = 8, 0, 1, 0
    while pos + 8 <= len(buf):
        length = int.from_bytes(buf[pos : pos + 4], "big")
        kind = buf[pos + 4 : pos + 8]
        chunks += 1
        if chunks > cap:
            raise _fragmented("PNG")
        if kind == b"acTL" and length >= 4:
            declared = int.from_bytes(buf[pos + 8 : pos + 12], "big")
        elif kind == b"fcTL":
            controls += 1
        elif kind == b"IEND":
            break
        pos += length + 12  # length, type, data, CRC
    return Structure(max(declared, controls, 1))


def _walk_jpeg(buf: bytes) -> Structure:
    """Check JPEG markers before the first scan, stray bytes between them, and the scan count."""
    pos, markers, junk = 2, 0, 0
    while pos + 1 < len(buf):
        if buf[pos] != 0xFF or buf[pos + 1] in (0x00, 0xFF):  # stray byte, or a fill byte
            junk += 1
            if junk > JPEG_JUNK_BYTES:
                raise _fragmented("JPEG")
            pos += 1
            continue
        marker = buf[pos + 1]
        markers += 1
        if markers > JPEG_MARKERS:
            raise _fragmented("JPEG")
        if marker in (0xDA, 0xD9):  # start of scan (libjpeg reads on, in C), or end of image
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        pos += 2 + int.from_bytes(buf[pos + 2 : pos + 4], "big")
    # Inside entropy-coded data a 0xFF byte is always followed by 0x00, so every FF DA is a
    # scan header (one in an EXIF thumbnail counts too: an over-count by one is harmless).
    if buf.count(b"\xff\xda") > JPEG_SCANS:
        raise StructureError(
            f"This JPEG has more than {JPEG_SCANS} progressive scans, each a pass over the "
            "whole image (cameras and editors write about 10); save it again as a JPEG."
        )
    return Structure(1)


def walk(data: bytes, max_frames: int) -> Structure | None:
    """Walk `data` if it is a GIF, PNG or JPEG (StructureError over a cap); None otherwise.

    Frames: a GIF's are counted (to max_frames + 1 at most); a PNG's are as declared; a JPEG's
    are 1 here (an MPO's further frames are declared in its header: Pillow reads that count).
    """
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _walk_gif(data, max_frames)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _walk_png(data, max_frames)
    if data[:2] == b"\xff\xd8":
        return _walk_jpeg(data)
    return None
