"""Fixing an order error from its hint, in a real browser (issue 18): the order fails for a
shipping method without a carrier → the bell → the event → its fix link to the carrier
mapping row → the mapping saved → Retry → the order imported, the event resolved."""

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def wait(browser, timeout=30):
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, timeout, ignored_exceptions=ignored)


def test_fix_an_unmapped_carrier_from_the_hint(
    signed_in, live_app, integration, store, worker_factory, shot
):
    from support import run, wait_until

    from hub.models import Event, HeldRecord, Order

    store.add_product(1, "MUG-1", "Mug", stock=5)
    run(integration, "import_new_products")
    store.add_order(1, "1001", [{"sku": "MUG-1", "qty": 1, "product": "1"}], method="drone")
    run(integration, "import_new_orders")
    event = Event.get(Event.code == "unmapped_shipping_method")
    worker_factory("--workers", "1")

    browser = signed_in
    browser.get(live_app.url + "/")
    browser.find_element(By.CSS_SELECTOR, "#bell summary").click()
    wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".bell-item"))).click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "fix-link")))
    primary = browser.find_element(By.CSS_SELECTOR, ".pagehead .actions .btn-primary")
    assert primary.text == "Retry"
    fix = browser.find_element(By.ID, "fix-link")
    assert "drone" in fix.text
    shot("event-page")

    fix.click()
    field = wait(browser).until(EC.presence_of_element_located((By.ID, "mapping-asked")))
    assert field.get_attribute("name") == "carrier__drone"
    assert browser.switch_to.active_element == field  # the row to fill, focused
    field.send_keys("DHL")
    shot("fix-carrier-mapping")
    field.submit()

    # back on the event: resolved by the fix, its order still held until retried
    wait(browser).until(EC.presence_of_element_located((By.ID, "event-resolved")))
    assert f"/events/{event.id}" in browser.current_url
    assert "Order 1001 is still held" in browser.find_element(By.ID, "event-resolved").text
    assert browser.find_element(By.ID, "bell-count").text == "0"
    shot("fix-mapping-saved")

    browser.find_element(By.XPATH, "//button[text()='Retry']").click()
    wait(browser).until(EC.url_contains("/runs/"))
    assert wait_until(lambda: Order.get_or_none(Order.number == "1001"), timeout=60)
    wait(browser).until(lambda b: "succeeded" in b.find_element(By.ID, "run-status").text)
    shot("fix-retried")

    browser.get(f"{live_app.url}/events/{event.id}")
    assert browser.find_elements(By.ID, "event-resolved")
    assert "still held" not in browser.find_element(By.ID, "event-resolved").text
    assert not browser.find_elements(By.XPATH, "//button[text()='Retry']")
    assert Order.get(Order.number == "1001").carrier == "DHL"
    assert HeldRecord.get(HeldRecord.reference == "1001").status == "imported"
    assert Event.get_by_id(event.id).resolved_at is not None
