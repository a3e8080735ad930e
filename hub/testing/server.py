"""Serve a WSGI app (a store emulator, a test store) over real HTTP on loopback, or HTTPS with
an ``ssl_context`` (werkzeug's: an ``ssl.SSLContext`` or a (cert file, key file) pair)."""

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

POKE_EVERY = 0.02  # seconds between wake-up connections while the serving loop winds down

SSLContextArg = ssl.SSLContext | tuple[str, str | None] | None


class LiveServer:
    def __init__(
        self,
        app: "WSGIApplication",
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: SSLContextArg = None,
    ) -> None:
        self.server = make_server(host, port, app, threaded=True, ssl_context=ssl_context)
        address = self.server.server_address
        self.host, self.port = str(address[0]), int(address[1])
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://{self.host}:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, name=f"live-server-{self.port}"
        )

    def start(self) -> "LiveServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving in milliseconds, not half a second.

        ``shutdown()`` only raises a flag that ``serve_forever`` reads after its ``select``
        returns, which an idle server does every ``poll_interval`` (0.5 s): a test paid that
        half second at every stop. A connection to the listening socket wakes the loop at
        once; it is repeated until the loop has seen the flag (the first one may arrive just
        before it is raised). The wake-up connection sends nothing: the request handler reads
        an empty request line and closes it (over TLS the handshake fails, which the serving
        loop drops as it drops any failed accept).
        """
        if self.thread.is_alive():
            stopping = threading.Thread(target=self.server.shutdown, daemon=True)
            stopping.start()
            while stopping.is_alive():
                self._poke()
                stopping.join(POKE_EVERY)
        self.server.server_close()
        if self.thread.ident is not None:
            self.thread.join(timeout=5)

    def _poke(self) -> None:
        with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 1):
            pass


@contextlib.contextmanager
def serve_app(
    app: "WSGIApplication",
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_context: SSLContextArg = None,
) -> Iterator[LiveServer]:
    """``with serve_app(app) as server: requests.get(server.url + "/...")``; with
    ``ssl_context=(cert_file, key_file)`` the server speaks HTTPS and ``server.url`` says so."""
    server = LiveServer(app, host, port, ssl_context).start()
    try:
        yield server
    finally:
        server.stop()
