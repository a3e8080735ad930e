"""Serve a WSGI app (a store emulator, a test store) over real HTTP on loopback."""

import contextlib
import threading

from werkzeug.serving import make_server


class LiveServer:
    def __init__(self, app, host="127.0.0.1", port=0):
        self.server = make_server(host, port, app, threaded=True)
        self.host, self.port = self.server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, name=f"live-server-{self.port}"
        )

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextlib.contextmanager
def serve_app(app, host="127.0.0.1", port=0):
    """``with serve_app(app) as server: requests.get(server.url + "/...")``"""
    server = LiveServer(app, host, port).start()
    try:
        yield server
    finally:
        server.stop()
