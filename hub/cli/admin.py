"""hub init, hub db, hub plugins, hub users."""

import getpass
import json as _json
import sys

import click

from hub.cli.common import (
    EXIT_BAD_INPUT,
    delete_command,
    handle_errors,
    json_option,
    open_db,
    print_rows,
    print_table,
    with_db,
)
from hub.db import backup as backup_database
from hub.db import display_url
from hub.engine.plugins import get_registry
from hub.models import LoginAttempt, User, iso
from hub.models.schema import migration_status, upgrade
from hub.services.users import (
    create_token,
    create_user,
    delete_user,
    end_all_sessions,
    find_token,
    get_user,
    list_tokens,
    revoke_token,
    set_active,
    set_password,
    set_role,
    set_timezone,
    token_summary,
    user_summary,
)
from hub.settings import ensure_secret_key_file, get_settings


@click.command()
@handle_errors
def init():
    """Create the instance folder, a secret key file (if HUB_SECRET_KEY is unset) and the schema."""
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
    open_db(check_schema=False)
    applied = upgrade()
    where = f"database {display_url(get_settings().database_url)}"
    click.echo(f"{where}: applied {', '.join(applied)}" if applied else f"{where} is up to date")


@db.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@handle_errors
def db_backup(path):
    """Copy the database to PATH while the hub runs (SQLite: online backup into one file;
    PostgreSQL: pg_dump --format=custom, restored with pg_restore). The secret key
    (instance/secret.key or HUB_SECRET_KEY) is not in it: keep it too, apart."""
    url = get_settings().database_url
    open_db()
    size = backup_database(url, path)
    kind = "pg_dump custom format" if url.startswith("postgres") else "SQLite"
    click.echo(f"backup written to {path} ({kind}, {size / 1e6:.1f} MB)")


@db.command("status")
@json_option
@handle_errors
def db_status(as_json):
    """Show applied and pending migrations (exit 1 when some are pending)."""
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
    """List installed plugins: connectors (their feeds) and extensions (their hooks), loaded
    or broken."""
    states = [s.as_dict() for s in get_registry().all_states(include_builtin=show_all)]
    if as_json:
        click.echo(_json.dumps(states, indent=2))
        return
    rows = [
        {
            "key": s["key"],
            "distribution": s["distribution"] or "(built-in)",
            "version": s["version"] or "",
            "kind": s["kind"],
            "state": s["state"],
            "feeds": _what_it_does(s),
        }
        for s in states
    ]
    print_table(rows, ["key", "kind", "distribution", "version", "state", "feeds"])


def _what_it_does(state):
    """A connector's feeds, an extension's (or the built-in plugins') hooks, a broken one's
    error."""
    if state["state"] != "loaded":
        return state["error"]
    return ", ".join(state["feeds"] if state["kind"] == "connector" else state["hooks"])


@click.group()
def users():
    """Dashboard users and API tokens."""


def _new_password(password):
    """The password given, or one prompted twice without echo."""
    if password:
        return password
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat: "):
        click.echo("error: passwords differ", err=True)
        sys.exit(EXIT_BAD_INPUT)
    return password


new_password_option = click.option(
    "--password",
    envvar="HUB_NEW_PASSWORD",
    help="Password (prompted without echo when omitted; or HUB_NEW_PASSWORD).",
)


@users.command("create")
@click.argument("username")
@new_password_option
@click.option("--admin/--no-admin", default=True)
@with_db
def users_create(username, password, admin):
    """Create a dashboard user."""
    create_user(username, _new_password(password), is_admin=admin)
    click.echo(f"user {username} created")


@users.command("passwd")
@click.argument("username")
@new_password_option
@with_db
def users_passwd(username, password):
    """Set a new password for USERNAME: their dashboard sessions end (API tokens still work)."""
    set_password(get_user(username), _new_password(password))
    click.echo(f"password of {username} changed; their sessions ended")


@users.command("timezone")
@click.argument("username")
@click.argument("timezone", required=False, default="")
@with_db
def users_timezone(username, timezone):
    """Show USERNAME's times in TIMEZONE (an IANA name, e.g. Europe/Paris) on the dashboard;
    without TIMEZONE, in their browser's."""
    user = set_timezone(get_user(username), timezone)
    click.echo(f"user {username} sees times in {user.timezone or 'their browser’s time zone'}")


@users.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the token.")
@with_db
def users_token(username, name):
    """Create an API token for USERNAME (printed once)."""
    token = create_token(get_user(username), name)
    click.echo(token)


@users.command("list")
@json_option
@with_db
def users_list(as_json):
    """List users and their role (admin or operator)."""
    rows = [user_summary(u) for u in User.select().order_by(User.username)]
    print_rows(rows, as_json, ["username", "role", "active", "last_login_at", "created_at"])


@users.command("deactivate")
@click.argument("username")
@with_db
def users_deactivate(username):
    """Deactivate USERNAME: their sessions end now, their API tokens are refused."""
    set_active(get_user(username), False)
    click.echo(f"user {username} deactivated")


@users.command("activate")
@click.argument("username")
@with_db
def users_activate(username):
    """Activate USERNAME again (they sign in anew; their unrevoked tokens work again)."""
    set_active(get_user(username), True)
    click.echo(f"user {username} activated")


users_delete = delete_command(
    users,
    "delete",
    "username",
    get_user,
    delete_user,
    "Delete user {0.username} and their API tokens?",
    "user {0.username} deleted",
    help="Delete USERNAME with their sessions and API tokens.",
)


@users.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(["admin", "operator"]))
@with_db
def users_role(username, role):
    """Make USERNAME an admin or an operator."""
    set_role(get_user(username), role)
    click.echo(f"user {username} is now {role}")


@users.command("tokens")
@click.argument("username")
@json_option
@with_db
def users_tokens(username, as_json):
    """List the API tokens of USERNAME (never the tokens themselves)."""
    rows = [token_summary(t) for t in list_tokens(get_user(username))]
    print_rows(rows, as_json, ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"])


@users.command("revoke-token")
@click.argument("username")
@click.argument("token")
@with_db
def users_revoke_token(username, token):
    """Revoke a token of USERNAME, by id or by prefix (as `hub users tokens` shows them)."""
    row = revoke_token(find_token(get_user(username), token))
    click.echo(f"token {row.id} ({row.name}, {row.prefix}…) of {username} revoked")


@users.command("sign-out")
@click.argument("username")
@with_db
def users_sign_out(username):
    """Sign USERNAME out everywhere: every dashboard session and remember-me cookie ends."""
    count = end_all_sessions(get_user(username))
    click.echo(f"user {username} signed out ({count} sessions ended)")


@users.command("sign-ins")
@click.option("--failed", is_flag=True, help="Only the failed ones.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@json_option
@with_db
def users_sign_ins(failed, limit, as_json):
    """Recent dashboard sign-in attempts, newest first."""
    query = LoginAttempt.select().order_by(LoginAttempt.id.desc()).limit(limit)
    if failed:
        query = query.where(LoginAttempt.ok == False)  # noqa: E712
    rows = [
        {"at": iso(a.at), "username": a.username, "address": a.address, "ok": a.ok} for a in query
    ]
    print_rows(rows, as_json, ["at", "username", "address", "ok"])


COMMANDS = [init, db, plugins, users]
