"""The connector contract suite: any connector's tests subclass it and provide fixtures.

```python
class TestAcmeContract(ConnectorContractSuite):
    connector = "acme"

    @pytest.fixture
    def contract_ctx(self):          # a ctx pointing at a fresh, seeded emulator
        ...

    @pytest.fixture
    def contract_shipment(self, contract_ctx):   # optional: a ShipmentRecord the store accepts
        ...                                      # (default: built from a paid order it read)
```

Checked (see docs/writing-a-connector.md, "What the contract suite checks"):

* the plugin is installed and loaded; its info validates;
* every implemented inbound feed yields records that validate (or outcomes with a
  reference), each failure named by hook, record and field; their values are plausible
  (:mod:`hub.testing.checks`: weights in kilograms, stock levels, line quantities, money
  decimals); a second read of unchanged data yields the same records (else the first
  differing field of the first differing record is shown);
* cursors (feeds that take ``since``): non-decreasing in stream order, not the time of the
  run (the same on a second read, never after the read started), and a re-run from the
  last cursor yields nothing new and nothing before it;
* store faults (:mod:`hub.testing.faults`: 5xx, timeout, malformed body through the
  emulator's fault endpoint, and a refused connection) raise ``TransientError``; a 401
  (the ``auth`` fault, and wrong credentials) raises ``AuthenticationError``;
* ``hub_count_open_orders`` (when implemented) counts the open orders ``hub_fetch_new_orders``
  yields since a date (None is allowed);
* outbound hooks return one valid result per item; a shipment pushed twice is not shipped
  twice.

``plugin`` (a module or object with hook implementations) runs the suite on that object
instead of the installed entry point of ``connector``: a connector under development, or a
deliberately broken one in the hub's own tests.
"""

import itertools
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from marshmallow import ValidationError

from hub.context import ConnectorContext
from hub.engine.plugins import PluginRegistry
from hub.errors import AuthenticationError, TransientError
from hub.outcomes import Outcome
from hub.records import field_errors_text, validate_record
from hub.testing import checks, faults

INBOUND = {
    "hub_fetch_new_products": ("product", {"since": None}),
    "hub_fetch_products": ("product", {}),
    "hub_fetch_new_orders": ("order", {"since": None}),
    "hub_fetch_order_updates": ("order_status", {"since": None}),
    "hub_fetch_stock_levels": ("stock", {}),
    "hub_fetch_suppliers": ("supplier", {}),
    "hub_fetch_product_suppliers": ("product_supplier", {}),
}
CURSOR_FEEDS = ("hub_fetch_new_products", "hub_fetch_new_orders", "hub_fetch_order_updates")
# the feed a store fault is injected under: the first one the connector implements
FAULT_FEEDS = ("hub_fetch_new_orders", "hub_fetch_new_products", "hub_fetch_products")
SAMPLE = 200  # records checked per stream: enough to meet every shape, bounded in time
CURSOR_SAMPLE = 2000  # a cursor stream is read whole up to this, to re-run from its end


HANDLING = {  # what the message tells the author to do
    TransientError: "the run is tried again later: send requests with hub.toolkit.send and "
    "raise_for_status, and turn an unreadable body into TransientError",
    AuthenticationError: "the run fails once and the merchant checks the credentials: "
    "raise_for_status does it for 401/403",
}


def _take(iterator: Iterable[Any] | None, n: int = SAMPLE) -> list[Any]:
    return list(itertools.islice(iter(iterator or ()), n))


def _fail(problems: list[str], limit: int = 10) -> None:
    if problems:
        more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
        raise AssertionError("\n".join(problems[:limit]) + more)


