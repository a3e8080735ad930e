"""What connector authors reuse in their tests: a live server for emulators, a context
factory, the connector contract suite (:mod:`hub.testing.contract`) and the emulator kit:
injected faults and a request log (:mod:`hub.testing.emulator`), credentials
(:mod:`hub.testing.credentials`), paging (:mod:`hub.testing.paging`), the control API
(:mod:`hub.testing.control`), a client for a running emulator (:mod:`hub.testing.live`), a
read/write lock for its store (:mod:`hub.testing.locks`) and its command line and demo store
(:mod:`hub.testing.standalone`)."""

from hub.testing.context import make_context
from hub.testing.live import LiveEmulator, LiveEmulators, self_signed_certificate
from hub.testing.server import LiveServer, serve_app
from hub.testing.streams import split_stream

__all__ = [
    "LiveEmulator",
    "LiveEmulators",
    "LiveServer",
    "make_context",
    "self_signed_certificate",
    "serve_app",
    "split_stream",
]
