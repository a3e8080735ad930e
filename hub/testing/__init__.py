"""What connector authors reuse in their tests: a live server for emulators, a context
factory, the connector contract suite (:mod:`hub.testing.contract`) and the emulator kit
(:mod:`hub.testing.emulator`: injected faults and a request log for a store emulator)."""

from hub.testing.context import make_context
from hub.testing.server import LiveServer, serve_app
from hub.testing.streams import split_stream

__all__ = ["LiveServer", "make_context", "serve_app", "split_stream"]
