"""The Alerts page: what the hub told people (or is about to, or could not), by email and
webhook, newest first: each alert with its integration, the event it came from, and its
messages' channel, recipient (a webhook by its host only) and state."""

from flask import render_template, request

from hub.bounds import as_id
from hub.models import Integration
from hub.services import alerts
from hub.web.common import keyset_page, protected_blueprint

bp = protected_blueprint("alerts", __name__, url_prefix="/alerts")


@bp.route("/")
def index():
    state = request.args.get("state") or None
    integration = request.args.get("integration", type=as_id)
    rows, next_before = keyset_page(alerts.alerts_query(state=state, integration=integration))
    deliveries = alerts.deliveries_of(rows)
    return render_template(
        "alerts/index.html",
        alerts=[(a, deliveries[a.id], alerts.alert_state(a, deliveries[a.id])) for a in rows],
        next_before=next_before,
        state=state,
        states=alerts.STATES,
        integration=integration,
        integrations=Integration.select().order_by(Integration.name),
    )
