"""Guided set-up of an integration (issue 18): the connection tested before the integration
is saved, the feeds held until a test passes, the date from which the store's orders are
imported, and the checklist that leads from a new integration to go-live.

The checklist follows the order a merchant sets up a store in: test the connection → map
the carriers of the shipping methods the store uses → import the products → import the
stock once → review the test-mode preview → go live. Each step is read from what the hub
has recorded (runs, orders, the integration's columns): nothing is ticked by hand.
"""

import hashlib
import hmac
import logging
from datetime import UTC, datetime, time, timedelta

from peewee import fn

from hub.crypto import SecretsError, encrypt_json, seal_json, unseal_json
from hub.db import db
from hub.engine.connector import build_context
from hub.engine.events import open_error_count
from hub.engine.job import iso_z
from hub.engine.plugins import get_registry
from hub.engine.schedule import refresh_next_run
from hub.errors import BadInput
from hub.models import (
    FeedRun,
    FeedSetting,
    HeldRecord,
    Integration,
    Order,
    OutboxItem,
    to_utc_naive,
    utcnow,
)
from hub.services import golive
from hub.services.integrations import split_settings, validate_url
from hub.settings import get_settings

log = logging.getLogger("hub.services.setup")

ORDERS_WINDOW = timedelta(days=7)  # a new integration imports the store's last week of orders
DONE_RUN_STATUSES = ("succeeded", "succeeded_with_errors")
PRODUCT_FEEDS = ("update_products", "import_new_products")
PREVIEW_FEEDS = ("export_stock", "shipping_confirmation")


def default_orders_since(now=None):
    """The start (UTC midnight) of the day ``ORDERS_WINDOW`` ago."""
    day = ((now or utcnow()) - ORDERS_WINDOW).date()
    return datetime.combine(day, time())


def parse_orders_since(text):
    """``2026-11-30`` (a date input's value; UTC midnight) or an ISO date-time -> naive UTC."""
    text = (text or "").strip()
    if not text:
        return default_orders_since()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(
            f"invalid date {text!r} for the orders to import: expected 2026-11-30"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return to_utc_naive(value)


# -- the connection test ----------------------------------------------------------------------


def draft_integration(connector, url, values, name=""):
    """An unsaved integration of what the form holds, to test before saving: the settings as
    given (a required one may still be missing: the store's choices help fill it)."""
    get_registry().state(connector)  # unknown connector -> BadInput
    settings, secrets = split_settings(connector, values or {}, partial=True)
    key = get_settings().require_secret_key()
    return Integration(
        name=name or "new integration",
        connector=connector,
        base_url=validate_url(url),
        settings=settings,
        secrets_encrypted=encrypt_json(key, secrets) if secrets else None,
    )


SEAL_PURPOSE = b"add-form-credentials"
SEAL_TTL = 3600  # seconds: a form left open longer asks for its credentials again


def _holder_digest(holder):
    return hashlib.sha256(holder.encode()).hexdigest()


def seal_secrets(values, specs, holder, *, now=None):
    """The credentials typed in the form, encrypted with HUB_SECRET_KEY for a hidden field:
    after "Test connection" the form is shown again without asking for them twice, and
    without showing them back.

    The token opens only for ``holder`` (the signed-in session's token: not another user,
    nor another sign-in), for :data:`SEAL_TTL` seconds, and under a key of its own purpose: an
    integration's stored credentials (or a token sealed elsewhere) are never taken for it, so
    a form cannot be made to carry someone else's credentials to a URL of its choosing."""
    secrets = {s["name"]: values[s["name"]] for s in specs if s["secret"] and values.get(s["name"])}
    if not secrets or not holder:
        return ""
    key = get_settings().require_secret_key()
    data = {"holder": _holder_digest(holder), "secrets": secrets}
    return seal_json(key, SEAL_PURPOSE, data, now=now)


def unseal_secrets(token, holder, *, now=None):
    """What ``seal_secrets`` sealed for ``holder`` ({} for nothing, or a token this key,
    this holder or this hour cannot open)."""
    if not token or not holder:
        return {}
    try:
        key = get_settings().require_secret_key()
        data = unseal_json(key, SEAL_PURPOSE, token, SEAL_TTL, now=now)
    except SecretsError:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("secrets"), dict):
        return {}
    if not hmac.compare_digest(str(data.get("holder", "")), _holder_digest(holder)):
        return {}
    return data["secrets"]


