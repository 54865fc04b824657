"""Schemathesis against docs/openapi.yaml and the live server: every documented operation gets generated requests,
valid ones and invalid ones (positive and negative modes), signed in as the super admin (a bearer token for the API,
a signed-in browser session for the pages, a confidential client's Basic credentials for the token endpoints), and
every response must pass six checks:

- not_a_server_error: never a 5xx;
- status_code_conformance: the status is one the operation documents;
- content_type_conformance: the Content-Type is one the document gives for that status;
- response_schema_conformance: a JSON body validates against the documented schema;
- response_headers_conformance: headers the document names for a status (Cache-Control: no-store, Retry-After…) are
  there and match their schema;
- ignored_auth: an operation that declares credentials and answered 2xx is probed again without them and with wrong
  ones, and must refuse both.

Left out on purpose: negative_data_rejection and positive_data_acceptance (a fuzzed id is mostly unknown, so a 404 for
"valid" data is right, and the pm3 dialect accepts what ProcessMaker 3 accepted) and the stateful checks (use_after_free
and the like need links the document does not declare). The pm3 routes are fuzzed inside the real workspace: an
unknown one is always the documented empty 503, which test_openapi.py checks.

Bounded: PORTCULLIS_FUZZ_EXAMPLES examples per operation (default 40; about 4,000 requests in all), no shrinking
and a fixed seed, so a run takes about the same time every time and a failure reproduces."""

import os
import pathlib
import re
import secrets

import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, ignored_auth, response_headers_conformance, response_schema_conformance, status_code_conformance

from conftest import password_login

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("PORTCULLIS_FUZZ_EXAMPLES", "40"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, ignored_auth, response_headers_conformance]

CONFIG = schemathesis.Config.from_dict({
    "seed": 12,
    "generation": {
        "mode": "all",
        "max-examples": EXAMPLES,
        "no-shrink": True,
        # The credentials below are the real ones; generated Authorization headers would only ever be refused.
        "with-security-parameters": False,
        "database": "none",
    },
})
SPEC = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)

# What the run counted, for the summary line.
STATS = {"requests": 0, "statuses": {}}


class Credentials:
    """Who the fuzzer is: the super admin (bearer and session) and one confidential client (Basic)."""

    def __init__(self, server):
        self.server = server
        self.client = server.create_client("fuzz " + secrets.token_hex(3), "--grant", "password", "--grant", "client_credentials")
        self.token = password_login(server, self.client)["access_token"]
        me = requests.get(server.url + "/api/1.0/users/me", headers={"Authorization": "Bearer " + self.token}, timeout=30).json()
        self.admin_ids = {str(me.get("id")), str(me.get("uuid", "")), str(me.get("usr_uid", ""))} - {"", "None"}
        # A user the fuzzer may change or delete at will, in place of the admin it is signed in as.
        server.create_user("fuzz-victim", "fuzz-victim-password")
        users = requests.get(server.url + "/api/1.0/users", params={"filter": "fuzz-victim"},
                             headers={"Authorization": "Bearer " + self.token}, timeout=30).json()
        self.victim_id = str(users["data"][0]["id"])
        self.browser = requests.Session()
        page = self.browser.get(server.url + "/login", timeout=30)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        signed_in = self.browser.post(server.url + "/login", data={"csrf": csrf, "username": "admin", "password": server.admin_password},
                                      allow_redirects=False, timeout=30)
        assert signed_in.status_code == 303, signed_in.text

    def prepare(self, case) -> dict:
        """Headers and cookies for one case; keeps the fuzzer from changing or deleting the admin it is signed in as."""
        path_parameters = case.path_parameters or {}
        # The pm3 routes fuzzed inside the one workspace there is: an unknown one is only ever the documented empty 503
        # (test_openapi.py checks that), which would hide every other answer.
        if "workspace" in path_parameters:
            path_parameters["workspace"] = "workflow"
        if case.method.upper() in ("PUT", "PATCH", "DELETE", "POST") and "/user" in case.path:
            for name in ("id", "uid"):
                if str(path_parameters.get(name)) in self.admin_ids:
                    path_parameters[name] = self.victim_id
        schemes = {name for requirement in case.operation.definition.raw.get("security", []) for name in requirement}
        headers = {}
        if "bearer" in schemes:
            headers["Authorization"] = "Bearer " + self.token
        elif "clientBasic" in schemes:
            headers["Authorization"] = requests.auth._basic_auth_str(self.client["client_id"], self.client["client_secret"])
        return headers


@pytest.fixture(scope="module")
def credentials(server):
    return Credentials(server)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_fuzz_openapi(case, server, credentials):
    headers = credentials.prepare(case)
    response = case.call(base_url=server.url, headers=headers, cookies=dict(credentials.browser.cookies),
                         allow_redirects=False, timeout=30)
    STATS["requests"] += 1
    STATS["statuses"][response.status_code] = STATS["statuses"].get(response.status_code, 0) + 1
    checks = CHECKS
    if response.content == b"" and documented(case, response.status_code).get("x-body-optional"):
        # The document's own mark for "this status may come without its body" (pm3's revoke: an empty 200, or an
        # error object under suppress_response_codes), which OpenAPI cannot say; test_openapi.py honours it too.
        checks = [not_a_server_error, status_code_conformance]
    case.validate_response(response, checks=checks)


def documented(case, status: int) -> dict:
    """The operation's documented response for `status`, its $ref followed."""
    node = case.operation.definition.raw.get("responses", {}).get(str(status), {})
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def test_fuzz_admin_still_signed_in(server, credentials):
    """Runs after the fuzzing (pytest keeps file order): the fuzzer did not lock itself out, so every case above ran
    as the admin rather than against a wall of 401s."""
    me = requests.get(server.url + "/api/1.0/users/me", headers={"Authorization": "Bearer " + credentials.token}, timeout=30)
    assert me.status_code == 200, me.text
    print(f"\nfuzz: {STATS['requests']} requests, statuses {dict(sorted(STATS['statuses'].items()))}")
    assert STATS["requests"] >= 1000, STATS
