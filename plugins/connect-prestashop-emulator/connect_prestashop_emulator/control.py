"""The PrestaShop emulator's control endpoints under ``/_emulator`` (not PrestaShop's), on the
kit's :class:`hub.testing.control.ControlAPI`: state, reset, products, orders (a customer's
order, a state change) and stock rows by SKU. Faults and the request log are the kit's
(``hub.testing.emulator``, mounted by ``app.py``)."""

from connect_prestashop_emulator.seed import SIZES, money
from hub.testing.control import ControlAPI, ControlError

# the order flags of POST /_emulator/orders/<id> as the configuration keys of their states
STATE_FLAGS = (
    ("paid", "PS_OS_PAYMENT"),
    ("cancelled", "PS_OS_CANCELED"),
    ("fulfilled", "PS_OS_SHIPPING"),
    ("refunded", "PS_OS_REFUND"),
)


def control_api(emulator, demo_key):
    """The control endpoints over ``emulator`` (its store is looked up at each request: a
    reset replaces it), each run under the store's lock."""

    def state():
        store = emulator.store
        counts = {name: len(table.rows) for name, table in store.tables.items()}
        return {
            **counts,
            "version": emulator.version,
            "writes": store.writes,
            "requests": emulator.requests,
            "emails_sent": emulator.emails,
            "faults_pending": emulator.kit.pending(),
            "demo_key": demo_key,
        }

    return ControlAPI(
        state=state,
        reset=emulator.reset,
        stock=lambda sku: _stock(emulator.store, sku),
        set_stock=lambda sku, body: _stock(emulator.store, sku, body),
        add_order=lambda body: _add_order(emulator.store, body),
        order=lambda ref: _order(emulator.store, ref),
        change_order=lambda ref, body: _order(emulator.store, ref, body),
        # {reference, name, price, weight, ean13, upc, active, quantity, combinations: [...]}
        # adds a product; with "id" it touches an existing one (fields change, date_upd moves)
        add_product=lambda body: _upsert_product(emulator.store, body),
        lock=lambda: emulator.store.lock.writing(),  # a look at the store too: it is rare
    )


def _quantity(body):
    try:
        return int(body["quantity"])
    except (KeyError, TypeError, ValueError):
        raise ControlError(400, "quantity must be an integer") from None


def _find_sku(store, sku):
    for row in store["combinations"].rows.values():
        if row.get("reference") == sku:
            return int(row["id_product"]), row["id"]
    for row in store["products"].rows.values():
        if row.get("reference") == sku:
            return row["id"], 0
    return None


def _stock(store, sku, body=None):
    """The stock row of ``sku`` (None when no product or combination has it); with ``body``
    (``{"quantity": n}``), the store sold or received something first."""
    found = _find_sku(store, sku)
    row = store.stock_row(*found) if found else None
    if row is None:
        return None
    if body is not None:
        store.write_stock(row, _quantity(body))
    quantity, reserved, physical = store.stock_figures(row)
    return {
        "sku": sku,
        "id": row["id"],
        "quantity": quantity,
        "reserved_quantity": reserved,
        "physical_quantity": physical,
        "id_product": int(row["id_product"]),
        "id_product_attribute": int(row["id_product_attribute"]),
    }


def _order(store, ref, body=None):
    """Order ``ref`` as the tests look at it; with ``body`` ({"state": key or id} or one of
    the ``STATE_FLAGS``), moved to that state first (an order history, as the back office)."""
    row = store["orders"].rows.get(int(ref)) if ref.isdigit() else None
    if row is None:
        return None
    order_id = row["id"]
    if body is not None:
        key = body.get("state")
        for flag, config_key in STATE_FLAGS:
            if body.get(flag):
                key = config_key
        state_id = store.config(key) if key and not str(key).isdigit() else key
        if state_id:
            store.add_history(order_id, state_id)
    histories = [
        h for h in store["order_histories"].rows.values() if h.get("id_order") == str(order_id)
    ]
    carriers = [
        c for c in store["order_carriers"].rows.values() if c.get("id_order") == str(order_id)
    ]
    return {
        "id": order_id,
        "current_state": int(row["current_state"]),
        "valid": row.get("valid"),
        "date_upd": row.get("date_upd"),
        "histories": [int(h["id_order_state"]) for h in histories],
        "tracking_numbers": [c.get("tracking_number") or "" for c in carriers],
        "carriers": [int(c["id_carrier"]) for c in carriers],
    }


