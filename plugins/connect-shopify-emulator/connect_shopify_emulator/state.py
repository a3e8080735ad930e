"""The emulated shop: seeded, compact in-memory objects that double as GraphQL resolvers.

Every object exposes its GraphQL fields as attributes, properties or methods
``(info, **args)``: graphql-core's default resolver calls them, and the bulk-operation
writer (``bulk.py``) calls them with ``info=None`` (meaning "bulk: no page size").
Values are stored already serialised (ISO strings, decimal strings) so both paths are cheap.
"""

import random
import threading
import time
from datetime import UTC, datetime

from graphql import GraphQLError

from connect_shopify_emulator import search
from hub.testing.paging import by_cursor, decode_cursor, encode_cursor

BASE_PRODUCTS = 1735689600  # 2025-01-01T00:00:00Z: products are created from here on
BASE_ORDERS = 1767225600  # 2026-01-01T00:00:00Z: orders from here on
MAX_PAGE = 250

ADJECTIVES = (
    "Classic",
    "Organic",
    "Vintage",
    "Urban",
    "Alpine",
    "Coastal",
    "Linen",
    "Merino",
    "Canvas",
    "Recycled",
    "Everyday",
    "Premium",
    "Nordic",
    "Desert",
    "Studio",
    "Trail",
)
NOUNS = (
    "T-Shirt",
    "Hoodie",
    "Backpack",
    "Mug",
    "Candle",
    "Notebook",
    "Sneaker",
    "Scarf",
    "Jacket",
    "Water Bottle",
    "Beanie",
    "Tote Bag",
    "Socks",
    "Cap",
    "Apron",
    "Blanket",
)
VENDORS = ("Hub Supply Co", "Atelier Nord", "Maison Verte", "Peak Goods")
SIZES = ("S", "M", "L", "XL", "XXL")
COLORS = ("Black", "White", "Navy", "Olive", "Sand")
FINANCIAL = (
    "PAID",
    "PENDING",
    "AUTHORIZED",
    "PARTIALLY_PAID",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
    "VOIDED",
    "EXPIRED",
)
CANCEL_REASONS = ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF")
SHIPPING = (
    ("STANDARD", "Standard shipping"),
    ("EXPRESS", "Express"),
    ("colissimo", "Colissimo Home"),
    ("dhl_express", "DHL Express Worldwide"),
)
ADDRESSES = (
    ("Camille", "Martin", "12 rue de la Paix", "Paris", "75002", "FR", "Île-de-France", "IDF"),
    ("Jonas", "Weber", "Torstraße 5", "Berlin", "10119", "DE", "Berlin", "BE"),
    ("Emma", "Smith", "221B Baker Street", "London", "NW1 6XE", "GB", "England", "ENG"),
    ("Lucía", "García", "Calle Mayor 7", "Madrid", "28013", "ES", "Madrid", "M"),
    ("Olivia", "Brown", "350 5th Ave", "New York", "10118", "US", "New York", "NY"),
    ("Noah", "Peeters", "Grote Markt 1", "Brussels", "1000", "BE", "Brussels", "BRU"),
)
SCOPES = (
    "read_products",
    "write_products",
    "read_orders",
    "write_orders",
    "read_all_orders",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_fulfillments",
    "write_fulfillments",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
)


def iso(ts):
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gid(kind, num):
    return f"gid://shopify/{kind}/{num}"


def parse_gid(value, kind=None):
    """``gid://shopify/Product/12`` -> ("Product", 12); None when it is not a GID."""
    if not isinstance(value, str) or not value.startswith("gid://shopify/"):
        return None
    parts = value[len("gid://shopify/") :].split("/", 1)
    if len(parts) != 2:
        return None
    num = parts[1].split("?", 1)[0]
    if not num.isdigit() or (kind and parts[0] != kind):
        return None
    return parts[0], int(num)


def money(amount, currency="EUR"):
    m = {"amount": f"{amount:.2f}", "currencyCode": currency}
    return {"shopMoney": m, "presentmentMoney": m}


# -- connections -------------------------------------------------------------------------------


class Edge:
    __slots__ = ("cursor", "node")

    def __init__(self, cursor, node):
        self.cursor, self.node = cursor, node


