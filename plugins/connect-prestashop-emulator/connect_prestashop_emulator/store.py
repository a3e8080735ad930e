"""The emulator's in-memory store and the Webservice query semantics on it.

Rows are compact dicts holding only the values that differ from the resource's defaults; values
are strings (as PrestaShop's JSON renders every value except ``id``), i18n fields are
``{id_lang: text}`` and associations ``{name: [{...}, ...]}``.

Query parameters follow ``WebserviceRequest::manageFilters`` and ``SQLUtils::getSQLRetrieveFilter``:
``filter[field]=[a|b]`` (OR), ``[a,b]`` (interval, inclusive), ``[x]`` (literal), ``[x]%``,
``%[x]``, ``%[x]%`` (begins / ends / contains; case-insensitive), ``sort=[f_ASC,g_DESC]``,
``limit=n`` or ``offset,n``, ``date=1`` required to filter or sort on ``date_add``/``date_upd``.
"""

import difflib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from connect_prestashop_emulator.resources import RESOURCES
from hub.testing.locks import ReadWriteLock
from hub.testing.paging import by_offset

DATE_FIELDS = ("date_add", "date_upd")


class WebserviceError(Exception):
    """An error the Webservice reports: HTTP status, PrestaShop error code and message."""

    def __init__(self, status, message, code):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def did_you_mean(status, message, value, choices, code):
    """``setErrorDidYouMean``: the label, the closest valid value, the full list."""
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.0)
    hint = f' Did you mean: "{close[0]}"?' if close else ""
    return WebserviceError(
        status, f'{message}.{hint} The full list is: "' + '", "'.join(choices) + '"', code
    )


class Table:
    def __init__(self, resource):
        self.resource = resource
        self.rows = {}  # id -> row, kept in id order (ids only grow)
        self.next_id = 1
        self.version = 0
        self._sorted = {}

    def insert(self, row, row_id=None):
        row_id = row_id or self.next_id
        row["id"] = row_id
        self.rows[row_id] = row
        self.next_id = max(self.next_id, row_id + 1)
        self.touch()
        return row

    def touch(self):
        self.version += 1
        self._sorted.clear()

    def value(self, row, name):
        if name in row:
            return row[name]
        return self.resource.default(name)

    def sorted_ids(self, sorts):
        """Ids ordered by ``sorts`` [(field, desc)], memoised until the next write."""
        key = tuple(sorts)
        cached = self._sorted.get(key)
        if cached is not None:
            return cached
        ids = list(self.rows)
        for name, desc in reversed(sorts):  # stable sorts, least significant first
            if name == "id":
                ids.sort(reverse=desc)
                continue
            numeric = self.resource.is_numeric(name)

            def sort_key(i, name=name, numeric=numeric):
                value = self.value(self.rows[i], name)
                if isinstance(value, dict):
                    value = next(iter(value.values()), "")
                if numeric:
                    try:
                        return float(value or 0)
                    except ValueError:
                        return 0.0
                return str(value or "").lower()

            ids.sort(key=sort_key, reverse=desc)
        self._sorted[key] = ids
        return ids