def store_choices(integration, report=None):
    """{setting: [{value, label}]} for the settings whose values come from the store, once
    the credentials work (None for a setting the store could not list)."""
    if report is not None and not report.get("connected"):
        return {}
    choices = {}
    for spec in get_registry().info(integration.connector)["settings"]:
        if spec.get("choices_from_store"):
            try:
                choices[spec["name"]] = golive.setting_choices(integration, spec["name"])
            except Exception:  # the store may refuse one list: a text field instead
                choices[spec["name"]] = None
    return choices


def open_orders_count(integration, orders_since, report=None):
    """How many open orders placed since ``orders_since`` (naive UTC) the store holds: the
    connector's optional ``hub_count_open_orders`` (one request to the store), None when it
    cannot tell, does not implement it, or the credentials did not work (``report``)."""
    if report is not None and not report.get("connected"):
        return None
    registry = get_registry()
    if not registry.implements(integration.connector, "hub_count_open_orders"):
        return None
    since = iso_z(orders_since.replace(tzinfo=UTC))
    try:
        count = registry.call(
            integration.connector,
            "hub_count_open_orders",
            ctx=build_context(integration),
            since=since,
        )
    except Exception as exc:  # a nicety of the form: the connection report says what is wrong
        log.info("%s: no open order count (%s: %s)", integration.connector, type(exc).__name__, exc)
        return None
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        if count is not None:
            log.warning("%s: hub_count_open_orders returned %r", integration.connector, count)
        return None
    return count


def run_connection_test(integration):
    """Test the connection (``golive.check_connection``). On a saved integration a passing
    test is recorded (the checklist's first step) and releases feeds held since creation;
    ``feeds_enabled`` in the report says so."""
    report = golive.check_connection(integration)
    report["feeds_enabled"] = False
    if integration.id is None or not report.get("ok"):
        return report
    with db.atomic():
        held = Integration.get_by_id(integration.id).feeds_held
        Integration.update(connection_ok_at=utcnow(), feeds_held=False).where(
            Integration.id == integration.id
        ).execute()
        if held:
            for fs in FeedSetting.select().where(
                FeedSetting.integration == integration.id,
                FeedSetting.enabled == False,  # noqa: E712
            ):
                fs.enabled = True
                fs.updated_at = utcnow()
                refresh_next_run(fs)
            report["feeds_enabled"] = True
    integration.connection_ok_at, integration.feeds_held = utcnow(), False
    return report


# -- shipping methods -------------------------------------------------------------------------


def shipping_methods(integration):
    """The shipping methods the store uses, by the name its merchant sees: from the imported
    orders, the orders held (an unmapped method holds its orders) and the mapping itself.
    ``[{code, title, carrier, orders, held}]``, the unmapped first."""
    mapping = integration.carrier_mapping or {}
    found = {}

    def method(code, title):
        entry = found.setdefault(
            code,
            {"code": code, "title": None, "carrier": mapping.get(code), "orders": 0, "held": 0},
        )
        entry["title"] = entry["title"] or title
        return entry

    rows = (
        Order.select(Order.shipping_method_code, Order.shipping_method_title, fn.COUNT(Order.id))
        .where(Order.integration == integration.id, Order.shipping_method_code.is_null(False))
        .group_by(Order.shipping_method_code, Order.shipping_method_title)
        .tuples()
    )
    for code, title, count in rows:
        method(code, title)["orders"] += count
    held = HeldRecord.select(HeldRecord.payload).where(
        HeldRecord.integration == integration.id, HeldRecord.status == "held"
    )
    for (payload,) in held.tuples():
        shipping = (payload or {}).get("shipping_method") or {}
        if shipping.get("code"):
            method(shipping["code"], shipping.get("title"))["held"] += 1
    for code in mapping:
        method(code, None)
    return sorted(found.values(), key=lambda m: (m["carrier"] is not None, m["title"] or m["code"]))


