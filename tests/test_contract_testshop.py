"""The connector contract suite, run against the test connector (as connectors run it)."""

import pytest
from hub_testshop.store import TOKEN, StoreState, create_store

from hub.testing import make_context, serve_app
from hub.testing.contract import ConnectorContractSuite


class TestTestshopContract(ConnectorContractSuite):
    connector = "testshop"

    @pytest.fixture
    def contract_ctx(self):
        state = StoreState()
        for i in range(1, 6):
            state.add_product(i, f"C-{i}", f"Contract {i}", images=[i])
            state.stock[str(i)] = i
        state.add_order(1, "#C1", [{"sku": "C-1", "qty": 1}])
        self.state = state
        with serve_app(create_store(state)) as server:
            yield make_context("testshop", server.url, secrets={"token": TOKEN})

    @pytest.fixture
    def contract_shipment(self):
        return {
            "shipment_id": "1",
            "order_external_id": "1",
            "order_number": "#C1",
            "carrier": "UPS",
            "tracking_number": "1Z",
            "shipped_at": "2026-01-01T00:00:00Z",
            "lines": [{"sku": "C-1", "order_line_external_id": "1-0", "quantity": 1}],
        }
