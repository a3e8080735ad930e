"""A deterministic catalogue and order history for ``create_app(products, orders, seed)``.

A mix of simple and variable products (about two in five variable). Some seeded records carry the
cases a connector has to handle: variations without an SKU, products without ``global_unique_id``,
simple products that do not manage stock, an empty weight. Seeded orders took their stock the way
WooCommerce does (paid or on-hold orders have ``_order_stock_reduced``), so the seeded quantities
are already net of them.
"""

import random
from datetime import timedelta

from connect_woocommerce_emulator.store import KG_PER_UNIT, Store, utcnow

COLOURS = ("Red", "Blue", "Green", "Black", "White", "Yellow")
SIZES = ("XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL")
NOUNS = ("T-shirt", "Mug", "Poster", "Hoodie", "Cap", "Notebook", "Tote bag", "Sticker")
SHIPPING = (
    ("flat_rate", "Flat rate", 1),
    ("free_shipping", "Free shipping", 2),
    ("local_pickup", "Local pickup", 3),
)
SEEDED_STATUSES = (
    ("processing",) * 6
    + ("completed",) * 4
    + ("pending", "on-hold", "cancelled", "refunded", "failed")
)


def money(value):
    """Prices are decimal strings with the store's 2 decimals (``wc_format_decimal``)."""
    return f"{value:.2f}"


def weight_string(kg, unit):
    """A weight in the store unit, as WooCommerce stores what the merchant typed."""
    value = kg / KG_PER_UNIT[unit]
    return f"{value:.3f}".rstrip("0").rstrip(".")


def ean13(rng):
    digits = [rng.randrange(10) for _ in range(12)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits)) + str(check)


def seed_store(
    products,
    orders,
    seed,
    variations_per_product=None,
    weight_unit="kg",
    timezone="Europe/Paris",
    **_,
):
    rng = random.Random(seed)
    store = Store(timezone=timezone, weight_unit=weight_unit)
    now = utcnow()
    start = now - timedelta(days=90)
    step = timedelta(seconds=max(1, int(80 * 86400 / max(products, 1))))
    for n in range(products):
        created = start + step * n
        modified = created + timedelta(seconds=rng.randrange(3600))
        variable = rng.random() < 0.4 if variations_per_product != 0 else False
        if variations_per_product:
            variable = n % 5 != 4  # a few simple products always, for the simple-product paths
        _seed_product(store, rng, n, created, modified, variable, variations_per_product)
    _seed_orders(store, rng, orders, now)
    store.events.clear()
    store.writes = 0
    return store


def _image(store, product_id, n):
    return {
        "id": store.new_id(),
        "src": f"/wp-content/uploads/2024/05/product-{product_id}-{n}.png",
        "name": f"product-{product_id}-{n}",
        "alt": "",
    }


def _seed_product(store, rng, n, created, modified, variable, variations_per_product):
    noun = NOUNS[n % len(NOUNS)]
    name = f"{noun} {n + 1:05d}"
    kg = round(rng.uniform(0.05, 2.5), 3)
    price = rng.choice((9.9, 12.5, 19.9, 24.0, 35.0, 49.9))
    product = {
        "id": store.new_id(),
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "type": "variable" if variable else "simple",
        "parent_id": 0,
        "status": "publish",
        "sku": f"WOO-{n + 1:05d}",
        "global_unique_id": "" if n % 6 == 5 else ean13(rng),
        "regular_price": "" if variable else money(price),
        "sale_price": "",
        "manage_stock": not (variable or n % 9 == 8),
        "stock_quantity": None,
        "stock_status": "instock",
        "backorders": "no",
        "weight": "" if n % 11 == 10 else weight_string(kg, store.weight_unit),
        "description": f"<p>The {noun.lower()} number {n + 1}.</p>",
        "short_description": "",
        "categories": [{"id": 15 + n % 4, "name": noun + "s", "slug": noun.lower() + "s"}],
        "attributes": [],
        "created": created,
        "modified": modified,
        "menu_order": 0,
    }
    product["images"] = [
        {**_image(store, product["id"], k), "date_created": created} for k in range(1 + n % 2)
    ]
    # in the mixed catalogue, every thirteenth variable product keeps its stock on the parent
    # (stock managed at product level): its variations' manage_stock reads "parent"
    shared_stock = variable and not variations_per_product and n % 13 == 12
    if shared_stock:
        product["manage_stock"] = True
    if product["manage_stock"] is True:
        product["stock_quantity"] = rng.randrange(0, 60)
        product["stock_status"] = "instock" if product["stock_quantity"] > 0 else "outofstock"
    store.add_product(product)
    if not variable:
        return
    count = variations_per_product or rng.randrange(2, 7)
    options = [(c, s) for c in COLOURS for s in SIZES]
    product["attributes"] = [
        {
            "id": 1,
            "name": "Colour",
            "slug": "pa_colour",
            "position": 0,
            "visible": True,
            "variation": True,
            "options": [],
        },
        {
            "id": 2,
            "name": "Size",
            "slug": "pa_size",
            "position": 1,
            "visible": True,
            "variation": True,
            "options": [],
        },
    ]
    for k in range(count):
        colour, size = options[k % len(options)]
        for attr, value in zip(product["attributes"], (colour, size), strict=True):
            if value not in attr["options"]:
                attr["options"].append(value)
        suffix = f"-{k + 1}" if k >= len(options) else ""
        variation = {
            "id": store.new_id(),
            "name": f"{name} - {colour}, {size}{suffix}",
            "type": "variation",
            "parent_id": product["id"],
            "status": "publish",
            # every seventh variation of the catalogue has no SKU: optional in WooCommerce
            "sku": "" if (n + k) % 7 == 6 else f"WOO-{n + 1:05d}-{k + 1:03d}",
            "global_unique_id": "" if k % 4 == 3 else ean13(rng),
            "regular_price": money(price + (k % 3) * 2),
            "sale_price": "",
            "manage_stock": True,
            "stock_quantity": rng.randrange(0, 40),
            "stock_status": "instock",
            "backorders": "no",
            "weight": weight_string(kg + k * 0.01, store.weight_unit),
            "description": "",
            "attributes": [
                {"id": 1, "name": "Colour", "option": colour},
                {"id": 2, "name": "Size", "option": size},
            ],
            "image": None
            if k % 3 == 2
            else {**_image(store, product["id"], 10 + k), "date_created": created},
            "created": created,
            "modified": modified,
            "menu_order": k,
        }
        if shared_stock:
            variation["manage_stock"], variation["stock_quantity"] = "parent", None
            variation["stock_status"] = product["stock_status"]
        elif variation["stock_quantity"] == 0:
            variation["stock_status"] = "outofstock"
        store.add_product(variation)
    store.refresh_stock_status(store.products[store.children[product["id"]][0]])


