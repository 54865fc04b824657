"""Personal access tokens: seed 002's Python snippet and seed 003's curl line with a token, the CLI, and the API
Tokens page in a real browser (a screenshot of the one-time display is kept)."""

import json
import subprocess

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import wait_for
from real_browser import chromium, screenshot


def test_seed_002_snippet_with_a_token_from_the_cli(server):
    made = json.loads(server.cli("token", "create", "--user", "admin", "--name", "seed 002", "--json").stdout)
    assert set(made) == {"accessToken", "token"}
    assert set(made["token"]) >= {"id", "user_id", "client_id", "name", "scopes", "revoked", "created_at", "updated_at", "expires_at"}

    # Prepare the headers for the request
    headers = {
        'Authorization': f'Bearer {made["accessToken"]}',
    }

    # Make a request to the API
    response = requests.get(f'{server.url}/api/1.0/users', headers=headers)

    print(response.json())
    assert response.status_code == 200 and response.json()["data"][0]["username"] == "admin"

    # Seed 003's cURL tab.
    curl = subprocess.run(["curl", "-sS", "-X", "GET", f"{server.url}/api/1.0/users", "-H", f"Authorization: Bearer {made['accessToken']}"],
                          capture_output=True, text=True, timeout=30)
    assert json.loads(curl.stdout)["meta"]["total"] >= 1

    listed = json.loads(server.cli("token", "list", "--user", "admin", "--json").stdout)["data"]
    assert any(token["id"] == made["token"]["id"] for token in listed)
    server.cli("token", "revoke", str(made["token"]["id"]))
    assert wait_for(lambda: requests.get(f"{server.url}/api/1.0/users", headers=headers).status_code == 401, 3), \
        "the running server refuses a token revoked from the CLI within seconds"
    bad = server.cli("token", "create", "--user", "nobody", "--name", "x", check=False)
    assert bad.returncode != 0 and "nobody" in bad.stderr


@pytest.mark.browser
def test_api_tokens_page_in_chromium(server):
    driver = chromium(1100, 900)
    try:
        driver.get(server.url + "/login?redirect=%2Fprofile%2Ftokens")
        driver.find_element(By.ID, "username").send_keys("admin")
        driver.find_element(By.ID, "password").send_keys(server.admin_password)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
        WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.ID, "lifetime")))
        driver.find_element(By.ID, "name").send_keys("Nightly report")
        driver.find_element(By.NAME, "scope_*").click()
        driver.find_element(By.NAME, "scope_view_processes").click()
        driver.find_element(By.CSS_SELECTOR, "#lifetime option[value='30']").click()
        driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()
        token_element = WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.ID, "personal-token")))
        token = token_element.text
        assert "It will not be shown again." in driver.page_source
        screenshot(driver, "api-token-created")
        # Seed 002's snippet with the token from the page: it works, with its scope.
        assert requests.get(f"{server.url}/api/1.0/users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert requests.put(f"{server.url}/api/1.0/users/1", json={"firstname": "X"},
                            headers={"Authorization": f"Bearer {token}"}).status_code == 403
        driver.find_element(By.LINK_TEXT, "Done").click()
        WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.LINK_TEXT, "Revoke")))
        assert "Nightly report" in driver.find_element(By.TAG_NAME, "tbody").text
        screenshot(driver, "api-tokens-list")
        driver.find_element(By.LINK_TEXT, "Revoke").click()
        WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "button.danger"))).click()
        WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.CLASS_NAME, "notice")))
        assert requests.get(f"{server.url}/api/1.0/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        driver.quit()
