"""Issue 8: with PostgreSQL, the server waits for the database at start (bounded, saying so), answers 503 while it is
unreachable, and recovers without a restart when it returns. Issue 14: what only checks a token (the protected call,
introspection, client credentials) goes on from the in-memory mirrors while the database is away."""

import pathlib
import shutil
import subprocess
import tempfile

import pytest
import requests

from browser_flow import hidden_fields
from conftest import ROOT, Server, free_port, password_login, wait_for
from test_openapi import check


def check_documented(response):
    return check(response, record=False)  # test_openapi's coverage counts its own requests only

pytestmark = pytest.mark.cluster


@pytest.fixture
def postgres():
    folder = pathlib.Path(tempfile.mkdtemp(prefix="portcullis-outage-"))
    folder.chmod(0o755)
    port = free_port()
    script = str(ROOT / "scripts" / "postgres")

    class Database:
        url = None

        def start(self):
            self.url = subprocess.run([script, "start", str(folder / "pg"), str(port), "--fast"], capture_output=True, text=True,
                                      check=True, timeout=120).stdout.strip()
            return self.url

        def stop(self):
            subprocess.run([script, "stop", str(folder / "pg")], capture_output=True, timeout=120)

    database = Database()
    yield database
    database.stop()
    shutil.rmtree(folder, ignore_errors=True)


