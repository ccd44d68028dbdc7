"""One rule for the names of downloaded files: letters of any script kept, nothing that a file
system, a header or a reader's eye would take for something else."""

from __future__ import annotations

import re
import unicodedata

# Control characters (C0, DEL, C1), surrogates (no UTF-8 form), path separators, what Windows
# refuses in file names, and bidi controls (U+202E turns "gnp.exe" into "exe.png" on screen).
_UNSAFE = re.compile(
    '[\x00-\x1f\x7f-\x9f\ud800-\udfff<>:"/\\\\|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]+'
)
MAX_STEM = 120  # characters; the rest of a name goes into no file system's limit


def file_stem(text: str, default: str) -> str:
    """`text` as a file name without extension: unsafe runs become `_`, ends trimmed."""
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFC", text))
    stem = " ".join(stem.split())  # other whitespace (U+2028, NBSP...) as one space
    # Leading dots hide files on Unix; trailing dots and spaces are dropped by Windows.
    stem = stem.strip(" ._")[:MAX_STEM].rstrip(" ._")
    return stem or default


def file_name(text: str, extension: str, default: str) -> str:
    """`stem.extension` for a download (the extension is the caller's own, never the user's)."""
    return f"{file_stem(text, default)}.{extension}"


def ascii_fallback(name: str, default: str = "download") -> str:
    """The name for clients that read only `filename=`: accents folded, other letters dropped;
    `default` stands in for a stem that had no ASCII letter or digit at all."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""

    def fold(text: str) -> str:
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")

    folded = file_stem(fold(stem), "")
    if not any(c.isalnum() for c in folded):
        folded = file_stem(default, "download")
    tail = file_stem(fold(extension), "")
    return f"{folded}.{tail}" if tail else folded
