"""The core: plugin discovery and routing, schema upgrades, bindings, credentials at rest."""

import json
import subprocess
import sys
import textwrap

import pytest
from peewee import IntegrityError
from support import hub_cli

from hub.engine.plugins import PluginRegistry


def test_installed_distributions_are_discovered():
    registry = PluginRegistry().load()
    state = registry.states["testshop"]
    assert state.state == "loaded" and state.distribution == "connect-testshop"
    assert state.version == "0.1.0"
    assert "import_new_orders" in state.feeds and "import_suppliers" not in state.feeds
    assert registry.info("testshop")["stock_semantics"] == "sellable"


def test_routing_calls_only_the_integrations_connector():
    from hub.testing import make_context

    registry = PluginRegistry().load()
    ctx = make_context("othershop", "http://127.0.0.1:9")
    records = list(registry.call("othershop", "hub_fetch_new_products", ctx=ctx, since=None))
    assert [r["sku"] for r in records] == ["OTHER-1"]
    assert registry.feeds("othershop") == ["import_new_products"]


def test_unknown_connector_lists_the_installed_ones():
    from hub.errors import BadInput

    with pytest.raises(BadInput, match=r"installed connectors: .*testshop"):
        PluginRegistry().load().state("nosuch")


def _fake_distribution(tmp_path, name, module_source, entry_name="broken", requires=()):
    """An installed distribution on sys.path: a module and its dist-info with the entry point."""
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = tmp_path / f"{name}-1.0.dist-info"
    info.mkdir()
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    (info / "METADATA").write_text(metadata)
    (info / "entry_points.txt").write_text(f"[connect_hub]\n{entry_name} = {name}\n")
    return tmp_path


CONNECTOR_SOURCE = """
    from hub import hookimpl

    @hookimpl
    def hub_connector_info():
        return {"key": "KEY", "label": "KEY", "stock_semantics": "sellable"}
"""


def test_a_connector_made_for_another_hub_is_broken_with_the_reason(tmp_path):
    """Issue 13 §5: a connector declares the connect-hub range it supports; outside it, `hub
    plugins` shows it broken and says why, without importing its code."""
    future = tmp_path / "future"
    future.mkdir()
    _fake_distribution(
        future,
        "connect_future",
        "raise RuntimeError('imported although incompatible')\n",
        entry_name="future",
        requires=["connect-hub>=9.0,<10", "requests>=2"],
    )
    fits = tmp_path / "fits"
    fits.mkdir()
    _fake_distribution(
        fits,
        "connect_fits",
        CONNECTOR_SOURCE.replace("KEY", "fits"),
        entry_name="fits",
        requires=["connect-hub>=0.1,<1", "connect-hub[postgres]>=99; extra == 'pg'"],
    )
    result = hub_cli("plugins", "--json", env={"PYTHONPATH": f"{future}:{fits}"})
    assert result.returncode == 0, result.stderr
    states = {s["key"]: s for s in json.loads(result.stdout)}
    assert states["future"]["state"] == "broken"
    assert "supports connect-hub <10,>=9.0, this hub is 0.1.0" in states["future"]["error"]
    assert "imported although" not in states["future"]["error"]
    assert states["fits"]["state"] == "loaded", states["fits"]
    # the connectors of this repository declare a range that holds this hub
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    for dist in ("connect-shopify", "connect-magento", "connect-prestashop", "connect-woocommerce"):
        ranges = [Requirement(r).specifier for r in requires(dist) if r.startswith("connect-hub")]
        assert ranges and "<" in str(ranges[0]) and ">=" in str(ranges[0]), dist
        assert states[dist.split("-")[1]]["state"] == "loaded"


def test_a_broken_plugin_is_reported_and_the_hub_works(tmp_path, monkeypatch):
    path = _fake_distribution(tmp_path, "connect_broken", "raise RuntimeError('kaboom')\n")
    misspelled = tmp_path / "typo"
    misspelled.mkdir()
    _fake_distribution(
        misspelled,
        "connect_typo",
        """
        from hub import hookimpl

        @hookimpl
        def hub_connector_info():
            return {"key": "typo", "label": "Typo", "stock_semantics": "sellable"}

        @hookimpl
        def hub_fetch_new_product(ctx, since):   # misspelled hook
            return []
    """,
        entry_name="typo",
    )
    env = {"PYTHONPATH": f"{path}:{misspelled}"}
    result = hub_cli("plugins", "--json", env=env)
    assert result.returncode == 0, result.stderr
    states = {s["key"]: s for s in json.loads(result.stdout)}
    assert states["broken"]["state"] == "broken" and "kaboom" in states["broken"]["error"]
    assert states["typo"]["state"] == "broken"
    assert "hub_fetch_new_product" in states["typo"]["error"]
    assert states["testshop"]["state"] == "loaded"
    strict = hub_cli("plugins", env={**env, "HUB_PLUGINS_STRICT": "1"})
    assert strict.returncode != 0 and "kaboom" in strict.stderr


