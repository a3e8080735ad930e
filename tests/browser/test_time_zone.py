"""The browser's time zone reaches the dashboard (issue 18): hub.js sets the ``hub_tz`` cookie
from Intl.DateTimeFormat, and the pages show times in it; a zone chosen on My settings wins.
Screenshot: my-settings.png."""

from datetime import datetime

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_times_follow_the_browsers_zone_then_the_chosen_one(browser, live_app, shot):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from hub.models import User

    User.update(created_at=datetime(2026, 1, 15, 12, 0)).where(
        User.username == "merchant"
    ).execute()
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    browser.get(live_app.url + "/")  # the sign-in page: hub.js sets the cookie already
    assert browser.get_cookie("hub_tz")["value"] == "America/New_York"
    browser.find_element(By.ID, "username").send_keys("merchant")
    browser.find_element(By.ID, "password").send_keys("correct horse battery")
    browser.find_element(By.ID, "sign-in").click()
    # a page that reloads after a form: wait for the new one, not the old one's elements
    wait = WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".usermenu")))

    user_id = User.get(User.username == "merchant").id
    browser.get(f"{live_app.url}/users/{user_id}")
    assert "created 2026-01-15 07:00 EST" in browser.find_element(By.TAG_NAME, "main").text

    browser.get(live_app.url + "/users/me")
    Select(browser.find_element(By.NAME, "timezone")).select_by_value("Asia/Tokyo")
    browser.find_element(By.XPATH, "//button[text()='Save time zone']").click()
    wait.until(
        EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Times are now shown in Asia/Tokyo")
    )
    shot("my-settings")
    browser.get(f"{live_app.url}/users/{user_id}")
    assert "created 2026-01-15 21:00 JST" in browser.find_element(By.TAG_NAME, "main").text
