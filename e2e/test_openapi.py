"""docs/openapi.yaml against the running server: the document is valid OpenAPI 3.1, every response seen here has
a documented status and a body that validates against the documented schema, and every documented operation is
exercised. (The Swift suite checks that the router's routes and the document's operations are the same set.)"""

import pathlib
import re

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import password_login

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPEC = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
BASE = "urn:portcullis:openapi"
REGISTRY = Registry().with_resource(BASE, Resource.from_contents(SPEC, default_specification=DRAFT202012))
EXERCISED: set[tuple[str, str]] = set()


def pointer_escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def resolve(node, pointer):
    """Follows a local $ref; returns the node and its JSON pointer in the spec."""
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"].lstrip("#")
        node = SPEC
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, pointer


def operation(method: str, path: str):
    """The documented (template, operation) for a concrete request path; literal templates win."""
    candidates = []
    for template in SPEC["paths"]:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            candidates.append(template)
    candidates.sort(key=lambda t: t.count("{"))
    for template in candidates:
        op = SPEC["paths"][template].get(method.lower())
        if op:
            return template, op
    raise AssertionError(f"{method} {path} is not documented")


def check(response: requests.Response, record: bool = True) -> requests.Response:
    """Checks a response against the document; `record` counts the operation as exercised by this file's coverage test
    (other files pass False, so the coverage test cannot pass on their requests)."""
    request = response.request
    path = request.path_url.split("?")[0]
    template, op = operation(request.method, path)
    if record:
        EXERCISED.add((request.method.upper(), template))
    status = str(response.status_code)
    assert status in op["responses"], f"{request.method} {template} answered undocumented {status}: {response.text[:200]}"
    pointer = f"/paths/{pointer_escape(template)}/{request.method.lower()}/responses/{status}"
    documented, pointer = resolve(op["responses"][status], pointer)
    content = documented.get("content")
    if not content:
        assert response.content == b"", f"{request.method} {template} {status} should have no body"
        return response
    if response.content == b"" and documented.get("x-body-optional"):
        return response  # e.g. pm3's 503: no body for an unknown workspace, an error object during a database outage
    media = response.headers["Content-Type"].split(";")[0].strip()
    assert media in content, f"{request.method} {template} {status} answered {media}, documented {list(content)}"
    if media != "application/json":
        return response
    schema_pointer = f"{pointer}/content/application~1json/schema"
    validator = Draft202012Validator({"$ref": f"{BASE}#{schema_pointer}"}, registry=REGISTRY)
    errors = sorted(validator.iter_errors(response.json()), key=lambda e: e.path)
    assert not errors, f"{request.method} {template} {status}: {errors[0].message} at {list(errors[0].path)}"
    return response


def test_document_is_valid_openapi_31():
    validate_spec(SPEC)
    assert SPEC["openapi"].startswith("3.1")


@pytest.fixture(scope="module")
def setup(server):
    client = server.create_client("OpenAPI check", "--grant", "password", "--grant", "client_credentials")
    server.create_user("plain", "plain-password-1")
    admin = password_login(server, client)
    plain = password_login(server, client, username="plain", password="plain-password-1")
    return client, admin, plain


