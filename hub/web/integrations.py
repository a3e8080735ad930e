"""Integrations: list, add from a connector's settings schema (the connection tested before
saving), the set-up checklist, edit, test the connection, carrier and order-status mappings,
go-live and back to test mode, and the feeds' schedules."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from hub.db import db
from hub.engine.plugins import get_registry
from hub.engine.registry import FEED_TYPES
from hub.engine.runs import queue_run
from hub.engine.schedule import describe_next, update_feed_setting
from hub.errors import HubError, NeedsConfirmation
from hub.models import FeedRun, FeedSetting, Integration
from hub.models.orders import ORDER_STATUSES
from hub.services import golive, setup, webhooks
from hub.services.alerts import alert_recipients_summary, set_alert_recipients
from hub.services.integrations import (
    create_integration,
    integration_secrets,
    update_integration,
)
from hub.services.removal import removal_plan, remove_integration, running_runs
from hub.services.schedules import save_schedules
from hub.web.common import flash_queued, get_or_404, protected_blueprint, run_action, safe_path

bp = protected_blueprint("integrations", __name__, url_prefix="/integrations")


def connectors():
    registry = get_registry()
    return [registry.state(key) for key in registry.connectors()]


def _specs(connector):
    return get_registry().info(connector)["settings"]


def form_values(specs, form, *, editing=False):
    """Settings posted by the generated form -> values for create/update_integration.

    An empty secret while editing keeps the stored secret; an unchecked boolean is False.
    """
    values = {}
    for spec in specs:
        name = f"setting_{spec['name']}"
        if spec["type"] == "boolean":
            values[spec["name"]] = name in form
            continue
        raw = (form.get(name) or "").strip()
        if raw == "":
            if spec["secret"] and editing:
                continue
            if not editing:
                continue  # defaults apply; a missing required one is reported by the service
            values[spec["name"]] = None if not spec["required"] else raw
            continue
        values[spec["name"]] = raw
    return values


def _next_url(integration, anchor=""):
    """Back to the set-up checklist when the form came from it, else the integration's page."""
    if request.values.get("from_setup"):
        return url_for("integrations.setup_checklist", integration_id=integration.id) + anchor
    return url_for("integrations.show", integration_id=integration.id) + anchor