# -- the checklist ----------------------------------------------------------------------------


def _last_run(integration, feeds, statuses=None, with_outbox=False):
    query = FeedRun.select().where(FeedRun.integration == integration.id, FeedRun.feed.in_(feeds))
    if statuses:
        query = query.where(FeedRun.status.in_(statuses))
    if with_outbox:
        query = query.where(fn.EXISTS(OutboxItem.select().where(OutboxItem.run == FeedRun.id)))
    return query.order_by(FeedRun.id.desc()).first()


def _pending_run(integration, feeds):
    """A run of one of ``feeds`` still queued or running (the step is under way)."""
    return _last_run(integration, feeds, statuses=("queued", "running"))


def checklist(integration):
    """The set-up steps in order: ``[{key, label, done, detail, ...}]`` (each step's own
    facts for its link or button), and whether all before go-live are done."""
    steps = []
    ok_at = integration.connection_ok_at
    steps.append(
        {
            "key": "connection",
            "label": "Test the connection",
            "done": ok_at is not None,
            "detail": f"passed {ok_at:%Y-%m-%d %H:%M} UTC"
            if ok_at
            else "not passed yet: the feeds stay disabled until it passes"
            if integration.feeds_held
            else "not passed yet",
        }
    )
    methods = shipping_methods(integration)
    unmapped = [m for m in methods if not m["carrier"]]
    steps.append(
        {
            "key": "carriers",
            "label": "Map carriers",
            "done": bool(methods) and not unmapped,
            "detail": "no order imported yet: import the store's orders to see the shipping "
            "methods it uses"
            if not methods
            else f"{len(unmapped)} shipping method(s) without a carrier: their orders are held"
            if unmapped
            else f"{len(methods)} shipping method(s) mapped",
            "methods": methods,
            "pending": _pending_run(integration, ("import_new_orders",)),
        }
    )
    products = _last_run(integration, PRODUCT_FEEDS, DONE_RUN_STATUSES)
    steps.append(
        {
            "key": "products",
            "label": "Import products",
            "done": products is not None,
            "detail": f"imported: {products.created} new, {products.updated} updated"
            if products
            else "not imported yet",
            "run": products,
            "pending": _pending_run(integration, PRODUCT_FEEDS),
        }
    )
    stock_at = integration.stock_imported_at
    steps.append(
        {
            "key": "stock",
            "label": "Import stock once",
            "done": stock_at is not None,
            "detail": f"imported {stock_at:%Y-%m-%d %H:%M} UTC"
            if stock_at
            else "the store's stock levels, once, as the hub's starting figures",
            "run": _last_run(integration, ("import_stock",), DONE_RUN_STATUSES),
            "pending": _pending_run(integration, ("import_stock",)),
        }
    )
    preview = _last_run(integration, PREVIEW_FEEDS, DONE_RUN_STATUSES, with_outbox=True)
    steps.append(
        {
            "key": "preview",
            "label": "Review the test-mode preview",
            "done": preview is not None,
            "detail": "what the hub would send the store: see the preview"
            if preview
            else "run a stock export in test mode: nothing is sent, the preview shows what "
            "would be",
            "run": preview,
            "pending": _pending_run(integration, ("export_stock",)),
        }
    )
    ready = all(step["done"] for step in steps)
    errors = open_error_count(integration.id)
    live = integration.mode == "production"
    held = (
        HeldRecord.select()
        .where(HeldRecord.integration == integration.id, HeldRecord.status == "held")
        .count()
    )
    steps.append(
        {
            "key": "go_live",
            "label": "Go live",
            "done": live,
            "detail": f"live since {integration.went_live_at:%Y-%m-%d %H:%M} UTC"
            if live and integration.went_live_at
            else "live"
            if live
            else "ready: stock and shipments will be written to the store"
            if ready and not errors
            else f"ready, but {errors} unresolved error(s) block it"
            if ready
            else "after the steps above",
            "errors": errors,
            "held": held,
            "pending": _pending_run(integration, ("retry_orders",)),
        }
    )
    return {"steps": steps, "ready": ready, "done": all(step["done"] for step in steps)}
