"""Integrations: list, add from a connector's settings schema, edit, test the connection,
carrier and order-status mappings, go-live and back to test mode, and the feeds' schedules."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from hub.errors import BadInput, HubError
from hub.feeds.registry import FEED_TYPES
from hub.models import FeedRun, FeedSetting, Integration, Order
from hub.plugins import get_registry
from hub.services.integrations import (
    ORDER_STATUSES,
    create_integration,
    integration_secrets,
    update_integration,
    validate_cron,
)
from hub.web.common import get_or_404, protected_blueprint, run_action
from hub.web.engine import engine_function, has

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


def store_choices(integration, specs):
    """{setting: [{value,label}]} for settings whose values come from the store (best effort)."""
    setting_choices = engine_function("hub.feeds.golive", "setting_choices")
    choices = {}
    if setting_choices is None or integration is None:
        return choices
    for spec in specs:
        if spec.get("choices_from_store"):
            try:
                choices[spec["name"]] = setting_choices(integration, spec["name"])
            except Exception:  # the store may be unreachable: fall back to a text field
                choices[spec["name"]] = None
    return choices


@bp.route("/")
def index():
    rows = list(Integration.select().order_by(Integration.name))
    return render_template("integrations/index.html", integrations=rows)


@bp.route("/new", methods=["GET", "POST"])
def new():
    available = connectors()
    connector = request.values.get("connector")
    if connector and connector not in {s.key for s in available}:
        flash(f"Unknown connector {connector!r}.", "error")
        connector = None
    specs = _specs(connector) if connector else []
    if request.method == "POST" and connector and "name" in request.form:
        try:
            integration = create_integration(
                (request.form.get("name") or "").strip(),
                connector,
                (request.form.get("url") or "").strip(),
                form_values(specs, request.form),
            )
        except HubError as exc:
            flash(str(exc), "error")
        else:
            flash(
                f"Integration {integration.name} added in test mode. Test its connection, "
                "then run its feeds.",
                "success",
            )
            return redirect(url_for("integrations.show", integration_id=integration.id))
    return render_template(
        "integrations/new.html",
        connectors=available,
        connector=connector,
        info=get_registry().info(connector) if connector else None,
        specs=specs,
        form=request.form,
        prefill=_prefill(specs),
    )


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
    describe = engine_function("hub.feeds.schedule", "describe_next")
    feeds = list(
        FeedSetting.select().where(FeedSetting.integration == integration).order_by(FeedSetting.id)
    )
    methods = [
        m
        for (m,) in Order.select(Order.shipping_method_code)
        .distinct()
        .where(Order.integration == integration, Order.shipping_method_code.is_null(False))
        .tuples()
    ]
    methods = sorted(set(methods) | set(integration.carrier_mapping or {}))
    checks = None
    go_live_checks = engine_function("hub.feeds.golive", "go_live_checks")
    if go_live_checks is not None and integration.mode == "test" and request.args.get("checks"):
        try:
            checks = go_live_checks(integration)
        except HubError as exc:
            flash(str(exc), "error")
    return render_template(
        "integrations/show.html",
        integration=integration,
        feeds=feeds,
        last_runs=_last_runs(integration),
        describe=describe,
        feed_types=FEED_TYPES,
        methods=methods,
        order_statuses=ORDER_STATUSES,
        checks=checks,
        can_check=has("hub.feeds.golive", "check_connection"),
        can_go_live=has("hub.feeds.golive", "go_live"),
        can_run=has("hub.feeds.runs", "queue_run"),
    )


@bp.route("/<int:integration_id>/edit", methods=["GET", "POST"])
def edit(integration_id):
    integration = get_or_404(Integration, integration_id)
    specs = _specs(integration.connector)
    if request.method == "POST":
        ok, _ = run_action(
            lambda: update_integration(
                integration,
                values=form_values(specs, request.form, editing=True),
                url=(request.form.get("url") or "").strip() or None,
                name=(request.form.get("name") or "").strip() or None,
            ),
            "Settings saved.",
        )
        if ok:
            return redirect(url_for("integrations.show", integration_id=integration.id))
    try:
        stored_secrets = set(integration_secrets(integration))
    except HubError:
        stored_secrets = set()
    return render_template(
        "integrations/edit.html",
        integration=integration,
        specs=specs,
        stored_secrets=stored_secrets,
        choices=store_choices(integration, specs),
    )


@bp.route("/<int:integration_id>/check", methods=["POST"])
def check(integration_id):
    integration = get_or_404(Integration, integration_id)
    check_connection = engine_function("hub.feeds.golive", "check_connection")
    if check_connection is None:
        flash("Testing the connection is not available yet.", "error")
        return redirect(url_for("integrations.show", integration_id=integration.id))
    try:
        report = check_connection(integration)
    except HubError as exc:
        report = {"ok": False, "store_name": None, "details": {}, "problems": [str(exc)]}
    if report.get("ok"):
        flash(f"Connection OK: {report.get('store_name') or integration.base_url}.", "success")
    else:
        flash(
            "Connection failed: " + ("; ".join(report.get("problems") or []) or "no detail"),
            "error",
        )
    return render_template("integrations/check.html", integration=integration, report=report)


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
    removed = request.form.getlist("remove_status")

    def save():
        update_integration(integration, carriers=carriers, statuses=statuses)
        if removed:
            mapping = dict(integration.status_mapping or {})
            for key in removed:
                mapping.pop(key, None)
            integration.status_mapping = mapping
            integration.save()

    run_action(save, "Mappings saved.")
    return redirect(url_for("integrations.show", integration_id=integration.id) + "#mappings")


@bp.route("/<int:integration_id>/go-live", methods=["POST"])
def go_live(integration_id):
    integration = get_or_404(Integration, integration_id)
    fn = engine_function("hub.feeds.golive", "go_live")
    if fn is None:
        flash("Going live is not available yet.", "error")
        return redirect(url_for("integrations.show", integration_id=integration.id))
    ok, result = run_action(
        lambda: fn(
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


@bp.route("/<int:integration_id>/test-mode", methods=["POST"])
def test_mode(integration_id):
    integration = get_or_404(Integration, integration_id)
    fn = engine_function("hub.feeds.golive", "back_to_test_mode")
    if fn is None:
        flash("Switching mode is not available yet.", "error")
    else:
        run_action(
            lambda: fn(integration),
            f"{integration.name} is back in test mode: nothing is written to the store.",
        )
    return redirect(url_for("integrations.show", integration_id=integration.id))


def _feed_setting(integration, feed):
    fs = FeedSetting.get_or_none(FeedSetting.integration == integration, FeedSetting.feed == feed)
    if fs is None:
        from flask import abort

        abort(404)
    return fs


def update_schedule(integration, feed, cron, enabled, timezone):
    fn = engine_function("hub.feeds.schedule", "update_feed_setting")
    if fn is not None:
        return fn(integration, feed, cron=cron, enabled=enabled, timezone=timezone)
    from hub.feeds.schedule import refresh_next_run, zone

    fs = _feed_setting(integration, feed)
    fs.cron = validate_cron(cron)
    zone(timezone)
    fs.timezone = timezone or "UTC"
    fs.enabled = enabled
    refresh_next_run(fs)
    return fs


@bp.route("/<int:integration_id>/feeds/<feed>", methods=["POST"])
def feed_schedule(integration_id, feed):
    integration = get_or_404(Integration, integration_id)
    fs = _feed_setting(integration, feed)
    cron = (request.form.get("cron") or "").strip()
    timezone = (request.form.get("timezone") or fs.timezone or "UTC").strip()
    enabled = bool(request.form.get("enabled"))
    run_action(
        lambda: update_schedule(integration, feed, cron or None, enabled, timezone),
        f"Schedule of {FEED_TYPES[feed].label if feed in FEED_TYPES else feed} saved.",
    )
    return redirect(url_for("integrations.show", integration_id=integration.id) + "#feeds")


@bp.route("/<int:integration_id>/feeds/<feed>/run", methods=["POST"])
def run_now(integration_id, feed):
    integration = get_or_404(Integration, integration_id)
    _feed_setting(integration, feed)
    queue_run = engine_function("hub.feeds.runs", "queue_run")
    if queue_run is None:
        raise BadInput("Run now is not available yet")
    ok, run = run_action(lambda: queue_run(integration, feed, trigger="manual"))
    if ok:
        flash(f"Run #{run.id} queued.", "success")
        return redirect(url_for("runs.show", run_id=run.id))
    return redirect(url_for("integrations.show", integration_id=integration.id) + "#feeds")
