"""Orders, order notes and the Shipment Tracking extension's endpoint.

Controllers: ``Version3/class-wc-rest-orders-controller.php`` (over the Version2 one; HPOS or
posts behave the same through the REST API), ``Version3/class-wc-rest-order-notes-controller.php``;
the official Shipment Tracking extension's ``wc-shipment-tracking/v3`` routes as its REST API
documentation describes them (``tracking_id``, ``tracking_provider``, ``tracking_link``,
``tracking_number``, ``date_shipped``; ``custom_tracking_provider`` / ``custom_tracking_link``).
"""

import hashlib
from datetime import datetime

from connect_woocommerce_emulator import render
from connect_woocommerce_emulator.catalogue import select
from connect_woocommerce_emulator.params import (
    Invalid,
    invalid_params,
    missing_params,
    to_boolean,
    to_integer,
)
from connect_woocommerce_emulator.routes import Router
from connect_woocommerce_emulator.seed import SHIPPING, new_order, order_line
from connect_woocommerce_emulator.store import ORDER_STATUSES, RestError, utcnow

router = Router()
tracking_router = Router()

ORDER_ORDERBY = ("date", "id", "include", "title", "slug", "modified")

#: a few of the extension's predefined providers (``get_providers``), by country
PROVIDERS = {
    "France": {
        "Colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code=%1$s",
        "Chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT=%1$s",
    },
    "Germany": {
        "DHL Intraship (DE)": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=%1$s"
    },
    "United Kingdom": {
        "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/%1$s"
    },
    "United States": {
        "Fedex": "https://www.fedex.com/apps/fedextrack/?action=track&tracknumbers=%1$s",
        "UPS": "https://www.ups.com/track?loc=en_US&tracknum=%1$s",
        "USPS": "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=%1$s",
    },
}


def _order(store, order_id, status=404):
    order = store.orders.get(order_id)
    if order is None:
        raise RestError("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", status)
    return order


@router.route(r"wc/v3/orders", "GET", "list")
def list_orders(call):
    store, args = call.store, call.args
    statuses = args.text_list("status") or ["any"]
    bad = [s for s in statuses if s != "any" and s not in ORDER_STATUSES and s != "trash"]
    if bad:
        args.fail(
            "status",
            "rest_not_in_enum",
            f"status[0] is not one of {', '.join(('any', *ORDER_STATUSES, 'trash'))}.",
        )
    customer = args.integer("customer")
    product = args.integer("product")
    args.check()
    records = list(store.orders.values())
    if "any" not in statuses:
        records = [o for o in records if o["status"] in statuses]
    if customer is not None:
        records = [o for o in records if o.get("customer_id") == customer]
    if product is not None:
        records = [
            o
            for o in records
            if any(product in (li["product_id"], li["variation_id"]) for li in o["line_items"])
        ]
    chosen, headers = select(call, records, ORDER_ORDERBY)
    return [render.order(store, o, call.site) for o in chosen], 200, headers


@router.route(r"wc/v3/orders/(?P<id>\d+)", "GET", "view")
def get_order(call, id):
    return render.order(call.store, _order(call.store, id), call.site), 200, {}


def _status(body):
    status = body.get("status")
    if status is None:
        return None
    if status not in ORDER_STATUSES:
        raise invalid_params(
            {"status": ("rest_not_in_enum", f"status is not one of {', '.join(ORDER_STATUSES)}.")}
        )
    return status


@router.route(r"wc/v3/orders/(?P<id>\d+)", "PUT", "edit")
def put_order(call, id):
    """``update_item``: a status change runs the status hooks (stock, dates, the note); then
    ``set_paid`` true runs ``payment_complete`` (processing, paid date, stock) if the order
    still ``needs_payment()`` (pending or failed)."""
    store, body = call.store, call.body
    order = _order(store, id, status=400)
    status = _status(body)
    set_paid = False
    if "set_paid" in body:
        try:
            set_paid = to_boolean("set_paid", body["set_paid"])
        except Invalid as exc:
            raise invalid_params({"set_paid": (exc.code, exc.message)}) from None
    if "customer_note" in body and isinstance(body["customer_note"], str):
        order["customer_note"] = body["customer_note"]
    if "transaction_id" in body and isinstance(body["transaction_id"], str):
        order["transaction_id"] = body["transaction_id"]
    now = utcnow()
    if status is not None:
        store.set_order_status(order, status, when=now, event=False)
    # after the save: payment_complete() only when the order still needs_payment()
    if set_paid and order["status"] in ("pending", "failed"):
        store.set_order_status(order, "processing", when=now, event=False)
    order["modified"] = now
    store.touch()
    store.events.append(("order.updated", order["id"]))
    return render.order(store, order, call.site), 200, {}