def test_responses_match_the_document(server, setup):
    client, admin, plain = setup
    url = server.url
    auth = (client["client_id"], client["client_secret"])
    bearer = {"Authorization": "Bearer " + admin["access_token"]}
    plain_bearer = {"Authorization": "Bearer " + plain["access_token"]}

    # Token endpoints, both dialects, success and each error class.
    check(requests.post(url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=auth))
    check(requests.post(url + "/oauth/token", data={"grant_type": "nope"}, auth=auth))
    check(requests.post(url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client["client_id"], "wrong")))
    check(requests.post(url + "/workflow/oauth2/token", json={"grant_type": "client_credentials",
                                                              "client_id": client["client_id"], "client_secret": client["client_secret"]}))
    check(requests.post(url + "/workflow/oauth2/token", data={"grant_type": "password"}, auth=auth))
    check(requests.post(url + "/workflow/oauth2/token", data={}))
    check(requests.post(url + "/workflow/oauth2/token?suppress_response_codes=true", data={"grant_type": "x"}, auth=auth))
    check(requests.post(url + "/nowhere/oauth2/token", data={"grant_type": "client_credentials"}, auth=auth))

    # Revocation and introspection.
    spare = password_login(server, client)
    check(requests.post(url + "/oauth/introspect", data={"token": spare["access_token"]}, auth=auth))
    check(requests.post(url + "/oauth/introspect", data={"token": "garbage"}, auth=auth))
    check(requests.post(url + "/oauth/introspect", data={"token": "x"}))
    check(requests.post(url + "/oauth/introspect", data={}, auth=auth))
    check(requests.post(url + "/workflow/oauth2/introspect", data={"token": spare["refresh_token"]}, auth=auth))
    check(requests.post(url + "/workflow/oauth2/introspect", data={"token": "x"}))
    check(requests.post(url + "/workflow/oauth2/introspect", data={}, auth=auth))
    for endpoint in ("introspect", "revoke"):
        suppressed = check(requests.post(url + f"/workflow/oauth2/{endpoint}?suppress_response_codes=true", data={"token": "x"}))
        assert suppressed.status_code == 200 and suppressed.json()["error"] == "invalid_client", endpoint
    check(requests.post(url + "/nowhere/oauth2/introspect", data={"token": "x"}, auth=auth))
    check(requests.post(url + "/oauth/revoke", data={"token": spare["access_token"]}, auth=auth))
    check(requests.post(url + "/oauth/revoke", data={}, auth=auth))
    check(requests.post(url + "/oauth/revoke", data={"token": "x"}))
    check(requests.post(url + "/workflow/oauth2/revoke", data={"token": spare["refresh_token"]}, auth=auth))
    check(requests.post(url + "/workflow/oauth2/revoke", data={}, auth=auth))
    check(requests.post(url + "/workflow/oauth2/revoke", data={"token": "x"}))
    check(requests.post(url + "/nowhere/oauth2/revoke", data={"token": "x"}, auth=auth))

    # Discovery.
    for path in ["/.well-known/oauth-authorization-server", "/oauth/jwks", "/.well-known/jwks.json", "/health"]:
        check(requests.get(url + path))

    # Users, pm4.
    check(requests.get(url + "/api/1.0/users", headers=bearer))
    check(requests.get(url + "/api/1.0/users?per_page=0", headers=bearer))
    check(requests.get(url + "/api/1.0/users", headers=plain_bearer))
    check(requests.get(url + "/api/1.0/users"))
    check(requests.get(url + "/api/1.0/users?access_token=" + admin["access_token"]))
    created = check(requests.post(url + "/api/1.0/users", headers=bearer, json={
        "username": "spec", "email": "spec@example.com", "firstname": "S", "lastname": "P", "password": "spec-password-1"})).json()
    check(requests.post(url + "/api/1.0/users", headers=bearer, json={"username": "x y"}))
    check(requests.post(url + "/api/1.0/users", headers=bearer, data="{broken", ))
    check(requests.post(url + "/api/1.0/users", headers=plain_bearer, json={}))
    check(requests.post(url + "/api/1.0/users", json={}))
    check(requests.get(url + "/api/1.0/users/me", headers=bearer))
    check(requests.get(url + "/api/1.0/users/me", headers={"Authorization": "Bearer nope"}))
    check(requests.get(url + "/api/1.0/users/me?access_token=x"))
    cc = requests.post(url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=auth).json()["access_token"]
    check(requests.get(url + "/api/1.0/users/me", headers={"Authorization": "Bearer " + cc}))
    one = f"/api/1.0/users/{created['id']}"
    check(requests.get(url + one, headers=bearer))
    check(requests.get(url + "/api/1.0/users/999999", headers=bearer))
    check(requests.get(url + one, headers=plain_bearer))
    check(requests.get(url + one))
    check(requests.get(url + one + "?access_token=x"))
    check(requests.put(url + one, headers=bearer, json={"firstname": "Spec"}))
    check(requests.put(url + one, headers=bearer, json={"email": "not-an-email"}))
    check(requests.put(url + one, headers=bearer, data="{broken"))
    check(requests.put(url + one, headers=plain_bearer, json={}))
    check(requests.put(url + "/api/1.0/users/999999", headers=bearer, json={}))
    check(requests.put(url + one, json={}))
    check(requests.delete(url + "/api/1.0/users/1", headers=bearer))
    check(requests.delete(url + one, headers=plain_bearer))
    check(requests.delete(url + one, headers=bearer))
    check(requests.delete(url + one, headers=bearer))
    check(requests.delete(url + one))
    check(requests.delete(url + one + "?access_token=x"))

    # Users, pm3.
    listed = check(requests.get(url + "/api/1.0/workflow/users", headers=bearer)).json()
    check(requests.get(url + "/api/1.0/workflow/users?limit=0", headers=bearer))
    check(requests.get(url + "/api/1.0/workflow/users", headers=plain_bearer))
    check(requests.get(url + "/api/1.0/workflow/users"))
    check(requests.get(url + "/api/1.0/nowhere/users", headers=bearer))
    uid = listed[0]["usr_uid"]
    check(requests.get(url + f"/api/1.0/workflow/user/{uid}", headers=bearer))
    check(requests.get(url + "/api/1.0/workflow/user/" + "0" * 32, headers=bearer))
    check(requests.get(url + f"/api/1.0/workflow/user/{uid}", headers=plain_bearer))
    check(requests.get(url + f"/api/1.0/workflow/user/{uid}"))
    check(requests.get(url + f"/api/1.0/workflow/user/{uid}?access_token=x"))
    check(requests.get(url + f"/api/1.0/nowhere/user/{uid}", headers=bearer))


