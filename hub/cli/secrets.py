"""hub secrets …: check and rotate the key that encrypts store credentials."""

import os
import sys

import click

from hub.cli.common import EXIT_FAILED, json_option, print_json, print_rows, with_db
from hub.errors import BadInput
from hub.services.secrets import credentials_status, rotate_secret_key
from hub.settings import get_settings


@click.group()
def secrets():
    """The key that encrypts store credentials (HUB_SECRET_KEY)."""


@secrets.command("rotate")
@click.option(
    "--old-key-env",
    "old_key_env",
    required=True,
    metavar="VAR",
    help="The environment variable holding the previous key (never on the command line).",
)
@json_option
@with_db
def rotate(old_key_env, as_json):
    """Re-encrypt every integration's credentials under the current HUB_SECRET_KEY.

    Set HUB_SECRET_KEY (or instance/secret.key) to the new key and VAR to the old one. All
    or nothing: if any credential does not decrypt with the old key, nothing is changed.
    Dashboard sessions are signed with the key too: users sign in again."""
    old_key = os.environ.get(old_key_env)
    if not old_key:
        raise BadInput(f"environment variable {old_key_env} (the old key) is not set")
    names = rotate_secret_key(old_key, get_settings().require_secret_key())
    if as_json:
        print_json({"rotated": names})
    else:
        click.echo(
            f"credentials of {len(names)} integration(s) re-encrypted under the current key"
            + (f": {', '.join(names)}" if names else "")
        )


@secrets.command("check")
@json_option
@with_db
def check(as_json):
    """Which integrations' credentials decrypt with the current HUB_SECRET_KEY (exit 1 if
    some do not)."""
    rows = credentials_status(get_settings().require_secret_key())
    print_rows(rows, as_json, ["integration", "readable"])
    if not all(r["readable"] for r in rows):
        sys.exit(EXIT_FAILED)


COMMANDS = [secrets]
