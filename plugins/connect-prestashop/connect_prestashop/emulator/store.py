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
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from connect_prestashop.emulator.resources import RESOURCES

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
        self.lock = threading.RLock()
        self.tz = ZoneInfo(timezone)
        self.writes = 0

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
            ids = ids[offset : offset + count]
        return ids

    # -- writes ------------------------------------------------------------------------------

    def write_stock(self, row, quantity):
        row["quantity"] = str(quantity)
        if row.get("id_product_attribute", "0") != "0":
            self._resum_product_stock(row["id_product"])
        self.tables["stock_availables"].touch()

    def _resum_product_stock(self, id_product):
        total, product_row = 0, None
        for r in self.tables["stock_availables"].rows.values():
            if r.get("id_product") != id_product:
                continue
            if r.get("id_product_attribute", "0") == "0":
                product_row = r
            else:
                total += int(r.get("quantity") or 0)
        if product_row is not None:
            product_row["quantity"] = str(total)

    def add_history(self, id_order, id_state, id_employee="0"):
        orders = self.tables["orders"]
        order = orders.rows[int(id_order)]
        state = self.tables["order_states"].rows.get(int(id_state))
        now = self.now()
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


def _i18n_text(value):
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def _predicate(table, field, raw):
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
