"""Ship two orders at once in a real browser (issue 18): tick them on the orders list, one
carrier for both, a tracking number each."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

# one Chromium at a time, on one xdist worker (make test: --dist loadgroup)
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_ship_two_orders_at_once(signed_in, live_app, integration, store, shot):
    from support import run

    from hub.models import Order, Shipment

    store.add_product(1, "MUG-1", "Mug", stock=10)
    run(integration, "import_new_products")
    run(integration, "import_stock")
    for i, number in enumerate(("1001", "1002", "1003"), start=1):
        store.add_order(i, number, [{"sku": "MUG-1", "qty": 1, "product": "1"}])
    run(integration, "import_new_orders")
    orders = {o.number: o for o in Order.select()}
    browser = signed_in
    browser.get(f"{live_app.url}/orders/?status=to_ship")
    for number in ("1001", "1002"):
        browser.find_element(By.CSS_SELECTOR, f"input[aria-label='Select order {number}']").click()
    browser.find_element(By.ID, "ship-selected").click()
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "ship-many-form")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#ship-rows tbody tr")) == 2
    Select(browser.find_element(By.ID, "carrier_all")).select_by_value("UPS")
    browser.find_element(By.ID, f"tracking_{orders['1001'].id}").send_keys("1Z-TWO-1")
    browser.find_element(By.ID, f"tracking_{orders['1002'].id}").send_keys("1Z-TWO-2")
    browser.find_element(By.ID, "ship-many-button").click()
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "ship-results")))
    results = browser.find_element(By.ID, "ship-results").text
    assert results.count("shipped with UPS") == 2, results
    assert "2 shipped." in browser.find_element(By.CSS_SELECTOR, ".flash-success").text
    statuses = {o.number: o.status for o in Order.select()}
    assert statuses == {"1001": "shipped", "1002": "shipped", "1003": "to_ship"}
    assert sorted(s.tracking_number for s in Shipment.select()) == ["1Z-TWO-1", "1Z-TWO-2"]
    shot("ship-two-orders")