def sellable_lines(store):
    """(product, variation or None) pairs a shopper can buy: not variable parents."""
    lines = []
    for record in store.products.values():
        if record["type"] == "simple":
            lines.append((record, None))
        elif record["type"] == "variation":
            lines.append((store.products[record["parent_id"]], record))
    return lines


def order_line(store, product, variation, quantity):
    record = variation or product
    price = float(record.get("sale_price") or record.get("regular_price") or 0)
    return {
        "id": store.new_item_id(),
        "name": record["name"],
        "product_id": product["id"],
        "variation_id": variation["id"] if variation else 0,
        "quantity": quantity,
        "tax_class": "",
        "subtotal": money(price * quantity),
        "subtotal_tax": "0.00",
        "total": money(price * quantity),
        "total_tax": "0.00",
        "taxes": [],
        "meta_data": [],
        "sku": record.get("sku") or "",
        "price": price,
    }


def new_order(store, rng, lines, shipping=SHIPPING[0], customer=None):
    """An order's fields before ``Store.add_order`` (which applies the status and its hooks)."""
    method_id, title, instance = shipping
    n = len(store.orders) + 1
    customer = customer or {
        "first_name": "Ada",
        "last_name": f"Buyer{n}",
        "email": f"buyer{n}@example.com",
    }
    address = {
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "company": "",
        "address_1": f"{n} Rue de la Paix",
        "address_2": "",
        "city": "Paris",
        "state": "",
        "postcode": "75002",
        "country": "FR",
    }
    shipping_total = 0.0 if method_id != "flat_rate" else 5.0
    total = sum(float(line["total"]) for line in lines) + shipping_total
    return {
        "parent_id": 0,
        "currency": store.currency,
        "prices_include_tax": False,
        "customer_id": 0,
        "order_key": f"wc_order_{rng.getrandbits(48):012x}",
        "billing": {**address, "email": customer["email"], "phone": "+33100000000"},
        "shipping": {**address, "phone": ""},
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "transaction_id": "",
        "customer_note": "",
        "line_items": lines,
        "shipping_lines": [
            {
                "id": store.new_item_id(),
                "method_title": title,
                "method_id": method_id,
                "instance_id": str(instance),
                "total": money(shipping_total),
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
            }
        ],
        "shipping_total": money(shipping_total),
        "total": money(total),
    }


def _seed_orders(store, rng, count, now):
    catalogue = sellable_lines(store)
    if not catalogue:
        return
    for n in range(count):
        picks = rng.sample(catalogue, k=min(len(catalogue), 1 + n % 3))
        lines = [order_line(store, p, v, 1 + rng.randrange(2)) for p, v in picks]
        order = new_order(store, rng, lines, shipping=SHIPPING[n % len(SHIPPING)])
        when = now - timedelta(days=30) + timedelta(minutes=37 * n)
        order["created"] = when
        status = SEEDED_STATUSES[n % len(SEEDED_STATUSES)]
        if status in ("cancelled", "refunded", "failed"):
            store.add_order(order, "pending", when=when)
            store.set_order_status(order, status, when=when)
        else:
            store.add_order(order, status, when=when)
