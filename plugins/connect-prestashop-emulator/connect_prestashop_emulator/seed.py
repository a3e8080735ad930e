"""Deterministic seeded data for the emulator (``random.Random(seed)``).

A fresh PrestaShop 8 install's reference data (languages en/fr, the 13 default order states with
their flags and ``PS_OS_*`` configuration keys, countries with their real ids, carriers) plus a
generated catalogue: simple products and products with combinations (Size × Color), stock rows
(``id_product_attribute = 0`` is the product total), images, suppliers and product–supplier
links, customers, addresses and orders with rows, carriers and histories.
"""

import random
from datetime import datetime, timedelta

from connect_prestashop_emulator.store import Store

# (config key, English name, French name, paid, logable, shipped, delivery, invoice, color)
ORDER_STATES = (
    (
        "PS_OS_CHEQUE",
        "Awaiting check payment",
        "En attente du paiement par chèque",
        0,
        0,
        0,
        0,
        0,
        "#34209E",
    ),
    ("PS_OS_PAYMENT", "Payment accepted", "Paiement accepté", 1, 1, 0, 0, 1, "#3498D8"),
    (
        "PS_OS_PREPARATION",
        "Processing in progress",
        "En cours de préparation",
        1,
        1,
        0,
        1,
        1,
        "#3498D8",
    ),
    ("PS_OS_SHIPPING", "Shipped", "Expédié", 1, 1, 1, 1, 1, "#01B887"),
    ("PS_OS_DELIVERED", "Delivered", "Livré", 1, 1, 1, 1, 1, "#01B887"),
    ("PS_OS_CANCELED", "Canceled", "Annulé", 0, 0, 0, 0, 0, "#2C3E50"),
    ("PS_OS_REFUND", "Refunded", "Remboursé", 1, 0, 0, 0, 1, "#ec2e15"),
    ("PS_OS_ERROR", "Payment error", "Erreur de paiement", 0, 0, 0, 0, 0, "#8f0621"),
    (
        "PS_OS_OUTOFSTOCK_PAID",
        "On backorder (paid)",
        "En attente de réapprovisionnement (payé)",
        1,
        0,
        0,
        0,
        1,
        "#3498D8",
    ),
    (
        "PS_OS_BANKWIRE",
        "Awaiting bank wire payment",
        "En attente de virement bancaire",
        0,
        0,
        0,
        0,
        0,
        "#34209E",
    ),
    (
        "PS_OS_WS_PAYMENT",
        "Remote payment accepted",
        "Paiement à distance accepté",
        1,
        1,
        0,
        0,
        1,
        "#3498D8",
    ),
    (
        "PS_OS_OUTOFSTOCK_UNPAID",
        "On backorder (not paid)",
        "En attente de réapprovisionnement (non payé)",
        0,
        0,
        0,
        0,
        0,
        "#34209E",
    ),
    (
        "PS_OS_COD_VALIDATION",
        "Awaiting Cash On Delivery validation",
        "En attente de validation (paiement à la livraison)",
        0,
        0,
        0,
        0,
        0,
        "#34209E",
    ),
)
# how often a generated order is in each state (by config key)
STATE_WEIGHTS = {
    "PS_OS_PAYMENT": 40,
    "PS_OS_PREPARATION": 10,
    "PS_OS_BANKWIRE": 12,
    "PS_OS_CHEQUE": 4,
    "PS_OS_SHIPPING": 12,
    "PS_OS_DELIVERED": 8,
    "PS_OS_CANCELED": 6,
    "PS_OS_REFUND": 2,
    "PS_OS_OUTOFSTOCK_PAID": 3,
    "PS_OS_ERROR": 2,
    "PS_OS_WS_PAYMENT": 1,
}

# the states a seeded order went through to reach its final state (validateOrder sets the
# first; the others are changeIdOrderState): stock is taken at the first, given back on
# a cancellation (see Store.place_order / Store.add_history)
STATE_PATHS = {
    "PS_OS_PREPARATION": ("PS_OS_PAYMENT", "PS_OS_PREPARATION"),
    "PS_OS_SHIPPING": ("PS_OS_PAYMENT", "PS_OS_PREPARATION", "PS_OS_SHIPPING"),
    "PS_OS_DELIVERED": ("PS_OS_PAYMENT", "PS_OS_SHIPPING", "PS_OS_DELIVERED"),
    "PS_OS_REFUND": ("PS_OS_PAYMENT", "PS_OS_REFUND"),
    "PS_OS_CANCELED": ("PS_OS_BANKWIRE", "PS_OS_CANCELED"),
    "PS_OS_OUTOFSTOCK_PAID": ("PS_OS_PAYMENT", "PS_OS_OUTOFSTOCK_PAID"),
}

