"""A wall-clock bound on decoding one image: every read Pillow makes checks the clock.

Pillow parses headers and feeds its decoders from the file in blocks (at most 64 KB each, see
`ImageFile.decodermaxblock`), so a check at each read stops a slow decode within one block's
work. A decoder that takes the whole file in one call (libwebp) is bounded by the pixel checks
made before it runs, and its time is checked once it returns.
"""

from __future__ import annotations

import io
import time


class DecodeTimeout(Exception):
    """Decoding ran past its time limit (not a ValueError: Pillow must not mistake it for one)."""


class DeadlineReader(io.BytesIO):
    """The bytes of one image, readable until `seconds` from now; after that, DecodeTimeout."""

    def __init__(self, data: bytes, seconds: float) -> None:
        super().__init__(data)
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        """Raise DecodeTimeout when the time is up."""
        if time.monotonic() > self.deadline:
            raise DecodeTimeout()

    def read(self, size: int | None = -1, /) -> bytes:
        """Read as BytesIO does, after checking the clock."""
        self.check()
        return super().read(size)