def test_pages_match_the_document(server, setup):
    import re
    client = server.create_client("OpenAPI pages", "--grant", "authorization_code", "--redirect-uri", "https://app.example/cb")
    url = server.url
    browser = requests.Session()
    check(browser.get(url + "/"))
    check(browser.get(url + "/assets/portcullis.css"))
    authorize = {"response_type": "code", "client_id": client["client_id"], "state": "s"}
    check(browser.get(url + "/oauth/authorize", params=authorize, allow_redirects=False))
    check(browser.get(url + "/oauth/authorize", params={"client_id": "nope"}, allow_redirects=False))
    check(browser.get(url + "/workflow/oauth2/authorize", params=authorize, allow_redirects=False))
    check(browser.get(url + "/workflow/oauth2/authorize", params={"client_id": "nope"}, allow_redirects=False))
    check(browser.get(url + "/nowhere/oauth2/authorize", params=authorize, allow_redirects=False))
    check(browser.get(url + "/sysnowhere/en/neoclassic/login/login", allow_redirects=False))
    check(browser.post(url + "/sysnowhere/en/neoclassic/login/login", data={}, allow_redirects=False))
    check(browser.post(url + "/login", data="a=1&a=2", headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False))
    check(browser.post(url + "/sysworkflow/en/neoclassic/login/login", data="a=1&a=2",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False))
    check(browser.post(url + "/oauth/authorize", data={"decision": "accept"}, allow_redirects=False))
    check(browser.post(url + "/workflow/oauth2/authorize", data={"decision": "accept"}, allow_redirects=False))
    check(browser.post(url + "/nowhere/oauth2/authorize", data={}, allow_redirects=False))

    page = check(browser.get(url + "/sysworkflow/en/neoclassic/login/login"))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    check(browser.post(url + "/sysworkflow/en/neoclassic/login/login",
                       data={**fields, "username": "admin", "password": "wrong"}, allow_redirects=False))
    page = check(browser.get(url + "/login"))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    check(browser.post(url + "/login", data={**fields, "username": "admin", "password": server.admin_password}, allow_redirects=False))
    check(browser.get(url + "/login", allow_redirects=False))
    consent = check(browser.get(url + "/oauth/authorize", params=authorize, allow_redirects=False))
    form = consent.text[consent.text.rindex('<form method="post"'):]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    check(browser.post(url + "/oauth/authorize", data={**fields, "decision": "maybe"}, allow_redirects=False))
    # Each consent screen's form is good for one decision (its nonce); "maybe" was none, so the Deny still counts.
    assert check(browser.post(url + "/oauth/authorize", data={**fields, "decision": "deny"}, allow_redirects=False)).status_code == 303
    assert check(browser.post(url + "/oauth/authorize", data={**fields, "decision": "accept"}, allow_redirects=False)).status_code == 403
    pm3 = check(browser.get(url + "/workflow/oauth2/authorize", params=authorize, allow_redirects=False))
    form = pm3.text[pm3.text.rindex('<form method="post"'):]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    check(browser.post(url + "/workflow/oauth2/authorize", data={**fields, "decision": "accept"}, allow_redirects=False))
    check(browser.post(url + "/workflow/oauth2/authorize", data={**fields, "csrf": "x", "decision": "accept"}, allow_redirects=False))
    check(browser.post(url + "/logout", data={"csrf": "wrong"}, allow_redirects=False))
    check(browser.post(url + "/logout", data={"csrf": fields["csrf"]}, allow_redirects=False))


