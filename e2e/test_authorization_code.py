"""The authorization-code grant with the clients seeds 002/003 name: requests-oauthlib (PKCE S256) and authlib,
driving Portcullis's login and consent forms as a browser would; and the implicit grant."""

import secrets
from urllib.parse import parse_qs, urlparse

import requests
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2 import WebApplicationClient
from requests_oauthlib import OAuth2Session

from browser_flow import PageBrowser

CALLBACK = "http://127.0.0.1/callback"


def test_seed_002_web_application_client(server):
    """Seed 002's WebApplicationClient code, with the code pasted from the callback instead of typed in."""
    app = server.create_client(None, "--grant", "authorization_code", "--redirect-uri", CALLBACK)
    client = WebApplicationClient(client_id=app["client_id"])
    auth_url, _, _ = client.prepare_authorization_request(
        f"{server.url}/oauth/authorize", redirect_url=CALLBACK, scope="*")
    callback = PageBrowser(server.url).authorize(auth_url, "admin", server.admin_password)
    code = parse_qs(urlparse(callback).query)["code"][0]
    token_data = client.prepare_request_body(
        code=code,
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        redirect_uri=CALLBACK,
    )
    response = requests.post(f"{server.url}/oauth/token", data=token_data)
    token_info = response.json()
    assert response.status_code == 200, token_info
    assert token_info["access_token"].count(".") == 2


def test_requests_oauthlib_with_pkce(server):
    app = server.create_client(None, "--grant", "authorization_code", "--redirect-uri", CALLBACK, "--public")
    session = OAuth2Session(app["client_id"], redirect_uri="http://127.0.0.1:47123/callback", scope=["view_processes"], pkce="S256")
    url, state = session.authorization_url(f"{server.url}/oauth/authorize")
    assert "code_challenge_method=S256" in url
    callback = PageBrowser(server.url).authorize(url, "admin", server.admin_password)
    assert callback.startswith("http://127.0.0.1:47123/callback?")
    params = parse_qs(urlparse(callback).query)
    assert params["state"] == [state]
    assert params["iss"] == [server.url]
    token = session.fetch_token(f"{server.url}/oauth/token", authorization_response=callback, include_client_id=True)
    assert token["scope"] == ["view_processes"]
    me = session.get(f"{server.url}/api/1.0/users/me")
    assert me.status_code == 200 and me.json()["username"] == "admin"
    # view_processes cannot change anything.
    assert session.put(f"{server.url}/api/1.0/users/1", json={"firstname": "X"}).status_code == 403


def test_authlib_client_with_pkce(server):
    app = server.create_client(None, "--grant", "authorization_code", "--redirect-uri", CALLBACK)
    client = AuthlibSession(app["client_id"], app["client_secret"], redirect_uri=CALLBACK, scope="*",
                            code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")
    verifier = secrets.token_urlsafe(48)
    url, state = client.create_authorization_url(f"{server.url}/workflow/oauth2/authorize", code_verifier=verifier)
    callback = PageBrowser(server.url).authorize(url, "admin", server.admin_password)
    token = client.fetch_token(f"{server.url}/workflow/oauth2/token", authorization_response=callback, code_verifier=verifier)
    assert token["token_type"] == "bearer"
    assert token["refresh_token"].startswith("pcl_rt_")
    users = client.get(f"{server.url}/api/1.0/workflow/users")
    assert users.status_code == 200 and users.json()[0]["usr_username"] == "admin"


def test_deny_and_pkce_mismatch(server):
    app = server.create_client(None, "--grant", "authorization_code", "--redirect-uri", CALLBACK, "--public")
    session = OAuth2Session(app["client_id"], redirect_uri=CALLBACK, pkce="S256")
    url, _ = session.authorization_url(f"{server.url}/oauth/authorize")
    denied = PageBrowser(server.url).authorize(url, "admin", server.admin_password, decision="deny")
    assert "error=access_denied&error_description=The+user+denied+access+to+your+application" in denied
    callback = PageBrowser(server.url).authorize(session.authorization_url(f"{server.url}/oauth/authorize")[0], "admin", server.admin_password)
    code = parse_qs(urlparse(callback).query)["code"][0]
    wrong = requests.post(f"{server.url}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": app["client_id"], "redirect_uri": CALLBACK,
        "code_verifier": secrets.token_urlsafe(48)})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_implicit_grant_seed_000(server):
    """Seed 000: GET /{workspace}/oauth2/authorize?response_type=token&client_id=…&scope=*"""
    app = server.create_client(None, "--grant", "implicit", "--redirect-uri", "https://spa.example.com/cb", "--public")
    callback = PageBrowser(server.url).authorize(
        f"{server.url}/workflow/oauth2/authorize?response_type=token&client_id={app['client_id']}&scope=*", "admin", server.admin_password)
    fragment = parse_qs(urlparse(callback).fragment)
    assert fragment["token_type"] == ["bearer"] and fragment["scope"] == ["*"] and "refresh_token" not in fragment
    users = requests.get(f"{server.url}/api/1.0/workflow/users", headers={"Authorization": "Bearer " + fragment["access_token"][0]})
    assert users.status_code == 200