class Connection:
    """A page of a sorted list. ``key(item)`` gives the sort tuple the cursor encodes."""

    def __init__(
        self, items, key, first=None, after=None, last=None, before=None, reverse=False, bulk=False
    ):
        if not bulk:
            if first is None and last is None:
                raise GraphQLError("you must provide one of first or last")
            for name, value in (("first", first), ("last", last)):
                if value is not None and not 0 <= value <= MAX_PAGE:
                    raise GraphQLError(
                        f"The '{name}' argument must be between 0 and {MAX_PAGE} (got {value})."
                    )
        self.key = key
        try:
            page = by_cursor(
                items,
                key,
                first=first,
                after=after,
                last=last,
                before=before,
                reverse=bool(reverse),
            )
        except ValueError:
            bad = after if after and not _is_cursor(after) else before
            raise GraphQLError(f"Invalid cursor for current pagination sort: {bad}") from None
        self.items = page.items
        self.has_next, self.has_prev = page.has_next, page.has_previous

    def cursor_of(self, item):
        return encode_cursor(self.key(item))

    @property
    def nodes(self):
        return self.items

    @property
    def edges(self):
        return [Edge(self.cursor_of(i), i) for i in self.items]

    @property
    def pageInfo(self):
        return {
            "hasNextPage": self.has_next,
            "hasPreviousPage": self.has_prev,
            "startCursor": self.cursor_of(self.items[0]) if self.items else None,
            "endCursor": self.cursor_of(self.items[-1]) if self.items else None,
        }


def _is_cursor(cursor):
    try:
        decode_cursor(cursor)
    except ValueError:
        return False
    return True


def connection(items, key, info, args):
    return Connection(items, key, bulk=info is None, **args)


# -- catalogue ---------------------------------------------------------------------------------

VARIANT_SORT = {
    "POSITION": lambda v: (v.position, v.num),
    "SKU": lambda v: (v.sku or "", v.num),
    "ID": lambda v: (v.num,),
}


class Product:
    __slots__ = (
        "_variants",
        "created",
        "handle",
        "images",
        "num",
        "product_type",
        "shop",
        "status",
        "title",
        "updated",
        "vendor",
    )
    TYPENAME = "Product"

    def __init__(self, shop, num, title, status, vendor, product_type, created, updated):
        self.shop, self.num, self.title, self.status = shop, num, title, status
        self.vendor, self.product_type = vendor, product_type
        self.created, self.updated = created, updated
        self.handle = title.lower().replace(" ", "-") + f"-{num % 100000}"
        self._variants, self.images = [], 0

    id = property(lambda self: gid("Product", self.num))
    legacyResourceId = property(lambda self: str(self.num))
    productType = property(lambda self: self.product_type)
    createdAt = property(lambda self: iso(self.created))
    updatedAt = property(lambda self: iso(self.updated))
    variantsCount = property(lambda self: {"count": len(self._variants), "precision": "EXACT"})

    def variants(self, info, reverse=False, sortKey="POSITION", **args):
        key = VARIANT_SORT.get(sortKey, VARIANT_SORT["POSITION"])
        return connection(self._variants, key, info, dict(args, reverse=reverse))

    def _media(self):
        return [MediaImage(self, n) for n in range(1, self.images + 1)]

    def media(self, info, reverse=False, sortKey="POSITION", query=None, **args):
        return connection(self._media(), lambda m: (m.n,), info, dict(args, reverse=reverse))

    @property
    def featuredMedia(self):
        return MediaImage(self, 1) if self.images else None


class MediaImage:
    __slots__ = ("n", "product")
    TYPENAME = "MediaImage"
    mediaContentType = "IMAGE"
    status = "READY"

    def __init__(self, product, n):
        self.product, self.n = product, n

    id = property(lambda self: gid("MediaImage", self.product.num * 10 + self.n))
    alt = property(lambda self: f"{self.product.title} ({self.n})")

    @property
    def image(self):
        url = f"{self.product.shop.public_url}/cdn/shop/files/{self.product.handle}-{self.n}.png"
        return {
            "id": gid("ImageSource", self.product.num * 10 + self.n),
            "url": url,
            "altText": self.alt,
            "width": 800,
            "height": 800,
        }


