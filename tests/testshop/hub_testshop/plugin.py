"""The ``testshop`` connector: every feed hook, mapped from the test store's JSON."""

from hub import Invalid, hookimpl
from hub.errors import AuthenticationError, TransientError
from hub.toolkit import send


def _request(ctx, method, path, session=None, **kwargs):
    """One request to the test store; a timeout or a refused connection is TransientError."""
    return send(
        session or ctx.session,
        method,
        f"{ctx.base_url}{path}",
        store="The test store",
        headers={"Authorization": f"Bearer {ctx.secret('token')}"},
        **kwargs,
    )


def _get(ctx, path, **params):
    return _json(_request(ctx, "GET", path, params=params))


def _json(response):
    if response.status_code == 401:
        raise AuthenticationError("The test store refused the token")
    if response.status_code >= 500:
        raise TransientError(f"test store answered {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise TransientError("test store sent a malformed body") from None


@hookimpl
def hub_connector_info():
    return {
        "key": "testshop",
        "label": "Test shop",
        "stock_semantics": "sellable",
        "settings": [
            {
                "name": "token",
                "label": "API token",
                "type": "secret",
                "secret": True,
                "required": True,
            },
            {"name": "location", "label": "Location", "type": "choice", "choices_from_store": True},
            {
                "name": "notify_customer",
                "label": "Notify customer",
                "type": "boolean",
                "default": False,
            },
            {
                "name": "stock_mode",
                "label": "What the store's quantity means",
                "type": "choice",
                "choices": ["sellable", "physical"],
                "default": "sellable",
            },
        ],
    }


@hookimpl
def hub_stock_semantics(ctx):
    return ctx.setting("stock_mode", "sellable")


@hookimpl
def hub_check_connection(ctx):
    shop = _get(ctx, "/shop")
    return {"ok": True, "store_name": shop["name"], "details": {}, "problems": []}


@hookimpl
def hub_setting_choices(ctx, setting):
    if setting == "location":
        return [{"value": "1", "label": "Main street"}, {"value": "2", "label": "Depot"}]
    return []


def product_record(p):
    if not p.get("sku"):
        return Invalid(
            reference=f"product {p['id']}",
            message=f"Product {p['id']} has no SKU",
            hint="Give it a SKU in the store.",
            errors={"sku": ["missing"]},
            external_id=p["id"],
            cursor=p["updated"],
        )
    return {
        "external_id": p["id"],
        "sku": p["sku"],
        "name": p["name"],
        "barcode": p.get("barcode"),
        "weight_kg": p.get("weight"),
        "price": p.get("price"),
        "currency": "EUR",
        "parent": p.get("parent"),
        "parent_name": p.get("parent"),
        "active": True,
        "store_refs": {"id": p["id"]},
        "cursor": p["updated"],
    }


@hookimpl
def hub_fetch_new_products(ctx, since):
    for p in _get(ctx, "/products", since=since or "")["items"]:
        yield product_record(p)


@hookimpl
def hub_fetch_products(ctx):
    items = _get(ctx, "/products")["items"]
    ctx.report_total(len(items))
    for p in items:
        yield product_record(p)


@hookimpl
def hub_fetch_product_images(ctx, products):
    store = {p["id"]: p for p in _get(ctx, "/products")["items"]}
    ctx.cache.setdefault("images_asked", []).extend(products)  # what the core asked (tests)
    for asked in products:
        for i, seed in enumerate(store.get(asked["external_id"], {}).get("images", [])):
            yield {
                "product_external_id": asked["external_id"],
                "position": i,
                # a seed is a picture of the store, or any URL the store gives (tests of the
                # guard against private addresses)
                "url": (
                    str(seed)
                    if str(seed).startswith("http")
                    else f"{ctx.base_url}/images/{seed}.png"
                ),
                "external_id": str(seed)[:100],
            }


def order_record(o):
    return {
        "external_id": o["id"],
        "number": o["number"],
        "paid": o["paid"],
        "cancelled": o["cancelled"],
        "refunded": o.get("refunded", False),
        "fulfilled": o.get("fulfilled", False),
        "created_at": o["created"],
        "updated_at": o["updated"],
        "cursor": o["created"] + "|" + o["id"],
        "currency": "EUR",
        "total": "10.00",
        "store_status": "paid" if o["paid"] else "new",
        "shipping_method": {"code": o["method"], "title": o["method"].title()}
        if o.get("method")
        else None,
        "shipping_address": {"name": "Ada", "city": "Paris", "country_code": "FR"},
        "lines": [
            {
                "external_id": f"{o['id']}-{i}",
                "sku": line["sku"],
                "quantity": line["qty"],
                "product_external_id": line.get("product"),
            }
            for i, line in enumerate(o["lines"])
        ],
    }


@hookimpl
def hub_fetch_new_orders(ctx, since):
    since_created = (since or "").split("|")[0]
    for o in _get(ctx, "/orders", since=since_created)["items"]:
        yield order_record(o)


@hookimpl
def hub_fetch_order_updates(ctx, since):
    for o in _get(ctx, "/orders", since=since or "", by="updated")["items"]:
        rec = order_record(o)
        yield {
            k: rec[k]
            for k in (
                "external_id",
                "number",
                "paid",
                "cancelled",
                "refunded",
                "fulfilled",
                "store_status",
                "updated_at",
            )
        } | {"cursor": o["updated"]}


@hookimpl
def hub_count_open_orders(ctx, since):
    return _get(ctx, "/orders/count", created_since=since)["count"]


@hookimpl
def hub_fetch_order(ctx, external_id):
    response = _request(ctx, "GET", f"/orders/{external_id}")
    if response.status_code == 404:
        return None
    return order_record(_json(response))


@hookimpl
def hub_fetch_stock_levels(ctx):
    physical = ctx.setting("stock_mode") == "physical"
    for item in _get(ctx, "/stock")["items"]:
        on_hand = item["quantity"] if physical else None
        yield {"external_id": item["id"], "quantity": item["quantity"], "on_hand": on_hand}


@hookimpl
def hub_push_stock_levels(ctx, items):
    response = _request(
        ctx,
        "POST",
        "/stock",
        json={
            "items": [
                {"id": i["external_id"], "quantity": i["quantity"], "previous": i["previous"]}
                for i in items
            ]
        },
    )
    by_id = {r["id"]: r for r in _json(response)["results"]}
    results = []
    for item in items:
        r = by_id[item["external_id"]]
        results.append(
            {
                "key": item["sku"],
                "status": r["status"],
                "store_quantity": r["quantity"],
                "message": None if r["status"] == "ok" else "stale quantity",
            }
        )
    return results


@hookimpl
def hub_push_shipment(ctx, shipment):
    response = _request(
        ctx,
        "POST",
        "/shipments",
        json={
            "shipment_id": shipment["shipment_id"],
            "order_id": shipment["order_external_id"],
            "tracking": shipment["tracking_number"],
            "carrier": shipment["carrier"],
        },
    )
    if response.status_code == 422:
        return {
            "key": shipment["shipment_id"],
            "status": "error",
            "message": response.json()["error"],
        }
    data = _json(response)
    return {
        "key": shipment["shipment_id"],
        "status": "unchanged" if data["status"] == "already" else "ok",
        "external_id": data.get("id"),
    }