# real ids of a PrestaShop install: (id, iso, English name, French name, call prefix)
COUNTRIES = (
    (1, "DE", "Germany", "Allemagne", 49),
    (3, "BE", "Belgium", "Belgique", 32),
    (6, "ES", "Spain", "Espagne", 34),
    (8, "FR", "France", "France", 33),
    (10, "IT", "Italy", "Italie", 39),
    (13, "NL", "Netherlands", "Pays-Bas", 31),
    (17, "GB", "United Kingdom", "Royaume-Uni", 44),
    (19, "CH", "Switzerland", "Suisse", 41),
    (21, "US", "United States", "États-Unis", 1),
)
SIZES = ("S", "M", "L", "XL")
COLORS = (
    ("Grey", "Gris", "#AAB2BD"),
    ("Taupe", "Taupe", "#CFC4A6"),
    ("Beige", "Beige", "#f5f5dc"),
    ("White", "Blanc", "#ffffff"),
    ("Red", "Rouge", "#E84C3D"),
    ("Black", "Noir", "#434A54"),
    ("Blue", "Bleu", "#5D9CEC"),
)
ADJECTIVES = (
    ("Hummingbird", "Colibri"),
    ("Mountain", "Montagne"),
    ("Brown bear", "Ours brun"),
    ("Classic", "Classique"),
    ("Organic", "Bio"),
    ("Vintage", "Vintage"),
    ("Nordic", "Nordique"),
    ("Urban", "Urbain"),
)
NOUNS = (
    ("printed t-shirt", "t-shirt imprimé"),
    ("sweater", "pull"),
    ("mug", "mug"),
    ("notebook", "carnet"),
    ("cushion", "coussin"),
    ("poster", "affiche"),
    ("tote bag", "sac"),
    ("hoodie", "sweat à capuche"),
)
FIRST_NAMES = ("John", "Marie", "Lucas", "Emma", "Hugo", "Léa", "Noah", "Chloé", "Paul", "Anna")
LAST_NAMES = ("DOE", "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand")
STREETS = (
    "16, Main street",
    "2 rue de la Paix",
    "Calle Mayor 5",
    "Via Roma 12",
    "Kerkstraat 8",
    "Hauptstraße 3",
)
CITIES = ("Miami", "Paris", "Madrid", "Roma", "Amsterdam", "Berlin", "Lyon", "Gent")
BASE_DATE = datetime(2025, 1, 6, 9, 0, 0)


def ean13(rng):
    digits = [rng.randint(0, 9) for _ in range(12)]
    digits[0] = 3  # a French GS1 prefix, as PrestaShop demo data
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def fmt_date(value):
    return value.strftime("%Y-%m-%d %H:%M:%S")


def money(value):
    return f"{value:.6f}"


def seed_store(
    products=100,
    orders=50,
    seed=1,
    *,
    combinations_per_product=None,
    combination_ratio=0.4,
    state_ids_offset=0,
    timezone="Europe/Paris",
    shop_name="Hub Demo Shop",
):
    rng = random.Random(seed)
    store = Store(timezone=timezone)
    _reference_data(store, state_ids_offset, shop_name, timezone)
    _catalogue(store, rng, products, combinations_per_product, combination_ratio)
    _orders(store, rng, orders)
    return store


