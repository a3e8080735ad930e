"""Connection checks, setting choices, and the switch between test and production mode.

Going live checks: the connection works, stock was imported or checked, no
unresolved errors (a connection check that passes resolves the old authentication and
store-down failures first: ``hub.services.fixes``). ``force`` overrides (recorded on the
integration). The first export after go-live sends every SKU. Shipments made in test mode
are confirmed only when asked (``confirm_test_shipments``).
"""

from hub.crypto import SecretsError
from hub.db import db
from hub.engine.connector import build_context
from hub.engine.events import open_error_count
from hub.engine.plugins import get_registry
from hub.errors import BadInput, ConnectorError
from hub.http import redact
from hub.models import Integration, Order, Shipment, utcnow
from hub.records import validate_record
from hub.services import fixes
from hub.services.webhooks import register_at_go_live


def _not_connected(problem):
    problem = redact(problem)  # the page shows it: no credential the failure's text names
    return {
        "ok": False,
        "connected": False,
        "store_name": None,
        "details": {},
        "problems": [problem],
    }


def check_connection(integration):
    """The connector's ConnectionReport, validated, with ``connected`` always filled: a report
    that is not ok but names the store means the credentials work and only the set-up (a
    setting, a permission) lacks something — its problems say what."""
    registry = get_registry()
    if not registry.implements(integration.connector, "hub_check_connection"):
        return {
            "ok": True,
            "connected": None,
            "store_name": None,
            "details": {},
            "problems": ["the connector offers no connection check"],
        }
    try:
        report = registry.call(
            integration.connector, "hub_check_connection", ctx=build_context(integration)
        )
        report = validate_record("connection_report", report)
    except ConnectorError as exc:
        return _not_connected(exc.message + (f" — {exc.hint}" if exc.hint else ""))
    except SecretsError as exc:  # HUB_SECRET_KEY changed
        return _not_connected(f"{exc} — {exc.hint}")
    except Exception as exc:  # network errors: a clear line, not a traceback
        return _not_connected(f"{type(exc).__name__}: {exc}")
    if report.get("connected") is None:
        report["connected"] = bool(report["ok"] or report.get("store_name"))
    if report["ok"]:  # the old 401s and store-down failures are explained: resolved
        fixes.resolve_connection_problems(integration)
    return report


def setting_choices(integration, setting):
    registry = get_registry()
    specs = {s["name"]: s for s in registry.info(integration.connector)["settings"]}
    if setting not in specs:
        raise BadInput(f"unknown setting {setting!r}; settings: {', '.join(specs)}")
    if specs[setting].get("choices") and not specs[setting].get("choices_from_store"):
        return [{"value": c, "label": c} for c in specs[setting]["choices"]]
    if not registry.implements(integration.connector, "hub_setting_choices"):
        return []
    choices = (
        registry.call(
            integration.connector,
            "hub_setting_choices",
            ctx=build_context(integration),
            setting=setting,
        )
        or []
    )
    return [validate_record("setting_choice", c) for c in choices]


MAX_LABELS = 500  # names kept per integration


def learn_setting_labels(integration):
    """Read the store's choices for the integration's store-backed settings (its locations…)
    and keep the names it gives their ids (``Integration.setting_labels``), for the dashboard.
    Best effort: a store that cannot list them leaves the ids shown by kind and number."""
    labels = {}
    for spec in get_registry().info(integration.connector)["settings"]:
        if not spec.get("choices_from_store"):
            continue
        try:
            choices = setting_choices(integration, spec["name"])
        except Exception:  # noqa: S112 — the names are a nicety: ids are shown instead
            continue
        for choice in choices[:MAX_LABELS]:
            if choice.get("value") is not None and choice.get("label"):
                labels[str(choice["value"])] = str(choice["label"])
    if labels and labels != (integration.setting_labels or {}):
        Integration.update(setting_labels=labels).where(Integration.id == integration.id).execute()
        integration.setting_labels = labels
    return labels


def go_live_checks(integration):
    report = check_connection(integration)
    errors = open_error_count(integration.id)
    stock_ok = bool(integration.stock_imported_at or integration.stock_checked_at)
    return [
        {
            "check": "connection",
            "ok": bool(report["ok"]),
            "detail": report.get("store_name") or "; ".join(report["problems"]) or "ok",
        },
        {
            "check": "stock imported or checked",
            "ok": stock_ok,
            "detail": "yes" if stock_ok else "run import_stock (or stock_check) first",
        },
        {
            "check": "no unresolved errors",
            "ok": errors == 0,
            "detail": f"{errors} unresolved error(s)" if errors else "none",
        },
    ]


def go_live(integration, force=False, confirm_test_shipments=False, user=None):
    if integration.mode == "production":
        raise BadInput(f"{integration.name} is already in production mode")
    checks = go_live_checks(integration)
    passed = all(c["ok"] for c in checks)
    if not passed and not force:
        return {"live": False, "mode": integration.mode, "checks": checks}
    failed = [c["check"] for c in checks if not c["ok"]]
    with db.atomic():
        Integration.update(
            mode="production",
            went_live_at=utcnow(),
            go_live_forced=bool(failed),
            full_export_pending=True,
            go_live_notes=(
                f"forced by {getattr(user, 'username', user) or 'cli'} despite: {', '.join(failed)}"
            )
            if failed
            else None,
            updated_at=utcnow(),
        ).where(Integration.id == integration.id).execute()
        if confirm_test_shipments:
            (
                Shipment.update(confirmation_status="pending")
                .where(
                    (Shipment.confirmation_status == "not_sent")
                    & Shipment.order.in_(
                        Order.select(Order.id).where(Order.integration == integration.id)
                    )
                )
                .execute()
            )
    # now that the hub may write to the store: its webhooks (a failure is an event, not a
    # failed go-live: the scheduled feeds keep bringing the orders)
    webhooks = register_at_go_live(Integration.get_by_id(integration.id))
    return {
        "live": True,
        "mode": "production",
        "checks": checks,
        "forced": bool(failed),
        "webhooks": webhooks,
    }


def back_to_test_mode(integration):
    Integration.update(mode="test", updated_at=utcnow()).where(
        Integration.id == integration.id
    ).execute()
    integration.mode = "test"
    return integration
