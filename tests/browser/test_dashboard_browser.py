"""Merchant scenarios in a real browser: sign in, add an integration and test its connection,
Run now with the live progress bar, an error in the bell resolved, ship an order."""

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

# one Chromium at a time, on one xdist worker (make test: --dist loadgroup)
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def wait(browser, timeout=20):
    # a finished run's page reloads itself: an element found just before is then stale
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, timeout, ignored_exceptions=ignored)


def test_sign_in(browser, live_app, shot):
    browser.get(live_app.url + "/orders/")
    assert "/login" in browser.current_url
    shot("01-login")
    browser.find_element(By.ID, "username").send_keys("merchant")
    browser.find_element(By.ID, "password").send_keys("wrong password")
    browser.find_element(By.ID, "sign-in").click()
    wait(browser).until(lambda b: "wrong password" in b.page_source)
    browser.find_element(By.ID, "username").send_keys("merchant")
    browser.find_element(By.ID, "password").send_keys("correct horse battery")
    browser.find_element(By.ID, "sign-in").click()
    wait(browser).until(EC.url_contains("/orders/"))
    assert browser.find_element(By.CSS_SELECTOR, ".usermenu summary").text.startswith("merchant")
    browser.get(live_app.url + "/")
    assert "No worker is running" in browser.page_source
    shot("02-overview")


def test_add_integration_and_test_connection(signed_in, live_app, store, shot):
    browser = signed_in
    browser.get(live_app.url + "/integrations/")
    browser.find_element(By.ID, "add-integration").click()
    Select(browser.find_element(By.ID, "connector")).select_by_value("testshop")
    browser.find_element(By.ID, "choose-connector").click()
    browser.find_element(By.ID, "name").send_keys("Browser shop")
    browser.find_element(By.ID, "url").send_keys(store.url)
    browser.find_element(By.ID, "setting_token").send_keys(_token())
    shot("03-add-integration")
    browser.find_element(By.ID, "create-integration").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "mode")))
    assert "Browser shop" in browser.title and "test mode" in browser.page_source
    browser.find_element(By.XPATH, "//button[text()='Test connection']").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "connection-report")))
    assert browser.find_elements(By.ID, "connection-ok")
    shot("04-connection-ok")


def _token():
    from hub_testshop.store import TOKEN

    return TOKEN


def test_run_now_progress_reaches_the_end(
    signed_in, live_app, integration, store, worker_factory, shot
):
    for i in range(40):
        store.add_product(i + 1, f"SKU-{i:03d}", f"Product {i}")
    store.faults.append({"fault": "slow", "count": 1, "delay": 2, "path": "/products"})
    worker_factory("--workers", "1")
    browser = signed_in
    browser.get(f"{live_app.url}/integrations/{integration.id}")
    row = browser.find_element(By.ID, "feed-update_products")
    row.find_element(By.CSS_SELECTOR, "button.run-now").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "progress")))
    assert "/runs/" in browser.current_url
    shot("05-run-started")

    def finished(driver):
        box = driver.find_element(By.ID, "progress")
        bar = box.find_element(By.TAG_NAME, "progress")
        return (
            box.get_attribute("data-done") == "1"
            and bar.get_attribute("value") == bar.get_attribute("max")
            and bar.get_attribute("max") == "40"
        )

    wait(browser, 60).until(finished)
    wait(browser, 10).until(lambda d: d.find_element(By.ID, "run-status").text == "succeeded")
    wait(browser, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-count='created']").text == "40"
    )
    # once finished the page reloads itself with the run's summary
    wait(browser, 10).until(EC.presence_of_element_located((By.ID, "run-message")))
    shot("06-run-finished")


def test_error_in_the_bell_is_resolved(signed_in, live_app, integration, store, shot):
    from support import run

    store.add_product(1, "MUG-1", "Mug")
    run(integration, "import_new_products")
    store.add_order(1, "1001", [{"sku": "MUG-1", "qty": 1, "product": "1"}], method="drone")
    run(integration, "import_new_orders")
    browser = signed_in
    browser.get(live_app.url + "/")
    assert browser.find_element(By.ID, "bell-count").text == "1"
    browser.find_element(By.CSS_SELECTOR, "#bell summary").click()
    item = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".bell-item")))
    assert "drone" in item.text
    shot("07-bell-open")
    item.click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "event-hint")))
    assert "Carrier mapping" in browser.find_element(By.ID, "event-hint").text
    shot("08-error-detail")
    browser.find_element(By.XPATH, "//button[text()='Mark resolved']").click()
    wait(browser).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash-success"), "Marked resolved")
    )
    assert browser.find_element(By.ID, "bell-count").text == "0"
    shot("09-error-resolved")


def test_ship_an_order(signed_in, live_app, integration, store, shot):
    from support import run

    from hub.models import Order, Shipment

    store.add_product(1, "MUG-1", "Mug", stock=5)
    run(integration, "import_new_products")
    run(integration, "import_stock")
    store.add_order(1, "1001", [{"sku": "MUG-1", "qty": 2, "product": "1"}])
    run(integration, "import_new_orders")
    order = Order.get(Order.number == "1001")
    browser = signed_in
    browser.get(f"{live_app.url}/orders/?status=to_ship")
    browser.find_element(By.LINK_TEXT, "1001").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "ship-form")))
    assert Select(browser.find_element(By.ID, "carrier")).first_selected_option.text == "UPS"
    browser.find_element(By.ID, "tracking_number").send_keys("1Z999AA10123456784")
    browser.find_element(By.ID, "tracking_url").send_keys("https://ups.example/track")
    shot("10-ship-form")
    browser.find_element(By.ID, "ship-button").click()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "order-status"), "shipped"))
    assert "1Z999AA10123456784" in browser.find_element(By.ID, "shipments").text
    assert Order.get_by_id(order.id).status == "shipped"
    assert Shipment.get(Shipment.order == order.id).carrier == "UPS"
    shot("11-order-shipped")
