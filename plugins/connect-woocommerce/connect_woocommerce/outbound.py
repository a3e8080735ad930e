"""What the hub writes to WooCommerce: stock quantities and shipment confirmations.

**Stock** goes through the batch endpoints (``POST /products/batch`` and
``POST /products/{id}/variations/batch``: at most 100 items a call,
``WC_REST_Controller::check_batch_limit``; each item answered on its own, a refused one as
``{"id", "error": {"code", "message", "data"}}``, ``batch_items``). WooCommerce has no
compare-and-swap: ``stock_quantity`` is set, whatever it was. So the items are read again just
before they are written (one ``include=`` request per parent) and an item whose store quantity
is no longer the ``previous`` the hub last saw is not written: a sale the hub has not imported
yet, or a change in the admin, is never overwritten. It comes back as ``conflict`` with the
store's quantity; the hub records it, and the next export (after Import new orders has taken
the sale) writes the right figure. What remains is the time between that read and the batch
write (one request).

**Shipments** are three steps, each checked before it is made, so a push cut off anywhere
(a crash, a lost answer) and pushed again completes what is missing and never repeats a step:

1. the tracking number, with the Shipment Tracking extension
   (``POST /wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings``), unless the
   order's trackings already carry it; without the extension (its route answers 404
   ``rest_no_route``) the number goes in the order note;
2. the order status ``completed`` (``PUT /orders/{id}``), unless it is already completed;
3. an order note naming the hub shipment (``POST /orders/{id}/notes``; ``customer_note`` is
   the hub's ``notify_customer``: WooCommerce mails customer notes to the customer), unless a
   note of the order already names it. The note is written last: it marks the shipment done.
"""

from connect_woocommerce.client import NO_ROUTE, Row, WooClient
from hub import hookimpl
from hub.context import ConnectorContext
from hub.errors import StoreRejected
from hub.records import PushResultDict, ShipmentRecordDict, StockPushDict
from hub.toolkit import chunked, conflict, failed, pushed, unchanged

BATCH_LIMIT = 100  # WC_REST_Controller::check_batch_limit (woocommerce_rest_batch_items_limit)
TRACKING = "/wp-json/wc-shipment-tracking/v3/orders/{order_id}/shipment-trackings"
UNSHIPPABLE = ("cancelled", "refunded", "failed", "trash", "checkout-draft")


# -- stock -------------------------------------------------------------------------------------


def _parent_of(item: StockPushDict) -> int | None:
    parent = str((item.get("store_refs") or {}).get("parent_id") or "")
    return int(parent) if parent.isdigit() else None


def _current(wc: WooClient, parent: int | None, items: list[StockPushDict]) -> dict[int, Row]:
    """{id: row} of the items as the store has them now."""
    path = "products" if parent is None else f"products/{parent}/variations"
    return wc.by_id(path, [i["external_id"] for i in items])


def _check(item: StockPushDict, row: Row | None) -> PushResultDict | None:
    """A result when the item must not (or need not) be written, else None."""
    sku, target = item["sku"], item["quantity"]
    if row is None:
        return failed(
            sku,
            f"WooCommerce has no product {item['external_id']} ({sku}) any more",
            hint="The product was deleted or turned into another type: run Update products.",
        )
    if row.get("manage_stock") == "parent":
        return failed(
            sku,
            f"WooCommerce variation {sku} sells from its parent product's stock: the hub counts "
            "stock per variation",
            hint="Tick 'Manage stock?' on the variation itself in WooCommerce.",
        )
    if row.get("manage_stock") is not True:
        return failed(
            sku,
            f"WooCommerce does not manage the stock of {sku}: a quantity would be ignored",
            hint="Tick 'Manage stock?' on the product (or variation) in WooCommerce.",
        )
    have = row.get("stock_quantity")
    if have == target:
        return unchanged(sku, store_quantity=have)
    previous = item.get("previous")
    if previous is not None and have != previous:
        return conflict(
            sku,
            f"WooCommerce's stock of {sku} is {have}, not the {previous} the hub last saw (a "
            "sale or an admin change): not overwritten",
            hint="Nothing to do: the next export, after the sale is imported, sends the right "
            "quantity.",
            store_quantity=have if isinstance(have, int) else None,
        )
    return None


def _write(wc: WooClient, parent: int | None, items: list[StockPushDict]) -> list[PushResultDict]:
    path = "products/batch" if parent is None else f"products/{parent}/variations/batch"
    body = {
        "update": [{"id": int(i["external_id"]), "stock_quantity": i["quantity"]} for i in items]
    }
    answer = wc.json("POST", path, json=body)
    rows = {}
    for row in (answer or {}).get("update") or []:
        if isinstance(row, dict) and str(row.get("id", "")).isdigit():
            rows[int(row["id"])] = row
    results = []
    for item in items:
        row = rows.get(int(item["external_id"]))
        error = (row or {}).get("error")
        if row is None or error:
            message = (error or {}).get("message") or "no answer for this item"
            results.append(
                failed(item["sku"], f"WooCommerce refused the stock of {item['sku']}: {message}")
            )
        else:
            have = row.get("stock_quantity")
            results.append(
                pushed(item["sku"], store_quantity=have if isinstance(have, int) else None)
            )
    return results


