"""Webhooks: the ``/webhooks`` CRUD (``Version3/class-wc-rest-webhooks-controller.php`` over its
V1/V2 parents) and deliveries as ``includes/class-wc-webhook.php`` makes them.

- Topics: ``wc_is_webhook_valid_topic``: ``coupon|customer|order|product`` × ``created|updated|
  deleted|restored``, or ``action.*``. The emulator raises ``order.created``, ``order.updated``,
  ``product.created`` and ``product.updated`` (a variation's update is ``product.updated`` too:
  ``woocommerce_update_product_variation`` is one of that topic's hooks, and the payload is then
  ``/wc/v3/products/{variation id}``, a product-shaped variation).
- One delivery per webhook and resource per request (``is_already_processed``).
- ``deliver()``: POST, body ``trim(wp_json_encode($payload))`` — the resource as a REST GET of it
  returns (``get_wp_api_payload``) — with ``Content-Type: application/json``, the
  ``WooCommerce/… Hookshot (WordPress/…)`` user agent and the headers ``X-WC-Webhook-Source``
  (``home_url('/')``), ``-Topic``, ``-Resource``, ``-Event``, ``-Signature`` (base64 of the raw
  HMAC-SHA256 of the body with the secret, ``generate_signature``), ``-ID`` and ``-Delivery-ID``.
- ``get_new_delivery_id()`` is ``wp_hash( $webhook_id . strtotime('now') )``: two deliveries of
  one webhook in the same second carry the SAME delivery id. The emulator keeps that (an HMAC of
  id + whole seconds), so a receiver that deduplicates on it alone is caught out, as with the
  real store.
- Deliveries run in the background (WooCommerce queues them with Action Scheduler,
  ``woocommerce_webhook_deliver_async``), never inside the request that caused them; the payload
  is read when the delivery runs. A 2xx, 301 or 302 answer resets ``failure_count``; anything
  else (or no answer) counts a failure, and past 5 (``woocommerce_max_webhook_delivery_failures``)
  the webhook becomes ``disabled`` (``failed_delivery``). No retries.
- Creating a webhook (and activating one still ``pending_delivery``) sends the unsigned ping
  ``webhook_id=<id>`` (form-encoded) synchronously, as ``create_item`` → ``deliver_ping()`` does;
  its failure does not fail the request.

Not like WooCommerce: ``wp_safe_remote_request`` refuses loopback and private delivery URLs unless
a filter allows them; the emulator delivers to them, since the tests' receivers live there.
"""

import base64
import hashlib
import hmac
import queue
import secrets
import threading
import time
from datetime import datetime
from urllib.parse import urlparse

import requests

from connect_woocommerce_emulator import render
from connect_woocommerce_emulator.catalogue import select
from connect_woocommerce_emulator.params import invalid_params, missing_params
from connect_woocommerce_emulator.routes import Router
from connect_woocommerce_emulator.store import RestError, utcnow

router = Router()

RESOURCES = ("coupon", "customer", "order", "product")
EVENTS = ("created", "updated", "deleted", "restored")
STATUSES = ("active", "paused", "disabled")
MAX_FAILURES = 5
USER_AGENT = "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"
#: the topic → hooks map (``get_default_topic_hooks``), shown in a webhook's ``hooks`` field
TOPIC_HOOKS = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": [
        "woocommerce_update_order",
        "woocommerce_order_refunded",
        "woocommerce_delete_order_refund",
    ],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
}


def valid_topic(topic):
    if not isinstance(topic, str):
        return False
    if topic.startswith("action."):
        return len(topic) > len("action.")
    resource, _, event = topic.partition(".")
    return resource in RESOURCES and event in EVENTS


