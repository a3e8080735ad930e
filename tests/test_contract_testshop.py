"""The connector contract suite, run against the test connector (as connectors run it),
with the default shipment (built from a paid order the suite read)."""

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
        state.add_order(2, "#C2", [{"sku": "C-2", "qty": 2}], created="2026-06-02T10:00:00Z")
        self.state = state
        with serve_app(create_store(state)) as server:
            yield make_context("testshop", server.url, secrets={"token": TOKEN})
