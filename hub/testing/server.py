"""Serve a WSGI app (a store emulator, a test store) over real HTTP on loopback."""

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


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
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


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
