"""oauth2.sign(), the one signing function under the Client, the CLI, OAuth Echo and XOAUTH.

Its wire output is checked against oauthlib on generated requests in
test_oracle.py (test_oauthlib_verifies_the_wire_sign_makes); here, its rules
and its bad input.
"""

from __future__ import annotations

import io
from typing import Any, Dict
from urllib.parse import parse_qsl, urlsplit

import pytest
from at_now import CONSUMER, FORM, HMAC_SHA1, NOW, PLAINTEXT, TOKEN, server

import oauth2 as oauth

URL = "http://api.example.com/r?q=1"


def signed(**options: Any) -> oauth.Signed:
    arguments: Dict[str, Any] = {"nonce": "n0nce", "timestamp": NOW, **options}
    method = arguments.pop("method", "POST")
    return oauth.sign(method, arguments.pop("uri", URL), CONSUMER, TOKEN, **arguments)


def verified(wire: oauth.Signed, method: str = "POST") -> Dict[str, Any]:
    """What our Server returns for the request as it arrives."""
    received = oauth.Request.from_request(method, wire.uri, headers=wire.headers,
                                          body=wire.body)
    return server(PLAINTEXT, HMAC_SHA1, allow_plaintext_over_http=True).verify_request(received, CONSUMER, TOKEN)


def test_the_same_inputs_give_the_same_wire_and_leave_the_inputs_alone() -> None:
    headers = {"Content-Type": FORM, "Authorization": "OAuth stale", "X-Trace": "1"}
    first = signed(headers=headers, body=b"a=1")
    assert first[:3] == signed(headers=dict(headers), body=b"a=1")[:3]
    assert headers == {"Content-Type": FORM, "Authorization": "OAuth stale", "X-Trace": "1"}
    assert first.headers["X-Trace"] == "1" and first.headers["Authorization"] != "OAuth stale"
    assert first.body == b"a=1" and first.uri == URL


@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_each_placement_verifies_with_the_form_pairs_signed(placement: str) -> None:
    wire = signed(headers={"Content-Type": FORM, "Content-Length": "3"}, body=b"a=1", placement=placement)
    assert verified(wire) == {"a": "1", "q": "1"}
    assert ("Authorization" in wire.headers) == (placement == "header")
    assert ("oauth_signature" in dict(parse_qsl(urlsplit(wire.uri).query))) == (placement == "query")
    if placement == "body":
        assert "Content-Length" not in wire.headers  # the body grew
        assert isinstance(wire.body, bytes) and wire.body.startswith(b"a=1&oauth_")


def test_a_json_body_is_signed_by_its_hash_and_sent_as_given() -> None:
    body = '{"caf\u00e9": 1}'
    wire = signed(headers={"Content-Type": "application/json"}, body=body)
    assert wire.body is body and "oauth_body_hash" in wire.request
    assert verified(wire) == {"q": "1"}
    unhashed = signed(headers={"Content-Type": "application/json"}, body=body, body_hash=False)
    assert "oauth_body_hash" not in unhashed.request


def test_a_file_body_is_read_once_and_sent_as_its_bytes() -> None:
    wire = signed(headers={"Content-Type": "application/octet-stream"}, body=io.BytesIO(b"\x00\x01"))
    assert wire.body == b"\x00\x01"
    assert verified(wire) == {"q": "1"}


def test_protocol_parameters_and_the_token_verifier_are_signed() -> None:
    token = oauth.Token("tkey", "tsecret")
    token.set_verifier("v3r")
    wire = oauth.sign("POST", URL, CONSUMER, token, parameters={"oauth_callback": "oob"}, nonce="n", timestamp=NOW)
    assert wire.request["oauth_verifier"] == "v3r" and wire.request["oauth_callback"] == "oob"
    assert 'oauth_callback="oob"' in wire.headers["Authorization"]


def test_a_protocol_parameter_the_caller_put_in_the_body_draws_the_others_there() -> None:
    """1.9's way to send oauth_callback: in the form body; RFC 5849 §3.5 wants each parameter in one place."""
    wire = signed(headers={"Content-Type": FORM}, body=b"oauth_callback=oob&a=1")
    assert "Authorization" not in wire.headers
    assert isinstance(wire.body, bytes)
    names = [name for name, _ in parse_qsl(wire.body.decode())]
    assert names.count("oauth_callback") == 1 and "oauth_signature" in names
    assert verified(wire) == {"a": "1", "q": "1"}


def test_a_realm_is_quoted_into_the_header() -> None:
    assert signed(realm='r"x').headers["Authorization"].startswith('OAuth realm="r\\"x", ')


def test_a_bad_placement_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="placement must be one of header, query, body"):
        signed(placement="cookie")


def test_body_placement_needs_a_form_body() -> None:
    with pytest.raises(oauth.Error, match=r"needs a form-encoded body"):
        signed(headers={"Content-Type": "application/json"}, body=b"{}", placement="body")


@pytest.mark.parametrize("consumer", [None, "ckey", object()])
def test_credentials_of_the_wrong_type_are_a_type_error(consumer: Any) -> None:
    with pytest.raises(TypeError, match="consumer must have a key and a secret"):
        oauth.sign("GET", URL, consumer, None)


