"""The feed hooks: what each feed does with the client and the mapping (``plugin.py`` declares
the connector and registers these functions: they are the hook implementations)."""

from connect_shopify import mapping, queries
from connect_shopify.client import ShopifyClient
from hub import Invalid, hookimpl
from hub.errors import ConfigurationError, ConnectorError
from hub.toolkit import chunked, conflict, connection_failed, failed, pushed, unchanged

REQUIRED_SCOPES = (
    "read_products",
    "read_orders",
    "read_inventory",
    "write_inventory",
    "read_locations",
)
FULFILLMENT_SCOPES = (
    "write_merchant_managed_fulfillment_orders",
    "write_third_party_fulfillment_orders",
    "write_assigned_fulfillment_orders",
)


def _at(data, path):
    for key in path:
        data = (data or {}).get(key)
    return data


def _follow(client, query, variables, path, sizes=("first",)):
    """``next_page(cursor)`` for ``_pages``: the connection at ``path`` of ``query`` after
    ``cursor``. A page refused for its cost is asked again with ``sizes`` halved, and the
    smaller sizes are kept for the following pages."""
    state = {"variables": dict(variables)}

    def next_page(cursor):
        result, state["variables"] = client.execute_sized(
            query, dict(state["variables"], cursor=cursor), sizes
        )
        return _at(result.data, path)

    return next_page


# -- connection --------------------------------------------------------------------------------


@hookimpl
def hub_check_connection(ctx):
    client = ShopifyClient(ctx)
    details = {
        "api_version": client.version,
        "auth": "access token" if ctx.secret("access_token") else "client credentials",
    }
    try:
        data = client.execute(queries.SHOP).data
    except ConnectorError as exc:
        return connection_failed(exc, details)
    shop = data.get("shop") or {}
    granted = {
        s["handle"] for s in (data.get("currentAppInstallation") or {}).get("accessScopes") or []
    }
    problems = []
    for scope in REQUIRED_SCOPES:
        if scope not in granted and not (
            scope.startswith("read_") and "write_" + scope[5:] in granted
        ):
            problems.append(f"missing scope {scope}")
    if not granted & set(FULFILLMENT_SCOPES):
        problems.append(f"missing scope {FULFILLMENT_SCOPES[0]} (needed to confirm shipments)")
    if "read_all_orders" not in granted:
        details["note"] = "without read_all_orders Shopify only shows the last 60 days of orders"
    if client.last_version and client.last_version != client.version:
        problems.append(
            f"API version {client.version} is not served any more: Shopify "
            f"answered with {client.last_version}; update the API version setting"
        )
    details.update(
        domain=shop.get("myshopifyDomain"),
        currency=shop.get("currencyCode"),
        plan=(shop.get("plan") or {}).get("publicDisplayName"),
        scopes=sorted(granted),
        served_api_version=client.last_version,
    )
    try:
        location = client.location_id()
        details["location_id"] = location
    except ConnectorError as exc:
        problems.append(exc.message)
    return {
        "ok": not problems,
        "store_name": shop.get("name"),
        "details": details,
        "problems": problems,
    }


@hookimpl
def hub_setting_choices(ctx, setting):
    name = setting if isinstance(setting, str) else (setting or {}).get("name")
    if name != "location_id":
        return None
    return [
        {"value": loc["id"], "label": loc["name"]}
        for loc in ShopifyClient(ctx).locations()
        if loc.get("isActive", True)
    ]


# -- products ----------------------------------------------------------------------------------


def _product_records(client, product, variants, currency, cursor, result=None, prefix=()):
    for j, variant in enumerate(variants):
        errors = result.field_errors((*prefix, "variants", "nodes", j)) if result else None
        yield mapping.variant_record(product, variant, currency, cursor, errors)


