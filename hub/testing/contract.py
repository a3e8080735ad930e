"""The connector contract suite: any connector's tests subclass it and provide fixtures.

```python
class TestAcmeContract(ConnectorContractSuite):
    connector = "acme"

    @pytest.fixture
    def contract_ctx(self):          # a ctx pointing at a fresh, seeded emulator
        ...

    @pytest.fixture
    def contract_shipment(self, contract_ctx):   # optional: a ShipmentRecord the store accepts
        ...
```

Checked: the plugin is installed and loaded; its info validates; every implemented inbound
feed yields records that validate (or documented outcomes) and yields the same records
when re-run; outbound hooks return one valid result per item; a refused credential raises
AuthenticationError.
"""

import itertools
from collections.abc import Iterable
from typing import Any

import pytest

from hub.context import ConnectorContext
from hub.engine.plugins import PluginRegistry
from hub.errors import AuthenticationError, ConnectorError
from hub.outcomes import Outcome
from hub.records import validate_record

INBOUND = {
    "hub_fetch_new_products": ("product", {"since": None}),
    "hub_fetch_products": ("product", {}),
    "hub_fetch_new_orders": ("order", {"since": None}),
    "hub_fetch_order_updates": ("order_status", {"since": None}),
    "hub_fetch_stock_levels": ("stock", {}),
    "hub_fetch_suppliers": ("supplier", {}),
    "hub_fetch_product_suppliers": ("product_supplier", {}),
}
SAMPLE = 200  # records checked per stream: enough to meet every shape, bounded in time


def _take(iterator: Iterable[Any] | None, n: int = SAMPLE) -> list[Any]:
    return list(itertools.islice(iter(iterator or ()), n))


def _strip(record: object) -> object:
    return (
        {k: v for k, v in record.items() if k not in ("cursor",)}
        if isinstance(record, dict)
        else repr(record)
    )