@pytest.mark.parametrize("token", ["tkey", object()])
def test_a_token_of_the_wrong_type_is_a_type_error(token: Any) -> None:
    with pytest.raises(TypeError, match="token must have a key and a secret"):
        oauth.sign("GET", URL, CONSUMER, token)


@pytest.mark.parametrize("uri", ["ftp://x/", "/relative", "http://[zz]/", "http://h:+80/"])
def test_a_bad_uri_is_invalid_request(uri: str) -> None:
    with pytest.raises(oauth.InvalidRequest):
        signed(uri=uri)


def test_the_shells_sign_through_it() -> None:
    """Echo and XOAUTH give what sign() gives for the same request (nonces aside)."""
    client = oauth.Client(CONSUMER, TOKEN)
    echo = client.echo_headers("https://api.example.com/1.1/account/verify_credentials.json")
    received = oauth.Request.from_request("GET", echo["X-Auth-Service-Provider"],
                                          headers={"Authorization": echo["X-Verify-Credentials-Authorization"]})
    assert oauth.Server([HMAC_SHA1]).verify_request(received, CONSUMER, TOKEN) == {}
    xoauth = oauth.build_xoauth_string("https://mail.example.com/mail/b/u/imap/", CONSUMER, TOKEN)
    method, url, params = xoauth.split(" ", 2)
    rebuilt = oauth.Request.from_request(method, url, headers={"Authorization": "OAuth " + params})
    assert oauth.Server([HMAC_SHA1]).verify_request(rebuilt, CONSUMER, TOKEN) == {}


def test_a_bytearray_body_changed_after_signing_is_signed_as_it_is_now() -> None:
    """Issue 23: the pairs of a form body were kept by the body's identity, so a bytearray changed in
    place after signing was signed again with its old pairs."""
    consumer, token = oauth.Consumer("ck", "cs"), oauth.Token("tk", "ts")
    body = bytearray(b"status=first")
    request = oauth.Request.from_consumer_and_token(consumer, token, "POST", "https://api.example/1/update",
                                                    body=body, is_form_encoded=True)
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, token)
    body[:] = b"status=second"
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, token)
    assert ("status", "second") in oauth.explain(request).parameters
    assert ("status", "first") not in oauth.explain(request).parameters
    headers = {**request.to_header(), "Content-Type": "application/x-www-form-urlencoded"}
    received = oauth.Request.from_request("POST", request.url, headers, body=bytes(body))
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], timestamp_threshold=10**10)
    assert server.verify_request(received, consumer, token) == {"status": "second"}


# redirect_hop: the redirect rules, once (issue 23). A pure function: no server needed to check its table.
@pytest.mark.parametrize(
    ("status", "method", "sent"),
    [(301, "POST", "GET"), (301, "PUT", "PUT"), (302, "POST", "GET"), (302, "PUT", "GET"), (302, "HEAD", "HEAD"),
     (303, "POST", "GET"), (303, "DELETE", "GET"), (303, "HEAD", "HEAD"), (307, "POST", "POST"), (308, "PUT", "PUT")],
)
def test_redirect_hop_method_and_body(status: int, method: str, sent: str) -> None:
    hop = oauth.redirect_hop("https://api.example/a", "https://api.example/b", status, method, b"a=1")
    assert hop.method == sent
    keeps_body = status in (307, 308)
    assert hop.body == (b"a=1" if keeps_body else None)
    expected = ("authorization",) if keeps_body else ("authorization", "content-type", "content-length")
    assert hop.drop_headers == expected
    assert hop.signed and hop.url == "https://api.example/b"


def test_redirect_hop_without_a_status_follows_the_method_the_library_chose() -> None:
    kept = oauth.redirect_hop("https://e/a", "https://e/b", None, "POST", b"x", hop_method="POST")
    changed = oauth.redirect_hop("https://e/a", "https://e/b", None, "POST", b"x", hop_method="GET")
    assert (kept.method, kept.body) == ("POST", b"x")
    assert (changed.method, changed.body) == ("GET", None)


def test_redirect_hop_signs_as_signs_redirect_says() -> None:
    def signed(hop_url: str, **settings: Any) -> bool:
        return oauth.redirect_hop("http://api.example/a", hop_url, 302, "GET", None, **settings).signed

    assert signed("http://api.example:80/b") and signed("https://api.example/b")
    assert not signed("https://evil.example/b")
    assert signed("https://evil.example/b", sign_redirects="all")
    plaintext = oauth.SignatureMethod_PLAINTEXT()
    assert not signed("https://evil.example/b", sign_redirects="all", signature_method=plaintext)
    with pytest.raises(ValueError):
        signed("https://api.example/b", sign_redirects="some")


def test_redirect_hop_placement_and_echoed_oauth_parameters() -> None:
    echoed = "https://e/b?a=1&oauth_nonce=n&oauth%5Fsignature=s&b=2"
    in_query = oauth.redirect_hop("https://e/a", echoed, 302, "GET", None, placement="query")
    assert in_query.url == "https://e/b?a=1&b=2"
    in_header = oauth.redirect_hop("https://e/a", echoed, 302, "GET", None)
    assert in_header.url == echoed
    assert oauth.redirect_hop("https://e/a", "https://e/b", 303, "POST", b"a=1", placement="body").placement == "query"
    assert oauth.redirect_hop("https://e/a", "https://e/b", 307, "POST", b"a=1", placement="body").placement == "body"
