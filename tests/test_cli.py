"""The `hub` command line: clear errors with exit code 2 and nothing written, stable JSON."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from support import add_test_shop, hub_cli

from hub.models import Integration


@pytest.fixture
def cli_env(hub_db):
    return {}


def test_bad_input_is_one_line_exit_2_and_writes_nothing(cli_env, store):
    cases = [
        (
            ["integrations", "add", "X", "--connector", "nope", "--url", "http://a.example"],
            "installed connectors:",
        ),
        (
            [
                "integrations",
                "add",
                "X",
                "--connector",
                "testshop",
                "--url",
                "not a url",
                "--secret",
                "token=t",
            ],
            "invalid URL",
        ),
        (
            ["integrations", "add", "X", "--connector", "testshop", "--url", "http://a.example"],
            "missing required setting(s) for testshop: token",
        ),
        (
            [
                "integrations",
                "add",
                "X",
                "--connector",
                "testshop",
                "--url",
                "http://a.example",
                "--setting",
                "colour=blue",
                "--secret",
                "token=t",
            ],
            "unknown setting(s) colour",
        ),
        (["integrations", "show", "Nope"], "unknown integration 'Nope'"),
        (["feeds", "run", "Nope", "import_new_orders"], "unknown integration"),
    ]
    for args, message in cases:
        result = hub_cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert Integration.select().count() == 0
    ok = hub_cli(
        "integrations",
        "add",
        "Shop",
        "--connector",
        "testshop",
        "--url",
        store.url,
        "--secret",
        "token=env:SHOP_TOKEN",
        env={"SHOP_TOKEN": "test-token"},
    )
    assert ok.returncode == 0, ok.stderr
    for args, message in [
        (["feeds", "schedule", "Shop", "import_new_orders", "every day"], "invalid cron"),
        (["feeds", "run", "Shop", "import_suppliers"], "does not offer feed 'import_suppliers'"),
        (["feeds", "run", "Shop", "teleport"], "unknown feed 'teleport'"),
        (["integrations", "set", "Shop", "--status", "paid=delivered"], "unknown hub status"),
        (["integrations", "set", "Shop", "--carrier", "nocolon"], "--carrier must be KEY=VALUE"),
    ]:
        result = hub_cli(*args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


def test_secret_from_environment_and_masked_output(cli_env, store):
    hub_cli(
        "integrations",
        "add",
        "Shop",
        "--connector",
        "testshop",
        "--url",
        store.url,
        "--secret",
        "token=env:SHOP_TOKEN",
        env={"SHOP_TOKEN": "test-token"},
        check=True,
    )
    shown = json.loads(hub_cli("integrations", "list", "--json", check=True).stdout)
    assert shown[0]["name"] == "Shop" and shown[0]["mode"] == "test"
    assert "test-token" not in json.dumps(shown)
    check = hub_cli("integrations", "check", "Shop", "--json", check=True)
    assert json.loads(check.stdout)["store_name"] == "Test Shop"


def test_inline_run_and_json_interfaces(cli_env, store):
    store.add_product(1, "A", "Apple", weight="1.5", price="3.20", images=[5])
    store.add_order(1, "#1", [{"sku": "A", "qty": 2}])
    add_test_shop(store, "--orders-since", "2026-01-01")
    hub_cli("integrations", "set", "Shop", "--carrier", "standard=UPS", check=True)
    run = hub_cli("feeds", "run", "Shop", "import_new_products", "--inline", "--json", check=True)
    summary = json.loads(run.stdout)
    assert summary["status"] == "succeeded" and summary["counts"]["created"] == 1
    assert set(summary) >= {
        "id",
        "integration",
        "feed",
        "status",
        "counts",
        "events",
        "discrepancies",
        "outbox",
    }
    hub_cli("feeds", "run", "Shop", "import_product_images", "--inline", check=True)
    hub_cli("feeds", "run", "Shop", "import_new_orders", "--inline", check=True)
    products = json.loads(hub_cli("products", "list", "--json", check=True).stdout)
    assert products == [
        {
            "id": products[0]["id"],
            "sku": "A",
            "name": "Apple",
            "barcode": None,
            "weight_kg": "1.5",
            "price": "3.20",
            "currency": "EUR",
            "parent": None,
            "active": True,
            "status": "active",
            "images": 1,
            "bindings": [{"integration": "Shop", "external_id": "1", "missing": False}],
        }
    ]
    orders = json.loads(hub_cli("orders", "list", "--json", check=True).stdout)
    assert orders[0]["number"] == "#1" and orders[0]["carrier"] == "UPS"
    assert orders[0]["lines"] == [{"sku": "A", "quantity": 2, "shipped": 0}]
    assert {"id", "integration", "external_id", "status", "paid", "shipping_method"} <= set(
        orders[0]
    )
    runs = json.loads(hub_cli("runs", "list", "--json", check=True).stdout)
    assert [r["feed"] for r in runs][:1] == ["import_new_orders"]
    shown = json.loads(hub_cli("runs", "show", str(runs[0]["id"]), "--json", check=True).stdout)
    assert shown["counts"]["created"] == 1
    feeds = json.loads(hub_cli("feeds", "list", "Shop", "--json", check=True).stdout)
    assert {f["feed"] for f in feeds} >= {"import_new_orders", "export_stock"}
    failed = hub_cli("feeds", "run", "Shop", "import_stock", "--inline")
    assert failed.returncode == 0
    again = hub_cli("feeds", "run", "Shop", "import_stock", "--inline")
    assert again.returncode == 1 and "--force" in again.stdout


def test_go_live_checks_and_force(cli_env, store):
    add_test_shop(store)
    refused = hub_cli("integrations", "go-live", "Shop")
    assert refused.returncode == 1
    assert "[ ] stock imported or checked" in refused.stdout
    forced = hub_cli("integrations", "go-live", "Shop", "--force", "--json")
    assert forced.returncode == 0 and json.loads(forced.stdout)["forced"] is True
    assert Integration.get().mode == "production" and Integration.get().go_live_forced
    hub_cli("integrations", "test-mode", "Shop", check=True)
    assert Integration.get().mode == "test"


def test_db_upgrade_is_idempotent_and_required(tmp_path):
    env = {"HUB_INSTANCE_DIR": str(tmp_path), "HUB_DATABASE_URL": "", "HUB_SECRET_KEY": "k" * 20}
    before = hub_cli("integrations", "list", env=env)
    assert before.returncode == 2 and "hub db upgrade" in before.stderr
    assert hub_cli("db", "upgrade", env=env).returncode == 0
    assert "up to date" in hub_cli("db", "upgrade", env=env).stdout
    assert hub_cli("integrations", "list", "--json", env=env).stdout.strip() == "[]"


def test_date_options_take_iso_8601_with_z_or_an_offset(cli_env, store):
    """Issue 11 §4: ``2026-11-01T00:00:00Z`` was refused by click.DateTime."""
    add_test_shop(store, "--orders-since", "2026-11-01T00:00:00Z")

    def since():
        shown = json.loads(hub_cli("integrations", "list", "--json", check=True).stdout)
        return shown[0]["orders_since"]

    assert since().startswith("2026-11-01T00:00:00")
    # without the option: the dashboard's default, the start of the day a week ago (UTC)
    add_test_shop(store, "--allow-duplicate", name="Weekly shop")
    listed = json.loads(hub_cli("integrations", "list", "--json", check=True).stdout)
    weekly = next(i for i in listed if i["name"] == "Weekly shop")
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    assert weekly["orders_since"].startswith(f"{week_ago}T00:00:00")
    hub_cli(
        "integrations", "set", "Shop", "--orders-since", "2026-11-01T01:00:00+02:00", check=True
    )
    assert since().startswith("2026-10-31T23:00:00")
    hub_cli("integrations", "set", "Shop", "--orders-since", "2026-10-15", check=True)
    assert since().startswith("2026-10-15T00:00:00")
    bad = hub_cli("integrations", "set", "Shop", "--orders-since", "last tuesday")
    assert bad.returncode == 2 and "not an ISO 8601 date-time" in bad.stderr
    assert since().startswith("2026-10-15T00:00:00")  # nothing written


def test_hub_help_lists_every_command_with_its_own_help_and_imports_none():
    import importlib
    import subprocess
    import sys

    from hub.cli import COMMANDS

    defined = {}
    for module in {module for module, _ in COMMANDS.values()}:
        for command in importlib.import_module(f"hub.cli.{module}").COMMANDS:
            defined[command.name] = (module, command.get_short_help_str(limit=1000))
    assert defined == COMMANDS  # the table `hub --help` reads is the commands' own help
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from click.testing import CliRunner; from hub.cli import cli; "
            "out = CliRunner().invoke(cli, ['--help']).output; "
            "print(sorted(m for m in sys.modules if m.startswith('hub.cli.'))); print(out)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert loaded.splitlines()[0] == "[]"
    assert all(f"  {name} " in loaded for name in COMMANDS)


def test_only_the_commands_that_queue_runs_load_the_queue(cli_env):
    import subprocess
    import sys

    script = (
        "import sys; from click.testing import CliRunner; from hub.cli import cli; "
        "result = CliRunner().invoke(cli, sys.argv[1:]); assert result.exit_code == 0, result; "
        "print('huey' in sys.modules, 'hub.tasks' in sys.modules)"
    )
    listed = subprocess.run(
        [sys.executable, "-c", script, "integrations", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout.split() == ["False", "False"]
