"""Whether an HTTP/1.1 request has fully arrived, and how long it may take to.

The gunicorn worker (`dashapp.web.gunicorn_worker`) collects each request's bytes in its event
loop and hands the request to a thread only once it is complete, so a slow client costs a
connection, never a thread. This module decides "complete" with h11's parser (it frames
Content-Length and chunked bodies; gunicorn parses the same bytes again to serve them) and
keeps the deadline, Apache mod_reqtimeout's rule: an initial allowance, extended for every
`min_rate` bytes received, never past a hard maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

import h11


@dataclass(frozen=True)
class ArrivalLimits:
    """How much time and how many bytes one request may take to arrive."""

    header_timeout_s: float = 10.0
    body_timeout_s: float = 20.0
    min_rate_bytes_s: float = 500.0
    max_duration_s: float = 300.0
    max_body_bytes: int = 48 * 1024 * 1024
    max_header_bytes: int = 64 * 1024


class Arrival(Enum):
    """What the bytes so far amount to."""

    WAITING = auto()
    COMPLETE = auto()
    # h11 refuses the bytes: gunicorn, which is what serves them, gives its own answer.
    UNPARSEABLE = auto()
    TOO_LARGE = auto()


class RequestArrival:
    """One request's bytes as they come in, with its read deadline."""

    def __init__(self, limits: ArrivalLimits, now: float) -> None:
        self._limits = limits
        self._parser = h11.Connection(h11.SERVER, max_incomplete_event_size=limits.max_header_bytes)
        self._chunks: list[bytes] = []
        self._started = now
        self._hard_deadline = now + limits.max_duration_s
        self.deadline = min(now + limits.header_timeout_s, self._hard_deadline)
        self.size = 0
        self.body_size = 0
        self.headers_done = False
        self.state = Arrival.WAITING
        # The client sent `Expect: 100-continue` and waits for a go-ahead before its body.
        self.wants_continue = False
        self.head: h11.Request | None = None
        # A body of declared length is counted, not parsed: h11 copies every byte it frames.
        self._declared_length: int | None = None

    def feed(self, data: bytes, now: float) -> Arrival:
        """Take the next bytes from the socket; return what the request now amounts to."""
        if self.state is not Arrival.WAITING:
            return self.state
        self._chunks.append(data)
        self.size += len(data)
        self.deadline = min(
            self.deadline + len(data) / self._limits.min_rate_bytes_s, self._hard_deadline
        )
        if self._declared_length is not None:
            self.body_size += len(data)
            if self.body_size >= self._declared_length:
                self.state = Arrival.COMPLETE
            return self.state
        try:
            self._parser.receive_data(data)
            self.state = self._advance(now)
        except h11.RemoteProtocolError:
            self.state = Arrival.UNPARSEABLE
        return self.state

    def _advance(self, now: float) -> Arrival:
        """Consume the parser's events; stop at the end of the request or when out of bytes."""
        while True:
            event = self._parser.next_event()
            if event is h11.NEED_DATA:
                if self.headers_done and self._parser.their_state is h11.SEND_BODY:
                    self._declared_length = self._content_length()
                return Arrival.WAITING
            if isinstance(event, h11.Request):
                if self._on_head(event, now) is Arrival.TOO_LARGE:
                    return Arrival.TOO_LARGE
            elif isinstance(event, h11.Data):
                self.body_size += len(event.data)
                if self.body_size > self._limits.max_body_bytes:
                    return Arrival.TOO_LARGE
            elif isinstance(event, h11.EndOfMessage):
                return Arrival.COMPLETE
            else:  # PAUSED or ConnectionClosed: nothing more will frame this request.
                return Arrival.UNPARSEABLE

    def _on_head(self, request: h11.Request, now: float) -> Arrival:
        """The head is in: the body gets its own allowance; refuse a declared oversize body."""
        self.headers_done = True
        self.head = request
        body_deadline = now + self._limits.body_timeout_s
        self.deadline = min(max(self.deadline, body_deadline), self._hard_deadline)
        self.wants_continue = self._parser.they_are_waiting_for_100_continue
        length = self._content_length()
        if length is not None and length > self._limits.max_body_bytes:
            return Arrival.TOO_LARGE
        return Arrival.WAITING

    def _content_length(self) -> int | None:
        """The head's Content-Length (h11 checked it), unless the body is chunked."""
        if self.header(b"transfer-encoding"):
            return None
        value = self.header(b"content-length")
        return int(value) if value else None

    def header(self, name: bytes) -> str:
        """The first value of header `name` (lower case) in the head, or ''."""
        for key, value in self.head.headers if self.head else ():
            if key == name:
                return value.decode("latin-1")
        return ""

    def received(self) -> list[bytes]:
        """Every byte read for this request (and any the client sent after it), as read."""
        return self._chunks

    def expired(self, now: float) -> bool:
        """True once the request has had all the time it may take."""
        return self.state is Arrival.WAITING and now >= self.deadline
