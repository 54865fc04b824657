"""Auth Clients administration in a real browser (headless chromium): seed 004's and seed 001's steps followed on
the page, the secret taken from the one-time dialog and used for seed 001's password request, then edit,
regenerate and delete. Screenshots of the list, the form with errors and the secret dialog are kept."""

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from real_browser import chromium, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    driver = chromium(1200, 900)
    yield driver
    driver.quit()


def sign_in(driver, server, username, password, login_path="/login"):
    driver.get(server.url + login_path)
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    WebDriverWait(driver, 15).until(lambda d: "/login" not in d.current_url)


def wait_for(driver, css):
    return WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def create(driver, server, name, switches, redirect=None):
    """Seed 004, steps 2-5: +Auth Client, a name, the switches, Save. Returns (client id, secret) from the dialog."""
    driver.find_element(By.LINK_TEXT, "+ Auth Client").click()
    wait_for(driver, "#name").send_keys(name)
    for switch in switches:
        driver.find_element(By.NAME, switch).click()
    if redirect:
        field = driver.find_element(By.ID, "redirect")
        assert field.is_displayed(), "seed 004: the Redirect URL shows once the authorization code grant is enabled"
        field.send_keys(redirect)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait_for(driver, "#client-secret")
    client_id = driver.find_element(By.ID, "client-id").text
    secret = driver.find_element(By.ID, "client-secret").text
    assert "will not be shown again" in driver.page_source
    return client_id, secret


def test_admin_walks_through_the_seeds(server, browser):
    sign_in(browser, server, "admin", server.admin_password)
    browser.find_element(By.LINK_TEXT, "Auth Clients").click()
    wait_for(browser, "a.button.primary")

    # A form with errors first: no name, the code grant without a redirect URL, a bad web site.
    browser.find_element(By.LINK_TEXT, "+ Auth Client").click()
    wait_for(browser, "#name")
    assert not browser.find_element(By.ID, "redirect").is_displayed(), "seed 004: hidden until the code grant is enabled"
    browser.find_element(By.NAME, "grant_authorization_code").click()
    browser.find_element(By.ID, "website").send_keys("not a url")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait_for(browser, ".field-error")
    errors = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".field-error")]
    assert "The name field is required." in errors
    assert "A redirect URL is required for the authorization code and implicit grants." in errors
    screenshot(browser, "auth-clients-form-errors")
    browser.find_element(By.LINK_TEXT, "Cancel").click()
    wait_for(browser, "a.button.primary")

    # Seed 004: all three switches of ProcessMaker 4's form.
    create(browser, server, "Seed 004 App", ["grant_authorization_code", "grant_password", "grant_personal_access"], "https://app.example.com/callback")
    screenshot(browser, "auth-clients-secret-dialog")
    browser.find_element(By.LINK_TEXT, "Done").click()
    # Seed 001: "Client Authentication for Client Application" with the password grant.
    client_id, secret = create(browser, server, "Client Authentication for Client Application", ["grant_password"])
    browser.find_element(By.LINK_TEXT, "Done").click()
    wait_for(browser, "table")
    rows = browser.find_element(By.TAG_NAME, "tbody").text
    assert "Seed 004 App" in rows and "Client Authentication for Client Application" in rows and secret not in browser.page_source
    screenshot(browser, "auth-clients-list")

    # Seed 001's first API call with what the dialog showed.
    token = requests.post(f"{server.url}/oauth/token", json={
        "client_id": client_id, "username": "admin", "password": server.admin_password, "client_secret": secret, "grant_type": "password"})
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]

    # Edit: add the code grant and a redirect URL.
    browser.get(f"{server.url}/admin/auth-clients/{client_id}/edit")
    browser.find_element(By.NAME, "grant_authorization_code").click()
    browser.find_element(By.ID, "redirect").send_keys("https://app.example.com/new-callback")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait_for(browser, ".notice")
    assert "https://app.example.com/new-callback" in browser.find_element(By.TAG_NAME, "tbody").text

    # Regenerate: the old secret stops working at once.
    browser.find_element(By.XPATH, f"//form[contains(@action, '{client_id}/regenerate')]/button").click()
    wait_for(browser, "#client-secret")
    new_secret = browser.find_element(By.ID, "client-secret").text
    assert new_secret != secret
    old = requests.post(f"{server.url}/oauth/token", data={"grant_type": "password", "username": "admin", "password": server.admin_password},
                        auth=(client_id, secret))
    assert old.status_code == 401
    browser.find_element(By.LINK_TEXT, "Done").click()

    # Delete, after a confirmation: the token the client issued is refused.
    browser.get(f"{server.url}/admin/auth-clients/{client_id}/delete")
    browser.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait_for(browser, ".notice")
    assert "Client Authentication for Client Application" not in browser.find_element(By.TAG_NAME, "tbody").text
    api = requests.get(f"{server.url}/api/1.0/users/me", headers={"Authorization": "Bearer " + access})
    assert api.status_code == 401


def test_a_user_without_the_permissions_sees_no_link_and_no_page(server, browser):
    server.create_user("clerk", "clerk-password-1")
    sign_in(browser, server, "clerk", "clerk-password-1")
    assert "Auth Clients" not in browser.page_source
    browser.get(f"{server.url}/admin/auth-clients")
    assert "You may not do this" in browser.page_source


def test_seed_000_registers_an_application_at_its_pm3_address(server, browser):
    """Seed 000: a user with PM_REST_API_APPLICATIONS opens /sys{workspace}/en/neoclassic/oauth2/applications."""
    server.create_user("johndoe", "p4ssw0rd-long", "--permission", "PM_REST_API_APPLICATIONS")
    base = "/sysworkflow/en/neoclassic/oauth2/applications"
    browser.get(server.url + base)
    browser.find_element(By.ID, "username").send_keys("johndoe")
    browser.find_element(By.ID, "password").send_keys("p4ssw0rd-long")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
    wait_for(browser, "a.button.primary")
    assert browser.current_url.endswith(base)
    client_id, secret = create(browser, server, "Case lister", ["grant_password", "grant_authorization_code"], "http://127.0.0.1/callback")
    token = requests.post(f"{server.url}/workflow/oauth2/token", data={
        "grant_type": "password", "scope": "*", "client_id": client_id, "client_secret": secret, "username": "johndoe", "password": "p4ssw0rd-long"})
    assert token.status_code == 200 and token.json()["token_type"] == "bearer"