def product_with_variants(client, product, currency, result, prefix):
    """The records of ``product`` (as read at ``prefix`` in ``result``, with a first page of
    its variants), then of its further variant pages (``product(id:) { variants(after:) }``)."""
    cursor = mapping.time_cursor(product["createdAt"], product["id"])
    connection = product.get("variants") or {}
    variables = {"first": queries.VARIANT_PAGE}
    while True:
        nodes = connection.get("nodes") or []
        yield from _product_records(client, product, nodes, currency, cursor, result, prefix)
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):  # more variants than fit in the page: read on
            return
        variables = dict(variables, id=product["id"], cursor=info.get("endCursor"))
        result, variables = client.execute_sized(queries.PRODUCT_VARIANTS, variables, ("first",))
        connection = (result.data.get("product") or {}).get("variants") or {}
        prefix = ("product",)


@hookimpl
def hub_fetch_new_products(ctx, since):
    client = ShopifyClient(ctx)
    currency = client.shop_currency()
    after = mapping.since_time(since)
    q = f"created_at:>='{after}'" if after else None  # >=: re-read ties, upserts are idempotent
    variables = {"first": queries.PRODUCT_PAGE, "q": q, "variants": queries.VARIANTS_PER_PRODUCT}
    for result, page in client.paginate(
        queries.NEW_PRODUCTS, variables, ("products",), sizes=("first", "variants")
    ):
        for i, product in enumerate(page.get("nodes") or []):
            if product is not None:
                prefix = ("products", "nodes", i)
                yield from product_with_variants(client, product, currency, result, prefix)


@hookimpl
def hub_fetch_products(ctx):
    """Every variant of the store through a bulk operation, streamed from the JSONL file.

    The file lists each product followed by its variants (``groupObjects: true``); only the
    current product is held in memory, and each variant is yielded as soon as it is read.
    """
    client = ShopifyClient(ctx)
    operation = client.start_bulk_query(queries.BULK_PRODUCTS)  # Shopify works meanwhile
    currency = client.shop_currency()
    try:
        count = client.execute(queries.VARIANTS_COUNT).data.get("productVariantsCount") or {}
        if count.get("count") is not None:
            ctx.report_total(count["count"], exact=count.get("precision") == "EXACT")
    except ConnectorError as exc:  # the total is a nicety: never fail the run for it
        ctx.logger.info("shopify: no variant count (%s)", exc)
    url = client.wait_bulk_operation(operation)
    if not url:
        return
    product, cursor = None, None
    recent = {}  # a few recent parents, in case a child comes after another parent
    variant_record = mapping.variant_record
    for obj in client.stream_jsonl(url):
        parent_id = obj.get("__parentId")
        if parent_id is None:
            product = obj
            cursor = mapping.id_cursor(obj["id"])
            recent[obj["id"]] = (obj, cursor)
            if len(recent) > 64:
                recent.pop(next(iter(recent)))
            continue
        if product is None or parent_id != product["id"]:
            parent, parent_cursor = recent.get(parent_id, (None, None))
            if parent is None:
                yield Invalid(
                    reference=obj.get("sku") or obj.get("id", "?"),
                    message=f"Variant {obj.get('id')} came without its product "
                    f"{parent_id} in Shopify's bulk result.",
                    hint="Run the feed again; report it if it persists.",
                    errors={"parent": ["product not found in the bulk result"]},
                    external_id=obj.get("id"),
                    cursor=cursor,
                )
                continue
            yield variant_record(parent, obj, currency, parent_cursor)
            continue
        yield variant_record(product, obj, currency, cursor)