class ConnectorContractSuite:
    connector: str = ""

    @pytest.fixture
    def registry(self) -> PluginRegistry:
        registry: PluginRegistry = PluginRegistry().load()
        return registry

    @pytest.fixture
    def contract_shipment(self) -> dict[str, Any] | None:
        return None

    def _hooks(self, registry: PluginRegistry) -> list[str]:
        hooks: list[str] = registry.state(self.connector).hooks
        return hooks

    def _products(self, registry: PluginRegistry, ctx: ConnectorContext, n: int) -> list[Any]:
        """The first ``n`` items of the catalogue, from whichever product feed the connector
        offers (``hub_fetch_products`` or ``hub_fetch_new_products``)."""
        if "hub_fetch_products" in self._hooks(registry):
            return _take(registry.call(self.connector, "hub_fetch_products", ctx=ctx), n)
        return _take(
            registry.call(self.connector, "hub_fetch_new_products", ctx=ctx, since=None), n
        )

    def test_contract_plugin_is_loaded(self, registry: PluginRegistry) -> None:
        state = registry.states.get(self.connector)
        assert state is not None, f"{self.connector} is not installed"
        assert state.state == "loaded", state.error
        info = validate_record("connector_info", registry.info(self.connector))
        assert info["key"] == self.connector

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One inbound test per feed hook the connector implements (no skipped placeholders
        for the feeds it does not offer)."""
        if "hook" in metafunc.fixturenames:
            hooks = PluginRegistry().load().state(self.connector).hooks
            metafunc.parametrize("hook", [h for h in sorted(INBOUND) if h in hooks])

    def test_contract_inbound_records_validate_and_are_stable(
        self, registry: PluginRegistry, contract_ctx: ConnectorContext, hook: str
    ) -> None:
        kind, kwargs = INBOUND[hook]
        first = _take(registry.call(self.connector, hook, ctx=contract_ctx, **kwargs))
        assert first, f"{hook} yielded nothing from the seeded emulator"
        for item in first:
            if isinstance(item, Outcome):
                assert item.reference and item.message, f"{hook}: outcome without a reference"
                continue
            validate_record(kind, item)
        again = _take(registry.call(self.connector, hook, ctx=contract_ctx, **kwargs))
        assert [_strip(r) for r in again] == [_strip(r) for r in first], (
            f"{hook} yields different records when re-run on unchanged data"
        )

    def test_contract_fetch_order_returns_an_order_or_none(
        self, registry: PluginRegistry, contract_ctx: ConnectorContext
    ) -> None:
        if "hub_fetch_order" not in self._hooks(registry):
            pytest.skip("no hub_fetch_order")
        orders = [
            o
            for o in _take(
                registry.call(self.connector, "hub_fetch_new_orders", ctx=contract_ctx, since=None),
                5,
            )
            if isinstance(o, dict)
        ]
        assert orders
        one = registry.call(
            self.connector,
            "hub_fetch_order",
            ctx=contract_ctx,
            external_id=orders[0]["external_id"],
        )
        assert validate_record("order", one)["external_id"] == orders[0]["external_id"]

    def test_contract_images_validate(
        self, registry: PluginRegistry, contract_ctx: ConnectorContext
    ) -> None:
        if "hub_fetch_product_images" not in self._hooks(registry):
            pytest.skip("no hub_fetch_product_images")
        products = [p for p in self._products(registry, contract_ctx, 20) if isinstance(p, dict)]
        asked = [
            {
                "external_id": p["external_id"],
                "sku": p["sku"],
                "parent": p.get("parent"),
                "store_refs": p.get("store_refs", {}),
            }
            for p in products
        ]
        for image in _take(
            registry.call(
                self.connector, "hub_fetch_product_images", ctx=contract_ctx, products=asked
            )
        ):
            if isinstance(image, Outcome):
                continue
            validate_record("image", image)
            assert image["product_external_id"] in {a["external_id"] for a in asked}

    def test_contract_stock_push_returns_a_result_per_item(
        self, registry: PluginRegistry, contract_ctx: ConnectorContext
    ) -> None:
        if "hub_push_stock_levels" not in self._hooks(registry):
            pytest.skip("no hub_push_stock_levels")
        products = {
            p["external_id"]: p
            for p in self._products(registry, contract_ctx, 50)
            if isinstance(p, dict)
        }
        stock = [
            s
            for s in _take(
                registry.call(self.connector, "hub_fetch_stock_levels", ctx=contract_ctx), 50
            )
            if isinstance(s, dict) and s["external_id"] in products
        ][:3]
        assert stock, "no stock record matches a product"
        items = [
            {
                "sku": products[s["external_id"]]["sku"],
                "external_id": s["external_id"],
                "quantity": max(s["quantity"], 0) + 1,
                "previous": s["quantity"],
                "store_refs": {
                    **products[s["external_id"]].get("store_refs", {}),
                    **s.get("store_refs", {}),
                },
            }
            for s in stock
        ]
        results = registry.call(
            self.connector,
            "hub_push_stock_levels",
            ctx=contract_ctx,
            items=[validate_record("stock_push", i) for i in items],
        )
        assert len(results) == len(items)
        keys = {validate_record("push_result", r)["key"] for r in results}
        assert keys == {i["sku"] for i in items}
        assert all(r["status"] in ("ok", "unchanged") for r in results), results

    def test_contract_shipment_push_returns_a_result(
        self,
        registry: PluginRegistry,
        contract_ctx: ConnectorContext,
        contract_shipment: dict[str, Any] | None,
    ) -> None:
        if "hub_push_shipment" not in self._hooks(registry):
            pytest.skip("no hub_push_shipment")
        if contract_shipment is None:
            pytest.skip("no contract_shipment fixture")
        shipment = validate_record("shipment", contract_shipment)

        def push() -> dict[str, Any]:
            result = registry.call(
                self.connector, "hub_push_shipment", ctx=contract_ctx, shipment=shipment
            )
            return validate_record("push_result", result)

        first = push()
        assert first["status"] in ("ok", "unchanged"), first
        assert push()["status"] == "unchanged", "a shipment pushed twice must not ship twice"

    def test_contract_bad_credentials_raise_authentication_error(
        self, registry: PluginRegistry, contract_ctx: ConnectorContext
    ) -> None:
        hook = next(
            (
                h
                for h in ("hub_check_connection", "hub_fetch_new_products")
                if h in self._hooks(registry)
            ),
            None,
        )
        if hook is None:
            pytest.skip("nothing to call")
        contract_ctx.secrets = {k: "wrong-" + str(v) for k, v in contract_ctx.secrets.items()}
        contract_ctx.cache.clear()
        with pytest.raises((AuthenticationError, ConnectorError)) as excinfo:
            kwargs = {"since": None} if hook == "hub_fetch_new_products" else {}
            result = registry.call(self.connector, hook, ctx=contract_ctx, **kwargs)
            _take(result) if hook != "hub_check_connection" else None
        assert isinstance(excinfo.value, AuthenticationError), excinfo.value