def test_clients_match_the_document(server, setup):
    import re
    client, admin, plain = setup
    url = server.url
    bearer = {"Authorization": "Bearer " + admin["access_token"]}
    plain_bearer = {"Authorization": "Bearer " + plain["access_token"]}
    created = check(requests.post(url + "/oauth/clients", headers=bearer,
                                  json={"name": "Spec client", "redirect": "https://app.example/cb", "types": ["authorization_code_grant"]})).json()
    check(requests.post(url + "/oauth/clients", headers=bearer, json={"name": ""}))
    check(requests.post(url + "/oauth/clients", headers=bearer, data="{broken"))
    check(requests.post(url + "/oauth/clients", headers=plain_bearer, json={}))
    check(requests.post(url + "/oauth/clients", json={}))
    check(requests.get(url + "/oauth/clients", headers=bearer))
    check(requests.get(url + "/oauth/clients", headers=plain_bearer))
    check(requests.get(url + "/oauth/clients?access_token=x"))
    check(requests.get(url + "/oauth/clients"))
    one = "/oauth/clients/" + created["id"]
    check(requests.get(url + one, headers=bearer))
    check(requests.get(url + "/oauth/clients/NOSUCH", headers=bearer))
    check(requests.get(url + one, headers=plain_bearer))
    check(requests.get(url + one))
    check(requests.get(url + one + "?access_token=x"))
    check(requests.put(url + one, headers=bearer, json={"description": "changed"}))
    check(requests.put(url + one, headers=bearer, json={"types": []}))
    check(requests.put(url + one, headers=bearer, data="{broken"))
    check(requests.put(url + one, headers=plain_bearer, json={}))
    check(requests.put(url + "/oauth/clients/NOSUCH", headers=bearer, json={}))
    check(requests.put(url + one, json={}))
    check(requests.delete(url + one, headers=plain_bearer))
    check(requests.delete(url + "/oauth/clients/NOSUCH", headers=bearer))
    check(requests.delete(url + one, headers=bearer))
    check(requests.delete(url + one))
    check(requests.delete(url + one + "?access_token=x"))
    check(requests.get(url + "/assets/portcullis.js"))

    for base, login in [("/admin/auth-clients", "/login"), ("/sysworkflow/en/neoclassic/oauth2/applications", "/sysworkflow/en/neoclassic/login/login")]:
        anonymous = requests.Session()
        check(anonymous.get(url + base, allow_redirects=False))
        if "sys" in base:
            check(anonymous.get(url + "/sysnowhere/en/neoclassic/oauth2/applications", allow_redirects=False))
        browser = requests.Session()
        page = browser.get(url + login)
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
        browser.post(url + login, data={**fields, "username": "admin", "password": server.admin_password})
        listing = check(browser.get(url + base))
        csrf = re.search(r'name="csrf" value="([^"]+)"', listing.text).group(1)
        check(browser.get(url + base + "/new"))
        check(browser.post(url + base, data={"csrf": csrf, "name": ""}, allow_redirects=False))
        check(browser.post(url + base, data="csrf=1&csrf=2", headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False))
        made = check(browser.post(url + base, data={"csrf": csrf, "name": "Page " + base[-8:], "grant_password": "on"}, allow_redirects=False))
        secret_page = made.headers["Location"]
        cid = secret_page.split("/")[-2]
        check(browser.get(url + secret_page))
        check(browser.get(url + secret_page, allow_redirects=False))
        check(browser.get(url + f"{base}/{cid}/edit"))
        check(browser.get(url + f"{base}/NOSUCH/edit"))
        check(browser.post(url + f"{base}/{cid}", data={"csrf": csrf, "name": "Renamed " + cid[:4], "grant_password": "on"}, allow_redirects=False))
        check(browser.post(url + f"{base}/{cid}", data={"csrf": csrf, "name": ""}, allow_redirects=False))
        check(browser.post(url + f"{base}/{cid}", data={"csrf": "forged", "name": "x"}, allow_redirects=False))
        check(browser.post(url + f"{base}/NOSUCH", data={"csrf": csrf, "name": "x"}, allow_redirects=False))
        check(browser.post(url + f"{base}/{cid}/regenerate", data={"csrf": csrf}, allow_redirects=False))
        check(browser.post(url + f"{base}/{cid}/regenerate", data={"csrf": "forged"}, allow_redirects=False))
        check(browser.post(url + f"{base}/NOSUCH/regenerate", data={"csrf": csrf}, allow_redirects=False))
        check(browser.get(url + f"{base}/{cid}/delete"))
        check(browser.get(url + f"{base}/NOSUCH/delete"))
        check(browser.post(url + f"{base}/{cid}/delete", data={"csrf": "forged"}, allow_redirects=False))
        check(browser.post(url + f"{base}/{cid}/delete", data={"csrf": csrf}, allow_redirects=False))
        check(browser.post(url + f"{base}/NOSUCH/delete", data={"csrf": csrf}, allow_redirects=False))


