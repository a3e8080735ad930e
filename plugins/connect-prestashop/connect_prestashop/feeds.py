"""What each hook does, in terms of Webservice calls (``client``) and mapping (``mapping``).

Reference data (configuration, order states, carriers, countries, currencies, languages,
attribute values) is read once and kept five minutes in ``ctx.cache``, so a run (or the many
``hub_fetch_order`` calls of a retry run) reads it once.
"""

import re
from decimal import Decimal

from connect_prestashop import mapping
from connect_prestashop.client import PrestaShopClient
from hub import Skip, hookimpl
from hub.errors import ConfigurationError, StoreRejected
from hub.toolkit import chunked, connection_failed, failed, push_result, pushed, unchanged

REF_TTL = 300.0
MAX_ID = "999999999"
FAR_FUTURE = "2999-12-31 23:59:59"
ORDER_PAGE = 100
OPEN_ORDER_COUNT_LIMIT = 10_000  # ids listed to count open orders (~15 bytes each in JSON)
TRACKING_MAX = 64
CONFIG_KEYS = (
    "PS_LANG_DEFAULT",
    "PS_CURRENCY_DEFAULT",
    "PS_TIMEZONE",
    "PS_WEIGHT_UNIT",
    "PS_OS_CANCELED",
    "PS_OS_ERROR",
    "PS_OS_REFUND",
    "PS_OS_SHIPPING",
    "PS_OS_PAYMENT",
    "PS_SHOP_NAME",
)
# what the connector reads and writes, for the connection check ("{WRITE}": PATCH or PUT)
PERMISSIONS = {
    "products": ("GET",),
    "combinations": ("GET",),
    "product_option_values": ("GET",),
    "images": ("GET",),
    "stock_availables": ("GET", "{WRITE}"),
    "orders": ("GET",),
    "order_states": ("GET",),
    "order_histories": ("GET", "POST"),
    "order_carriers": ("GET", "{WRITE}"),
    "carriers": ("GET",),
    "addresses": ("GET",),
    "countries": ("GET",),
    "customers": ("GET",),
    "currencies": ("GET",),
    "configurations": ("GET",),
    "languages": ("GET",),
    "suppliers": ("GET",),
    "product_suppliers": ("GET",),
}
ADDRESS_DISPLAY = (
    "[id,firstname,lastname,company,address1,address2,city,postcode,id_country,"
    "id_state,phone,phone_mobile]"
)


