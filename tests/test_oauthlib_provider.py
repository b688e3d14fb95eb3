"""Self-tests of the oauthlib-backed provider, driven by oauthlib's own client and http.client.

Nothing here uses the library under test: if these fail, the fault is in the
provider (or oauthlib), not in oauth2.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import Reply, send
from oauthlib.oauth1 import SIGNATURE_RSA_SHA256, SIGNATURE_TYPE_BODY, SIGNATURE_TYPE_QUERY, Client
from oauthlib_provider import CONSUMER_KEY, CONSUMER_SECRET, OTHER_CONSUMER_KEY, OAuthlibProvider
from tls_certs import rsa_key, rsa_pems

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


def send_signed(client: Client, url: str, method: str = "GET", body: str | None = None,
                headers: dict[str, str] | None = None) -> Reply:
    """Sign with oauthlib's ``client`` and send what it signed."""
    uri, signed_headers, signed_body = client.sign(url, method, body, headers)
    return send(method, uri, signed_headers, signed_body)


def three_legged_client(p: OAuthlibProvider, **kwargs: object) -> Client:
    token, secret = p.issue_access_token()
    return Client(CONSUMER_KEY, CONSUMER_SECRET, resource_owner_key=token,
                  resource_owner_secret=secret, **kwargs)


def assert_no_nonce_reused(p: OAuthlibProvider) -> None:
    assert p.nonces and len(set(p.nonces)) == len(p.nonces)


@pytest.mark.parametrize("callback", ["oob", "http://127.0.0.1:9/callback?state=x"])
def test_three_legged_flow(provider: OAuthlibProvider, callback: str) -> None:
    client = Client(CONSUMER_KEY, CONSUMER_SECRET, callback_uri=callback)
    r = send_signed(client, provider.url("/request_token"), "POST")
    assert r.status == 200, r.body
    issued = parse_qs(r.body.decode())
    assert issued["oauth_callback_confirmed"] == ["true"]
    request_token, request_secret = issued["oauth_token"][0], issued["oauth_token_secret"][0]
    assert provider.request_tokens[request_token]["callback"] == callback

    r = send("GET", provider.url(f"/authorize?oauth_token={request_token}"))
    if callback == "oob":
        assert r.status == 200
        granted = parse_qs(r.body.decode())
    else:
        assert r.status == 302
        location = urlsplit(r.headers["Location"])
        assert location.netloc == "127.0.0.1:9" and location.path == "/callback"
        granted = parse_qs(location.query)
        assert granted["state"] == ["x"]
    assert granted["oauth_token"] == [request_token]
    verifier = granted["oauth_verifier"][0]

    client = Client(CONSUMER_KEY, CONSUMER_SECRET, resource_owner_key=request_token,
                    resource_owner_secret=request_secret, verifier=verifier)
    r = send_signed(client, provider.url("/access_token"), "POST")
    assert r.status == 200, r.body
    access = parse_qs(r.body.decode())
    assert access["user_id"] == ["42"] and access["screen_name"] == ["alice"]
    assert request_token not in provider.request_tokens  # a request token is single-use

    client = Client(CONSUMER_KEY, CONSUMER_SECRET, resource_owner_key=access["oauth_token"][0],
                    resource_owner_secret=access["oauth_token_secret"][0])
    r = send_signed(client, provider.url("/resource/me"))
    assert r.status == 200, r.body
    assert r.json()["oauth_params"]["oauth_token"] == access["oauth_token"][0]

    assert [(q.endpoint, q.method, q.valid) for q in provider.requests] == [
        ("request_token", "POST", True), ("authorize", "GET", True),
        ("access_token", "POST", True), ("resource", "GET", True)]
    assert provider.requests[2].oauth_params["oauth_verifier"] == verifier  # type: ignore[index]
    assert len(provider.nonces) == 3
    assert_no_nonce_reused(provider)