@hookimpl
def hub_fetch_product_images(ctx, products):
    """The images of the given products (variants are mapped to their product).

    ``nodes(ids:)`` of PRODUCT_IMAGE_BATCH products with their first MEDIA_PER_PRODUCT media
    (860 points at most); a product with more media pages the rest with PRODUCT_MEDIA. A batch
    Shopify refuses for its cost is split (``client.nodes``).
    """
    client = ShopifyClient(ctx)
    products = list(products)
    parents = {}
    unknown = []
    for p in products:
        ext = p.get("external_id") or ""
        parent = p.get("parent") or (ext if "/Product/" in ext else None)
        if parent:
            parents.setdefault(parent, []).append(p)
        else:
            unknown.append(p)
    by_id = {p["external_id"]: p for p in unknown}
    for chunk in chunked(list(by_id), queries.VARIANT_LOOKUP_BATCH):
        for _result, nodes in client.nodes(queries.VARIANT_PRODUCTS, chunk):
            for node in nodes:
                if node and node.get("product") and node.get("id") in by_id:
                    parents.setdefault(node["product"]["id"], []).append(by_id[node["id"]])
    media_variables = {"first": queries.MEDIA_PAGE}
    for chunk in chunked(list(parents), queries.PRODUCT_IMAGE_BATCH):
        batches = client.nodes(
            queries.PRODUCT_IMAGES,
            chunk,
            {"media": queries.MEDIA_PER_PRODUCT},
            sizes=("media",),
        )
        for _result, nodes in batches:
            for node in nodes:
                if not node or "media" not in node:
                    continue
                more = _follow(
                    client,
                    queries.PRODUCT_MEDIA,
                    dict(media_variables, id=node["id"]),
                    ("product", "media"),
                )
                images = [m for m in _pages(node["media"] or {}, more) if m and m.get("image")]
                for asked in parents.get(node["id"], []):
                    for position, media in enumerate(images):
                        yield {
                            "product_external_id": asked["external_id"],
                            "url": media["image"]["url"],
                            "external_id": media["id"],
                            "position": position,
                            "alt": media.get("alt") or media["image"].get("altText"),
                        }


# -- orders ------------------------------------------------------------------------------------


def _order_lines(client, order):
    connection = order.get("lineItems") or {}
    more = _follow(
        client,
        queries.ORDER_LINES,
        {"id": order["id"], "first": queries.ORDER_LINE_PAGE},
        ("order", "lineItems"),
    )
    return list(_pages(connection, more))


@hookimpl
def hub_fetch_new_orders(ctx, since):
    client = ShopifyClient(ctx)
    variables = {
        "first": queries.ORDER_PAGE,
        "lines": queries.LINES_PER_ORDER,
        "sort": "CREATED_AT",
    }
    orders = _orders_since(
        client, queries.ORDERS, variables, "created_at", since, ("first", "lines")
    )
    for order in orders:
        cursor = mapping.time_cursor(order["createdAt"], order["id"])
        yield mapping.order_record(order, _order_lines(client, order), cursor)


@hookimpl
def hub_fetch_order_updates(ctx, since):
    client = ShopifyClient(ctx)
    variables = {"first": queries.ORDER_STATUS_PAGE}
    for order in _orders_since(client, queries.ORDER_STATUSES, variables, "updated_at", since):
        cursor = mapping.time_cursor(order["updatedAt"], order["id"])
        yield mapping.order_status_record(order, cursor)


def _orders_since(client, query, variables, field, since, sizes=("first",)):
    """The orders whose ``field`` is at or after the time in the cursor ``since`` (>=: ties
    are read again, the hub's upserts are idempotent), page after page."""
    after = mapping.since_time(since)
    variables = dict(variables, q=f"{field}:>='{after}'" if after else None)
    for _result, page in client.paginate(query, variables, ("orders",), sizes=sizes):
        yield from page.get("nodes") or []


