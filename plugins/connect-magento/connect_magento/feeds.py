"""The feeds: what each hook asks Magento and how the answers become records.

The ``hub_*`` functions are the hook implementations (``plugin.py`` declares the connector and
imports them, so registering it registers them).
"""

from decimal import Decimal
from urllib.parse import quote

from connect_magento.client import MagentoClient, criteria_params, parse_since, to_magento
from connect_magento.mapping import (
    BadGallery,
    images_of,
    map_order,
    map_order_status,
    map_product,
    order_cursor,
    product_cursor_by_id,
    product_cursor_by_time,
)
from hub import Invalid, Skip, hookimpl
from hub.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectorError,
    StoreRejected,
    TransientError,
)
from hub.toolkit import (
    chunked,
    connection_failed,
    failed,
    prefetching,
    push_result,
    pushed,
    truthy,
    unchanged,
)

PRODUCT_FIELDS = (
    "items[id,sku,name,type_id,status,price,weight,created_at,updated_at,custom_attributes]"
)
PARENT_FIELDS = "items[id,sku,name,extension_attributes[configurable_product_links]]"
ORDER_FIELDS = (
    "items[entity_id,increment_id,state,status,created_at,updated_at,grand_total,total_paid,"
    "total_due,order_currency_code,customer_email,shipping_description,billing_address,"
    "items[item_id,parent_item_id,product_id,product_type,sku,name,qty_ordered,qty_shipped,"
    "qty_canceled,qty_refunded,price],extension_attributes[shipping_assignments[shipping]]]"
)
ORDER_STATUS_FIELDS = (
    "items[entity_id,increment_id,state,status,created_at,updated_at,grand_total,total_paid,"
    "total_due,items[item_id,parent_item_id,qty_ordered,qty_shipped,qty_canceled,qty_refunded]]"
)
NOT_CONFIGURABLE = [("type_id", "configurable", "neq")]
SKU_URL_BUDGET = 3000  # characters of SKUs per "in" filter: stay well under URL limits


def client(ctx):
    return MagentoClient(ctx)


# -- settings derived from the store ---------------------------------------------------------


def weight_unit(ctx, mc):
    unit = ctx.setting("weight_unit", "auto")
    if unit == "auto":
        unit = mc.store_config().get("weight_unit") or "kgs"
    if unit not in ("kgs", "lbs"):
        raise ConfigurationError(f"weight_unit {unit!r} is not kgs or lbs")
    return unit


def mapping_options(ctx, mc):
    config = mc.store_config()
    return {
        "weight_unit": weight_unit(ctx, mc),
        "barcode_attribute": ctx.setting("barcode_attribute", "ean"),
        "currency": config.get("base_currency_code") or None,
    }


def configurable_parents(mc):
    """{child id: (configurable id, configurable name)} from one trimmed pass over the
    configurables (``extension_attributes.configurable_product_links``): ceil(#configurables
    / pageSize) requests, memory proportional to the number of variant children (ints)."""
    parents = {}
    pages = mc.iter_offset(
        "products",
        groups=[[("type_id", "configurable", "eq")]],
        sort=[("entity_id", "ASC")],
        fields=PARENT_FIELDS,
        key=lambda item: int(item.get("id") or 0),
    )
    for page in pages:
        for item in page:
            links = (item.get("extension_attributes") or {}).get("configurable_product_links")
            for child in links or ():
                parents[int(child)] = (item.get("id"), item.get("name"))
    return parents


# -- products --------------------------------------------------------------------------------


@hookimpl
def hub_fetch_products(ctx):
    mc = client(ctx)
    options = mapping_options(ctx, mc)
    parents = configurable_parents(mc)
    totals = []  # filled on the prefetch thread, reported from this one (the core's thread)
    pages = mc.iter_offset(
        "products",
        groups=[NOT_CONFIGURABLE],
        sort=[("entity_id", "ASC")],
        fields=PRODUCT_FIELDS,
        key=lambda item: int(item.get("id") or 0),
        on_total=totals.append,
    )
    for page in prefetching(pages, name="magento-prefetch"):
        if totals:
            ctx.report_total(totals.pop())
        for raw in page:
            record = map_product(raw, cursor=product_cursor_by_id(raw), parents=parents, **options)
            if record is not None:
                yield record


