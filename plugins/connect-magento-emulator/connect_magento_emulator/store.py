"""The emulated Magento store: seeded catalogue, MSI source items, orders, shipments.

Products are kept compact (a flat dict of scalars) and rendered to Magento's JSON shape on
request, so 20,000+ products fit comfortably in one process. Orders and shipments are kept
in their full JSON shape (far fewer of them).

Stock follows Magento's own rules, in one of three modes (see ``Store.stock_mode``); each rule
cites the vendor code it reproduces (magento/inventory @ e9d6e33, magento/magento2 2.4):

* ``msi`` - Multi-Source Inventory. Placing an order appends a *negative reservation* per SKU
  (InventorySales/Plugin/Sales/OrderManagement/AppendReservationsAfterOrderPlacementPlugin.php,
  an ``aroundPlace`` plugin on ``OrderManagementInterface`` declared in InventorySales/etc/di.xml;
  ``AppendReservations::reserve`` places ``order_placed``), paid or not. Source quantities do
  not move at order placement (InventorySales/etc/events.xml disables CatalogInventory's
  ``SubtractQuoteInventoryObserver``). A shipment deducts the source
  (InventoryShipping/etc/events.xml ``sales_order_shipment_save_after`` ->
  ``SourceDeductionProcessor`` -> InventorySourceDeductionApi/Model/SourceDeductionService.php,
  which refuses to go below zero: "Not all of your products are available in the requested
  quantity.") and places a compensating (positive) ``shipment_created`` reservation. A
  cancellation places a compensating ``order_canceled`` reservation of
  ``qty_ordered - max(qty_shipped, qty_invoiced) - qty_canceled``
  (InventorySales/Observer/CatalogInventory/CancelOrderItemObserver.php,
  InventorySales/Model/GetItemsToCancelFromOrderItem.php::getQtyToCancel). A credit memo
  compensates the refunded, unshipped quantity
  (InventorySales/Plugin/Sales/OrderManagement/DeductSourceItemQuantityOnRefundPlugin.php).
  Salable quantity = source quantities of the stock + reservations - min_qty (0)
  (InventorySales/Model/GetProductSalableQty.php), 0 when the stock says not salable.
* ``msi_deduct_at_order`` - MSI with a module that disables reservations and deducts the source
  at order placement, e.g. AmpersandHQ/magento2-disable-stock-reservation (README "Our
  Approach": no ``inventory_reservation`` writes, deduction on order placement, none on
  shipment, cancelled items and "back to stock" credit memos replenished).
* ``legacy`` - CatalogInventory without MSI: ``qty`` decreases when the order is placed
  (magento2 app/code/Magento/CatalogInventory/etc/events.xml:
  ``sales_model_service_quote_submit_before`` -> Observer/SubtractQuoteInventoryObserver.php
  -> Model/StockManagement::registerProductsSale, only when ``canSubtractQty``: manage_stock
  and ``cataloginventory/options/can_subtract``, default 1), comes back on cancellation
  (``sales_order_item_cancel`` -> Observer/CancelOrderItemObserver.php:
  ``qty_ordered - max(qty_shipped, qty_invoiced) - qty_canceled`` through
  ``StockManagement::backItemQty``) and does **not** move at shipment (no shipment observer
  in that events.xml).

Where the vendor code leaves a choice, the emulator takes the strictest reading: a credit memo
returns nothing to a source or to ``qty`` (the "Return to Stock" box and
``cataloginventory/item_options/auto_return`` are off by default); the seeded history is taken
as already settled (seeded quantities are the current ones; only MSI's reservation ledger is
replayed for the seeded orders, so their open quantities are reserved).
"""

import random
import threading
from datetime import UTC, datetime, timedelta

