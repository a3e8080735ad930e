"""The hub's connector contract suite, run against the Magento emulator."""

import pytest

from hub.testing import make_context
from hub.testing.contract import ConnectorContractSuite

from .conftest import OAUTH_SECRETS, shippable
from .test_magento_shipments import shipment_for


class TestMagentoContract(ConnectorContractSuite):
    connector = "magento"

    @pytest.fixture
    def contract_ctx(self, emulator, sleeps):
        return make_context("magento", emulator.url, secrets=dict(OAUTH_SECRETS), sleep=sleeps)

    @pytest.fixture
    def contract_shipment(self, emulator):
        order = next(
            o
            for o in emulator.current.orders.values()
            if o["state"] == "processing" and shippable(emulator.current, o)
        )
        return shipment_for(order, shipment_id="contract-1")
