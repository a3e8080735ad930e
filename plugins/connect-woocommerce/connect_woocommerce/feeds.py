"""The inbound feeds: what each hook asks WooCommerce and how the answers become records.

Stockable items are simple products and the variations of variable products (grouped and
external/affiliate products hold no stock: they are left out). Variations are read per parent
(``/products/{id}/variations``; a collection of all variations arrived only with WooCommerce
10.3, ``class-wc-rest-variations-controller.php``), a few parents at a time, while the next
page of products is requested ahead.
"""

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from connect_woocommerce import mapping
from connect_woocommerce.client import (
    CREATED,
    MODIFIED,
    ONE_SECOND,
    WC_TIME,
    Row,
    Since,
    WooClient,
    parse_since,
    row_cursor,
)
from connect_woocommerce.outbound import tracking_extension
from hub import Skip, hookimpl
from hub.context import ConnectorContext
from hub.errors import AuthenticationError, ConnectorError
from hub.outcomes import Outcome
from hub.records import (
    ConnectionReportDict,
    ImageRecordDict,
    OrderRecordDict,
    OrderStatusRecordDict,
    ProductRecordDict,
    ProductRefDict,
    StockRecordDict,
    StockSemantics,
)
from hub.toolkit import connection_failed

Item = tuple[Row | None, Row]  # (the variable product or None, a simple product or variation)

STOCKABLE = ("simple", "variable")
VARIATION_THREADS = 4  # parents whose variations are requested at once


def variations_of(wc: WooClient, product_id: int) -> list[Row]:
    """Every variation of one variable product, by id."""
    found: list[Row] = []
    page = 1
    while True:
        rows, _total = wc.rows(
            f"products/{int(product_id)}/variations",
            {"per_page": wc.page_size, "page": page, "orderby": "id", "order": "asc"},
        )
        found.extend(rows)
        if len(rows) < wc.page_size:
            return found
        page += 1


def stockable_items(wc: WooClient, pages: Iterable[list[Row]]) -> Iterator[Item]:
    """(parent or None, item) for the simple products and the variations of the variable
    products of ``pages`` (an iterable of product pages), in page order."""
    with ThreadPoolExecutor(VARIATION_THREADS, thread_name_prefix="woocommerce-variations") as pool:
        try:
            for page in pages:
                pending: list[tuple[Row, Future[list[Row]] | None]] = [
                    (
                        p,
                        pool.submit(variations_of, wc, p["id"])
                        if p.get("type") == "variable"
                        else None,
                    )
                    for p in page
                    if p.get("type") in STOCKABLE
                ]
                for product, future in pending:
                    if future is None:
                        yield None, product
                    else:
                        for variation in future.result():
                            yield product, variation
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()
            pool.shutdown(wait=True, cancel_futures=True)


def catalogue(wc: WooClient) -> Iterator[Item]:
    """Every stockable item of the store, products by id (the full read)."""
    return stockable_items(wc, wc.page_stream("products", {"orderby": "id", "order": "asc"}))


# -- products ----------------------------------------------------------------------------------


def product_records(
    wc: WooClient, items: Iterable[Item], cursor_of: Callable[[Row], str]
) -> Iterator[ProductRecordDict | Outcome]:
    """ProductRecords (or outcomes) of (parent, item) pairs; ``cursor_of(owner)`` the cursor
    of a simple product or of a variation's parent."""
    unit, currency = wc.weight_unit(), wc.currency()
    for parent, item in items:
        yield mapping.product_record(
            item,
            cursor=cursor_of(parent if parent is not None else item),
            unit=unit,
            currency=currency,
            parent=parent,
        )


@hookimpl
def hub_fetch_products(ctx: ConnectorContext) -> Iterator[ProductRecordDict | Outcome]:
    wc = WooClient(ctx)
    return product_records(wc, catalogue(wc), lambda owner: mapping.id_cursor(owner["id"]))


