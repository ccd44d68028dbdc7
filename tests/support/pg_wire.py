"""A TCP relay in front of PostgreSQL that counts the query messages a client sends.

Tests use it to show how many round trips a read costs: with the simple-query protocol (the
one psycopg2 speaks) every `Q` message is one trip to the server and back.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class WireLog:
    """The query texts clients sent through the relay, in order."""

    queries: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def taken(self) -> list[str]:
        """The queries so far, and forget them."""
        with self.lock:
            found, self.queries = self.queries, []
        return found


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _client_to_server(client: socket.socket, server: socket.socket, log: WireLog) -> None:
    """Relay the client's messages, noting each simple query's text."""
    try:
        length = struct.unpack("!i", _read_exact(client, 4))[0]  # startup: no type byte
        server.sendall(struct.pack("!i", length) + _read_exact(client, length - 4))
        while True:
            kind = _read_exact(client, 1)
            length = struct.unpack("!i", _read_exact(client, 4))[0]
            body = _read_exact(client, length - 4)
            if kind == b"Q":
                with log.lock:
                    log.queries.append(body.rstrip(b"\0").decode())
            server.sendall(kind + struct.pack("!i", length) + body)
    except (ConnectionError, OSError):
        pass
    finally:
        server.close()


def _server_to_client(server: socket.socket, client: socket.socket) -> None:
    try:
        while chunk := server.recv(65536):
            client.sendall(chunk)
    except OSError:
        pass
    finally:
        client.close()


@contextmanager
def counting_relay(host: str, port: int) -> Iterator[tuple[int, WireLog]]:
    """(local port, log): connect there with sslmode=disable instead of to host:port."""
    log = WireLog()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection((host, port))
            threading.Thread(
                target=_client_to_server, args=(client, server, log), daemon=True
            ).start()
            threading.Thread(target=_server_to_client, args=(server, client), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1], log
    finally:
        stop.set()
        listener.close()
