"""Live progress of a long command: processed/total, rate and ETA.

On a terminal (stderr is a TTY) a tqdm bar on stderr, redrawn in place; otherwise (piped,
redirected, a CI log) plain lines on stdout, one every :data:`PLAIN_EVERY_SECONDS` and one at
the end, without carriage returns; with ``--json`` nothing (stdout is the JSON only).
"""

import os
import sys
import time

import click
from tqdm import tqdm

PLAIN_EVERY_SECONDS = 10.0


def _clock(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _screen(file):
    """The terminal's (columns, lines); 80×24 where it says 0, as a fresh pseudo-terminal does
    (tqdm would draw nothing on a screen of 0 lines)."""
    try:
        columns, lines = os.get_terminal_size(file.fileno())
    except (AttributeError, OSError, ValueError):
        columns = lines = 0
    return columns or 80, lines or 24


class Progress:
    """``update(processed, total)`` as the work goes (total None: unknown), then ``close()``."""

    def __init__(self, label, *, enabled=True, tty=None, file=None, unit="records"):
        self.label = label
        self.enabled = enabled
        self.file = file if file is not None else sys.stderr
        self.tty = self.file.isatty() if tty is None else tty
        self.unit = unit
        self.bar = None
        self.processed, self.total = 0, None
        self.started = self._last_line = time.monotonic()
        self.updated = False

    def update(self, processed, total=None):
        if not self.enabled:
            return
        self.processed, self.total, self.updated = processed, total, True
        if self.tty:
            self._draw()
        elif time.monotonic() - self._last_line >= PLAIN_EVERY_SECONDS:
            self._line()

    def _draw(self):
        if self.bar is None:
            columns, lines = _screen(self.file)
            self.bar = tqdm(
                total=self.total,
                desc=self.label,
                unit=f" {self.unit}",
                file=self.file,
                ncols=columns,
                nrows=lines,
                leave=True,
            )
        if self.total != self.bar.total:
            self.bar.total = self.total
        self.bar.update(max(self.processed - self.bar.n, 0))
        self.bar.refresh()

    def _line(self, final=False):
        self._last_line = now = time.monotonic()
        elapsed = max(now - self.started, 1e-6)
        rate = self.processed / elapsed
        done = f"{self.processed}/{self.total}" if self.total else f"{self.processed}"
        text = f"{self.label}: {done} {self.unit}"
        if final:
            text += f" in {_clock(elapsed)} ({rate:.1f}/s)"
        else:
            text += f" ({rate:.1f}/s"
            if self.total and rate > 0 and self.processed < self.total:
                text += f", ETA {_clock((self.total - self.processed) / rate)}"
            text += ")"
        click.echo(text)

    def close(self):
        """The bar's last state, or one plain line with the final count and rate (none if
        the work never started)."""
        if not self.enabled:
            return
        self.enabled = False
        if self.bar is not None:
            self.bar.close()
        elif self.updated and not self.tty:
            self._line(final=True)