class Feeds:
    def __init__(self, ctx):
        self.ctx = ctx
        self.client = PrestaShopClient(ctx)

    # -- reference data ----------------------------------------------------------------------

    def _cached(self, name, loader):
        key = ("prestashop", self.client.base_url, name)
        hit = self.ctx.cache.get(key)
        now = self.ctx.clock()
        if hit is not None and now - hit[0] < REF_TTL:
            return hit[1]
        value = loader()
        self.ctx.cache[key] = (now, value)
        return value

    def config(self):
        def load():
            shop = self.client.shop_params.get("id_shop")
            out, specific = {}, set()
            for row in self.client.rows(
                "configurations",
                display="[id,name,value,id_shop]",
                filters={"filter[name]": "[" + "|".join(CONFIG_KEYS) + "]"},
            ):
                name, row_shop = row.get("name"), str(row.get("id_shop") or "")
                if shop and row_shop == shop:
                    out[name] = row.get("value")
                    specific.add(name)
                elif name not in specific and (name not in out or not row_shop):
                    out[name] = row.get("value")
            return out

        return self._cached("config", load)

    def states(self):
        return self._cached(
            "order_states",
            lambda: {int(r["id"]): r for r in self.client.rows("order_states", display="full")},
        )

    def _id_map(self, resource, display, value):
        return self._cached(
            resource,
            lambda: {str(r["id"]): value(r) for r in self.client.rows(resource, display=display)},
        )

    def refs(self, *, products=False, orders=False):
        config = self.config()
        language = self.ctx.setting("language_id") or config.get("PS_LANG_DEFAULT")
        currencies = self._id_map("currencies", "[id,iso_code]", lambda r: r.get("iso_code"))
        refs = mapping.Refs(
            language_id=int(language) if str(language or "").isdigit() else None,
            timezone=mapping.zone(config.get("PS_TIMEZONE")),
            weight_factor=mapping.WEIGHT_UNITS.get(
                (config.get("PS_WEIGHT_UNIT") or "kg").strip().lower(), Decimal(1)
            ),
            currency=currencies.get(str(config.get("PS_CURRENCY_DEFAULT"))),
            currencies=currencies,
            config=config,
        )
        if products:
            refs.option_values = self._id_map(
                "product_option_values",
                "[id,name]",
                lambda r: mapping.i18n_or_empty(r.get("name")),
            )
        if orders:
            refs.states = self.states()
            refs.carriers = self._id_map("carriers", "[id,name]", lambda r: r.get("name"))
            refs.countries = self._id_map(
                "countries", "[id,iso_code]", lambda r: (r.get("iso_code") or "").upper() or None
            )
        return refs

    def shop_time(self, since, refs):
        """A hub cursor/ISO time → the shop's ``YYYY-MM-DD HH:MM:SS`` (shop time zone)."""
        from datetime import UTC, datetime

        value = since.split("|")[0].strip()
        if "T" in value or value.endswith("Z") or "+" in value:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(refs.timezone).strftime("%Y-%m-%d %H:%M:%S")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return value + " 00:00:00"
        return value

    # -- products ----------------------------------------------------------------------------

    def _refs_or_close(self, streams):
        try:
            return self.refs(products=True)
        except BaseException:
            for stream in streams:
                if stream is not None:
                    stream.close()
            raise

    def _product_streams(self, filters, by_date=False):
        """Products by id and combinations by (id_product, id), each read ahead by its own
        background thread (the store renders one page while the other is received and
        decoded). By date, the combinations are read per page of products instead."""
        products = self.client.stream(
            "products",
            display="full",
            filters=filters,
            date=by_date,
            prefetch=1,
            keep=mapping.PRODUCT_KEYS,
        )
        if by_date:
            return products, None
        combo_filters = {}
        if "filter[id]" in filters:
            combo_filters["filter[id_product]"] = filters["filter[id]"]
        combos = self.client.stream(
            "combinations",
            display="full",
            filters=combo_filters,
            sort="[id_product_ASC,id_ASC]",
            prefetch=2,
            keep=mapping.COMBINATION_KEYS,
        )
        return products, combos

    def _merge(self, products, combos, by_date=False):
        """(product, its combinations) in id order: a merge of the two sorted streams."""
        try:
            if by_date:
                for page in chunked(products, self.client.page_size):
                    found = self._combinations_of(page)
                    for raw in page:
                        yield raw, found.get(int(raw["id"]), [])
                return
            pending, started = None, False
            for raw in products:
                pid = int(raw["id"])
                declared = (raw.get("associations") or {}).get("combinations")
                if not started:
                    if not declared:
                        yield raw, []
                        continue
                    started, pending = True, next(combos, None)
                mine = []
                while pending is not None and int(pending.get("id_product") or 0) < pid:
                    pending = next(combos, None)  # a combination of a product we did not read
                while pending is not None and int(pending.get("id_product") or 0) == pid:
                    mine.append(pending)
                    pending = next(combos, None)
                if declared and not mine:  # created between the two reads: ask for them alone
                    mine = list(
                        self.client.rows(
                            "combinations",
                            display="full",
                            filters={"filter[id_product]": f"[{pid}]"},
                        )
                    )
                yield raw, mine
        finally:
            products.close()
            if combos is not None:
                combos.close()

    def _combinations_of(self, page):
        """The combinations of a page of products, by id_product (one paged interval read)."""
        with_combos = [
            int(r["id"]) for r in page if (r.get("associations") or {}).get("combinations")
        ]
        out = {}
        if not with_combos:
            return out
        interval = f"[{min(with_combos)},{max(with_combos)}]"
        for combo in self.client.rows(
            "combinations",
            display="full",
            sort="[id_product_ASC,id_ASC]",
            filters={"filter[id_product]": interval},
        ):
            out.setdefault(int(combo.get("id_product") or 0), []).append(combo)
        return out

    # -- orders ------------------------------------------------------------------------------

    def _order_lookups(self, rows):
        address_ids = {
            r.get(k) for r in rows for k in ("id_address_delivery", "id_address_invoice")
        }
        addresses = {
            str(a["id"]): a
            for a in self.client.by_values("addresses", "id", address_ids, display=ADDRESS_DISPLAY)
        }
        customers = {
            str(c["id"]): c.get("email") or None
            for c in self.client.by_values(
                "customers", "id", {r.get("id_customer") for r in rows}, display="[id,email]"
            )
        }
        return addresses, customers

    # -- stock -------------------------------------------------------------------------------

    def _push_one(self, item, parsed, row):
        wanted = int(item["quantity"])
        if row is None:
            return _result(
                item,
                "error",
                f"PrestaShop has no stock_available row for product "
                f"{parsed[0]} combination {parsed[1]}",
                hint="The product or combination was deleted in PrestaShop; "
                "re-import the products.",
            )
        if str(row.get("depends_on_stock")) == "1":
            return _result(
                item,
                "error",
                "PrestaShop computes this quantity from its warehouses "
                "(depends_on_stock = 1): it cannot be written",
                hint="Turn off advanced stock management for this product in "
                "PrestaShop, or exclude it from the stock export.",
            )
        try:
            current = int(row.get("quantity") or 0)
        except ValueError:
            current = None
        if current == wanted:
            return _result(item, "unchanged", store_quantity=current, external_id=row.get("id"))
        previous = item.get("previous")
        if previous is not None and current != previous:
            return _result(
                item,
                "conflict",
                f"PrestaShop has {current}, not the {previous} the "
                "hub last saw: the store's stock moved (an order or an edit) since",
                hint="Import new orders; the next export recomputes and pushes again.",
                store_quantity=current,
                external_id=row.get("id"),
            )
        try:
            saved = self.client.update(
                "stock_availables", "stock_available", row["id"], {"quantity": wanted}, current=row
            )
        except StoreRejected as exc:
            return _result(item, "error", exc.message, hint=exc.hint, external_id=row.get("id"))
        quantity = saved.get("quantity")
        return _result(
            item,
            "ok",
            store_quantity=int(quantity) if str(quantity).lstrip("-").isdigit() else wanted,
            external_id=row.get("id"),
        )

    # -- shipping ----------------------------------------------------------------------------

    def shipped_state(self, refs):
        chosen = self.ctx.setting("shipped_state_id") or refs.config.get("PS_OS_SHIPPING")
        if not str(chosen or "").isdigit() or int(chosen) not in refs.states:
            raise ConfigurationError(
                f"The shipped order state {chosen!r} does not exist in PrestaShop",
                hint="Choose the 'shipped' order state in the integration's settings.",
            )
        return int(chosen)

    # -- suppliers ---------------------------------------------------------------------------

    # -- connection --------------------------------------------------------------------------