EPOCH = datetime(2025, 1, 6, 8, 0, 0)
COLORS = [("Black", 49), ("Blue", 50), ("Red", 58), ("Green", 53), ("White", 59), ("Grey", 52)]
WORDS = [
    "Summit",
    "Aero",
    "Luma",
    "Breathe",
    "Endurance",
    "Cruise",
    "Push It",
    "Strive",
    "Wayfarer",
    "Overnight",
    "Driven",
    "Rival",
    "Fusion",
    "Impulse",
    "Voyage",
    "Compete",
]
NOUNS = [
    "Backpack",
    "Tee",
    "Hoodie",
    "Jacket",
    "Tank",
    "Short",
    "Pant",
    "Bottle",
    "Mat",
    "Watch",
    "Bag",
    "Sock",
    "Cap",
    "Bra",
    "Legging",
]
CITIES = [
    ("Austin", "TX", "Texas", 57, "78701", "US"),
    ("Calder", "MI", "Michigan", 33, "49628", "US"),
    ("Lyon", None, "Rhône", None, "69002", "FR"),
    ("Berlin", None, "Berlin", 82, "10115", "DE"),
    ("Leeds", None, "West Yorkshire", None, "LS1 4AP", "GB"),
]
FIRST = ["Veronica", "John", "Amira", "Lukas", "Chloé", "Kenji", "Maria", "Tom"]
LAST = ["Costello", "Smith", "Haddad", "Meyer", "Durand", "Sato", "Rossi", "Baker"]
CARRIERS = [
    ("flatrate_flatrate", "Flat Rate - Fixed"),
    ("tablerate_bestway", "Best Way - Table Rate"),
    ("ups_GND", "United Parcel Service - Ground"),
    ("freeshipping_freeshipping", "Free Shipping - Free"),
]
# (state, status): every state of Sales\Model\Order, plus the "fraud" status
ORDER_STATES = [
    ("new", "pending"),
    ("pending_payment", "pending_payment"),
    ("processing", "processing"),
    ("complete", "complete"),
    ("closed", "closed"),
    ("canceled", "canceled"),
    ("holded", "holded"),
    ("payment_review", "payment_review"),
    ("payment_review", "fraud"),
]
SOURCES = [
    {
        "source_code": "default",
        "name": "Default Source",
        "enabled": True,
        "description": "Default Source",
        "latitude": 0,
        "longitude": 0,
        "country_id": "US",
        "postcode": "00000",
    },
    {
        "source_code": "eu_warehouse",
        "name": "EU Warehouse",
        "enabled": True,
        "description": "Lyon warehouse",
        "latitude": 45.76,
        "longitude": 4.83,
        "country_id": "FR",
        "postcode": "69002",
    },
]


DEFAULT_STOCK_ID = 1
# the Default Stock (website "base", where every emulated order is placed) holds the Default
# Source; eu_warehouse belongs to no sales channel's stock here
STOCK_SOURCES = {DEFAULT_STOCK_ID: ("default",)}
# types with source items (InventoryConfiguration IsSourceItemManagementAllowedForProductType);
# a configurable's parent line carries no stock of its own
STOCK_TYPES = ("simple", "virtual", "downloadable")
NOT_AVAILABLE = "Not all of your products are available in the requested quantity."


class StockError(Exception):
    """Magento refuses the operation for lack of stock (a LocalizedException: HTTP 400)."""


