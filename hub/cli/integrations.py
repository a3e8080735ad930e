"""hub integrations …"""

import getpass
import os
import sys
from contextlib import contextmanager

import click

from hub.cli.common import (
    EXIT_FAILED,
    ISO_DATETIME,
    delete_command,
    json_option,
    parse_pairs,
    print_json,
    print_record,
    print_rows,
    stack,
    with_db,
)
from hub.db import db
from hub.errors import BadInput, NeedsConfirmation
from hub.models import Integration
from hub.services import queries
from hub.services.alerts import set_alert_recipients
from hub.services.golive import back_to_test_mode, check_connection, setting_choices
from hub.services.golive import go_live as do_go_live
from hub.services.integrations import (
    create_integration,
    get_integration,
    integration_summary,
    update_integration,
)
from hub.services.removal import remove_integration
from hub.services.setup import default_orders_since
from hub.services.webhooks import register_webhooks, webhook_status


def parse_secrets(pairs):
    """--secret KEY (prompt), KEY=env:VAR (environment), KEY=VALUE (visible in shell history)."""
    result = {}
    for pair in pairs or ():
        if "=" not in pair:
            result[pair] = getpass.getpass(f"{pair}: ")
            continue
        key, value = pair.split("=", 1)
        if value.startswith("env:"):
            var = value[4:]
            if var not in os.environ:
                raise BadInput(f"environment variable {var} (for secret {key}) is not set")
            value = os.environ[var]
        result[key] = value
    return result


settings_and_secrets = stack(
    click.option("--setting", "settings", multiple=True, metavar="KEY=VALUE"),
    click.option(
        "--secret",
        "secrets",
        multiple=True,
        metavar="KEY[=VALUE|=env:VAR]",
        help="A credential; KEY alone prompts without echo.",
    ),
)


@click.group()
def integrations():
    """Connected stores."""


allow_duplicate_option = click.option(
    "--allow-duplicate",
    is_flag=True,
    help="Connect a store another integration of this connector already connects (both then "
    "import its orders).",
)


@contextmanager
def confirm_with_flag():
    """A NeedsConfirmation names the option that confirms it."""
    try:
        yield
    except NeedsConfirmation as exc:
        raise NeedsConfirmation(
            f"{exc}. Add --{exc.confirm.replace('_', '-')} to do it.", confirm=exc.confirm
        ) from None


@integrations.command("add")
@click.argument("name")
@click.option("--connector", required=True, help="Connector key (see `hub plugins`).")
@click.option("--url", required=True, help="The store's base URL.")
@settings_and_secrets
@click.option(
    "--orders-since",
    type=ISO_DATETIME,
    default=None,
    help="Never import orders created before this, ISO 8601 (2026-11-01T00:00:00Z; no "
    "offset: UTC). Default: the last 7 days, as the dashboard's form.",
)
@allow_duplicate_option
@json_option
@with_db
def add(name, connector, url, settings, secrets, orders_since, allow_duplicate, as_json):
    """Add an integration (it starts in test mode)."""
    values = parse_pairs(settings, "--setting")
    values.update(parse_secrets(secrets))
    with confirm_with_flag():
        integration = create_integration(
            name,
            connector,
            url,
            values,
            orders_since=orders_since or default_orders_since(),
            allow_duplicate=allow_duplicate,
        )
    if as_json:
        print_json(integration_summary(integration))
    else:
        click.echo(f"integration {integration.name} added ({connector}, test mode)")


@integrations.command("list")
@json_option
@with_db
def list_(as_json):
    """List integrations."""
    rows = queries.INTEGRATIONS_MASKED.dump(queries.integrations().order_by(Integration.name))
    print_rows(rows, as_json, ["id", "name", "connector", "mode", "url"])


@integrations.command("show")
@click.argument("name")
@json_option
@with_db
def show(name, as_json):
    """Show an integration (credentials masked)."""
    print_record(integration_summary(get_integration(name)), as_json, width=18)


@integrations.command("set")
@click.argument("name")
@click.option("--url")
@click.option("--rename")
@settings_and_secrets
@click.option(
    "--carrier",
    "carriers",
    multiple=True,
    metavar="METHOD=CARRIER",
    help="Map a store shipping method to a carrier (empty CARRIER removes it).",
)
@click.option("--status", "statuses", multiple=True, metavar="STORE_STATUS=HUB_STATUS")
@click.option(
    "--orders-since",
    type=ISO_DATETIME,
    default=None,
    help="Never import orders created before this, ISO 8601 (2026-11-01T00:00:00Z; no "
    "offset: UTC).",
)
@click.option(
    "--alert-email",
    "alert_emails",
    multiple=True,
    metavar="ADDRESS",
    help="Who gets this integration's alerts by email, besides HUB_ALERT_EMAILS (replaces the "
    "list; --alert-email '' empties it).",
)
@click.option(
    "--alert-webhook",
    "alert_webhooks",
    multiple=True,
    metavar="[slack:|teams:]URL|env:VAR",
    help="Webhooks for this integration's alerts (replaces the list; '' empties it). The URL "
    "is a secret: env:VAR reads it from a variable.",
)
@allow_duplicate_option
@with_db
def set_(
    name, url, rename, settings, secrets, carriers, statuses, orders_since, alert_emails,
    alert_webhooks, allow_duplicate,
):  # fmt: skip
    """Change an integration's settings, credentials, carrier and status mappings, and who
    gets its alerts."""
    integration = get_integration(name)
    values = parse_pairs(settings, "--setting")
    values.update(parse_secrets(secrets))
    with db.atomic(), confirm_with_flag():
        update_integration(
            integration,
            values=values,
            url=url,
            name=rename,
            carriers=parse_pairs(carriers, "--carrier"),
            statuses=parse_pairs(statuses, "--status"),
            orders_since=orders_since,
            allow_duplicate=allow_duplicate,
        )
        set_alert_recipients(
            integration,
            emails=list(alert_emails) if alert_emails else None,
            webhooks=[_env_value(w) for w in alert_webhooks] if alert_webhooks else None,
        )
    click.echo(f"integration {integration.name} updated")