# -- the hooks ------------------------------------------------------------------------------


@hookimpl
def hub_fetch_new_products(ctx, since):
    store = Feeds(ctx)
    filters, date, after, when = {}, False, None, None
    if since and re.fullmatch(r"\d+(-\d+)?", since.strip()):
        pid, _, pa = since.strip().partition("-")
        after = mapping.product_cursor(int(pid), int(pa) if pa else int(MAX_ID))
        filters["filter[id]"] = f"[{int(pid)},{MAX_ID}]"
    elif since:
        when, date = since, True
    if when is None:  # start both streams now: their first pages load with the references
        streams = store._product_streams(filters)
        refs = store._refs_or_close(streams)
    else:
        refs = store.refs(products=True)
        filters["filter[date_add]"] = f"[{store.shop_time(when, refs)},{FAR_FUTURE}]"
        streams = store._product_streams(filters, by_date=True)
    for raw, combos in store._merge(*streams, by_date=date):
        for item in mapping.product_records(raw, combos, refs):
            cursor = item["cursor"] if isinstance(item, dict) else item.cursor
            if after is not None and cursor <= after:
                continue
            yield item


@hookimpl
def hub_fetch_product_images(ctx, products):
    store = Feeds(ctx)
    wanted = []
    for item in products:
        parsed = mapping.split_external_id(item.get("external_id", ""))
        if parsed is None and item.get("parent"):
            parsed = mapping.split_external_id(item["parent"])
        wanted.append((item, parsed))
    for chunk in chunked(wanted, 100):
        pids = {p[0] for _, p in chunk if p}
        pas = {p[1] for _, p in chunk if p and p[1]}
        rows = {int(r["id"]): r for r in store.client.by_values("products", "id", pids)}
        combos = {int(r["id"]): r for r in store.client.by_values("combinations", "id", pas)}
        for item, parsed in chunk:
            ext = item.get("external_id") or ""
            product = rows.get(parsed[0]) if parsed else None
            if product is None:
                yield Skip(
                    reference=item.get("sku") or ext,
                    external_id=ext,
                    message=f"Product {ext} no longer exists in PrestaShop: no images",
                )
                continue
            ids = [
                str(i.get("id")) for i in (product.get("associations") or {}).get("images") or []
            ]
            default = str(product.get("id_default_image") or "")
            if default in ids:
                ids.remove(default)
                ids.insert(0, default)
            combo = combos.get(parsed[1]) if parsed[1] else None
            own = [
                str(i.get("id"))
                for i in ((combo or {}).get("associations") or {}).get("images") or []
            ]
            if own:
                ids = own + [i for i in ids if i not in own]
            for position, image_id in enumerate(i for i in ids if i.isdigit()):
                yield {
                    "product_external_id": ext,
                    "external_id": image_id,
                    "url": f"{store.client.api}/images/products/{parsed[0]}/{image_id}",
                    "position": position,
                    "alt": None,
                }