class Variant:
    __slots__ = (
        "barcode",
        "compare_at",
        "created",
        "num",
        "option_name",
        "position",
        "price",
        "product",
        "sku",
        "title",
        "updated",
        "weight_unit",
        "weight_value",
    )
    TYPENAME = "ProductVariant"

    id = property(lambda self: gid("ProductVariant", self.num))
    legacyResourceId = property(lambda self: str(self.num))
    compareAtPrice = property(lambda self: self.compare_at)
    createdAt = property(lambda self: iso(self.created))
    updatedAt = property(lambda self: iso(self.updated))
    inventoryItem = property(lambda self: InventoryItem(self))
    displayName = property(lambda self: f"{self.product.title} - {self.title}")

    @property
    def selectedOptions(self):
        return [{"name": self.option_name, "value": self.title}]

    @property
    def inventoryQuantity(self):
        return sum(
            levels[self.num][0]
            for levels in self.product.shop.levels.values()
            if self.num in levels
        )


class InventoryItem:
    __slots__ = ("variant",)
    TYPENAME = "InventoryItem"
    tracked = True

    def __init__(self, variant):
        self.variant = variant

    num = property(lambda self: self.variant.num + ITEM_OFFSET)
    id = property(lambda self: gid("InventoryItem", self.num))
    legacyResourceId = property(lambda self: str(self.num))
    sku = property(lambda self: self.variant.sku)
    createdAt = property(lambda self: self.variant.createdAt)
    updatedAt = property(lambda self: self.variant.updatedAt)

    @property
    def measurement(self):
        v = self.variant
        weight = None if v.weight_unit is None else {"unit": v.weight_unit, "value": v.weight_value}
        return {"id": gid("InventoryItemMeasurement", self.num), "weight": weight}

    def inventoryLevel(self, info, locationId):
        loc = self.variant.product.shop.location_by_gid(locationId)
        return InventoryLevel(loc, self.variant) if loc and self.variant.num in loc.levels else None

    def inventoryLevels(self, info, reverse=False, query=None, **args):
        shop = self.variant.product.shop
        items = [
            InventoryLevel(loc, self.variant)
            for loc in shop.locations
            if self.variant.num in loc.levels
        ]
        return connection(items, lambda lv: (lv.location.num,), info, dict(args, reverse=reverse))


ITEM_OFFSET = 3_000_000_000  # inventory item number = variant number + offset


class InventoryLevel:
    __slots__ = ("location", "variant")
    TYPENAME = "InventoryLevel"

    def __init__(self, location, variant):
        self.location, self.variant = location, variant

    id = property(
        lambda self: (
            f"gid://shopify/InventoryLevel/{self.location.num}"
            f"?inventory_item_id={self.variant.num + ITEM_OFFSET}"
        )
    )
    item = property(lambda self: InventoryItem(self.variant))
    createdAt = property(lambda self: self.variant.createdAt)
    updatedAt = property(lambda self: iso(self.location.levels[self.variant.num][3]))

    def quantities(self, info, names):
        available, committed, unavailable, _ = self.location.levels[self.variant.num]
        values = {
            "available": available,
            "committed": committed,
            "unavailable": unavailable,
            "on_hand": available + committed + unavailable,
            "incoming": 0,
            "reserved": 0,
            "damaged": unavailable,
            "quality_control": 0,
            "safety_stock": 0,
        }
        return [
            {
                "id": f"{self.id}&name={n}",
                "name": n,
                "quantity": values[n],
                "updatedAt": self.updatedAt,
            }
            for n in names
            if n in values
        ]


class Location:
    TYPENAME = "Location"

    def __init__(self, num, name, city, active=True):
        self.num, self.name, self.isActive = num, name, active
        self.fulfillsOnlineOrders = active
        self.address = {
            "address1": "1 Warehouse Way",
            "city": city,
            "countryCode": "FR",
            "zip": "75010",
        }
        self.levels = {}  # variant num -> [available, committed, unavailable, updated_ts]

    id = property(lambda self: gid("Location", self.num))
    legacyResourceId = property(lambda self: str(self.num))

    def inventoryLevel(self, info, inventoryItemId):
        parsed = parse_gid(inventoryItemId, "InventoryItem")
        num = parsed[1] - ITEM_OFFSET if parsed else None
        if num not in self.levels:
            return None
        return InventoryLevel(self, self.shop.variants[num])

    def inventoryLevels(self, info, reverse=False, query=None, **args):
        variants = self.shop.variants
        items = [InventoryLevel(self, variants[n]) for n in self.levels]
        return connection(items, lambda lv: (lv.variant.num,), info, dict(args, reverse=reverse))


