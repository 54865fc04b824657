"""Issue 15: Examples/OrdersAPI, a Swift API behind PortcullisGuard, with real tokens from a running Portcullis.

One Portcullis and one OrdersAPI for the module; the tests run in file order, and the last one stops Portcullis for
30 seconds while the API keeps answering."""

import json
import os
import subprocess
import threading
import time

import pytest
import requests

from conftest import ROOT, free_port, start_server, stop_server, wait_for

RESOURCE = "https://orders.example.com/"


def orders_binary() -> str:
    path = os.environ.get("ORDERS_API_BIN") or str(ROOT / ".build" / "debug" / "OrdersAPI")
    if not os.access(path, os.X_OK):
        pytest.fail(f"OrdersAPI not found at {path}; `swift build --build-tests` builds it, or set ORDERS_API_BIN")
    return path


@pytest.fixture(scope="module")
def world():
    server = start_server()
    client = server.create_client(None, "--grant", "password", "--grant", "client_credentials")
    resource = json.loads(server.cli(
        "resource", "create", "--uri", RESOURCE, "--name", "Orders", "--scope", "read:orders=Read your orders",
        "--scope", "write:orders=Create orders", "--machine-client", client["client_id"], "--json").stdout)
    port = free_port()
    log = open(server.data_dir / "orders-api.log", "w")
    api = subprocess.Popen(
        [orders_binary(), "--port", str(port), "--issuer", server.url, "--resource", RESOURCE,
         "--client-id", resource["client_id"], "--client-secret", resource["client_secret"], "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=log, text=True)
    line = api.stdout.readline()
    assert line.startswith("OrdersAPI listening on http://127.0.0.1:"), line
    # Ready once the guard has keys and has read the revocation feed (it refuses tokens with 503 until then).
    assert wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200, 30)
    world = {"server": server, "client": client, "resource": resource, "api": f"http://127.0.0.1:{port}", "process": api}
    yield world
    api.terminate()
    try:
        api.wait(10)
    except subprocess.TimeoutExpired:
        api.kill()
    log.close()
    stop_server(world["server"])


def token(world, **fields) -> str:
    client, server = world["client"], world["server"]
    data = {"grant_type": "client_credentials", **fields}
    response = None

    def issued():
        nonlocal response
        response = requests.post(server.url + "/oauth/token", data=data, auth=(client["client_id"], client["client_secret"]), timeout=10)
        return response.status_code == 200

    assert wait_for(issued, 5), response.text  # the CLI's registration reaches the server within a mirror pass
    return response.json()["access_token"]


def get(world, token_value=None, path="/orders", method="GET", **kwargs):
    headers = {"Authorization": f"Bearer {token_value}"} if token_value is not None else {}
    return requests.request(method, world["api"] + path, headers=headers, timeout=10, **kwargs)


def test_no_token_is_401_with_a_bearer_challenge_and_resource_metadata(world):
    response = get(world)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and "error=" not in challenge  # RFC 6750 §3.1: no error code without a token
    assert "resource_metadata=" in challenge
    metadata = requests.get(world["api"] + "/.well-known/oauth-protected-resource", timeout=10).json()
    assert metadata["resource"] == RESOURCE and metadata["authorization_servers"] == [world["server"].url]


def test_a_token_for_the_api_is_accepted_with_its_subject(world):
    response = get(world, token(world, resource=RESOURCE, scope="read:orders"))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == world["client"]["client_id"]


def test_a_users_token_names_the_user(world):
    server, client = world["server"], world["client"]
    fields = {"grant_type": "password", "username": "admin", "password": server.admin_password, "resource": RESOURCE}
    issued = requests.post(server.url + "/oauth/token", data=fields, auth=(client["client_id"], client["client_secret"]), timeout=10)
    assert issued.status_code == 200, issued.text
    created = get(world, issued.json()["access_token"], method="POST", json={"item": "drawbridge", "quantity": 1})
    assert created.status_code == 201, created.text
    assert created.json()["owner"] == "1"


def test_the_wrong_audience_is_401(world):
    response = get(world, token(world))  # Portcullis's own API's audience
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_missing_scope_is_403_insufficient_scope(world):
    response = get(world, token(world, resource=RESOURCE, scope="read:orders"), method="POST", json={"item": "x", "quantity": 1})
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and "write:orders" in challenge


@pytest.mark.parametrize("garbage", ["x", "a.b.c", "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiIxIn0.", "A" * 5000, "Bearer Bearer"])
def test_garbage_is_401_never_5xx(world, garbage):
    response = requests.get(world["api"] + "/orders", headers={"Authorization": f"Bearer {garbage}"}, timeout=10)
    assert response.status_code in (400, 401), (response.status_code, response.text)


def test_a_revoked_token_stops_within_two_seconds(world):
    value = token(world, resource=RESOURCE, scope="read:orders")
    assert get(world, value).status_code == 200
    client = world["client"]
    assert requests.post(world["server"].url + "/oauth/revoke", data={"token": value},
                         auth=(client["client_id"], client["client_secret"]), timeout=10).status_code == 200
    started = time.monotonic()
    assert wait_for(lambda: get(world, value).status_code == 401, 10, interval=0.05), "still accepted 10 s after revocation"
    elapsed = time.monotonic() - started
    print(f"guard: revoked token refused {elapsed:.2f} s after revocation")
    (ROOT / "e2e" / "artifacts").mkdir(exist_ok=True)
    (ROOT / "e2e" / "artifacts" / "guard-revocation-seconds.txt").write_text(f"{elapsed:.3f}\n")
    assert elapsed <= 2.0


def test_deleting_the_resource_server_stops_its_guard_accepting_tokens(world):
    """Second attacker's pass: deleting a resource server revoked its grants and its feed credentials at once, so its
    guard kept accepting those tokens without ever hearing of the revocations. Now a refused feed refuses every token."""
    server, client = world["server"], world["client"]
    uri = "https://deleted.example.com/"
    doomed = json.loads(server.cli(
        "resource", "create", "--uri", uri, "--scope", "read:orders", "--machine-client", client["client_id"], "--json").stdout)
    port = free_port()
    api = subprocess.Popen(
        [orders_binary(), "--port", str(port), "--issuer", server.url, "--resource", uri,
         "--client-id", doomed["client_id"], "--client-secret", doomed["client_secret"], "--log-level", "critical"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert api.stdout.readline().startswith("OrdersAPI listening on")
        assert wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200, 30)
        other = {**world, "api": f"http://127.0.0.1:{port}"}
        value = token(world, resource=uri, scope="read:orders")
        assert wait_for(lambda: get(other, value).status_code == 200, 10)
        server.cli("resource", "delete", str(doomed["id"]))
        assert wait_for(lambda: get(other, value).status_code == 503, 10, interval=0.1), "the deleted API's guard still accepts"
        assert get(other, value).headers.get("Retry-After") == "1"
        # The delete revoked the machine client's access tokens (a client-wide revocation, in whole seconds): a token
        # from a later second is good, at another API.
        time.sleep(1.1)
        assert get(world, token(world, resource=RESOURCE, scope="read:orders")).status_code == 200, "another API is unaffected"
    finally:
        api.terminate()
        api.wait(10)


def test_a_key_rotation_mid_traffic_fails_no_request(world):
    server = world["server"]
    failures, calls = [], [0]
    stop = threading.Event()

    def traffic():
        while not stop.is_set():
            value = token(world, resource=RESOURCE, scope="read:orders")
            for _ in range(5):
                response = get(world, value)
                calls[0] += 1
                if response.status_code != 200:
                    failures.append((response.status_code, response.headers.get("WWW-Authenticate")))

    threads = [threading.Thread(target=traffic) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    before = json.loads(requests.get(server.url + "/oauth/jwks", timeout=10).text)["keys"]
    server.cli("keys", "rotate")
    # Portcullis signs with the new key within a mirror pass; let traffic run well past it.
    assert wait_for(lambda: len(requests.get(server.url + "/oauth/jwks", timeout=10).json()["keys"]) > len(before), 5)
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()
    new_kid = requests.get(server.url + "/oauth/jwks", timeout=10).json()["keys"]
    assert calls[0] > 50
    assert failures == [], failures[:5]
    assert len(new_kid) == len(before) + 1


def test_with_portcullis_stopped_for_30_seconds_jwt_checks_still_answer(world):
    value = token(world, resource=RESOURCE, scope="read:orders")
    assert get(world, value).status_code == 200
    world["server"].process.terminate()
    world["server"].process.wait(30)
    started, answered = time.monotonic(), 0
    while time.monotonic() - started < 30:
        response = get(world, value)
        assert response.status_code == 200, (response.status_code, response.text)
        assert get(world, "garbage").status_code == 401
        answered += 1
        time.sleep(0.5)
    print(f"guard: {answered} checks answered while Portcullis was down for 30 s")
    assert answered >= 30