def _reference_data(store, state_ids_offset, shop_name, timezone):
    langs = store["languages"]
    langs.insert(
        {
            "name": "English (English)",
            "iso_code": "en",
            "locale": "en-US",
            "language_code": "en-us",
            "date_format_lite": "m/d/Y",
            "date_format_full": "m/d/Y H:i:s",
        }
    )
    langs.insert(
        {
            "name": "Français (French)",
            "iso_code": "fr",
            "locale": "fr-FR",
            "language_code": "fr",
            "date_format_lite": "d/m/Y",
            "date_format_full": "d/m/Y H:i:s",
        }
    )
    currencies = store["currencies"]
    currencies.insert(
        {
            "names": {1: "Euro", 2: "euro"},
            "name": "Euro",
            "symbols": {1: "€", 2: "€"},
            "symbol": "€",
            "iso_code": "EUR",
            "numeric_iso_code": "978",
            "conversion_rate": "1.000000",
        }
    )
    currencies.insert(
        {
            "names": {1: "US Dollar", 2: "dollar des États-Unis"},
            "name": "US Dollar",
            "symbols": {1: "$", 2: "$US"},
            "symbol": "$",
            "iso_code": "USD",
            "numeric_iso_code": "840",
            "conversion_rate": "1.080000",
        }
    )
    states = store["order_states"]
    config = {
        "PS_SHOP_NAME": shop_name,
        "PS_LANG_DEFAULT": "1",
        "PS_CURRENCY_DEFAULT": "1",
        "PS_TIMEZONE": timezone,
        "PS_WEIGHT_UNIT": "kg",
        "PS_WEBSERVICE": "1",
        "PS_COUNTRY_DEFAULT": "8",
        "PS_STOCK_MANAGEMENT": "1",
    }
    for i, (key, en, fr, paid, logable, shipped, delivery, invoice, color) in enumerate(
        ORDER_STATES, start=1 + state_ids_offset
    ):
        states.insert(
            {
                "delivery": str(delivery),
                "send_email": "1" if paid or shipped else "0",
                "invoice": str(invoice),
                "color": color,
                "logable": str(logable),
                "shipped": str(shipped),
                "paid": str(paid),
                "name": {1: en, 2: fr},
                "template": {1: key.lower()[6:], 2: key.lower()[6:]},
                "pdf_invoice": str(invoice),
                "pdf_delivery": str(shipped),
            },
            row_id=i,
        )
        config[key] = str(i)
    config["PS_OS_OUTOFSTOCK"] = config["PS_OS_OUTOFSTOCK_PAID"]
    configurations = store["configurations"]
    when = fmt_date(BASE_DATE - timedelta(days=30))
    for name, value in config.items():
        configurations.insert(
            {
                "value": value,
                "name": name,
                "id_shop_group": "",
                "id_shop": "",
                "date_add": when,
                "date_upd": when,
            }
        )
    countries = store["countries"]
    for cid, iso, en, fr, prefix in COUNTRIES:
        countries.insert(
            {
                "id_zone": "2" if iso == "US" else "1",
                "call_prefix": str(prefix),
                "iso_code": iso,
                "contains_states": "1" if iso == "US" else "0",
                "zip_code_format": "NNNNN",
                "name": {1: en, 2: fr},
            },
            row_id=cid,
        )
    carriers = store["carriers"]
    carriers.insert(
        {
            "id_reference": "1",
            "name": shop_name,
            "is_free": "1",
            "shipping_method": "0",
            "delay": {1: "Pick up in-store", 2: "Retrait en magasin"},
        }
    )
    # id 2 is the first version of "My carrier", replaced (deleted) when it was edited
    carriers.insert(
        {
            "id_reference": "2",
            "name": "My carrier",
            "deleted": "1",
            "delay": {1: "Delivery next day!", 2: "Livraison le lendemain !"},
        }
    )
    carriers.insert(
        {
            "id_reference": "2",
            "name": "My carrier",
            "delay": {1: "Delivery next day!", 2: "Livraison le lendemain !"},
        }
    )
    carriers.insert(
        {
            "id_reference": "4",
            "name": "Colissimo",
            "url": "https://www.laposte.fr/outils/suivre-vos-envois?code=@",
            "delay": {1: "2-3 days", 2: "2-3 jours"},
        }
    )
    carriers.insert(
        {
            "id_reference": "5",
            "name": "DHL Express",
            "url": "https://www.dhl.com/track?AWB=@",
            "delay": {1: "24h", 2: "24h"},
        }
    )
    options = store["product_options"]
    values = store["product_option_values"]
    size_group = options.insert(
        {
            "is_color_group": "0",
            "group_type": "select",
            "position": "0",
            "name": {1: "Size", 2: "Taille"},
            "public_name": {1: "Size", 2: "Taille"},
        }
    )
    color_group = options.insert(
        {
            "is_color_group": "1",
            "group_type": "color",
            "position": "1",
            "name": {1: "Color", 2: "Couleur"},
            "public_name": {1: "Color", 2: "Couleur"},
        }
    )
    for pos, size in enumerate(SIZES):
        values.insert(
            {
                "id_attribute_group": str(size_group["id"]),
                "position": str(pos),
                "name": {1: size, 2: size},
            }
        )
    for pos, (en, fr, hexa) in enumerate(COLORS):
        values.insert(
            {
                "id_attribute_group": str(color_group["id"]),
                "color": hexa,
                "position": str(pos),
                "name": {1: en, 2: fr},
            }
        )
    size_group["associations"] = {
        "product_option_values": [{"id": str(i)} for i in range(1, len(SIZES) + 1)]
    }
    color_group["associations"] = {
        "product_option_values": [
            {"id": str(i)} for i in range(len(SIZES) + 1, len(SIZES) + len(COLORS) + 1)
        ]
    }
    suppliers = store["suppliers"]
    for i, name in enumerate(
        (
            "Fashion Supplier",
            "Accessories Supplier",
            "Paper & Co",
            "Nordic Textiles",
            "Home Deco Wholesale",
        ),
        start=1,
    ):
        when = fmt_date(BASE_DATE - timedelta(days=20 - i))
        suppliers.insert(
            {
                "link_rewrite": name.lower().replace(" ", "-").replace("&", "and"),
                "name": name,
                "active": "0" if i == 5 else "1",
                "date_add": when,
                "date_upd": when,
                "description": {1: f"{name}.", 2: f"{name}."},
                "meta_title": {1: "", 2: ""},
            }
        )