@hookimpl
def hub_count_open_orders(ctx, since):
    """One ``ordersCount`` query. Open is what ``mapping.order_flags`` maps to not cancelled,
    not refunded, not fulfilled: the search terms ``-status:cancelled`` (cancelledAt set),
    ``-financial_status:refunded`` (REFUNDED) and ``-fulfillment_status:shipped`` (FULFILLED;
    a partial fulfilment stays open), ANDed with ``created_at:>=`` (the filters of the orders
    query: https://shopify.dev/docs/api/admin-graphql/latest/queries/orders#arguments-query).
    An archived (closed) order still counts: the hub imports it too. None when Shopify says
    the count is only a lower bound (AT_LEAST)."""
    after = mapping.since_time(since)
    terms = [f"created_at:>='{after}'"] if after else []
    terms += ["-status:cancelled", "-financial_status:refunded", "-fulfillment_status:shipped"]
    result = ShopifyClient(ctx).execute(queries.ORDERS_COUNT, {"q": " ".join(terms)})
    count = result.data.get("ordersCount") or {}
    if count.get("precision") != "EXACT" or not isinstance(count.get("count"), int):
        return None
    return count["count"]


@hookimpl
def hub_fetch_order(ctx, external_id):
    client = ShopifyClient(ctx)
    ref = str(external_id)
    if ref.isdigit():
        ref = f"gid://shopify/Order/{ref}"
    result, _ = client.execute_sized(
        queries.ORDER, {"id": ref, "lines": queries.LINES_PER_ORDER}, ("lines",)
    )
    order = result.data.get("order")
    if not order:
        return None
    cursor = mapping.time_cursor(order["createdAt"], order["id"])
    return mapping.order_record(order, _order_lines(client, order), cursor)


# -- stock -------------------------------------------------------------------------------------


@hookimpl
def hub_fetch_stock_levels(ctx):
    """The integration location's inventory levels through a bulk operation, streamed.

    Cursor paging stops at 25,000 objects, so the levels always come from a bulk query
    (``locations(query: "id:…") { inventoryLevels }``), whatever the shop's size. The JSONL is
    read one line at a time and each level is yielded as soon as it is read: nothing is held
    in memory. Every level line carries ``__parentId`` = its location; lines of any other
    location (should Shopify ever ignore the id filter) are left out.
    """
    client = ShopifyClient(ctx)
    location = client.location_id()
    try:
        bulk_query = queries.bulk_stock_levels(location)
    except ValueError:
        raise ConfigurationError(
            f"The location setting {location!r} is not a Shopify location id.",
            hint="Choose the integration's location again in its settings.",
        ) from None
    # each level line is complete on its own: Shopify need not group them under the location
    url = client.run_bulk_query(bulk_query, group_objects=False)
    info = getattr(client, "bulk_info", None) or {}
    try:  # every object but the location line is a level: the exact number of records
        total = int(info.get("objectCount") or 0) - int(info.get("rootObjectCount") or 0)
    except (TypeError, ValueError):
        total = 0
    if total > 0:
        ctx.report_total(total)
    if not url:  # nothing matched: the location stocks nothing
        return
    stock_record = mapping.stock_record
    for obj in client.stream_jsonl(url):
        if obj.get("__parentId") != location:  # the location line itself (or another's)
            continue
        record = stock_record(obj, location)
        if record is not None:
            yield record


def _item_ids(client, items):
    """inventory item GID per StockPush external id (from store_refs, else asked to Shopify)."""
    out = {it["external_id"]: (it.get("store_refs") or {}).get("inventory_item_id") for it in items}
    missing = [ext for ext, item_id in out.items() if not item_id]
    for chunk in chunked(missing, queries.ID_BATCH):
        for _result, nodes in client.nodes(queries.VARIANT_ITEMS, chunk):
            for node in nodes:
                if node and node.get("inventoryItem"):
                    out[node["id"]] = node["inventoryItem"]["id"]
    return out


def _current_available(client, item_ids, location):
    out = {}
    for chunk in chunked(list(item_ids), queries.ID_BATCH):
        for _result, nodes in client.nodes(queries.ITEM_QUANTITIES, chunk, {"location": location}):
            for node in nodes:
                level = (node or {}).get("inventoryLevel")
                if level:
                    out[node["id"]] = next(
                        (q["quantity"] for q in level["quantities"] if q["name"] == "available"),
                        None,
                    )
    return out


