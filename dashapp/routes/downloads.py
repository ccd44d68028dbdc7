"""Every download's `Content-Disposition`: an ASCII `filename=` plus `filename*=UTF-8''...`.

A raw non-Latin-1 name in the header makes gunicorn answer a bare 500; Werkzeug writes the
RFC 6266 / RFC 5987 pair (and quotes it) when given the parts.
"""

from __future__ import annotations

import io
from typing import IO
from urllib.parse import quote

from flask import Response, send_file
from werkzeug.http import dump_options_header

from dashapp.web.download_names import ascii_fallback

# RFC 5987 attr-char besides letters and digits: what stays unescaped in `filename*`
# (the set Werkzeug's send_file uses).
_ATTR_CHARS = "!#$&+-.^_`|~"


def content_disposition(name: str, inline: bool = False, default: str = "download") -> str:
    """The header value for `name` (already a safe file name: services.download_names)."""
    fallback = ascii_fallback(name, default)
    options: dict[str, str | None] = {"filename": fallback, "filename*": None}
    if fallback != name:
        options["filename*"] = "UTF-8''" + quote(name, safe=_ATTR_CHARS)
    return dump_options_header("inline" if inline else "attachment", options)


def send_download(
    body: bytes | IO[bytes], name: str, mimetype: str, default: str = "download"
) -> Response:
    """`body` as an attachment called `name`, with its length (Werkzeug's send_file)."""
    data = io.BytesIO(body) if isinstance(body, bytes) else body
    response = send_file(data, mimetype=mimetype, conditional=False, etag=False)
    if isinstance(body, bytes):
        response.content_length = len(body)
    response.headers["Content-Disposition"] = content_disposition(name, default=default)
    return response
