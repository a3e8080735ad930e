"""Capture every log line of the process at DEBUG, for tests that check credentials never
reach the logs (``hub -v`` shows debug lines of every library: urllib3, oauthlib…)."""

import contextlib
import logging
from collections.abc import Iterator


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextlib.contextmanager
def capture_all_logs(quiet: tuple[str, ...] = ("werkzeug",)) -> Iterator[_Capture]:
    """``with capture_all_logs() as logs: …; assert secret not in logs.text`` — the root
    logger and every logger created so far at DEBUG (but ``quiet`` ones: an emulator's own
    access log), restored afterwards."""
    root = logging.getLogger()
    loggers = [root] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    handler = _Capture()
    for lg in loggers[1:]:
        if not lg.name.startswith(quiet):
            lg.setLevel(logging.NOTSET)
            lg.disabled = False
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for lg, level, disabled in saved:
            lg.setLevel(level)
            lg.disabled = disabled