@hookimpl
def hub_push_stock_levels(ctx, items):
    client = ShopifyClient(ctx)
    location = client.location_id()
    item_ids = _item_ids(client, items)
    results = {}
    cas = "changeFromQuantity" if client.version >= "2026-01" else "compareQuantity"
    for chunk in chunked(list(items), 250):
        pending = []
        for it in chunk:
            item_id = item_ids.get(it["external_id"])
            if not item_id:
                results[id(it)] = failed(
                    it["sku"],
                    f"No Shopify inventory item for variant {it['external_id']}.",
                    hint="Run 'Update products' so the hub knows the item.",
                )
                continue
            pending.append({"item": it, "item_id": item_id, "from": it.get("previous"), "stale": 0})
        for _round in range(6):
            if not pending:
                break
            pending = _push_round(client, location, pending, results, cas)
        for p in pending:
            results[id(p["item"])] = conflict(p["item"]["sku"], "Shopify kept refusing the write.")
    return [results[id(it)] for it in items]


def _set_quantities_input(client, location, pending, cas):
    """The variables of one inventorySetQuantities call for ``pending``, with the
    compare-and-set field ``cas`` where the hub knows the quantity it expects."""
    quantities = []
    for p in pending:
        q = {
            "inventoryItemId": p["item_id"],
            "locationId": location,
            "quantity": p["item"]["quantity"],
        }
        if cas == "changeFromQuantity":
            q["changeFromQuantity"] = p["from"]  # None opts out of the check, explicitly
        elif p["from"] is not None:
            q["compareQuantity"] = p["from"]
        quantities.append(q)
    variables = {
        "input": {
            "name": "available",
            "reason": "correction",
            "referenceDocumentUri": "gid://connect-hub/StockExport/" + client.new_idempotency_key(),
            "quantities": quantities,
        }
    }
    if cas == "compareQuantity" and any(p["from"] is None for p in pending):
        variables["input"]["ignoreCompareQuantity"] = all(p["from"] is None for p in pending)
    return variables


def _record_pushed(payload, pending, results):
    """Every item of an accepted call: pushed (with Shopify's quantity after), or unchanged."""
    after = {}
    for change in (payload.get("inventoryAdjustmentGroup") or {}).get("changes") or []:
        if change.get("name") == "available" and change.get("item"):
            after[change["item"]["id"]] = change
    for p in pending:
        change = after.get(p["item_id"])
        sku = p["item"]["sku"]
        results[id(p["item"])] = (
            pushed(sku, store_quantity=change["quantityAfterChange"])
            if change
            else unchanged(sku, store_quantity=p["item"]["quantity"])
        )


def _push_round(client, location, pending, results, cas):
    variables = _set_quantities_input(client, location, pending, cas)
    key = client.new_idempotency_key()
    result = client.execute(queries.SET_QUANTITIES % key, variables, name="SetQuantities")
    payload = result.data.get("inventorySetQuantities") or {}
    errors = payload.get("userErrors") or []
    if not errors:
        _record_pushed(payload, pending, results)
        return []
    stale, settled = [], set()
    for err in errors:
        field = err.get("field") or []
        index = int(field[2]) if len(field) > 2 and str(field[2]).isdigit() else None
        if index is None or index >= len(pending):
            for p in pending:  # an error about the whole input: every item fails with it
                results[id(p["item"])] = failed(
                    p["item"]["sku"], f"Shopify: {err.get('message')} ({err.get('code')})"
                )
            return []
        p = pending[index]
        if err.get("code") in ("CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE"):
            stale.append(p)
        else:
            settled.add(index)
            results[id(p["item"])] = failed(
                p["item"]["sku"],
                f"Shopify refused the quantity: {err.get('message')} ({err.get('code')})",
                hint="Check that the item is stocked at the integration's location in Shopify.",
            )
    still = []
    current = (
        _current_available(client, [p["item_id"] for p in stale if p["stale"] == 0], location)
        if stale
        else {}
    )
    for p in stale:
        if p["stale"] >= 1:  # stale again after a re-read: somebody keeps changing it
            results[id(p["item"])] = conflict(
                p["item"]["sku"],
                "Shopify's quantity changed while the hub was writing it, twice.",
                hint="The stock export runs again on its next schedule.",
            )
            settled.add(pending.index(p))
            continue
        p["stale"] += 1
        now = current.get(p["item_id"])
        if now == p["item"]["quantity"]:
            results[id(p["item"])] = unchanged(p["item"]["sku"], store_quantity=now)
            settled.add(pending.index(p))
            continue
        p["from"] = now
    for i, p in enumerate(pending):  # the mutation is atomic: resend everything not settled
        if i not in settled:
            still.append(p)
    return still


