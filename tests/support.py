"""Helpers of the core's tests (importable: tests/ is on pythonpath)."""

import os
import subprocess
import sys
import time
from pathlib import Path


def run(integration, feed, **params):
    """Run a feed inline and return the refreshed FeedRun."""
    from hub.engine.runs import run_inline
    from hub.models import Integration

    return run_inline(Integration.get_by_id(integration.id), feed, params=params)


def scheduled(integration, feed, **params):
    """Run a feed inline as the scheduler would (trigger "schedule")."""
    from hub.engine.runs import run_inline
    from hub.models import Integration

    return run_inline(
        Integration.get_by_id(integration.id), feed, trigger="schedule", params=params
    )


def hub_cli(*args, env=None, check=False, timeout=120):
    """Run the real `hub` console script in a subprocess."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "hub"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hub {' '.join(args)} -> {result.returncode}\n{result.stderr}")
    return result


class WorkerProcess:
    """A real `hub worker` consumer process."""

    def __init__(self, *args, env=None):
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "hub"), "worker", *self.args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def add_test_shop(store, *extra, name="Shop"):
    """`hub integrations add` of the test store's connector, through the real CLI."""
    return hub_cli(
        "integrations",
        "add",
        name,
        "--connector",
        "testshop",
        "--url",
        store.url,
        "--secret",
        "token=test-token",
        *extra,
        check=True,
    )


def wait_until(predicate, timeout=30, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
