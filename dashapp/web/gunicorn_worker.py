"""gunicorn's threaded worker, with requests read in its event loop before a thread serves them.

Stock gthread hands a connection to a thread as soon as its first bytes arrive, and the thread
then blocks reading the rest: 48 clients sending a byte every few seconds held every thread of
the web tier, and `/healthz` timed out (issue 21). Here the event loop reads each request
without blocking until it is complete (`request_arrival`), answers 408 to one that takes longer
than its deadline, 413 to one over the size limit and 503 when the worker already holds its
budget of unfinished request bytes, and only then hands the request, with the bytes already
read, to gunicorn's parser in a thread. A slow client costs a connection and its buffered
bytes, never a thread. Complete requests wait for a thread in one queue per user, served in turn
(`fair_queue`): one user's burst never holds every thread, nor the line in front of another's.

In the thread the socket keeps deadlines too (`DeadlineSocket`), for what the loop could not
frame: reads share the request's deadline, and a send that makes no progress for
`socket_timeout_s` (a client that stopped reading its download) ends the response.

TLS and HTTP/2 are not served by this worker: the proxy in front terminates both.
"""

from __future__ import annotations

import errno
import logging
import selectors
import socket
import time
from collections import deque
from functools import partial
from typing import Any

from gunicorn import http
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

from dashapp.settings import Settings
from dashapp.web.fair_queue import FairQueue
from dashapp.web.request_arrival import Arrival, ArrivalLimits, RequestArrival
from dashapp.web.trust import address_is_trusted

RECV_BYTES = 256 * 1024
log = logging.getLogger(__name__)


def _status_response(status: str, message: str) -> bytes:
    """A complete, tiny HTTP response that closes the connection."""
    body = (message + "\n").encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


REQUEST_TIMEOUT = _status_response("408 Request Timeout", "The request took too long to arrive.")
TOO_LARGE = _status_response("413 Content Too Large", "The request is larger than allowed.")
BUSY = _status_response("503 Service Unavailable", "The server is busy receiving; try again.")
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class DeadlineSocket(socket.socket):
    """A socket whose blocking reads end at a deadline and whose sends time out when stalled.

    gunicorn makes the socket blocking in the thread (`setblocking(True)`, which clears any
    timeout); here that call sets the send timeout instead.
    """

    read_deadline: float = 0.0
    send_timeout_s: float = 30.0

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(self.send_timeout_s)
        else:
            super().setblocking(False)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self.gettimeout() == 0.0:  # the event loop's non-blocking reads
            return super().recv(bufsize, flags)
        remaining = self.read_deadline - time.monotonic()
        if remaining <= 0:
            raise self._stalled("its request did not arrive in time")
        previous = self.gettimeout()
        self.settimeout(min(remaining, self.send_timeout_s))
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            raise self._stalled("its request did not arrive in time") from None
        finally:
            self.settimeout(previous)

    def sendall(self, data: Any, flags: int = 0) -> None:
        try:
            super().sendall(data, flags)
        except TimeoutError:
            raise self._stalled("it stopped reading the response") from None

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        try:
            return super().sendfile(file, offset, count)
        except TimeoutError:
            raise self._stalled("it stopped reading the response") from None

    def _stalled(self, why: str) -> ConnectionResetError:
        """Ending a stalled client is routine: gunicorn logs a reset at debug, not a traceback."""
        try:
            peer = self.getpeername()
        except OSError:
            peer = "?"
        log.warning("closing the connection from %s: %s", peer, why)
        return ConnectionResetError(errno.ECONNRESET, f"client stalled: {why}")


def _deadline_socket(plain: socket.socket, send_timeout_s: float) -> DeadlineSocket:
    """The accepted socket, re-wrapped as a DeadlineSocket (same descriptor)."""
    wrapped = DeadlineSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())
    wrapped.send_timeout_s = send_timeout_s
    return wrapped


class ArrivedFirstUnreader(SocketUnreader):
    """gunicorn's socket reader, serving the pieces the event loop already read first.

    Handing them over with `unread` instead put the whole request in one buffer that gunicorn
    copies on every read: a 31 MB upload took 0.5-0.9 s to parse instead of 0.04 s.
    """

    def __init__(self, sock: socket.socket, arrived: list[bytes]) -> None:
        super().__init__(sock)
        self._arrived = deque(arrived)

    def chunk(self, size_hint: int | None = None) -> bytes:
        # A piece larger than asked for is fine: Unreader keeps the surplus for the next read.
        if self._arrived:
            return self._arrived.popleft()
        return bytes(super().chunk(size_hint))

    def take_buffered(self) -> bytes:
        """Read-ahead: what gunicorn buffered and the pieces it has not asked for yet."""
        ahead = super().take_buffered() + b"".join(self._arrived)
        self._arrived.clear()
        return bytes(ahead)


