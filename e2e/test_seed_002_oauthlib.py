"""Seeds 002/003 (ProcessMaker 4 developer guide): oauthlib's clients through requests."""

import requests
from oauthlib.oauth2 import BackendApplicationClient, LegacyApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session


def test_password_grant_snippet_as_written_is_invalid_client(server, password_client):
    """The seed's password snippet leaves client_id out of the body (include_client_id defaults to False), so it
    does not say which client it is. The right answer is invalid_client, never a guess from the secret."""
    client = LegacyApplicationClient(client_id=password_client["client_id"])
    token_url = f"{server.url}/oauth/token"
    token_data = client.prepare_request_body(
        username="admin",
        password=server.admin_password,
        client_id=password_client["client_id"],
        client_secret=password_client["client_secret"],
    )
    response = requests.post(token_url, data=token_data)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_password_grant_with_include_client_id(server, password_client):
    client = LegacyApplicationClient(client_id=password_client["client_id"])
    token_data = client.prepare_request_body(
        username="admin",
        password=server.admin_password,
        client_id=password_client["client_id"],
        client_secret=password_client["client_secret"],
        include_client_id=True,
    )
    response = requests.post(f"{server.url}/oauth/token", data=token_data)
    assert response.status_code == 200, response.text
    token_info = response.json()
    assert token_info["access_token"]
    # oauthlib parses it as a standard token response.
    parsed = client.parse_request_body_response(response.text)
    assert parsed["token_type"] == "Bearer"


def test_legacy_application_session(server, password_client):
    session = OAuth2Session(client=LegacyApplicationClient(client_id=password_client["client_id"]))
    token = session.fetch_token(
        token_url=f"{server.url}/oauth/token", username="admin", password=server.admin_password,
        client_id=password_client["client_id"], client_secret=password_client["client_secret"])
    assert token["refresh_token"].startswith("pcl_rt_")
    # requests-oauthlib's refresh_token() rotates it.
    refreshed = session.refresh_token(f"{server.url}/oauth/token", auth=HTTPBasicAuth(
        password_client["client_id"], password_client["client_secret"]))
    assert refreshed["refresh_token"] != token["refresh_token"]


def test_backend_application_client_credentials(server, password_client):
    session = OAuth2Session(client=BackendApplicationClient(client_id=password_client["client_id"]))
    token = session.fetch_token(
        token_url=f"{server.url}/oauth/token",
        auth=HTTPBasicAuth(password_client["client_id"], password_client["client_secret"]))
    assert token["token_type"] == "Bearer"
    assert "refresh_token" not in token
