"""REST routes of the catalogue and stock: store configuration, products, the legacy
CatalogInventory stock items and the MSI sources, source items and salable quantity. Each
handler takes the ``Emulator`` and the path's parameters (``rest.py`` dispatches)."""

from flask import request

from connect_magento_emulator.emulator import REST
from connect_magento_emulator.responses import NOT_FOUND_ENTITY, NOT_FOUND_PRODUCT, error
from connect_magento_emulator.search import echo_criteria, filter_items, page
from connect_magento_emulator.store import SOURCES, STOCK_TYPES

# -- store -------------------------------------------------------------------------------


@REST.route("GET", "/V1/store/storeConfigs")
def store_configs(emu):
    base = request.host_url
    return [
        {
            "id": 1,
            "code": "default",
            "website_id": 1,
            "locale": "en_US",
            "base_currency_code": "USD",
            "default_display_currency_code": "USD",
            "timezone": "America/Chicago",
            "weight_unit": emu.options.get("weight_unit", "lbs"),
            "base_url": base,
            "base_link_url": base,
            "base_static_url": base + "static/",
            "base_media_url": base + "media/",
            "secure_base_url": base,
            "secure_base_link_url": base,
            "secure_base_static_url": base + "static/",
            "secure_base_media_url": base + "media/",
        }
    ]


@REST.route("GET", "/V1/store/storeViews")
def store_views(emu):
    return [
        {
            "id": 0,
            "code": "admin",
            "name": "Admin",
            "website_id": 0,
            "store_group_id": 0,
            "is_active": 1,
        },
        {
            "id": 1,
            "code": "default",
            "name": emu.options.get("store_name", "Default Store View"),
            "website_id": 1,
            "store_group_id": 1,
            "is_active": 1,
        },
    ]


# -- catalogue ---------------------------------------------------------------------------


@REST.route("GET", "/V1/products")
def products_list(emu):
    st = emu.store
    with st.lock:
        return emu.list_response(
            "products",
            lambda: list(st.products.values()),
            st.product_field,
            st.render_product,
            emu.criteria_or_error(),
        )


@REST.route("GET", "/V1/products/:sku")
def product_get(emu, sku):
    st = emu.store
    with st.lock:
        pid = st.by_sku.get(sku)
        if pid is None:
            return error(NOT_FOUND_PRODUCT, 404)
        return st.render_product(st.products[pid])


@REST.route("GET", "/V1/products/:sku/media")
def product_media(emu, sku):
    st = emu.store
    with st.lock:
        pid = st.by_sku.get(sku)
        if pid is None:
            return error(NOT_FOUND_PRODUCT, 404)
        return st.render_product(st.products[pid])["media_gallery_entries"]


@REST.route("GET", "/V1/configurable-products/:sku/children")
def configurable_children(emu, sku):
    st = emu.store
    with st.lock:
        pid = st.by_sku.get(sku)
        if pid is None:
            return error(NOT_FOUND_PRODUCT, 404)
        return [st.render_product(st.products[c]) for c in st.products[pid]["children"]]


# -- legacy CatalogInventory -------------------------------------------------------------


@REST.route("GET", "/V1/stockItems/:sku")
def stock_item_get(emu, sku):
    st = emu.store
    with st.lock:
        pid = st.by_sku.get(sku)
        if pid is None:
            return error('The Product with the "%1" SKU doesn\'t exist.', 404, [sku])
        item = st.source_items.get((sku, "default"), {"quantity": 0, "status": 0})
        return st.legacy_stock_item(st.products[pid], item)


@REST.route("PUT", "/V1/products/:sku/stockItems/:item_id")
def stock_item_put(emu, sku, item_id):
    st = emu.store
    body = request.get_json(silent=True) or {}
    stock_item = body.get("stockItem")
    if not isinstance(stock_item, dict):
        return error(
            '"%fieldName" is required. Enter and try again.', 400, {"fieldName": "stockItem"}
        )
    with st.lock:
        pid = st.by_sku.get(sku)
        if pid is None:
            return error('The Product with the "%1" SKU doesn\'t exist.', 404, [sku])
        item = st.source_items.setdefault((sku, "default"), {"quantity": 0.0, "status": 0})
        if "qty" in stock_item:
            item["quantity"] = float(stock_item["qty"])
        in_stock = stock_item.get("is_in_stock")
        item["status"] = int(item["quantity"] > 0 if in_stock is None else bool(in_stock))
        st.products[pid]["updated_at"] = st.now()
        st.touch()
        return pid


# -- MSI ---------------------------------------------------------------------------------


def source_item_field(item, field):
    (sku, code), values = item
    if field == "sku":
        return sku
    if field == "source_code":
        return code
    return values.get(field)


def render_source_item(item):
    (sku, code), values = item
    return {
        "sku": sku,
        "source_code": code,
        "quantity": values["quantity"],
        "status": values["status"],
    }


@REST.route("GET", "/V1/inventory/sources")
def sources_list(emu):
    criteria = emu.criteria_or_error(required=False)
    items = filter_items(SOURCES, criteria, lambda s, f: s.get(f))
    items, total = page(items, criteria)
    return {"items": items, "search_criteria": echo_criteria(criteria), "total_count": total}


@REST.route("GET", "/V1/inventory/source-items")
def source_items_list(emu):
    st = emu.store
    with st.lock:
        return emu.list_response(
            "source_items",
            lambda: list(st.source_items.items()),
            source_item_field,
            render_source_item,
            emu.criteria_or_error(),
            default_sort=[{"field": "sku", "direction": "ASC"}],
        )


@REST.route("POST", "/V1/inventory/source-items")
def source_items_save(emu):
    st = emu.store
    body = request.get_json(silent=True)
    items = body.get("sourceItems") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return error(
            '"%fieldName" is required. Enter and try again.', 400, {"fieldName": "sourceItems"}
        )
    list_limit = emu.options.get("input_limit_list") or 0
    if list_limit and len(items) > list_limit:
        return error(
            'Maximum items of type "%type" is %max',
            400,
            {
                "type": "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface",
                "max": list_limit,
            },
        )
    codes = {s["source_code"] for s in SOURCES}
    errors = []
    for item in items:
        for field in ("sku", "source_code", "quantity", "status"):
            if not isinstance(item, dict) or item.get(field) in (None, ""):
                errors.append(
                    {"message": '"%field" can not be empty.', "parameters": {"field": field}}
                )
        if (
            isinstance(item, dict)
            and item.get("source_code") not in (None, "")
            and item["source_code"] not in codes
        ):
            errors.append(
                {
                    "message": 'Source with code "%code" does not exist.',
                    "parameters": {"code": item["source_code"]},
                }
            )
    if errors:
        return error("Validation Failed", 400, errors=errors)
    with st.lock:
        for item in items:
            st.source_items[(item["sku"], item["source_code"])] = {
                "quantity": float(item["quantity"]),
                "status": int(item["status"]),
            }
        st.touch()
    return []


@REST.route("GET", "/V1/inventory/get-product-salable-quantity/:sku/:stock_id")
def salable_qty_get(emu, sku, stock_id):
    """InventorySalesApi GetProductSalableQtyInterface::execute (a bare number)."""
    st = emu.store
    with st.lock:
        pid = st.by_sku.get(sku)
        if pid is None:
            return error(NOT_FOUND_PRODUCT, 404)
        if st.products[pid]["type_id"] not in STOCK_TYPES:
            return error(
                "Can't check requested quantity for products without Source Items support.",
                400,
            )
        if not stock_id.isdigit():
            return error(NOT_FOUND_ENTITY, 404)
        return st.salable_qty(sku, int(stock_id))
