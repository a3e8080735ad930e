"""The emulator's in-memory shop: products, variations, orders, notes, webhooks, settings.

One ``RLock`` guards everything; the Flask views and the control routes take it for the whole
request, the webhook thread only to read a payload. Products and variations share one id space
with orders, as WordPress posts do (``wp_posts`` ids; HPOS orders still reserve a placeholder post).
Records are plain dicts in the REST field names; dates are aware UTC ``datetime`` objects kept
under ``created`` / ``modified`` / ``paid`` / ``completed`` and rendered by ``render.py``.

Stock rules follow ``includes/wc-stock-functions.php`` (WooCommerce 9.x):

- ``wc_maybe_reduce_stock_levels`` runs on ``woocommerce_payment_complete`` and on the status
  hooks ``woocommerce_order_status_completed``, ``…_processing`` and ``…_on-hold``; it does
  nothing when the order's ``_order_stock_reduced`` flag is already set, else reduces every line
  (``wc_reduce_stock_levels``: each line item remembers ``_reduced_stock``) and sets the flag.
- ``wc_maybe_increase_stock_levels`` runs on ``woocommerce_order_status_cancelled`` and
  ``…_pending``; only when the flag is set it restores each line's ``_reduced_stock`` and clears it.
- A line changes stock only if its product manages stock (``manage_stock``); a variation whose
  ``manage_stock`` is ``"parent"`` changes its parent's quantity (``get_stock_managed_by_id``).
- ``wc_update_product_stock`` then sets ``stock_status`` from the quantity
  (``WC_Product_Data_Store_CPT::update_product_stock`` → ``validate_props``: ``outofstock`` at
  or below ``woocommerce_notify_no_stock_amount`` = 0 when backorders are ``no``).
"""

import re
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

#: ``wc_get_order_statuses()`` without the ``wc-`` prefix (WooCommerce 9.x; checkout-draft is the
#: Store API's draft status), then ``trash`` that the REST schema adds to the enum.
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
#: ``wc_get_is_paid_statuses()``: ``date_paid`` is set on a transition into one of these.
PAID_STATUSES = ("processing", "completed")
#: hooks that call ``wc_maybe_reduce_stock_levels`` / ``wc_maybe_increase_stock_levels``
REDUCE_ON = ("processing", "completed", "on-hold")
RESTORE_ON = ("cancelled", "pending")
#: ``wc_get_order_statuses()`` labels, used in the system notes of a status change
STATUS_LABELS = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "checkout-draft": "Draft",
}
#: wc_get_weight(): kg per unit
KG_PER_UNIT = {"kg": 1.0, "g": 0.001, "lbs": 0.45359237, "oz": 0.028349523125}


class RestError(Exception):
    """A ``WP_Error`` the REST server answers as ``{"code", "message", "data": {"status"}}``."""

    def __init__(self, code, message, status, **data):
        super().__init__(message)
        self.code, self.message, self.status, self.data = code, message, status, data

    def body(self):
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.data},
        }


def formatted_name(record):
    """``WC_Product::get_formatted_name``: "Name (SKU)", or "Name (#id)" without an SKU; the
    stock notes (``wc_trigger_stock_change_notifications``) join it with "from&rarr;to"."""
    return f"{record['name']} ({record.get('sku') or '#' + str(record['id'])})"


def utcnow():
    """Now, in whole seconds: WordPress stores ``Y-m-d H:i:s`` (``post_modified_gmt``)."""
    return datetime.now(UTC).replace(microsecond=0)