def valid_url(url):
    """``wc_is_valid_url``: an http(s) URL with a host."""
    if not isinstance(url, str):
        return False
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def signature(body, secret):
    """``generate_signature``: base64 of the raw HMAC-SHA256 of the body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _webhook(store, webhook_id, status=400, message="ID is invalid."):
    """An unknown id: ``get_item`` and ``update_item`` answer 400 "ID is invalid." (from
    ``prepare_item_for_response`` / ``update_item``), ``delete_item`` 404 "Invalid ID."."""
    record = store.webhooks.get(webhook_id)
    if record is None:
        raise RestError("woocommerce_rest_webhook_invalid_id", message, status)
    return record


def _apply(record, body, creating):
    errors = {}
    if "status" in body and body["status"] not in STATUSES:
        errors["status"] = (
            "rest_not_in_enum",
            "status is not one of active, paused, and disabled.",
        )
    for name in ("name", "secret", "delivery_url", "topic"):
        if name in body and not isinstance(body[name], str):
            errors[name] = ("rest_invalid_type", f"{name} is not of type string.")
    if errors:
        raise invalid_params(errors)
    if body.get("topic") or creating:
        topic = str(body.get("topic") or "").lower()
        if not valid_topic(topic):
            message = "Webhook topic is required and must be valid."
            raise RestError(
                "woocommerce_rest_webhook_invalid_topic",
                message if creating else "Webhook topic must be valid.",
                400,
            )
        record["topic"] = topic
        record["hooks"] = TOPIC_HOOKS.get(topic, [])
    if body.get("delivery_url") or creating:
        if not valid_url(body.get("delivery_url")):
            raise RestError(
                "woocommerce_rest_webhook_invalid_delivery_url",
                "Webhook delivery URL must be a valid URL starting with http:// or https://.",
                400,
            )
        record["delivery_url"] = body["delivery_url"]
    if body.get("name"):
        record["name"] = body["name"]
    if body.get("secret"):
        record["secret"] = body["secret"]
    if "status" in body:
        record["status"] = body["status"]
    record["modified"] = utcnow()


@router.route(r"wc/v3/webhooks", "GET", "list")
def list_webhooks(call):
    store = call.store
    status = call.args.enum("status", ("all", *STATUSES), "all")
    call.args.check()
    records = [w for w in store.webhooks.values() if status == "all" or w["status"] == status]
    chosen, headers = select(call, records, ("date", "id", "include", "title"))
    return [render.webhook(store, w, call.site) for w in chosen], 200, headers


@router.route(r"wc/v3/webhooks/(?P<id>\d+)", "GET", "view")
def get_webhook(call, id):
    return render.webhook(call.store, _webhook(call.store, id), call.site), 200, {}


@router.route(r"wc/v3/webhooks", "POST", "create")
def post_webhook(call):
    store, body = call.store, call.body
    missing = [n for n in ("topic", "delivery_url") if n not in body]
    if missing:
        raise missing_params(missing)
    now = utcnow()
    record = {
        "id": store.next_webhook_id,
        "name": "",
        "status": "active",
        "secret": secrets.token_urlsafe(37),  # wp_generate_password( 50, true, true )
        "created": now,
        "modified": now,
        "failure_count": 0,
        "pending_delivery": True,
    }
    _apply(record, body, creating=True)
    if not record["name"]:
        local = now.astimezone(store.tz)
        record["name"] = f"Webhook created on {local:%b %d, %Y @ %I:%M %p}"  # 'M d, Y @ h:i A'
    store.next_webhook_id += 1
    store.webhooks[record["id"]] = record
    store.touch()
    call.after.append(lambda: call.emulator.dispatcher.ping(record))
    location = f"{call.site}{render.API}/webhooks/{record['id']}"
    return render.webhook(store, record, call.site), 201, {"Location": location}


@router.route(r"wc/v3/webhooks/(?P<id>\d+)", "PUT", "edit")
def put_webhook(call, id):
    store = call.store
    record = _webhook(store, id, status=400)
    _apply(record, call.body, creating=False)
    if record["status"] == "active":
        record["failure_count"] = 0
        if record.get("pending_delivery"):
            call.after.append(lambda: call.emulator.dispatcher.ping(record))
    store.touch()
    return render.webhook(store, record, call.site), 200, {}


@router.route(r"wc/v3/webhooks/(?P<id>\d+)", "DELETE", "delete")
def delete_webhook(call, id):
    store = call.store
    if not call.args.boolean("force", False):  # checked before the id
        raise RestError(
            "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.", 501
        )
    record = _webhook(store, id, status=404, message="Invalid ID.")
    del store.webhooks[id]
    store.touch()
    return render.webhook(store, record, call.site), 200, {}


class Dispatcher:
    """The background deliveries: events of a request → one queued delivery per matching active
    webhook; a worker thread builds the payload (under the store lock) and POSTs it."""

    def __init__(self, emulator, delay=0.0, timeout=10.0):
        self.emulator = emulator
        self.delay = delay
        self.timeout = timeout
        self.queue = queue.Queue()
        self.drop = 0  # the next n deliveries are lost (control: POST /_emulator/webhooks/drop)
        self.log = []  # every delivery tried: dicts for GET /_emulator/webhooks/deliveries
        self.log_lock = threading.Lock()
        self.salt = secrets.token_bytes(16)  # wp_hash's salt
        self.thread = threading.Thread(target=self._run, name="woocommerce-webhooks", daemon=True)
        self.thread.start()

    def enqueue(self, store, site):
        """Called with the store lock held at the end of a request."""
        events = list(dict.fromkeys(store.events))
        store.events.clear()
        for topic, resource_id in events:
            for hook in store.webhooks.values():
                if hook["status"] == "active" and hook["topic"] == topic:
                    self.queue.put(
                        (hook["id"], topic, resource_id, site, time.monotonic() + self.delay)
                    )

    def _run(self):
        while True:
            job = self.queue.get()
            try:
                self._deliver(*job)
            except Exception as exc:  # keep the worker alive whatever a delivery does
                self._record({"error": repr(exc)})
            finally:
                self.queue.task_done()

    def pending(self):
        return self.queue.unfinished_tasks

    def _record(self, entry):
        with self.log_lock:
            self.log.append(entry)

    def _deliver(self, webhook_id, topic, resource_id, site, not_before):
        wait = not_before - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        store = self.emulator.store
        with store.lock:
            hook = store.webhooks.get(webhook_id)
            if hook is None or hook["status"] != "active":
                return
            resource = topic.split(".")[0]
            if resource == "order":
                order = store.orders.get(resource_id)
                payload = render.order(store, order, site) if order else {"id": resource_id}
            else:
                record = store.products.get(resource_id)
                payload = render.product(store, record, site) if record else {"id": resource_id}
            body = render.wp_json(payload).strip().encode()
            second = int(time.time())
            delivery_id = hmac.new(
                self.salt, f"{webhook_id}{second}".encode(), hashlib.md5
            ).hexdigest()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-WC-Webhook-Source": site.rstrip("/") + "/",
                "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Resource": resource,
                "X-WC-Webhook-Event": topic.split(".")[1],
                "X-WC-Webhook-Signature": signature(body, hook["secret"]),
                "X-WC-Webhook-ID": str(webhook_id),
                "X-WC-Webhook-Delivery-ID": delivery_id,
            }
            url = hook["delivery_url"]
            dropped = self.drop > 0
            if dropped:
                self.drop -= 1
        entry = {
            "webhook_id": webhook_id,
            "topic": topic,
            "resource_id": resource_id,
            "delivery_id": delivery_id,
            "second": second,
            "url": url,
            "at": datetime.now().isoformat(),
        }
        if dropped:
            self._record({**entry, "dropped": True})
            return
        try:
            response = requests.post(
                url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
            )
            code = response.status_code
        except requests.RequestException as exc:
            code, entry["error"] = None, type(exc).__name__
        entry["status"] = code
        self._record(entry)
        with store.lock:
            hook = store.webhooks.get(webhook_id)
            if hook is None:
                return
            if code is not None and 200 <= code < 303:
                hook["failure_count"] = 0
            elif hook["failure_count"] > MAX_FAILURES:
                hook["status"] = "disabled"
            else:
                hook["failure_count"] += 1

    def ping(self, hook):
        """``deliver_ping``: the unsigned ``webhook_id=<id>`` POST, 5 s (WP HTTP's default)."""
        try:
            response = requests.post(
                hook["delivery_url"],
                data=f"webhook_id={hook['id']}",
                headers={
                    "User-Agent": USER_AGENT,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                timeout=5,
            )
            ok = response.status_code == 200
        except requests.RequestException:
            ok = False
        self._record(
            {"webhook_id": hook["id"], "ping": True, "ok": ok, "url": hook["delivery_url"]}
        )
        if ok:
            with self.emulator.store.lock:
                hook["pending_delivery"] = False

    def wait(self, timeout=10.0):
        """Until every queued delivery ran (tests)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.queue.unfinished_tasks
