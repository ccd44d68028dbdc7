"""Framing requests in the web worker's event loop (dashapp.web.request_arrival)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dashapp.web.request_arrival import Arrival, ArrivalLimits, RequestArrival

LIMITS = ArrivalLimits(
    header_timeout_s=10,
    body_timeout_s=20,
    min_rate_bytes_s=500,
    max_duration_s=60,
    max_body_bytes=10_000,
)
tokens = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
bodies = st.binary(max_size=3000)


def chunked(body: bytes, sizes: list[int]) -> bytes:
    """`body` in Transfer-Encoding: chunked pieces of the given sizes (then the rest)."""
    out, at = b"", 0
    for size in [*sizes, len(body)]:
        piece = body[at : at + size]
        if piece:
            out += b"%x\r\n%s\r\n" % (len(piece), piece)
        at += len(piece)
    return out + b"0\r\n\r\n"


@st.composite
def requests_as_bytes(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    path = "/" + "/".join(draw(st.lists(tokens, max_size=4)))
    headers = [(f"x-{name}", value) for name, value in draw(st.lists(st.tuples(tokens, tokens)))]
    head = f"{method} {path} HTTP/1.1\r\nHost: dashapp\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers)
    body = draw(bodies)
    if method == "GET" or not body:
        return (head + "\r\n").encode()
    if draw(st.booleans()):
        sizes = draw(st.lists(st.integers(1, 500), max_size=5))
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + chunked(body, sizes)
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


@given(requests_as_bytes(), st.lists(st.integers(1, 400), max_size=30))
def test_a_request_is_complete_exactly_when_its_last_byte_arrives(
    raw: bytes, cuts: list[int]
) -> None:
    arrival = RequestArrival(LIMITS, now=0.0)
    at = 0
    for size in cuts:
        piece = raw[at : at + size]
        if not piece or at + len(piece) >= len(raw):
            break
        assert arrival.feed(piece, now=0.0) is Arrival.WAITING
        at += len(piece)
    assert arrival.feed(raw[at:], now=0.0) is Arrival.COMPLETE
    assert b"".join(arrival.received()) == raw


@given(st.binary(max_size=2000))
def test_any_bytes_are_waited_on_framed_or_refused_never_an_error(noise: bytes) -> None:
    arrival = RequestArrival(LIMITS, now=0.0)
    assert arrival.feed(noise, now=0.0) in set(Arrival)


def test_a_declared_body_over_the_limit_is_refused_from_the_head_alone() -> None:
    arrival = RequestArrival(LIMITS, now=0.0)
    head = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10001\r\n\r\n"
    assert arrival.feed(head, now=0.0) is Arrival.TOO_LARGE


def test_a_chunked_body_over_the_limit_is_refused_as_it_grows() -> None:
    arrival = RequestArrival(LIMITS, now=0.0)
    arrival.feed(b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", now=0.0)
    state = Arrival.WAITING
    for _ in range(12):
        state = arrival.feed(b"400\r\n" + b"a" * 1024 + b"\r\n", now=0.0)
        if state is not Arrival.WAITING:
            break
    assert state is Arrival.TOO_LARGE
    assert arrival.body_size <= LIMITS.max_body_bytes + 1024


def test_a_trickle_below_the_minimum_rate_runs_out_of_time() -> None:
    arrival = RequestArrival(LIMITS, now=0.0)
    arrival.feed(b"GET / HTTP/1.1\r\n", now=0.0)
    now = 0.0
    while not arrival.expired(now):
        now += 5.0  # one byte every five seconds earns 2 ms each
        arrival.feed(b"x", now=now)
    assert 10 <= now <= 15


def test_a_steady_upload_keeps_earning_time_up_to_the_hard_maximum() -> None:
    limits = ArrivalLimits(max_body_bytes=10**9, max_duration_s=60)
    arrival = RequestArrival(limits, now=0.0)
    arrival.feed(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n", now=0.0)
    now = 0.0
    while not arrival.expired(now):
        now += 1.0
        arrival.feed(b"x" * 100_000, now=now)  # 100 kB/s, 200x the minimum rate
    assert now == 60  # never past max_duration_s, however fast the client is


def test_expect_100_continue_is_noticed_once_the_head_is_in() -> None:
    arrival = RequestArrival(LIMITS, now=0.0)
    arrival.feed(b"POST /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n", now=0.0)
    assert not arrival.wants_continue
    arrival.feed(b"Content-Length: 3\r\n\r\n", now=0.0)
    assert arrival.wants_continue
    assert arrival.feed(b"abc", now=1.0) is Arrival.COMPLETE


def test_the_body_gets_its_own_allowance_after_the_head() -> None:
    arrival = RequestArrival(LIMITS, now=0.0)
    arrival.feed(b"POST /x HTTP/1.1\r\nHost: a\r\n", now=0.0)
    arrival.feed(b"Content-Length: 5\r\n\r\n", now=9.0)
    assert not arrival.expired(25.0)
    assert arrival.expired(29.5)


def test_a_declared_body_is_complete_at_its_length_and_pipelined_bytes_are_kept() -> None:
    arrival = RequestArrival(LIMITS, now=0.0)
    arrival.feed(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nab", now=0.0)
    assert arrival.feed(b"cd", now=0.0) is Arrival.WAITING
    assert arrival.feed(b"efGET /next HTTP/1.1\r\n", now=0.0) is Arrival.COMPLETE
    assert b"".join(arrival.received()).endswith(b"abcdefGET /next HTTP/1.1\r\n")