@hookimpl
def hub_fetch_new_products(
    ctx: ConnectorContext, since: str | None
) -> Iterator[ProductRecordDict | Outcome]:
    """Products created after ``since`` (``after`` + ``dates_are_gmt``), with all their
    variations; a variation added later to an older product arrives with Update products."""
    wc = WooClient(ctx)
    items = stockable_items(wc, wc.since_pages("products", since, CREATED))
    return product_records(wc, items, lambda owner: row_cursor(owner, CREATED.field))


@hookimpl
def hub_fetch_products_by_id(
    ctx: ConnectorContext, external_ids: list[str]
) -> Iterator[ProductRecordDict | Outcome]:
    """The stockable items of these products (a webhook's ids: a simple product, or a
    variable product whose variations are all read); ids the store no longer has are left
    out."""
    wc = WooClient(ctx)
    found = wc.by_id("products", [i for i in external_ids if str(i).isdigit()])
    pages = [[found[i] for i in sorted(found)]]
    return product_records(
        wc, stockable_items(wc, pages), lambda owner: mapping.id_cursor(owner["id"])
    )


def _image(product_id: str, image: Row, position: int) -> ImageRecordDict:
    return {
        "product_external_id": str(product_id),
        "url": image["src"],
        "external_id": str(image["id"]) if image.get("id") else None,
        "position": position,
        "alt": mapping.text(image.get("alt")),
    }


@hookimpl
def hub_fetch_product_images(
    ctx: ConnectorContext, products: list[ProductRefDict]
) -> Iterator[ImageRecordDict | Outcome]:
    """A simple product's ``images``; a variation's own ``image``, else its parent's."""
    wc = WooClient(ctx)
    wanted = [p for p in products if str(p.get("external_id") or "").isdigit()]
    by_parent: dict[int | None, list[ProductRefDict]] = {}
    for p in wanted:
        parent = str(p.get("parent") or (p.get("store_refs") or {}).get("parent_id") or "")
        by_parent.setdefault(int(parent) if parent.isdigit() else None, []).append(p)
    parents = wc.by_id("products", [k for k in by_parent if k is not None])
    simple = wc.by_id("products", [p["external_id"] for p in by_parent.get(None, [])])
    for parent_id, asked in by_parent.items():
        rows = (
            simple
            if parent_id is None
            else wc.by_id(f"products/{parent_id}/variations", [p["external_id"] for p in asked])
        )
        for product in asked:
            raw = rows.get(int(product["external_id"]))
            if raw is None:
                yield Skip(
                    reference=product.get("sku") or product["external_id"],
                    message=f"WooCommerce product {product.get('sku')} no longer exists: "
                    "no images.",
                    code="product_gone",
                    external_id=product["external_id"],
                )
                continue
            images = raw.get("images") if parent_id is None else None
            if parent_id is not None:
                own = raw.get("image")
                images = [own] if own else (parents.get(parent_id) or {}).get("images")
            usable = [i for i in images or [] if isinstance(i, dict) and i.get("src")]
            for position, image in enumerate(usable):
                yield _image(product["external_id"], image, position)


# -- orders ------------------------------------------------------------------------------------


@hookimpl
def hub_fetch_new_orders(
    ctx: ConnectorContext, since: str | None
) -> Iterator[OrderRecordDict | Outcome]:
    for raw in _orders_since(ctx, since, CREATED):
        yield mapping.order_record(raw, CREATED.field)


@hookimpl
def hub_fetch_order_updates(
    ctx: ConnectorContext, since: str | None
) -> Iterator[OrderStatusRecordDict | Outcome]:
    for raw in _orders_since(ctx, since, MODIFIED):
        yield mapping.status_record(raw, MODIFIED.field)


def _orders_since(ctx: ConnectorContext, since: str | None, order: Since) -> Iterator[Row]:
    """The store's orders after the cursor ``since`` in the ``order`` they are read by."""
    for page in WooClient(ctx).since_pages("orders", since, order):
        yield from page


