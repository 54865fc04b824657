"""Hypothesis-driven bodies for both token endpoints (`/oauth/token`, `/workflow/oauth2/token`): form, JSON and
multipart bodies with random field names and values, duplicate keys, huge values, NUL and invalid UTF-8, and wrong or
missing content types, with and without (wrong) client credentials. Whatever arrives:

- never a 5xx;
- always a JSON object whose `error` is one of RFC 6749 §5.2's codes (`temporarily_unavailable` only with 429, the
  throttle's answer after many wrong passwords from here);
- never a token: no request here carries a valid client secret or password (the real client id and username do
  appear, with wrong secrets and passwords), so a 200 would be a token given away.

Bounded: PORTCULLIS_FUZZ_TOKEN_EXAMPLES examples per test (default 250), derandomised so a failure reproduces."""

import base64
import json
import os
import secrets

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("PORTCULLIS_FUZZ_TOKEN_EXAMPLES", "250"))
RFC6749_ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"}
ENDPOINTS = ["/oauth/token", "/workflow/oauth2/token"]
FIELDS = ["grant_type", "client_id", "client_secret", "username", "password", "scope", "refresh_token", "code",
          "redirect_uri", "code_verifier", "client_assertion", "client_assertion_type"]
GRANTS = ["password", "client_credentials", "refresh_token", "authorization_code", "implicit", "personal_access",
          "urn:ietf:params:oauth:grant-type:jwt-bearer", ""]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
STATS = {"requests": 0, "statuses": {}}

# The fixtures' client and its real id (its secret never appears); filled by the module fixture before any example.
KNOWN = {"client_id": "unset"}


@pytest.fixture(scope="module", autouse=True)
def known(server):
    client = server.create_client("token fuzz " + secrets.token_hex(3), "--grant", "password", "--grant", "client_credentials")
    KNOWN["client_id"] = client["client_id"]
    KNOWN["url"] = server.url
    yield client
    print(f"\ntoken fuzz: {STATS['requests']} requests, statuses {dict(sorted(STATS['statuses'].items()))}")


def huge(text: str) -> str:
    return text * (70000 // max(len(text), 1) + 1)


names = st.one_of(st.sampled_from(FIELDS), st.text(max_size=20), st.sampled_from(["", "grant_type[]", "a=b", "%00", "grant_type "]))
values = st.one_of(
    st.sampled_from(GRANTS),
    st.just("admin"), st.builds(lambda: KNOWN["client_id"]),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40).map(lambda t: t + "\x00" + t),
    st.sampled_from(["pcl_rt_" + "A" * 43, "pcl_ac_" + "A" * 43, "pcl_cs_" + "A" * 43, "*", "view_processes edit_processes"]),
    st.text(max_size=3).map(huge),
)
# Names come mostly from a short list, so a list of pairs often repeats one (RFC 6749 §3.2: sent twice is an error).
noise = st.lists(st.tuples(names, values), max_size=12)


@st.composite
def plausible(draw) -> list:
    """A well-formed request of a real grant type, for the real client or user, with a wrong secret or password (or
    a made-up refresh token or code), so the examples get past the body parser to client and grant checks."""
    grant = draw(st.sampled_from(GRANTS[:4]))
    items = [("grant_type", grant), ("client_id", KNOWN["client_id"])]
    if draw(st.booleans()):
        items.append(("client_secret", draw(st.one_of(st.text(max_size=40), st.just("pcl_cs_" + "B" * 43)))))
    extra = {"password": [("username", draw(st.sampled_from(["admin", "ADMIN", "ａｄｍｉｎ", "admin\x00x", "nobody"]))),
                          ("password", draw(st.text(max_size=40)))],
             "refresh_token": [("refresh_token", draw(st.one_of(st.text(max_size=60), st.just("pcl_rt_" + "C" * 43))))],
             "authorization_code": [("code", draw(st.one_of(st.text(max_size=60), st.just("pcl_ac_" + "D" * 43)))),
                                    ("redirect_uri", draw(st.text(max_size=40)))],
             "client_credentials": []}[grant]
    items += extra
    if draw(st.booleans()):
        items.append(("scope", draw(st.sampled_from(["*", "view_processes", "edit_processes view_processes", "bogus", ""]))))
    return draw(st.permutations(items + draw(st.lists(st.tuples(names, values), max_size=2))))


# Names come mostly from a short list, so a list of pairs often repeats one (RFC 6749 §3.2: sent twice is an error).
pairs = st.one_of(noise, plausible())


@st.composite
def credentials(draw) -> dict:
    """No credentials, Basic with the real client id and a wrong secret, random Basic, or malformed Authorization."""
    kind = draw(st.sampled_from(["none", "known", "random", "malformed"]))
    if kind == "none":
        return {}
    if kind == "known":
        secret = draw(st.text(max_size=30))
        return {"Authorization": "Basic " + base64.b64encode(f"{KNOWN['client_id']}:{secret}".encode()).decode()}
    if kind == "random":
        raw = draw(st.binary(max_size=60))
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    return {"Authorization": draw(st.sampled_from(["Basic", "Basic !!!", "Bearer x", "Basic " + "A" * 9000, "basic Og=="]))}