@hookimpl
def hub_push_stock_levels(
    ctx: ConnectorContext, items: list[StockPushDict]
) -> list[PushResultDict]:
    wc = WooClient(ctx)
    groups: dict[int | None, list[StockPushDict]] = {}
    for item in items:
        groups.setdefault(_parent_of(item), []).append(item)
    results: dict[str, PushResultDict] = {}
    for parent, group in groups.items():
        for chunk in chunked(group, BATCH_LIMIT):
            try:
                current = _current(wc, parent, chunk)
                to_write = []
                for item in chunk:
                    result = _check(item, current.get(int(item["external_id"])))
                    if result is None:
                        to_write.append(item)
                    else:
                        results[item["sku"]] = result
                if to_write:
                    for result in _write(wc, parent, to_write):
                        results[result["key"]] = result
            except StoreRejected as exc:
                for item in chunk:
                    results.setdefault(item["sku"], failed(item["sku"], exc.message, hint=exc.hint))
    return [results[item["sku"]] for item in items]


# -- shipments ---------------------------------------------------------------------------------


def trackings(wc: WooClient, order_id: int | str) -> list[Row] | None:
    """The order's Shipment Tracking entries, or None when the extension is not active."""
    answer = wc.get_if_route(TRACKING.format(order_id=order_id))
    if answer is NO_ROUTE:
        return None
    return [t for t in answer or [] if isinstance(t, dict)]


def tracking_extension(wc: WooClient) -> bool:
    """True when the Shipment Tracking extension's route exists (for the connection check:
    order 0 does not exist, so a 404 other than ``rest_no_route`` means the route is there)."""
    try:
        return trackings(wc, 0) is not None
    except StoreRejected:
        return True


def marker(shipment: ShipmentRecordDict) -> str:
    return f"[hub shipment {shipment['shipment_id']}]"


def _note_text(shipment: ShipmentRecordDict, tracked: bool) -> str:
    parts = [f"Shipped by {shipment['carrier']}"]
    if not tracked:
        parts.append(f"tracking number {shipment['tracking_number']}")
        if shipment.get("tracking_url"):
            parts.append(str(shipment.get("tracking_url")))
    return ", ".join(parts) + f". {marker(shipment)}"


def _add_tracking(
    wc: WooClient, order_id: str, shipment: ShipmentRecordDict, have: list[Row]
) -> bool:
    """Step 1: True when a tracking was added, False when the order already had it."""
    numbers = {str(t.get("tracking_number") or "").strip() for t in have}
    if shipment["tracking_number"].strip() in numbers:
        return False
    body = {
        "custom_tracking_provider": shipment["carrier"],
        "tracking_number": shipment["tracking_number"],
        "date_shipped": str(shipment["shipped_at"])[:10],
    }
    if shipment.get("tracking_url"):
        body["custom_tracking_link"] = str(shipment.get("tracking_url"))
    wc.json("POST", TRACKING.format(order_id=order_id), json=body, once=True)
    return True


def _has_note(wc: WooClient, order_id: str, shipment: ShipmentRecordDict) -> bool:
    notes = wc.get(f"orders/{order_id}/notes", {"type": "any"}) or []
    return any(marker(shipment) in str(n.get("note") or "") for n in notes if isinstance(n, dict))


@hookimpl
def hub_push_shipment(ctx: ConnectorContext, shipment: ShipmentRecordDict) -> PushResultDict:
    wc = WooClient(ctx)
    key, number = shipment["shipment_id"], shipment["order_number"]
    order_id = str(shipment["order_external_id"])
    if not order_id.isdigit():
        return failed(key, f"Order {number}: {order_id!r} is not a WooCommerce order id")
    order = wc.get(f"orders/{order_id}", missing_ok=True)
    if order is None:
        return failed(
            key,
            f"WooCommerce has no order {number} (id {order_id}) any more",
            hint="Check the order in WooCommerce; mark the shipment resolved if it was deleted.",
        )
    if order.get("status") in UNSHIPPABLE:
        return failed(
            key,
            f"Order {number} is {order.get('status')} in WooCommerce: it cannot be shipped there",
            hint="Cancel the shipment in the hub, or check the order with the customer.",
        )
    done: list[str] = []
    try:
        have = trackings(wc, order_id)
        tracked = have is not None
        if have is not None and _add_tracking(wc, order_id, shipment, have):
            done.append(f"tracking number {shipment['tracking_number']} added")
        if order.get("status") != "completed":
            wc.json("PUT", f"orders/{order_id}", json={"status": "completed"})
            done.append("order completed")
        if not _has_note(wc, order_id, shipment):
            wc.json(
                "POST",
                f"orders/{order_id}/notes",
                json={
                    "note": _note_text(shipment, tracked),
                    "customer_note": bool(shipment.get("notify_customer")),
                },
                once=True,
            )
            done.append("note added")
    except StoreRejected as exc:
        return failed(key, exc.message, hint=exc.hint, external_id=order_id)
    if not done:
        return unchanged(
            key,
            f"Order {number} already carries this shipment in WooCommerce",
            external_id=order_id,
        )
    return pushed(key, f"Order {number}: " + "; ".join(done), external_id=order_id)