def test_resource_servers_match_the_document(server, setup):
    """Issue 15: /oauth/resources, the revocation feed and the nginx check, each status they document."""
    client, admin, plain = setup
    url = server.url
    bearer = {"Authorization": "Bearer " + admin["access_token"]}
    plain_bearer = {"Authorization": "Bearer " + plain["access_token"]}
    # A machine client of its own: deleting the API below revokes its machine clients' access tokens (client-wide),
    # which would take the admin's token, issued through the shared client, along.
    machine = server.create_client("Spec machine", "--grant", "client_credentials")
    created = check(requests.post(url + "/oauth/resources", headers=bearer, json={
        "uri": "https://spec.example.com/", "scopes": ["spec:read"], "machine_clients": [machine["client_id"]]})).json()
    check(requests.post(url + "/oauth/resources", headers=bearer, json={"uri": "not a uri", "scopes": ["x"]}))
    check(requests.post(url + "/oauth/resources", headers=bearer, data="{broken", timeout=10))
    check(requests.post(url + "/oauth/resources", headers=plain_bearer, json={"uri": "https://x.example/", "scopes": ["x"]}))
    check(requests.post(url + "/oauth/resources", json={}))
    check(requests.get(url + "/oauth/resources", headers=bearer))
    check(requests.get(url + "/oauth/resources", headers=plain_bearer))
    check(requests.get(url + "/oauth/resources"))
    one = f"/oauth/resources/{created['id']}"
    check(requests.get(url + one, headers=bearer))
    check(requests.get(url + "/oauth/resources/999999", headers=bearer))
    check(requests.get(url + one, headers=plain_bearer))
    check(requests.get(url + one))
    rs = (created["client_id"], created["client_secret"])
    token = requests.post(url + "/oauth/token", data={"grant_type": "client_credentials", "resource": "https://spec.example.com/"},
                          auth=(machine["client_id"], machine["client_secret"]), timeout=10).json()["access_token"]
    for feed in ("/oauth/revocations", "/workflow/oauth2/revocations"):
        page = check(requests.get(url + feed, auth=rs, timeout=10)).json()
        check(requests.get(url + feed, params={"cursor": page["cursor"]}, auth=rs, timeout=10))
        check(requests.get(url + feed, params={"cursor": "x"}, auth=rs, timeout=10))
        check(requests.get(url + feed, auth=(client["client_id"], client["client_secret"]), timeout=10))
    check(requests.get(url + "/nowhere/oauth2/revocations", auth=rs, timeout=10))
    for path in ("/oauth/check", "/workflow/oauth2/check"):
        resource = {"X-Portcullis-Resource": "https://spec.example.com/"}
        check(requests.get(url + path, headers={**resource, "Authorization": "Bearer " + token, "X-Portcullis-Scope": "spec:read"}))
        check(requests.get(url + path, headers={**resource, "Authorization": "Bearer " + token, "X-Portcullis-Scope": "spec:write"}))
        check(requests.get(url + path, headers=resource))
        check(requests.get(url + path, headers={"Authorization": "Bearer " + token}))
        check(requests.get(url + path, headers={**resource, **bearer}))
    check(requests.get(url + "/nowhere/oauth2/check", headers={"X-Portcullis-Resource": "https://spec.example.com/"}))
    check(requests.delete(url + one, headers=plain_bearer))
    check(requests.delete(url + one, headers=bearer))
    check(requests.delete(url + one, headers=bearer))
    check(requests.delete(url + one))

    import re
    anonymous = requests.Session()
    check(anonymous.get(url + "/admin/resources", allow_redirects=False))
    browser = requests.Session()
    login = browser.get(url + "/login")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', login.text))
    browser.post(url + "/login", data={**fields, "username": "admin", "password": server.admin_password})
    listing = check(browser.get(url + "/admin/resources"))
    csrf = re.search(r'name="csrf" value="([^"]+)"', listing.text).group(1)
    check(browser.post(url + "/admin/resources", data={"csrf": csrf, "uri": "https://page.example.com/", "scopes": "p:read"}, allow_redirects=False))
    check(browser.post(url + "/admin/resources", data={"csrf": csrf, "uri": "ftp://x", "scopes": "p"}, allow_redirects=False))
    check(browser.post(url + "/admin/resources", data={"csrf": "forged", "uri": "https://x.example/"}, allow_redirects=False))
    made = [m for m in re.findall(r'action="/admin/resources/(\d+)/delete"', browser.get(url + "/admin/resources").text)]
    check(browser.post(url + f"/admin/resources/{made[0]}/delete", data={"csrf": csrf}, allow_redirects=False))
    check(browser.post(url + "/admin/resources/999999/delete", data={"csrf": csrf}, allow_redirects=False))
    check(browser.post(url + "/admin/resources/999999/delete", data={"csrf": "forged"}, allow_redirects=False))