@hookimpl
def hub_fetch_new_products(ctx, since):
    mc = client(ctx)
    options = mapping_options(ctx, mc)
    parents = configurable_parents(mc)
    pages = mc.iter_keyset(
        "products",
        time_field="created_at",
        id_field="id",
        since=since,
        groups=[NOT_CONFIGURABLE],
        fields=PRODUCT_FIELDS,
    )
    for page in pages:
        for raw in page:
            cursor = product_cursor_by_time(raw, "created_at")
            record = map_product(raw, cursor=cursor, parents=parents, **options)
            if record is not None:
                yield record


def media_base(mc):
    config = mc.store_config()
    secure = str(config.get("base_url") or "").startswith("https")
    base = config.get("secure_base_media_url" if secure else "base_media_url")
    return base or f"{mc.base}/media/"


def _products_by_id(mc, ids, fields):
    found = {}
    for chunk in chunked(sorted({int(i) for i in ids}), 100):
        data = mc.get(
            "products",
            criteria_params(
                [[("entity_id", ",".join(map(str, chunk)), "in")]],
                page_size=len(chunk),
                current_page=1,
                fields=fields + ",total_count",
            ),
        )
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise TransientError(
                "Magento answered GET /V1/products without an items list (images of "
                f"products {chunk[0]}..{chunk[-1]})"
            )
        for item in items:
            try:
                found[int(item["id"])] = item
            except (TypeError, KeyError, ValueError):
                continue  # an item without a readable id cannot be matched to a product
    return found


def _images(raw, base):
    """(images, None) or (None, the BadGallery message)."""
    try:
        return images_of(raw, base), None
    except BadGallery as exc:
        return None, str(exc)


@hookimpl
def hub_fetch_product_images(ctx, products):
    mc = client(ctx)
    base = media_base(mc)
    wanted = [p for p in products if str(p.get("external_id") or "").isdigit()]
    for chunk in chunked(wanted, 100):
        found = _products_by_id(
            mc, [p["external_id"] for p in chunk], "items[id,sku,media_gallery_entries]"
        )
        # a configurable's children usually have no pictures of their own: use the parent's
        parent_ids = {
            int(p["parent"])
            for p in chunk
            if str(p.get("parent") or "").isdigit()
            and _images(found.get(int(p["external_id"]), {}), base) == ([], None)
        }
        parents = (
            _products_by_id(mc, parent_ids, "items[id,sku,media_gallery_entries]")
            if parent_ids
            else {}
        )
        for product in chunk:
            pid = int(product["external_id"])
            raw = found.get(pid)
            if raw is None:
                yield Skip(
                    reference=product.get("sku") or str(pid),
                    message=f"Magento product {product.get('sku') or pid} no longer exists: "
                    "no images.",
                    code="product_gone",
                    external_id=str(pid),
                )
                continue
            images, problem = _images(raw, base)
            whose = "its"
            if images == [] and str(product.get("parent") or "").isdigit():
                images, problem = _images(parents.get(int(product["parent"]), {}), base)
                whose = f"its configurable's (id {product['parent']})"
            if problem:
                ref = product.get("sku") or str(pid)
                yield Invalid(
                    reference=ref,
                    message=f"Magento product {ref}: {whose} images cannot be read: {problem}",
                    hint="Open the product in the Magento admin (Images and Videos) and save "
                    "it again, or check the module that alters the product API; the next run "
                    "retries it.",
                    errors={"media_gallery_entries": [problem]},
                    external_id=str(pid),
                )
                continue
            for entry_id, url, position, label in images:
                yield {
                    "product_external_id": str(product["external_id"]),
                    "url": url,
                    "external_id": str(entry_id) if entry_id is not None else None,
                    "position": max(position, 0),
                    "alt": label,
                }


# -- orders ----------------------------------------------------------------------------------