def form_encode(items, raw_bytes: bytes = b"") -> bytes:
    body = "&".join(requests.utils.quote(n, safe="") + "=" + requests.utils.quote(v, safe="") for n, v in items).encode()
    return body + raw_bytes


def multipart(items, boundary: str) -> bytes:
    out = b""
    for name, value in items:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode("utf-8", "surrogatepass") + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def send(path: str, body: bytes, content_type: str | None, headers: dict) -> requests.Response:
    headers = dict(headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = requests.post(KNOWN["url"] + path, data=body, headers=headers, timeout=60, allow_redirects=False)
    STATS["requests"] += 1
    STATS["statuses"][response.status_code] = STATS["statuses"].get(response.status_code, 0) + 1
    return response


def check(response: requests.Response) -> None:
    summary = f"{response.status_code} {response.text[:300]!r}"
    assert response.status_code < 500, summary
    assert response.status_code != 200, "a token (or a 200) without valid credentials: " + summary
    assert response.headers.get("Content-Type", "").split(";")[0].strip() == "application/json", summary
    body = response.json()
    assert isinstance(body, dict), summary
    allowed = RFC6749_ERRORS | ({"temporarily_unavailable"} if response.status_code == 429 else set())
    assert body.get("error") in allowed, summary
    assert "access_token" not in body and "refresh_token" not in body, summary


@SETTINGS
@given(path=st.sampled_from(ENDPOINTS), items=pairs, auth=credentials(),
       tail=st.sampled_from([b"", b"&grant_type=password", b"&%FF%FE=%C0%AF", b"&\xff\xfe=\xc3\x28", b"&&&==&", b"&a"]),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
                                     "application/x-www-form-urlencoded; charset=latin1", "APPLICATION/X-WWW-FORM-URLENCODED"]))
def test_form_bodies(path, items, auth, tail, content_type):
    check(send(path, form_encode(items, tail), content_type, auth))


@SETTINGS
@given(path=st.sampled_from(ENDPOINTS), items=pairs, auth=credentials(),
       shape=st.sampled_from(["object", "duplicates", "nested", "array", "scalar", "broken", "invalid-utf8"]))
def test_json_bodies(path, items, auth, shape):
    if shape == "object":
        body = json.dumps(dict(items)).encode()
    elif shape == "duplicates":
        # JSON objects with repeated keys: RFC 8259 leaves it open; the server must not pick one silently into a token.
        body = ("{" + ",".join(json.dumps(n) + ":" + json.dumps(v) for n, v in items + items[:2]) + "}").encode()
    elif shape == "nested":
        body = json.dumps({n: {"v": v, "list": [v, 1, None, True]} for n, v in items}).encode()
    elif shape == "array":
        body = json.dumps([list(p) for p in items]).encode()
    elif shape == "scalar":
        body = json.dumps(items[0][1] if items else None).encode()
    elif shape == "broken":
        body = json.dumps(dict(items)).encode()[:-1] + b",,"
    else:
        body = b'{"grant_type": "password", "username": "\xff\xfe", "password": "\xc3\x28", "client_id": "\xed\xa0\x80"}'
    check(send(path, body, "application/json" if shape != "broken" else "application/json; charset=utf-8", auth))


@SETTINGS
@given(path=st.sampled_from(ENDPOINTS), items=pairs, auth=credentials(),
       boundary=st.sampled_from(["------------------------d74496d66958873e", "x", "a" * 70]),
       declared=st.sampled_from(["same", "other", "missing", "empty"]),
       truncate=st.booleans())
def test_multipart_bodies(path, items, auth, boundary, declared, truncate):
    body = multipart(items, boundary)
    if truncate:
        body = body[: len(body) // 2]
    header = {"same": f"multipart/form-data; boundary={boundary}", "other": "multipart/form-data; boundary=zzz",
              "missing": "multipart/form-data", "empty": 'multipart/form-data; boundary=""'}[declared]
    check(send(path, body, header, auth))


@SETTINGS
@given(path=st.sampled_from(ENDPOINTS), items=pairs, auth=credentials(),
       content_type=st.one_of(st.none(), st.sampled_from(["text/plain", "application/xml", "application/octet-stream", "",
                                                           "application/json-patch+json", "multipart/mixed; boundary=x",
                                                           "application/x-www-form-urlencoded, application/json", "*/*"]),
                              # RFC 9110 §5.5 field-value characters: with a control character the
                              # message is malformed HTTP, refused by the parser (an empty 400) before any endpoint.
                              st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0xFF).filter(lambda c: c != "\x7f"),
                                      max_size=30)),
       raw=st.one_of(st.binary(max_size=300), st.just(b"\xff" * 70000)))
def test_wrong_content_types(path, items, auth, content_type, raw):
    body = form_encode(items) if raw == b"" else raw
    try:
        response = send(path, body, content_type, auth)
    except (requests.exceptions.InvalidHeader, ValueError, UnicodeEncodeError):
        return  # a header the client library itself refuses to send never reaches the server
    check(response)


def test_token_fuzz_reached_the_server():
    """The examples above really ran (a misconfigured hypothesis would pass on nothing)."""
    assert STATS["requests"] >= 3 * min(EXAMPLES, 100), STATS
