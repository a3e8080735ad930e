"""The guided set-up in a real browser (issue 18): a new integration against the running test
store, its connection tested before saving, then its checklist step by step — carriers for the
store's shipping methods, products, stock, the test-mode preview — to go-live, with a real
worker running what the checklist's buttons queue. Screenshots: setup-*.png, checklist.png."""

from datetime import UTC, datetime, timedelta

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

# one Chromium at a time, on one xdist worker (make test: --dist loadgroup)
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def wait(browser, timeout=20):
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, timeout, poll_frequency=1, ignored_exceptions=ignored)


def step(browser, key):
    return browser.find_element(By.ID, f"step-{key}")


def click_in_step(browser, key, label):
    step(browser, key).find_element(By.XPATH, f".//button[text()='{label}']").click()


def wait_step_done(browser, key, timeout=90):
    """Reload the checklist until the worker has finished the step's run."""

    def done(driver):
        driver.refresh()
        return step(driver, key).get_attribute("data-done") == "1"

    wait(browser, timeout).until(done)


def test_guided_setup_from_a_new_integration_to_go_live(
    signed_in, live_app, store, worker_factory, shot
):
    from hub_testshop.store import TOKEN

    recent = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    store.add_product(1, "MUG-1", "Blue mug", stock=7)
    store.add_product(2, "MUG-2", "Red mug", stock=3)
    store.add_order(
        1, "1001", [{"sku": "MUG-1", "qty": 1, "product": "1"}], method="express", created=recent
    )
    store.add_order(
        2, "1002", [{"sku": "MUG-2", "qty": 2, "product": "2"}], method="pick_up", created=recent
    )
    worker_factory("--workers", "1")
    browser = signed_in

    # 1. the form: the connection tested before saving, the store's locations offered
    browser.get(live_app.url + "/integrations/")
    browser.find_element(By.ID, "add-integration").click()
    Select(browser.find_element(By.ID, "connector")).select_by_value("testshop")
    browser.find_element(By.ID, "choose-connector").click()
    browser.find_element(By.ID, "name").send_keys("Walkthrough shop")
    browser.find_element(By.ID, "url").send_keys(store.url)
    browser.find_element(By.ID, "setting_token").send_keys(TOKEN)
    since = browser.find_element(By.ID, "orders_since").get_attribute("value")
    assert since == (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    shot("setup-01-new")
    browser.find_element(By.ID, "test-draft-connection").click()
    wait(browser).until(EC.presence_of_element_located((By.ID, "draft-connection-ok")))
    Select(browser.find_element(By.ID, "setting_location")).select_by_visible_text("Depot")
    assert TOKEN not in browser.page_source
    shot("setup-02-connection-tested")
    browser.find_element(By.ID, "create-integration").click()

    # 2. the checklist: the connection passed, the rest to do
    wait(browser).until(EC.presence_of_element_located((By.ID, "checklist")))
    assert "/setup" in browser.current_url
    assert step(browser, "connection").get_attribute("data-done") == "1"
    assert step(browser, "carriers").get_attribute("data-done") == "0"
    go_live = browser.find_element(By.ID, "go-live")
    assert "btn-primary" not in go_live.get_attribute("class")
    shot("checklist")

    # 3. carriers, for the shipping methods the store's orders use
    click_in_step(browser, "carriers", "Import orders now")

    def methods_listed(driver):
        driver.refresh()
        return len(driver.find_elements(By.CSS_SELECTOR, "#carrier-form .method-row")) == 2

    wait(browser, 90).until(methods_listed)
    rows = {
        r.get_attribute("data-method"): r
        for r in browser.find_elements(By.CSS_SELECTOR, "#carrier-form .method-row")
    }
    assert "Express" in rows["express"].text and "Pick_Up" in rows["pick_up"].text
    shot("setup-03-methods")
    rows["express"].find_element(By.TAG_NAME, "input").send_keys("DHL")
    rows["pick_up"].find_element(By.TAG_NAME, "input").send_keys("Pickup")
    browser.find_element(By.ID, "save-carriers").click()
    wait(browser).until(lambda d: step(d, "carriers").get_attribute("data-done") == "1")
    shot("setup-04-carriers")

    # 4. products, 5. stock once
    click_in_step(browser, "products", "Import products")
    wait_step_done(browser, "products")
    shot("setup-05-products")
    click_in_step(browser, "stock", "Import stock")
    wait_step_done(browser, "stock")
    shot("setup-06-stock")

    # 6. the test-mode preview: what would be sent, nothing sent
    click_in_step(browser, "preview", "Make a stock preview")
    wait_step_done(browser, "preview")
    browser.find_element(By.ID, "see-preview").click()
    outbox = wait(browser).until(EC.presence_of_element_located((By.ID, "outbox")))
    assert "MUG-1" in outbox.text
    assert store.pushes == []
    shot("setup-07-preview")
    browser.back()

    # 7. the orders held before their products were known, retried: go live is primary now
    wait(browser).until(EC.presence_of_element_located((By.ID, "checklist")))
    browser.refresh()
    assert "btn-primary" not in browser.find_element(By.ID, "go-live").get_attribute("class")
    step(browser, "go_live").find_element(
        By.XPATH, ".//button[starts-with(text(), 'Retry')]"
    ).click()

    def ready(driver):
        driver.refresh()
        return "btn-primary" in driver.find_element(By.ID, "go-live").get_attribute("class")

    wait(browser, 90).until(ready)
    shot("setup-08-ready")
    browser.find_element(By.ID, "go-live").click()
    browser.switch_to.alert.accept()
    wait(browser).until(EC.text_to_be_present_in_element((By.ID, "mode"), "production"))
    shot("setup-09-live")
    browser.get(browser.current_url.split("#")[0].rstrip("/") + "/setup")
    steps = browser.find_elements(By.CSS_SELECTOR, "#checklist .setup-step")
    assert [s.get_attribute("data-done") for s in steps] == ["1"] * 6
    shot("setup-10-checklist-done")
