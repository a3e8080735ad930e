"""A lease in the database per (integration, feed): the same feed never runs twice at once.

Acquired with one conditional UPDATE (portable SQLite/PostgreSQL), renewed by a
heartbeat thread while the run lasts, taken over when its holder stopped
heartbeating (the holder's run is then marked failed by the caller).
"""

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

import psutil

from hub.db import db
from hub.models import FeedLease, utcnow

log = logging.getLogger("hub.lease")
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_id():
    """Identifies this process (host:pid:nonce); threads of one process share it."""
    return WORKER_ID


def holder_is_dead(holder):
    """True when ``holder`` is a process of this host that no longer runs."""
    if not holder:
        return True
    try:
        host, pid, _ = holder.split(":", 2)
        pid = int(pid)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False  # another machine: only the lease expiry tells
    if pid == os.getpid():
        return holder != WORKER_ID
    return not psutil.pid_exists(pid)


def acquire(integration_id, feed, run_id, ttl_seconds, holder=None):
    """Try to take the lease. Returns (acquired, previous_run_id_taken_over_or_None)."""
    holder = holder or holder_id()
    now = utcnow()
    FeedLease.insert(integration=integration_id, feed=feed).on_conflict_ignore().execute()
    with db.atomic():
        lease = FeedLease.get((FeedLease.integration == integration_id) & (FeedLease.feed == feed))
        free = lease.holder is None
        expired = lease.expires_at is not None and lease.expires_at < now
        dead = lease.holder is not None and holder_is_dead(lease.holder)
        if not (free or expired or dead):
            return False, None
        updated = (
            FeedLease.update(
                holder=holder,
                run_id=run_id,
                heartbeat_at=now,
                expires_at=now + timedelta(seconds=ttl_seconds),
            )
            .where(
                (FeedLease.id == lease.id)
                & ((FeedLease.holder.is_null(True)) | (FeedLease.holder == lease.holder))
            )
            .execute()
        )
        if updated != 1:
            return False, None
        previous = lease.run_id if (not free and lease.run_id != run_id) else None
        return True, previous


def holding_run(integration_id, feed):
    """The id of the run that holds the feed's lease now (its holder alive, the lease not
    expired), or None when the feed is free: what a run asked for meanwhile will wait for."""
    lease = FeedLease.get_or_none(
        (FeedLease.integration == integration_id) & (FeedLease.feed == feed)
    )
    if lease is None or lease.holder is None:
        return None
    if (lease.expires_at is not None and lease.expires_at < utcnow()) or holder_is_dead(
        lease.holder
    ):
        return None
    return lease.run_id


def renew(integration_id, feed, run_id, ttl_seconds):
    now = utcnow()
    return (
        FeedLease.update(heartbeat_at=now, expires_at=now + timedelta(seconds=ttl_seconds))
        .where(
            (FeedLease.integration == integration_id)
            & (FeedLease.feed == feed)
            & (FeedLease.run_id == run_id)
        )
        .execute()
    ) == 1


def release(integration_id, feed, run_id):
    (
        FeedLease.update(holder=None, run_id=None, expires_at=None)
        .where(
            (FeedLease.integration == integration_id)
            & (FeedLease.feed == feed)
            & (FeedLease.run_id == run_id)
        )
        .execute()
    )


class Heartbeat:
    """Renews a lease every ``interval`` seconds in a background thread."""

    def __init__(self, integration_id, feed, run_id, ttl_seconds, interval=None):
        self.args = (integration_id, feed, run_id, ttl_seconds)
        self.interval = interval or max(1.0, ttl_seconds / 4)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True, name=f"lease-{run_id}")
        self.lost = False

    def _loop(self):
        while not self.stop_event.wait(self.interval):
            try:
                if not renew(*self.args):
                    self.lost = True
            except Exception:  # a busy database must not kill the run; the next beat retries
                log.debug("lease renewal failed", exc_info=True)
        if not db.is_closed():
            db.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=5)