def _env_value(value):
    if value.startswith("env:"):
        var = value[4:]
        if var not in os.environ:
            raise BadInput(f"environment variable {var} (for --alert-webhook) is not set")
        return os.environ[var]
    return value


remove = delete_command(
    integrations,
    "remove",
    "name",
    get_integration,
    remove_integration,
    "Remove integration {0.name} with its orders, runs and events (their reserved stock is "
    "released)?",
    "integration {0.name} removed",
    help="Remove an integration: its orders (open ones' reservations released), runs, events "
    "and bindings are deleted; hub products, stock levels and movements are kept. Refused "
    "while one of its runs is running.",
)


@integrations.command("check")
@click.argument("name")
@json_option
@with_db
def check(name, as_json):
    """Test the connection to the store."""
    report = check_connection(get_integration(name))
    if as_json:
        print_json(report)
    else:
        verdict = "OK" if report["ok"] else "INCOMPLETE" if report["connected"] else "FAILED"
        click.echo(f"{verdict}  {report.get('store_name') or ''}")
        if report["connected"] and not report["ok"]:
            click.echo("  the store accepted the credentials; missing:")
        for problem in report["problems"]:
            click.echo(f"  problem: {problem}")
    if not report["ok"]:
        sys.exit(EXIT_FAILED)


@integrations.command("go-live")
@click.argument("name")
@click.option("--force", is_flag=True, help="Go live although checks fail (recorded).")
@click.option(
    "--confirm-test-shipments",
    is_flag=True,
    help="Also confirm to the store the shipments made during test mode.",
)
@json_option
@with_db
def go_live(name, force, confirm_test_shipments, as_json):
    """Switch to production mode after checks (connection, stock, no unresolved errors)."""
    result = do_go_live(
        get_integration(name), force=force, confirm_test_shipments=confirm_test_shipments
    )
    if as_json:
        print_json(result)
    else:
        for item in result["checks"]:
            click.echo(f"  [{'x' if item['ok'] else ' '}] {item['check']}: {item['detail']}")
        click.echo(
            f"{name} is now in {result['mode']} mode"
            if result["live"]
            else "not switched: fix the failed checks or use --force"
        )
        if result.get("webhooks"):
            click.echo(f"webhooks registered: {', '.join(result['webhooks']['topics'])}")
    if not result["live"]:
        sys.exit(EXIT_FAILED)


@integrations.command("test-mode")
@click.argument("name")
@with_db
def test_mode(name):
    """Switch back to test mode (nothing written to the store)."""
    back_to_test_mode(get_integration(name))
    click.echo(f"{name} is now in test mode")


@integrations.command("webhooks")
@click.argument("name")
@click.option(
    "--register",
    is_flag=True,
    help="Create or refresh the store's webhook subscriptions (writes to the store).",
)
@click.option("--force", is_flag=True, help="With --register: register in test mode too.")
@json_option
@with_db
def webhooks(name, register, force, as_json):
    """Show the store's webhooks (real-time orders; polling stays the safety net)."""
    integration = get_integration(name)
    status = (
        register_webhooks(integration, force=force) if register else webhook_status(integration)
    )
    if as_json:
        print_json(status)
        return
    if not status["enabled"]:
        click.echo(f"webhooks off: {status['reason']}")
        return
    click.echo(f"address: {status['address']}")
    click.echo(
        f"registered: {status['registered_at'] or 'no (hub integrations webhooks NAME --register)'}"
    )
    click.echo(f"topics: {', '.join(status['topics']) or '-'}")
    click.echo(f"deliveries in the last 24 h: {status['deliveries_24h']}")


@integrations.command("choices")
@click.argument("name")
@click.argument("setting")
@json_option
@with_db
def choices(name, setting, as_json):
    """List the values the store offers for SETTING (a location, a source, an order state)."""
    rows = setting_choices(get_integration(name), setting)
    print_rows(rows, as_json, ["value", "label"])


COMMANDS = [integrations]