class BufferedThreadWorker(ThreadWorker):
    """gthread that dispatches only complete requests to its threads."""

    def init_process(self) -> None:
        settings = Settings()
        self.limits = ArrivalLimits(
            header_timeout_s=settings.request_header_timeout_s,
            body_timeout_s=settings.request_body_timeout_s,
            min_rate_bytes_s=settings.request_min_rate_bytes_s,
            max_duration_s=settings.request_max_duration_s,
            max_body_bytes=settings.max_request_mb * 1024 * 1024,
            max_header_bytes=self.cfg.limit_request_line
            + self.cfg.limit_request_fields * self.cfg.limit_request_field_size,
        )
        self.send_timeout_s = float(settings.socket_timeout_s)
        self.buffer_budget = settings.request_buffer_mb * 1024 * 1024
        self.buffered_bytes = 0
        self.arriving: dict[TConn, RequestArrival] = {}
        per_user = settings.web_threads_per_user or self.cfg.threads - 1
        self.turns: FairQueue[TConn] = FairQueue(self.cfg.threads, per_user)
        self.user_header = settings.user_header.lower().encode()
        self.trusted_proxies = list(settings.trusted_proxies)
        super().init_process()

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        super().check_config(cfg, log)
        if cfg.is_ssl:
            raise RuntimeError("dashapp's worker serves plain HTTP: terminate TLS at the proxy")

    # --- connections come in -------------------------------------------------------------

    def accept(self, listener: socket.socket) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        self.nr_conns += 1
        conn = TConn(
            self.cfg, _deadline_socket(client, self.send_timeout_s), address, listener.getsockname()
        )
        self._start_arrival(conn, b"")

    def on_client_socket_readable(self, conn: TConn, client: socket.socket) -> None:
        """A kept-alive connection has its next request coming: read it in the loop too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._start_arrival(conn, b"")

    def finish_request(self, conn: TConn, fs: Any) -> None:
        """As gthread, except that read-ahead of the next request is collected in the loop, and
        the freed thread goes to the next user in turn."""
        self.turns.done(conn.fair_key)
        try:
            if self.alive and not fs.cancelled() and fs.exception() is None and fs.result():
                ahead = conn.parser.unreader.take_buffered() if conn.parser else b""
                if ahead:
                    self._start_arrival(conn, ahead)
                    return
            super().finish_request(conn, fs)
        finally:
            self._hand_out_threads()

    # --- bytes arrive ----------------------------------------------------------------------

    def _start_arrival(self, conn: TConn, ahead: bytes) -> None:
        conn.sock.setblocking(False)
        arrival = RequestArrival(self.limits, time.monotonic())
        self.arriving[conn] = arrival
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_bytes, conn))
        if ahead:
            self._advance(conn, arrival, ahead)

    def _on_bytes(self, conn: TConn, _sock: socket.socket) -> None:
        arrival = self.arriving.get(conn)
        if arrival is None:
            return
        try:
            data = conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn, b"")
            return
        if not data:  # the client went away before finishing its request
            self._drop(conn, b"")
            return
        self._advance(conn, arrival, data)

    def _advance(self, conn: TConn, arrival: RequestArrival, data: bytes) -> None:
        had_head = arrival.headers_done
        state = arrival.feed(data, time.monotonic())
        self.buffered_bytes += len(data)
        if state is Arrival.TOO_LARGE:
            self._drop(conn, TOO_LARGE)
        elif state is not Arrival.WAITING:
            self._dispatch(conn, arrival)
        elif self.buffered_bytes > self.buffer_budget:
            self._drop(conn, BUSY)
        elif arrival.wants_continue and not had_head:
            self._send_quietly(conn, CONTINUE)

    def _dispatch(self, conn: TConn, arrival: RequestArrival) -> None:
        """Hand the complete (or unframeable) request to a thread with its bytes."""
        self._forget(conn, arrival)
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        # The parser starts each request from its `unreader` (empty here: read-ahead was taken).
        conn.parser.unreader = ArrivedFirstUnreader(conn.sock, arrival.received())
        conn.data_ready = True
        # A complete request needs no more reads; one h11 could not frame gets what is left of
        # its deadline, so it cannot hold the thread past it either.
        conn.sock.read_deadline = max(arrival.deadline, time.monotonic() + 1.0)
        self.turns.add(self._user_of(conn, arrival), conn)
        self._hand_out_threads()

    def _user_of(self, conn: TConn, arrival: RequestArrival) -> str:
        """Whose turn this request waits in: the signed-in user named by the sign-on proxy,
        else the client's address (a client cannot pick a name to jump the line)."""
        peer = conn.client[0] if isinstance(conn.client, tuple) else str(conn.client)
        name = arrival.header(self.user_header)
        if name and address_is_trusted(peer, self.trusted_proxies):
            return f"user:{name}"
        return f"addr:{peer}"

    def _hand_out_threads(self) -> None:
        """Give free threads to waiting requests, one user's turn at a time."""
        while (turn := self.turns.take()) is not None:
            user, conn = turn
            conn.fair_key = user
            self.enqueue_req(conn)

    # --- connections go away ---------------------------------------------------------------

    def murder_pending(self) -> None:
        """Also answer 408 to requests past their deadline (called once per loop turn)."""
        super().murder_pending()
        now = time.monotonic()
        for conn, arrival in list(self.arriving.items()):
            if arrival.expired(now):
                self._drop(conn, REQUEST_TIMEOUT if arrival.size else b"")

    def _forget(self, conn: TConn, arrival: RequestArrival) -> None:
        del self.arriving[conn]
        self.buffered_bytes -= arrival.size
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass

    def _drop(self, conn: TConn, answer: bytes) -> None:
        arrival = self.arriving.get(conn)
        if arrival is not None:
            self._forget(conn, arrival)
        if answer:
            self._send_quietly(conn, answer)
        self.nr_conns -= 1
        conn.close()

    @staticmethod
    def _send_quietly(conn: TConn, data: bytes) -> None:
        """Best effort on a non-blocking socket: these answers fit an empty send buffer."""
        try:
            conn.sock.send(data)
        except OSError:
            pass
