"""Bounds on Dash callback requests, checked before their JSON is parsed (docs/security.md)."""

from __future__ import annotations

import io
import re
from typing import IO, Any

from flask import Request

# Callbacks whose requests may be large: the compositor's image upload (base64 images inside
# the JSON body). Every other callback body is bounded by `max_callback_body_kb`.
LARGE_BODY_OUTPUTS = (
    "..comp-command.data...comp-messages.children...comp-upload-bg.contents..."
    "comp-upload-fg.contents...comp-name.value..",
)
# Dash's renderer serialises {"output": ..., "outputs": ..., "inputs": ...} with `output`
# first, so the callback can be named from the first bytes without parsing the rest.
PEEK_BYTES = 1024
_OUTPUT_AT_START = re.compile(rb'^\s*\{\s*"output"\s*:\s*"((?:[^"\\]|\\.){0,900})"')


class _PrefixedInput(io.RawIOBase):
    """A WSGI input stream with bytes already read from it put back in front.

    Never asks the raw stream for more than the body has left (`remaining`, when the length is
    declared): a raw socket stream (Werkzeug's development server) blocks until it gets every
    byte asked for, so reading past the body hung the request until the client went away.
    """

    def __init__(self, prefix: bytes, rest: IO[bytes], remaining: int | None = None) -> None:
        super().__init__()
        self._prefix = prefix
        self._rest = rest
        self._remaining = remaining

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            count = min(len(view), len(self._prefix))
            view[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        want = len(view) if self._remaining is None else min(len(view), self._remaining)
        if want <= 0:
            return 0
        chunk = self._rest.read(want)
        view[: len(chunk)] = chunk
        if self._remaining is not None:
            self._remaining -= len(chunk)
        return len(chunk)


def peek_output(req: Request) -> str | None:
    """The callback output named at the start of the body, leaving the body readable."""
    environ = req.environ
    stream = environ.get("wsgi.input")
    if stream is None:
        return None
    length = req.content_length
    prefix = stream.read(PEEK_BYTES if length is None else min(PEEK_BYTES, length))
    remaining = None if length is None else length - len(prefix)
    environ["wsgi.input"] = io.BufferedReader(_PrefixedInput(prefix, stream, remaining))
    found = _OUTPUT_AT_START.match(prefix)
    return found.group(1).decode("utf-8", "replace") if found else None


def bound_callback_body(req: Request, limit_bytes: int) -> bool:
    """Apply the small body limit unless this is an upload callback; False means refuse (413).

    A declared length over the limit is refused at once; a body of unknown length (chunked)
    gets the limit as the request's maximum, which Werkzeug enforces while reading.
    """
    length = req.content_length
    if length is not None and length <= limit_bytes:
        return True
    if peek_output(req) in LARGE_BODY_OUTPUTS:
        return True
    if length is not None:
        return False
    req.max_content_length = limit_bytes
    return True


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when `value` nests lists/objects deeper than `limit` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        # Only containers go on the stack: the leaves (most of a body) cannot nest.
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
