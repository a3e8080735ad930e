"""hub init, hub db, hub plugins, hub users."""

import getpass
import json as _json
import sys

import click

from hub.cli.common import (
    EXIT_BAD_INPUT,
    handle_errors,
    json_option,
    open_db,
    print_rows,
    print_table,
    with_db,
)


@click.command()
@handle_errors
def init():
    """Create the instance folder, a secret key file (if HUB_SECRET_KEY is unset) and the schema."""
    from hub.db import upgrade
    from hub.settings import ensure_secret_key_file, get_settings

    settings = get_settings()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    created = not settings.secret_key
    ensure_secret_key_file(settings)
    open_db(check_schema=False)
    applied = upgrade()
    click.echo(f"instance: {settings.instance_dir}")
    if created:
        click.echo(f"secret key written to {settings.instance_dir / 'secret.key'} (mode 0600)")
    click.echo(f"migrations applied: {', '.join(applied) or 'none (up to date)'}")


@click.group()
def db():
    """Database schema."""


@db.command("upgrade")
@handle_errors
def db_upgrade():
    """Apply pending schema migrations (idempotent; keeps existing data)."""
    from hub.db import upgrade

    open_db(check_schema=False)
    applied = upgrade()
    click.echo(f"applied: {', '.join(applied)}" if applied else "database is up to date")


@db.command("status")
@json_option
@handle_errors
def db_status(as_json):
    """Show applied and pending migrations (exit 1 when some are pending)."""
    from hub.db import migration_status

    rows = [
        {"migration": n, "applied": a.isoformat() if a else None}
        for n, a in migration_status(open_db(check_schema=False))
    ]
    print_rows(rows, as_json, ["migration", "applied"])
    if any(r["applied"] is None for r in rows):
        sys.exit(1)


@click.command()
@json_option
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
def plugins(as_json, show_all):
    """List installed connectors: key, distribution, version, feeds, loaded or broken."""
    from hub.plugins import get_registry

    states = [s.as_dict() for s in get_registry().all_states(include_builtin=show_all)]
    if as_json:
        click.echo(_json.dumps(states, indent=2))
        return
    rows = [
        {
            "key": s["key"],
            "distribution": s["distribution"] or "(built-in)",
            "version": s["version"] or "",
            "state": s["state"],
            "feeds": ", ".join(s["feeds"]) if s["state"] == "loaded" else s["error"],
        }
        for s in states
    ]
    print_table(rows, ["key", "distribution", "version", "state", "feeds"])


@click.group()
def users():
    """Dashboard users and API tokens."""


@users.command("create")
@click.argument("username")
@click.option(
    "--password",
    envvar="HUB_NEW_PASSWORD",
    help="Password (prompted without echo when omitted; or HUB_NEW_PASSWORD).",
)
@click.option("--admin/--no-admin", default=True)
@with_db
def users_create(username, password, admin):
    """Create a dashboard user."""
    from hub.services.users import create_user

    if not password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat: "):
            click.echo("error: passwords differ", err=True)
            sys.exit(EXIT_BAD_INPUT)
    create_user(username, password, is_admin=admin)
    click.echo(f"user {username} created")


@users.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the token.")
@with_db
def users_token(username, name):
    """Create an API token for USERNAME (printed once)."""
    from hub.services.users import create_token, get_user

    token = create_token(get_user(username), name)
    click.echo(token)


@users.command("list")
@json_option
@with_db
def users_list(as_json):
    """List users."""
    from hub.models import User, iso

    rows = [
        {
            "username": u.username,
            "admin": u.is_admin,
            "active": u.active,
            "created_at": iso(u.created_at),
        }
        for u in User.select().order_by(User.username)
    ]
    print_rows(rows, as_json, ["username", "admin", "active", "created_at"])


COMMANDS = [init, db, plugins, users]
