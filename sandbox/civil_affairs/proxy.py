"""A TCP proxy in front of the civil-affairs database server that loses connections.

Fault ``connection_lost`` (sandbox.faults): the connector is pointed at the proxy instead of
the server; the proxy passes bytes both ways and, on a connection that has carried a
seeded number of bytes from the server (a few KB into a streamed result), ends both
sides: the database connection is lost in the middle of a stream, as when a server
restarts or a network path fails. At most ``max_cuts`` connections are cut in a run, so a
connector that reconnects and resumes always finishes.

Only a database server has a connection to lose: with SQLite the fault does not apply.
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit, urlunsplit

from sandbox.faults import FaultPlan, _unit

CUT_AFTER_BYTES = (2_048, 12_288)  # the range a cut falls in, bytes from the server


def proxied_url(url: str, port: int) -> str:
    """`url` with its host and port replaced by the proxy's (user and password kept)."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def server_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default = 5432 if parts.scheme.startswith("postgresql") else 3306
    return parts.hostname or "127.0.0.1", parts.port or default


def _cut(sock: socket.socket) -> None:
    """End the connection under the peer, in the middle of what it was receiving. shutdown()
    first: it also wakes the other pump, blocked reading the same socket (a bare close()
    from here would leave the socket open until that read returns)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class LossyProxy:
    def __init__(self, upstream: tuple[str, int], plan: FaultPlan, max_cuts: int = 3) -> None:
        self.upstream = upstream
        self.plan = plan
        self.max_cuts = max_cuts
        self.cuts = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="civil-affairs-proxy", daemon=True)

    def start(self) -> LossyProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                n = self.connections
                self.connections += 1
            threading.Thread(target=self._serve, args=(client, n), daemon=True).start()

    def _cut_after(self, n: int) -> int | None:
        lo, hi = CUT_AFTER_BYTES
        if not self.plan.on("connection_lost"):
            return None
        return lo + int(_unit(self.plan.seed, "connection_lost", n) * (hi - lo))

    def _serve(self, client: socket.socket, n: int) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        cut_at = self._cut_after(n)
        done = threading.Event()
        up = threading.Thread(target=self._pump, args=(client, server, None, done), daemon=True)
        up.start()
        self._pump(server, client, cut_at, done)
        up.join(timeout=5)
        for s in (client, server):
            try:
                s.close()
            except OSError:
                pass

    def _pump(self, src: socket.socket, dst: socket.socket, cut_at: int | None, done: threading.Event) -> None:
        """Carry bytes from `src` to `dst` until either side ends; downstream (`cut_at` given),
        lose the connection once `cut_at` bytes have gone, while cuts are left."""
        carried = 0
        try:
            while not done.is_set():
                data = src.recv(65536)
                if not data:
                    break
                if cut_at is not None and carried + len(data) >= cut_at and self._take_cut():
                    self.plan.count("connection_lost")
                    dst.sendall(data[: max(0, cut_at - carried)])
                    done.set()
                    _cut(dst)
                    _cut(src)
                    return
                dst.sendall(data)
                carried += len(data)
        except OSError:
            pass
        finally:
            done.set()
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _take_cut(self) -> bool:
        """Whether a connection may still be lost (at most max_cuts)."""
        with self._lock:
            if self.cuts >= self.max_cuts:
                return False
            self.cuts += 1
            return True