def fmt(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def money(value):
    return round(float(value), 2)


class Store:
    """All state of one emulated store, guarded by one lock."""

    def __init__(
        self,
        products=100,
        orders=20,
        seed=1,
        *,
        configurables=None,
        msi=True,
        virtuals=None,
        deduct_at_order=False,
        can_subtract=True,
    ):
        self.lock = threading.RLock()
        self.seed = seed
        self.msi = msi
        self.deduct_at_order = deduct_at_order  # MSI + a reservation-disabling module
        self.can_subtract = can_subtract  # cataloginventory/options/can_subtract (legacy)
        self.reservations = []  # the inventory_reservation table (MSI)
        self.rng = random.Random(seed)
        self.version = 0  # bumped on every write: invalidates search caches
        self.products = {}  # id -> compact dict
        self.by_sku = {}
        self.source_items = {}  # (sku, source_code) -> {"quantity": float, "status": int}
        self.orders = {}  # id -> full order JSON
        self.shipments = {}  # id -> full shipment JSON
        self.next_item_id = 1
        self.clock = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        self.search_cache = {}
        self._seed_products(products, configurables, virtuals)
        self._seed_orders(orders)

    # -- time --------------------------------------------------------------------------------

    def now(self):
        """Wall clock in UTC, strictly increasing per write (Magento keeps UTC timestamps)."""
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        self.clock = max(now, self.clock + timedelta(seconds=1))
        return fmt(self.clock)

    def touch(self):
        self.version += 1
        self.search_cache.clear()

    # -- catalogue ---------------------------------------------------------------------------

    def _new_product(self, pid, sku, name, type_id, **extra):
        rng = self.rng
        created = EPOCH + timedelta(minutes=7 * pid)
        product = {
            "id": pid,
            "sku": sku,
            "name": name,
            "type_id": type_id,
            "attribute_set_id": 4 if type_id != "configurable" else 9,
            "price": money(
                rng.choice([9, 14, 19, 24, 29, 34, 39, 45, 54, 64, 99]) + 0.99 * rng.randint(0, 1)
            ),
            "status": 1 if rng.random() > 0.04 else 2,
            "visibility": 4,
            "weight": round(rng.uniform(0.1, 4.0), 3) if type_id in ("simple",) else None,
            "created_at": fmt(created),
            "updated_at": fmt(created + timedelta(hours=rng.randint(0, 2000))),
            "ean": (
                "".join(str(rng.randint(0, 9)) for _ in range(13)) if rng.random() > 0.1 else None
            ),
            "images": [],
            "children": [],
            "parent": None,
            "color": None,
        }
        slug = sku.lower()
        n_images = rng.choice([0, 1, 1, 2, 3]) if type_id != "virtual" else 0
        product["images"] = [f"/{slug[0]}/{slug[1]}/{slug}_{k}.jpg" for k in range(n_images)]
        product.update(extra)
        self.products[pid] = product
        self.by_sku[sku] = pid
        if type_id == "simple":
            qty = float(rng.choice([0, 0, 3, 5, 12, 25, 40, 100, 150]))
            self.source_items[(sku, "default")] = {"quantity": qty, "status": int(qty > 0)}
            if rng.random() < 0.3:
                qty2 = float(rng.randint(0, 60))
                self.source_items[(sku, "eu_warehouse")] = {
                    "quantity": qty2,
                    "status": int(qty2 > 0),
                }
        return product

    def _seed_products(self, n_simple, configurables, virtuals):
        rng = self.rng
        if configurables is None:
            configurables = n_simple // 12
        if virtuals is None:
            virtuals = max(n_simple // 100, 1 if n_simple >= 10 else 0)
        made_simple = made_conf = made_virtual = 0
        pid = 0
        while made_simple < n_simple or made_virtual < virtuals:
            want_conf = (
                made_conf < configurables
                and n_simple - made_simple >= 3
                and rng.random() < configurables / max(n_simple - 2 * configurables, 1)
            )
            if want_conf:
                made_conf += 1
                base = f"CF{made_conf:05d}"
                title = f"{rng.choice(WORDS)} {rng.choice(NOUNS)}"
                colors = rng.sample(COLORS, 3)
                child_ids = []
                for color, _value in colors:
                    pid += 1
                    child = self._new_product(
                        pid,
                        f"{base}-{color.upper()}",
                        f"{title}-{color}",
                        "simple",
                        visibility=1,
                        color=color,
                    )
                    child_ids.append(child["id"])
                    made_simple += 1
                pid += 1
                self._new_product(
                    pid,
                    base,
                    title,
                    "configurable",
                    children=child_ids,
                    weight=None,
                    images=[f"/{base[0].lower()}/{base[1].lower()}/{base.lower()}_main.jpg"],
                    colors=list(colors),
                )
                for cid in child_ids:
                    self.products[cid]["parent"] = pid
                    self.products[cid]["images"] = []  # children show the parent's pictures
                continue
            if made_simple < n_simple:
                pid += 1
                made_simple += 1
                self._new_product(
                    pid,
                    f"MB{made_simple:06d}",
                    f"{rng.choice(WORDS)} {rng.choice(NOUNS)} {made_simple}",
                    "simple",
                )
            if made_virtual < virtuals and (
                made_simple * virtuals >= made_virtual * n_simple or made_simple >= n_simple
            ):
                pid += 1
                made_virtual += 1
                kind = "virtual" if made_virtual % 2 else "downloadable"
                self._new_product(
                    pid, f"VR{made_virtual:05d}", f"{kind.title()} service {made_virtual}", kind
                )
        self.next_product_id = pid + 1

    def render_product(self, p):
        """The product as ``GET /V1/products`` answers it."""
        custom = [
            {"attribute_code": "url_key", "value": p["sku"].lower()},
            {"attribute_code": "tax_class_id", "value": "2"},
        ]
        if p["ean"] is not None:
            custom.append({"attribute_code": "ean", "value": p["ean"]})
        if p["color"] is not None:
            custom.append({"attribute_code": "color", "value": str(dict(COLORS)[p["color"]])})
        ext = {"website_ids": [1]}
        if p["type_id"] == "configurable":
            ext["configurable_product_options"] = [
                {
                    "id": p["id"],
                    "attribute_id": "93",
                    "label": "Color",
                    "position": 0,
                    "values": [{"value_index": v} for _c, v in p.get("colors", [])],
                    "product_id": p["id"],
                }
            ]
            ext["configurable_product_links"] = list(p["children"])
        if p["type_id"] == "simple":
            item = self.source_items.get((p["sku"], "default"), {"quantity": 0, "status": 0})
            ext["stock_item"] = self.legacy_stock_item(p, item)
        gallery = []
        for k, file in enumerate(p["images"]):
            gallery.append(
                {
                    "id": p["id"] * 10 + k,
                    "media_type": "image",
                    "label": p["name"] if k == 0 else None,
                    "position": k + 1,
                    "disabled": False,
                    "types": ["image", "small_image", "thumbnail"] if k == 0 else [],
                    "file": file,
                }
            )
        out = {
            "id": p["id"],
            "sku": p["sku"],
            "name": p["name"],
            "attribute_set_id": p["attribute_set_id"],
            "price": p["price"],
            "status": p["status"],
            "visibility": p["visibility"],
            "type_id": p["type_id"],
            "created_at": p["created_at"],
            "updated_at": p["updated_at"],
        }
        if p["weight"] is not None:
            out["weight"] = p["weight"]
        out.update(
            {
                "extension_attributes": ext,
                "product_links": [],
                "options": [],
                "media_gallery_entries": gallery,
                "tier_prices": [],
                "custom_attributes": custom,
            }
        )
        for key, value in p.get("raw", {}).items():  # test helper: arbitrary bad data
            out[key] = value
        return out

    def product_field(self, p, field):
        if field == "entity_id":
            return p["id"]
        if field in p:
            return p[field]
        return p.get("raw", {}).get(field)

    def legacy_stock_item(self, p, item):
        return {
            "item_id": p["id"],
            "product_id": p["id"],
            "stock_id": 1,
            "qty": item["quantity"],
            "is_in_stock": bool(item["status"]),
            "is_qty_decimal": False,
            "manage_stock": True,
            "min_qty": 0,
            "low_stock_date": None,
            "backorders": 0,
            "min_sale_qty": 1,
            "max_sale_qty": 10000,
            "notify_stock_qty": 1,
        }

    def add_or_touch_product(self, data):
        """Test helper: create a simple product, or touch/patch an existing one by sku/id."""
        with self.lock:
            pid = data.get("id") or self.by_sku.get(data.get("sku"))
            if pid in self.products:
                p = self.products[pid]
                for key in ("name", "price", "weight", "status", "ean", "visibility"):
                    if key in data:
                        p[key] = data[key]
                if "raw" in data:
                    p.setdefault("raw", {}).update(data["raw"])
            else:
                pid = self.next_product_id
                self.next_product_id += 1
                sku = data.get("sku") or f"NEW{pid:06d}"
                p = self._new_product(
                    pid,
                    sku,
                    data.get("name") or f"New product {pid}",
                    data.get("type_id") or "simple",
                )
                for key in ("price", "weight", "status", "ean"):
                    if key in data:
                        p[key] = data[key]
                p["created_at"] = self.now()
                if "raw" in data:
                    p["raw"] = dict(data["raw"])
            p["updated_at"] = self.now()
            self.touch()
            return p

    # -- orders ------------------------------------------------------------------------------

    def _address(self, kind, order_id, person, city):
        first, last, email = person
        name, region_code, region, region_id, postcode, country = city
        return {
            "address_type": kind,
            "city": name,
            "company": None,
            "country_id": country,
            "email": email,
            "entity_id": order_id * 2 + (kind == "shipping"),
            "firstname": first,
            "lastname": last,
            "parent_id": order_id,
            "postcode": postcode,
            "region": region,
            "region_code": region_code,
            "region_id": region_id,
            "street": [f"{self.rng.randint(1, 999)} Main Street", "Apt 4"][
                : self.rng.randint(1, 2)
            ],
            "telephone": f"+1555{self.rng.randint(1000000, 9999999)}",
        }

    def _order_item(self, order_id, product, qty, price, created, parent=None):
        item = {
            "item_id": self.next_item_id,
            "order_id": order_id,
            "product_id": product["id"],
            "product_type": product["type_id"],
            "sku": product["sku"],
            "name": product["name"],
            "qty_ordered": qty,
            "qty_invoiced": 0,
            "qty_shipped": 0,
            "qty_canceled": 0,
            "qty_refunded": 0,
            "price": price,
            "base_price": price,
            "original_price": price,
            "row_total": money(price * qty),
            "base_row_total": money(price * qty),
            "tax_amount": 0,
            "discount_amount": 0,
            "weight": product.get("weight") or 0,
            "is_virtual": 0,
            "store_id": 1,
            "created_at": created,
            "updated_at": created,
        }
        self.next_item_id += 1
        if parent is not None:
            item["parent_item_id"] = parent["item_id"]
        return item

    def render_order(self, order):
        """The order as the API answers it: a child line embeds its (current) parent line."""
        by_id = {i["item_id"]: i for i in order["items"]}
        items = []
        for item in order["items"]:
            if "parent_item_id" in item and item["parent_item_id"] in by_id:
                item = dict(item, parent_item=by_id[item["parent_item_id"]])
            items.append(item)
        ext = dict(order["extension_attributes"])
        ext["shipping_assignments"] = [
            dict(a, items=items) for a in ext.get("shipping_assignments", [])
        ]
        return dict(order, items=items, extension_attributes=ext)

    def _seed_orders(self, count):
        rng = self.rng
        simples = [
            p for p in self.products.values() if p["type_id"] == "simple" and p["status"] == 1
        ]
        self.next_order_id = 1
        for i in range(count):
            if not simples:
                break
            state, status = (
                ORDER_STATES[i]
                if i < len(ORDER_STATES)
                else rng.choices(ORDER_STATES, weights=[8, 3, 30, 20, 2, 4, 1, 1, 1])[0]
            )
            created = EPOCH + timedelta(days=30, minutes=53 * i + rng.randint(0, 40))
            self.create_order(
                rng.sample(simples, min(rng.randint(1, 3), len(simples))),
                state=state,
                status=status,
                created=fmt(created),
                updated=fmt(created + timedelta(minutes=rng.randint(1, 600))),
                seeding=True,
            )

    def create_order(
        self,
        products,
        *,
        state="new",
        status="pending",
        created=None,
        updated=None,
        qty=None,
        seeding=False,
    ):
        """Place an order (``qty``: every line's quantity, random when None). Raises
        ``StockError`` when the store would refuse it for lack of stock (not when seeding)."""
        rng = self.rng
        with self.lock:
            oid = self.next_order_id
            self.next_order_id += 1
            created = created or self.now()
            person = (rng.choice(FIRST), rng.choice(LAST), None)
            person = (
                person[0],
                person[1],
                f"{person[0].lower()}.{person[1].lower()}{oid}@example.com",
            )
            city = rng.choice(CITIES)
            items = []
            subtotal = 0.0
            for p in products:
                line_qty = qty if qty is not None else rng.choice([1, 1, 1, 2, 3])
                parent = self.products.get(p["parent"]) if p["parent"] else None
                if parent is not None:
                    parent_item = self._order_item(oid, parent, line_qty, p["price"], created)
                    parent_item["sku"] = p["sku"]  # Magento puts the child's SKU on the parent
                    items.append(parent_item)
                    items.append(
                        self._order_item(oid, p, line_qty, 0.0, created, parent=parent_item)
                    )
                else:
                    items.append(self._order_item(oid, p, line_qty, p["price"], created))
                subtotal += p["price"] * line_qty
            method, title = rng.choice(CARRIERS)
            shipping = 0.0 if method.startswith("free") else 5.0 * len(products)
            total = money(subtotal + shipping)
            billing = self._address("billing", oid, person, city)
            ship_addr = self._address("shipping", oid, person, city)
            order = {
                "entity_id": oid,
                "increment_id": f"{oid + 100000000:09d}",
                "state": state,
                "status": status,
                "store_id": 1,
                "created_at": created,
                "updated_at": updated or created,
                "store_name": "Main Website\nMain Website Store\nDefault Store View",
                "customer_email": person[2],
                "customer_firstname": person[0],
                "customer_lastname": person[1],
                "customer_is_guest": 0,
                "customer_id": rng.randint(1, 500),
                "order_currency_code": "USD",
                "base_currency_code": "USD",
                "global_currency_code": "USD",
                "store_currency_code": "USD",
                "subtotal": money(subtotal),
                "base_subtotal": money(subtotal),
                "shipping_amount": shipping,
                "base_shipping_amount": shipping,
                "tax_amount": 0,
                "discount_amount": 0,
                "grand_total": total,
                "base_grand_total": total,
                "total_due": total,
                "base_total_due": total,
                "total_qty_ordered": sum(
                    i["qty_ordered"] for i in items if "parent_item_id" not in i
                ),
                "total_item_count": len(products),
                "weight": 0,
                "is_virtual": 0,
                "shipping_description": title,
                "items": items,
                "billing_address": billing,
                "payment": {
                    "method": "checkmo",
                    "amount_ordered": total,
                    "base_amount_ordered": total,
                    "account_status": None,
                    "additional_information": ["Check / Money order"],
                    "parent_id": oid,
                    "entity_id": oid,
                },
                "status_histories": [],
                "extension_attributes": {
                    "shipping_assignments": [
                        {
                            "shipping": {
                                "address": ship_addr,
                                "method": method,
                                "total": {"shipping_amount": shipping},
                            },
                            "items": items,
                        }
                    ]
                },
            }
            self.place_order_stock(order, seeding=seeding)  # may refuse: nothing stored yet
            self.orders[oid] = order
            if state in ("processing", "complete", "closed"):
                self._invoice(order)
            if state == "complete":
                self.ship(
                    order,
                    None,
                    [],
                    notify=False,
                    comment=None,
                    source_code="default",
                    when=order["updated_at"],
                    seeding=True,
                )
                order["state"], order["status"] = "complete", "complete"
            if state == "closed":
                self._refund(order, seeding=seeding)
            if state == "canceled":
                self.cancel_order_stock(order, seeding=seeding)
                for item in items:
                    item["qty_canceled"] = item["qty_ordered"]
                order["total_canceled"] = total
            self.touch()
            return order

    def _invoice(self, order):
        total = order["grand_total"]
        order.update(
            {
                "total_paid": total,
                "base_total_paid": total,
                "total_invoiced": total,
                "base_total_invoiced": total,
                "total_due": 0,
                "base_total_due": 0,
            }
        )
        order["payment"]["amount_paid"] = total
        for item in order["items"]:
            item["qty_invoiced"] = item["qty_ordered"]

    def _refund(self, order, seeding=False):
        self.refund_stock(order, seeding=seeding)
        total = order["grand_total"]
        order.update(
            {
                "total_refunded": total,
                "base_total_refunded": total,
                "total_online_refunded": 0,
                "total_offline_refunded": total,
            }
        )
        for item in order["items"]:
            item["qty_refunded"] = item["qty_ordered"]

    @staticmethod
    def remaining(item):
        return (
            item["qty_ordered"] - item["qty_shipped"] - item["qty_canceled"] - item["qty_refunded"]
        )

    def ship(self, order, items, tracks, *, notify, comment, source_code, when=None, seeding=False):
        """``items``: [{"order_item_id", "qty"}] or None for everything; returns the shipment."""
        by_id = {i["item_id"]: i for i in order["items"]}
        children = {i["parent_item_id"]: i for i in order["items"] if "parent_item_id" in i}
        if not items:
            items = [
                {"order_item_id": i["item_id"], "qty": self.remaining(i)}
                for i in order["items"]
                if "parent_item_id" not in i and self.remaining(i)
            ]
        when = when or self.now()
        shipped = {}  # stock SKU -> quantity leaving the source
        for req in items:
            item = by_id[req["order_item_id"]]
            stock_line = children.get(item["item_id"]) or item
            if stock_line.get("product_type") in STOCK_TYPES:
                shipped[stock_line["sku"]] = shipped.get(stock_line["sku"], 0) + req["qty"]
        self.ship_stock(order, shipped, source_code or "default", seeding=seeding)  # may refuse
        sid = len(self.shipments) + 1
        ship_items = []
        for req in items:
            item = by_id[req["order_item_id"]]
            qty = req["qty"]
            item["qty_shipped"] += qty
            child = children.get(item["item_id"])
            if child is not None:
                child["qty_shipped"] += qty
            stock_sku = (child or item)["sku"]
            ship_items.append(
                {
                    "entity_id": sid * 100 + len(ship_items) + 1,
                    "parent_id": sid,
                    "order_item_id": item["item_id"],
                    "product_id": (child or item)["product_id"],
                    "sku": stock_sku,
                    "name": item["name"],
                    "qty": qty,
                    "price": item["price"],
                    "weight": item["weight"],
                }
            )
        shipment = {
            "entity_id": sid,
            "increment_id": f"{sid + 100000000:09d}",
            "order_id": order["entity_id"],
            "store_id": 1,
            "total_qty": sum(i["qty"] for i in ship_items),
            "email_sent": 1 if notify else None,
            "created_at": when,
            "updated_at": when,
            "billing_address_id": order["billing_address"]["entity_id"],
            "shipping_address_id": order["billing_address"]["entity_id"] + 1,
            "items": ship_items,
            "packages": [],
            "tracks": [
                {
                    "entity_id": sid * 10 + k,
                    "parent_id": sid,
                    "order_id": order["entity_id"],
                    "track_number": t.get("track_number"),
                    "title": t.get("title"),
                    "carrier_code": t.get("carrier_code"),
                    "created_at": when,
                    "updated_at": when,
                }
                for k, t in enumerate(tracks or [])
            ],
            "comments": (
                [
                    {
                        "entity_id": sid,
                        "parent_id": sid,
                        "comment": comment.get("comment"),
                        "is_customer_notified": int(bool(notify)),
                        "is_visible_on_front": comment.get("is_visible_on_front", 0),
                        "created_at": when,
                    }
                ]
                if comment
                else []
            ),
            "extension_attributes": {"source_code": source_code or "default"},
        }
        self.shipments[sid] = shipment
        all_shipped = all(
            self.remaining(i) <= 0 for i in order["items"] if "parent_item_id" not in i
        )
        if all_shipped and order.get("total_due", 0) == 0:
            order["state"], order["status"] = "complete", "complete"
        elif order["state"] == "new":
            order["state"], order["status"] = "processing", "processing"
        order["updated_at"] = when
        self.touch()
        return shipment

    def set_order(self, order, data):
        """Test helper: paid / cancelled / fulfilled / refunded / raw patch."""
        with self.lock:
            if data.get("paid"):
                self._invoice(order)
                if order["state"] in ("new", "pending_payment", "payment_review", "holded"):
                    order["state"], order["status"] = "processing", "processing"
            if data.get("cancelled"):
                self.cancel_order_stock(order)
                order["state"], order["status"] = "canceled", "canceled"
                for item in order["items"]:
                    item["qty_canceled"] = self.remaining(item)
            if data.get("fulfilled"):
                if any(self.remaining(i) > 0 for i in order["items"]):
                    self.ship(order, None, [], notify=False, comment=None, source_code="default")
                if order.get("total_due", 0) == 0:
                    order["state"], order["status"] = "complete", "complete"
            if data.get("refunded"):
                self._refund(order)
                order["state"], order["status"] = "closed", "closed"
            if "state" in data:
                order["state"] = data["state"]
                order["status"] = data.get("status", data["state"])
            for key, value in (data.get("raw") or {}).items():
                order[key] = value
            order["updated_at"] = self.now()
            self.touch()
            return order

    # -- stock rules (see the module docstring for the vendor code of each) -----------------

    @property
    def stock_mode(self):
        if not self.msi:
            return "legacy"
        return "msi_deduct_at_order" if self.deduct_at_order else "msi"

    @staticmethod
    def stock_lines(order):
        """The lines that carry stock: simple (virtual, downloadable) lines, a configurable's
        child line rather than its parent line."""
        return [i for i in order["items"] if i.get("product_type") in STOCK_TYPES]

    def _by_sku(self, pairs):
        out = {}
        for sku, qty in pairs:
            if qty:
                out[sku] = out.get(sku, 0) + qty
        return out

    def _reserve(self, order, quantities, event_type):
        """Append rows to the inventory_reservation table (negative = reserved)."""
        for sku, qty in quantities.items():
            self.reservations.append(
                {
                    "reservation_id": len(self.reservations) + 1,
                    "stock_id": DEFAULT_STOCK_ID,
                    "sku": sku,
                    "quantity": float(qty),
                    "metadata": {
                        "event_type": event_type,
                        "object_type": "order",
                        "object_id": str(order["entity_id"]),
                        "object_increment_id": order["increment_id"],
                    },
                }
            )

    def _move_source(self, sku, delta, code="default"):
        item = self.source_items.setdefault((sku, code), {"quantity": 0.0, "status": 0})
        item["quantity"] = float(item["quantity"]) + delta
        item["status"] = int(item["quantity"] > 0)

    def reserved(self, sku, stock_id=DEFAULT_STOCK_ID):
        """GetReservationsQuantity: the sum of the SKU's reservations (<= 0 while open)."""
        return sum(
            r["quantity"]
            for r in self.reservations
            if r["sku"] == sku and r["stock_id"] == stock_id
        )

    def salable_qty(self, sku, stock_id=DEFAULT_STOCK_ID):
        """GetProductSalableQty: stock quantity + reservations - min_qty (0); 0 when the stock
        index says not salable (no source item of the stock in stock)."""
        items = [
            self.source_items[(sku, code)]
            for code in STOCK_SOURCES.get(stock_id, ())
            if (sku, code) in self.source_items
        ]
        if not any(i["status"] and i["quantity"] > 0 for i in items):
            return 0.0
        return sum(float(i["quantity"]) for i in items) + self.reserved(sku, stock_id)

    def sellable_qty(self, sku):
        """What the store can still sell of ``sku``, whatever the mode: the salable quantity
        with MSI, the source quantity with a deduct-at-order module, ``qty`` without MSI."""
        if self.stock_mode == "msi":
            return self.salable_qty(sku)
        return float(self.source_items.get((sku, "default"), {"quantity": 0.0})["quantity"])

    def place_order_stock(self, order, *, seeding=False):
        ordered = self._by_sku((i["sku"], i["qty_ordered"]) for i in self.stock_lines(order))
        mode = self.stock_mode
        if not seeding:
            # AppendReservations::reserve -> CheckItemsQuantity (MSI);
            # StockManagement::registerProductsSale -> StockState::checkQty (legacy)
            for sku, qty in ordered.items():
                if self.sellable_qty(sku) < qty:
                    raise StockError(NOT_AVAILABLE)
        if mode == "msi":
            self._reserve(order, {sku: -qty for sku, qty in ordered.items()}, "order_placed")
        elif seeding:
            return  # seeded quantities are the current ones
        elif mode == "msi_deduct_at_order" or self.can_subtract:
            for sku, qty in ordered.items():
                self._move_source(sku, -qty)

    def ship_stock(self, order, shipped, source_code, *, seeding=False):
        if self.stock_mode != "msi":
            return  # legacy: no shipment observer; deduct-at-order modules disable it
        if not seeding:
            for sku, qty in shipped.items():  # SourceDeductionService: never below zero
                have = self.source_items.get((sku, source_code), {"quantity": 0.0})["quantity"]
                if have - qty < 0:
                    raise StockError(NOT_AVAILABLE)
            for sku, qty in shipped.items():
                self._move_source(sku, -qty, source_code)
        self._reserve(order, shipped, "shipment_created")  # the compensating reservation

    def cancel_order_stock(self, order, *, seeding=False):
        back = self._by_sku(
            (
                i["sku"],
                i["qty_ordered"] - max(i["qty_shipped"], i["qty_invoiced"]) - i["qty_canceled"],
            )
            for i in self.stock_lines(order)
        )
        back = {sku: qty for sku, qty in back.items() if qty > 0}
        mode = self.stock_mode
        if mode == "msi":
            self._reserve(order, back, "order_canceled")
        elif seeding:
            return
        elif mode == "msi_deduct_at_order" or self.can_subtract:
            for sku, qty in back.items():
                self._move_source(sku, qty)

    def refund_stock(self, order, *, seeding=False):
        """A credit memo for everything not yet refunded: with MSI the unshipped part's
        reservation is compensated; nothing returns to a source or to ``qty`` (Return to
        Stock off, the default)."""
        if self.stock_mode != "msi":
            return
        back = self._by_sku((i["sku"], self.remaining(i)) for i in self.stock_lines(order))
        self._reserve(order, {s: q for s, q in back.items() if q > 0}, "creditmemo_created")

    # -- summary -----------------------------------------------------------------------------

    def summary(self):
        with self.lock:
            by_type, by_state = {}, {}
            for p in self.products.values():
                by_type[p["type_id"]] = by_type.get(p["type_id"], 0) + 1
            for o in self.orders.values():
                by_state[o["state"]] = by_state.get(o["state"], 0) + 1
            return {
                "products": len(self.products),
                "products_by_type": by_type,
                "orders": len(self.orders),
                "orders_by_state": by_state,
                "shipments": len(self.shipments),
                "source_items": len(self.source_items),
                "msi": self.msi,
                "stock_mode": self.stock_mode,
                "reservations": len(self.reservations),
                "version": self.version,
            }
