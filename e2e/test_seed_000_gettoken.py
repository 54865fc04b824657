"""Seed 000's authorization-code example: the application's callback page gettoken.php runs on PHP's built-in web
server; the user signs in to Portcullis, presses Accept or Deny, and the browser lands on gettoken.php."""

import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from browser_flow import PageBrowser
from conftest import free_port

HERE = pathlib.Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed (scripts/test installs php-cli and php-curl)")


@pytest.fixture(scope="module")
def php_app(server):
    port = free_port()
    secure = pathlib.Path(tempfile.mkdtemp(prefix="pm-secure-"))
    env = dict(os.environ, PM_SERVER=server.url, SECURE_LOCATION=str(secure))
    process = subprocess.Popen(["php", "-S", f"127.0.0.1:{port}", "-t", str(HERE / "php" / "callback")], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    yield url, secure
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(secure, ignore_errors=True)


def register(server, php_url, secure):
    app = server.create_client("PHP callback " + os.urandom(3).hex(), "--grant", "authorization_code",
                               "--redirect-uri", php_url + "/gettoken.php")
    (secure / "oauthCredentials.json").write_text(json.dumps({
        "client_id": app["client_id"], "client_secret": app["client_secret"], "username": "admin", "password": server.admin_password}))
    return app


def test_accept_lands_on_gettoken_which_gets_the_token(server, php_app):
    php_url, secure = php_app
    app = register(server, php_url, secure)
    browser = PageBrowser(server.url)
    # Seed 000's first step, as written: no redirect_uri, the client's one registered callback is used.
    callback = browser.authorize(f"{server.url}/workflow/oauth2/authorize?response_type=code&client_id={app['client_id']}&scope=*",
                                 "admin", server.admin_password)
    assert callback.startswith(php_url + "/gettoken.php?code=pcl_ac_")
    landing = requests.get(callback, allow_redirects=False)
    assert landing.status_code == 302, landing.text
    assert landing.headers["Location"] == "caseslist.html"
    assert "access_token" in landing.cookies and "refresh_token" in landing.cookies
    saved = json.loads((secure / "oauthAccess.json").read_text())
    assert saved["token_type"] == "bearer"
    users = requests.get(f"{server.url}/api/1.0/workflow/users", headers={"Authorization": "Bearer " + saved["access_token"]})
    assert users.status_code == 200


def test_deny_lands_on_gettoken_with_the_error(server, php_app):
    php_url, secure = php_app
    app = register(server, php_url, secure)
    callback = PageBrowser(server.url).authorize(
        f"{server.url}/workflow/oauth2/authorize?response_type=code&client_id={app['client_id']}&scope=*",
        "admin", server.admin_password, decision="deny")
    page = requests.get(callback).text
    assert "[error] =&gt; access_denied" in page or "[error] => access_denied" in page
    assert "The user denied access to your application" in page
