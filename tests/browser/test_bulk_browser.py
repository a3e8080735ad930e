"""Bulk work in a real browser: a stock check's differences applied all at once, and a filtered
orders list exported as CSV (the file the browser downloads holds exactly the listed orders)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def wait(browser, timeout=20):
    return WebDriverWait(browser, timeout)


def test_apply_all_stock_check_differences(signed_in, live_app, integration, store, shot):
    from support import run

    from hub.models import Product, StockDiscrepancy, StockLevel

    for pid, sku in enumerate(("MUG-1", "MUG-2", "MUG-3"), start=1):
        store.add_product(pid, sku, sku, stock=5)
    run(integration, "import_new_products")
    run(integration, "import_stock")
    store.set_stock("1", 8)
    store.set_stock("3", 1)
    check = run(integration, "stock_check")
    assert StockDiscrepancy.select().where(StockDiscrepancy.run == check.id).count() == 2

    browser = signed_in
    browser.get(live_app.url + "/")
    assert browser.find_element(By.ID, "bell-drift").text == "1"
    browser.get(f"{live_app.url}/runs/{check.id}#discrepancies")
    apply_all = browser.find_element(By.XPATH, "//button[text()='Apply all (2)']")
    shot("discrepancies-before")
    apply_all.click()
    alert = wait(browser).until(EC.alert_is_present())
    assert "2 SKU(s)" in alert.text
    alert.accept()
    wait(browser).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".flash-success"), "2 SKU(s)")
    )
    shot("discrepancies-applied")
    on_hand = {
        level.product.sku: level.on_hand
        for level in StockLevel.select(StockLevel, Product).join(Product)
    }
    assert on_hand == {"MUG-1": 8, "MUG-2": 5, "MUG-3": 1}
    assert not browser.find_elements(By.ID, "bell-drift")


def test_export_a_filtered_orders_list(signed_in, live_app, integration, store, shot):
    from support import run

    from hub.models import Order

    store.add_product(1, "MUG-1", "Mug", stock=50)
    run(integration, "import_new_products")
    run(integration, "import_stock")
    for n in range(1, 7):
        store.add_order(n, f"100{n}", [{"sku": "MUG-1", "qty": 1, "product": "1"}])
    run(integration, "import_new_orders")
    # order dates two days apart, so a time range takes some of them
    start = datetime(2026, 3, 1, 9, 30)
    for n in range(1, 7):
        Order.update(ordered_at=start + timedelta(days=2 * n)).where(
            Order.number == f"100{n}"
        ).execute()

    browser = signed_in
    browser.get(live_app.url + "/orders/")
    # the date-time pickers are the browser's own widgets: their value is set as a pick would
    for name, value in (("from", "2026-03-05T09:00"), ("to", "2026-03-09T10:00")):
        field = browser.find_element(By.NAME, name)
        assert field.get_attribute("type") == "datetime-local"
        browser.execute_script("arguments[0].value = arguments[1]", field, value)
    browser.find_element(By.XPATH, "//form[@class='filters']//button[text()='Filter']").click()
    wait(browser).until(EC.url_contains("from="))
    listed = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#orders-select td a")]
    # 9:30 on 5, 7 and 9 March (the browser's zone is UTC here): 1002, 1003, 1004
    assert sorted(listed) == ["1002", "1003", "1004"], browser.current_url
    shot("orders-filtered")
    link = browser.find_element(By.LINK_TEXT, "Export CSV")
    assert "from=" in link.get_attribute("href") and "to=" in link.get_attribute("href")
    # the browser fetches the file with its own session, as a click would download it
    text = browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text()).then(done);",
        link.get_attribute("href"),
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["number"] for r in rows) == ["1002", "1003", "1004"]
    assert all(r["ordered_at"].startswith("2026-03-0") for r in rows)
    assert datetime.fromisoformat(rows[0]["ordered_at"].replace("Z", "+00:00")).tzinfo == UTC