class Store:
    """All tables, the shop clock and the write operations."""

    def __init__(self, timezone="Europe/Paris"):
        self.tables = {name: Table(res) for name, res in RESOURCES.items()}
        self.images = {}  # id_product -> [id_image, ...]
        self.lock = ReadWriteLock()  # reads side by side, writes alone: see app.create_app
        self.tz = ZoneInfo(timezone)
        self.writes = 0
        self._stock_index = None

    def __getitem__(self, name):
        return self.tables[name]

    def now(self):
        return datetime.now(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def config(self, name):
        for row in self.tables["configurations"].rows.values():
            if row.get("name") == name:
                return row.get("value")
        return None

    # -- queries -----------------------------------------------------------------------------

    def query(self, name, args):
        """Ids of ``name`` matching the request's filter, sort and limit parameters."""
        table = self.tables[name]
        resource = table.resource
        date_on = bool(args.get("date"))
        available = [
            f
            for f in resource.fields
            if f not in resource.i18n and (date_on or f not in DATE_FIELDS)
        ]
        if date_on:
            available += [f for f in DATE_FIELDS if f not in available]
        predicates = []
        for key, raw in args.items():
            match = re.fullmatch(r"filter\[(\w+)\]", key)
            if not match:
                continue
            field = match.group(1)
            if field not in available and field not in resource.i18n:
                raise did_you_mean(400, "This filter does not exist", field, available, 32)
            if raw == "":
                raise WebserviceError(400, f'The filter "{field}" is malformed.', 33)
            predicates.append(_predicate(table, field, raw))
        sorts = _parse_sort(args.get("sort"), available, resource)
        ids = table.sorted_ids(sorts or [("id", False)])
        if predicates:
            ids = _filter_ids(table, ids, predicates)
        limit = args.get("limit")
        if limit:
            parts = limit.split(",")
            if len(parts) > 2:
                raise WebserviceError(
                    400, 'The "limit" value has to be formed as this example: "5,25" or "10"', 39
                )
            try:
                numbers = [int(p.strip() or 0) for p in parts]
            except ValueError:
                numbers = [0, 0]
            offset, count = (0, numbers[0]) if len(numbers) == 1 else numbers
            ids = by_offset(ids, offset, count).items
        return ids

    # -- writes ------------------------------------------------------------------------------

    def stock_row(self, id_product, id_product_attribute=0):
        """The ``stock_availables`` row of a product / combination (single shop), or None."""
        rows = self._stock_rows_of(str(id_product))
        for row in rows:
            if row.get("id_product_attribute", "0") == str(id_product_attribute):
                return row
        return None

    def _stock_rows_of(self, id_product):
        """Stock rows by product, indexed once and rebuilt when rows were added (rows are never
        deleted: the resource forbids DELETE) or a row moved to another product (a PUT)."""
        table = self.tables["stock_availables"]
        index = self._stock_index
        if index is None or index[0] != len(table.rows):
            by_product = {}
            for row in table.rows.values():
                by_product.setdefault(row.get("id_product"), []).append(row)
            index = self._stock_index = (len(table.rows), by_product)
        rows = index[1].get(id_product, [])
        if any(r.get("id_product") != id_product for r in rows):
            self._stock_index = None
            return self._stock_rows_of(id_product)
        return rows

    def write_stock(self, row, quantity):
        row["quantity"] = str(quantity)
        if row.get("id_product_attribute", "0") != "0":
            self._resum_product_stock(row["id_product"])
        self.tables["stock_availables"].touch()

    def _resum_product_stock(self, id_product):
        """``StockAvailableCore::postSave`` (classes/stock/StockAvailable.php): saving a
        combination's row sets the product's row (``id_product_attribute`` = 0) to the SUM of
        its combinations' quantities."""
        total, product_row = 0, None
        for r in self._stock_rows_of(str(id_product)):
            if r.get("id_product_attribute", "0") == "0":
                product_row = r
            else:
                total += int(r.get("quantity") or 0)
        if product_row is not None:
            product_row["quantity"] = str(total)

    # -- order stock rules -------------------------------------------------------------------
    #
    # PrestaShop 8.1 with its defaults (PS_STOCK_MANAGEMENT=1, no legacy advanced stock
    # management, no packs in the emulator's catalogue):
    # * validateOrder takes the stock when the order is created, in whatever state it is created
    #   in, except PS_OS_CANCELED and PS_OS_ERROR (OrderDetail::checkProductStock);
    # * changeIdOrderState gives it back when the order moves to PS_OS_CANCELED / PS_OS_ERROR,
    #   and takes it again when it leaves them for a "logable" (validated) state
    #   (OrderHistory::changeIdOrderState);
    # * shipping, delivering or refunding an order never moves ``quantity``;
    # * ``reserved_quantity`` / ``physical_quantity`` are recomputed from the orders
    #   (Adapter\StockManager::updatePhysicalProductQuantity). They are not Webservice fields.

    def _error_or_canceled(self):
        """``$error_or_canceled_statuses`` of OrderHistory::changeIdOrderState."""
        return {self.config("PS_OS_ERROR"), self.config("PS_OS_CANCELED")}

    def _depends_on_stock(self, id_product):
        """``StockAvailable::dependsOnStock($id_product)``: the product row's flag (legacy
        advanced stock management computes the quantity; the order rules leave it alone)."""
        row = self.stock_row(id_product, 0)
        return row is not None and str(row.get("depends_on_stock") or "0") == "1"

    def _update_quantity(self, id_product, id_product_attribute, delta):
        """``StockAvailable::updateQuantity``: quantity += delta on the row, then the product row
        is re-summed (postSave). No row: nothing happens (the method returns false)."""
        row = self.stock_row(id_product, id_product_attribute)
        if row is None:
            return None
        self.write_stock(row, int(row.get("quantity") or 0) + delta)
        return row

    def place_order(self, order, id_state, when=None):
        """``PaymentModule::validateOrder`` for an order built by the caller (``order``: the
        orders row with ``associations.order_rows``, standing for the cart): insert it, take
        the stock of every row (``OrderDetail::checkProductStock``: ``StockAvailable::
        updateQuantity(..., -cart_quantity)`` unless the state is PS_OS_CANCELED or
        PS_OS_ERROR, or the product depends on stock), set its first state
        (``changeIdOrderState`` without a previous state: no stock rule applies), then "switch
        to back order if needed": when a row went below 0 and PS_STOCK_MANAGEMENT is on, a
        second state PS_OS_OUTOFSTOCK_PAID (the order has been paid) or
        PS_OS_OUTOFSTOCK_UNPAID (classes/PaymentModule.php, validateOrder). validateOrder
        itself never refuses an order for lack of stock; the front office's cart does
        (PS_ORDER_OUT_OF_STOCK), which the emulator's seed respects."""
        when = when or self.now()
        id_state = str(id_state)
        order = dict(order)
        order.update({"current_state": "0", "valid": "0", "date_add": when, "date_upd": when})
        lines = (order.get("associations") or {}).get("order_rows") or []
        if any(not line.get("id") for line in lines):  # id_order_detail: auto-increment
            last = max(
                (
                    int(line.get("id") or 0)
                    for o in self.tables["orders"].rows.values()
                    for line in (o.get("associations") or {}).get("order_rows") or []
                ),
                default=0,
            )
            for line in lines:
                if not line.get("id"):
                    last += 1
                    line["id"] = str(last)
        order = self.tables["orders"].insert(order)
        out_of_stock = False
        if id_state not in self._error_or_canceled():
            for line in (order.get("associations") or {}).get("order_rows") or []:
                pid, pa = line.get("product_id"), line.get("product_attribute_id") or "0"
                quantity = int(line.get("product_quantity") or 0)
                row = self.stock_row(pid, pa)
                before = int(row.get("quantity") or 0) if row is not None else 0
                if not self._depends_on_stock(pid):
                    self._update_quantity(pid, pa, -quantity)
                if before - quantity < 0:
                    out_of_stock = True
        self.add_history(order["id"], id_state, when=when, first=True)
        if out_of_stock and self.config("PS_STOCK_MANAGEMENT") == "1":
            paid = self._has_been_paid(order["id"])
            key = "PS_OS_OUTOFSTOCK_PAID" if paid else "PS_OS_OUTOFSTOCK_UNPAID"
            self.add_history(order["id"], self.config(key), when=when)
        return order

    def _has_been_paid(self, id_order):
        """``Order::hasBeenPaid``: one of its states so far has the ``paid`` flag."""
        states = self.tables["order_states"].rows
        return any(
            states.get(int(h["id_order_state"]), {}).get("paid") == "1"
            for h in self.tables["order_histories"].rows.values()
            if h.get("id_order") == str(id_order)
        )

    def add_history(self, id_order, id_state, id_employee="0", when=None, first=False):
        """``OrderHistory::changeIdOrderState`` + ``add``: the stock rules on the old and new
        states' ``logable`` flags, then ``current_state``, ``valid`` (= the new state's
        logable), the delivery date and ``date_upd``. ``first``: the order's first state, set
        by validateOrder (no previous state, so no stock rule)."""
        orders = self.tables["orders"]
        order = orders.rows[int(id_order)]
        states = self.tables["order_states"].rows
        state = states.get(int(id_state))
        old = None if first else states.get(int(order.get("current_state") or 0))
        if old is not None and state is not None:
            self._state_change_stock(order, old, state)
        now = when or self.now()
        history = self.tables["order_histories"].insert(
            {
                "id_employee": str(id_employee),
                "id_order_state": str(id_state),
                "id_order": str(id_order),
                "date_add": now,
            }
        )
        order["current_state"] = str(id_state)
        if state is not None:
            order["valid"] = state.get("logable", "0")
            if state.get("shipped") == "1" and order.get("delivery_date", "").startswith("0000"):
                order["delivery_date"] = now
        order["date_upd"] = now
        orders.touch()
        return history

    def _state_change_stock(self, order, old, new):
        """The three stock branches of ``OrderHistory::changeIdOrderState``
        (classes/order/OrderHistory.php), per order row, for products that do not depend on
        stock:
        * becoming logable from PS_OS_ERROR / PS_OS_CANCELED: ``updateQuantity(-quantity)``;
        * becoming unlogable into PS_OS_ERROR / PS_OS_CANCELED: ``updateQuantity(+quantity)``;
        * unlogable to unlogable, into PS_OS_ERROR / PS_OS_CANCELED from any other state (an
          unpaid order cancelled): ``updateQuantity(+quantity)``.
        Nothing else moves ``quantity``: not Refunded (it is not in the list; the vendor
        re-stocks a refund only through the partial-refund "re-stock" option, which the
        Webservice does not expose), not shipping. Moving from Canceled to an unlogable state
        (e.g. back to "Awaiting bank wire") takes nothing either: that is the vendor's code,
        kept as it is."""
        ec = self._error_or_canceled()
        old_id, new_id = str(old["id"]), str(new["id"])
        old_logable, new_logable = old.get("logable") == "1", new.get("logable") == "1"
        if new_logable and not old_logable:
            sign = -1 if old_id in ec else 0
        elif old_logable and not new_logable:
            sign = 1 if new_id in ec else 0
        elif not new_logable and not old_logable:
            sign = 1 if new_id in ec and old_id not in ec else 0
        else:
            sign = 0
        if not sign:
            return
        for line in (order.get("associations") or {}).get("order_rows") or []:
            pid = line.get("product_id")
            if self._depends_on_stock(pid):
                continue
            quantity = int(line.get("product_quantity") or 0)
            self._update_quantity(pid, line.get("product_attribute_id") or "0", sign * quantity)

    def reserved_quantities(self):
        """``StockManager::updateReservedProductQuantity`` (src/Adapter/StockManager.php):
        per (product, combination), SUM(product_quantity - product_quantity_refunded) over the
        orders whose current state is not ``shipped`` and that are ``valid`` or not in
        PS_OS_ERROR / PS_OS_CANCELED. Grouped by the order row's own combination, so the
        product row (``id_product_attribute`` = 0) of a product sold by combinations reserves
        nothing. The Webservice's order rows carry no refunded quantity: it counts as 0 (a
        state change alone refunds no quantity)."""
        states = self.tables["order_states"].rows
        ec = self._error_or_canceled()
        reserved = {}
        for order in self.tables["orders"].rows.values():
            state_id = str(order.get("current_state") or "0")
            state = states.get(int(state_id)) or {}
            if state.get("shipped") == "1":
                continue
            if order.get("valid") != "1" and state_id in ec:
                continue
            for line in (order.get("associations") or {}).get("order_rows") or []:
                key = (str(line.get("product_id")), str(line.get("product_attribute_id") or "0"))
                reserved[key] = reserved.get(key, 0) + int(line.get("product_quantity") or 0)
        return reserved

    def stock_figures(self, row, reserved=None):
        """(quantity, reserved_quantity, physical_quantity) of a stock row, as
        ``updatePhysicalProductQuantity`` leaves them: physical = quantity + reserved."""
        if reserved is None:
            reserved = self.reserved_quantities()
        quantity = int(row.get("quantity") or 0)
        key = (str(row.get("id_product")), str(row.get("id_product_attribute") or "0"))
        held = reserved.get(key, 0)
        return quantity, held, quantity + held


def _i18n_text(value):
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def _predicate(table, field, raw):  # noqa: C901 - PrestaShop's filter[] syntax (literal, %[x]% like, [a|b], [a,b] range), a branch per form
    """Turn one ``filter[field]`` value into a predicate on a row (SQLUtils semantics)."""
    numeric = table.resource.is_numeric(field)
    i18n = field in table.resource.i18n
    match = re.fullmatch(r"(%?)\[(.*)\](%?)", raw, re.S)
    if not match:
        values = [raw.lower()]

        def literal(row):
            return any(str(v).lower() in values for v in _i18n_text(table.value(row, field)))

        return literal
    before, inner, after = match.groups()
    if before or after:
        needle = inner.lower()

        def like(row):
            for text in _i18n_text(table.value(row, field)):
                text = str(text).lower()
                if before and after and needle in text:
                    return True
                if after and not before and text.startswith(needle):
                    return True
                if before and not after and text.endswith(needle):
                    return True
            return False

        return like
    if "," in inner and "|" not in inner and not i18n:
        low, high = (p.strip() for p in inner.split(",", 1))
        if numeric:
            low_n, high_n = _num(low), _num(high)

            def interval_n(row):
                value = _num(table.value(row, field))
                return value is not None and low_n <= value <= high_n

            return interval_n

        def interval(row):
            value = str(table.value(row, field))
            return low <= value <= high

        return interval
    options = [p.strip().lower() for p in inner.split("|")]
    if numeric:
        numbers = {_num(o) for o in options}

        def one_of_n(row):
            return _num(table.value(row, field)) in numbers

        return one_of_n

    def one_of(row):
        return any(str(v).lower() in options for v in _i18n_text(table.value(row, field)))

    return one_of


def _num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _filter_ids(table, ids, predicates):
    rows = table.rows
    return [i for i in ids if all(p(rows[i]) for p in predicates)]


def _parse_sort(raw, available, resource):
    if not raw:
        return []
    match = re.fullmatch(r"\[(.*)\]", raw)
    parts = match.group(1).split(",") if match else [raw]
    sorts = []
    for part in parts:
        name, _, direction = part.strip().rpartition("_")
        if not name or direction.upper() not in ("ASC", "DESC"):
            raise WebserviceError(
                400,
                'The "sort" value has to be formed as this example: '
                '"field_ASC" or \'[field_1_DESC,field_2_ASC,field_3_ASC,'
                '...]\' ("field" has to be an available field)',
                37,
            )
        if name not in available and name not in resource.i18n:
            raise WebserviceError(
                400,
                "Unable to filter by this field. However, these are "
                "available: " + ", ".join(available) + ", for i18n "
                "fields:" + ", ".join(sorted(resource.i18n)),
                38,
            )
        sorts.append((name, direction.upper() == "DESC"))
    return sorts
