"""Serve a WSGI app (a store emulator, a test store) over real HTTP on loopback."""

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

POKE_EVERY = 0.02  # seconds between wake-up connections while the serving loop winds down


class LiveServer:
    def __init__(self, app: "WSGIApplication", host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_server(host, port, app, threaded=True)
        address = self.server.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self.url = f"http://{self.host}:{self.port}"
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
        an empty request line and closes it.
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
    app: "WSGIApplication", host: str = "127.0.0.1", port: int = 0
) -> Iterator[LiveServer]:
    """``with serve_app(app) as server: requests.get(server.url + "/...")``"""
    server = LiveServer(app, host, port).start()
    try:
        yield server
    finally:
        server.stop()
