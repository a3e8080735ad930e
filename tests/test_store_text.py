"""Issue 12, hostile store text: control characters, bidi overrides and terminal escape
sequences are stored as sent but never reach a terminal raw; NUL is refused at the record
schema; very long text is cut in events and tables (the record keeps it)."""

import json

from click.testing import CliRunner
from support import run

from hub.bounds import CELL_TEXT_MAX, EVENT_TEXT_MAX
from hub.cli import cli
from hub.models import Event, Product

NASTY = "Mug \x1b[2J\x1b]0;owned\x07 \u202eFDP.exe\r\x9b31m end"


def cli_out(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_control_characters_are_stored_as_sent_and_escaped_in_tables(integration, store):
    store.add_product(1, "MUG-1", NASTY)
    store.add_product(2, "LONG-1", "L" * 500)
    result = run(integration, "import_new_products")
    assert result.created == 2
    assert Product.get(Product.sku == "MUG-1").name == NASTY  # the record keeps it
    assert Product.get(Product.sku == "LONG-1").name == "L" * 500
    table = cli_out("products", "list")
    for raw in ("\x1b", "\x07", "\r", "\u202e", "\x9b"):
        assert raw not in table
    assert "\\x1b[2J" in table and "\\u202eFDP.exe" in table and "\\x9b31m" in table
    long_line = next(line for line in table.splitlines() if "LONG-1" in line)
    assert "L" * (CELL_TEXT_MAX - 1) + "…" in long_line and "L" * CELL_TEXT_MAX not in long_line
    as_json = cli_out("products", "list", "--json")
    for raw in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert raw not in as_json
    names = {p["sku"]: p["name"] for p in json.loads(as_json)}
    assert names == {"MUG-1": NASTY, "LONG-1": "L" * 500}  # --json: every character, escaped


def test_nul_is_refused_at_the_record_schema_and_the_run_goes_on(integration, store):
    store.add_product(1, "NUL-1", "Mug\x00 with a NUL")
    store.add_product(2, "OK-1", "Plain mug")
    result = run(integration, "import_new_products")
    assert result.status == "succeeded_with_errors" and result.created == 1 and result.failed == 1
    assert [p.sku for p in Product.select()] == ["OK-1"]
    event = Event.get(Event.code == "invalid_record")
    assert "NUL" in event.message and "\x00" not in event.message


def test_long_text_is_cut_in_events(integration):
    from hub.engine.events import record_event

    event = record_event(integration.id, "error", "x", "M" * 50_000, hint="H" * 5000)
    assert len(event.message) == EVENT_TEXT_MAX and event.message.endswith("…")
    assert len(event.hint) == EVENT_TEXT_MAX


def test_error_lines_are_escaped(integration):
    result = CliRunner().invoke(cli, ["integrations", "check", "shop\x1b[31m\u202e"])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert "\\x1b[31m\\u202e" in result.stderr
