"""Records as the REST API v3 renders them (``prepare_object_for_response`` of each controller).

Dates as ``wc_rest_prepare_date_response``: ``Y-m-d\\TH:i:s`` without an offset, in the site's
time zone, and the ``*_gmt`` twin in UTC. Prices are decimal strings; ``price`` of a variable
product is its cheapest variation's. ``_links`` as ``prepare_links``.
"""

import json
from functools import lru_cache

API = "/wp-json/wc/v3"


def wp_json(payload):
    """``wp_json_encode`` with PHP's default flags: compact, non-ASCII as ``\\uXXXX`` and ``/``
    escaped as ``\\/`` — the exact bytes a webhook signature covers."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/")


@lru_cache(maxsize=65536)  # many records share a date; formatting is most of a page's cost
def date(value, tz):
    """``wc_rest_prepare_date_response( $date, false )``: site time, no offset."""
    if value is None:
        return None
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")


@lru_cache(maxsize=65536)
def date_gmt(value):
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _links(site, path, collection, up=None):
    links = {
        "self": [{"href": f"{site}{API}/{path}"}],
        "collection": [{"href": f"{site}{API}/{collection}"}],
    }
    if up:
        links["up"] = [{"href": f"{site}{API}/{up}"}]
    return links


def _image(image, site, tz):
    created = image.get("date_created")
    return {
        "id": image["id"],
        "date_created": date(created, tz),
        "date_created_gmt": date_gmt(created),
        "date_modified": date(created, tz),
        "date_modified_gmt": date_gmt(created),
        "src": site + image["src"],
        "name": image["name"],
        "alt": image.get("alt", ""),
    }


def _price(store, record):
    if record["type"] == "variable":
        prices = [
            float(
                store.products[i].get("sale_price") or store.products[i].get("regular_price") or 0
            )
            for i in store.children.get(record["id"], [])
            if store.products[i].get("regular_price")
        ]
        return f"{min(prices):.2f}" if prices else ""
    return record.get("sale_price") or record.get("regular_price") or ""


def _stock_fields(store, record):
    """``managing_stock()`` and ``get_stock_quantity()`` in the view context: a variation whose
    stock is its parent's shows ``"parent"`` and the parent's quantity."""
    backorders = record.get("backorders", "no")
    quantity = record.get("stock_quantity") if record.get("manage_stock") else None
    if record.get("manage_stock") == "parent":
        holder = store.stock_holder(record)
        quantity = holder.get("stock_quantity") if holder else None
    return {
        "manage_stock": record.get("manage_stock", False),
        "stock_quantity": quantity,
        "backorders": backorders,
        "backorders_allowed": backorders != "no",
        "backordered": False,
        "low_stock_amount": None,
        "stock_status": record.get("stock_status", "instock"),
    }


def product(store, record, site):
    """``WC_REST_Products_Controller::get_product_data`` (v3). A variation fetched through
    ``/products/{id}`` (what a ``product.updated`` webhook delivers for one) renders here too,
    with ``type`` "variation" and its ``parent_id``."""
    tz = store.tz
    variable = record["type"] == "variable"
    price = _price(store, record)
    images = record.get("images")
    if images is None:
        images = [record["image"]] if record.get("image") else []
    body = {
        "id": record["id"],
        "name": record["name"],
        "slug": record.get("slug", ""),
        "permalink": f"{site}/product/{record.get('slug') or record['id']}/",
        "date_created": date(record["created"], tz),
        "date_created_gmt": date_gmt(record["created"]),
        "date_modified": date(record["modified"], tz),
        "date_modified_gmt": date_gmt(record["modified"]),
        "type": record["type"],
        "status": record.get("status", "publish"),
        "featured": False,
        "catalog_visibility": "visible",
        "description": record.get("description", ""),
        "short_description": record.get("short_description", ""),
        "sku": record.get("sku", ""),
        "global_unique_id": record.get("global_unique_id", ""),
        "price": price,
        "regular_price": "" if variable else record.get("regular_price", ""),
        "sale_price": "" if variable else record.get("sale_price", ""),
        "date_on_sale_from": None,
        "date_on_sale_from_gmt": None,
        "date_on_sale_to": None,
        "date_on_sale_to_gmt": None,
        "on_sale": bool(record.get("sale_price")),
        "purchasable": bool(price),
        "total_sales": 0,
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "external_url": "",
        "button_text": "",
        "tax_status": "taxable",
        "tax_class": "",
        **_stock_fields(store, record),
        "sold_individually": False,
        "weight": record.get("weight", ""),
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_required": True,
        "shipping_taxable": True,
        "shipping_class": "",
        "shipping_class_id": 0,
        "reviews_allowed": True,
        "average_rating": "0",
        "rating_count": 0,
        "upsell_ids": [],
        "cross_sell_ids": [],
        "parent_id": record.get("parent_id", 0),
        "purchase_note": "",
        "categories": record.get("categories", []),
        "tags": [],
        "images": [_image(i, site, tz) for i in images],
        "attributes": record.get("attributes", []),
        "default_attributes": [],
        "variations": list(store.children.get(record["id"], [])) if variable else [],
        "grouped_products": [],
        "menu_order": record.get("menu_order", 0),
        "price_html": "",
        "related_ids": [],
        "meta_data": [],
        "has_options": variable,
        "post_password": "",
        "_links": _links(site, f"products/{record['id']}", "products"),
    }
    return body


def variation(store, record, site):
    """``WC_REST_Product_Variations_Controller::prepare_object_for_response`` (v3): no ``type``
    field (a variation read through ``/products/{id}`` has one); ``name`` is
    ``wc_get_formatted_variation``; ``global_unique_id`` as on products (9.2+)."""
    tz = store.tz
    parent_id = record["parent_id"]
    return {
        "id": record["id"],
        "date_created": date(record["created"], tz),
        "date_created_gmt": date_gmt(record["created"]),
        "date_modified": date(record["modified"], tz),
        "date_modified_gmt": date_gmt(record["modified"]),
        "description": record.get("description", ""),
        "permalink": f"{site}/?p={record['id']}",
        "sku": record.get("sku", ""),
        "global_unique_id": record.get("global_unique_id", ""),
        "price": _price(store, record),
        "regular_price": record.get("regular_price", ""),
        "sale_price": record.get("sale_price", ""),
        "date_on_sale_from": None,
        "date_on_sale_from_gmt": None,
        "date_on_sale_to": None,
        "date_on_sale_to_gmt": None,
        "on_sale": bool(record.get("sale_price")),
        "status": record.get("status", "publish"),
        "purchasable": bool(_price(store, record)),
        "virtual": False,
        "downloadable": False,
        "downloads": [],
        "download_limit": -1,
        "download_expiry": -1,
        "tax_status": "taxable",
        "tax_class": "",
        **_stock_fields(store, record),
        "weight": record.get("weight", ""),
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "",
        "shipping_class_id": 0,
        "image": _image(record["image"], site, tz) if record.get("image") else None,
        "attributes": record.get("attributes", []),
        "menu_order": record.get("menu_order", 0),
        "meta_data": [],
        "name": record["name"],
        "parent_id": parent_id,
        "_links": _links(
            site,
            f"products/{parent_id}/variations/{record['id']}",
            f"products/{parent_id}/variations",
            up=f"products/{parent_id}",
        ),
    }


def order(store, record, site):
    """``WC_REST_Orders_Controller::prepare_object_for_response`` (v3, HPOS or posts alike)."""
    tz = store.tz
    lines = []
    for line in record["line_items"]:
        shown = {k: v for k, v in line.items() if k != "reduced_stock"}
        meta = list(shown.get("meta_data", []))
        if line.get("reduced_stock"):
            meta.append({"id": 0, "key": "_reduced_stock", "value": str(line["reduced_stock"])})
        shown["meta_data"] = meta
        shown.setdefault("image", {"id": "", "src": ""})
        shown.setdefault("parent_name", None)
        lines.append(shown)
    return {
        "id": record["id"],
        "parent_id": record.get("parent_id", 0),
        "status": record["status"],
        "currency": record.get("currency", store.currency),
        "version": "9.4.2",
        "prices_include_tax": record.get("prices_include_tax", False),
        "date_created": date(record["created"], tz),
        "date_created_gmt": date_gmt(record["created"]),
        "date_modified": date(record["modified"], tz),
        "date_modified_gmt": date_gmt(record["modified"]),
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": record.get("shipping_total", "0.00"),
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": record.get("total", "0.00"),
        "total_tax": "0.00",
        "customer_id": record.get("customer_id", 0),
        "order_key": record.get("order_key", ""),
        "billing": record.get("billing", {}),
        "shipping": record.get("shipping", {}),
        "payment_method": record.get("payment_method", ""),
        "payment_method_title": record.get("payment_method_title", ""),
        "transaction_id": record.get("transaction_id", ""),
        "customer_ip_address": "127.0.0.1",
        "customer_user_agent": "",
        "created_via": record.get("created_via", "checkout"),
        "customer_note": record.get("customer_note", ""),
        "date_completed": date(record.get("completed"), tz),
        "date_completed_gmt": date_gmt(record.get("completed")),
        "date_paid": date(record.get("paid"), tz),
        "date_paid_gmt": date_gmt(record.get("paid")),
        "cart_hash": "",
        "number": str(record["id"]),
        "meta_data": [],
        "line_items": lines,
        "tax_lines": [],
        "shipping_lines": record.get("shipping_lines", []),
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "payment_url": f"{site}/checkout/order-pay/{record['id']}/?pay_for_order=true"
        f"&key={record.get('order_key', '')}",
        "is_editable": record["status"] in ("pending", "on-hold", "auto-draft"),
        "needs_payment": record["status"] in ("pending", "failed"),
        "needs_processing": True,
        "date_created_site": None,
        "currency_symbol": "€" if store.currency == "EUR" else "$",
        "_links": _links(site, f"orders/{record['id']}", "orders"),
    }


def note(store, order_id, record, site):
    """``WC_REST_Order_Notes_Controller::prepare_item_for_response``: author "system" for notes
    WooCommerce added itself."""
    return {
        "id": record["id"],
        "author": record["author"],
        "date_created": date(record["created"], store.tz),
        "date_created_gmt": date_gmt(record["created"]),
        "note": record["note"],
        "customer_note": record["customer_note"],
        "_links": {
            **_links(site, f"orders/{order_id}/notes/{record['id']}", f"orders/{order_id}/notes"),
            "up": [{"href": f"{site}{API}/orders/{order_id}"}],
        },
    }


def webhook(store, record, site):
    """``WC_REST_Webhooks_Controller::prepare_item_for_response`` (v3): no secret in the view
    context."""
    return {
        "id": record["id"],
        "name": record["name"],
        "status": record["status"],
        "topic": record["topic"],
        "resource": record["topic"].split(".")[0],
        "event": record["topic"].split(".")[1] if "." in record["topic"] else "",
        "hooks": record.get("hooks", []),
        "delivery_url": record["delivery_url"],
        "date_created": date(record["created"], store.tz),
        "date_created_gmt": date_gmt(record["created"]),
        "date_modified": date(record["modified"], store.tz),
        "date_modified_gmt": date_gmt(record["modified"]),
        "_links": _links(site, f"webhooks/{record['id']}", "webhooks"),
    }
