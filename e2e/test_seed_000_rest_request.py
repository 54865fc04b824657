"""Seed 000's REST calls in PHP: pmRestRequest("GET", "/api/1.0/workflow/users", …), and the refresh on 401."""

import pathlib
import shutil
import subprocess
import time

import pytest
import requests

from conftest import password_login, start_server, stop_server

HERE = pathlib.Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed (scripts/test installs php-cli and php-curl)")


def run(server, client, token):
    result = subprocess.run(
        ["php", str(HERE / "php" / "pmRest.php"), server.url, "workflow", client["client_id"], client["client_secret"],
         token["access_token"], token["refresh_token"]],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_users_with_a_good_token(server, password_client):
    out = run(server, password_client, password_login(server, password_client, username="Admin"))
    assert "first: 200" in out
    assert "user: admin ACTIVE" in out


def test_revoked_token_gets_401_then_refresh_works(server, password_client):
    token = password_login(server, password_client)
    revoked = requests.post(server.url + "/oauth/revoke", data={"token": token["access_token"]},
                            auth=(password_client["client_id"], password_client["client_secret"]), timeout=30)
    assert revoked.status_code == 200
    out = run(server, password_client, token)
    assert "first: 401" in out
    assert "after refresh: 200" in out
    assert "user: admin ACTIVE" in out


@pytest.fixture(scope="module")
def short_lived_server():
    instance = start_server({"PORTCULLIS_ACCESS_TOKEN_TTL": "2"})
    yield instance
    stop_server(instance)


def test_expired_token_gets_401_then_refresh_works(short_lived_server):
    server = short_lived_server
    client = server.create_client(None, "--grant", "password")
    token = password_login(server, client)
    time.sleep(3)
    check = requests.get(server.url + "/api/1.0/users/me", headers={"Authorization": "Bearer " + token["access_token"]}, timeout=30)
    assert check.status_code == 401
    assert 'error_description="The access token provided has expired"' in check.headers["WWW-Authenticate"]
    out = run(server, client, token)
    assert "first: 401" in out and "after refresh: 200" in out