@router.route(r"wc/v3/orders", "POST", "create")
def post_order(call):
    """``create_item``, the part a test needs: ``line_items`` by ``product_id`` /
    ``variation_id`` or ``sku`` (get_product_id reads the SKU first), ``status``, ``set_paid``,
    ``shipping_lines`` with ``method_id``."""
    store, body = call.store, call.body
    status = _status(body) or "pending"
    lines = []
    for n, raw in enumerate(body.get("line_items") or []):
        product, variation, quantity = resolve_line(store, raw, n)
        lines.append(order_line(store, product, variation, quantity))
    shipping = SHIPPING[0]
    for line in body.get("shipping_lines") or []:
        method = str(line.get("method_id") or "flat_rate")
        shipping = next(
            (s for s in SHIPPING if s[0] == method), (method, line.get("method_title", method), 0)
        )
    import random

    order = new_order(store, random.Random(store.next_id), lines, shipping=shipping)
    order["created_via"] = "rest-api"
    order = store.add_order(order, status)
    if body.get("set_paid") in (True, "true", 1, "1") and order["status"] == "pending":
        store.set_order_status(order, "processing", event=False)
    location = f"{call.site}{render.API}/orders/{order['id']}"
    return render.order(store, order, call.site), 201, {"Location": location}


def resolve_line(store, raw, n):
    """A posted line's product and variation (``get_product_id``: SKU, then the ids)."""
    try:
        quantity = to_integer(f"line_items[{n}][quantity]", raw.get("quantity", 1))
    except Invalid as exc:
        raise invalid_params({"line_items": (exc.code, exc.message)}) from None
    record = None
    if raw.get("sku"):
        record = store.products.get(store.by_sku.get(raw["sku"], -1))
    elif raw.get("variation_id"):
        record = store.products.get(int(raw["variation_id"]))
    elif raw.get("product_id"):
        record = store.products.get(int(raw["product_id"]))
    if record is None or record["type"] == "variable":
        raise RestError(
            "woocommerce_rest_invalid_product_id", "Product ID provided is invalid.", 400
        )
    if record["type"] == "variation":
        return store.products[record["parent_id"]], record, quantity
    return record, None, quantity


# -- notes --------------------------------------------------------------------------------------


def _notes_order(store, order_id):
    order = store.orders.get(order_id)
    if order is None:
        raise RestError("woocommerce_rest_order_invalid_id", "Invalid order ID.", 404)
    return order


@router.route(r"wc/v3/orders/(?P<order_id>\d+)/notes", "GET", "list")
def list_notes(call, order_id):
    """``get_items``: every note, newest first (``wc_get_order_notes``), no paging headers;
    ``type`` any | customer | internal."""
    store = call.store
    _notes_order(store, order_id)
    kind = call.args.enum("type", ("any", "customer", "internal"), "any")
    call.args.check()
    notes = store.notes.get(order_id, [])
    if kind == "customer":
        notes = [n for n in notes if n["customer_note"]]
    elif kind == "internal":
        notes = [n for n in notes if not n["customer_note"]]
    ordered = sorted(notes, key=lambda n: (n["created"], n["id"]), reverse=True)
    return [render.note(store, order_id, n, call.site) for n in ordered], 200, {}


@router.route(r"wc/v3/orders/(?P<order_id>\d+)/notes/(?P<id>\d+)", "GET", "view")
def get_note(call, order_id, id):
    store = call.store
    _notes_order(store, order_id)
    for note in store.notes.get(order_id, []):
        if note["id"] == id:
            return render.note(store, order_id, note, call.site), 200, {}
    raise RestError("woocommerce_rest_invalid_id", "Invalid resource ID.", 404)


@router.route(r"wc/v3/orders/(?P<order_id>\d+)/notes", "POST", "create")
def post_note(call, order_id):
    store, body = call.store, call.body
    if not body.get("note"):
        raise (
            missing_params(["note"])
            if "note" not in body
            else RestError(
                "woocommerce_rest_invalid_order_note",
                "Cannot create order note, please try again.",
                500,
            )
        )
    order = _notes_order(store, order_id)
    note = store.add_note(
        order,
        str(body["note"]),
        customer_note=body.get("customer_note") in (True, "true", 1, "1"),
        by_user=body.get("added_by_user") in (True, "true", 1, "1"),
    )
    location = f"{call.site}{render.API}/orders/{order_id}/notes/{note['id']}"
    return render.note(store, order_id, note, call.site), 201, {"Location": location}


# -- Shipment Tracking (only registered when the extension is "installed") -----------------------


def _saved(store, order):
    """The extension keeps its items in the order meta ``_wc_shipment_tracking_items``. The
    emulator takes the strict reading of how it stores them: a full ``$order->save()``, which
    moves ``date_modified`` and fires ``woocommerce_update_order`` (an ``order.updated``
    webhook) — a client must expect its own shipment to come back as an update."""
    order["modified"] = utcnow()
    store.touch()
    store.events.append(("order.updated", order["id"]))


