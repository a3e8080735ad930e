"""The hub's connector contract suite, run against a fresh seeded emulator."""

import pytest

from hub.testing.contract import ConnectorContractSuite


class TestPrestaShopContract(ConnectorContractSuite):
    connector = "prestashop"

    @pytest.fixture
    def contract_ctx(self, store, make_ctx):
        return make_ctx(store)

    @pytest.fixture
    def contract_shipment(self, store):
        order = store.control("POST", "orders", json={"state": "PS_OS_PAYMENT"})
        return {
            "shipment_id": "contract-1",
            "order_external_id": str(order["id"]),
            "order_number": order["reference"],
            "carrier": "Colissimo",
            "carrier_code": "4",
            "tracking_number": "6A99887766554",
            "notify_customer": False,
            "shipped_at": "2026-02-01T10:00:00Z",
            "lines": [{"sku": "PS00001", "order_line_external_id": "10", "quantity": 1}],
        }
