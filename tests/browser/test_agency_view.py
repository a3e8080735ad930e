"""The agency view in a real browser (issue 18): three integrations, one store down; the
overview shows it (and the bell), the "Last night" link leads to the summary.
Screenshots: overview.png, last-night.png."""

import re
from contextlib import ExitStack

import pytest
from support import run

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def three_stores(hub_db, integration):
    """The test shop (``integration``) and two Shopify emulators; the second one's store is
    down (503 on every request) for three runs, and the alerts pass has run."""
    from connect_shopify_emulator import DEMO_TOKEN, MAIN_LOCATION, create_app

    from hub.models import WorkerHeartbeat
    from hub.services import alerts
    from hub.services.integrations import create_integration
    from hub.testing import serve_app
    from hub.testing.faults import inject

    with ExitStack() as stack:
        shops = {}
        for name, seed in (("Acme Shopify", 3), ("Beta Shopify", 5)):
            server = stack.enter_context(serve_app(create_app(products=3, orders=2, seed=seed)))
            shops[name] = (
                create_integration(
                    name,
                    "shopify",
                    server.url,
                    {"access_token": DEMO_TOKEN, "location_id": MAIN_LOCATION},
                ),
                server.url,
            )
        for shop, _ in shops.values():
            assert run(shop, "import_new_products").status == "succeeded"
            run(shop, "import_new_orders")
        run(integration, "import_new_products")
        down, url = shops["Acme Shopify"]
        inject(url, "5xx", {"fault": "5xx"}, count=1000)
        for feed in ("import_new_orders", "import_new_products", "import_new_orders"):
            assert run(down, feed).status == "failed"
        WorkerHeartbeat.create(worker_id="worker-1", hostname="hub-box", pid=4242, scheduler=True)
        alerts.collect()
        yield {"down": down, "up": shops["Beta Shopify"][0], "testshop": integration}


def test_the_overview_shows_the_store_that_is_down_and_the_last_night_summary(
    signed_in, live_app, three_stores, shot
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    browser = signed_in
    down, up = three_stores["down"], three_stores["up"]
    browser.get(live_app.url + "/")
    pill = browser.find_element(By.ID, f"store-down-{down.id}")
    assert pill.text == "store down"
    assert not browser.find_elements(By.ID, f"store-down-{up.id}")
    card = browser.find_element(By.ID, f"integration-{down.id}")
    assert "The store is not answering" in card.text
    assert "Acme Shopify" in browser.find_element(By.ID, "stores-down-banner").text
    assert browser.find_element(By.ID, "bell-count").text == "1"
    assert not browser.find_elements(By.ID, "worker-banner")  # a worker is alive
    assert "worker-1" in browser.find_element(By.ID, "workers").text
    shot("overview")

    browser.find_element(By.ID, "summary-link").click()
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "summary-totals")))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Last night")
    totals = browser.find_element(By.ID, "summary-totals").text
    assert re.search(r"\b3\s+runs failed", totals), totals
    failed = browser.find_element(By.ID, "summary-failed").text
    assert "Acme Shopify" in failed and "the store is unreachable or busy" in failed
    shot("last-night")
