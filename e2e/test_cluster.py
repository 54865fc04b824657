"""Issue 8: three instances on one PostgreSQL behind nginx (deploy/cluster). Anything one instance starts, another
finishes; a refresh token redeemed at three instances at once wins once; a revoke or a key rotation at one is
honoured by all within a second; an instance killed with SIGKILL mid-load loses no token it handed out."""

import concurrent.futures
import json
import os
import pathlib
import re
import signal
import subprocess
import tempfile
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from browser_flow import PageBrowser
from conftest import ROOT, free_port, portcullis_binary

ADMIN_PASSWORD = "cluster-admin-password"
pytestmark = pytest.mark.cluster


class Cluster:
    def __init__(self, state: pathlib.Path, info: dict):
        self.state = state
        self.front = info["front"]
        self.instances = [instance["url"] for instance in info["instances"]]
        self.pid_files = [instance["pid_file"] for instance in info["instances"]]
        self.env = dict(os.environ, DATABASE_URL=info["database"], PORTCULLIS_SECRET_KEY=(state / "secret.key").read_text().strip(),
                        PORTCULLIS_ISSUER=self.front, PORTCULLIS_DATA_DIR=str(state / "cli"), PORTCULLIS_BCRYPT_COST="4")

    def cli(self, *args: str) -> str:
        result = subprocess.run([portcullis_binary(), *args], env=self.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def client(self, *grants: str, redirect: str | None = None) -> dict:
        args = ["client", "create", "--name", "cluster-" + os.urandom(4).hex(), "--json"]
        for grant in grants:
            args += ["--grant", grant]
        if redirect:
            args += ["--redirect-uri", redirect]
        return json.loads(self.cli(*args))


@pytest.fixture(scope="module")
def cluster():
    state = pathlib.Path(tempfile.mkdtemp(prefix="portcullis-cluster-"))
    env = dict(os.environ, PORTCULLIS_ADMIN_PASSWORD=ADMIN_PASSWORD, PORTCULLIS_BCRYPT_COST="4")
    up = subprocess.run([str(ROOT / "deploy" / "cluster"), "up", "--instances", "3", "--port", str(free_port()), "--state", str(state),
                         "--bin", portcullis_binary()], env=env, capture_output=True, text=True, timeout=300)
    assert up.returncode == 0, up.stderr + up.stdout
    info = json.loads((state / "cluster.json").read_text())
    yield Cluster(state, info)
    subprocess.run([str(ROOT / "deploy" / "cluster"), "down", "--state", str(state)], capture_output=True, timeout=120)


def token(url, client, **fields):
    response = requests.post(url + "/oauth/token", data=fields, auth=(client["client_id"], client["client_secret"]), timeout=30)
    return response


def wait_until(predicate, limit=3.0):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def test_every_grant_started_at_one_instance_finishes_at_another(cluster):
    one, two, three = cluster.instances
    app = cluster.client("password", "client_credentials", "authorization_code", redirect="https://app.example.com/cb")

    # Password at one, refreshed at two, again at three.
    first = token(one, app, grant_type="password", username="admin", password=ADMIN_PASSWORD).json()
    second = token(two, app, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200, second.text
    third = token(three, app, grant_type="refresh_token", refresh_token=second.json()["refresh_token"])
    assert third.status_code == 200, third.text

    # Client credentials at one, introspected at two.
    machine = token(one, app, grant_type="client_credentials").json()["access_token"]
    introspected = requests.post(two + "/oauth/introspect", data={"token": machine}, auth=(app["client_id"], app["client_secret"])).json()
    assert introspected["active"] is True

    # Signed in at one; the session is good at two, where the consent is given; the code is redeemed at three.
    browser = PageBrowser(one)
    page = browser.session.get(one + "/login")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    browser.session.post(one + "/login", data={**fields, "username": "admin", "password": ADMIN_PASSWORD}, allow_redirects=False)
    assert "signed in as" in browser.session.get(two + "/").text
    browser.server = two
    callback = browser.authorize(f"{two}/oauth/authorize?response_type=code&client_id={app['client_id']}&state=s", "admin", ADMIN_PASSWORD)
    code = parse_qs(urlparse(callback).query)["code"][0]
    redeemed = token(three, app, grant_type="authorization_code", code=code)
    assert redeemed.status_code == 200, redeemed.text
    # The same code again, at one: refused, and what it issued is revoked everywhere.
    assert token(one, app, grant_type="authorization_code", code=code).status_code == 400
    assert wait_until(lambda: requests.get(two + "/api/1.0/users/me",
                                           headers={"Authorization": "Bearer " + redeemed.json()["access_token"]}).status_code == 401) is not None

    # A personal access token made at one works at two.
    admin = first["access_token"]
    # Minted through the signed-in browser session (pages' own call: the cookie plus the page's CSRF token).
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', browser.session.get(one + "/profile/tokens").text).group(1)
    pat = browser.session.post(one + "/api/1.0/users/1/tokens", json={"name": "cluster"}, headers={"X-CSRF-TOKEN": csrf})
    assert pat.status_code == 201, pat.text
    assert requests.get(two + "/api/1.0/users/me", headers={"Authorization": "Bearer " + pat.json()["accessToken"]}).status_code == 200
    assert admin


def test_a_refresh_token_redeemed_at_three_instances_at_once_wins_once(cluster):
    app = cluster.client("password")
    refresh = token(cluster.instances[0], app, grant_type="password", username="admin", password=ADMIN_PASSWORD).json()["refresh_token"]
    barrier = threading.Barrier(3)

    def redeem(url):
        barrier.wait()
        return token(url, app, grant_type="refresh_token", refresh_token=refresh).status_code

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        statuses = list(pool.map(redeem, cluster.instances))
    assert sorted(statuses) == [200, 400, 400], statuses


def test_a_revoke_at_one_is_refused_at_the_others_within_a_second(cluster):
    app = cluster.client("password")
    issued = token(cluster.instances[0], app, grant_type="password", username="admin", password=ADMIN_PASSWORD).json()
    bearer = {"Authorization": "Bearer " + issued["access_token"]}
    for url in cluster.instances:
        assert requests.get(url + "/api/1.0/users/me", headers=bearer).status_code == 200
    revoked = requests.post(cluster.instances[0] + "/oauth/revoke", data={"token": issued["access_token"]}, auth=(app["client_id"], app["client_secret"]))
    assert revoked.status_code == 200
    for url in cluster.instances[1:]:
        took = wait_until(lambda: requests.get(url + "/api/1.0/users/me", headers=bearer).status_code == 401)
        assert took is not None and took < 1.0, f"{url} took {took}"


def test_a_user_made_admin_at_one_is_admin_at_all_within_a_second(cluster):
    """Issue 14: the user's state is mirrored in memory (no database read per check); a change at one instance is in
    force at every instance within a second, with no revocation to carry it (a promotion revokes nothing)."""
    app = cluster.client("password")
    name = "mirror-" + os.urandom(3).hex()
    cluster.cli("user", "create", "--username", name, "--password", "mirror-password-1")
    bearer = {"Authorization": "Bearer " + token(cluster.instances[0], app, grant_type="password", username=name,
                                                 password="mirror-password-1").json()["access_token"]}
    for url in cluster.instances:
        assert requests.get(url + "/api/1.0/users", headers=bearer).status_code == 403  # read: now mirrored everywhere
    admin = {"Authorization": "Bearer " + token(cluster.instances[0], app, grant_type="password", username="admin",
                                                password=ADMIN_PASSWORD).json()["access_token"]}
    me = requests.get(cluster.instances[0] + "/api/1.0/users", headers=admin, params={"filter": name}).json()["data"][0]
    promoted = requests.put(cluster.instances[0] + f"/api/1.0/users/{me['id']}", headers=admin, json={"is_administrator": True})
    assert promoted.status_code in (200, 204), promoted.text
    for url in cluster.instances:
        took = wait_until(lambda: requests.get(url + "/api/1.0/users", headers=bearer).status_code == 200)
        assert took is not None and took < 1.0, f"{url} took {took}"


def test_a_secret_rotated_by_the_cli_stops_at_every_instance_within_a_second(cluster):
    app = cluster.client("client_credentials")
    for url in cluster.instances:
        assert token(url, app, grant_type="client_credentials").status_code == 200  # the client is now mirrored
    cluster.cli("client", "rotate-secret", app["client_id"])
    for url in cluster.instances:
        took = wait_until(lambda: token(url, app, grant_type="client_credentials").status_code == 401)
        assert took is not None and took < 1.0, f"{url} took {took}"


def test_a_key_rotated_at_one_is_used_by_all_within_a_second(cluster):
    app = cluster.client("client_credentials")
    # The new kid comes from the CLI, not from an instance's JWKS: read at once, an instance may not have
    # reloaded yet and would still list the old key first (which made this test flaky).
    rotated = cluster.cli("keys", "rotate")
    new_kid = re.search(r"New active signing key (\S+) ", rotated).group(1)

    def kid(url):
        jwt = token(url, app, grant_type="client_credentials").json()["access_token"]
        header = jwt.split(".")[0]
        return json.loads(__import__("base64").urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]

    for url in cluster.instances:
        took = wait_until(lambda: kid(url) == new_kid)
        assert took is not None and took < 1.0, f"{url}: {took}"


def test_an_instance_killed_mid_load_loses_no_token_it_handed_out(cluster):
    app = cluster.client("password", "client_credentials")
    issued: list[dict] = []
    failures = {"before": 0, "after": 0}
    killed = threading.Event()
    stop = time.monotonic() + 8
    lock = threading.Lock()

    def work(index):
        session = requests.Session()
        while time.monotonic() < stop:
            fields = {"grant_type": "client_credentials"} if index % 2 else {
                "grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
            try:
                response = session.post(cluster.front + "/oauth/token", data=fields, auth=(app["client_id"], app["client_secret"]), timeout=10)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                if ok:
                    issued.append({**response.json(), "after_kill": killed.is_set()})
                else:
                    failures["after" if killed.is_set() else "before"] += 1

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(work, index) for index in range(8)]
        time.sleep(3)
        victim = int(pathlib.Path(cluster.pid_files[1]).read_text())
        os.kill(victim, signal.SIGKILL)
        killed.set()
        for future in futures:
            future.result()

    after = [entry for entry in issued if entry["after_kill"]]
    assert failures["before"] == 0
    assert len(after) > 50, f"the load did not go on: {len(after)} tokens after the kill"
    assert failures["after"] <= 8, f"{failures['after']} requests failed around the kill (at most the ones in flight)"
    # Every token a client was told about is still good: written before the answer, read by the survivors.
    survivor = cluster.instances[0]
    auth = (app["client_id"], app["client_secret"])
    for entry in issued:
        for kind in ("access_token", "refresh_token"):
            if kind in entry:
                result = requests.post(survivor + "/oauth/introspect", data={"token": entry[kind]}, auth=auth).json()
                assert result["active"] is True, f"lost {kind}"