@pytest.mark.parametrize("signature_type", ["AUTH_HEADER", SIGNATURE_TYPE_QUERY])
def test_two_legged_get_with_query(provider: OAuthlibProvider, signature_type: str) -> None:
    client = Client(CONSUMER_KEY, CONSUMER_SECRET, signature_type=signature_type)
    r = send_signed(client, provider.url("/two_legged/items?b=2&a=1&a=%C3%A9&empty="))
    assert r.status == 200, r.body
    echo = r.json()
    assert echo["path"] == "/two_legged/items"
    assert str(echo["query"]).startswith("b=2&a=1&a=%C3%A9&empty=")
    rec = provider.requests[-1]
    assert rec.valid and rec.endpoint == "two_legged" and rec.body == b""
    assert rec.oauth_params is not None and rec.oauth_params["oauth_consumer_key"] == CONSUMER_KEY
    assert ("Authorization" in rec.headers) == (signature_type == "AUTH_HEADER")
    assert provider.nonces == [rec.nonce]


@pytest.mark.parametrize("signature_type", ["AUTH_HEADER", SIGNATURE_TYPE_BODY])
def test_form_post(provider: OAuthlibProvider, signature_type: str) -> None:
    client = three_legged_client(provider, signature_type=signature_type)
    r = send_signed(client, provider.url("/resource/post"), "POST", "status=hello+w%C3%B6rld&x=%2B", FORM)
    assert r.status == 200, r.body
    rec = provider.requests[-1]
    assert rec.valid and rec.body.startswith(b"status=hello+w%C3%B6rld&x=%2B")
    assert rec.oauth_params is not None and "oauth_body_hash" not in rec.oauth_params
    assert (b"oauth_signature=" in rec.body) == (signature_type == SIGNATURE_TYPE_BODY)


def test_json_post_with_body_hash(provider: OAuthlibProvider) -> None:
    client = Client(CONSUMER_KEY, CONSUMER_SECRET)
    body = json.dumps({"name": "caf\u00e9"}, ensure_ascii=False)
    r = send_signed(client, provider.url("/two_legged/json"), "POST", body, JSON)
    assert r.status == 200, r.body
    assert r.json()["body"] == body.encode().decode("latin-1")
    rec = provider.requests[-1]
    assert rec.valid and rec.body == body.encode()
    assert rec.oauth_params is not None and "oauth_body_hash" in rec.oauth_params

    uri, headers, _ = client.sign(provider.url("/two_legged/json"), "POST", body, JSON)
    r = send("POST", uri, headers, body.replace("caf", "CAF"))
    assert r.status == 401
    assert not provider.requests[-1].valid
    assert "oauth_body_hash mismatch" in str(provider.requests[-1].error)

    # A body hash is forbidden on form bodies, whatever it hashes to.
    uri, headers, _ = client.sign(provider.url("/two_legged/json"), "POST", "{}", JSON)
    r = send("POST", uri, {**headers, **FORM}, "{}")
    assert r.status == 401
    assert provider.requests[-1].error == "oauth_body_hash on a form-encoded request"


def test_replayed_request_rejected(provider: OAuthlibProvider) -> None:
    client = three_legged_client(provider)
    uri, headers, _ = client.sign(provider.url("/resource/once"))
    assert send("GET", uri, headers).status == 200
    assert send("GET", uri, headers).status == 401
    first, replay = provider.requests
    assert (first.valid, replay.valid) == (True, False)
    assert replay.error == "failed: nonce"
    assert (replay.nonce, replay.timestamp) == (first.nonce, first.timestamp)
    assert provider.nonces == [first.nonce, first.nonce]


@pytest.mark.parametrize(("key", "secret", "failed"), [
    (CONSUMER_KEY, "wrong-secret", "failed: signature"),
    (OTHER_CONSUMER_KEY, CONSUMER_SECRET, "failed: signature"),
    ("unknown-consumer", CONSUMER_SECRET, "failed: client, signature"),
])
def test_wrong_signature_rejected(provider: OAuthlibProvider, key: str, secret: str, failed: str) -> None:
    r = send_signed(Client(key, secret), provider.url("/two_legged"))
    assert r.status == 401
    rec = provider.requests[-1]
    assert not rec.valid and rec.error == failed
    assert rec.oauth_params is not None and rec.oauth_params["oauth_consumer_key"] == key


