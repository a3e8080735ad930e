"""A connector's plugin module names the modules holding more of its hooks in HOOK_MODULES:
they are registered with it, under its key, and called for its integrations only."""

import types

import pytest

from hub import hookimpl
from hub.engine.plugins import PluginRegistry


def _module(name, **functions):
    module = types.ModuleType(name)
    for function_name, function in functions.items():
        setattr(module, function_name, function)
    return module


def _connector(key, sku):
    @hookimpl
    def hub_connector_info():
        return {"key": key, "label": key.title(), "stock_semantics": "sellable"}

    @hookimpl
    def hub_fetch_new_products(ctx, since):
        return [{"external_id": "1", "sku": sku, "name": sku, "cursor": "1"}]

    feeds = _module(f"connect_{key}.feeds", hub_fetch_new_products=hub_fetch_new_products)
    plugin = _module(
        f"connect_{key}.plugin", hub_connector_info=hub_connector_info, HOOK_MODULES=(feeds,)
    )
    return plugin, feeds


def test_hook_modules_are_registered_with_their_plugin_and_routed_by_its_key():
    registry = PluginRegistry(load_entry_points=False)
    registry.register(_connector("acme", "ACME-1")[0], "acme")
    registry.register(_connector("zeta", "ZETA-1")[0], "zeta")
    assert registry.feeds("acme") == ["import_new_products"]
    records = registry.call("acme", "hub_fetch_new_products", ctx=None, since=None)
    assert [r["sku"] for r in records] == ["ACME-1"]
    registry.unregister("acme")
    assert not [n for n, _ in registry.pm.list_name_plugin() if n.startswith("acme")]
    records = registry.call("zeta", "hub_fetch_new_products", ctx=None, since=None)
    assert [r["sku"] for r in records] == ["ZETA-1"]


def test_a_hook_both_imported_and_in_a_hook_module_is_refused():
    plugin, feeds = _connector("acme", "ACME-1")
    plugin.hub_fetch_new_products = feeds.hub_fetch_new_products  # would be called twice
    with pytest.raises(ValueError, match="hub_fetch_new_products is in both"):
        PluginRegistry(load_entry_points=False).register(plugin, "acme")