def _upsert_product(store, body):
    products = store["products"]
    now = store.now()
    if body.get("id"):
        row = products.rows.get(int(body["id"]))
        if row is None:
            raise ControlError(404, f"no such product: {body['id']}")
        for key in ("reference", "price", "weight", "ean13", "upc", "active"):
            if key in body:
                row[key] = str(body[key])
        if "name" in body:
            row["name"] = {1: body["name"], 2: body["name"]}
        row["date_upd"] = now
        products.touch()
        return {"id": row["id"]}
    name = body.get("name", "Emulator product")
    row = products.insert(
        {
            "reference": body.get("reference", f"EMU{products.next_id:05d}"),
            "price": money(float(body.get("price", 10)))
            if _is_number(body.get("price", 10))
            else str(body["price"]),
            "weight": money(float(body.get("weight", 0.5)))
            if _is_number(body.get("weight", 0.5))
            else str(body["weight"]),
            "ean13": body.get("ean13", ""),
            "upc": body.get("upc", ""),
            "active": "1" if body.get("active", True) else "0",
            "id_supplier": "0",
            "name": {1: name, 2: name},
            "link_rewrite": {1: "emulator-product", 2: "produit"},
            "date_add": now,
            "date_upd": now,
        }
    )
    pid = row["id"]
    store.images[pid] = []
    stock = store["stock_availables"]
    stock_rows = [
        stock.insert(
            {
                "id_product": str(pid),
                "id_product_attribute": "0",
                "quantity": str(body.get("quantity", 0)),
            }
        )
    ]
    combos = []
    for n, spec in enumerate(body.get("combinations") or []):
        combo = store["combinations"].insert(
            {
                "id_product": str(pid),
                "reference": spec.get("reference", ""),
                "price": money(float(spec.get("price", 0))),
                "ean13": spec.get("ean13", ""),
                "upc": spec.get("upc", ""),
                "weight": money(float(spec["weight"]))
                if _is_number(spec.get("weight", 0))
                else str(spec["weight"]),
                "default_on": "1" if n == 0 else None,
                "associations": {"product_option_values": [{"id": str(n % len(SIZES) + 1)}]},
            }
        )
        combos.append(combo["id"])
        stock_rows.append(
            stock.insert(
                {
                    "id_product": str(pid),
                    "id_product_attribute": str(combo["id"]),
                    "quantity": str(spec.get("quantity", 0)),
                }
            )
        )
    if combos:
        store._resum_product_stock(str(pid))
    row["associations"] = {
        "categories": [{"id": "2"}],
        "stock_availables": [
            {"id": str(s["id"]), "id_product_attribute": s["id_product_attribute"]}
            for s in stock_rows
        ],
    }
    if combos:
        row["associations"]["combinations"] = [{"id": str(c)} for c in combos]
    return {"id": pid, "combinations": combos, "stock_availables": [s["id"] for s in stock_rows]}


def _is_number(value):
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False


def _add_order(store, body):
    """An order placed in the store: order 1's shape with ``rows`` (or order 1's rows), created
    through ``Store.place_order`` (validateOrder: the stock is taken, as in the shop)."""
    template = store["orders"].rows.get(1)
    if template is None:
        raise ControlError(409, "the emulator needs at least one seeded order to copy")
    skip = {"id", "current_state", "valid", "date_add", "date_upd", "associations"}
    row = {k: (dict(v) if isinstance(v, dict) else v) for k, v in template.items() if k not in skip}
    rows = body["rows"] if "rows" in body else template["associations"]["order_rows"]
    row["associations"] = {"order_rows": [dict(r) for r in rows]}
    state_key = body.get("state", "PS_OS_PAYMENT")
    state_id = store.config(state_key) if not str(state_key).isdigit() else str(state_key)
    row["reference"] = body.get("reference", f"EMU{store['orders'].next_id:06d}")
    now = store.now()
    order = store.place_order(row, state_id, when=now)
    store["order_carriers"].insert(
        {
            "id_order": str(order["id"]),
            "id_carrier": row["id_carrier"],
            "weight": money(0.5),
            "tracking_number": "",
            "shipping_cost_tax_excl": "0.000000",
            "shipping_cost_tax_incl": "0.000000",
            "date_add": now,
        }
    )
    return {
        "id": order["id"],
        "reference": order["reference"],
        "date_add": now,
        "current_state": int(order["current_state"]),
    }