@hookimpl
def hub_fetch_new_orders(ctx, since):
    store = Feeds(ctx)
    refs = store.refs(orders=True)
    filters, date = {}, False
    if since and since.strip().isdigit():
        filters["filter[id]"] = f"[{int(since) + 1},{MAX_ID}]"
    elif since:
        filters["filter[date_add]"] = f"[{store.shop_time(since, refs)},{FAR_FUTURE}]"
        date = True
    for page in store.client.pages(
        "orders",
        display="full",
        filters=filters,
        date=date,
        page_size=min(ORDER_PAGE, store.client.page_size),
    ):
        addresses, emails = store._order_lookups(page)
        for raw in page:
            yield mapping.order_record(raw, refs, addresses, emails)


@hookimpl
def hub_count_open_orders(ctx, since):
    """The webservice has no count: ONE ``GET /api/orders?display=[id]`` of the orders placed
    since the date (``filter[date_add]=[from,to]&date=1``) in an open state
    (``filter[current_state]=[2|3|...]``, values ORed: https://devdocs.prestashop-project.org/
    8/webservice/tutorials/advanced-use/additional-list-parameters/), counted here. It lists
    ids only and at most ``OPEN_ORDER_COUNT_LIMIT`` + 1 of them: more, and the answer is None
    (too many to count cheaply). The order states come from the reference data the
    connection check has cached."""
    store = Feeds(ctx)
    refs = store.refs(orders=True)
    states = mapping.open_state_ids(refs)
    if not states:
        return 0
    params = {
        "display": "[id]",
        "filter[current_state]": "[" + "|".join(map(str, states)) + "]",
        "sort": "[id_ASC]",
        "limit": f"0,{OPEN_ORDER_COUNT_LIMIT + 1}",
    }
    if since:
        params.update({"filter[date_add]": f"[{store.shop_time(since, refs)},{FAR_FUTURE}]"})
        params["date"] = "1"
    rows = store.client.list_rows("orders", params)
    return len(rows) if len(rows) <= OPEN_ORDER_COUNT_LIMIT else None