def test_waits_at_start_then_serves(postgres):
    url = postgres.start()
    postgres.stop()
    data = pathlib.Path(tempfile.mkdtemp(prefix="portcullis-outage-data-"))
    server = Server(data, {"DATABASE_URL": url, "PORTCULLIS_SECRET_KEY": "k" * 44, "PORTCULLIS_DB_WAIT": "60"})
    server.process = None
    log = open(server.log_path, "w")
    process = subprocess.Popen([server.binary, "serve"], env=server.env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: "waiting for the database" in server.log_path.read_text(), 20, 0.2)
        assert process.poll() is None, "it waits rather than exits"
        postgres.start()
        assert wait_for(lambda: requests.get(server.url + "/health", timeout=1).status_code == 200, 30, 0.2), \
            "the server comes up once the database does"
        assert requests.get(server.url + "/.well-known/oauth-authorization-server", timeout=5).status_code == 200
        assert "password" not in server.log_path.read_text().lower() or "PORTCULLIS_ADMIN_PASSWORD" in server.log_path.read_text()
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def test_gives_up_after_the_wait_with_a_clear_message(postgres):
    url = postgres.start()
    postgres.stop()
    data = pathlib.Path(tempfile.mkdtemp(prefix="portcullis-outage-data-"))
    server = Server(data, {"DATABASE_URL": url, "PORTCULLIS_SECRET_KEY": "k" * 44, "PORTCULLIS_DB_WAIT": "3"})
    result = subprocess.run([server.binary, "serve"], env=server.env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "the database is unreachable" in result.stderr and "did not answer within 3 seconds" in result.stderr
    shutil.rmtree(data, ignore_errors=True)


def test_503_while_unreachable_and_recovery_without_restart(postgres):
    url = postgres.start()
    data = pathlib.Path(tempfile.mkdtemp(prefix="portcullis-outage-data-"))
    server = Server(data, {"DATABASE_URL": url, "PORTCULLIS_SECRET_KEY": "k" * 44}).start()
    try:
        client = server.create_client(None, "--grant", "client_credentials", "--grant", "password")
        auth = (client["client_id"], client["client_secret"])
        assert requests.post(server.url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=auth).status_code == 200
        issued = password_login(server, client)
        bearer = {"Authorization": "Bearer " + issued["access_token"]}
        assert requests.get(server.url + "/api/1.0/users/me", headers=bearer).status_code == 200
        postgres.stop()
        # What needs the database answers 503: a password grant (it reads the user's password hash and writes a grant).
        during = requests.post(server.url + "/oauth/token", data={"grant_type": "password", "username": "admin", "password": "whatever"},
                               auth=auth, timeout=30)
        assert during.status_code == 503
        assert during.headers["Retry-After"] == "5"
        assert during.json()["error"] == "temporarily_unavailable"
        check_documented(during)
        for path, form in (("/oauth/revoke", {"token": issued["access_token"]}), ("/oauth/token", {"grant_type": "refresh_token",
                           "refresh_token": issued["refresh_token"]}), ("/workflow/oauth2/token", {"grant_type": "password",
                           "username": "admin", "password": "whatever"})):
            answer = check_documented(requests.post(server.url + path, data=form, auth=auth, timeout=30))
            assert answer.status_code == 503 and answer.headers["Retry-After"] == "5", f"{path}: {answer.status_code}"
        # Issue 14: checking a token never reads the database. The user and the client were read once, before; the
        # protected call, introspection and client credentials (in both dialects) go on from the mirrors.
        me = check_documented(requests.get(server.url + "/api/1.0/users/me", headers=bearer, timeout=30))
        assert me.status_code == 200 and me.json()["username"] == "admin", me.text
        looked = check_documented(requests.post(server.url + "/oauth/introspect", data={"token": issued["access_token"]}, auth=auth, timeout=30))
        assert looked.status_code == 200 and looked.json()["active"] is True, looked.text
        for path in ("/oauth/token", "/workflow/oauth2/token"):
            machine = requests.post(server.url + path, data={"grant_type": "client_credentials"}, auth=auth, timeout=30)
            assert machine.status_code == 200, f"{path}: {machine.status_code}"
        # A list of users is a database read: 503, in each dialect's error shape.
        listed = check_documented(requests.get(server.url + "/api/1.0/users", headers=bearer, timeout=30))
        assert listed.status_code == 503 and listed.headers["Retry-After"] == "5" and listed.json()["error"] == "Service Unavailable"
        pm3 = check_documented(requests.get(server.url + "/api/1.0/workflow/users", headers=bearer, timeout=30))
        assert pm3.status_code == 503 and pm3.json()["error"]["code"] == 503, pm3.text
        # Pages that need the database answer an error page with Retry-After (the login form itself needs none).
        browser = requests.Session()
        browser.headers["Accept"] = "text/html,application/xhtml+xml"  # as a browser sends it: it gets a page
        login_page = browser.get(server.url + "/login", timeout=30)
        assert login_page.status_code == 200
        signed = check_documented(browser.post(server.url + "/login", data={**hidden_fields(login_page.text), "username": "admin",
                                                                            "password": "whatever"}, allow_redirects=False, timeout=30))
        assert signed.status_code == 503 and signed.headers["Retry-After"] == "5", signed.status_code
        assert "text/html" in signed.headers["Content-Type"]
        # The same form posted by something that is not a browser: the OAuth error object.
        script = requests.Session()
        form = hidden_fields(script.get(server.url + "/login", timeout=30).text)
        scripted = check_documented(script.post(server.url + "/login", data={**form, "username": "admin", "password": "whatever"},
                                                allow_redirects=False, timeout=30))
        assert scripted.status_code == 503 and scripted.json()["error"] == "temporarily_unavailable", scripted.status_code
        # (A client this instance has not read yet: the one it knows is checked from the mirror, without the database.)
        for path in ("/oauth/authorize", "/workflow/oauth2/authorize"):
            page = check_documented(browser.get(server.url + path, params={"response_type": "code", "client_id": "not-read-yet"},
                                                 allow_redirects=False, timeout=30))
            assert page.status_code == 503 and page.headers["Retry-After"] == "5", f"{path}: {page.status_code}"
        assert requests.get(server.url + "/health").status_code == 200, "still alive"
        keys = requests.get(server.url + "/oauth/jwks")
        assert keys.status_code == 200 and keys.json()["keys"], "resource servers can still check tokens themselves"
        postgres.start()
        assert wait_for(lambda: requests.post(server.url + "/oauth/revoke", data={"token": issued["access_token"]}, auth=auth,
                                              timeout=30).status_code == 200, 30, 0.5), "recovers without a restart"
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