def test_personal_tokens_match_the_document(server, setup):
    import re
    import json
    client, admin, plain = setup
    url = server.url
    # Only a session or a personal token mints personal tokens: the first comes from the operator's CLI.
    seed = json.loads(server.cli("token", "create", "--user", "admin", "--name", "openapi seed", "--json").stdout)["accessToken"]
    bearer = {"Authorization": "Bearer " + seed}
    password_bearer = {"Authorization": "Bearer " + admin["access_token"]}
    plain_bearer = {"Authorization": "Bearer " + plain["access_token"]}
    for prefix in ["/api/1.0/users/1/tokens", "/api/1.0/workflow/users/1/tokens"]:
        made = check(requests.post(url + prefix, headers=bearer, json={"name": "spec " + prefix[-12:], "scopes": ["*"]})).json()
        assert check(requests.post(url + prefix, headers=password_bearer, json={"name": "app token"})).status_code == 403
        check(requests.post(url + prefix, headers=bearer, json={"name": ""}))
        check(requests.post(url + prefix, headers=bearer, data="{broken"))
        check(requests.post(url + prefix, headers=plain_bearer, json={"name": "x"}))
        check(requests.post(url + prefix.replace("/1/", "/999999/"), headers=bearer, json={"name": "x"}))
        check(requests.post(url + prefix))
        check(requests.get(url + prefix, headers=bearer))
        check(requests.get(url + prefix, headers=plain_bearer))
        check(requests.get(url + prefix.replace("/1/", "/999999/"), headers=bearer))
        check(requests.get(url + prefix + "?access_token=x"))
        check(requests.get(url + prefix))
        one = f"{prefix}/{made['token']['id']}"
        check(requests.get(url + one, headers=bearer))
        check(requests.get(url + prefix + "/999999", headers=bearer))
        check(requests.get(url + one, headers=plain_bearer))
        check(requests.get(url + one))
        check(requests.get(url + one + "?access_token=x"))
        check(requests.delete(url + one, headers=plain_bearer))
        check(requests.delete(url + one, headers=bearer))
        check(requests.delete(url + prefix + "/999999", headers=bearer))
        check(requests.delete(url + one))
        check(requests.delete(url + one + "?access_token=x"))
    for path in ["/api/1.0/nowhere/users/1/tokens", "/api/1.0/nowhere/users/1/tokens/1"]:
        check(requests.get(url + path, headers=bearer))
    check(requests.post(url + "/api/1.0/nowhere/users/1/tokens", headers=bearer, json={}))
    check(requests.delete(url + "/api/1.0/nowhere/users/1/tokens/1", headers=bearer))

    browser = requests.Session()
    check(browser.get(url + "/profile/tokens", allow_redirects=False))
    page = browser.get(url + "/login")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    browser.post(url + "/login", data={**fields, "username": "admin", "password": server.admin_password})
    listing = check(browser.get(url + "/profile/tokens"))
    csrf = re.search(r'name="csrf" value="([^"]+)"', listing.text).group(1)
    check(browser.post(url + "/profile/tokens", data={"csrf": csrf, "name": ""}, allow_redirects=False))
    check(browser.post(url + "/profile/tokens", data={"csrf": "forged"}, allow_redirects=False))
    check(browser.post(url + "/profile/tokens", data={"csrf": csrf, "name": "page token", "scope_*": "on", "lifetime": "30"}, allow_redirects=False))
    check(browser.get(url + "/profile/tokens/new"))
    check(browser.get(url + "/profile/tokens/new", allow_redirects=False))
    token_id = re.search(r'/profile/tokens/(\d+)/revoke', browser.get(url + "/profile/tokens").text).group(1)
    check(browser.get(url + f"/profile/tokens/{token_id}/revoke"))
    check(browser.get(url + "/profile/tokens/999999/revoke"))
    check(browser.post(url + f"/profile/tokens/{token_id}/revoke", data={"csrf": "forged"}, allow_redirects=False))
    check(browser.post(url + "/profile/tokens/999999/revoke", data={"csrf": csrf}, allow_redirects=False))
    check(browser.post(url + f"/profile/tokens/{token_id}/revoke", data={"csrf": csrf}, allow_redirects=False))
    check(browser.get(url + "/profile/tokens/new", allow_redirects=False))


def test_every_documented_operation_was_exercised():
    documented = {(method.upper(), path) for path, item in SPEC["paths"].items()
                  for method in item if method in ("get", "post", "put", "delete", "patch")}
    missing = documented - EXERCISED
    assert not missing, f"documented but never exercised: {sorted(missing)}"