@hookimpl
def hub_fetch_order(ctx, external_id):
    store = Feeds(ctx)
    if not str(external_id).strip().isdigit():
        return None
    rows = store.client.list_rows(
        "orders", {"display": "full", "filter[id]": f"[{int(external_id)}]"}
    )
    if not rows:
        return None
    addresses, emails = store._order_lookups(rows)
    return mapping.order_record(rows[0], store.refs(orders=True), addresses, emails)


@hookimpl
def hub_fetch_order_updates(ctx, since):
    store = Feeds(ctx)
    refs = store.refs(orders=True)
    filters = {}
    if since:
        filters["filter[date_upd]"] = f"[{store.shop_time(since, refs)},{FAR_FUTURE}]"
    for raw in store.client.rows(
        "orders",
        display="[id,reference,current_state,date_upd]",
        filters=filters,
        date=True,
        sort="[date_upd_ASC,id_ASC]",
    ):
        record = mapping.order_status_record(raw, refs)
        if since and "|" in since and isinstance(record, dict) and record["cursor"] <= since:
            continue  # the inclusive date filter re-reads the last second
        yield record


@hookimpl
def hub_fetch_stock_levels(ctx):
    store = Feeds(ctx)
    pending = None  # a product-level row (id_product_attribute 0), kept until we know
    # whether the product has combinations (then it is their total, not an item)
    for raw in store.client.rows(
        "stock_availables",
        display="full",
        sort="[id_product_ASC,id_product_attribute_ASC,id_ASC]",
    ):
        if str(raw.get("id_product_attribute") or "0") == "0":
            if pending is not None:
                yield mapping.stock_record(pending)
            pending = raw
            continue
        if pending is not None and str(pending.get("id_product")) == str(raw.get("id_product")):
            pending = None
        elif pending is not None:
            yield mapping.stock_record(pending)
            pending = None
        yield mapping.stock_record(raw)
    if pending is not None:
        yield mapping.stock_record(pending)


@hookimpl
def hub_push_stock_levels(ctx, items):
    store = Feeds(ctx)
    results = [None] * len(items)
    targets = []
    for index, item in enumerate(items):
        refs = item.get("store_refs") or {}
        parsed = None
        if str(refs.get("id_product", "")).isdigit():
            parsed = (int(refs["id_product"]), int(refs.get("id_product_attribute") or 0))
        else:
            parsed = mapping.split_external_id(item.get("external_id", ""))
        if parsed is None:
            results[index] = _result(
                item,
                "error",
                f"{item.get('external_id')!r} is not a PrestaShop product id",
                hint="Re-import the products.",
            )
            continue
        sa_id = refs.get("stock_available_id")
        targets.append((index, item, parsed, int(sa_id) if str(sa_id or "").isdigit() else None))
    by_id = {
        int(r["id"]): r
        for r in store.client.by_values("stock_availables", "id", [t[3] for t in targets if t[3]])
    }
    rows = {}
    missing = set()
    for index, _item, parsed, sa_id in targets:
        row = by_id.get(sa_id) if sa_id else None
        if (
            row is not None
            and (int(row.get("id_product") or 0), int(row.get("id_product_attribute") or 0))
            == parsed
        ):
            rows[index] = row
        else:
            missing.add(parsed[0])
    if missing:
        shop = store.client.shop_params.get("id_shop")
        found = {}
        for row in store.client.by_values("stock_availables", "id_product", missing):
            key = (int(row.get("id_product") or 0), int(row.get("id_product_attribute") or 0))
            if shop and str(row.get("id_shop")) != shop and key in found:
                continue
            found[key] = row
        for index, _item, parsed, _sa in targets:
            if index not in rows and parsed in found:
                rows[index] = found[parsed]
    for index, item, parsed, _sa in targets:
        results[index] = store._push_one(item, parsed, rows.get(index))
    return results


