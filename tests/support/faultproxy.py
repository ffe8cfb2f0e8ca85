"""A fault-injecting TCP proxy on loopback, for the chaos test: pass, delay, black-hole or cut.

One proxy sits on each link between a node and the clearinghouse. Its mode can change at any
moment: "pass" forwards bytes as they come; "delay" holds each chunk delay_seconds before
forwarding it; "blackhole" stops reading (the sender's writes back up and its calls reach
their deadlines, as with a dead route); cut() closes every open connection at once, losing
whatever was in flight (the messages a crash or a broken route drops). Every loop is bounded
by a short socket timeout and stops with stop(); the counts say what was injected.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter

POLL_SECONDS = 0.1
CHUNK_BYTES = 65_536
CONNECTIONS_MAX = 64
CONNECT_TIMEOUT_SECONDS = 5.0


class FaultProxy:
    def __init__(self, name: str) -> None:
        self.name = name
        self.upstream: tuple[str, int] | None = None  # set once the clearinghouse's port is known
        self.mode = "pass"
        self.delay_seconds = 0.0
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL_SECONDS)
        self.port = self._listener.getsockname()[1]
        self._threads = [threading.Thread(target=self._accept, name=f"proxy-{name}", daemon=True)]
        self._threads[0].start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set_mode(self, mode: str, delay_seconds: float = 0.0) -> None:
        if mode not in ("pass", "delay", "blackhole"):
            raise ValueError(f"mode: got {mode!r}, want pass, delay or blackhole")
        self.mode, self.delay_seconds = mode, delay_seconds
        if mode != "pass":
            self.counts[mode] += 1

    def cut(self) -> int:
        """Closes every open connection; returns how many."""
        with self._lock:
            sockets, self._open = self._open, []
        for sock in sockets:
            _close(sock)
        if sockets:
            self.counts["connections cut"] += len(sockets) // 2
        return len(sockets) // 2

    def stop(self) -> None:
        self._stopping.set()
        self.cut()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            upstream = self.upstream
            with self._lock:
                full = len(self._open) >= 2 * CONNECTIONS_MAX
            if upstream is None or full:
                _close(client)
                continue
            try:
                server = socket.create_connection(upstream, timeout=CONNECT_TIMEOUT_SECONDS)
            except OSError:
                _close(client)  # the clearinghouse is down (killed): the node retries
                continue
            self.counts["connections"] += 1
            with self._lock:
                self._open += [client, server]
            for source, target in ((client, server), (server, client)):
                source.settimeout(POLL_SECONDS)
                thread = threading.Thread(target=self._pump, args=(source, target), daemon=True)
                thread.start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while not self._stopping.is_set():
                if self.mode == "blackhole":
                    time.sleep(POLL_SECONDS)
                    continue
                try:
                    data = source.recv(CHUNK_BYTES)
                except TimeoutError:
                    continue
                if not data:
                    break
                if self.mode == "delay" and self.delay_seconds:
                    time.sleep(self.delay_seconds)
                target.sendall(data)
        except OSError:
            pass  # cut, or the other side went away
        finally:
            _close(source)
            _close(target)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
