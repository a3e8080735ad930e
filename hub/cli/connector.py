"""``hub connector new NAME``: a new connector package and its store emulator, from the
scaffold shipped with the hub (hub.scaffold); docs/writing-a-connector.md goes on from there."""

import importlib.metadata as md
from pathlib import Path

import click

from hub.cli.common import handle_errors, print_json
from hub.scaffold import ScaffoldError, connector_names, render

CONNECTORS_GROUP = "connect_hub"


@click.group()
def connector():
    """Write a connector of your own."""


def _default_folder():
    plugins = Path("plugins")
    return plugins if plugins.is_dir() else Path(".")


def _installed(key):
    """The distribution of an installed connector with this key, or None."""
    for entry_point in md.entry_points(group=CONNECTORS_GROUP):
        if entry_point.name == key:
            return entry_point.dist.name if entry_point.dist else "(unknown distribution)"
    return None


@connector.command("new")
@click.argument("name")
@click.option(
    "--path",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder to create the two packages in (default: ./plugins if it exists, else .).",
)
@click.option("--label", default=None, help='What the dashboard calls the store ("Acme Shop").')
@click.option(
    "--force", is_flag=True, help="Write over existing folders, or reuse an installed key."
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@handle_errors
def connector_new(name, folder, label, force, as_json):
    """Create connect-NAME (the connector) and connect-NAME-emulator (its store emulator).

    NAME is the connector key: lower-case letters and digits, words joined by - or _. The
    result works out of the box against its emulator (its tests pass); every TODO in it says
    what to check in the real store's API before replacing that piece.
    """
    names = connector_names(name, label)
    taken = _installed(names.key)
    if taken and not force:
        raise ScaffoldError(
            f"A connector with the key {names.key!r} is already installed ({taken}): "
            "choose another name, or pass --force."
        )
    folder = folder if folder is not None else _default_folder()
    written = render(names, folder, force=force)
    connector_dir, emulator_dir = folder / names.dist, folder / names.emulator_dist
    if as_json:
        print_json(
            {
                "key": names.key,
                "connector": str(connector_dir),
                "emulator": str(emulator_dir),
                "files": [str(p) for p in written],
            }
        )
        return
    for path in written:
        click.echo(f"created {path}")
    click.echo(
        f"\nNext:\n"
        f"  pip install -e {emulator_dir} -e '{connector_dir}[test]'\n"
        f"  pytest {connector_dir / 'tests'}      # the contract suite passes out of the box\n"
        f"  hub plugins                        # lists {names.key!r}\n"
        f"Then replace the placeholder API piece by piece (grep TODO); "
        f"docs/writing-a-connector.md walks you through it."
    )


COMMANDS = [connector]