def _catalogue(store, rng, count, per_product, ratio):
    products = store["products"]
    combinations = store["combinations"]
    stock = store["stock_availables"]
    links = store["product_suppliers"]
    image_id = 0
    pairs = [(s, c) for s in range(len(SIZES)) for c in range(len(COLORS))]
    for pid in range(1, count + 1):
        adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        added = BASE_DATE + timedelta(minutes=7 * pid)
        updated = added + timedelta(hours=rng.randint(0, 48))
        price = rng.choice((9.9, 12.9, 19.0, 23.9, 29.0, 35.0, 49.9))
        weight = rng.choice((0.1, 0.25, 0.3, 0.5, 0.8, 1.2))
        supplier = rng.choice((0, 1, 2, 3, 4, 5))
        reference = f"PS{pid:05d}"
        barcode = ean13(rng) if rng.random() < 0.8 else ""
        images = []
        for _ in range(rng.randint(1, 3)):
            image_id += 1
            images.append(image_id)
        store.images[pid] = images
        if per_product is not None:
            n_comb = per_product
        else:
            n_comb = rng.randint(2, 6) if rng.random() < ratio else 0
        row = {
            "id_supplier": str(supplier),
            "id_default_image": str(images[0]),
            "reference": reference,
            "supplier_reference": f"SUP-{pid:05d}" if supplier else "",
            "weight": money(weight),
            "ean13": barcode,
            "upc": "" if barcode else f"{rng.randint(10**11, 10**12 - 1)}",
            "isbn": "",
            "mpn": "",
            "location": "",
            "price": money(price),
            "wholesale_price": money(round(price * 0.45, 2)),
            "unity": "",
            "date_add": fmt_date(added),
            "date_upd": fmt_date(updated),
            "active": "0" if rng.random() < 0.05 else "1",
            "manufacturer_name": "",
            "id_manufacturer": "0",
            "cache_default_attribute": "0",
            "name": {
                1: f"{adjective[0]} {noun[0]}",
                2: f"{noun[1].capitalize()} {adjective[1].lower()}",
            },
            "link_rewrite": {
                1: f"{adjective[0]}-{noun[0]}".lower().replace(" ", "-"),
                2: f"{noun[1]}-{adjective[1]}".lower().replace(" ", "-"),
            },
            "description_short": {1: f"<p>{adjective[0]} {noun[0]}.</p>", 2: f"<p>{noun[1]}.</p>"},
        }
        assoc = {"categories": [{"id": "2"}], "images": [{"id": str(i)} for i in images]}
        product = products.insert(row, row_id=pid)
        stock_rows = [
            stock.insert({"id_product": str(pid), "id_product_attribute": "0", "quantity": "0"})
        ]
        if n_comb:
            chosen = sorted(rng.sample(pairs, min(n_comb, len(pairs))))
            combo_ids, option_ids, total = [], set(), 0
            for n, (size, color) in enumerate(chosen):
                cid = combinations.next_id
                quantity = rng.randint(0, 40)
                total += quantity
                option_values = [str(size + 1), str(len(SIZES) + color + 1)]
                option_ids.update(option_values)
                combinations.insert(
                    {
                        "id_product": str(pid),
                        "reference": f"{reference}-{SIZES[size]}-{COLORS[color][0][:3].upper()}",
                        "supplier_reference": f"SUP-{pid:05d}-{n}" if supplier else "",
                        "ean13": ean13(rng) if barcode else "",
                        "isbn": "",
                        "mpn": "",
                        "upc": "" if barcode else f"{rng.randint(10**11, 10**12 - 1)}",
                        "wholesale_price": money(round(price * 0.45, 2)),
                        "price": money(rng.choice((0, 0, 0, 2, 5))),
                        "weight": money(rng.choice((0, 0, 0.05, 0.1))),
                        "default_on": "1" if n == 0 else None,
                        "associations": {
                            "product_option_values": [{"id": v} for v in option_values],
                            "images": [{"id": str(images[-1])}] if n == 0 else [],
                        },
                    },
                    row_id=cid,
                )
                combo_ids.append(cid)
                stock_rows.append(
                    stock.insert(
                        {
                            "id_product": str(pid),
                            "id_product_attribute": str(cid),
                            "quantity": str(quantity),
                        }
                    )
                )
            stock_rows[0]["quantity"] = str(total)
            product["cache_default_attribute"] = str(combo_ids[0])
            product["id_default_combination"] = str(combo_ids[0])
            assoc["combinations"] = [{"id": str(c)} for c in combo_ids]
            assoc["product_option_values"] = [{"id": v} for v in sorted(option_ids, key=int)]
        else:
            combo_ids = []
            stock_rows[0]["quantity"] = str(rng.randint(0, 60))
        assoc["stock_availables"] = [
            {"id": str(s["id"]), "id_product_attribute": s["id_product_attribute"]}
            for s in stock_rows
        ]
        product["associations"] = assoc
        if supplier:
            for pa in [0, *combo_ids]:
                links.insert(
                    {
                        "id_product": str(pid),
                        "id_product_attribute": str(pa),
                        "id_supplier": str(supplier),
                        "id_currency": "1",
                        "product_supplier_reference": f"SUP-{pid:05d}"
                        + (f"-{combo_ids.index(pa)}" if pa else ""),
                        "product_supplier_price_te": money(round(price * 0.45, 2)),
                    }
                )