# -- shipments ---------------------------------------------------------------------------------

FULFILLABLE = ("OPEN", "IN_PROGRESS")
LIVE_FULFILLMENT = ("SUCCESS", "OPEN", "PENDING")
MAX_INPUT_ARRAY = 250  # Shopify's cap on every input array


def _pages(connection, next_page):
    """Every node of a connection whose first page is ``connection``; ``next_page(cursor)``
    returns the next page's connection."""
    while True:
        yield from connection.get("nodes") or ()
        info = connection.get("pageInfo") or {}
        cursor = info.get("endCursor")
        if not info.get("hasNextPage") or not cursor:
            return
        connection = next_page(cursor) or {}


def _fulfillment_orders(client, ref):
    """Every fulfillment order of the order (paged), with all the line items of the
    fulfillable ones (paged too)."""
    variables = {
        "id": ref,
        "first": queries.FULFILLMENT_ORDER_PAGE,
        "lines": queries.FULFILLMENT_ORDER_LINES,
    }
    more_orders = _follow(
        client,
        queries.FULFILLMENT_ORDERS_PAGE,
        variables,
        ("order", "fulfillmentOrders"),
        sizes=("first", "lines"),
    )
    out = []
    for fo in _pages(more_orders(None) or {}, more_orders):
        if not fo:
            continue
        if fo.get("status") in FULFILLABLE:
            more_lines = _follow(
                client,
                queries.FULFILLMENT_ORDER_LINES_PAGE,
                {"id": fo["id"], "first": queries.FULFILLMENT_LINE_PAGE},
                ("fulfillmentOrder", "lineItems"),
            )
            fo["lines"] = [li for li in _pages(fo.get("lineItems") or {}, more_lines) if li]
        out.append(fo)
    return out


def _all_fulfillments(client, order, asked, fulfillment_orders):
    """The order's fulfillments. ``Order.fulfillments(first:)`` is a plain list without a
    cursor: when it came back full (``asked`` of them), every fulfillment order's
    ``fulfillments`` connection is paged instead, so none is missed."""
    listed = [f for f in order.get("fulfillments") or [] if f]
    if len(listed) < asked:
        return listed
    seen = {f["id"]: f for f in listed}
    for fo in fulfillment_orders:
        more = _follow(
            client,
            queries.FULFILLMENT_ORDER_FULFILLMENTS,
            {
                "id": fo["id"],
                "first": queries.FO_FULFILLMENT_PAGE,
                "tracking": queries.TRACKING_PER_FULFILLMENT,
            },
            ("fulfillmentOrder", "fulfillments"),
            sizes=("first", "tracking"),
        )
        for f in _pages(more(None) or {}, more):
            if f and f["id"] not in seen:
                seen[f["id"]] = f
    return list(seen.values())


def _tracking_numbers(client, fulfillment, asked):
    """All the tracking numbers of a fulfillment (read again when its list came back full)."""
    infos = fulfillment.get("trackingInfo") or []
    if len(infos) >= asked:
        result, _ = client.execute_sized(
            queries.FULFILLMENT_TRACKING,
            {"id": fulfillment["id"], "first": queries.TRACKING_PAGE},
            ("first",),
        )
        infos = (result.data.get("node") or {}).get("trackingInfo") or infos
    return {t.get("number") for t in infos if t}