def _unshippable(store, shipment, tracking, oid):
    """(the order, None), or (None, the failed PushResult) when it cannot be confirmed."""
    key = shipment["shipment_id"]
    number = shipment.get("order_number") or shipment.get("order_external_id")
    if len(tracking) > TRACKING_MAX:
        return None, failed(
            key,
            f"Tracking number of order {number} has {len(tracking)} characters; PrestaShop "
            f"accepts at most {TRACKING_MAX}",
            hint="Correct the tracking number on the shipment (PrestaShop's "
            "order_carriers.tracking_number is limited to 64 characters).",
        )
    if not oid.isdigit():
        return None, failed(key, f"{oid!r} is not a PrestaShop order id")
    order = store.client.get_full("orders", oid)
    if order is None:
        return None, failed(key, f"Order {number} (id {oid}) no longer exists in PrestaShop")
    return order, None


def _order_carrier(store, oid, order):
    """The order_carrier row of the order's carrier (else the first one), or None."""
    carriers = list(
        store.client.rows(
            "order_carriers", display="full", filters={"filter[id_order]": f"[{oid}]"}
        )
    )
    return next(
        (c for c in carriers if str(c.get("id_carrier")) == str(order.get("id_carrier"))),
        carriers[0] if carriers else None,
    )


def _tracking_changes(row, tracking, already):
    """(notes, the order_carrier fields to change) for the tracking number."""
    if row is None:
        notes = ["the order has no order_carrier row, so the tracking number could not be stored"]
        return (notes if tracking else []), {}
    stored = (row.get("tracking_number") or "").strip()
    if not tracking or stored == tracking:
        return [], {}
    if stored and already:
        return [f"the store already has tracking number {stored}; kept"], {}
    return [], {"tracking_number": tracking}


def _move_to_shipped(store, oid, order, shipped_state, refs, notify):
    """Add the shipped state to the order's history unless it is (now) shipped; True if done.
    ``notify``: the hub's ``notify_customer`` (PrestaShop sends the state's e-mail)."""
    fresh = store.client.list_rows(
        "orders", {"display": "[id,current_state]", "filter[id]": f"[{oid}]"}
    )
    now = int((fresh[0] if fresh else order).get("current_state") or 0)
    if now == shipped_state or (refs.states.get(now) or {}).get("shipped") == "1":
        return False
    store.client.create(
        "order_histories",
        "order_history",
        {"id_order": oid, "id_order_state": shipped_state},
        params={"sendemail": "1"} if notify else None,
    )
    return True


@hookimpl
def hub_push_shipment(ctx, shipment):
    store = Feeds(ctx)
    key = shipment["shipment_id"]
    number = shipment.get("order_number") or shipment.get("order_external_id")
    tracking = (shipment.get("tracking_number") or "").strip()
    oid = str(shipment.get("order_external_id") or "").strip()
    order, refused = _unshippable(store, shipment, tracking, oid)
    if refused:
        return refused
    refs = store.refs(orders=True)
    shipped_state = store.shipped_state(refs)
    current = int(order.get("current_state") or 0)
    if mapping.is_cancelled(current, refs):
        return failed(
            key,
            f"Order {number} is cancelled (or in payment error) in PrestaShop: not confirmed",
            hint="Check the order in the store; mark the shipment resolved if the "
            "cancellation is right.",
        )
    already = current == shipped_state or (refs.states.get(current) or {}).get("shipped") == "1"
    row = _order_carrier(store, oid, order)
    row_id = row["id"] if row else None
    notes, changes = _tracking_changes(row, tracking, already)
    state_name = mapping.text(
        mapping.i18n_or_empty((refs.states.get(shipped_state) or {}).get("name")), None
    ) or str(shipped_state)
    try:
        if changes:
            store.client.update("order_carriers", "order_carrier", row_id, changes, current=row)
        posted = not already and _move_to_shipped(
            store, oid, order, shipped_state, refs, shipment.get("notify_customer")
        )
    except StoreRejected as exc:
        return failed(key, exc.message, hint=exc.hint, external_id=row_id)
    if not posted and not changes:
        message = f"Order {number} is already in state {state_name!r} in PrestaShop"
        return unchanged(key, "; ".join([message, *notes]), external_id=row_id)
    done = []
    if "tracking_number" in changes:
        done.append(f"tracking number {tracking} stored")
    if posted:
        done.append(f"order moved to {state_name!r}")
    return pushed(key, f"Order {number}: " + "; ".join(done + notes), external_id=row_id)


