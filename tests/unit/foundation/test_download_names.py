"""Property tests: any name becomes a download name that every file system, header and client
takes, in its own script where the client reads `filename*`, in ASCII where it does not."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.http import parse_options_header

from dashapp.routes.downloads import content_disposition, send_download
from dashapp.web.download_names import MAX_STEM, ascii_fallback, file_name, file_stem

ANY_TEXT = st.text(
    st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(list("\x00\x07\x1b\n/\\:*?\"<>|;%'.") + ["\u202e", "\ud800", " "]),
    ),
    max_size=200,
)
UNSAFE = set('\x7f/\\:*?"<>|') | {chr(c) for c in range(32)} | {"\u202e", "\u2066"}
HOSTILE = [
    "Ωmega 日本",
    "Привет мир",
    "שלום عربي",
    "🎉 party 👨‍👩‍👧",
    "../../etc/passwd",
    "a\x00b\x07c\x1bd",
    "report\u202egnp.exe",
    '=cmd|" /C calc"!A0',
    "",
    "...",
]


@given(ANY_TEXT)
@settings(max_examples=400, deadline=None)
def test_any_text_becomes_a_safe_file_stem(text: str) -> None:
    stem = file_stem(text, "default")
    assert stem and len(stem) <= MAX_STEM
    assert not UNSAFE & set(stem)
    assert not any("\ud800" <= c <= "\udfff" for c in stem)
    assert stem == stem.strip(" ._") and stem == " ".join(stem.split())
    assert file_stem(stem, "default") == stem  # idempotent


@given(ANY_TEXT, st.sampled_from(["png", "jpg", "webp", "csv", "xlsx"]))
@settings(max_examples=400, deadline=None)
def test_every_name_gives_a_header_gunicorn_sends_and_clients_read_back(
    text: str, extension: str
) -> None:
    name = file_name(text, extension, "download")
    header = content_disposition(name)
    header.encode("ascii")  # nothing outside ASCII reaches the header (gunicorn's 500)
    assert "\r" not in header and "\n" not in header
    kind, options = parse_options_header(header)
    assert kind == "attachment"
    assert options["filename"] == name  # `filename*` wins: the name in its own script
    fallback = ascii_fallback(name)
    assert fallback.isascii() and fallback.endswith(f".{extension}")
    assert any(c.isalnum() for c in fallback.removesuffix(f".{extension}"))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names(text: str) -> None:
    name = file_name(text, "png", "composite")
    header = content_disposition(name, default="composite")
    assert parse_options_header(header)[1]["filename"] == name
    assert "/" not in name and "\x00" not in name and "\u202e" not in name


def test_a_name_in_another_script_has_a_readable_ascii_fallback() -> None:
    assert content_disposition("Ωmega 日本.png") == (
        "attachment; filename=mega.png; filename*=UTF-8''%CE%A9mega%20%E6%97%A5%E6%9C%AC.png"
    )
    assert ascii_fallback("日本.png", "composite") == "composite.png"
    assert ascii_fallback("Café crème.csv") == "Cafe creme.csv"  # accents folded, not dropped
    assert content_disposition("orders-2026-11-23.csv") == (
        "attachment; filename=orders-2026-11-23.csv"  # plain ASCII: one form only
    )
    assert content_disposition("run 1.png", inline=True).startswith('inline; filename="run 1.png"')


def test_send_download_sends_the_bytes_with_their_length() -> None:
    with Flask(__name__).test_request_context():
        response = send_download(b"abc", "Ωmega.png", "image/png")
        response.direct_passthrough = False
        assert response.get_data() == b"abc" and response.content_length == 3
        assert response.mimetype == "image/png"
        assert "filename*=UTF-8''%CE%A9mega.png" in response.headers["Content-Disposition"]
