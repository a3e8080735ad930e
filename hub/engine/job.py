"""FeedJob: what a feed implementation gets — the integration, the run, the connector call,
counters, progress, events and the checkpoint."""

import logging
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from marshmallow import ValidationError

from hub.db import db
from hub.engine.events import occurrence, record_events, resolve_references
from hub.models import Checkpoint, Event, FeedRun, Order, OutboxItem, Product, utcnow
from hub.outcomes import Outcome
from hub.records import field_errors_text, validate_record

log = logging.getLogger("hub.feeds")

PROGRESS_EVERY_SECONDS = 2.0
SHOW_EVERY_SECONDS = 0.2  # a progress callback (hub feeds run --inline on a terminal)
ORDER_FEEDS = ("import_new_orders", "update_orders", "retry_orders", "shipping_confirmation")
CHECKPOINT_OVERLAP = timedelta(minutes=2)


class RunRefused(Exception):
    """The run cannot start (import_stock already done, test mode for an outbound feed…)."""


def parse_iso(value):
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def iso_z(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FeedJob:
    def __init__(self, integration, run, registry, ctx, settings, progress=None):
        self.integration = integration
        self.run = run
        self.feed = run.feed
        self.registry = registry
        self.ctx = ctx
        self.settings = settings
        self.params = run.params or {}
        self.counts = dict.fromkeys(("created", "updated", "unchanged", "skipped", "failed"), 0)
        self.processed = 0
        self.total = None
        self.errors = 0
        self._pending_events = None  # a list inside batched_events
        self._last_flush = self._last_shown = time.monotonic()
        self._progress = progress  # progress(processed, total), or None
        ctx.progress = self.set_total

    # -- connector --------------------------------------------------------------------------

    def call(self, hook, **kwargs):
        return self.registry.call(self.integration.connector, hook, ctx=self.ctx, **kwargs)

    def implements(self, hook):
        return self.registry.implements(self.integration.connector, hook)

    # -- counts and progress ----------------------------------------------------------------

    def count(self, key, n=1):
        self.counts[key] += n

    def step(self, n=1):
        self.processed += n
        now = time.monotonic()
        if now - self._last_flush >= PROGRESS_EVERY_SECONDS:
            self.flush()
        elif self._progress is not None and now - self._last_shown >= SHOW_EVERY_SECONDS:
            self._show(now)

    def set_total(self, total, exact=True):
        self.total = total if exact else max(total, self.processed)
        self.flush()

    def flush(self):
        self._last_flush = time.monotonic()
        FeedRun.update(
            processed=self.processed, total=self.total, progress_at=utcnow(), **self.counts
        ).where(FeedRun.id == self.run.id).execute()
        if self._progress is not None:
            self._show(self._last_flush)

    def _show(self, now):
        self._last_shown = now
        try:
            self._progress(self.processed, self.total)
        except Exception:  # a display must never break a run
            log.exception("progress callback failed")

    # -- events -----------------------------------------------------------------------------

    def event(self, severity, code, message, **where):
        """Record a problem (see ``record_event``; ``where``: ``occurrence``'s hint,
        reference, external_id, details); inside ``batched_events`` it is written with the
        rest of the batch (and None returned)."""
        if severity == "error":
            self.errors += 1
        seen = occurrence(severity, code, message, **where)
        if self._pending_events is not None:
            self._pending_events.append(seen)
            return None
        record = self._record_of(seen["reference"], seen["external_id"])
        seen["details"] = {**record, **(seen["details"] or {})}
        (event_id,) = record_events(self.integration.id, [seen], run=self.run)
        return Event.get_by_id(event_id)

    @contextmanager
    def batched_events(self):
        """The events of a batch recorded together when it ends (``record_events``: one upsert,
        the hub rows they are about read once), with the same rows as one by one. On an
        error nothing is written: the batch's transaction is rolled back anyway."""
        self._pending_events = []
        try:
            yield
            pending = self._pending_events
        finally:
            self._pending_events = None
        if pending:
            records = self._records_of(pending)
            for item in pending:
                item["details"] = {
                    **records.get((item["reference"], item["external_id"]), {}),
                    **(item["details"] or {}),
                }
            record_events(self.integration.id, pending, run=self.run)

    def _records_of(self, items):
        """``_record_of`` for many events, in two queries."""
        external_ids = {i["external_id"] for i in items if i["external_id"]}
        orders = {}
        if external_ids and self.feed in ORDER_FEEDS:
            orders = dict(
                Order.select(Order.external_id, Order.id)
                .where(
                    (Order.integration == self.integration.id)
                    & Order.external_id.in_(list(external_ids))
                )
                .tuples()
            )
        references = {
            i["reference"] for i in items if i["reference"] and i["external_id"] not in orders
        }
        skus = set()
        if references:
            skus = {
                sku
                for (sku,) in Product.select(Product.sku)
                .where(Product.sku.in_(list(references)))
                .tuples()
            }
        found = {}
        for item in items:
            key = (item["reference"], item["external_id"])
            if item["external_id"] and item["external_id"] in orders:
                found[key] = {"order_id": orders[item["external_id"]]}
            elif item["reference"] and item["reference"] in skus:
                found[key] = {"sku": item["reference"]}
        return found

    def _record_of(self, reference, external_id):
        """The hub row an event is about ({"order_id"} or {"sku"}), for the event's page."""
        if external_id and self.feed in ORDER_FEEDS:
            order_id = (
                Order.select(Order.id)
                .where(
                    (Order.integration == self.integration.id) & (Order.external_id == external_id)
                )
                .scalar()
            )
            if order_id is not None:
                return {"order_id": order_id}
        if reference and Product.select().where(Product.sku == reference).exists():
            return {"sku": reference}
        return {}

    def outcome(self, outcome: Outcome):
        """A Skip/Hold/Invalid yielded by the connector in place of a record."""
        counter = "failed" if outcome.severity == "error" else "skipped"
        self.count(counter)
        details = (
            {"errors": getattr(outcome, "errors", None)}
            if getattr(outcome, "errors", None)
            else None
        )
        self.event(
            outcome.severity,
            outcome.code,
            outcome.message,
            hint=outcome.hint,
            reference=outcome.reference,
            external_id=outcome.external_id,
            details=details,
        )

    def validate(self, kind, record, reference_keys=("sku", "number", "external_id")):
        """Validate a connector record; an invalid one becomes an Error event, an Outcome in
        its place is recorded (``outcome``): None returned for both."""
        if isinstance(record, Outcome):
            self.outcome(record)
            return None
        try:
            return validate_record(kind, record)
        except ValidationError as exc:
            reference = ""
            if isinstance(record, dict):
                reference = next((str(record[k]) for k in reference_keys if record.get(k)), "")
            fields = field_errors_text(exc.messages)
            self.count("failed")
            self.event(
                "error",
                "invalid_record",
                f"The store sent an invalid {kind.replace('_', ' ')} "
                f"{reference or ''}: {'; '.join(fields)}".replace("  ", " "),
                hint="Correct these fields in the store, then run the feed again.",
                reference=reference,
                external_id=record.get("external_id") if isinstance(record, dict) else None,
                details={"fields": exc.messages},
            )
            return None

    def resolved(self, references, codes=None):
        return resolve_references(self.integration.id, references, codes)

    def record_imported(self, kind, record, hub_id, created):
        """``hub_record_imported`` for a record written, when some plugin listens (nobody
        does, mostly: 20,000 empty calls at a first import are not made)."""
        hook = self.registry.hook.hub_record_imported
        if not hook.get_hookimpls():
            return
        try:
            hook(
                integration=self.integration.name,
                feed=self.feed,
                kind=kind,
                record=record,
                hub_id=hub_id,
                created=created,
            )
        except Exception:  # the record is committed: a listener's bug must not fail the run
            log.exception("hub_record_imported failed for %s %s", kind, record.get("external_id"))

    # -- outbox -----------------------------------------------------------------------------

    def outbox_preview(self, key, payload):
        """Test mode: what would have been sent, kept for the run's page; nothing is sent."""
        OutboxItem.create(
            run=self.run.id,
            key=key,
            payload=payload,
            sent=False,
            status="preview",
            message="test mode: not sent",
        )

    def outbox_sent(self, key, payload, result):
        """What was sent and the store's answer for it (``result``: the validated push
        result; None, the store did not answer for this key: "missing")."""
        OutboxItem.create(
            run=self.run.id,
            key=key,
            payload=payload,
            sent=True,
            status=result["status"] if result else "missing",
            message=result.get("message") if result else None,
        )

    # -- checkpoint -------------------------------------------------------------------------

    def checkpoint(self):
        row = Checkpoint.get_or_none(
            (Checkpoint.integration == self.integration.id) & (Checkpoint.feed == self.feed)
        )
        return row.value if row else None

    def since(self):
        """The checkpoint handed to the connector, moved back by a small overlap when it is
        a time (idempotent upserts make the re-read harmless)."""
        value = self.checkpoint()
        dt = parse_iso(value) if value else None
        if dt is not None and not str(value).isdigit():
            return iso_z(dt - CHECKPOINT_OVERLAP)
        return value

    def commit_checkpoint(self, cursor):
        """Store ``cursor`` as the high-water mark; never past the moment the run started.

        A webhook run reads a few records by id, not the stream: it never moves the feed's
        checkpoint (the scheduled run still reads everything after it, and reconciles)."""
        if cursor is None or self.run.trigger == "webhook":
            return
        dt = parse_iso(cursor)
        started = self.run.started_at.replace(tzinfo=UTC) if self.run.started_at else None
        if dt is not None and not str(cursor).isdigit() and started and dt > started:
            cursor = iso_z(started)
        with db.atomic():
            Checkpoint.insert(
                integration=self.integration.id, feed=self.feed, value=cursor, updated_at=utcnow()
            ).on_conflict(
                conflict_target=[Checkpoint.integration, Checkpoint.feed],
                update={Checkpoint.value: cursor, Checkpoint.updated_at: utcnow()},
            ).execute()


def batched_stream(job, iterator, kind, batch_size=200, validate=True):
    """Validate a connector stream and group it in batches of records.

    Outcomes are recorded at once; the cursor of everything seen (records and
    outcomes) is returned with each batch so the checkpoint can advance once the
    batch is committed. With ``validate=False`` the raw dicts are batched and the
    caller validates them (products validate only what changed).
    """
    batch, cursor = [], None
    step = job.step
    for item in iterator:
        step()
        if isinstance(item, Outcome):
            job.outcome(item)
            cursor = item.cursor or cursor
            continue
        if isinstance(item, dict) and item.get("cursor"):
            cursor = item["cursor"]
        record = job.validate(kind, item) if validate else item
        if record is None:
            continue
        batch.append(record)
        if len(batch) >= batch_size:
            yield batch, cursor
            batch = []
    yield batch, cursor
