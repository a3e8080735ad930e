"""The hub's connector contract suite, run against a fresh seeded emulator."""

import pytest

from hub.testing.contract import ConnectorContractSuite

from .conftest import in_stock


class TestWooCommerceContract(ConnectorContractSuite):
    connector = "woocommerce"
    # the fault names are the suite's standard ones (hub.testing.faults.STANDARD_FAULTS, auth
    # included): the emulator is on hub.testing.emulator.EmulatorKit

    @pytest.fixture
    def contract_ctx(self, store, make_ctx):
        return make_ctx(store)

    @pytest.fixture
    def contract_shipment(self, store, contract_ctx):
        sku = in_stock(contract_ctx)[0]["sku"]
        order = store.control(
            "POST",
            "orders",
            json={"lines": [{"sku": sku, "quantity": 1}], "status": "processing"},
        )
        line = order["line_items"][0]
        return {
            "shipment_id": "contract-1",
            "order_external_id": str(order["id"]),
            "order_number": str(order["number"]),
            "carrier": "Colissimo",
            "carrier_code": "flat_rate",
            "tracking_number": "6A99887766554",
            "notify_customer": False,
            "shipped_at": "2026-02-01T10:00:00Z",
            "lines": [{"sku": sku, "order_line_external_id": str(line["id"]), "quantity": 1}],
        }
