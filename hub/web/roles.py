"""What an operator (a signed-in user who is not an admin) may open in the dashboard.

An explicit allow-list: every endpoint not listed here is for admins only, so a new page is
admin-only until someone decides otherwise (tests/test_security_auth.py holds the same table
and fails on an endpoint it does not know). hub.services.users describes the two roles.
"""

from flask import render_template, request
from flask_login import current_user

OPERATOR_ENDPOINTS = frozenset(
    {
        # seeing everything
        "overview.index",
        "overview.runs_chart",
        "overview.summary_page",  # last night: what ran, failed, changed
        "integrations.index",
        "integrations.show",
        "integrations.check",  # test the connection: reads, changes nothing
        "integrations.setup_checklist",  # the set-up steps, each done or to do
        "runs.index",
        "runs.show",
        "runs.progress",
        "events.index",
        "events.show",
        "alerts.index",
        "catalog.index",
        "catalog.show",
        "catalog.export",
        "catalog.stock_chart",
        "catalog.image",
        "orders.index",
        "orders.show",
        "orders.held",
        "orders.held_retry",  # re-fetch held orders: a retry run, as events.retry
        "outbox.index",
        "orders.export",
        "inventory.index",
        "inventory.movements",
        "inventory.export",
        "purchasing.index",
        "purchasing.show",
        "purchasing.export",
        "purchasing.recommendations",
        "purchasing.supplier",
        # running feeds and handling what they report
        "integrations.run_now",
        "events.resolve_view",
        "events.retry",
        "events.bulk",
        "events.export",
        "runs.apply_discrepancy",
        "runs.apply_discrepancies",
        "runs.export",
        "catalog.relink",
        "catalog.unlink",
        # shipping and orders
        "orders.ship",
        "orders.ship_many",  # several orders at once, ticked on the list
        "orders.ship_csv",  # an order,tracking CSV
        "orders.cancel",
        # stock
        "inventory.adjust",
        "inventory.transfer",
        # purchasing
        "purchasing.create",
        "purchasing.add_line",
        "purchasing.mark_ordered",
        "purchasing.receive",
        "purchasing.cancel",
        "purchasing.create_from_recommendations",
        "purchasing.create_supplier",
        "purchasing.link_product",
        # their own account
        "auth.logout",
        "auth.logout_everywhere",
        "auth.tokens",
        "auth.create",
        "auth.revoke",
        "auth.sessions",
        "auth.end_session",
        "users.me",  # "My settings": their time zone and password
        "users.me_timezone",
        "users.me_password",
    }
)
# ops.metrics: no login, its own bearer token or address allow-list (hub.web.ops)
PUBLIC_ENDPOINTS = frozenset(
    {"auth.login", "ops.healthz", "ops.metrics", "static", "webhooks.deliver"}
)


def may_open(user, endpoint):
    """Whether ``user`` (signed in) may use the dashboard ``endpoint``."""
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS or endpoint.startswith("api."):
        return True  # unknown URLs 404; the API checks its own routes
    return bool(user.is_admin) or endpoint in OPERATOR_ENDPOINTS


def check_role():
    """before_request: a signed-in operator asking for an admin page gets a 403."""
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.endpoint.startswith("api."):
        return None
    if not current_user.is_authenticated or may_open(current_user, request.endpoint):
        return None
    message = "This page is for admins: ask one to do it, or to make you an admin."
    return render_template("error.html", code=403, message=message), 403
