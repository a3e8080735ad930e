"""Prometheus metrics computed from the database when ``/metrics`` is scraped.

A custom ``prometheus_client`` collector: every number comes from the tables the workers
write, so one scrape of any ``hub web`` process sees every worker's runs, without
``prometheus_client``'s multiprocess mode. Queries stay bounded: the runs, records and
durations are those of the runs queued in the last :data:`WINDOW` (24 h, so these are gauges
over a rolling window, not counters since the start); unresolved events, held orders and the
last success per feed are counted over their tables, which retention bounds
(``HUB_RUN_RETENTION_DAYS``); workers are those seen in the window and not stopped.

Metric names and labels (README "Observability"):

* ``hub_feed_runs{integration,feed,status}``                runs queued in the window
* ``hub_feed_run_duration_seconds{integration,feed}``       histogram of the window's
  finished runs (started → finished), buckets :data:`DURATION_BUCKETS`
* ``hub_feed_records_processed{integration,feed}``          records processed by them
* ``hub_feed_records{integration,feed,outcome}``            created/updated/unchanged/skipped/failed
* ``hub_feed_last_success_age_seconds{integration,feed}``   since the last successful run
* ``hub_feed_late{integration,feed}``                       1 per late feed (as /healthz)
* ``hub_held_orders{integration,status}``                   held / expired orders
* ``hub_events_unresolved{integration,severity}``           open info / retry / error events
* ``hub_queue_depth``                                       tasks waiting in the queue
* ``hub_worker_heartbeat_age_seconds{worker,hostname,scheduler}`` per running worker
* ``hub_worker_last_seen_age_seconds``                      the freshest heartbeat's age
"""

import logging
from collections import defaultdict
from datetime import timedelta

from peewee import fn
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from hub.models import Event, FeedRun, HeldRecord, Integration, WorkerHeartbeat, utcnow
from hub.models.feeds import HELD_STATUSES
from hub.services.alerts import late_feeds

log = logging.getLogger("hub.metrics")

WINDOW = timedelta(hours=24)
DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)
SUCCESS = ("succeeded", "succeeded_with_errors")
OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


def _seconds(now, then):
    return max((now - then).total_seconds(), 0.0)


