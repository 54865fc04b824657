"""Issue 12, RFC 7662 §4: a client learns only about its own tokens, unless it was created with
`portcullis client create --may-introspect` (a resource server)."""

import json

import requests

from conftest import password_login


def introspect(server, asker: dict, token: str) -> dict:
    response = requests.post(f"{server.url}/oauth/introspect", data={"token": token},
                             auth=(asker["client_id"], asker["client_secret"]), timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_cli_flag_round_trips_and_decides_who_learns(server, password_client):
    plain = server.create_client(None, "--grant", "client_credentials")
    resource = server.create_client(None, "--grant", "client_credentials", "--may-introspect")
    assert plain["may_introspect"] is False
    assert resource["may_introspect"] is True
    listed = {entry["client_id"]: entry for entry in json.loads(server.cli("client", "list", "--json").stdout)}
    assert listed[plain["client_id"]]["may_introspect"] is False
    assert listed[resource["client_id"]]["may_introspect"] is True
    assert "may-introspect" in server.cli("client", "list").stdout

    token = password_login(server, password_client)
    for kind in ("access_token", "refresh_token"):
        assert introspect(server, plain, token[kind]) == {"active": False}, kind
        for asker in (resource, password_client):
            described = introspect(server, asker, token[kind])
            assert described["active"] is True and described["client_id"] == password_client["client_id"], (kind, described)