# -- orders ------------------------------------------------------------------------------------


class LineItem:
    __slots__ = ("name", "num", "order", "price", "quantity", "sku", "variant")
    TYPENAME = "LineItem"

    id = property(lambda self: gid("LineItem", self.num))
    title = property(lambda self: self.variant.product.title if self.variant else self.name)
    variantTitle = property(lambda self: self.variant.title if self.variant else None)
    currentQuantity = property(lambda self: self.quantity)
    product = property(lambda self: self.variant.product if self.variant else None)
    originalUnitPriceSet = property(lambda self: money(self.price))


class FulfillmentOrderLineItem:
    __slots__ = ("line", "num", "remaining")
    TYPENAME = "FulfillmentOrderLineItem"

    id = property(lambda self: gid("FulfillmentOrderLineItem", self.num))
    sku = property(lambda self: self.line.sku or "")
    remainingQuantity = property(lambda self: self.remaining)
    totalQuantity = property(lambda self: self.line.quantity)
    lineItem = property(lambda self: self.line)


class FulfillmentOrder:
    TYPENAME = "FulfillmentOrder"

    def __init__(self, num, order, location, status):
        self.num, self.order, self.location, self.status = num, order, location, status
        self.line_items = []
        self.created = self.updated = order.created

    id = property(lambda self: gid("FulfillmentOrder", self.num))
    orderId = property(lambda self: self.order.id)
    createdAt = property(lambda self: iso(self.created))
    updatedAt = property(lambda self: iso(self.updated))

    @property
    def assignedLocation(self):
        return {"location": self.location, "name": self.location.name}

    def lineItems(self, info, reverse=False, **args):
        return connection(self.line_items, lambda li: (li.num,), info, dict(args, reverse=reverse))

    def fulfillments(self, info, reverse=False, **args):
        """The order's fulfillments that shipped a line of this fulfillment order."""
        mine = {li.line.num for li in self.line_items}
        items = [
            f
            for f in self.order.fulfillment_list
            if any(fli.line.num in mine for fli in f.line_items)
        ]
        return connection(items, lambda f: (f.num,), info, dict(args, reverse=reverse))


class FulfillmentLineItem:
    """What one fulfillment shipped of one order line item."""

    __slots__ = ("line", "num", "quantity")
    TYPENAME = "FulfillmentLineItem"

    def __init__(self, num, line, quantity):
        self.num, self.line, self.quantity = num, line, quantity

    id = property(lambda self: gid("FulfillmentLineItem", self.num))
    lineItem = property(lambda self: self.line)


class Fulfillment:
    TYPENAME = "Fulfillment"

    def __init__(self, num, order, created, tracking):
        self.num, self.order, self.created, self.tracking = num, order, created, tracking
        self.status = "SUCCESS"
        self.name = f"{order.name}-F{len(order.fulfillment_list) + 1}"
        self.line_items = []  # FulfillmentLineItem, one per order line item shipped

    id = property(lambda self: gid("Fulfillment", self.num))
    createdAt = property(lambda self: iso(self.created))

    def trackingInfo(self, info, first=None):
        return self.tracking[:first] if first else self.tracking

    def add_items(self, shop, items):
        """Record ``(fulfillment order line item, quantity)`` pairs as shipped by it."""
        by_line = {fli.line.num: fli for fli in self.line_items}
        for fo_line, qty in items:
            line = fo_line.line
            if line.num in by_line:
                by_line[line.num].quantity += qty
            else:
                by_line[line.num] = FulfillmentLineItem(shop.next_num(), line, qty)
                self.line_items.append(by_line[line.num])

    def fulfillmentLineItems(self, info, reverse=False, **args):
        return connection(
            self.line_items, lambda fli: (fli.num,), info, dict(args, reverse=reverse)
        )