def _tracking(store, order_id, item, site):
    collection = f"{site}/wp-json/wc-shipment-tracking/v3/orders/{order_id}/shipment-trackings"
    return {
        "tracking_id": item["tracking_id"],
        "tracking_provider": item["tracking_provider"],
        "tracking_link": item["tracking_link"],
        "tracking_number": item["tracking_number"],
        "date_shipped": item["date_shipped"],
        "_links": {
            "self": [{"href": f"{collection}/{item['tracking_id']}"}],
            "collection": [{"href": collection}],
            "up": [{"href": f"{site}{render.API}/orders/{order_id}"}],
        },
    }


def _provider_link(name):
    for providers in PROVIDERS.values():
        for provider, link in providers.items():
            if provider.lower() == name.lower():
                return provider, link
    return None, ""


@tracking_router.route(
    r"wc-shipment-tracking/v3/orders/(?P<order_id>\d+)/shipment-trackings", "GET", "list"
)
def list_trackings(call, order_id):
    store = call.store
    _notes_order(store, order_id)
    items = store.trackings.get(order_id, [])
    return [_tracking(store, order_id, i, call.site) for i in items], 200, {}


@tracking_router.route(
    r"wc-shipment-tracking/v3/orders/(?P<order_id>\d+)/shipment-trackings/providers", "GET", "list"
)
def list_providers(call, order_id):
    return PROVIDERS, 200, {}


@tracking_router.route(
    r"wc-shipment-tracking/v3/orders/(?P<order_id>\d+)/shipment-trackings/(?P<tracking_id>[0-9a-f]+)",
    "GET",
    "view",
)
def get_tracking(call, order_id, tracking_id):
    store = call.store
    _notes_order(store, order_id)
    for item in store.trackings.get(order_id, []):
        if item["tracking_id"] == str(tracking_id):
            return _tracking(store, order_id, item, call.site), 200, {}
    raise RestError("woocommerce_rest_order_invalid_tracking_id", "Invalid tracking ID.", 404)


@tracking_router.route(
    r"wc-shipment-tracking/v3/orders/(?P<order_id>\d+)/shipment-trackings/(?P<tracking_id>[0-9a-f]+)",
    "DELETE",
    "delete",
)
def delete_tracking(call, order_id, tracking_id):
    store = call.store
    _notes_order(store, order_id)
    items = store.trackings.get(order_id, [])
    for item in items:
        if item["tracking_id"] == str(tracking_id):
            items.remove(item)
            _saved(store, store.orders[order_id])
            return _tracking(store, order_id, item, call.site), 200, {}
    raise RestError("woocommerce_rest_order_invalid_tracking_id", "Invalid tracking ID.", 404)


@tracking_router.route(
    r"wc-shipment-tracking/v3/orders/(?P<order_id>\d+)/shipment-trackings", "POST", "create"
)
def post_tracking(call, order_id):
    """Add a tracking item: ``tracking_number`` is required; a predefined ``tracking_provider``
    gets its link, ``custom_tracking_provider`` + ``custom_tracking_link`` are kept as given;
    ``date_shipped`` defaults to today. The extension neither completes the order nor adds a
    note: the connector does both through the core API."""
    store, body = call.store, call.body
    if not body.get("tracking_number"):
        raise missing_params(["tracking_number"])
    order = _notes_order(store, order_id)
    custom = str(body.get("custom_tracking_provider") or "")
    if custom:
        provider, link = custom, str(body.get("custom_tracking_link") or "")
    else:
        name = str(body.get("tracking_provider") or "")
        provider, template = _provider_link(name)
        provider = provider or name
        link = template.replace("%1$s", str(body["tracking_number"])) if template else ""
    shipped = body.get("date_shipped")
    day = utcnow().astimezone(store.tz).strftime("%Y-%m-%d")
    if shipped:
        try:
            day = datetime.fromisoformat(str(shipped).replace("Z", "+00:00")).strftime("%Y-%m-%d")
        except ValueError:
            try:
                day = datetime.fromtimestamp(int(shipped)).strftime("%Y-%m-%d")
            except ValueError:
                raise invalid_params(
                    {"date_shipped": ("rest_invalid_date", "Invalid date.")}
                ) from None
    count = len(store.trackings.get(order_id, []))
    seed = f"{order_id}-{body['tracking_number']}-{count}-{store.writes}"
    item = {
        "tracking_id": hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest(),
        "tracking_provider": provider,
        "tracking_link": link,
        "tracking_number": str(body["tracking_number"]),
        "date_shipped": day,
    }
    store.trackings.setdefault(order["id"], []).append(item)
    _saved(store, order)
    return _tracking(store, order_id, item, call.site), 201, {}
