"""Which run a log line belongs to, and the JSON log format (``hub --log-format json``).

:func:`run_context` is entered by :func:`hub.engine.runs.execute_run` while a run
executes: every log record made meanwhile in that thread (the engine's, a connector's,
urllib3's) is about that run. :class:`JsonFormatter` writes one JSON object per line with
the run's id, integration and feed (null outside a run) and the severity, for log collectors.
"""

import json
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_RUN: ContextVar[dict | None] = ContextVar("hub_run", default=None)
RUN_KEYS = ("run_id", "integration", "feed")


@contextmanager
def run_context(run_id, integration, feed):
    token = _RUN.set({"run_id": run_id, "integration": integration, "feed": feed})
    try:
        yield
    finally:
        _RUN.reset(token)


def current_run():
    """{"run_id", "integration", "feed"} of the run this thread executes, or None."""
    return _RUN.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), severity, logger, message, run_id,
    integration, feed, and exception (the traceback, already redacted by hub.http) if any."""

    def format(self, record):
        run = current_run() or {}
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "severity": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in RUN_KEYS:  # extra={"run_id": …} on the record wins over the context
            data[key] = getattr(record, key, run.get(key))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level, log_format="text"):
    """The root handler on stderr, in text (``TEXT_FORMAT``) or JSON lines."""
    handler = logging.StreamHandler()
    json_lines = log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