class Order:
    TYPENAME = "Order"

    def __init__(self, num, number, created):
        self.num, self.number, self.created, self.updated = num, number, created, created
        self.processed = created
        self.lines, self.fulfillment_orders, self.fulfillment_list = [], [], []
        self.financial, self.cancelled, self.cancel_reason = "PAID", None, None
        self.email, self.address, self.shipping, self.test = None, None, None, False
        self.closed_at = None

    id = property(lambda self: gid("Order", self.num))
    legacyResourceId = property(lambda self: str(self.num))
    name = property(lambda self: f"#{self.number}")
    createdAt = property(lambda self: iso(self.created))
    updatedAt = property(lambda self: iso(self.updated))
    processedAt = property(lambda self: iso(self.processed))
    cancelledAt = property(lambda self: iso(self.cancelled) if self.cancelled else None)
    cancelReason = property(lambda self: self.cancel_reason)
    displayFinancialStatus = property(lambda self: self.financial)
    closed = property(lambda self: self.closed_at is not None)
    closedAt = property(lambda self: iso(self.closed_at) if self.closed_at else None)
    currencyCode = "EUR"
    customer = property(
        lambda self: (
            {"id": gid("Customer", self.num + 1), "displayName": self.address["name"]}
            if self.address
            else None
        )
    )

    @property
    def total(self):
        return sum(line.price * line.quantity for line in self.lines) + 4.90

    totalPriceSet = property(lambda self: money(self.total))

    @property
    def totalOutstandingSet(self):
        unpaid = self.financial in ("PENDING", "AUTHORIZED", "EXPIRED")
        outstanding = (
            self.total if unpaid else (self.total / 2 if self.financial == "PARTIALLY_PAID" else 0)
        )
        return money(outstanding)

    @property
    def displayFulfillmentStatus(self):
        fos = [fo for fo in self.fulfillment_orders if fo.status != "CANCELLED"]
        if not fos:
            return "UNFULFILLED"
        remaining = sum(li.remaining for fo in fos for li in fo.line_items)
        total = sum(li.line.quantity for fo in fos for li in fo.line_items)
        if remaining == 0:
            return "FULFILLED"
        return "PARTIALLY_FULFILLED" if remaining < total else "UNFULFILLED"

    shippingAddress = property(lambda self: self.address)
    billingAddress = property(lambda self: self.address)

    @property
    def shippingLine(self):
        if not self.shipping:
            return None
        code, title = self.shipping
        return {
            "id": gid("ShippingLine", self.num),
            "code": code,
            "title": title,
            "source": "shopify",
            "carrierIdentifier": None,
            "originalPriceSet": money(4.90),
        }

    def lineItems(self, info, reverse=False, **args):
        return connection(self.lines, lambda li: (li.num,), info, dict(args, reverse=reverse))

    def fulfillmentOrders(self, info, reverse=False, query=None, displayable=False, **args):
        items = self.fulfillment_orders
        match = search.matcher(query, {"status": lambda fo: fo.status})
        if match:
            items = [fo for fo in items if match(fo)]
        return connection(items, lambda fo: (fo.num,), info, dict(args, reverse=reverse))

    def fulfillments(self, info, first=None):
        return self.fulfillment_list[:first] if first else self.fulfillment_list


# -- the shop ----------------------------------------------------------------------------------


