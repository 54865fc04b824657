"""Seed 002, step 4 "Making API Requests", and authlib's revocation and introspection."""

import requests
from authlib.integrations.requests_client import OAuth2Session

from conftest import password_login


def test_making_api_requests_as_written(server, password_client):
    token_info = password_login(server, password_client)

    # Prepare the headers for the request
    headers = {
        'Authorization': f'Bearer {token_info["access_token"]}',
    }

    # Make a request to the API
    response = requests.get(f'{server.url}/api/1.0/users', headers=headers)

    print(response.json())
    assert response.status_code == 200
    assert [user["username"] for user in response.json()["data"]] == ["admin"]


def test_a_bad_token_gets_401_with_a_bearer_challenge(server):
    response = requests.get(f"{server.url}/api/1.0/users", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthenticated.", "message": "The access token provided is invalid"}
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="portcullis", error="invalid_token"')


def test_authlib_introspect_and_revoke(server, password_client):
    session = OAuth2Session(password_client["client_id"], password_client["client_secret"],
                            token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(f"{server.url}/oauth/token", username="admin", password=server.admin_password,
                                grant_type="password")
    assert token["token_type"] == "Bearer"

    introspected = session.introspect_token(f"{server.url}/oauth/introspect", token=token["access_token"])
    assert introspected.status_code == 200
    assert introspected.json()["active"] is True
    assert introspected.json()["client_id"] == password_client["client_id"]

    revoked = session.revoke_token(f"{server.url}/oauth/revoke", token=token["refresh_token"], token_type_hint="refresh_token")
    assert revoked.status_code == 200
    # Revoking the refresh token revoked its grant: the access token is dead too.
    after = session.introspect_token(f"{server.url}/oauth/introspect", token=token["access_token"])
    assert after.json() == {"active": False}
    api = requests.get(f"{server.url}/api/1.0/users/me", headers={"Authorization": "Bearer " + token["access_token"]})
    assert api.status_code == 401