def test_connector_packages_are_listed():
    result = hub_cli("plugins", "--json")
    keys = {s["key"]: s for s in json.loads(result.stdout)}
    for key in ("shopify", "magento", "prestashop", "woocommerce"):
        assert key in keys, f"{key} is not installed"
        assert keys[key]["distribution"] == f"connect-{key}"
        assert keys[key]["version"]


def test_binding_is_unique(hub_db):
    from hub.db import db
    from hub.models import Binding, Product
    from hub.services.integrations import create_integration

    integ = create_integration("S", "othershop", "http://shop.example")
    p = Product.create(sku="X", name="X")
    Binding.create(integration=integ, kind="product", external_id="1", hub_id=p.id)
    with pytest.raises(IntegrityError), db.atomic():
        Binding.create(integration=integ, kind="product", external_id="1", hub_id=p.id)
    Binding.create(integration=integ, kind="order", external_id="1", hub_id=p.id)


def test_upgrade_from_the_first_schema_keeps_data(tmp_path):
    """A database created at the first migration, with data, upgrades to the current schema."""
    from playhouse.migrations import Runner
    from playhouse.schema_diff import diff_models

    from hub.db import open_database
    from hub.models import ALL_MODELS, Product, Warehouse
    from hub.models.schema import MIGRATIONS_DIR, upgrade

    database = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    runner = Runner(database, str(MIGRATIONS_DIR), table_name="hub_schema_migration")
    first = runner.migrations()[0].name
    runner.up(target=first)
    database.execute_sql(
        "INSERT INTO warehouse (name, code, active, is_default, created_at) "
        "VALUES ('Old depot', 'OLD', 1, 1, '2025-01-01 00:00:00')"
    )
    database.execute_sql(
        "INSERT INTO product (sku, name, status, created_at, updated_at) "
        "VALUES ('OLD-1', 'Kept', 'active', '2025-01-01', '2025-01-01')"
    )
    from hub.db import db

    db.initialize(database)
    applied = upgrade()
    assert applied == [m.name for m in runner.migrations()[1:]]
    assert Product.get(Product.sku == "OLD-1").name == "Kept"
    assert Warehouse.select().count() == 1  # no second default warehouse
    assert upgrade() == []  # idempotent
    diff = diff_models(database, ALL_MODELS)
    assert not (
        diff.create_tables
        or diff.add_columns
        or diff.drop_columns
        or diff.add_indexes
        or diff.drop_indexes
    ), diff


def test_credentials_are_encrypted_at_rest(hub_db):
    from hub.services.integrations import create_integration, integration_secrets

    integ = create_integration(
        "Secret shop", "testshop", "http://shop.example", {"token": "super-secret-token-123"}
    )
    raw = (hub_db.instance_dir / "hub.db").read_bytes()
    wal = hub_db.instance_dir / "hub.db-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert b"super-secret-token-123" not in raw
    assert integration_secrets(integ) == {"token": "super-secret-token-123"}
    shown = hub_cli("integrations", "show", "Secret shop", "--json")
    assert "super-secret" not in shown.stdout
    assert json.loads(shown.stdout)["secrets"]["token"].startswith("••••")


def test_hooks_are_documented_with_their_exact_signature():
    import inspect
    from pathlib import Path

    from hub import hookspecs

    docs = (Path(__file__).parent.parent / "docs" / "hooks.md").read_text()
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("hub_"):
            continue
        # the arguments' names: their types are in hub/hookspecs.py (and the prose)
        signature = f"{name}({', '.join(inspect.signature(fn).parameters)})"
        assert f"### `{signature}`" in docs, f"docs/hooks.md lacks a section '### `{signature}`'"


def test_the_worked_example_in_the_docs_runs(tmp_path):
    """docs/writing-a-connector.md's example connector, extracted and loaded as a plugin."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "writing-a-connector.md").read_text()
    code = text.split("```python\n# connect_acme/plugin.py\n", 1)[1].split("```", 1)[0]
    path = _fake_distribution(tmp_path, "connect_acme_example", code, entry_name="acme")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
        from hub.engine.plugins import PluginRegistry
        r = PluginRegistry(strict=True).load()
        print(sorted(r.feeds("acme")))
    """),
        ],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(path), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "import_new_products" in result.stdout


def test_connector_cache_is_emptied_when_the_store_or_its_settings_change(integration):
    """ctx.cache holds what a connector learnt of a store (a token, a detected inventory
    mode): it must not survive a change of URL, settings or credentials."""
    from hub.engine.connector import build_context
    from hub.models import Integration
    from hub.services.integrations import update_integration

    build_context(integration).cache["learnt"] = "MSI"
    assert build_context(Integration.get_by_id(integration.id)).cache == {"learnt": "MSI"}
    update_integration(Integration.get_by_id(integration.id), values={"notify_customer": True})
    assert build_context(Integration.get_by_id(integration.id)).cache == {}
    build_context(Integration.get_by_id(integration.id)).cache["learnt"] = "legacy"
    update_integration(Integration.get_by_id(integration.id), url="http://127.0.0.1:9/")
    assert build_context(Integration.get_by_id(integration.id)).cache == {}