@hookimpl
def hub_fetch_new_orders(ctx, since):
    for raw in _orders_since(ctx, since, "created_at", ORDER_FIELDS):
        yield map_order(raw, cursor=order_cursor(raw, "created_at"))


@hookimpl
def hub_fetch_order_updates(ctx, since):
    for raw in _orders_since(ctx, since, "updated_at", ORDER_STATUS_FIELDS):
        _o, record = map_order_status(raw, cursor=order_cursor(raw, "updated_at"))
        yield record


def _orders_since(ctx, since, time_field, fields):
    """The store's orders by ``time_field`` (created_at, updated_at) from the cursor ``since``
    on, one raw order after the other (keyset pages)."""
    pages = client(ctx).iter_keyset(
        "orders", time_field=time_field, id_field="entity_id", since=since, fields=fields
    )
    for page in pages:
        yield from page


@hookimpl
def hub_count_open_orders(ctx, since):
    """One ``GET /V1/orders`` of one row whose ``total_count`` is the answer
    (``Magento\\Sales\\Api\\OrderRepositoryInterface::getList``, searchCriteria:
    https://developer.adobe.com/commerce/webapi/rest/use-rest/performing-searches/):
    ``created_at gteq`` the date, ``state nin canceled,closed,complete`` — what ``map_order``
    maps to cancelled, refunded (closed) and fulfilled (complete). An order shipped whole but
    not invoiced (state processing) is still counted: Magento cannot filter on shipped
    quantities."""
    when, _ = parse_since(since)
    groups = [[("state", "canceled,closed,complete", "nin")]]
    if when is not None:
        groups.append([("created_at", to_magento(when), "gteq")])
    data = client(ctx).get(
        "orders", criteria_params(groups, page_size=1, current_page=1, fields="total_count")
    )
    total = data.get("total_count") if isinstance(data, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


@hookimpl
def hub_fetch_order(ctx, external_id):
    mc = client(ctx)
    if not str(external_id).isdigit():
        return None
    raw = mc.get(f"orders/{int(external_id)}", allow_404=True)
    if raw is None:
        return None
    return map_order(raw, cursor=order_cursor(raw, "created_at"))


# -- stock -----------------------------------------------------------------------------------


def source_code(ctx):
    return ctx.setting("source_code", "default")


def _sku_chunks(skus, budget=SKU_URL_BUDGET):
    """Split SKUs for ``in`` filters; SKUs with a comma cannot go in one (Magento splits the
    value on commas) and come back alone, for an ``eq`` filter."""
    chunk, size = [], 0
    for sku in skus:
        if "," in sku:
            yield [sku], "eq"
            continue
        if chunk and (size + len(sku) + 1 > budget or len(chunk) >= MAX_CHUNK):
            yield chunk, "in"
            chunk, size = [], 0
        chunk.append(sku)
        size += len(sku) + 1
    if chunk:
        yield chunk, "in"


MAX_CHUNK = 300


def products_by_sku(mc, skus):
    """{sku: (id, type_id)} for the given SKUs, in as few requests as the URL budget allows."""
    return {
        item.get("sku"): (item.get("id"), item.get("type_id"))
        for item in _items_by_sku(mc, "products", skus, "id,sku,type_id")
    }


def _items_by_sku(mc, resource, skus, fields, *criteria):
    """The items of ``resource`` with these SKUs (and the ``criteria`` groups besides), their
    ``fields``, in as few requests as the URL budget allows."""
    for chunk, condition in _sku_chunks(skus):
        value = chunk[0] if condition == "eq" else ",".join(chunk)
        data = mc.get(
            resource,
            criteria_params(
                [[("sku", value, condition)], *criteria],
                page_size=min(len(chunk), MAX_CHUNK),
                current_page=1,
                fields=f"items[{fields}],total_count",
            ),
        )
        yield from (data or {}).get("items") or []


def _whole(value):
    number = Decimal(str(value if value is not None else 0))
    return int(number) if number == number.to_integral_value() else None


@hookimpl
def hub_stock_semantics(ctx, mc=None):
    """What this store's quantity means (``hub_stock_semantics``).

    * MSI (``physical``): a source item's quantity is physical stock. Magento reserves every
      placed order, paid or not (magento/inventory InventorySales
      ``AppendReservationsAfterOrderPlacementPlugin``, an ``aroundPlace`` plugin on
      ``OrderManagementInterface``), sells source quantity + reservations
      (``GetProductSalableQty``) and deducts the source at shipment
      (InventoryShipping ``SourceDeductionProcessor`` -> ``SourceDeductionService``).
    * Legacy CatalogInventory (``sellable``): ``qty`` goes down when the order is placed
      (magento2 CatalogInventory ``SubtractQuoteInventoryObserver`` on
      ``sales_model_service_quote_submit_before``, "Decrease Stock When Order is Placed" =
      ``cataloginventory/options/can_subtract``, default Yes) and back on cancellation; it
      is already net of open orders.
    * MSI with ``stock_deducted_at_order`` (``sellable``): a module (e.g.
      AmpersandHQ/magento2-disable-stock-reservation) deducts the source at order placement
      instead of reserving: the source quantity is net of open orders too.
    """
    mc = mc or client(ctx)
    if not mc.msi_available():
        return "sellable"
    if truthy(ctx.setting("stock_deducted_at_order", False)):
        return "sellable"
    return "physical"


@hookimpl
def hub_fetch_stock_levels(ctx):
    mc = client(ctx)
    physical = hub_stock_semantics(ctx, mc) == "physical"
    if mc.msi_available():
        yield from _fetch_msi_stock(ctx, mc, physical)
    else:
        yield from _fetch_legacy_stock(ctx, mc, physical)


def _stock_record(ctx, pid, sku, quantity, refs, physical):
    whole = _whole(quantity)
    if whole is None:
        return Invalid(
            reference=sku,
            message=f"Magento stock of {sku} is not a whole number ({quantity})",
            hint="The hub counts units: set a whole quantity in Magento, or disable "
            "decimal quantities for this product.",
            errors={"quantity": [f"{quantity} is not a whole number"]},
            external_id=str(pid),
        )
    # MSI: a source item's quantity is physical stock (Magento deducts it at shipment and
    # keeps open orders as reservations): on_hand is that number. Legacy (or a module that
    # deducts at order placement): the quantity is already net of the open orders, so on_hand
    # is unknown here and the core adds back what this integration's orders reserve.
    return {
        "external_id": str(pid),
        "sku": sku,
        "quantity": whole,
        "on_hand": whole if physical else None,
        "store_refs": refs,
    }


def _fetch_msi_stock(ctx, mc, physical):
    code = source_code(ctx)
    pages = mc.iter_offset(
        "inventory/source-items",
        groups=[[("source_code", code, "eq")]],
        sort=[("sku", "ASC")],
        fields="items[sku,source_code,quantity,status]",
        key=lambda item: str(item.get("sku") or ""),
        on_total=ctx.report_total,
    )
    for page in pages:
        known = products_by_sku(mc, [i["sku"] for i in page if i.get("sku")])
        for item in page:
            sku = item.get("sku")
            pid, type_id = known.get(sku, (None, None))
            if pid is None:
                yield Skip(
                    reference=str(sku),
                    message=f"Magento source item {sku} ({code}) has no product with that SKU",
                    code="orphan_source_item",
                )
                continue
            if type_id != "simple":
                continue  # virtual/downloadable items are not stocked in the hub
            yield _stock_record(
                ctx, pid, sku, item.get("quantity"), {"source_code": code, "api": "msi"}, physical
            )


def _fetch_legacy_stock(ctx, mc, physical):
    pages = mc.iter_offset(
        "products",
        groups=[[("type_id", "simple", "eq")]],
        sort=[("entity_id", "ASC")],
        fields="items[id,sku,extension_attributes[stock_item[item_id,qty,is_in_stock]]]",
        key=lambda item: int(item.get("id") or 0),
        on_total=ctx.report_total,
    )
    for page in pages:
        for item in page:
            stock = (item.get("extension_attributes") or {}).get("stock_item")
            if stock is None:
                stock = mc.get(f"stockItems/{_quote(item['sku'])}", allow_404=True) or {}
            yield _stock_record(
                ctx,
                item.get("id"),
                item.get("sku"),
                stock.get("qty"),
                {"stock_item_id": str(stock.get("item_id") or 1), "api": "legacy"},
                physical,
            )


def _quote(sku):
    return quote(str(sku), safe="")


@hookimpl
def hub_push_stock_levels(ctx, items):
    mc = client(ctx)
    if mc.msi_available():
        return _push_msi(ctx, mc, items)
    return [_push_legacy(mc, item) for item in items]


def _result(item, status, message=None, hint=None, store_quantity=None):
    return push_result(
        item["sku"],
        status,
        message,
        hint=hint,
        store_quantity=store_quantity,
        external_id=item.get("external_id"),
    )


def _current_source_quantities(mc, code, skus):
    rows = _items_by_sku(
        mc, "inventory/source-items", skus, "sku,quantity", [("source_code", code, "eq")]
    )
    return {row.get("sku"): _whole(row.get("quantity")) for row in rows}


def _push_msi(ctx, mc, items):
    code = source_code(ctx)
    try:
        batch_size = max(1, int(ctx.setting("stock_batch_size", 20)))
    except (TypeError, ValueError):
        raise ConfigurationError("stock_batch_size must be a number") from None
    results = {}
    for batch in chunked(items, batch_size):
        current = _current_source_quantities(mc, code, [i["sku"] for i in batch])
        to_write = []
        for item in batch:
            have = current.get(item["sku"])
            if have is not None and have == item["quantity"]:
                results[id(item)] = _result(
                    item, "unchanged", f"Magento already has {have}", store_quantity=have
                )
            elif item.get("previous") is not None and have is not None and have != item["previous"]:
                results[id(item)] = _result(
                    item,
                    "conflict",
                    f"Magento's {code} quantity of {item['sku']} is {have}, not the "
                    f"{item['previous']} the hub last saw: not overwritten",
                    hint="The store changed the stock meanwhile (a shipment, an edit); the "
                    "next export recomputes the target.",
                    store_quantity=have,
                )
            else:
                to_write.append(item)
        if to_write:
            for item, outcome in _write_source_items(mc, code, to_write):
                results[id(item)] = outcome
    return [results[id(item)] for item in items]


def _source_item(code, item):
    return {
        "sku": item["sku"],
        "source_code": code,
        "quantity": item["quantity"],
        "status": 1 if item["quantity"] > 0 else 0,
    }


def _write_source_items(mc, code, items):
    """POST a batch; when Magento refuses the batch, retry one by one to name the culprit."""
    try:
        mc.request(
            "POST",
            "inventory/source-items",
            json={"sourceItems": [_source_item(code, i) for i in items]},
            store="all",  # stock is global: written in the "all" scope
        )
    except StoreRejected as exc:
        if len(items) == 1:
            yield (
                items[0],
                _result(
                    items[0],
                    "error",
                    exc.message,
                    hint="Check the SKU and the source code (setting source_code) in Magento.",
                ),
            )
            return
        for item in items:
            yield from _write_source_items(mc, code, [item])
        return
    for item in items:
        yield item, _result(item, "ok", store_quantity=item["quantity"])


def _push_legacy(mc, item):
    sku = _quote(item["sku"])
    try:
        current = mc.get(f"stockItems/{sku}", allow_404=True)
        if current is None:
            return _result(
                item,
                "error",
                f"Magento has no product with SKU {item['sku']}",
                hint="The product was deleted or its SKU changed in Magento: run Update products.",
            )
        have = _whole(current.get("qty"))
        if have == item["quantity"]:
            return _result(item, "unchanged", store_quantity=have)
        if item.get("previous") is not None and have is not None and have != item["previous"]:
            return _result(
                item,
                "conflict",
                f"Magento's quantity of {item['sku']} is {have}, not the {item['previous']} the "
                "hub last saw: not overwritten",
                store_quantity=have,
            )
        item_id = (item.get("store_refs") or {}).get("stock_item_id") or current.get("item_id") or 1
        mc.request(
            "PUT",
            f"products/{sku}/stockItems/{item_id}",
            json={"stockItem": {"qty": item["quantity"], "is_in_stock": item["quantity"] > 0}},
            store="all",
        )
    except StoreRejected as exc:
        return _result(item, "error", exc.message)
    return _result(item, "ok", store_quantity=item["quantity"])


# -- shipments -------------------------------------------------------------------------------


def _existing_shipment(mc, order_id, shipment):
    """The Magento shipment that already carries this hub shipment (same tracking number,
    or our comment naming the hub shipment id), if any."""
    data = mc.get(
        "shipments",
        criteria_params(
            [[("order_id", order_id, "eq")]],
            page_size=100,
            current_page=1,
            fields="items[entity_id,tracks[track_number,carrier_code],comments[comment]],"
            "total_count",
        ),
    )
    marker = _marker(shipment)
    for ship in (data or {}).get("items") or []:
        tracks = {str(t.get("track_number") or "").strip() for t in ship.get("tracks") or []}
        comments = " ".join(str(c.get("comment") or "") for c in ship.get("comments") or [])
        if shipment["tracking_number"].strip() in tracks or marker in comments:
            return ship
    return None


def _marker(shipment):
    return f"[hub shipment {shipment['shipment_id']}]"


TRACKABLE_CARRIERS = ("ups", "usps", "fedex", "dhl")


def track_carrier_code(code):
    """Magento's track ``carrier_code``: a shipping method code is ``<carrier>_<method>``
    (``ups_GND``, ``flatrate_flatrate``); Magento tracks ups/usps/fedex/dhl itself and shows
    anything else as a ``custom`` track with its title."""
    carrier = str(code or "").split("_", 1)[0].strip().lower()
    return carrier if carrier in TRACKABLE_CARRIERS else "custom"


def _shipment_body(ctx, mc, shipment, items):
    """``POST /V1/order/{id}/ship``'s body: the items, the tracking number, our marker comment,
    the hub's ``notify_customer`` and (MSI) the integration's source."""
    body = {
        "items": items,
        "notify": bool(shipment.get("notify_customer")),  # the hub decides
        "appendComment": True,
        "comment": {
            "comment": f"Shipped from the hub {_marker(shipment)}",
            "is_visible_on_front": 0,
        },
        "tracks": [
            {
                "track_number": shipment["tracking_number"],
                "title": shipment["carrier"],
                "carrier_code": track_carrier_code(shipment.get("carrier_code")),
            }
        ],
    }
    if mc.msi_available():
        body["arguments"] = {"extension_attributes": {"source_code": source_code(ctx)}}
    return body


def _create_shipment(mc, order_id, shipment, body):
    """POST the shipment; after an error answer, look whether the store created it anyway."""
    key = shipment["shipment_id"]
    try:
        return pushed(key, external_id=mc.request("POST", f"order/{order_id}/ship", json=body))
    except ConnectorError as exc:
        try:
            existing = _existing_shipment(mc, order_id, shipment)
        except ConnectorError:
            existing = None
        if existing is not None:
            return pushed(
                key,
                "created (confirmed after an error answer)",
                external_id=existing.get("entity_id"),
            )
        if isinstance(exc, StoreRejected):
            return failed(
                key,
                exc.message,
                hint="Magento refuses shipments of cancelled, on-hold, closed or already "
                "shipped orders.",
            )
        raise


@hookimpl
def hub_push_shipment(ctx, shipment):
    mc = client(ctx)
    key, number = shipment["shipment_id"], shipment["order_number"]
    order_id = str(shipment["order_external_id"])
    if not order_id.isdigit():
        return failed(key, f"Order {number}: {order_id!r} is not a Magento order entity_id")
    existing = _existing_shipment(mc, order_id, shipment)
    if existing is not None:
        return unchanged(
            key,
            f"Magento already has this shipment (#{existing.get('entity_id')})",
            external_id=existing.get("entity_id"),
        )
    order = mc.get(f"orders/{order_id}", allow_404=True)
    if order is None:
        return failed(key, f"Magento has no order {number} (entity_id {order_id})")
    if order.get("state") in ("canceled", "closed"):
        return failed(
            key,
            f"Order {number} is {order.get('state')} in Magento: it cannot be shipped there",
            hint="Cancel the shipment in the hub, or check the order in Magento.",
        )
    items, problem = _ship_items(order, shipment)
    if problem == ALREADY_SHIPPED:
        return _track_on_existing_shipment(mc, order_id, shipment)
    if problem:
        return failed(
            key,
            problem,
            hint="Compare the hub shipment with the order in Magento (Sales > Orders).",
        )
    return _create_shipment(mc, order_id, shipment, _shipment_body(ctx, mc, shipment, items))


ALREADY_SHIPPED = "already shipped"


def _track_on_existing_shipment(mc, order_id, shipment):
    """Everything was already shipped in Magento (by the merchant, another tool): add the hub's
    tracking number to the order's last shipment so the customer sees it, and report
    ``unchanged`` (the store already has the shipment)."""
    data = mc.get(
        "shipments",
        criteria_params(
            [[("order_id", order_id, "eq")]],
            sort=[("entity_id", "DESC")],
            page_size=1,
            current_page=1,
            fields="items[entity_id],total_count",
        ),
    )
    last = ((data or {}).get("items") or [None])[0]
    if last is None:
        return failed(
            shipment["shipment_id"],
            f"Order {shipment['order_number']} has nothing left to ship in Magento "
            "but no shipment either (cancelled or refunded lines?)",
        )
    mc.request(
        "POST",
        "shipment/track",
        json={
            "entity": {
                "order_id": int(order_id),
                "parent_id": last["entity_id"],
                "track_number": shipment["tracking_number"],
                "title": shipment["carrier"],
                "carrier_code": track_carrier_code(shipment.get("carrier_code")),
            }
        },
    )
    return unchanged(
        shipment["shipment_id"],
        f"Order {shipment['order_number']} was already shipped in Magento: the "
        f"tracking number was added to its shipment #{last['entity_id']}",
        external_id=last["entity_id"],
    )


def _ship_items(order, shipment):
    """Hub shipment lines -> Magento's [{order_item_id, qty}]: a configurable's child line is
    shipped through its parent line (the child is a 'dummy' item for shipments). Returns
    (items, None), (None, ALREADY_SHIPPED) when Magento has nothing left to ship for any of
    the lines, or (None, a message)."""
    by_id = {str(i.get("item_id")): i for i in order.get("items") or []}
    wanted, left, skus = {}, {}, {}
    for line in shipment["lines"]:
        item = by_id.get(str(line["order_line_external_id"]))
        if item is None:
            return None, (
                f"Order {shipment['order_number']} has no line {line['order_line_external_id']} "
                f"({line['sku']}) in Magento"
            )
        parent = by_id.get(str(item.get("parent_item_id"))) if item.get("parent_item_id") else None
        if parent is not None and parent.get("product_type") == "configurable":
            item = parent
        left[item["item_id"]] = (
            Decimal(str(item.get("qty_ordered") or 0))
            - Decimal(str(item.get("qty_shipped") or 0))
            - Decimal(str(item.get("qty_canceled") or 0))
            - Decimal(str(item.get("qty_refunded") or 0))
        )
        wanted[item["item_id"]] = wanted.get(item["item_id"], 0) + line["quantity"]
        skus[item["item_id"]] = line["sku"]
    if all(remaining <= 0 for remaining in left.values()):
        return None, ALREADY_SHIPPED
    for item_id, qty in wanted.items():
        if qty > left[item_id]:
            return None, (
                f"Order {shipment['order_number']}: {skus[item_id]} has {left[item_id]} left to "
                f"ship in Magento, the hub ships {qty}"
            )
    return [{"order_item_id": k, "qty": v} for k, v in wanted.items()], None


# -- connection and settings -----------------------------------------------------------------


@hookimpl
def hub_check_connection(ctx):
    mc = client(ctx)
    details, problems = {"auth_method": mc.auth_method, "store_code": mc.store_code}, []
    try:
        config = mc.store_config()
    except AuthenticationError:
        raise  # refused credentials: the contract says raise (the hint goes to the merchant)
    except ConnectorError as exc:
        return connection_failed(exc, details)
    details.update(
        {
            "base_url": config.get("base_url"),
            "base_currency_code": config.get("base_currency_code"),
            "weight_unit": config.get("weight_unit"),
            "timezone": config.get("timezone"),
            "locale": config.get("locale"),
        }
    )
    store_name = None
    try:
        views = store_views(mc)
        code = mc.store_code if mc.store_code != "all" else "default"
        view = next((v for v in views if v.get("code") == code), None)
        store_name = (view or {}).get("name")
        if view is None and mc.store_code != "all":
            problems.append(f"store_code {mc.store_code!r} is not a store view of this Magento")
    except ConnectorError as exc:
        problems.append(f"store views: {exc.message}")
    details["version"] = magento_version(ctx, mc)
    try:
        msi = mc.msi_available()
        details["msi"] = msi
        details["inventory_api"] = "msi" if msi else "legacy"
        details["stock_semantics"] = hub_stock_semantics(ctx, mc)
        if not msi and ctx.setting("inventory_api", "auto") == "legacy":
            has_msi = mc.get(
                "inventory/sources", criteria_params(page_size=1, current_page=1), allow_404=True
            )
            if has_msi is not None:
                problems.append(
                    "inventory_api is legacy but this Magento has Inventory (MSI): under MSI "
                    "the legacy stock item is the default source's physical quantity, not what "
                    "can be sold; use inventory_api auto or msi"
                )
        if msi:
            sources = [s.get("source_code") for s in list_sources(mc)]
            details["sources"] = sources
            if source_code(ctx) not in sources:
                problems.append(
                    f"source_code {source_code(ctx)!r} is not an MSI source of this store "
                    f"(sources: {', '.join(map(str, sources))})"
                )
    except ConnectorError as exc:
        details.setdefault("msi", None)
        problems.append(f"inventory: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
    return {"ok": not problems, "store_name": store_name, "details": details, "problems": problems}


def magento_version(ctx, mc):
    """``GET /magento_version`` ("Magento/2.4 (Community)") is all Magento tells without
    admin access to composer files; None when hidden (often blocked by the web server)."""
    try:
        response = ctx.session.get(f"{mc.base}/magento_version", timeout=(5, 10))
    except Exception:
        return None
    text = response.text.strip() if response.status_code == 200 else ""
    return text[:60] if text.startswith("Magento/") else None


def list_sources(mc):
    data = mc.get("inventory/sources", criteria_params(page_size=100, current_page=1))
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TransientError(
            "Magento answered GET /V1/inventory/sources without a list of sources "
            f"({str(data)[:60]!r})"
        )
    return items


def store_views(mc):
    """``GET /V1/store/storeViews``: a list of objects, or a TransientError naming the shape."""
    views = mc.get("store/storeViews") or []
    if not isinstance(views, list) or not all(isinstance(v, dict) for v in views):
        raise TransientError(
            f"Magento answered GET /V1/store/storeViews with {str(views)[:60]!r}, not a list "
            "of store views"
        )
    return views


@hookimpl
def hub_setting_choices(ctx, setting):
    mc = client(ctx)
    if setting == "source_code":
        if not mc.msi_available():
            return [{"value": "default", "label": "Default Source (no MSI: legacy stock)"}]
        return [
            {
                "value": s["source_code"],
                "label": f"{s.get('name') or s['source_code']} "
                f"({s['source_code']})" + ("" if s.get("enabled", True) else " - disabled"),
            }
            for s in list_sources(mc)
        ]
    if setting == "store_code":
        views = store_views(mc)
        return [{"value": "all", "label": "All store views (global scope)"}] + [
            {"value": v["code"], "label": v.get("name") or v["code"]}
            for v in views
            if v.get("code") and v.get("code") != "admin"
        ]
    return None
