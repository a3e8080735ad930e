"""Fixing a cause resolves the stale events it explains.

A merchant who corrects what an Error asked for should not also have to find and resolve the
old messages by hand (an open Error blocks go-live):

* a connection check that passes (credentials saved and tested, ``golive.check_connection``)
  resolves the runs' failures it explains: refused credentials, unreadable credentials, a
  store that could not be reached;
* a carrier mapping saved for a shipping method (``update_integration``) resolves the
  "shipping method has no carrier mapping" Errors of that method, and makes the orders they
  held due at the next "Retry held orders" run (or Retry on the event: imported at once).

Resolved events re-open by themselves if the problem is seen again (``hub.engine.events``).
"""

from hub.models import Event, HeldRecord, utcnow

# the run failures a working connection explains (hub.engine.runs._fail: the error's code)
CONNECTION_CODES = ("authentication", "credentials_unreadable", "store_unavailable")
UNMAPPED_METHOD = "unmapped_shipping_method"


def _open(integration_id, codes):
    return Event.select().where(
        (Event.integration == integration_id)
        & Event.code.in_(list(codes))
        & Event.resolved_at.is_null(True)
    )


def _resolve(events, by):
    ids = [e.id for e in events]
    if not ids:
        return 0
    return (
        Event.update(resolved_at=utcnow(), resolved_by=by)
        .where(Event.id.in_(ids) & Event.resolved_at.is_null(True))
        .execute()
    )


def resolve_connection_problems(integration):
    """The connection works now: its old failures (401, unreadable credentials, store down)
    are resolved. Returns how many."""
    if integration.id is None:  # a connection tested before the integration is saved
        return 0
    return _resolve(
        list(_open(integration.id, CONNECTION_CODES)), "hub: the connection test passed"
    )


def held_order_of(event):
    """The held order an order's event is about (held or expired), or None."""
    if not event.external_id:
        return None
    return HeldRecord.get_or_none(
        (HeldRecord.integration == event.integration_id)
        & (HeldRecord.kind == "order")
        & (HeldRecord.external_id == event.external_id)
        & HeldRecord.status.in_(["held", "expired"])
    )


def shipping_method_of(event, held=None):
    """The store's shipping method code an unmapped-method Error names: kept in its details
    (since issue 18), else read from the order it held."""
    method = (event.details or {}).get("shipping_method")
    if method:
        return method
    held = held or held_order_of(event)
    payload = (held.payload or {}) if held else {}
    return ((payload.get("shipping_method") or {}).get("code")) or None


def resolve_mapped_methods(integration):
    """Shipping methods that have a carrier now: their unmapped-method Errors are resolved,
    and the orders they held are due at the next retry run. Returns the events resolved."""
    mapping = integration.carrier_mapping or {}
    fixed = []
    for event in _open(integration.id, [UNMAPPED_METHOD]):
        held = held_order_of(event)
        if mapping.get(shipping_method_of(event, held) or ""):
            fixed.append((event, held))
    _resolve([event for event, _ in fixed], "hub: carrier mapping saved")
    due = [held.id for _, held in fixed if held is not None and held.status == "held"]
    if due:
        HeldRecord.update(next_check_at=utcnow()).where(HeldRecord.id.in_(due)).execute()
    return [event for event, _ in fixed]
