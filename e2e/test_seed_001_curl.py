"""Seed 001 (ProcessMaker 4): the JSON password request and the refresh request, run with curl as written."""

import json
import subprocess

import pytest

from conftest import wait_for


def curl(*args: str) -> tuple[int, dict]:
    result = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", *args], capture_output=True, text=True, timeout=30, check=True)
    body, _, status = result.stdout.rpartition("\n")
    return int(status), json.loads(body) if body else {}


def test_password_then_refresh_as_written(server, password_client):
    # The seed's command with host and credentials changed: -X "POST", the JSON content type, a $'…' body.
    status, token = curl(
        "-X", "POST", f"{server.url}/oauth/token",
        "-H", "Content-Type: application/json; charset=utf-8",
        "-d", "{\n"
              f'  "client_id": "{password_client["client_id"]}",\n'
              '  "username": "admin",\n'
              f'  "password": "{server.admin_password}",\n'
              f'  "client_secret": "{password_client["client_secret"]}",\n'
              '  "grant_type": "password"\n}',
    )
    assert status == 200, token
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    assert token["access_token"].count(".") == 2
    assert token["refresh_token"].startswith("pcl_rt_")

    status, refreshed = curl(
        "-X", "POST", f"{server.url}/oauth/token",
        "-H", "Content-Type: application/json; charset=utf-8",
        "-d", "{\n"
              f'  "client_id": "{password_client["client_id"]}",\n'
              f'  "refresh_token": "{token["refresh_token"]}",\n'
              f'  "client_secret": "{password_client["client_secret"]}",\n'
              '  "grant_type": "refresh_token"\n}',
    )
    assert status == 200, refreshed
    assert refreshed["refresh_token"] != token["refresh_token"]

    # The old refresh token is spent: presenting it again is refused (and revokes the grant).
    status, replay = curl(
        "-X", "POST", f"{server.url}/oauth/token", "-H", "Content-Type: application/json; charset=utf-8",
        "-d", json.dumps({"client_id": password_client["client_id"], "client_secret": password_client["client_secret"],
                          "refresh_token": token["refresh_token"], "grant_type": "refresh_token"}),
    )
    assert status == 400 and replay["error"] == "invalid_grant"


@pytest.mark.parametrize("encoding", ["form", "json", "multipart"])
def test_pm3_workspace_route_in_every_encoding(server, password_client, encoding):
    fields = {"grant_type": "password", "scope": "*", "client_id": password_client["client_id"],
              "client_secret": password_client["client_secret"], "username": "admin", "password": server.admin_password}
    url = f"{server.url}/workflow/oauth2/token"
    if encoding == "form":
        args = [arg for key, value in fields.items() for arg in ("--data-urlencode", f"{key}={value}")]
    elif encoding == "json":
        args = ["-H", "Content-Type: application/json", "-d", json.dumps(fields)]
    else:
        args = [arg for key, value in fields.items() for arg in ("-F", f"{key}={value}")]
    status, token = curl("-X", "POST", url, *args)
    assert status == 200, token
    assert token["token_type"] == "bearer"
    assert token["scope"] == "*"


def test_cli_client_json_has_id_and_secret(server):
    created = server.create_client("JSON Output Check")
    assert set(["client_id", "client_secret"]) <= set(created)
    assert created["client_secret"].startswith("pcl_cs_")


def test_cli_bad_argument_is_one_line_and_nonzero(server):
    result = server.cli("client", "create", "--name", "x", "--grant", "telepathy", check=False)
    assert result.returncode != 0
    assert "telepathy" in result.stderr
    result = server.cli("user", "create", "--username", "u1", "--password", "short", check=False)
    assert result.returncode != 0
    assert "password" in result.stderr.lower()


def test_cli_lists_rotates_and_deletes_clients(server):
    created = server.create_client("CLI managed", "--grant", "client_credentials")
    listed = __import__("json").loads(server.cli("client", "list", "--json").stdout)
    assert any(entry["client_id"] == created["client_id"] and entry["name"] == "CLI managed" for entry in listed)
    assert "client_secret" not in str(listed)
    rotated = __import__("json").loads(server.cli("client", "rotate-secret", created["client_id"], "--json").stdout)
    assert rotated["client_secret"] != created["client_secret"]
    old = curl("-u", f"{created['client_id']}:{created['client_secret']}", "-d", "grant_type=client_credentials", f"{server.url}/oauth/token")
    assert old[0] == 401
    status, token = curl("-u", f"{created['client_id']}:{rotated['client_secret']}", "-d", "grant_type=client_credentials", f"{server.url}/oauth/token")
    assert status == 200
    out = server.cli("client", "delete", created["client_id"]).stdout
    assert "Deleted" in out
    # The running server refuses the deleted client's token within a second.
    admin = server.cli_admin_client()

    def introspected():
        return curl("-u", f"{admin['client_id']}:{admin['client_secret']}", "-d", "token=" + token["access_token"],
                    f"{server.url}/oauth/introspect")[1]
    assert wait_for(lambda: introspected() == {"active": False}, 3), introspected()
    missing = server.cli("client", "delete", created["client_id"], check=False)
    assert missing.returncode != 0 and "no client" in missing.stderr
