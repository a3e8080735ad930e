"""Shipping several orders at once: the dashboard's bulk ship form and CSV upload
(``order,tracking[,carrier]``) and the API's batch.

Each row ships on its own through :func:`hub.services.orders.ship_order` (its own
transaction, everything the order has left): a row that fails is reported with its reason and
the other rows go on. A row whose order already has a shipment with the row's tracking number is
reported as already shipped and not shipped again, so the same file uploaded twice ships nothing
twice. Like ``ship_order`` this queues no run: the front ends ship through
:func:`hub.feeds.shipping.ship_rows_and_confirm`, which queues each integration's confirmation
once.
"""

import csv
import io
from dataclasses import dataclass

from hub.errors import BadInput, HubError, NotFound
from hub.models import Integration, Order, Shipment
from hub.services.orders import _number_forms, find_order, ship_order

MAX_ROWS = 5000  # a CSV upload: more is refused as a whole (split the file)
HEADER_NAMES = {
    "order": "order",
    "order_number": "order",
    "number": "order",
    "order_id": "order",
    "tracking": "tracking_number",
    "tracking_number": "tracking_number",
    "carrier": "carrier",
    "tracking_url": "tracking_url",
}
POSITIONAL = ("order", "tracking_number", "carrier", "tracking_url")


@dataclass
class ShipRow:
    """One order to ship: ``order`` is an Order, its hub id, or the text a merchant gives (the
    store's number with or without ``#``, or the hub id); ``line`` is the CSV line it came
    from; ``problem`` a reason the row cannot even be tried (an unreadable CSV row)."""

    order: object
    tracking_number: str | None = None
    carrier: str | None = None
    tracking_url: str | None = None
    line: int | None = None
    problem: str | None = None


@dataclass
class ShipResult:
    row: ShipRow
    status: str  # shipped | already_shipped | error
    message: str
    order: Order | None = None
    shipment: Shipment | None = None

    @property
    def ok(self):
        return self.status != "error"


def order_for(ref, integration=None):
    """The order a bulk row names: by the store's number (with or without ``#``, in
    ``integration`` when given) first, then by hub id (``id:N`` too). Numbers come first
    because a merchant types the number they see; a hub id that happens to equal another
    order's number would otherwise make every such row ambiguous."""
    if isinstance(ref, Order) or (isinstance(ref, int) and not isinstance(ref, bool)):
        order = find_order(ref)
    else:
        text = str(ref or "").strip()
        if not text:
            raise BadInput("no order number")
        query = Order.select().where(Order.number.in_(_number_forms(text)))
        if integration is not None:
            query = query.where(Order.integration == integration)
        found = list(query.order_by(Order.id).limit(10))
        if len(found) > 1:
            listed = ", ".join(f"{o.integration.name} (id {o.id})" for o in found)
            raise BadInput(f"order {text} is in several stores: {listed}; give the hub id")
        if found:
            return found[0]
        try:
            order = find_order(text)
        except NotFound:
            raise NotFound(
                f"no order numbered {text} (give the store's order number or the hub id)"
            ) from None
    if integration is not None and order.integration_id != _id(integration):
        raise NotFound(f"order {order.number} is not an order of {_name(integration)}")
    return order


def _id(integration):
    return integration.id if isinstance(integration, Integration) else integration


def _name(integration):
    if isinstance(integration, Integration):
        return integration.name
    return Integration.get_by_id(integration).name


def already_shipped(order, tracking_number):
    """The order's shipment with this tracking number, if any (a row sent again)."""
    return (
        Shipment.select()
        .where((Shipment.order == order.id) & (Shipment.tracking_number == tracking_number))
        .order_by(Shipment.id)
        .first()
    )


def ship_rows(rows, *, user=None, integration=None, allow_duplicate_tracking=False):
    """Ship every row (each everything its order has left); a ShipResult per row, in order."""
    results = []
    for row in rows:
        results.append(_ship_row(row, user, integration, allow_duplicate_tracking))
    return results


def _ship_row(row, user, integration, allow_duplicate_tracking):
    if row.problem:
        return ShipResult(row, "error", row.problem)
    order = None
    try:
        order = order_for(row.order, integration)
        tracking = (row.tracking_number or "").strip()
        if not tracking:
            raise BadInput("no tracking number")
        previous = already_shipped(order, tracking)
        if previous is not None:
            return ShipResult(
                row,
                "already_shipped",
                f"already shipped with tracking {tracking} (shipment {previous.id}): "
                "not shipped again",
                order,
                previous,
            )
        shipment = ship_order(
            order,
            carrier=row.carrier,
            tracking_number=tracking,
            tracking_url=row.tracking_url,
            user=user,
            allow_duplicate_tracking=allow_duplicate_tracking,
        )
    except HubError as exc:
        return ShipResult(row, "error", str(exc), order)
    message = f"shipped with {shipment.carrier} {shipment.tracking_number}"
    return ShipResult(row, "shipped", message, order, shipment)


def _delimiter(text):
    """The first line's most used separator of , ; and tab (spreadsheets in some locales save
    CSV with semicolons); a comma when it has none."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(",;\t", key=lambda sep: (first.count(sep), sep == ","))


def read_ship_csv(text, default_carrier=None):
    """ShipRows from CSV text: ``order,tracking[,carrier[,tracking_url]]`` by position, or by
    a header naming them (order/order_number, tracking/tracking_number, carrier, tracking_url).
    A row without an order or a tracking number becomes a row with a ``problem``; blank lines
    are skipped. BadInput when the file is not CSV text or has too many rows."""
    if text.startswith("\ufeff"):
        text = text[1:]  # a spreadsheet's byte order mark
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    columns = POSITIONAL
    rows = []
    try:
        for values in reader:
            values = [v.strip() for v in values]
            if not any(values):
                continue
            line = reader.line_num
            names = [v.lower().replace(" ", "_") for v in values]
            if not rows and columns is POSITIONAL and names[0] in HEADER_NAMES:
                columns = [HEADER_NAMES.get(name) for name in names]
                if "order" not in columns or "tracking_number" not in columns:
                    raise BadInput("the header must name an order and a tracking column")
                continue
            if len(rows) >= MAX_ROWS:
                raise BadInput(f"more than {MAX_ROWS} rows: split the file")
            fields = {c: v for c, v in zip(columns, values, strict=False) if c and v}
            problem = None
            if not fields.get("order"):
                problem = "no order number"
            elif not fields.get("tracking_number"):
                problem = "no tracking number"
            rows.append(
                ShipRow(
                    order=fields.get("order", ""),
                    tracking_number=fields.get("tracking_number"),
                    carrier=fields.get("carrier") or default_carrier,
                    tracking_url=fields.get("tracking_url"),
                    line=line,
                    problem=problem,
                )
            )
    except csv.Error as exc:
        raise BadInput(f"not a readable CSV file: {exc}") from None
    if not rows:
        raise BadInput("the file has no rows: expected order,tracking[,carrier]")
    return rows