class HubCollector(Collector):
    """Yields the hub's metric families at each scrape; ``queue_depth()`` (the queue's
    pending count) is handed in by the front end, which knows the queue."""

    def __init__(self, queue_depth=None, now=None):
        self.queue_depth = queue_depth
        self.now = now or utcnow

    def collect(self):
        now = self.now()
        names = {i.id: i.name for i in Integration.select(Integration.id, Integration.name)}
        yield from self._runs(now, names)
        yield self._durations(now, names)
        yield self._last_success(now, names)
        yield self._late(now)
        yield self._held(names)
        yield self._events(names)
        yield from self._queue()
        yield from self._workers(now)

    def _runs(self, now, names):
        runs = GaugeMetricFamily(
            "hub_feed_runs",
            "Feed runs queued in the last 24 hours, by status.",
            labels=["integration", "feed", "status"],
        )
        processed = GaugeMetricFamily(
            "hub_feed_records_processed",
            "Records processed by the feed runs queued in the last 24 hours.",
            labels=["integration", "feed"],
        )
        records = GaugeMetricFamily(
            "hub_feed_records",
            "Records of the feed runs queued in the last 24 hours, by outcome.",
            labels=["integration", "feed", "outcome"],
        )
        sums = [fn.SUM(getattr(FeedRun, name)) for name in ("processed", *OUTCOMES)]
        query = (
            FeedRun.select(FeedRun.integration, FeedRun.feed, FeedRun.status, fn.COUNT(1), *sums)
            .where(FeedRun.queued_at >= now - WINDOW)
            .group_by(FeedRun.integration, FeedRun.feed, FeedRun.status)
            .tuples()
        )
        per_feed = defaultdict(lambda: [0] * (1 + len(OUTCOMES)))
        for integration_id, feed, status, count, *values in query:
            name = names.get(integration_id, str(integration_id))
            runs.add_metric([name, feed, status], count)
            totals = per_feed[(name, feed)]
            for i, value in enumerate(values):
                totals[i] += int(value or 0)
        for (name, feed), (done, *outcomes) in sorted(per_feed.items()):
            processed.add_metric([name, feed], done)
            for outcome, value in zip(OUTCOMES, outcomes, strict=True):
                records.add_metric([name, feed, outcome], value)
        yield runs
        yield processed
        yield records

    def _durations(self, now, names):
        family = HistogramMetricFamily(
            "hub_feed_run_duration_seconds",
            "Duration of the feed runs queued in the last 24 hours and finished.",
            labels=["integration", "feed"],
        )
        query = (
            FeedRun.select(
                FeedRun.integration, FeedRun.feed, FeedRun.started_at, FeedRun.finished_at
            )
            .where(
                (FeedRun.queued_at >= now - WINDOW)
                & FeedRun.started_at.is_null(False)
                & FeedRun.finished_at.is_null(False)
            )
            .tuples()
        )
        durations = defaultdict(list)
        for integration_id, feed, started, finished in query:
            durations[(names.get(integration_id, str(integration_id)), feed)].append(
                _seconds(finished, started)
            )
        for (name, feed), values in sorted(durations.items()):
            buckets = [
                (str(float(bound)), sum(1 for v in values if v <= bound))
                for bound in DURATION_BUCKETS
            ]
            buckets.append(("+Inf", len(values)))
            family.add_metric([name, feed], buckets, sum(values))
        return family

    def _last_success(self, now, names):
        family = GaugeMetricFamily(
            "hub_feed_last_success_age_seconds",
            "Seconds since the last successful run of each feed (no sample: never succeeded).",
            labels=["integration", "feed"],
        )
        query = (
            FeedRun.select(FeedRun.integration, FeedRun.feed, fn.MAX(FeedRun.finished_at))
            .where(FeedRun.status.in_(SUCCESS) & FeedRun.finished_at.is_null(False))
            .group_by(FeedRun.integration, FeedRun.feed)
            .tuples()
        )
        for integration_id, feed, finished in sorted(query, key=lambda r: (r[0], r[1])):
            name = names.get(integration_id, str(integration_id))
            family.add_metric([name, feed], _seconds(now, finished))
        return family

    def _late(self, now):
        family = GaugeMetricFamily(
            "hub_feed_late",
            "1 for each enabled feed without a successful run for HUB_ALERT_LATE_FACTOR "
            "intervals of its schedule.",
            labels=["integration", "feed"],
        )
        for late in late_feeds(now):
            family.add_metric([late["integration"], late["feed"]], 1)
        return family

    def _held(self, names):
        return _count_by_integration(
            "hub_held_orders",
            "Orders held (awaiting payment or a fix) or expired, by integration.",
            names,
            HeldRecord.status,
            HeldRecord.status.in_(HELD_STATUSES),
        )

    def _events(self, names):
        return _count_by_integration(
            "hub_events_unresolved",
            "Unresolved events (problems) by integration and severity.",
            names,
            Event.severity,
            Event.resolved_at.is_null(),
        )

    def _queue(self):
        if self.queue_depth is None:
            return
        try:
            depth = self.queue_depth()
        except Exception as exc:  # a scrape reports what it can: no sample when the queue is down
            log.warning("queue depth unavailable: %s: %s", type(exc).__name__, exc)
            return
        family = GaugeMetricFamily("hub_queue_depth", "Tasks waiting in the queue.")
        family.add_metric([], depth)
        yield family

    def _workers(self, now):
        per_worker = GaugeMetricFamily(
            "hub_worker_heartbeat_age_seconds",
            "Seconds since each running worker's last heartbeat (workers seen in the last "
            "24 hours and not stopped cleanly).",
            labels=["worker", "hostname", "scheduler"],
        )
        query = WorkerHeartbeat.select().where(
            WorkerHeartbeat.stopped_at.is_null() & (WorkerHeartbeat.seen_at >= now - WINDOW)
        )
        for worker in query.order_by(WorkerHeartbeat.worker_id):
            per_worker.add_metric(
                [worker.worker_id, worker.hostname, "true" if worker.scheduler else "false"],
                _seconds(now, worker.seen_at),
            )
        yield per_worker
        seen = WorkerHeartbeat.select(fn.MAX(WorkerHeartbeat.seen_at)).scalar()
        if seen is not None:
            last = GaugeMetricFamily(
                "hub_worker_last_seen_age_seconds",
                "Seconds since any worker's last heartbeat (/healthz: stale after 120).",
            )
            last.add_metric([], _seconds(now, seen))
            yield last


def registry(queue_depth=None):
    """A registry of the hub's collector only (no process metrics: a scrape of one ``hub
    web`` process is about the hub, not about that process)."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(HubCollector(queue_depth=queue_depth))
    return reg


def _count_by_integration(metric, help, names, column, condition):
    """A gauge of the rows of ``column``'s table that match ``condition``, counted by
    integration (named by ``names``) and by the value of ``column``."""
    model = column.model
    family = GaugeMetricFamily(metric, help, labels=["integration", column.name])
    query = (
        model.select(model.integration, column, fn.COUNT(1))
        .where(condition)
        .group_by(model.integration, column)
        .tuples()
    )
    for integration_id, value, count in sorted(query):
        family.add_metric([names.get(integration_id, str(integration_id)), value], count)
    return family