class Shop:
    """All the state of one emulated shop."""

    def __init__(self, products=200, orders=50, seed=1, variants=None, clock=time.time):
        self.rng = random.Random(seed)
        self.clock = clock
        self.lock = threading.RLock()
        self.public_url = "http://127.0.0.1"
        self.name = "Hub Demo Store"
        self.domain = "hub-demo.myshopify.com"
        self.scopes = list(SCOPES)
        self.frozen = self.locked = False
        self.counter = 10_000_000
        self.products, self.product_index, self.variants = [], {}, {}
        self.orders, self.order_index = [], {}
        self.fulfillment_orders, self.line_items, self.fo_line_items = {}, {}, {}
        self.fulfillments = {}
        self.locations = [
            Location(81000000001, "Main warehouse", "Paris"),
            Location(81000000002, "Lyon shop", "Lyon"),
            Location(81000000003, "Old depot", "Lille", active=False),
        ]
        for loc in self.locations:
            loc.shop = self
        self.location_index = {loc.num: loc for loc in self.locations}
        self._generate_products(products, variants)
        self._generate_orders(orders)

    def next_num(self):
        self.counter += 1
        return self.counter

    # -- generation ---------------------------------------------------------------------------

    def _generate_products(self, n_products, n_variants):
        rng, main, shop2 = self.rng, self.locations[0].levels, self.locations[1].levels
        variant_num = 44_000_000_000
        i = 0
        while (i < n_products) if n_variants is None else (len(self.variants) < n_variants):
            created = BASE_PRODUCTS + i * 600 + rng.randrange(600)
            updated = created + rng.randrange(86400 * 90)
            title = f"{ADJECTIVES[rng.randrange(16)]} {NOUNS[rng.randrange(16)]}"
            r = rng.random()
            status = "ACTIVE" if r < 0.9 else ("DRAFT" if r < 0.96 else "ARCHIVED")
            p = Product(
                self,
                8_000_000_000 + i,
                title,
                status,
                VENDORS[rng.randrange(4)],
                title.split(" ", 1)[1],
                created,
                updated,
            )
            p.images = rng.randrange(4)
            count = rng.randint(1, 5)
            if n_variants is not None:
                count = min(count, n_variants - len(self.variants))
            sized = rng.random() < 0.6
            base_price = rng.randrange(500, 15000) / 100
            for k in range(count):
                variant_num += 1
                v = Variant()
                v.num, v.product, v.position = variant_num, p, k + 1
                if count == 1:
                    v.title, v.option_name = "Default Title", "Title"
                else:
                    v.title = SIZES[k] if sized else COLORS[k]
                    v.option_name = "Size" if sized else "Color"
                v.sku = f"HUB-{i:05d}-{k + 1}"
                v.barcode = (
                    None if rng.random() < 0.15 else str(4006381000000 + variant_num % 1_000_000)
                )
                v.price = f"{base_price + k:.2f}"
                v.compare_at = None
                u = rng.random()
                if u < 0.05:
                    v.weight_unit = v.weight_value = None
                elif u < 0.65:
                    v.weight_unit, v.weight_value = "GRAMS", float(rng.randrange(50, 2000))
                elif u < 0.85:
                    v.weight_unit, v.weight_value = "KILOGRAMS", rng.randrange(1, 200) / 10
                elif u < 0.95:
                    v.weight_unit, v.weight_value = "POUNDS", rng.randrange(1, 100) / 10
                else:
                    v.weight_unit, v.weight_value = "OUNCES", float(rng.randrange(1, 60))
                v.created, v.updated = created, updated
                p._variants.append(v)
                self.variants[v.num] = v
                main[v.num] = [rng.randrange(0, 60), 0, 0, updated]
                if k == 0 or rng.random() < 0.5:
                    shop2[v.num] = [rng.randrange(0, 10), 0, 0, updated]
            self.products.append(p)
            self.product_index[p.num] = p
            i += 1

    def _generate_orders(self, n_orders):
        rng = self.rng
        variants = list(self.variants.values())
        for i in range(n_orders):
            created = BASE_ORDERS + i * 1800 + rng.randrange(1800)
            o = Order(6_000_000_000 + i, 1001 + i, created)
            o.financial = (
                FINANCIAL[i]
                if i < len(FINANCIAL)
                else ("PAID" if rng.random() < 0.6 else FINANCIAL[rng.randrange(len(FINANCIAL))])
            )
            first, last, addr1, city, zip_, country, province, pcode = ADDRESSES[rng.randrange(6)]
            o.address = {
                "id": gid("MailingAddress", o.num),
                "firstName": first,
                "lastName": last,
                "name": f"{first} {last}",
                "company": None,
                "address1": addr1,
                "address2": None,
                "city": city,
                "zip": zip_,
                "country": country,
                "countryCodeV2": country,
                "province": province,
                "provinceCode": pcode,
                "phone": "+33 1 23 45 67 89",
            }
            o.email = f"{first.lower()}.{last.lower()}{i}@example.com"
            o.shipping = SHIPPING[rng.randrange(len(SHIPPING))]
            for _ in range(rng.randint(1, 3)):
                v = variants[rng.randrange(len(variants))] if variants else None
                if v is None:
                    break
                line = LineItem()
                line.num, line.order, line.variant, line.sku = self.next_num(), o, v, v.sku
                line.name = (
                    f"{v.product.title} - {v.title}"
                    if v.title != "Default Title"
                    else v.product.title
                )
                line.quantity, line.price = rng.randint(1, 3), float(v.price)
                o.lines.append(line)
                self.line_items[line.num] = line
            cancelled = (
                o.financial in ("VOIDED", "EXPIRED")
                or (i == len(FINANCIAL))
                or (i > len(FINANCIAL) and rng.random() < 0.08)
            )
            fo = FulfillmentOrder(self.next_num(), o, self.locations[0], "OPEN")
            for line in o.lines:
                fli = FulfillmentOrderLineItem()
                fli.num, fli.line, fli.remaining = self.next_num(), line, line.quantity
                fo.line_items.append(fli)
                self.fo_line_items[fli.num] = fli
            o.fulfillment_orders.append(fo)
            self.fulfillment_orders[fo.num] = fo
            if cancelled:
                o.cancelled = created + 3600
                o.cancel_reason = CANCEL_REASONS[rng.randrange(6)]
                o.closed_at = o.cancelled
                fo.status = "CANCELLED"
            elif o.financial == "PAID" and rng.random() < 0.3:
                self._fulfil(
                    o,
                    fo,
                    [(fli, fli.remaining) for fli in fo.line_items],
                    {"company": "DHL Express", "number": f"JD{o.num}", "url": None},
                    created + 86400,
                )
            elif o.financial not in ("REFUNDED",):
                for line in o.lines:
                    if line.variant:
                        self.locations[0].levels[line.variant.num][1] += line.quantity
            o.updated = max(o.created, o.cancelled or 0, o.updated) + rng.randrange(600)
            self.orders.append(o)
            self.order_index[o.num] = o

    def _fulfil(self, order, fo, items, tracking, when):
        for fli, qty in items:
            fli.remaining -= qty
        fo.status = "CLOSED" if all(f.remaining == 0 for f in fo.line_items) else "IN_PROGRESS"
        fo.updated = when
        f = Fulfillment(
            self.next_num(),
            order,
            when,
            [tracking] if tracking and (tracking.get("number") or tracking.get("company")) else [],
        )
        f.add_items(self, items)
        order.fulfillment_list.append(f)
        self.fulfillments[f.num] = f
        order.updated = when
        return f

    # -- lookups ------------------------------------------------------------------------------

    def location_by_gid(self, value):
        parsed = parse_gid(value, "Location")
        return self.location_index.get(parsed[1]) if parsed else None

    def find_order(self, ref):
        """An order by GID, numeric id or name (``#1001`` / ``1001``)."""
        parsed = parse_gid(ref, "Order")
        if parsed:
            return self.order_index.get(parsed[1])
        ref = str(ref).lstrip("#")
        if ref.isdigit():
            num = int(ref)
            if num in self.order_index:
                return self.order_index[num]
            return next((o for o in self.orders if o.number == num), None)
        return None

    def node(self, value):
        parsed = parse_gid(value)
        if not parsed:
            return None
        kind, num = parsed
        if kind == "Product":
            return self.product_index.get(num)
        if kind == "ProductVariant":
            return self.variants.get(num)
        if kind == "InventoryItem":
            v = self.variants.get(num - ITEM_OFFSET)
            return InventoryItem(v) if v else None
        if kind == "Location":
            return self.location_index.get(num)
        if kind == "Order":
            return self.order_index.get(num)
        if kind == "LineItem":
            return self.line_items.get(num)
        if kind == "FulfillmentOrder":
            return self.fulfillment_orders.get(num)
        if kind == "Fulfillment":
            return self.fulfillments.get(num)
        if kind == "BulkOperation":
            from connect_shopify_emulator.bulk import BulkView

            op = getattr(self, "bulk_operations", {}).get(num)
            return BulkView(op) if op else None
        return None

    # -- helpers for tests and the demo ---------------------------------------------------------

    def add_product(self, data):
        now = int(self.clock())
        num = 8_000_000_000 + len(self.products) + 500_000
        while num in self.product_index:
            num += 1
        p = Product(
            self,
            num,
            data.get("title") or "New product",
            data.get("status", "ACTIVE"),
            data.get("vendor", VENDORS[0]),
            data.get("product_type", "Misc"),
            now,
            now,
        )
        specs = data.get("variants") or [{}]
        for k, spec in enumerate(specs):
            v = Variant()
            v.num = max(self.variants, default=44_000_000_000) + 1
            v.product, v.position = p, k + 1
            v.title = spec.get("title") or ("Default Title" if len(specs) == 1 else f"V{k + 1}")
            v.option_name = "Title" if v.title == "Default Title" else "Option"
            v.sku = spec.get("sku", f"NEW-{num}-{k + 1}")
            v.barcode = spec.get("barcode")
            v.price = str(spec.get("price", "10.00"))
            v.compare_at = None
            v.weight_unit = spec.get("weight_unit", "GRAMS")
            v.weight_value = spec.get("weight", 100.0)
            v.created = v.updated = now
            p._variants.append(v)
            self.variants[v.num] = v
            self.locations[0].levels[v.num] = [int(spec.get("available", 0)), 0, 0, now]
        self.products.append(p)
        self.product_index[p.num] = p
        return p

    def add_order(self, data):
        """A new order (for tests and the demo): ``lines`` is a count (the catalogue's variants
        in turn, quantity 1) or a list of ``{"sku", "quantity"}``; the lines are spread over
        ``fulfillment_orders`` fulfillment orders (default 1), assigned in turn to the
        ``location_ids`` (default the main warehouse), like Shopify splits an order."""
        now = int(self.clock())
        num = 6_000_000_000 + len(self.orders)
        while num in self.order_index:
            num += 1
        number = max((o.number for o in self.orders), default=1000) + 1
        o = Order(num, number, now)
        o.financial = data.get("financial_status", "PAID")
        first, last, addr1, city, zip_, country, province, pcode = ADDRESSES[0]
        o.address = {
            "id": gid("MailingAddress", o.num),
            "firstName": first,
            "lastName": last,
            "name": f"{first} {last}",
            "company": None,
            "address1": addr1,
            "address2": None,
            "city": city,
            "zip": zip_,
            "country": country,
            "countryCodeV2": country,
            "province": province,
            "provinceCode": pcode,
            "phone": None,
        }
        o.email = "test.order@example.com"
        o.shipping = SHIPPING[0]
        variants = list(self.variants.values())
        specs = data.get("lines", 1)
        if isinstance(specs, int):
            specs = [{"variant": variants[k % len(variants)], "quantity": 1} for k in range(specs)]
        for spec in specs:
            v = spec.get("variant") or next((x for x in variants if x.sku == spec.get("sku")), None)
            if v is None:
                raise ValueError(f"no variant with SKU {spec.get('sku')!r}")
            line = LineItem()
            line.num, line.order, line.variant, line.sku = self.next_num(), o, v, v.sku
            line.name = (
                f"{v.product.title} - {v.title}" if v.title != "Default Title" else v.product.title
            )
            line.quantity, line.price = int(spec.get("quantity", 1)), float(v.price)
            o.lines.append(line)
            self.line_items[line.num] = line
        locations = [
            self.location_by_gid(ref) for ref in data.get("location_ids") or [self.locations[0].id]
        ]
        if not all(locations):
            raise ValueError("unknown location in location_ids")
        count = max(1, int(data.get("fulfillment_orders", 1)))
        fos = [
            FulfillmentOrder(self.next_num(), o, locations[k % len(locations)], "OPEN")
            for k in range(count)
        ]
        for k, line in enumerate(o.lines):
            fo = fos[k % count]
            fli = FulfillmentOrderLineItem()
            fli.num, fli.line, fli.remaining = self.next_num(), line, line.quantity
            fo.line_items.append(fli)
            self.fo_line_items[fli.num] = fli
            level = fo.location.levels.get(line.variant.num)
            if level:
                level[1] += line.quantity  # committed until shipped
        for fo in fos:
            if fo.line_items:
                o.fulfillment_orders.append(fo)
                self.fulfillment_orders[fo.num] = fo
        self.orders.append(o)
        self.order_index[o.num] = o
        return o

    def stock_of(self, sku):
        out = {}
        for v in self.variants.values():
            if v.sku == sku:
                for loc in self.locations:
                    if v.num in loc.levels:
                        a, c, u, _ = loc.levels[v.num]
                        out[loc.id] = {
                            "available": a,
                            "committed": c,
                            "unavailable": u,
                            "on_hand": a + c + u,
                        }
        return out

    def summary(self):
        return {
            "products": len(self.products),
            "variants": len(self.variants),
            "orders": len(self.orders),
            "locations": len(self.locations),
            "fulfillments": len(self.fulfillments),
            "fulfillment_orders": len(self.fulfillment_orders),
            "orders_by_financial_status": _count(o.financial for o in self.orders),
            "cancelled_orders": sum(1 for o in self.orders if o.cancelled),
        }


def _count(values):
    out = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out
