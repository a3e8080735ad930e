"""Where to fix a problem: the dashboard page (the exact form) that removes an event's cause,
and what each failing go-live check asks for.

The feeds write what went wrong and a hint in words; this maps an event's code and data to
a link in the dashboard. Fixing some causes resolves their events by itself
(``hub.services.fixes``); the rest are retried or resolved from the event's page.
"""

from dataclasses import dataclass

from flask import url_for

from hub.models import Event, Product
from hub.services.fixes import held_order_of, shipping_method_of


@dataclass(frozen=True)
class Fix:
    label: str  # what the link says: the action, in the merchant's words
    url: str


def _back(event):
    return url_for("events.show", event_id=event.id)


def _unmapped_method(event):
    method = shipping_method_of(event)
    if not method:
        return None
    url = url_for(
        "integrations.show",
        integration_id=event.integration_id,
        method=method,
        next=_back(event),
    )
    # no #fragment: a page opened at one does not autofocus, and the row's field is focused
    return Fix(f"Map the shipping method “{method}” to a carrier", url)


def _unknown_skus(event):
    skus = [s for s in (event.details or {}).get("skus") or [] if s]
    if not skus:
        held = held_order_of(event)
        lines = ((held.payload or {}).get("lines") or []) if held else []
        skus = [line.get("sku") for line in lines if line.get("sku")]
    known = {p.sku: p for p in Product.select().where(Product.sku.in_(skus))} if skus else {}
    missing = [s for s in skus if s not in known]
    if skus and not missing:  # imported since: the order only waits for a retry
        product = known[skus[0]]
        return Fix(
            f"Product {product.sku} is in the hub now: check it, then Retry",
            url_for("catalog.show", product_id=product.id),
        )
    url = url_for("integrations.show", integration_id=event.integration_id)
    what = f" ({', '.join(missing[:3])}{'…' if len(missing) > 3 else ''})" if missing else ""
    return Fix(f"Import the products from the store{what}", url + "#feed-import_new_products")


def _credentials(event):
    url = url_for("integrations.edit", integration_id=event.integration_id)
    return Fix("Correct the credentials, then test the connection", url)


def _settings(event):
    url = url_for("integrations.edit", integration_id=event.integration_id)
    return Fix("Complete the integration's settings", url)


def _connection(event):
    url = url_for("integrations.show", integration_id=event.integration_id)
    return Fix("Test the connection to the store", url)


def _held(event):
    url = url_for("orders.held", integration=event.integration_id, q=event.reference)
    return Fix("See the order among the held orders", url)


def _order_or_product(event):
    details = event.details or {}
    if details.get("order_id"):
        return Fix("Open the order", url_for("orders.show", order_id=details["order_id"]))
    sku = details.get("sku")
    product = Product.get_or_none(Product.sku == sku) if sku else None
    if product is not None:
        return Fix(f"Open product {product.sku}", url_for("catalog.show", product_id=product.id))
    return None


FIXES = {
    "unmapped_shipping_method": _unmapped_method,
    "unknown_sku": _unknown_skus,
    "authentication": _credentials,
    "credentials_unreadable": _credentials,
    "configuration": _settings,
    "store_unavailable": _connection,
    "awaiting_payment": _held,
    "held_order_expired": _held,
}


def fix_for(event: Event):
    """The link that fixes ``event``'s cause, or None when the fix is in the store (invalid
    data) or nothing in the dashboard can help."""
    make = FIXES.get(event.code, _order_or_product)
    return make(event)


def check_fix(integration, check):
    """Where to fix a failing go-live check (``hub.services.golive.go_live_checks``): a URL,
    or None."""
    name = check.get("check") if isinstance(check, dict) else str(check)
    if name == "connection":
        return url_for("integrations.edit", integration_id=integration.id)
    if name and name.startswith("stock"):
        return url_for("integrations.show", integration_id=integration.id) + "#feed-import_stock"
    if name and "error" in name:
        return url_for("events.index", integration=integration.id, severity="error")
    return None
