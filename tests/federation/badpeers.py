"""Misbehaving HTTP peers on 127.0.0.1: raw TCP servers that answer a request with
bytes chosen by the test (garbage, a cut or overlong body, a reset, a drip)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Behaviour = Callable[[socket.socket, "BadPeer"], None]


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    """Whether ``condition`` became true within ``seconds`` (checked every 50 ms)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def head(length: int, ctype: str = "application/json") -> bytes:
    """An HTTP/1.1 200 status line and headers announcing ``length`` bytes."""
    return (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {length}\r\n"
            "Connection: close\r\n\r\n").encode()


def answer(data: bytes) -> Behaviour:
    """Send ``data`` as it is, then close."""
    return lambda conn, _peer: conn.sendall(data)


def reset_mid_body(conn: socket.socket, _peer: BadPeer) -> None:
    """Announce 5000 bytes, send 100, then reset the connection (RST, not FIN)."""
    conn.sendall(head(5000) + b'{"index": {"items": [' + b" " * 79)
    time.sleep(0.2)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def drip(every: float = 2.0) -> Behaviour:
    """Announce a body and send one byte of it every ``every`` seconds, until the
    client goes away or the peer stops."""

    def behave(conn: socket.socket, peer: BadPeer) -> None:
        conn.sendall(head(100_000))
        with peer.lock:
            peer.dripping += 1
        try:
            while not peer.stopped.wait(every):
                conn.sendall(b" ")
        except OSError:
            pass  # the client gave up
        finally:
            with peer.lock:
                peer.dripping -= 1
                peer.cut += 1

    return behave


@dataclass
class BadPeer:
    """A TCP server on 127.0.0.1 that reads one request per connection and then does
    ``behaviour``. ``dripping`` counts connections being dripped now, ``cut`` those
    that the client ended."""

    behaviour: Behaviour
    requests: int = 0
    dripping: int = 0
    cut: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)
    sock: socket.socket | None = None

    @property
    def url(self) -> str:
        assert self.sock is not None
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def start(self) -> BadPeer:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        if self.sock is not None:
            self.sock.close()

    def _accept(self) -> None:
        assert self.sock is not None
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            with self.lock:
                self.requests += 1
            try:
                self.behaviour(conn, self)
            except OSError:
                pass