@hookimpl
def hub_fetch_suppliers(ctx):
    store = Feeds(ctx)
    for raw in store.client.rows("suppliers", display="[id,name,active]"):
        yield mapping.supplier_record(raw)


@hookimpl
def hub_fetch_product_suppliers(ctx):
    store = Feeds(ctx)
    refs = store.refs()
    for page in store.client.pages("product_suppliers", display="full"):
        pids = {
            r.get("id_product") for r in page if str(r.get("id_product_attribute") or "0") == "0"
        }
        with_combos = {
            str(c.get("id_product"))
            for c in store.client.by_values(
                "combinations", "id_product", pids, display="[id,id_product]"
            )
        }
        for raw in page:
            if (
                str(raw.get("id_product_attribute") or "0") == "0"
                and str(raw.get("id_product")) in with_combos
            ):
                continue  # the product-level row of a product sold by combinations
            yield mapping.product_supplier_record(raw, refs)


@hookimpl
def hub_check_connection(ctx):
    """The key's permissions on every resource the connector uses. A refused key raises
    AuthenticationError (the contract); a disabled webservice is a failed check."""
    store = Feeds(ctx)
    from hub.errors import StoreUnavailableError

    try:
        permissions, shop = store.client.resources()
    except StoreUnavailableError as exc:
        return connection_failed(exc, {"status": exc.status})
    write = store.client.write_method()
    problems = []
    for resource, methods in PERMISSIONS.items():
        for method in methods:
            method = write if method == "{WRITE}" else method
            if method not in permissions.get(resource, set()):
                problems.append(f"missing permission {method} on {resource}")
    details = {
        "version": store.client.version,
        "write_method": write,
        "resources": sorted(permissions),
    }
    if not problems:
        refs = store.refs(orders=True)
        try:
            details["shipped_state_id"] = store.shipped_state(refs)
        except ConfigurationError as exc:
            problems.append(exc.message)
        details["timezone"] = str(refs.timezone)
        details["currency"] = refs.currency
    return {"ok": not problems, "store_name": shop, "details": details, "problems": problems}


@hookimpl
def hub_setting_choices(ctx, setting):
    """Store-backed choices, the store's own default first (PS_OS_SHIPPING for the shipped
    state, PS_LANG_DEFAULT for the language): a form or a demo that takes the first
    choice gets the right one."""
    store = Feeds(ctx)
    refs = store.refs()
    if setting == "shipped_state_id":
        default = str(refs.config.get("PS_OS_SHIPPING") or "")
        states = [
            {
                "value": str(sid),
                "label": _i18n(row.get("name"), refs.language_id) + f" (id {sid})",
            }
            for sid, row in sorted(store.states().items())
            if row.get("deleted") != "1"
        ]
        return sorted(states, key=lambda c: c["value"] != default)
    if setting == "language_id":
        default = str(refs.config.get("PS_LANG_DEFAULT") or "")
        languages = [
            {"value": str(r["id"]), "label": f"{r.get('name')} ({r.get('iso_code')})"}
            for r in store.client.rows("languages", display="[id,name,iso_code,active]")
            if r.get("active") == "1"
        ]
        return sorted(languages, key=lambda c: c["value"] != default)
    return None


@hookimpl
def hub_fetch_products(ctx):
    return hub_fetch_new_products(ctx, None)


def _i18n(value, language_id):
    return mapping.text(mapping.i18n_or_empty(value), language_id)


def _result(item, status, message=None, *, hint=None, store_quantity=None, external_id=None):
    return push_result(
        item.get("sku") or item.get("external_id"),
        status,
        message,
        hint=hint,
        store_quantity=store_quantity,
        external_id=external_id,
    )