@hookimpl
def hub_count_open_orders(ctx: ConnectorContext, since: str) -> int | None:
    """One ``GET /orders?per_page=1`` whose ``X-WP-Total`` is the answer
    (https://woocommerce.github.io/woocommerce-rest-api-docs/#list-all-orders: ``status``
    takes a comma-separated list, ``after`` with ``dates_are_gmt`` compares the GMT creation
    date): ``status=pending,processing,on-hold``, the statuses ``mapping`` maps to not
    cancelled (cancelled, failed), not refunded, not fulfilled (completed). ``after`` is
    exclusive (WP_Date_Query): asked one second earlier, as the feeds read. An order in a
    status an extension registers is not counted (the hub imports it)."""
    when, _ = parse_since(since)
    params: dict[str, object] = {"status": ",".join(mapping.OPEN), "per_page": 1}
    if when is not None:
        params.update(after=(when - ONE_SECOND).strftime(WC_TIME), dates_are_gmt="true")
    _rows, total = WooClient(ctx).rows("orders", params)
    return total


@hookimpl
def hub_fetch_order(ctx: ConnectorContext, external_id: str) -> OrderRecordDict | Outcome | None:
    if not str(external_id).isdigit():
        return None
    raw = WooClient(ctx).get(f"orders/{int(external_id)}", missing_ok=True)
    if raw is None or raw.get("status") == "trash":
        return None
    return mapping.order_record(raw, CREATED.field)


# -- stock -------------------------------------------------------------------------------------


@hookimpl
def hub_stock_semantics(ctx: ConnectorContext) -> StockSemantics:
    """``sellable``: WooCommerce takes an order's stock when the order is paid or put on hold
    (``wc_maybe_reduce_stock_levels`` on ``woocommerce_payment_complete`` and the statuses
    processing, completed and on-hold) and gives it back when it is cancelled or returns to
    pending (``wc_maybe_increase_stock_levels``), once per line (``_reduced_stock``), in
    ``includes/wc-stock-functions.php``. ``stock_quantity`` is what it can still sell."""
    return "sellable"


@hookimpl
def hub_fetch_stock_levels(ctx: ConnectorContext) -> Iterator[StockRecordDict | Outcome]:
    wc = WooClient(ctx)
    for parent, item in catalogue(wc):
        yield mapping.stock_record(item, parent)


# -- connection --------------------------------------------------------------------------------


@hookimpl
def hub_check_connection(ctx: ConnectorContext) -> ConnectionReportDict:
    wc = WooClient(ctx)
    details: dict[str, object] = {"api": "wc/v3", "auth": wc.auth_method}
    problems: list[str] = []
    try:
        details["weight_unit"] = wc.weight_unit()
        details["currency"] = wc.currency()
    except AuthenticationError:
        raise
    except ConnectorError as exc:
        return connection_failed(exc, details)
    if details["weight_unit"] not in mapping.KG_PER_UNIT:
        problems.append(f"weight unit {details['weight_unit']!r} is not kg, g, lbs or oz")
    details["shipment_tracking"] = tracking_extension(wc)
    if not details["shipment_tracking"]:
        details["shipment_tracking_note"] = (
            "the Shipment Tracking extension is not active: tracking numbers go in an order note"
        )
    return {
        "ok": not problems,
        # the settings answered with these credentials: connected even when the site's name
        # (the REST index) is not served and only a setting is missing
        "connected": True,
        "store_name": _site_name(wc),
        "details": details,
        "problems": problems,
    }


def _site_name(wc: WooClient) -> str | None:
    """The site's name from the REST index (``GET /wp-json/``), None when it is not served."""
    try:
        index = wc.get("/wp-json/", missing_ok=True)
    except ConnectorError:
        return None
    return mapping.text(index.get("name")) if isinstance(index, dict) else None