def _shipped_under(client, fulfillments):
    """Quantity per order line item GID that these fulfillments shipped (paged)."""
    shipped = {}
    for f in fulfillments:
        more = _follow(
            client,
            queries.FULFILLMENT_LINES,
            {"id": f["id"], "first": queries.FULFILLED_LINE_PAGE},
            ("node", "fulfillmentLineItems"),
        )
        for fli in _pages(more(None) or {}, more):
            line_id = ((fli or {}).get("lineItem") or {}).get("id")
            if line_id:
                shipped[line_id] = shipped.get(line_id, 0) + (fli.get("quantity") or 0)
    return shipped


def _still_to_ship(lines, shipped):
    """The shipment's lines minus what fulfillments with its tracking number already hold."""
    shipped = dict(shipped)
    out = []
    for line in lines:
        done = min(shipped.get(line["order_line_external_id"], 0), line["quantity"])
        if done:
            shipped[line["order_line_external_id"]] -= done
        if line["quantity"] - done > 0:
            out.append(dict(line, quantity=line["quantity"] - done))
    return out


def _order_gid(external_id):
    ref = str(external_id)
    return f"gid://shopify/Order/{ref}" if ref.isdigit() else ref


def _fulfillment_state(client, ref):
    """The order with its first fulfillments, and the page sizes that fitted."""
    result, used = client.execute_sized(
        queries.FULFILLMENT_STATE,
        {
            "id": ref,
            "fulfillments": queries.FULFILLMENT_PAGE,
            "tracking": queries.TRACKING_PER_FULFILLMENT,
        },
        ("fulfillments", "tracking"),
    )
    return result.data.get("order"), used


def _with_tracking_number(client, order, used, number, fulfillment_orders):
    """The live fulfillments of the order that carry the tracking number ``number``."""
    return [
        f
        for f in _all_fulfillments(client, order, used["fulfillments"], fulfillment_orders or [])
        if f.get("status") in LIVE_FULFILLMENT
        and number in _tracking_numbers(client, f, used["tracking"])
    ]


def _allocate(lines, fulfillment_orders):
    """The shipment's lines over the open fulfillment orders: ({location: {fulfillment order:
    {fulfillment order line: quantity}}}, problems)."""
    by_line = {}  # remaining quantity per order line item, over the open fulfillment orders
    for fo in fulfillment_orders:
        for li in fo.get("lines") or ():
            if li.get("remainingQuantity", 0) > 0:
                by_line.setdefault(li["lineItem"]["id"], []).append(
                    [fo, li, li["remainingQuantity"]]
                )
    groups, problems = {}, []
    for line in lines:
        wanted = line["quantity"]
        for entry in by_line.get(line["order_line_external_id"], []):
            fo, li, remaining = entry
            if wanted <= 0:
                break
            take = min(wanted, remaining)
            if take <= 0:
                continue
            wanted -= take
            entry[2] -= take
            location = ((fo.get("assignedLocation") or {}).get("location") or {}).get("id")
            items = groups.setdefault(location, {}).setdefault(fo["id"], {})
            items[li["id"]] = items.get(li["id"], 0) + take
        if wanted > 0:
            problems.append(
                f"{line['sku']} (line {line['order_line_external_id']}): "
                f"{wanted} more than Shopify has left to fulfil"
            )
    return groups, problems