class Store:
    def __init__(self, timezone="Europe/Paris", weight_unit="kg", currency="EUR"):
        self.lock = threading.RLock()
        self.tz = ZoneInfo(timezone)
        self.weight_unit = weight_unit
        self.currency = currency
        self.next_id = 10
        # id -> product or variation (WordPress posts of type product / product_variation)
        self.products = {}
        self.children = {}  # parent id -> [variation ids] in menu order
        self.by_sku = {}  # sku -> id, across products and variations (SKUs are unique store-wide)
        self.by_gtin = {}  # global_unique_id -> id (unique store-wide too)
        self.orders = {}  # id -> order
        self.notes = {}  # order id -> [note]
        self.trackings = {}  # order id -> [tracking]
        self.webhooks = {}  # id -> webhook
        self.next_webhook_id = 1
        self.next_item_id = 1  # order item ids (woocommerce_order_items)
        self.next_note_id = 1  # comment ids of order notes
        self.writes = 0
        self.version = 0  # bumped on every write (list caches key on it)
        self.events = []  # (topic, resource id) waiting for the webhook dispatcher

    # -- ids and clock ---------------------------------------------------------------------

    def new_id(self):
        self.next_id += 1
        return self.next_id - 1

    def touch(self):
        self.version += 1
        self.writes += 1

    # -- products ---------------------------------------------------------------------------

    def add_product(self, record):
        record.setdefault("id", self.new_id())
        self.products[record["id"]] = record
        if record["type"] == "variation":
            self.children.setdefault(record["parent_id"], []).append(record["id"])
        if record.get("sku"):
            self.by_sku[record["sku"]] = record["id"]
        if record.get("global_unique_id"):
            self.by_gtin[record["global_unique_id"]] = record["id"]
        self.touch()
        return record

    def remove_product(self, record):
        for child in list(self.children.pop(record["id"], [])):
            self.remove_product(self.products[child])
        self.products.pop(record["id"], None)
        if record.get("sku"):
            self.by_sku.pop(record["sku"], None)
        if record.get("global_unique_id"):
            self.by_gtin.pop(record["global_unique_id"], None)
        if record["type"] == "variation":
            siblings = self.children.get(record["parent_id"], [])
            if record["id"] in siblings:
                siblings.remove(record["id"])
        self.touch()

    def product(self, product_id):
        record = self.products.get(product_id)
        if record is None or record["type"] == "variation":
            return None
        return record

    def variation(self, parent_id, variation_id):
        record = self.products.get(variation_id)
        if record is None or record["type"] != "variation" or record["parent_id"] != parent_id:
            return None
        return record

    def set_sku(self, record, sku):
        """``WC_Product::set_sku`` → ``wc_product_has_unique_sku``: an SKU used by any other
        product or variation is refused with ``product_invalid_sku`` (400)."""
        sku = (sku or "").strip()
        if sku == (record.get("sku") or ""):
            return
        if sku and self.by_sku.get(sku, record["id"]) != record["id"]:
            raise RestError("product_invalid_sku", "Invalid or duplicated SKU.", 400)
        if record.get("sku"):
            self.by_sku.pop(record["sku"], None)
        record["sku"] = sku
        if sku:
            self.by_sku[sku] = record["id"]

    def set_gtin(self, record, gtin):
        """``WC_Product::set_global_unique_id`` (9.2+): digits and dashes only; one used by any
        other product or variation is refused with ``product_invalid_global_unique_id`` (400)."""
        gtin = re.sub(r"[^0-9-]", "", gtin or "")
        if gtin == (record.get("global_unique_id") or ""):
            return
        if gtin and self.by_gtin.get(gtin, record["id"]) != record["id"]:
            raise RestError(
                "product_invalid_global_unique_id",
                "Invalid or duplicated GTIN, UPC, EAN or ISBN.",
                400,
            )
        if record.get("global_unique_id"):
            self.by_gtin.pop(record["global_unique_id"], None)
        record["global_unique_id"] = gtin
        if gtin:
            self.by_gtin[gtin] = record["id"]

    def stock_holder(self, record):
        """``WC_Product::get_stock_managed_by_id``: a variation with ``manage_stock`` "parent"
        takes stock from its parent; None when nothing manages stock."""
        if record.get("manage_stock") == "parent":
            parent = self.products.get(record.get("parent_id"))
            return parent if parent is not None and parent.get("manage_stock") is True else None
        return record if record.get("manage_stock") is True else None

    def set_stock(self, record, quantity, when=None):
        """``wc_update_product_stock`` with operation ``set``: quantity, status, modified date."""
        record["stock_quantity"] = int(quantity)
        self.refresh_stock_status(record)
        self.modified(record, when)

    def refresh_stock_status(self, record):
        if record.get("manage_stock") is True:
            quantity = record.get("stock_quantity") or 0
            if quantity > 0 or record.get("backorders", "no") != "no":
                record["stock_status"] = "instock"
            else:
                record["stock_status"] = "outofstock"
        if record["type"] == "variable" and record.get("manage_stock") is True:
            for child in self.children.get(record["id"], []):
                kid = self.products[child]
                if kid.get("manage_stock") == "parent":  # they sell from the parent's stock
                    kid["stock_status"] = record["stock_status"]
        if record["type"] == "variation":
            parent = self.products.get(record["parent_id"])
            if parent is not None and parent.get("manage_stock") is not True:
                # WC_Product_Variable::sync_stock_status: in stock when a child is
                kids = [self.products[i] for i in self.children.get(parent["id"], [])]
                parent["stock_status"] = (
                    "instock"
                    if any(k.get("stock_status") == "instock" for k in kids)
                    else "outofstock"
                )

    def modified(self, record, when=None):
        when = when or utcnow()
        record["modified"] = max(when, record.get("modified") or when)
        self.touch()
        topic_id = record["id"]
        self.events.append(("product.updated", topic_id))

    # -- orders -----------------------------------------------------------------------------

    def add_order(self, order, status, when=None):
        """An order saved with ``status``: the status hooks run as on ``WC_Order::save``."""
        when = when or utcnow()
        order.setdefault("id", self.new_id())
        order["created"] = order.get("created") or when
        order["modified"] = when
        order["status"] = "pending"
        order.setdefault("stock_reduced", False)
        order.setdefault("paid", None)
        order.setdefault("completed", None)
        self.orders[order["id"]] = order
        self.notes.setdefault(order["id"], [])
        self.touch()
        self.events.append(("order.created", order["id"]))
        if status != "pending":
            self.set_order_status(order, status, when=when, note=False, event=False)
        return order

    def set_order_status(self, order, status, when=None, note=True, event=True):
        """``WC_Order::set_status`` + ``status_transition``: the status-change note, the paid and
        completed dates, then the ``woocommerce_order_status_{to}`` hooks (stock)."""
        when = when or utcnow()
        old = order["status"]
        if old == status:
            return
        order["status"] = status
        order["modified"] = when
        if status in PAID_STATUSES and order.get("paid") is None:
            order["paid"] = when  # WC_Order::maybe_set_date_paid
        if status == "completed":
            order["completed"] = when  # WC_Order::maybe_set_date_completed
        if note:
            self.add_note(
                order,
                f"Order status changed from {STATUS_LABELS.get(old, old)} to "
                f"{STATUS_LABELS.get(status, status)}.",
                when=when,
            )
        if status in REDUCE_ON:
            self.reduce_stock(order, when)
        elif status in RESTORE_ON:
            self.restore_stock(order, when)
        self.touch()
        if event:
            self.events.append(("order.updated", order["id"]))

    def reduce_stock(self, order, when):
        """``wc_maybe_reduce_stock_levels`` → ``wc_reduce_stock_levels``."""
        if order.get("stock_reduced"):
            return
        changes = []
        for line in order["line_items"]:
            record = self.products.get(line["variation_id"] or line["product_id"])
            holder = self.stock_holder(record) if record is not None else None
            if holder is None or line.get("reduced_stock"):
                continue
            old = holder.get("stock_quantity") or 0
            self.set_stock(holder, old - line["quantity"], when)
            line["reduced_stock"] = line["quantity"]
            changes.append(f"{formatted_name(record)} {old}&rarr;{old - line['quantity']}")
        order["stock_reduced"] = True
        if changes:
            self.add_note(order, "Stock levels reduced: " + ", ".join(changes), when=when)

    def restore_stock(self, order, when):
        """``wc_maybe_increase_stock_levels`` → ``wc_increase_stock_levels``."""
        if not order.get("stock_reduced"):
            return
        changes = []
        for line in order["line_items"]:
            reduced = line.pop("reduced_stock", 0)
            record = self.products.get(line["variation_id"] or line["product_id"])
            holder = self.stock_holder(record) if record is not None else None
            if holder is None or not reduced:
                continue
            old = holder.get("stock_quantity") or 0
            self.set_stock(holder, old + reduced, when)
            changes.append(f"{formatted_name(record)} {old}&rarr;{old + reduced}")
        order["stock_reduced"] = False
        if changes:
            self.add_note(order, "Stock levels increased: " + ", ".join(changes), when=when)

    def add_note(self, order, text, customer_note=False, by_user=False, when=None):
        note = {
            "id": self.next_note_id,
            "author": "admin" if by_user else "system",
            "created": when or utcnow(),
            "note": text,
            "customer_note": bool(customer_note),
        }
        self.next_note_id += 1
        self.notes.setdefault(order["id"], []).append(note)
        self.touch()
        return note

    def new_item_id(self):
        self.next_item_id += 1
        return self.next_item_id - 1
