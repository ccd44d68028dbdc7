"""The callback-body peek leaves the body readable without reading past its declared length."""

from __future__ import annotations

import io
import json

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from dashapp.web.request_limits import LARGE_BODY_OUTPUTS, bound_callback_body


class SocketLikeStream(io.RawIOBase):
    """Like a raw socket stream: a read asking for more than the client sent would block
    (here: fails), because the connection stays open after the body."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        if size < 0 or size > len(self._data):
            raise AssertionError(f"read({size}) with {len(self._data)} bytes left would block")
        chunk, self._data = self._data[:size], self._data[size:]
        return chunk


def test_large_upload_body_reads_to_its_end_and_no_further() -> None:
    # An upload callback body just over the small limit, of a length no buffer size divides.
    body = json.dumps({"output": LARGE_BODY_OUTPUTS[0], "inputs": ["x" * 70_001]}).encode()
    environ = EnvironBuilder(
        path="/_dash-update-component", method="POST", content_type="application/json",
        content_length=len(body),
    ).get_environ()  # fmt: skip
    environ["wsgi.input"] = SocketLikeStream(body)
    request = Request(environ)
    assert bound_callback_body(request, 64 * 1024)
    assert request.get_data() == body