def _create_fulfillments(client, groups, tracking, notify, created):
    """``fulfillmentCreate`` per assigned location and per 250 line items; the ids go to
    ``created``. Returns Shopify's refusal (a message) or None."""
    for fos in groups.values():
        flat = [(fo_id, li, q) for fo_id, items in fos.items() for li, q in items.items()]
        for chunk in chunked(flat, MAX_INPUT_ARRAY):
            by_fo = {}
            for fo_id, li, q in chunk:
                by_fo.setdefault(fo_id, []).append({"id": li, "quantity": q})
            fulfillment = {
                "lineItemsByFulfillmentOrder": [
                    {"fulfillmentOrderId": fo_id, "fulfillmentOrderLineItems": items}
                    for fo_id, items in by_fo.items()
                ],
                "notifyCustomer": notify and not created,  # one e-mail per shipment
                "trackingInfo": tracking,
            }
            data = client.execute(queries.FULFILLMENT_CREATE, {"fulfillment": fulfillment}).data
            payload = data.get("fulfillmentCreate") or {}
            errors = payload.get("userErrors") or []
            if errors or not payload.get("fulfillment"):
                return "; ".join(e.get("message", "") for e in errors) or "no fulfillment"
            created.append(payload["fulfillment"]["id"])
    return None


@hookimpl
def hub_push_shipment(ctx, shipment):
    """Confirm a shipment with ``fulfillmentCreate`` on the order's fulfillment orders.

    The order's fulfillment orders and their line items are paged completely. A fulfillment
    that already carries the shipment's tracking number counts as this shipment, line by
    line: a push that was cut off half-way (a crash, a refused call) sends only the rest when
    it is retried, and a shipment pushed twice is confirmed once.
    """
    client = ShopifyClient(ctx)
    key, number = shipment["shipment_id"], shipment["tracking_number"]
    ref = _order_gid(shipment["order_external_id"])
    order, used = _fulfillment_state(client, ref)
    if not order:
        return failed(
            key,
            f"Order {shipment['order_number']} ({ref}) does not exist in Shopify any more.",
            hint="Check the order in Shopify; mark the shipment resolved if it was deleted.",
        )
    fulfillment_orders = None
    if len(order.get("fulfillments") or []) >= used["fulfillments"]:
        fulfillment_orders = _fulfillment_orders(client, ref)  # needed to page fulfillments
    same = _with_tracking_number(client, order, used, number, fulfillment_orders)
    same_id = same[0]["id"] if same else None
    lines = shipment["lines"]
    if same:
        lines = _still_to_ship(lines, _shipped_under(client, same))
        if not lines:
            return unchanged(
                key,
                f"Shipment {number} is already confirmed on order {order['name']}.",
                external_id=same_id,
            )
    if order.get("displayFulfillmentStatus") == "FULFILLED":
        return unchanged(
            key, f"Order {order['name']} is already fulfilled in Shopify.", external_id=same_id
        )
    if order.get("cancelledAt"):
        return failed(
            key,
            f"Order {order['name']} is cancelled in Shopify: it cannot be fulfilled.",
            hint="Check the order with the customer.",
        )
    if fulfillment_orders is None:
        fulfillment_orders = _fulfillment_orders(client, ref)
    groups, problems = _allocate(lines, fulfillment_orders)
    if problems:
        return failed(
            key,
            f"Shipment of order {order['name']} does not match the order in Shopify: "
            + "; ".join(problems),
            hint="Check the order's items in Shopify (an order edit?), then retry the shipment.",
            external_id=same_id,
        )
    tracking = {"company": shipment["carrier"], "number": number}
    if shipment.get("tracking_url"):
        tracking["url"] = shipment["tracking_url"]
    # the hub decides notify_customer; the customer heard of this tracking number already
    notify = bool(shipment.get("notify_customer")) and not same
    created = [f["id"] for f in same]
    refused = _create_fulfillments(client, groups, tracking, notify, created)
    if refused:
        return failed(
            key,
            f"Shopify refused the fulfillment of order {order['name']}: {refused}",
            hint="Check the order's fulfillment in Shopify, then retry: what is already "
            "confirmed is not sent again.",
            external_id=created[0] if created else None,
        )
    return pushed(key, external_id=created[0] if created else None)
