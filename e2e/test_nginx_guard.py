"""Issue 15: an API in any language behind real nginx, its tokens checked by Portcullis's `/oauth/check` through
`auth_request`, with deploy/nginx-guard.conf exactly as shipped (only its three addresses rewritten).

The upstream is a small Python API that answers with the X-Portcullis-* headers it was given, so the tests see what
nginx passed on. Tokens are real: a registered resource server, a client, client-credentials and password grants
with RFC 8707 `resource`."""

import http.server
import json
import pathlib
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import ROOT, free_port, password_login, wait_for

RESOURCE = "https://api.example.com/"


class EchoAPI(http.server.BaseHTTPRequestHandler):
    """Answers every request with the identity headers nginx set, as the API behind it would read them."""

    def _answer(self):
        body = json.dumps({
            "path": self.path,
            "method": self.command,
            "subject": self.headers.get("X-Portcullis-Subject"),
            "client": self.headers.get("X-Portcullis-Client"),
            "scopes": self.headers.get("X-Portcullis-Scopes"),
            "workspace": self.headers.get("X-Portcullis-Workspace"),
            "authorization": self.headers.get("Authorization"),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def guarded(server):
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed (scripts/test installs it)")
    upstream_port, nginx_port = free_port(), free_port()
    api = http.server.ThreadingHTTPServer(("127.0.0.1", upstream_port), EchoAPI)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    prefix = pathlib.Path(tempfile.mkdtemp(prefix="portcullis-nginx-guard-"))
    conf = (ROOT / "deploy" / "nginx-guard.conf").read_text()
    conf = conf.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{server.port};")
    conf = conf.replace("server 127.0.0.1:9000;", f"server 127.0.0.1:{upstream_port};")
    conf = conf.replace("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{nginx_port};")
    assert str(server.port) in conf and str(nginx_port) in conf
    # Under root nginx would switch its workers to "nobody", who cannot write the prefix.
    conf = "user root;\n" + conf if subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() == "0" else conf
    (prefix / "nginx.conf").write_text(conf)
    subprocess.run(["nginx", "-t", "-q", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], check=True)
    subprocess.run(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], check=True)
    base = f"http://127.0.0.1:{nginx_port}"
    assert wait_for(lambda: requests.get(base + "/orders", timeout=2).status_code == 401, 10)
    client = server.create_client(None, "--grant", "password", "--grant", "client_credentials")
    registered = json.loads(server.cli(
        "resource", "create", "--uri", RESOURCE, "--name", "Orders", "--scope", "read:orders=Read your orders",
        "--scope", "write:orders", "--machine-client", client["client_id"], "--json").stdout)
    yield {"base": base, "client": client, "resource": registered, "server": server}
    subprocess.run(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-s", "stop"], check=False)
    api.shutdown()
    shutil.rmtree(prefix, ignore_errors=True)


def token(guarded, **fields) -> str:
    client = guarded["client"]
    server = guarded["server"]
    data = {"grant_type": "client_credentials", **fields}

    def issued():
        response = requests.post(server.url + "/oauth/token", data=data, auth=(client["client_id"], client["client_secret"]), timeout=10)
        return response if response.status_code == 200 else None

    # The CLI registered the resource in another process: the server's catalog has it within one mirror pass.
    assert wait_for(lambda: issued() is not None, 5), "the resource server never became known"
    return issued().json()["access_token"]


def call(guarded, method="GET", path="/orders", token_value=None, headers=None):
    headers = dict(headers or {})
    if token_value is not None:
        headers["Authorization"] = f"Bearer {token_value}"
    return requests.request(method, guarded["base"] + path, headers=headers, timeout=10)


def test_no_token_is_401_with_the_bearer_challenge(guarded):
    response = call(guarded)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer realm=")


def test_a_token_for_the_api_passes_with_who_is_calling_and_forged_headers_replaced(guarded):
    value = token(guarded, resource=RESOURCE, scope="read:orders")
    response = call(guarded, token_value=value, headers={"X-Portcullis-Subject": "forged-admin"})
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["subject"] == guarded["client"]["client_id"]
    assert seen["scopes"] == "read:orders" and seen["workspace"] == "workflow"
    assert seen["authorization"] is None, "the token must not reach the upstream"


def challenges(response) -> list:
    """Every WWW-Authenticate field as sent (requests joins repeated ones into one string)."""
    return response.raw.headers.getlist("WWW-Authenticate")


def test_a_token_for_portcullis_own_api_is_the_wrong_audience(guarded):
    value = token(guarded)
    response = call(guarded, token_value=value)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert len(challenges(response)) == 1, challenges(response)  # second attacker's pass: nginx sent it twice


def test_missing_scope_is_403_insufficient_scope(guarded):
    value = token(guarded, resource=RESOURCE, scope="read:orders")
    response = call(guarded, method="POST", token_value=value)
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="write:orders"' in challenge
    assert len(challenges(response)) == 1, challenges(response)
    writer = token(guarded, resource=RESOURCE)
    assert call(guarded, method="POST", token_value=writer).status_code == 200


def test_a_user_token_from_the_password_grant_names_the_user(guarded):
    server = guarded["server"]
    login = password_login(server, guarded["client"], scope="read:orders")
    response = call(guarded, token_value=login["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "1"  # the bootstrap admin


def test_a_revoked_token_stops_within_the_cache_lifetime(guarded):
    value = token(guarded, resource=RESOURCE, scope="read:orders")
    assert call(guarded, token_value=value).status_code == 200  # now cached by nginx for at most a second
    client = guarded["client"]
    revoked = requests.post(guarded["server"].url + "/oauth/revoke", data={"token": value},
                            auth=(client["client_id"], client["client_secret"]), timeout=10)
    assert revoked.status_code == 200
    started = time.monotonic()
    assert wait_for(lambda: call(guarded, token_value=value).status_code == 401, 5), "still accepted 5 s after revocation"
    elapsed = time.monotonic() - started
    print(f"nginx: revoked token refused {elapsed:.2f} s after revocation")
    assert elapsed <= 2.0


@pytest.mark.parametrize("garbage", ["x", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "Bearer", "\u00e9" * 10, "A" * 4000])
def test_garbage_tokens_are_401_never_5xx(guarded, garbage):
    try:
        response = call(guarded, headers={"Authorization": f"Bearer {garbage}"})
    except UnicodeEncodeError:
        response = requests.get(guarded["base"] + "/orders", headers={"Authorization": ("Bearer " + garbage).encode("utf-8")}, timeout=10)
    assert response.status_code in (400, 401), response.status_code