@bp.route("/")
def index():
    rows = list(Integration.select().order_by(Integration.name))
    return render_template("integrations/index.html", integrations=rows)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Add an integration: "Test connection" tries what the form holds without saving it
    (the report, the store's choices for its settings); "Add integration" saves it with its
    feeds held, tests it, and lands on its set-up checklist."""
    available = connectors()
    connector = request.values.get("connector")
    if connector and connector not in {s.key for s in available}:
        flash(f"Unknown connector {connector!r}.", "error")
        connector = None
    specs = _specs(connector) if connector else []
    confirm = None  # a confirmation checkbox to show: the store is already connected
    report, choices, sealed, kept, open_orders = None, {}, "", set(), None
    if request.method == "POST" and connector and "name" in request.form:
        values = form_values(specs, request.form)
        values = {**_unsealed(request.form.get("sealed_secrets")), **values}
        sealed = setup.seal_secrets(values, specs, current_user.session_token)
        kept = {s["name"] for s in specs if s["secret"] and values.get(s["name"])}
        if request.form.get("action") == "test":
            report, choices, open_orders = _test_draft(connector, values)
        else:
            integration, confirm = _submit(lambda: _add(connector, values), "add")
            if integration:
                return _added(integration)
    return render_template(
        "integrations/new.html",
        connectors=available,
        connector=connector,
        info=get_registry().info(connector) if connector else None,
        specs=specs,
        form=request.form,
        prefill=_prefill(specs),
        confirm=confirm,
        report=report,
        choices=choices,
        sealed_secrets=sealed,
        kept_secrets=kept,
        orders_since=_orders_since_value(),
        open_orders=open_orders,
    )


def _unsealed(token):
    """The credentials the form carried sealed, when they are still this session's."""
    secrets = setup.unseal_secrets(token, current_user.session_token)
    if token and not secrets:
        flash("Type the credentials again: the ones typed earlier are no longer kept.", "warning")
    return secrets


def _orders_since_value():
    """The form's date: as typed, else the default window's first day."""
    typed = (request.form.get("orders_since") or "").strip()
    return typed or setup.default_orders_since().date().isoformat()


def _test_draft(connector, values):
    """(report, store choices, open orders since the form's date or None) of the form's
    values, nothing saved."""
    try:
        draft = setup.draft_integration(
            connector, (request.form.get("url") or "").strip(), values, request.form.get("name")
        )
    except HubError as exc:
        flash(str(exc), "error")
        return None, {}, None
    report = setup.run_connection_test(draft)
    return report, setup.store_choices(draft, report), _open_orders(draft, report)


def _open_orders(draft, report):
    """The store's open orders placed since the form's date (None: not known, or the date
    is not one: that is said when the integration is added)."""
    try:
        since = setup.parse_orders_since(request.form.get("orders_since"))
    except HubError:
        return None
    return setup.open_orders_count(draft, since, report)


def _add(connector, values):
    return create_integration(
        (request.form.get("name") or "").strip(),
        connector,
        (request.form.get("url") or "").strip(),
        values,
        orders_since=setup.parse_orders_since(request.form.get("orders_since")),
        allow_duplicate=bool(request.form.get("allow_duplicate")),
        hold_feeds=True,
    )


def _added(integration):
    """Test the new integration's connection (a pass enables its feeds), say what follows,
    and show its checklist."""
    report = setup.run_connection_test(integration)
    if report.get("ok"):
        flash(
            f"Integration {integration.name} added in test mode; its connection works and its "
            "feeds are enabled. Next: the steps below.",
            "success",
        )
    else:
        flash(
            f"Integration {integration.name} added in test mode, with its feeds disabled until "
            "a connection test passes: "
            + ("; ".join(report.get("problems") or []) or "the connection failed"),
            "warning",
        )
    return redirect(url_for("integrations.setup_checklist", integration_id=integration.id))


def _submit(action, verb):
    """``(what action() returned, None)``, or ``(None, the confirmation to ask for)`` when
    the store is already connected, or ``(None, None)`` after any other refusal (flashed)."""
    try:
        return action(), None
    except NeedsConfirmation as exc:
        flash(f"{exc}. Tick the box below to {verb} it anyway.", "error")
        return None, exc.confirm
    except HubError as exc:
        flash(str(exc), "error")
        return None, None


def _prefill(specs):
    """Values typed before a failed submit, shown again (never the secrets)."""
    return {
        s["name"]: request.form[f"setting_{s['name']}"]
        for s in specs
        if not s["secret"] and f"setting_{s['name']}" in request.form
    }


def _last_runs(integration):
    """The latest run of each feed of the integration (one small query per feed)."""
    last = {}
    for fs in integration.feed_settings:
        last[fs.feed] = (
            FeedRun.select()
            .where(FeedRun.integration == integration, FeedRun.feed == fs.feed)
            .order_by(FeedRun.id.desc())
            .first()
        )
    return last


@bp.route("/<int:integration_id>")
def show(integration_id):
    integration = get_or_404(Integration, integration_id)
    feeds = list(
        FeedSetting.select().where(FeedSetting.integration == integration).order_by(FeedSetting.id)
    )
    # the methods of imported and held orders and of the mapping, by the names the store gives
    used = setup.shipping_methods(integration)
    methods = sorted(m["code"] for m in used)
    method_titles = {m["code"]: m["title"] for m in used if m["title"] and m["title"] != m["code"]}
    checks = None
    if integration.mode == "test" and request.args.get("checks"):
        try:
            checks = golive.go_live_checks(integration)
        except HubError as exc:
            flash(str(exc), "error")
    return render_template(
        "integrations/show.html",
        integration=integration,
        feeds=feeds,
        last_runs=_last_runs(integration),
        describe=describe_next,
        feed_types=FEED_TYPES,
        methods=methods,
        method_titles=method_titles,
        order_statuses=ORDER_STATUSES,
        checks=checks,
        checklist=setup.checklist(integration),
        webhooks=webhooks.webhook_status(integration),
    )


@bp.route("/<int:integration_id>/setup")
def setup_checklist(integration_id):
    """The set-up checklist: each step done or to do, with the button that does it."""
    integration = get_or_404(Integration, integration_id)
    return render_template(
        "integrations/setup.html",
        integration=integration,
        checklist=setup.checklist(integration),
        carriers=_known_carriers(),
    )


def _known_carriers():
    """The carriers already used in any integration's mapping (the form's suggestions)."""
    carriers = set()
    for (mapping,) in Integration.select(Integration.carrier_mapping).tuples():
        carriers.update(v for v in (mapping or {}).values() if v)
    return sorted(carriers)


@bp.route("/<int:integration_id>/edit", methods=["GET", "POST"])
def edit(integration_id):
    integration = get_or_404(Integration, integration_id)
    specs = _specs(integration.connector)
    confirm = None
    if request.method == "POST":
        saved, confirm = _submit(lambda: _save(integration, specs), "save")
        if saved:
            flash("Settings saved.", "success")
            return redirect(url_for("integrations.show", integration_id=integration.id))
        integration = Integration.get_by_id(integration.id)  # what is stored, not the attempt
    try:
        stored_secrets = set(integration_secrets(integration))
        secrets_unreadable = False
    except HubError:  # HUB_SECRET_KEY changed: the credentials are entered again
        stored_secrets, secrets_unreadable = set(), True
    return render_template(
        "integrations/edit.html",
        integration=integration,
        specs=specs,
        stored_secrets=stored_secrets,
        secrets_unreadable=secrets_unreadable,
        choices=setup.store_choices(integration),
        alerts=alert_recipients_summary(integration),
        confirm=confirm,
    )


def _save(integration, specs):
    """The Edit form: settings and credentials, and who gets the integration's alerts (the
    webhooks are never shown back: an empty field keeps them). Returns the integration."""
    form = request.form
    webhooks = (form.get("alert_webhooks") or "").strip()
    with db.atomic():
        update_integration(
            integration,
            values=form_values(specs, form, editing=True),
            url=(form.get("url") or "").strip() or None,
            name=(form.get("name") or "").strip() or None,
            allow_duplicate=bool(form.get("allow_duplicate")),
        )
        set_alert_recipients(
            integration,
            emails=form.get("alert_emails") if "alert_emails" in form else None,
            webhooks=[] if form.get("alert_webhooks_clear") else (webhooks or None),
        )
    return integration


@bp.route("/<int:integration_id>/check", methods=["POST"])
def check(integration_id):
    integration = get_or_404(Integration, integration_id)
    try:
        report = setup.run_connection_test(integration)
    except HubError as exc:
        report = {
            "ok": False,
            "connected": False,
            "store_name": None,
            "details": {},
            "problems": [str(exc)],
        }
    store = report.get("store_name") or integration.base_url
    if report.get("ok"):
        flash(f"Connection OK: {store}.", "success")
    elif report.get("connected"):
        flash(
            f"Connected to {store}, but the set-up is incomplete: "
            + "; ".join(report.get("problems") or ["no detail"]),
            "warning",
        )
    else:
        flash(
            "Connection failed: " + ("; ".join(report.get("problems") or []) or "no detail"),
            "error",
        )
    if report.get("connected"):  # the names of the store ids the report shows
        golive.learn_setting_labels(integration)
    return render_template(
        "integrations/check.html",
        integration=integration,
        report=report,
        from_setup=bool(request.form.get("from_setup")),
    )


@bp.route("/<int:integration_id>/mappings", methods=["POST"])
def mappings(integration_id):
    integration = get_or_404(Integration, integration_id)
    carriers, statuses = {}, {}
    for key, value in request.form.items():
        if key.startswith("carrier__"):
            carriers[key[len("carrier__") :]] = value.strip()
        elif key.startswith("status__") and value.strip():
            statuses[key[len("status__") :]] = value.strip()
    new_method = (request.form.get("new_method") or "").strip()
    if new_method:
        carriers[new_method] = (request.form.get("new_carrier") or "").strip()
    new_status = (request.form.get("new_store_status") or "").strip()
    if new_status:
        statuses[new_status] = (request.form.get("new_hub_status") or "").strip()
    for store_status in request.form.getlist("remove_status"):
        statuses[store_status] = ""  # an empty hub status removes the mapping
    run_action(
        lambda: update_integration(integration, carriers=carriers, statuses=statuses),
        "Mappings saved.",
    )
    if request.form.get("from_setup"):
        return redirect(_next_url(integration, "#step-carriers"))
    back = safe_path(request.form.get("next"))  # the event whose fix link led here
    return redirect(
        back or url_for("integrations.show", integration_id=integration.id) + "#mappings"
    )


@bp.route("/<int:integration_id>/go-live", methods=["POST"])
def go_live(integration_id):
    integration = get_or_404(Integration, integration_id)
    ok, result = run_action(
        lambda: golive.go_live(
            integration,
            force=bool(request.form.get("force")),
            confirm_test_shipments=bool(request.form.get("confirm_test_shipments")),
            user=current_user._get_current_object(),
        )
    )
    if ok and result and result.get("live"):
        flash(
            f"{integration.name} is now in production mode: stock and shipments are "
            "sent to the store.",
            "success",
        )
    elif ok:
        failed = [c["check"] for c in result.get("checks", []) if not c["ok"]]
        flash("Not switched: fix the failed checks or force it: " + ", ".join(failed), "error")
        return redirect(url_for("integrations.show", integration_id=integration.id, checks=1))
    return redirect(url_for("integrations.show", integration_id=integration.id))


@bp.route("/<int:integration_id>/webhooks", methods=["POST"])
def register_webhooks(integration_id):
    """Create or refresh the store's webhook subscriptions (a write to the store)."""
    integration = get_or_404(Integration, integration_id)
    run_action(
        lambda: webhooks.register_webhooks(integration, force=bool(request.form.get("force"))),
        f"{integration.name}: webhooks registered in the store.",
    )
    return redirect(url_for("integrations.show", integration_id=integration.id) + "#webhooks")


@bp.route("/<int:integration_id>/test-mode", methods=["POST"])
def test_mode(integration_id):
    integration = get_or_404(Integration, integration_id)
    run_action(
        lambda: golive.back_to_test_mode(integration),
        f"{integration.name} is back in test mode: nothing is written to the store.",
    )
    return redirect(url_for("integrations.show", integration_id=integration.id))


def _feed_setting(integration, feed):
    fs = FeedSetting.get_or_none(FeedSetting.integration == integration, FeedSetting.feed == feed)
    if fs is None:
        abort(404)
    return fs


@bp.route("/<int:integration_id>/feeds/<feed>", methods=["POST"])
def feed_schedule(integration_id, feed):
    """One feed's schedule (the table saves them all at once: ``schedules``)."""
    integration = get_or_404(Integration, integration_id)
    fs = _feed_setting(integration, feed)
    cron = (request.form.get("cron") or "").strip()
    timezone = (request.form.get("timezone") or fs.timezone or "UTC").strip()
    enabled = bool(request.form.get("enabled"))
    run_action(
        lambda: update_feed_setting(
            integration, feed, cron=cron or None, enabled=enabled, timezone=timezone
        ),
        f"Schedule of {FEED_TYPES[feed].label if feed in FEED_TYPES else feed} saved.",
    )
    return redirect(url_for("integrations.show", integration_id=integration.id) + "#feeds")


@bp.route("/<int:integration_id>/schedules", methods=["POST"])
def schedules(integration_id):
    """The schedule table's one Save: every feed's cron, timezone and enabled box at once, all
    saved or none (a refused row is shown again as typed, with its error)."""
    integration = get_or_404(Integration, integration_id)
    form = request.form
    wanted = {
        fs.feed: {
            "cron": form.get(f"cron__{fs.feed}"),
            "timezone": form.get(f"timezone__{fs.feed}"),
            "enabled": f"enabled__{fs.feed}" in form,
        }
        for fs in integration.feed_settings
        if f"cron__{fs.feed}" in form
    }
    errors, warnings = save_schedules(integration, wanted)
    if errors:
        flash("Nothing saved: correct the schedules marked below.", "error")
        for feed, message in errors.items():
            flash(f"{FEED_TYPES[feed].label if feed in FEED_TYPES else feed}: {message}", "error")
        g.schedule_errors, g.schedule_form = errors, form
        return show(integration_id), 400
    flash("Schedules saved.", "success")
    for message in warnings.values():
        flash(f"Saved, but: {message}.", "warning")
    return redirect(url_for("integrations.show", integration_id=integration.id) + "#feeds")


@bp.route("/<int:integration_id>/remove", methods=["GET", "POST"])
def remove(integration_id):
    """Remove an integration (admins): the page spells out what happens to its data
    (hub.services.removal), the POST does it; refused while one of its runs is running."""
    integration = get_or_404(Integration, integration_id)
    if request.method == "POST":
        ok, _ = run_action(
            lambda: remove_integration(integration, user=current_user.username),
            f"Integration {integration.name} removed.",
        )
        if ok:
            return redirect(url_for("integrations.index"))
    return render_template(
        "integrations/remove.html",
        integration=integration,
        plan=removal_plan(integration),
        running=running_runs(integration),
    )


@bp.route("/<int:integration_id>/feeds/<feed>/run", methods=["POST"])
def run_now(integration_id, feed):
    integration = get_or_404(Integration, integration_id)
    _feed_setting(integration, feed)
    ok, run = run_action(lambda: queue_run(integration, feed, trigger="manual"))
    if ok:
        flash_queued(run, f"Run #{run.id} queued")
        if request.form.get("from_setup"):  # the checklist shows the run under way
            return redirect(_next_url(integration))
        return redirect(url_for("runs.show", run_id=run.id))
    return redirect(_next_url(integration, "" if request.form.get("from_setup") else "#feeds"))