def _valid(hook: str, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` loaded as ``kind``; an AssertionError naming the hook, record and field."""
    _fail(checks.validation_problems(hook, kind, record))
    return validate_record(kind, record)


def _utc(text: str) -> datetime:
    """An ISO-8601 time of a record (``Z`` or an offset) as an aware UTC datetime."""
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _between_orders(times: list[datetime]) -> str:
    """A whole second no order was created at, halfway through the orders where there is
    one (whether ``since`` itself is included then does not matter), else before them all."""
    middle = len(times) // 2
    for i in sorted(range(1, len(times)), key=lambda i: abs(i - middle)):
        if times[i] - times[i - 1] >= timedelta(seconds=2):
            moment = times[i - 1].replace(microsecond=0) + timedelta(seconds=1)
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (times[0] - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_second() -> None:
    """Wait for the wall clock to reach the next whole second: a cursor made from the time of
    the run then differs between two reads, whatever its resolution."""
    time.sleep(1.0 - time.time() % 1.0 + 0.01)


class ConnectorContractSuite:
    connector: str = ""
    plugin: object | None = None
    # the suite's standard fault names -> what this emulator's fault endpoint takes
    contract_faults: ClassVar[dict[str, dict[str, Any]]] = faults.STANDARD_FAULTS

    @classmethod
    def make_registry(cls) -> PluginRegistry:
        """The installed plugins, or only ``plugin`` registered as ``connector``."""
        registry: PluginRegistry
        if cls.plugin is None:
            registry = PluginRegistry().load()
            return registry
        registry = PluginRegistry(load_entry_points=False)
        registry.register(cls.plugin, cls.connector)
        return registry

    @pytest.fixture
    def registry(self) -> PluginRegistry:
        return self.make_registry()

    @pytest.fixture
    def contract_shipment(self) -> dict[str, Any] | None:
        return None

    @pytest.fixture
    def contract_emulator_url(self, contract_ctx: ConnectorContext) -> str:
        """Where the emulator's ``/_emulator/faults`` is: the root of the context's URL."""
        return faults.origin(contract_ctx.base_url)

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

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One test per feed hook the connector implements (no skipped placeholders for the
        feeds it does not offer), one per store fault."""
        hooks = self.make_registry().state(self.connector).hooks
        if "hook" in metafunc.fixturenames:
            metafunc.parametrize("hook", [h for h in sorted(INBOUND) if h in hooks])
        if "cursor_hook" in metafunc.fixturenames:
            metafunc.parametrize("cursor_hook", [h for h in CURSOR_FEEDS if h in hooks])
        if "fault" in metafunc.fixturenames:
            metafunc.parametrize("fault", [*self.contract_faults, "connection_refused"])

    def test_contract_plugin_is_loaded(self, registry: PluginRegistry) -> None:
        state = registry.states.get(self.connector)
        assert state is not None, f"{self.connector} is not installed"
        assert state.state == "loaded", state.error
        info = _valid("hub_connector_info", "connector_info", registry.info(self.connector))
        assert info["key"] == self.connector

    def test_contract_inbound_records_validate_and_are_stable(
        self, registry: PluginRegistry, contract_ctx: ConnectorContext, hook: str
    ) -> None:
        kind, kwargs = INBOUND[hook]
        first = _take(registry.call(self.connector, hook, ctx=contract_ctx, **kwargs))
        assert first, f"{hook} yielded nothing from the seeded emulator"
        problems: list[str] = []
        for item in first:
            if isinstance(item, Outcome):
                if not (item.reference and item.message):
                    problems.append(f"{hook}: an outcome without a reference or message: {item}")
                continue
            if not isinstance(item, dict):
                problems.append(f"{hook}: yielded {type(item).__name__} {item!r:.80}, not a dict")
                continue
            problems += checks.validation_problems(hook, kind, item)
        _fail(problems)
        _fail(checks.plausibility_problems(hook, kind, first))
        again = _take(registry.call(self.connector, hook, ctx=contract_ctx, **kwargs))
        difference = checks.first_difference(hook, first, again)
        assert difference is None, difference

    def test_contract_cursors_follow_the_stream(
        self, registry: PluginRegistry, contract_ctx: ConnectorContext, cursor_hook: str
    ) -> None:
        hook = cursor_hook

        def read(since: str | None) -> list[Any]:
            return _take(
                registry.call(self.connector, hook, ctx=contract_ctx, since=since), CURSOR_SAMPLE
            )

        started = datetime.now(UTC)
        first = read(None)
        complete = len(first) < CURSOR_SAMPLE
        _fail(
            [
                p
                for p in (
                    checks.decreasing_cursor(hook, first),
                    checks.cursor_in_the_future(hook, first, started),
                )
                if p
            ]
        )
        _next_second()
        problem = checks.changed_cursor(hook, first, read(None))
        assert problem is None, problem
        last = next((c for c in map(checks.cursor_of, reversed(first)) if c), None)
        if last is None:
            return  # no cursor at all: the core re-reads the whole stream on every run
        problem = checks.rerun_problem(hook, first, read(last), last, complete)
        assert problem is None, problem

    def test_contract_store_faults_raise_hub_errors(
        self,
        registry: PluginRegistry,
        contract_ctx: ConnectorContext,
        contract_emulator_url: str,
        fault: str,
    ) -> None:
        hook = next((h for h in FAULT_FEEDS if h in self._hooks(registry)), None)
        if hook is None:
            pytest.skip("no product or order feed to read")
        kwargs = INBOUND[hook][1]
        if fault == "connection_refused":
            faults.point_at_closed_port(contract_ctx)
            what = "a refused connection"
        else:
            if fault == "timeout":
                contract_ctx.session.timeout = (5, faults.READ_TIMEOUT)
                contract_ctx.session_once.timeout = (5, faults.READ_TIMEOUT)
            faults.inject(contract_emulator_url, fault, self.contract_faults[fault])
            what = f"the store's {fault!r} fault ({self.contract_faults[fault]})"
        expected = faults.expected_error(fault)
        try:
            _take(registry.call(self.connector, hook, ctx=contract_ctx, **kwargs))
        except expected:
            return
        except Exception as exc:
            raise AssertionError(
                f"{hook}: {what} raised {type(exc).__name__}: {exc!s:.300}; it must raise "
                f"hub.errors.{expected.__name__} ({HANDLING.get(expected, '')})"
            ) from exc
        raise AssertionError(f"{hook}: {what} raised nothing; it must raise {expected.__name__}")

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
        assert _valid("hub_fetch_order", "order", one)["external_id"] == orders[0]["external_id"]

    def test_contract_open_order_count_matches_the_orders(
        self, registry: PluginRegistry, contract_ctx: ConnectorContext
    ) -> None:
        """``hub_count_open_orders(since)`` = the orders ``hub_fetch_new_orders(since)`` yields
        created at or after ``since`` and neither cancelled, refunded nor fulfilled (orders the
        connector yields as outcomes may be counted or not: their state is unknown)."""
        if "hub_count_open_orders" not in self._hooks(registry):
            pytest.skip("no hub_count_open_orders")
        every = [
            o
            for o in _take(
                registry.call(self.connector, "hub_fetch_new_orders", ctx=contract_ctx, since=None),
                CURSOR_SAMPLE,
            )
            if isinstance(o, dict)
        ]
        if not every:
            pytest.skip("the emulator holds no order")
        since = _between_orders(sorted({_utc(o["created_at"]) for o in every}))
        stream = _take(
            registry.call(self.connector, "hub_fetch_new_orders", ctx=contract_ctx, since=since),
            CURSOR_SAMPLE,
        )
        if len(stream) >= CURSOR_SAMPLE:
            pytest.skip(f"more than {CURSOR_SAMPLE} orders since {since}: not all read")
        orders = [o for o in stream if isinstance(o, dict) and _utc(o["created_at"]) >= _utc(since)]
        expected = [o for o in orders if not (o["cancelled"] or o["refunded"] or o["fulfilled"])]
        unknown = len(stream) - sum(isinstance(o, dict) for o in stream)
        count = registry.call(
            self.connector, "hub_count_open_orders", ctx=contract_ctx, since=since
        )
        if count is None:
            return  # allowed: the store cannot tell cheaply
        assert isinstance(count, int) and not isinstance(count, bool), (
            f"hub_count_open_orders returned {count!r}: an int or None"
        )
        assert len(expected) <= count <= len(expected) + unknown, (
            f"hub_count_open_orders(since={since!r}) = {count}, but hub_fetch_new_orders yields "
            f"{len(expected)} open orders created since then (of {len(orders)}; not cancelled, "
            "refunded nor fulfilled): count what the hub will import, with the same date bound "
            "(at or after since)"
        )

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
            _valid("hub_fetch_product_images", "image", image)
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
        keys = {_valid("hub_push_stock_levels", "push_result", r)["key"] for r in results}
        assert keys == {i["sku"] for i in items}
        assert all(r["status"] in ("ok", "unchanged") for r in results), results

    def default_shipment(
        self, registry: PluginRegistry, ctx: ConnectorContext
    ) -> dict[str, Any] | None:
        """A shipment of the first paid, open order the connector reads (all its lines), or
        None when the seeded emulator has none."""
        if "hub_fetch_new_orders" not in self._hooks(registry):
            return None
        for order in _take(
            registry.call(self.connector, "hub_fetch_new_orders", ctx=ctx, since=None)
        ):
            if not isinstance(order, dict) or not order.get("paid") or order.get("cancelled"):
                continue
            if order.get("fulfilled") or order.get("refunded"):
                continue
            lines = [line for line in order.get("lines", ()) if line.get("sku")]
            if not lines:
                continue
            return {
                "shipment_id": f"contract-{order['external_id']}",
                "order_external_id": order["external_id"],
                "order_number": order["number"],
                "carrier": "UPS",
                "tracking_number": "1Z999AA10123456784",
                "notify_customer": False,
                "shipped_at": datetime.now(UTC).isoformat(),
                "lines": [
                    {
                        "sku": line["sku"],
                        "order_line_external_id": line["external_id"],
                        "quantity": line["quantity"],
                    }
                    for line in lines
                ],
            }
        return None

    def test_contract_shipment_pushed_twice_ships_once(
        self,
        registry: PluginRegistry,
        contract_ctx: ConnectorContext,
        contract_shipment: dict[str, Any] | None,
    ) -> None:
        if "hub_push_shipment" not in self._hooks(registry):
            pytest.skip("no hub_push_shipment")
        if contract_shipment is None:
            contract_shipment = self.default_shipment(registry, contract_ctx)
        assert contract_shipment is not None, (
            "no paid, unshipped order with SKUs in the emulator's seed to ship: seed one, or "
            "give the suite a contract_shipment fixture"
        )
        try:
            shipment = validate_record("shipment", contract_shipment)
        except ValidationError as exc:
            raise AssertionError(
                f"contract_shipment: {'; '.join(field_errors_text(exc.messages))}"
            ) from exc

        def push() -> dict[str, Any]:
            result = registry.call(
                self.connector, "hub_push_shipment", ctx=contract_ctx, shipment=shipment
            )
            return _valid("hub_push_shipment", "push_result", result)

        first = push()
        assert first["status"] in ("ok", "unchanged"), (
            f"hub_push_shipment: shipment {shipment['shipment_id']!r} of order "
            f"{shipment['order_number']!r} was not accepted: {first}"
        )
        second = push()
        assert second["status"] == "unchanged", (
            f"hub_push_shipment: shipment {shipment['shipment_id']!r} pushed twice answered "
            f"{second['status']!r} the second time: a shipment pushed twice must not ship twice "
            "(look for the shipment in the store before writing, and write through "
            "ctx.session_once; answer 'unchanged' when it is there)"
        )

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
        kwargs = {"since": None} if hook == "hub_fetch_new_products" else {}
        try:
            result = registry.call(self.connector, hook, ctx=contract_ctx, **kwargs)
            _take(result) if hook != "hub_check_connection" else None
        except AuthenticationError:
            return
        except Exception as exc:
            raise AssertionError(
                f"{hook}: refused credentials (401) raised {type(exc).__name__}: {exc!s:.300}; "
                "it must raise hub.errors.AuthenticationError (raise_for_status does)"
            ) from exc
        raise AssertionError(
            f"{hook}: refused credentials (401) raised nothing; it must raise "
            "hub.errors.AuthenticationError"
        )
