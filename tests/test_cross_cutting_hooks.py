"""The hooks every plugin may implement besides a connector's (docs/hooks.md): a plugin's own
order rule (``hub_order_decision``, before the core's), a listener for what was imported
(``hub_record_imported``) and for each run's end (``hub_run_finished``), registered in the
hub's real plugin registry and driven by real feed runs against the test shop."""

import pytest
from support import run

from hub import hookimpl


class Audit:
    """Holds order 1002 for a manual review; records what the hub reports."""

    def __init__(self):
        self.imported, self.finished = [], []

    @hookimpl(tryfirst=True)
    def hub_order_decision(self, integration, order):
        if order["number"] == "1002":
            return {
                "action": "hold",
                "code": "manual_review",
                "message": f"Order {order['number']}: waits for a manual review",
                "hint": "Release it from the held orders once reviewed.",
            }
        return None  # the core's rules decide

    @hookimpl
    def hub_record_imported(self, integration, feed, kind, record, hub_id, created):
        self.imported.append((integration, feed, kind, record["external_id"], hub_id, created))

    @hookimpl
    def hub_run_finished(self, integration, run):
        self.finished.append((integration, run["feed"], run["status"], run["counts"]))


@pytest.fixture
def audit(hub_db):
    from hub.engine.plugins import get_registry

    registry = get_registry()
    plugin = Audit()
    registry.register(plugin, "audit")
    yield plugin
    registry.unregister("audit")


def test_a_plugin_rule_holds_an_order_and_listeners_hear_every_import(audit, integration, store):
    from hub.models import Event, HeldRecord, Order, Product

    store.add_product(1, "MUG-1", "Mug", stock=9)
    store.add_product(2, "CUP-1", "Cup", stock=9)
    run(integration, "import_new_products")
    products = {p.sku: p.id for p in Product.select()}
    assert sorted(audit.imported) == sorted(
        ("Test shop", "import_new_products", "product", pid, products[sku], True)
        for pid, sku in (("1", "MUG-1"), ("2", "CUP-1"))
    )

    audit.imported.clear()
    for oid in (1, 2, 3):
        store.add_order(oid, f"100{oid}", [{"sku": "MUG-1", "qty": 1, "product": "1"}])
    orders_run = run(integration, "import_new_orders")

    # the plugin's rule came first: 1002 held with its code, the others imported as usual
    held = HeldRecord.get(HeldRecord.external_id == "2")
    assert held.reason == "manual_review" and held.status == "held"
    event = Event.get(Event.code == "manual_review")
    assert "waits for a manual review" in event.message and event.hint.startswith("Release")
    assert sorted(o.number for o in Order.select()) == ["1001", "1003"]
    orders = {o.external_id: o.id for o in Order.select()}
    assert sorted(audit.imported) == [
        ("Test shop", "import_new_orders", "order", "1", orders["1"], True),
        ("Test shop", "import_new_orders", "order", "3", orders["3"], True),
    ]
    assert audit.finished[-1] == (
        "Test shop",
        "import_new_orders",
        orders_run.status,
        orders_run.counts,
    )
    assert [f[1] for f in audit.finished] == ["import_new_products", "import_new_orders"]

    # nothing new: nobody is told of a record that was not written
    audit.imported.clear()
    run(integration, "import_new_orders")
    assert audit.imported == []
    assert len(audit.finished) == 3 and audit.finished[-1][2] == "succeeded"


def _module(name, **hooks):
    import sys
    import types

    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    sys.modules[name] = module
    return name


def test_an_extension_loads_from_its_entry_point_without_connector_info(hub_db):
    """An order rule or a notifier shipped alone (only the hooks called on every plugin) loads
    as an extension, is never offered as a connector; a plugin with a connector hook but no
    hub_connector_info is refused with the reason."""
    from hub.engine.plugins import PluginRegistry
    from hub.errors import BadInput

    registry = PluginRegistry(strict=False, load_entry_points=False).load()
    # what loading the entry point "notify = notify_plugin" does
    registry._register_module(
        "notify",
        _module("notify_plugin", hub_run_finished=lambda integration, run: None),
        distribution=None,
    )
    notify = registry.states["notify"]
    assert notify.state == "loaded" and notify.kind == "extension"
    assert notify.as_dict()["hooks"] == ["hub_run_finished"]
    assert "notify" not in registry.connectors()
    with pytest.raises(BadInput, match="'notify' is an extension"):
        registry.info("notify")

    registry._register_module(
        "half",
        _module("half_plugin", hub_fetch_new_products=lambda ctx, since: []),
        distribution=None,
    )
    half = registry.states["half"]
    assert half.state == "broken" and half.kind == "connector"
    assert "implements hub_fetch_new_products but not hub_connector_info" in half.error


class Broken:
    @hookimpl
    def hub_record_imported(self, integration, feed, kind, record, hub_id, created):
        raise RuntimeError("the notifier's bug")

    @hookimpl
    def hub_run_finished(self, integration, run):
        raise RuntimeError("the notifier's bug")


def test_a_listener_that_raises_does_not_fail_the_run_or_lose_records(
    hub_db, integration, store, caplog
):
    from hub.engine.plugins import get_registry
    from hub.models import Product

    registry = get_registry()
    registry.register(Broken(), "broken_listener")
    try:
        store.add_product(1, "MUG-1", "Mug")
        store.add_product(2, "CUP-1", "Cup")
        done = run(integration, "import_new_products")
    finally:
        registry.unregister("broken_listener")
    assert done.status == "succeeded" and done.counts["created"] == 2
    assert sorted(p.sku for p in Product.select()) == ["CUP-1", "MUG-1"]
    assert "hub_record_imported failed for product" in caplog.text
