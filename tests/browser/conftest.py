"""The real-browser suite: headless Debian Chromium driven by Selenium against the dashboard
served over real HTTP (hub.testing.serve_app). Screenshots go to test-artifacts/screenshots/."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PASSWORD = "correct horse battery"


@pytest.fixture
def live_app(hub_db):
    from hub.app import create_app
    from hub.services.users import create_user
    from hub.testing import serve_app

    create_user("merchant", PASSWORD)
    app = create_app({"TESTING": False})
    with serve_app(app) as server:
        yield server


@pytest.fixture
def browser(tmp_path):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Debian chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(2)
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


@pytest.fixture
def shot(browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(name):
        browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    return save


@pytest.fixture
def signed_in(browser, live_app):
    from selenium.webdriver.common.by import By

    browser.get(live_app.url + "/")
    browser.find_element(By.ID, "username").send_keys("merchant")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    return browser
