"""The authorization-code flow in a real browser: headless chromium signs in on the login page, reads the consent
screen, presses Accept, and lands on the application's callback with a code. Screenshots of the login page and
the consent screen (desktop and phone widths) are kept in e2e/artifacts/screenshots."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import free_port
from real_browser import chromium, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def test_login_consent_accept_in_chromium(server, browser):
    callback = f"http://127.0.0.1:{free_port()}/callback"
    app = server.create_client("Chromium Test App", "--grant", "authorization_code", "--redirect-uri", callback,
                               "--website", "https://app.example.com", "--description", "Reads your workflow users")
    browser.get(f"{server.url}/oauth/authorize?response_type=code&client_id={app['client_id']}&scope=view_processes%20edit_processes&state=abc")
    WebDriverWait(browser, 15).until(expected_conditions.presence_of_element_located((By.ID, "username")))
    assert "Sign in" in browser.title
    assert "Chromium Test App" in browser.page_source
    screenshot(browser, "login")
    browser.find_element(By.ID, "username").send_keys("admin")
    browser.find_element(By.ID, "password").send_keys(server.admin_password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    WebDriverWait(browser, 15).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "button[value=accept]")))
    assert "Chromium Test App" in browser.find_element(By.TAG_NAME, "h1").text
    assert "Read and change your data" in browser.page_source
    screenshot(browser, "consent")
    browser.set_window_size(390, 844)
    screenshot(browser, "consent-phone")
    browser.set_window_size(1100, 900)
    browser.find_element(By.CSS_SELECTOR, "button[value=accept]").click()
    # Nothing listens on the callback port: the browser shows an error page, but its address has the code.
    WebDriverWait(browser, 15).until(lambda driver: driver.current_url.startswith(callback))
    params = parse_qs(urlparse(browser.current_url).query)
    assert params["state"] == ["abc"]
    token = requests.post(f"{server.url}/oauth/token", data={"grant_type": "authorization_code", "code": params["code"][0]},
                          auth=(app["client_id"], app["client_secret"]))
    assert token.status_code == 200, token.text


def test_login_page_on_a_phone(server, browser):
    browser.set_window_size(390, 844)
    browser.get(f"{server.url}/sysworkflow/en/neoclassic/login/login")
    WebDriverWait(browser, 15).until(expected_conditions.presence_of_element_located((By.ID, "username")))
    screenshot(browser, "login-phone")
    # The form fits: no horizontal scrolling on a 390-pixel screen.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390


def test_wrong_password_shows_the_generic_message(server, browser):
    browser.get(f"{server.url}/login")
    browser.find_element(By.ID, "username").send_keys("admin")
    browser.find_element(By.ID, "password").send_keys("not-the-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    WebDriverWait(browser, 15).until(expected_conditions.presence_of_element_located((By.CLASS_NAME, "alert")))
    assert browser.find_element(By.CLASS_NAME, "alert").text == "These credentials do not match our records."
    screenshot(browser, "login-failed")