def test_wrong_token_secret_rejected(provider: OAuthlibProvider) -> None:
    token, _ = provider.issue_access_token()
    client = Client(CONSUMER_KEY, CONSUMER_SECRET, resource_owner_key=token, resource_owner_secret="nope")
    assert send_signed(client, provider.url("/resource")).status == 401
    assert provider.requests[-1].error == "failed: signature"


def test_redirect_hop_verified(provider: OAuthlibProvider) -> None:
    client = three_legged_client(provider)
    r = send_signed(client, provider.url("/redirect/307?to=/resource/after%3Fx%3D1"), "PUT", '{"a": 1}', JSON)
    assert r.status == 307 and r.headers["Location"] == "/resource/after?x=1"
    r = send_signed(client, provider.url(r.headers["Location"]), "PUT", '{"a": 1}', JSON)
    assert r.status == 200, r.body
    hop, final = provider.requests
    assert (hop.endpoint, hop.status, hop.valid) == ("redirect", 307, True)
    assert (final.endpoint, final.method, final.body) == ("resource", "PUT", b'{"a": 1}')
    assert_no_nonce_reused(provider)

    # An unverifiable hop is refused instead of redirected.
    r = send_signed(Client(CONSUMER_KEY, "wrong"), provider.url("/redirect/302?to=http://example.com/"))
    assert r.status == 401 and "Location" not in r.headers
    assert provider.requests[-1].error == "failed: signature"


@pytest.mark.parametrize("method", ["HEAD", "DELETE", "PUT", "PATCH", "OPTIONS"])
def test_other_methods(provider: OAuthlibProvider, method: str) -> None:
    client = three_legged_client(provider)
    body, headers = (None, None) if method in ("HEAD", "DELETE", "OPTIONS") else ("{}", JSON)
    r = send_signed(client, provider.url("/resource/x"), method, body, headers)
    assert r.status == 200
    assert r.body == b"" if method == "HEAD" else r.json()["method"] == method
    assert (provider.requests[-1].method, provider.requests[-1].valid) == (method, True)


def test_rsa_sha256(provider: OAuthlibProvider) -> None:
    pems = rsa_pems(rsa_key())
    private_pem = pems["pkcs8"].decode()
    provider.rsa_keys[CONSUMER_KEY] = pems["spki"].decode()
    client = Client(CONSUMER_KEY, signature_method=SIGNATURE_RSA_SHA256, rsa_key=private_pem)
    assert send_signed(client, provider.url("/two_legged?q=1")).status == 200
    client = Client(OTHER_CONSUMER_KEY, signature_method=SIGNATURE_RSA_SHA256, rsa_key=private_pem)
    assert send_signed(client, provider.url("/two_legged?q=1")).status == 401
    assert [q.valid for q in provider.requests] == [True, False]


def test_keep_alive_and_malformed_query(provider: OAuthlibProvider) -> None:
    client = Client(CONSUMER_KEY, CONSUMER_SECRET)
    conn = http.client.HTTPConnection("127.0.0.1", provider.port)
    try:
        for _ in range(2):
            _, headers, _ = client.sign(provider.url("/two_legged/k"))
            conn.request("GET", "/two_legged/k", headers=headers)
            assert conn.getresponse().read() and conn.sock is not None
        # oauthlib refuses (with a ValueError, not an OAuth error) queries that
        # are not strictly form-encoded; the provider must answer, not crash.
        conn.request("GET", "/two_legged/k?q=[1]", headers=headers)
        response = conn.getresponse()
        assert response.status == 400
        assert "invalid characters" in parse_qs(response.read().decode())["error_description"][0]
    finally:
        conn.close()
    assert [q.status for q in provider.requests] == [200, 200, 400]
    assert "invalid characters" in str(provider.requests[-1].error)