def _orders(store, rng, count):
    customers = store["customers"]
    addresses = store["addresses"]
    carriers_table = store["order_carriers"]
    products = store["products"]
    combinations = store["combinations"]
    n_customers = max(5, count // 2)
    for cid in range(1, n_customers + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        when = fmt_date(BASE_DATE + timedelta(hours=cid))
        customers.insert(
            {
                "lastname": last,
                "firstname": first,
                "email": f"{first.lower()}.{last.lower()}{cid}@example.com",
                "secure_key": f"{rng.getrandbits(128):032x}",
                "date_add": when,
                "date_upd": when,
                "passwd": "",
                "id_gender": "1",
            }
        )
        country = rng.choice(COUNTRIES)
        addresses.insert(
            {
                "id_customer": str(cid),
                "id_country": str(country[0]),
                "alias": "My address",
                "company": "Acme" if cid % 7 == 0 else "",
                "lastname": last,
                "firstname": first,
                "vat_number": "",
                "address1": rng.choice(STREETS),
                "address2": "Apt 4" if cid % 5 == 0 else "",
                "postcode": f"{rng.randint(10000, 99999)}",
                "city": rng.choice(CITIES),
                "other": "",
                "phone": f"0{rng.randint(100000000, 999999999)}",
                "phone_mobile": "",
                "dni": "",
                "date_add": when,
                "date_upd": when,
            }
        )
    keys = list(STATE_WEIGHTS)
    weights = [STATE_WEIGHTS[k] for k in keys]
    carrier_ids = [1, 2, 3, 4, 5]
    n_products = len(products.rows)
    ec = {store.config("PS_OS_ERROR"), store.config("PS_OS_CANCELED")}
    for oid in range(1, count + 1):
        added = BASE_DATE + timedelta(days=60, minutes=13 * oid)
        final_key = rng.choices(keys, weights)[0]
        path = [store.config(k) for k in STATE_PATHS.get(final_key, (final_key,))]
        takes_stock = path[0] not in ec
        cid = rng.randint(1, n_customers)
        rows, total_excl, taken = [], 0.0, {}
        for n in range(rng.randint(1, 3) if n_products else 0):
            # the front office sells only what is in stock (PS_ORDER_OUT_OF_STOCK = 0, the
            # default): a line is re-drawn a few times, then left out, rather than oversold
            for _attempt in range(4):
                pid = rng.randint(1, n_products)
                product = products.rows[pid]
                combos = (product.get("associations") or {}).get("combinations") or []
                pa = int(rng.choice(combos)["id"]) if combos else 0
                quantity = rng.randint(1, 3)
                if not takes_stock:
                    break
                row = store.stock_row(pid, pa)
                left = int(row["quantity"]) - taken.get((pid, pa), 0) if row else 0
                quantity = min(quantity, left)
                if quantity > 0:
                    break
            if quantity <= 0:
                continue
            taken[(pid, pa)] = taken.get((pid, pa), 0) + quantity
            combo = combinations.rows.get(pa, {})
            unit = float(product["price"]) + float(combo.get("price", "0"))
            total_excl += unit * quantity
            rows.append(
                {
                    "id": str(oid * 10 + n),
                    "product_id": str(pid),
                    "product_attribute_id": str(pa),
                    "product_quantity": str(quantity),
                    "product_name": product["name"][1]
                    + (f" - {combo['reference'].split('-', 1)[1]}" if pa else ""),
                    "product_reference": combo.get("reference") or product["reference"],
                    "product_ean13": combo.get("ean13", product.get("ean13", "")),
                    "product_isbn": "",
                    "product_upc": "",
                    "product_price": money(unit),
                    "id_customization": "0",
                    "unit_price_tax_incl": money(round(unit * 1.2, 2)),
                    "unit_price_tax_excl": money(unit),
                }
            )
        carrier = rng.choice(carrier_ids)
        shipping = 0.0 if carrier == 1 else 7.0
        total_incl = round(total_excl * 1.2 + shipping * 1.2, 2)
        reference = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(9))
        currency = "2" if rng.random() < 0.1 else "1"
        final = store["order_states"].rows[int(path[-1])]
        later = timedelta(minutes=rng.randint(0, 90))
        # validateOrder in the first state of the path (the stock is taken then), then each
        # later state through changeIdOrderState (which gives it back on a cancellation)
        order = store.place_order(
            {
                "id_address_delivery": str(cid),
                "id_address_invoice": str(cid),
                "id_cart": str(oid),
                "id_currency": currency,
                "id_lang": "1",
                "id_customer": str(cid),
                "id_carrier": str(carrier),
                "module": "ps_wirepayment",
                "secure_key": f"{rng.getrandbits(128):032x}",
                "payment": "Bank wire",
                "total_paid": money(total_incl),
                "total_paid_tax_incl": money(total_incl),
                "total_paid_tax_excl": money(total_excl + shipping),
                "total_paid_real": money(total_incl if final.get("paid") == "1" else 0),
                "total_products": money(total_excl),
                "total_products_wt": money(total_excl * 1.2),
                "total_shipping": money(shipping * 1.2),
                "total_shipping_tax_incl": money(shipping * 1.2),
                "total_shipping_tax_excl": money(shipping),
                "reference": reference,
                "associations": {"order_rows": rows},
            },
            path[0],
            when=fmt_date(added),
        )
        for step, state_id in enumerate(path[1:], start=1):
            store.add_history(
                order["id"], state_id, when=fmt_date(added + later * step / (len(path) - 1))
            )
        order["date_upd"] = fmt_date(added + later)
        tracking = f"6A{rng.randint(10**10, 10**11 - 1)}" if final.get("shipped") == "1" else ""
        carriers_table.insert(
            {
                "id_order": str(order["id"]),
                "id_carrier": str(carrier),
                "id_order_invoice": "0",
                "weight": money(0.5),
                "shipping_cost_tax_excl": money(shipping),
                "shipping_cost_tax_incl": money(shipping * 1.2),
                "tracking_number": tracking,
                "date_add": fmt_date(added),
            }
        )
