"""The ``hub`` command line. Every command has --help; list/show commands take --json."""

import importlib
import logging

import click

from hub import __version__
from hub.engine.logcontext import configure_logging
from hub.http import install_log_redaction
from hub.settings import get_settings

# Each command, the module that defines it and the line `hub --help` shows for it: a command's
# module is imported when that command runs (`hub feeds list` does not load the dashboard
# server, the alerts or the connector scaffold), and `hub --help` imports none of them.
# tests/test_cli.py checks each line against the command's own help.
COMMANDS = {
    "init": (
        "admin",
        "Create the instance folder, a secret key file (if HUB_SECRET_KEY is unset) and the "
        "schema.",
    ),
    "db": ("admin", "Database schema."),
    "plugins": (
        "admin",
        "List installed plugins: connectors (their feeds) and extensions (their hooks), "
        "loaded or broken.",
    ),
    "users": ("admin", "Dashboard users and API tokens."),
    "integrations": ("integrations", "Connected stores."),
    "feeds": ("feeds", "Feeds of an integration: list, run, schedule, enable/disable."),
    "runs": ("runs", "Feed runs."),
    "products": ("records", "Products (they come from the stores)."),
    "orders": ("records", "Orders (they come from the stores)."),
    "events": ("records", "Problems reported by the feeds (the bell)."),
    "stock": ("backoffice", "Stock per product and warehouse, and its movements."),
    "ship": ("backoffice", "Ship ORDER (its number as `hub orders list` shows it, or its hub id)."),
    "po": (
        "backoffice",
        "Purchase orders: draft → ordered → partially_received → received, or cancelled.",
    ),
    "recommendations": (
        "backoffice",
        "What to reorder, by supplier (see hub/services/purchasing.py for the formula).",
    ),
    "warehouses": ("backoffice", "Warehouses (one is created by default)."),
    "suppliers": (
        "backoffice",
        "Suppliers (created here or imported from the store) and their products.",
    ),
    "web": (
        "serve",
        "Serve the dashboard and the JSON API with a production WSGI server (gunicorn with "
        "gthread workers; waitress where gunicorn does not run); --dev for Werkzeug's.",
    ),
    "worker": (
        "serve",
        "Run the background worker (Huey consumer): feed runs and, unless --no-schedule, the "
        "minute tick that starts scheduled feeds.",
    ),
    "demo": (
        "serve",
        "Everything in one command: emulated stores, demo integrations, worker and dashboard "
        "(served by `hub web`, the production server).",
    ),
    "secrets": ("secrets", "The key that encrypts store credentials (HUB_SECRET_KEY)."),
    "alerts": ("alerts", "Alerts by email and webhook (see the README's Alerts section)."),
    "connector": ("connector", "Write a connector of your own."),
}


class LazyGroup(click.Group):
    """A group whose commands (``COMMANDS``) are imported when one of them is asked for, the
    pattern of click's documentation ("Lazily Loading Subcommands"); the list in ``--help``
    comes from ``COMMANDS``, so it imports nothing."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"hub.cli.{COMMANDS[name][0]}")
        return next(c for c in module.COMMANDS if c.name == name)

    def format_commands(self, ctx, formatter):
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        with formatter.section("Commands"):
            # a stand-in command shortens each line as click does for the real one
            formatter.write_dl(
                [
                    (name, click.Command(name, help=help).get_short_help_str(limit))
                    for name, (_, help) in sorted(COMMANDS.items())
                ]
            )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Log lines on stderr as text or one JSON object per line (HUB_LOG_FORMAT).",
)
def cli(verbose, log_format):
    """connect-hub: feeds between online stores and the merchant's back office."""
    settings = get_settings()
    configure_logging(
        logging.DEBUG if verbose else getattr(logging, settings.log_level),
        log_format or settings.log_format,
    )
    install_log_redaction()  # credentials masked in every logger's lines (oauthlib's too)


def main():
    cli(prog_name="hub")
