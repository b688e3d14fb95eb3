"""``oauth.Client`` over real HTTP against the oauthlib provider (issue 3).

Every verdict comes from oauthlib (``tests/oauthlib_provider.py``), and the
assertions read the provider's records of what arrived on the wire: method,
request-target, headers, body bytes and the OAuth parameters as oauthlib
parsed them. Where oauthlib itself gets HTTP wrong (a mixed-case form
Content-Type), the signature is checked with oauthlib's signature primitives.
"""

# The 1.9 README examples below keep their %-formatting: they are ported, not rewritten.
# ruff: noqa: UP031

from __future__ import annotations

import base64
import builtins
import hashlib
import io
import itertools
import json
import time
import types
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httplib2
import oauthlib.oauth1
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from loopback import send, serving
from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature
from oauthlib.oauth1.rfc5849 import utils as oauthlib_utils
from oauthlib_provider import CONSUMER_KEY, CONSUMER_SECRET, USER_CREDENTIALS, OAuthlibProvider, RecordedRequest
from readme_1_9 import TerminalUser, twitter_three_legged
from tls_certs import rsa_key, rsa_pems

import oauth2 as oauth

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
HTTP_CALLBACK = "http://127.0.0.1:9/callback?state=x"

# Every nonce any provider saw in this module (per xdist worker): a nonce must
# never be sent twice, not even to two different providers.
_NONCES_SEEN: set[str] = set()


@pytest.fixture(autouse=True)
def _no_nonce_is_ever_reused(provider: OAuthlibProvider) -> Iterator[None]:
    """After each test, check that the provider saw no nonce twice, in this test or before."""
    yield
    nonces = list(provider.nonces)
    assert len(set(nonces)) == len(nonces), nonces
    assert not _NONCES_SEEN & set(nonces)
    _NONCES_SEEN.update(nonces)


# ----------------------------------------------------------------------- helpers


def authorize(url: str) -> str:
    """Let the user allow the request token at the provider's authorize ``url``; return the verifier."""
    page = send("GET", url)
    if page.status == 302:
        # A callback URL: the provider sends the browser back there with the verifier.
        returned = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.headers["Location"]).query))
    else:
        assert page.status == 200, page
        returned = dict(urllib.parse.parse_qsl(page.body.decode()))
    return returned["oauth_verifier"]


def consumer() -> oauth.Consumer:
    """The consumer the provider knows."""
    return oauth.Consumer(CONSUMER_KEY, CONSUMER_SECRET)


def resource_client(provider: OAuthlibProvider, **kwargs: Any) -> oauth.Client:
    """A Client holding an access token the provider issued, for ``/resource``."""
    key, secret = provider.issue_access_token()
    return oauth.Client(consumer(), oauth.Token(key, secret), **kwargs)


def header(rec: RecordedRequest, name: str) -> str | None:
    """The value of header ``name`` as received (names compared case-insensitively)."""
    values = header_values(rec, name)
    return values[-1] if values else None


def header_values(rec: RecordedRequest, name: str) -> list[str]:
    """Every value of header ``name`` as received, in order."""
    return [v for k, v in rec.header_items if k.lower() == name.lower()]


def wire_query(rec: RecordedRequest) -> str:
    """The raw query string of the request-target."""
    return urllib.parse.urlsplit(rec.path).query


def oauth_names(rec: RecordedRequest) -> dict[str, set[str]]:
    """Names of the ``oauth_`` parameters found in the header, the query and the body, parsed by oauthlib."""
    auth = header(rec, "Authorization")
    in_header = {k for k, _ in oauthlib_utils.parse_authorization_header(auth)} if auth else set()
    in_query = {k for k, _ in urllib.parse.parse_qsl(wire_query(rec), keep_blank_values=True)}
    in_body: set[str] = set()
    if FORM in (header(rec, "Content-Type") or "").lower():
        in_body = {k for k, _ in urllib.parse.parse_qsl(rec.body.decode(), keep_blank_values=True)}
    return {place: {n for n in names if n.startswith("oauth_")}
            for place, names in (("header", in_header), ("query", in_query), ("body", in_body))}


def only_in(rec: RecordedRequest, place: str) -> None:
    """Assert that the signed request's ``oauth_`` parameters arrived in ``place`` and nowhere else."""
    names = oauth_names(rec)
    assert {"oauth_signature", "oauth_nonce", "oauth_consumer_key"} <= names[place], names
    assert all(not found for where, found in names.items() if where != place), names


def appended_oauth(wire: str, original: str) -> list[tuple[str, str]]:
    """Assert that ``wire`` is ``original`` followed only by ``oauth_`` pairs; return those pairs."""
    prefix = f"{original}&" if original else ""
    assert wire.startswith(prefix), (wire, original)
    added = urllib.parse.parse_qsl(wire[len(prefix):], keep_blank_values=True)
    assert added and all(k.startswith("oauth_") for k, _ in added), added
    return added


def body_hash(body: bytes) -> str:
    """``oauth_body_hash`` of ``body``, computed here (body hash extension §3.1)."""
    return base64.b64encode(hashlib.sha1(body).digest()).decode()


def assert_valid(*records: RecordedRequest) -> None:
    """Assert that the provider accepted each record, showing its reason otherwise."""
    for rec in records:
        assert rec.valid, (rec.method, rec.path, rec.status, rec.error)


@pytest.fixture
def ticking_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each signature a timestamp one second later than the last.

    Without sleeping, this shows whether every hop asks for a new timestamp
    instead of reusing the first one.
    """
    ticks = itertools.count(int(time.time()) - 60)
    monkeypatch.setattr(oauth.Request, "make_timestamp", classmethod(lambda cls: str(next(ticks))))


# ----------------------------------------------------------------- three-legged


@pytest.mark.parametrize("callback", ["oob", HTTP_CALLBACK])
def test_flow_helpers_three_legged(provider: OAuthlibProvider, callback: str) -> None:
    client = oauth.Client(consumer())

    request_token = client.fetch_request_token(provider.url("/request_token"), callback=callback)
    assert request_token.callback_confirmed == "true"
    assert request_token.key in provider.request_tokens
    step1 = provider.requests[-1]
    assert step1.oauth_params is not None
    assert step1.oauth_params["oauth_callback"] == callback
    assert "oauth_token" not in step1.oauth_params

    url = client.authorization_url(provider.url("/authorize"))
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(url).query) == {"oauth_token": [request_token.key]}
    verifier = authorize(url)

    access_token = client.fetch_access_token(provider.url("/access_token"), verifier)
    assert provider.access_tokens[access_token.key or ""]["secret"] == access_token.secret
    assert USER_CREDENTIALS.items() <= access_token.extra.items()
    assert client.token is access_token
    step3 = provider.requests[-1]
    assert step3.oauth_params is not None
    assert step3.oauth_params["oauth_token"] == request_token.key
    assert step3.oauth_params["oauth_verifier"] == verifier

    response, content = client.request(provider.url("/resource/me?fields=all"))
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert rec.oauth_params is not None and rec.oauth_params["oauth_token"] == access_token.key
    assert "oauth_verifier" not in rec.oauth_params
    assert_valid(step1, step3, rec)
    assert json.loads(content)["query"] == "fields=all"


@pytest.mark.parametrize("callback", ["oob", HTTP_CALLBACK])
def test_1_9_style_three_legged(provider: OAuthlibProvider, callback: str) -> None:
    response, content = oauth.Client(consumer()).request(provider.url("/request_token"), "POST", callback=callback)
    assert response.status == 200, content
    request_token = oauth.Token.from_string(content)
    assert request_token.callback_confirmed == "true"

    verifier = authorize(provider.url(f"/authorize?oauth_token={request_token.key}"))
    request_token.set_verifier(verifier)
    response, content = oauth.Client(consumer(), request_token).request(provider.url("/access_token"), "POST")
    assert response.status == 200, content
    access_token = oauth.Token.from_string(content)
    assert USER_CREDENTIALS.items() <= access_token.extra.items()
    exchange = provider.requests[-1]
    assert exchange.oauth_params is not None and exchange.oauth_params["oauth_verifier"] == verifier

    response, content = oauth.Client(consumer(), access_token).request(provider.url("/resource/home"), "GET")
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert rec.oauth_params is not None and rec.oauth_params["oauth_token"] == access_token.key
    assert_valid(exchange, rec)


def test_two_legged(provider: OAuthlibProvider) -> None:
    response, content = oauth.Client(consumer()).request(provider.url("/two_legged/status?id=7"))
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.oauth_params is not None
    assert rec.oauth_params["oauth_consumer_key"] == CONSUMER_KEY
    assert "oauth_token" not in rec.oauth_params
    assert rec.path == "/two_legged/status?id=7"


def test_resource_needs_the_token(provider: OAuthlibProvider) -> None:
    response, content = oauth.Client(consumer()).request(provider.url("/resource/x"))
    assert response.status == 401
    assert b"oauth_token" in content
    assert not provider.requests[-1].valid


# ------------------------------------------------- python-oauth2 1.9's README


def using_the_client(request_token_url: str, key: str, secret: str, **kwargs: Any) -> tuple[Any, bytes]:
    """1.9's README "Using the Client", in Python 3; ``kwargs`` go to ``client.request``."""
    # Create your consumer with the proper key/secret.
    consumer = oauth.Consumer(key=key, secret=secret)

    # Create our client.
    client = oauth.Client(consumer)

    # The OAuth Client request works just like httplib2 for the most part.
    resp, content = client.request(request_token_url, "GET", **kwargs)
    print(resp)
    print(content)
    return resp, content


def test_readme_using_the_client(provider: OAuthlibProvider, capsys: pytest.CaptureFixture[str]) -> None:
    # As printed in 1.9: no oauth_callback, which OAuth 1.0a (RFC 5849 §2.1) requires.
    resp, content = using_the_client(provider.url("/request_token"), CONSUMER_KEY, CONSUMER_SECRET)
    assert resp.status == 400
    assert "callback" in (provider.requests[-1].error or "")
    printed = capsys.readouterr().out
    assert "'status': '400'" in printed and repr(content) in printed

    resp, content = using_the_client(provider.url("/request_token"), CONSUMER_KEY, CONSUMER_SECRET, callback="oob")
    assert resp.status == 200, content
    assert resp["status"] == "200"
    assert_valid(provider.requests[-1])
    assert provider.requests[-1].method == "GET"
    token = dict(urllib.parse.parse_qsl(content.decode()))
    assert token["oauth_callback_confirmed"] == "true"
    assert token["oauth_token"] in provider.request_tokens
    assert repr(content) in capsys.readouterr().out


def test_readme_twitter_example(provider: OAuthlibProvider, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    user = TerminalUser(lambda: capsys.readouterr().out, authorize)
    monkeypatch.setattr(builtins, "input", user)
    access_token = twitter_three_legged(CONSUMER_KEY, CONSUMER_SECRET, provider.url("/request_token"),
                                        provider.url("/access_token"), provider.url("/authorize"))

    assert user.prompts == ["Have you authorized me? (y/n) "] * 2 + ["What is the PIN? "]
    assert access_token["screen_name"] == USER_CREDENTIALS["screen_name"]
    assert f"oauth_token        = {access_token['oauth_token']}" in capsys.readouterr().out
    signed = [r for r in provider.requests if r.endpoint != "authorize"]
    assert [r.endpoint for r in signed] == ["request_token", "access_token"]
    assert_valid(*signed)
    assert signed[1].oauth_params is not None and signed[1].oauth_params["oauth_verifier"] == user.pins[0]

    token = oauth.Token(access_token["oauth_token"], access_token["oauth_token_secret"])
    response, content = oauth.Client(consumer(), token).request(provider.url("/resource/timeline"))
    assert response.status == 200, content
    assert_valid(provider.requests[-1])


# ------------------------------------------------------------ queries, placement


QUERIES = {
    "repeated": "a=1&a=2&a=1",
    "empty": "a=&b&c=",
    "unicode": "q=caf%C3%A9&z=%E2%82%AC",
    "reserved": "q=a%2Bb%26c%3Dd%2F%3F%23%25&r=!*'()$,;:@/?&t=~-._&s=a+b%20c",
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_get_query_header_placement(provider: OAuthlibProvider, query: str) -> None:
    response, content = resource_client(provider).request(provider.url(f"/resource/q?{query}"))
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.path == f"/resource/q?{query}"  # byte for byte: nothing re-encoded or reordered
    assert rec.body == b""
    only_in(rec, "header")
    assert "oauth_body_hash" not in (rec.oauth_params or {})


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_get_query_query_placement(provider: OAuthlibProvider, query: str) -> None:
    response, content = resource_client(provider, placement="query").request(provider.url(f"/resource/q?{query}"))
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    added = appended_oauth(wire_query(rec), query)
    assert dict(added)["oauth_nonce"] == rec.nonce
    assert header(rec, "Authorization") is None
    only_in(rec, "query")


def test_raw_non_ascii_in_url(provider: OAuthlibProvider) -> None:
    client = resource_client(provider)
    response, content = client.request(provider.url("/resource/café?q=café&n=ü"))
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.path == "/resource/caf%C3%A9?q=caf%C3%A9&n=%C3%BC"


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_form_placement(provider: OAuthlibProvider, placement: str, method: str) -> None:
    body = "a=1&a=2&b=&c=caf%C3%A9"
    client = resource_client(provider, placement=placement)
    response, content = client.request(provider.url("/resource/f?x=1&x=&y"), method, body=body,
                                       headers={"Content-Type": FORM})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.method == method
    only_in(rec, placement)
    assert header_values(rec, "Content-Type") == [FORM]
    if placement == "query":
        appended_oauth(wire_query(rec), "x=1&x=&y")
    else:
        assert rec.path == "/resource/f?x=1&x=&y"
    if placement == "body":
        appended_oauth(rec.body.decode(), body)
    else:
        assert rec.body == body.encode()


def test_body_placement_refuses_a_get(provider: OAuthlibProvider) -> None:
    with pytest.raises(oauth.Error, match="placement='body'"):
        resource_client(provider, placement="body").request(provider.url("/resource/x"))
    assert provider.requests == []


def test_per_call_placement(provider: OAuthlibProvider) -> None:
    client = resource_client(provider)
    client.request(provider.url("/resource/a"), placement="query")
    client.request(provider.url("/resource/b"))
    first, second = provider.requests
    assert_valid(first, second)
    only_in(first, "query")
    only_in(second, "header")


# -------------------------------------------------------------------- bodies


FORM_BODIES = {
    "multi": "a=1&a=2&a=3",
    "unicode": "status=caf%C3%A9+%E2%82%AC&name=%C3%BC",
    "empty-values": "a=&b=&c",
    "reserved": "q=%26%3D%2B%25&r=~-._",
}


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
@pytest.mark.parametrize("body", FORM_BODIES.values(), ids=FORM_BODIES.keys())
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_form_body_sent_byte_for_byte(provider: OAuthlibProvider, method: str, body: str, as_bytes: bool) -> None:
    sent: str | bytes = body.encode() if as_bytes else body
    response, content = resource_client(provider).request(provider.url("/resource/f"), method, body=sent,
                                                          headers={"Content-Type": FORM})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.body == body.encode()
    assert "oauth_body_hash" not in (rec.oauth_params or {})
    assert header_values(rec, "Content-Type") == [FORM]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_json_body_with_content_type(provider: OAuthlibProvider, method: str) -> None:
    body = '{"name": "café", "tags": ["a", "b"], "q": "a=1&b=2"}'
    response, content = resource_client(provider).request(provider.url("/resource/j"), method, body=body,
                                                          headers={"Content-Type": JSON})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.body == body.encode("utf-8")
    assert rec.oauth_params is not None
    assert rec.oauth_params["oauth_body_hash"] == body_hash(body.encode("utf-8"))
    assert header_values(rec, "Content-Type") == [JSON]


def test_json_post_without_content_type(provider: OAuthlibProvider) -> None:
    body = b'{"x": 1, "y": "a=b"}'
    response, content = resource_client(provider).request(provider.url("/resource/j"), "POST", body=body)
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.body == body
    assert header(rec, "Content-Type") is None
    assert rec.oauth_params is not None and rec.oauth_params["oauth_body_hash"] == body_hash(body)
    only_in(rec, "header")


def test_form_looking_post_without_content_type(provider: OAuthlibProvider) -> None:
    body = "a=1&a=2&b=caf%C3%A9&c="
    response, content = resource_client(provider).request(provider.url("/resource/f"), "POST", body=body)
    assert response.status == 200, content
    rec = provider.requests[-1]
    # Valid only if the body parameters were signed: oauthlib reads them because of the form type.
    assert_valid(rec)
    assert header_values(rec, "Content-Type") == [FORM]
    assert rec.body == body.encode()
    assert "oauth_body_hash" not in (rec.oauth_params or {})


@pytest.mark.parametrize("name,value", [
    ("content-type", FORM),
    ("content-type", f"{FORM}; charset=utf-8"),
    ("Content-type", FORM),
])
def test_form_content_type_case_and_charset(provider: OAuthlibProvider, name: str, value: str) -> None:
    body = "a=1&b=caf%C3%A9"
    response, content = resource_client(provider).request(provider.url("/resource/f"), "POST", body=body,
                                                          headers={name: value})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert header_values(rec, "Content-Type") == [value]
    assert rec.body == body.encode()
    assert "oauth_body_hash" not in (rec.oauth_params or {})


def test_form_content_type_mixed_case(provider: OAuthlibProvider) -> None:
    """``Application/X-WWW-Form-Urlencoded; charset=utf-8`` is form data (media types are case-insensitive).

    oauthlib decides "form" with a case-sensitive substring test, so its
    verdict here is wrong; the signature is checked with oauthlib's own
    base string and HMAC functions over the parameters RFC 5849 §3.4.1.3.1 names.
    """
    content_type = "Application/X-WWW-Form-Urlencoded; charset=utf-8"
    key, secret = provider.issue_access_token()
    client = oauth.Client(consumer(), oauth.Token(key, secret))
    body = "a=1&a=2&b=caf%C3%A9"
    client.request(provider.url("/resource/f?x=1"), "POST", body=body, headers={"Content-Type": content_type})
    rec = provider.requests[-1]
    assert header_values(rec, "Content-Type") == [content_type]
    assert rec.body == body.encode()
    assert rec.oauth_params is not None and "oauth_body_hash" not in rec.oauth_params
    params = oauthlib_signature.collect_parameters(uri_query=wire_query(rec), body=rec.body.decode(),
                                                   headers=rec.headers)
    assert ("b", "café") in params
    base_string = oauthlib_signature.signature_base_string(
        rec.method, oauthlib_signature.base_string_uri(provider.url(rec.path)),
        oauthlib_signature.normalize_parameters(params))
    signer = oauthlib.oauth1.Client(CONSUMER_KEY, client_secret=CONSUMER_SECRET, resource_owner_secret=secret)
    expected = oauthlib_signature.sign_hmac_sha1_with_client(base_string, signer)
    assert rec.oauth_params["oauth_signature"] == expected


def test_str_body_is_sent_as_utf8(provider: OAuthlibProvider) -> None:
    body = "<note>Grüße, café €</note>"
    response, content = resource_client(provider).request(provider.url("/resource/x"), "PUT", body=body,
                                                          headers={"Content-Type": "application/xml"})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.body == body.encode("utf-8")
    assert rec.oauth_params is not None and rec.oauth_params["oauth_body_hash"] == body_hash(body.encode("utf-8"))


def test_binary_body(provider: OAuthlibProvider) -> None:
    body = bytes(range(256)) * 4
    response, content = resource_client(provider).request(provider.url("/resource/blob"), "PUT", body=body,
                                                          headers={"Content-Type": "application/octet-stream"})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.body == body
    assert rec.oauth_params is not None and rec.oauth_params["oauth_body_hash"] == body_hash(body)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_body_none(provider: OAuthlibProvider, method: str) -> None:
    response, content = resource_client(provider).request(provider.url("/resource/x?a=1"), method, body=None)
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.method == method
    assert rec.body == b""
    assert "oauth_body_hash" not in (rec.oauth_params or {})


def test_file_like_body(provider: OAuthlibProvider) -> None:
    data = b'{"upload": "' + b"x" * 5000 + b'"}'
    response, content = resource_client(provider).request(provider.url("/resource/up"), "PUT", body=io.BytesIO(data),
                                                          headers={"Content-Type": JSON})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.body == data
    assert rec.oauth_params is not None and rec.oauth_params["oauth_body_hash"] == body_hash(data)


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE", "OPTIONS"])
def test_bodiless_methods_have_no_body_hash(provider: OAuthlibProvider, method: str) -> None:
    response, content = resource_client(provider).request(provider.url("/resource/x?id=3"), method)
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.method == method
    assert rec.path == "/resource/x?id=3"
    assert rec.oauth_params is not None and "oauth_body_hash" not in rec.oauth_params
    if method == "HEAD":
        assert content == b""


def test_multipart_body_is_not_form(provider: OAuthlibProvider) -> None:
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n\x00\xff=&\r\n--XyZ--\r\n")
    content_type = "multipart/form-data; boundary=XyZ"
    response, content = resource_client(provider).request(provider.url("/resource/m"), "POST", body=body,
                                                          headers={"Content-Type": content_type})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.body == body
    assert header_values(rec, "Content-Type") == [content_type]
    assert rec.oauth_params is not None and rec.oauth_params["oauth_body_hash"] == body_hash(body)


def test_body_hash_switch(provider: OAuthlibProvider) -> None:
    client = resource_client(provider)
    body = b'{"a": 1}'
    client.request(provider.url("/resource/j"), "PUT", body=body, headers={"Content-Type": JSON}, body_hash=False)
    client.request(provider.url("/resource/j"), "PUT", body=body, headers={"Content-Type": JSON}, body_hash=True)
    client.request(provider.url("/resource/g"), "GET", body_hash=True)
    off, on, get = provider.requests
    assert_valid(off, on, get)
    assert off.body == on.body == body
    assert "oauth_body_hash" not in (off.oauth_params or {})
    assert (on.oauth_params or {})["oauth_body_hash"] == body_hash(body)
    assert (get.oauth_params or {})["oauth_body_hash"] == body_hash(b"")


def test_client_level_body_hash_off(provider: OAuthlibProvider) -> None:
    client = resource_client(provider, body_hash=False)
    response, content = client.request(provider.url("/resource/j"), "POST", body=b"[1]",
                                       headers={"Content-Type": JSON})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert "oauth_body_hash" not in (rec.oauth_params or {})


# ----------------------------------------------------------------- redirects


def redirect_url(provider: OAuthlibProvider, code: int, to: str) -> str:
    """A provider URL that answers ``code`` with ``Location: to``."""
    return provider.url(f"/redirect/{code}?to={urllib.parse.quote(to, safe='')}")


def assert_fresh_hops(hops: list[RecordedRequest]) -> None:
    """Each hop verified on its own, with its own nonce, timestamp and signature."""
    assert_valid(*hops)
    for name in ("oauth_nonce", "oauth_timestamp", "oauth_signature"):
        values = [(h.oauth_params or {})[name] for h in hops]
        assert len(set(values)) == len(values), (name, values)


@pytest.mark.usefixtures("ticking_clock")
@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("placement", ["header", "query"])
def test_redirected_get(provider: OAuthlibProvider, code: int, placement: str) -> None:
    client = resource_client(provider, placement=placement)
    response, content = client.request(redirect_url(provider, code, "/resource/next?a=1&a=&b=caf%C3%A9"))
    assert response.status == 200, content
    assert response.previous.status == code
    first, second = provider.requests
    assert_fresh_hops([first, second])
    assert (first.endpoint, second.endpoint) == ("redirect", "resource")
    assert second.method == "GET"
    if placement == "header":
        assert second.path == "/resource/next?a=1&a=&b=caf%C3%A9"
    else:
        appended_oauth(wire_query(second), "a=1&a=&b=caf%C3%A9")
    only_in(second, placement)


@pytest.mark.usefixtures("ticking_clock")
def test_redirect_chain_two_legged(provider: OAuthlibProvider) -> None:
    last = "/two_legged/end?z=%7E"
    middle = f"/redirect/307?to={urllib.parse.quote(last, safe='')}"
    response, content = oauth.Client(consumer()).request(redirect_url(provider, 302, middle))
    assert response.status == 200, content
    hops = provider.requests
    assert [h.endpoint for h in hops] == ["redirect", "redirect", "two_legged"]
    assert hops[-1].path == last
    assert_fresh_hops(hops)
    assert all("oauth_token" not in (h.oauth_params or {}) for h in hops)


@pytest.mark.usefixtures("ticking_clock")
@pytest.mark.parametrize("code", [302, 303])
def test_post_redirected_to_get(provider: OAuthlibProvider, code: int) -> None:
    client = resource_client(provider)
    client.follow_all_redirects = True  # httplib2 follows a POST's 302 only when asked
    body = "a=1&b=2"
    response, content = client.request(redirect_url(provider, code, "/resource/done"), "POST", body=body,
                                       headers={"Content-Type": FORM, "X-Keep": "yes"})
    assert response.status == 200, content
    first, second = provider.requests
    assert_fresh_hops([first, second])
    assert (first.method, first.body) == ("POST", body.encode())
    assert (second.method, second.path, second.body) == ("GET", "/resource/done", b"")
    assert header(second, "Content-Type") is None
    assert header(second, "X-Keep") == "yes"
    assert "oauth_body_hash" not in (second.oauth_params or {})


@pytest.mark.usefixtures("ticking_clock")
@pytest.mark.parametrize("code", [301, 307, 308])
@pytest.mark.parametrize("content_type,body", [(FORM, b"a=1&a=2&c="), (JSON, b'{"a": "\xc3\xa9"}')],
                         ids=["form", "json"])
def test_post_redirect_keeps_method_and_body(provider: OAuthlibProvider, code: int, content_type: str,
                                             body: bytes) -> None:
    client = resource_client(provider)
    client.follow_all_redirects = True  # httplib2 follows a POST's 301 and 307 only when asked
    response, content = client.request(redirect_url(provider, code, "/resource/moved?x=1"), "POST", body=body,
                                       headers={"Content-Type": content_type})
    assert response.status == 200, content
    first, second = provider.requests
    assert_fresh_hops([first, second])
    assert (second.method, second.path, second.body) == ("POST", "/resource/moved?x=1", body)
    assert header_values(second, "Content-Type") == [content_type]
    if content_type == JSON:
        assert (second.oauth_params or {})["oauth_body_hash"] == body_hash(body)


@pytest.mark.usefixtures("ticking_clock")
def test_308_post_followed_by_default(provider: OAuthlibProvider) -> None:
    response, content = resource_client(provider).request(redirect_url(provider, 308, "/resource/p"), "POST",
                                                          body="a=1", headers={"Content-Type": FORM})
    assert response.status == 200, content
    first, second = provider.requests
    assert_fresh_hops([first, second])
    assert (second.method, second.body) == ("POST", b"a=1")


@pytest.mark.usefixtures("ticking_clock")
@pytest.mark.parametrize("code", [307, 308])
def test_redirect_resends_file_like_body(provider: OAuthlibProvider, code: int) -> None:
    """A file-like body is read when the first hop is sent; the next hop must still carry it."""
    data = b'{"upload": 1}'
    client = resource_client(provider)
    client.follow_all_redirects = True
    response, content = client.request(redirect_url(provider, code, "/resource/up"), "PUT", body=io.BytesIO(data),
                                       headers={"Content-Type": JSON})
    assert response.status == 200, content
    first, second = provider.requests
    assert_fresh_hops([first, second])
    assert first.body == data
    assert second.body == data
    assert (second.oauth_params or {})["oauth_body_hash"] == body_hash(data)


@pytest.mark.usefixtures("ticking_clock")
def test_body_placement_post_redirected_to_get(provider: OAuthlibProvider) -> None:
    """A form POST signed in its body that a 303 turns into a GET: the GET hop still needs signing."""
    client = resource_client(provider, placement="body")
    response, content = client.request(redirect_url(provider, 303, "/resource/done"), "POST", body="a=1",
                                       headers={"Content-Type": FORM})
    assert response.status == 200, content
    first, second = provider.requests
    assert_fresh_hops([first, second])
    only_in(first, "body")
    assert (second.method, second.body) == ("GET", b"")


@pytest.mark.usefixtures("ticking_clock")
def test_query_placement_drops_echoed_oauth_params(provider: OAuthlibProvider) -> None:
    stale = ("oauth_consumer_key=test-consumer-key&oauth_nonce=stale-nonce&oauth_timestamp=1"
             "&oauth_signature_method=HMAC-SHA1&oauth_signature=c3RhbGU%3D&oauth_version=1.0")
    client = resource_client(provider, placement="query")
    response, content = client.request(redirect_url(provider, 302, f"/resource/back?a=1&{stale}&b=2"))
    assert response.status == 200, content
    first, second = provider.requests
    assert_fresh_hops([first, second])
    added = appended_oauth(wire_query(second), "a=1&b=2")
    assert "stale-nonce" not in second.path
    assert [k for k, _ in added].count("oauth_nonce") == 1


def test_follow_redirects_off(provider: OAuthlibProvider) -> None:
    client = resource_client(provider)
    client.follow_redirects = False
    response, content = client.request(redirect_url(provider, 302, "/resource/elsewhere"))
    assert response.status == 302
    assert response["location"] == "/resource/elsewhere"
    assert content == b"redirecting to /resource/elsewhere"
    assert len(provider.requests) == 1
    assert_valid(provider.requests[0])


def test_post_302_not_followed_by_default(provider: OAuthlibProvider) -> None:
    response, _ = resource_client(provider).request(redirect_url(provider, 302, "/resource/x"), "POST",
                                                    body="a=1", headers={"Content-Type": FORM})
    assert response.status == 302
    assert [r.endpoint for r in provider.requests] == ["redirect"]
    assert_valid(provider.requests[0])


UNUSUAL_URLS = [
    "/two_legged/a%2Fb/c%20d/~x;p=1",
    "/two_legged/a b?q=x y",
    "/two_legged/x?q=%7e%7E",
    "/two_legged/x?&&a=1&&",
    "/two_legged/x?=1",
    "/two_legged/x?a=1#fragment",
]


@pytest.mark.parametrize("placement", ["header", "query"])
@pytest.mark.parametrize("path", UNUSUAL_URLS)
def test_unusual_urls(provider: OAuthlibProvider, path: str, placement: str) -> None:
    response, content = oauth.Client(consumer(), placement=placement).request(provider.url(path))
    rec = provider.requests[-1]
    assert response.status == 200, (content, rec.error)
    assert_valid(rec)
    only_in(rec, placement)
    # What httplib2 puts on the wire: spaces escaped, the fragment left out.
    sent = urllib.parse.urlsplit(path.replace(" ", "%20"))
    assert urllib.parse.urlsplit(rec.path).path == sent.path
    if placement == "header":
        assert wire_query(rec) == sent.query
    else:
        appended_oauth(wire_query(rec), sent.query)


@pytest.mark.usefixtures("ticking_clock")
def test_next_call_after_a_failed_redirect(provider: OAuthlibProvider) -> None:
    """A redirect that ends in an exception must not leave the next call signed as its hop."""
    client = oauth.Client(consumer())
    loop = redirect_url(provider, 303, f"/redirect/303?to={urllib.parse.quote('/two_legged/end', safe='')}")
    with pytest.raises(httplib2.RedirectLimit):
        client.request(loop, "POST", body=b"{}", redirections=1, placement="query",
                       headers={"Content-Type": JSON})
    assert len(provider.requests) == 2
    response, content = client.request(provider.url("/two_legged/next"), "PUT", body="a=1",
                                       headers={"Content-Type": FORM})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(*provider.requests)
    assert (rec.method, rec.path, rec.body) == ("PUT", "/two_legged/next", b"a=1")
    only_in(rec, "header")


# ------------------------------------------------------------------ headers


class ReadOnlyHeaders(Mapping[str, str]):
    """A minimal non-dict Mapping, as some frameworks hand out."""

    def __init__(self, items: dict[str, str]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def test_callers_headers_unchanged(provider: OAuthlibProvider) -> None:
    client = resource_client(provider)
    headers = {"X-Trace": "t-1", "Accept": "application/json"}
    snapshot = dict(headers)
    client.request(provider.url("/resource/a"), "POST", body="a=1", headers=headers)
    client.request(provider.url("/resource/b"), "GET", headers=headers)
    assert headers == snapshot
    first, second = provider.requests
    assert_valid(first, second)
    assert header(first, "Content-Type") == FORM
    assert header(second, "Content-Type") is None  # the first call's form type did not leak
    assert first.oauth_params and second.oauth_params
    assert first.oauth_params["oauth_signature"] != second.oauth_params["oauth_signature"]
    assert [header(r, "X-Trace") for r in (first, second)] == ["t-1", "t-1"]


@pytest.mark.parametrize("wrap", [types.MappingProxyType, ReadOnlyHeaders], ids=["MappingProxyType", "Mapping"])
def test_any_mapping_of_headers(provider: OAuthlibProvider, wrap: Any) -> None:
    headers = wrap({"Content-Type": JSON, "X-Trace": "t-2"})
    response, content = resource_client(provider).request(provider.url("/resource/j"), "POST", body=b"{}",
                                                          headers=headers)
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert header(rec, "X-Trace") == "t-2"
    assert header_values(rec, "Content-Type") == [JSON]
    assert rec.body == b"{}"


def test_callers_authorization_header_is_replaced(provider: OAuthlibProvider) -> None:
    headers = {"Authorization": 'OAuth oauth_consumer_key="forged"'}
    response, content = resource_client(provider).request(provider.url("/resource/x"), headers=headers)
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert len(header_values(rec, "Authorization")) == 1
    assert (rec.oauth_params or {})["oauth_consumer_key"] == CONSUMER_KEY


# -------------------------------------------------------------------- realm


def test_no_realm_by_default(provider: OAuthlibProvider) -> None:
    resource_client(provider).request(provider.url("/resource/x"))
    rec = provider.requests[-1]
    assert_valid(rec)
    auth = header(rec, "Authorization") or ""
    assert "realm" not in dict(oauthlib_utils.parse_authorization_header(auth))


def test_realm(provider: OAuthlibProvider) -> None:
    client = resource_client(provider, realm="Photos")
    client.request(provider.url("/resource/x"))
    client.request(provider.url("/resource/y"), realm="Videos")
    client.request(provider.url("/resource/z"))
    photos, videos, again = provider.requests
    # oauthlib leaves realm out of the base string, so "valid" shows it was not signed.
    assert_valid(photos, videos, again)
    assert (header(photos, "Authorization") or "").startswith('OAuth realm="Photos", oauth_')
    assert (header(videos, "Authorization") or "").startswith('OAuth realm="Videos", oauth_')
    assert (header(again, "Authorization") or "").startswith('OAuth realm="Photos", oauth_')
    assert "realm" not in (photos.oauth_params or {})


def test_realm_cannot_inject_parameters(provider: OAuthlibProvider) -> None:
    realm = 'x", oauth_token="evil'
    response, content = oauth.Client(consumer(), realm=realm).request(provider.url("/two_legged/x"))
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    parsed = dict(oauthlib_utils.parse_authorization_header(header(rec, "Authorization") or ""))
    assert parsed["realm"] == realm
    assert "oauth_token" not in (rec.oauth_params or {})


# ---------------------------------------------------------- extra parameters


@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_extra_protocol_parameters(provider: OAuthlibProvider, placement: str) -> None:
    client = oauth.Client(consumer(), placement=placement)
    response, content = client.request(provider.url("/request_token"), "POST",
                                       parameters={"oauth_callback": HTTP_CALLBACK})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert (rec.oauth_params or {})["oauth_callback"] == HTTP_CALLBACK
    assert "oauth_callback" in oauth_names(rec)[placement]
    only_in(rec, placement)
    token = oauth.Token.from_string(content)
    assert provider.request_tokens[token.key or ""]["callback"] == HTTP_CALLBACK


def test_callback_argument(provider: OAuthlibProvider) -> None:
    response, content = oauth.Client(consumer()).request(provider.url("/request_token"), callback="oob")
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    assert rec.method == "GET"
    assert "oauth_callback" in oauth_names(rec)["header"]


@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_non_oauth_extra_parameter_reaches_the_provider(provider: OAuthlibProvider, placement: str) -> None:
    """``parameters={'scope': ...}``: Google's request-token ``scope`` (1.9 issues #19, #59; row C9).

    A parameter that is signed must also be sent, or the request can never
    verify; a non-``oauth_`` one cannot go in the Authorization header
    (RFC 5849 §3.5.1), so it belongs in the query (or the form body).
    """
    client = oauth.Client(consumer(), placement=placement)
    response, content = client.request(provider.url("/request_token?x=1"), "POST",
                                       parameters={"scope": "photos"}, callback="oob")
    rec = provider.requests[-1]
    assert response.status == 200, (content, rec.error)
    assert_valid(rec)
    sent = urllib.parse.parse_qsl(wire_query(rec)) + urllib.parse.parse_qsl(rec.body.decode())
    assert sent.count(("scope", "photos")) == 1
    assert ("x", "1") in sent
    only_in(rec, placement)


@pytest.mark.usefixtures("ticking_clock")
@pytest.mark.parametrize("location", ["/two_legged/x", "/two_legged/x?scope=photos"])
def test_redirect_hop_asks_for_the_location_as_given(provider: OAuthlibProvider, location: str) -> None:
    """Extra parameters belong to the URL the caller asked for; a redirect hop requests the Location as it is."""
    client = oauth.Client(consumer())
    response, content = client.request(redirect_url(provider, 307, location), parameters={"scope": "photos"})
    assert response.status == 200, content
    first, second = provider.requests
    assert_fresh_hops([first, second])
    assert ("scope", "photos") in urllib.parse.parse_qsl(wire_query(first))
    assert second.path == location


@pytest.mark.parametrize("placement", ["header", "body"])
def test_oauth_callback_in_callers_form_body(provider: OAuthlibProvider, placement: str) -> None:
    """1.9 had no ``callback=``: users wrote ``oauth_callback`` into the POST body themselves (row C9).

    RFC 5849 §3.5 wants every protocol parameter in one place, once: the
    body is the only place that can keep the caller's body byte for byte.
    """
    body = urllib.parse.urlencode({"oauth_callback": HTTP_CALLBACK})
    client = oauth.Client(consumer(), placement=placement)
    response, content = client.request(provider.url("/request_token"), "POST", body=body)
    rec = provider.requests[-1]
    assert response.status == 200, (content, rec.error)
    assert_valid(rec)
    assert (rec.oauth_params or {})["oauth_callback"] == HTTP_CALLBACK
    assert urllib.parse.parse_qsl(rec.body.decode()).count(("oauth_callback", HTTP_CALLBACK)) == 1
    appended_oauth(rec.body.decode(), body)
    only_in(rec, "body")


def test_oauth_callback_in_callers_url(provider: OAuthlibProvider) -> None:
    """The 1.9-era GET variant: ``oauth_callback`` written into the request-token URL."""
    query = urllib.parse.urlencode({"oauth_callback": HTTP_CALLBACK})
    response, content = oauth.Client(consumer()).request(provider.url(f"/request_token?{query}"))
    rec = provider.requests[-1]
    assert response.status == 200, (content, rec.error)
    assert_valid(rec)
    assert (rec.oauth_params or {})["oauth_callback"] == HTTP_CALLBACK
    appended_oauth(wire_query(rec), query)
    only_in(rec, "query")


def test_body_placement_with_callers_content_length(provider: OAuthlibProvider) -> None:
    """The caller's Content-Length describes the caller's body; body placement makes it longer."""
    client = resource_client(provider, placement="body")
    body = "a=1"
    response, content = client.request(provider.url("/resource/f"), "POST", body=body,
                                       headers={"Content-Type": FORM, "Content-Length": str(len(body))})
    assert response.status == 200, content
    rec = provider.requests[-1]
    assert_valid(rec)
    appended_oauth(rec.body.decode(), body)


# ------------------------------------------------------------------- methods


def test_lower_case_methods(provider: OAuthlibProvider) -> None:
    client = resource_client(provider)
    client.request(provider.url("/resource/p"), "post", body="a=1&b=")
    client.request(provider.url("/resource/g?x=1"), "get", placement="query")
    post, get = provider.requests
    assert_valid(post, get)
    assert (post.method, post.body) == ("POST", b"a=1&b=")
    assert header(post, "Content-Type") == FORM
    assert get.method == "GET"
    only_in(get, "query")


# --------------------------------------------------------- httplib2 options


def test_timeout_passes_through(provider: OAuthlibProvider) -> None:
    client = resource_client(provider, timeout=7)
    response, content = client.request(provider.url("/resource/t"))
    assert response.status == 200, content
    assert_valid(provider.requests[-1])
    assert client.timeout == 7
    assert [c.timeout for c in client.connections.values()] == [7]


def test_cache_directory(provider: OAuthlibProvider, tmp_path: Any) -> None:
    client = resource_client(provider, cache=str(tmp_path))
    for _ in range(2):
        response, content = client.request(provider.url("/resource/cached"))
        assert response.status == 200, content
        assert not response.fromcache
    first, second = provider.requests
    assert_valid(first, second)
    assert first.nonce != second.nonce
    assert any(tmp_path.iterdir())  # httplib2 did use the cache


# --------------------------------------------------------- signature methods


SIGNATURE_METHODS: dict[str, Callable[[str], oauth.SignatureMethod]] = {
    "HMAC-SHA1": lambda private: oauth.SignatureMethod_HMAC_SHA1(),
    "HMAC-SHA256": lambda private: oauth.SignatureMethod_HMAC_SHA256(),
    "HMAC-SHA512": lambda private: oauth.SignatureMethod_HMAC_SHA512(),
    "PLAINTEXT": lambda private: oauth.SignatureMethod_PLAINTEXT(),
    "RSA-SHA1": lambda private: oauth.SignatureMethod_RSA_SHA1(private_key=private),
    "RSA-SHA256": lambda private: oauth.SignatureMethod_RSA_SHA256(private_key=private),
}


@pytest.mark.parametrize("name", SIGNATURE_METHODS)
def test_signature_methods(provider: OAuthlibProvider, name: str) -> None:
    pems = rsa_pems(rsa_key())
    provider.rsa_keys[CONSUMER_KEY] = pems["spki"].decode()
    client = resource_client(provider)
    client.set_signature_method(SIGNATURE_METHODS[name](pems["pkcs8"].decode()))
    client.request(provider.url("/resource/x?a=1&a=2"), "POST", body="b=caf%C3%A9&c=")
    client.request(provider.url("/resource/j"), "PUT", body=b"[]", headers={"Content-Type": JSON})
    form, json_put = provider.requests
    assert_valid(form, json_put)
    assert {(r.oauth_params or {})["oauth_signature_method"] for r in (form, json_put)} == {name}
    assert (json_put.oauth_params or {})["oauth_body_hash"] == body_hash(b"[]")


def test_rsa_sha1_wrong_key_is_refused(provider: OAuthlibProvider) -> None:
    private = rsa_pems(rsa_key())["pkcs8"].decode()
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    provider.rsa_keys[CONSUMER_KEY] = other.public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    client = resource_client(provider)
    client.set_signature_method(oauth.SignatureMethod_RSA_SHA1(private_key=private))
    response, _ = client.request(provider.url("/resource/x"))
    assert response.status == 401
    assert not provider.requests[-1].valid


@pytest.mark.parametrize("method", ["HMAC-SHA1", hashlib.sha1, None, oauth.SignatureMethod_HMAC_SHA256],
                         ids=["name", "hash", "None", "class"])
def test_set_signature_method_rejects_other_objects(provider: OAuthlibProvider, method: Any) -> None:
    client = resource_client(provider)
    with pytest.raises(ValueError):
        client.set_signature_method(method)
    client.request(provider.url("/resource/x"))
    rec = provider.requests[-1]
    assert_valid(rec)
    assert (rec.oauth_params or {})["oauth_signature_method"] == "HMAC-SHA1"


# -------------------------------------------------------------------- errors


def test_wrong_secret_returns_401(provider: OAuthlibProvider) -> None:
    client = oauth.Client(oauth.Consumer(CONSUMER_KEY, "not-the-secret"))
    response, content = client.request(provider.url("/two_legged/x"))
    assert response.status == 401
    assert b"signature" in content
    rec = provider.requests[-1]
    assert not rec.valid and "signature" in (rec.error or "")


def test_flow_helpers_raise_provider_error(provider: OAuthlibProvider) -> None:
    client = oauth.Client(oauth.Consumer(CONSUMER_KEY, "not-the-secret"))
    with pytest.raises(oauth.ProviderError) as raised:
        client.fetch_request_token(provider.url("/request_token"))
    assert raised.value.status == 401
    assert client.token is None
    assert provider.requests[-1].endpoint == "request_token" and not provider.requests[-1].valid

    good = oauth.Client(consumer())
    request_token = good.fetch_request_token(provider.url("/request_token"))
    verifier = authorize(good.authorization_url(provider.url("/authorize")))
    client.token = request_token
    with pytest.raises(oauth.ProviderError) as raised:
        client.fetch_access_token(provider.url("/access_token"), verifier)
    assert raised.value.status == 401
    assert provider.requests[-1].endpoint == "access_token" and not provider.requests[-1].valid
    assert provider.access_tokens == {}


@pytest.mark.parametrize("method", [oauth.SignatureMethod_PLAINTEXT(), oauth.SignatureMethod_HMAC_SHA1()])
def test_redirect_to_another_origin(provider: OAuthlibProvider, method: oauth.SignatureMethod) -> None:
    """Opted in: HMAC hops to another origin are signed; a PLAINTEXT signature is the secrets, so never."""
    with OAuthlibProvider() as other:
        client = oauth.Client(consumer(), sign_redirects="all")
        client.set_signature_method(method)
        response, _ = client.request(redirect_url(provider, 307, other.url("/two_legged/elsewhere")))
        (first,), (second,) = provider.requests, other.requests
    assert_valid(first)
    assert first.oauth_params and first.oauth_params["oauth_signature_method"] == method.name
    if isinstance(method, oauth.SignatureMethod_PLAINTEXT):
        assert header(second, "Authorization") is None
        assert CONSUMER_SECRET not in second.path and CONSUMER_SECRET.encode() not in second.body
        assert response.status == 401
    else:
        assert_valid(second)
        assert response.status == 200


def test_plaintext_redirect_within_the_origin_is_signed(provider: OAuthlibProvider) -> None:
    client = oauth.Client(consumer())
    client.set_signature_method(oauth.SignatureMethod_PLAINTEXT())
    response, content = client.request(redirect_url(provider, 302, "/two_legged/same-origin"))
    assert response.status == 200, content
    assert_valid(*provider.requests)


def no_oauth_parameter(rec: RecordedRequest) -> bool:
    """Whether ``rec`` arrived without any OAuth parameter: header, query or body."""
    return header(rec, "Authorization") is None and "oauth_" not in rec.path and b"oauth_" not in rec.body


@pytest.mark.parametrize("method", [oauth.SignatureMethod_HMAC_SHA1(), oauth.SignatureMethod_PLAINTEXT()])
@pytest.mark.parametrize(("code", "placement"), [
    (302, "header"), (302, "query"), (302, "body"), (307, "header"), (307, "query"), (307, "body"),
])
def test_a_hop_to_another_origin_carries_no_oauth_parameter(
    provider: OAuthlibProvider, code: int, placement: str, method: oauth.SignatureMethod
) -> None:
    """Whoever the Location names gets no fresh signature to replay: the hop goes as the caller's request."""
    with OAuthlibProvider() as other:
        client = resource_client(provider, placement=placement)
        client.set_signature_method(method)
        client.follow_all_redirects = True  # httplib2 follows a POST's 307 only when asked
        response, _ = client.request(redirect_url(provider, code, other.url("/two_legged/elsewhere")), "POST",
                                     body="a=1", headers={"Content-Type": FORM})
        (first,), (hop,) = provider.requests, other.requests
    assert_valid(first)
    assert no_oauth_parameter(hop), hop
    assert hop.body == (b"a=1" if code == 307 else b"")
    assert CONSUMER_SECRET not in hop.path and CONSUMER_SECRET.encode() not in hop.body
    assert response.status == 401


@pytest.mark.usefixtures("ticking_clock")
def test_a_hop_back_to_the_first_origin_is_signed(provider: OAuthlibProvider) -> None:
    """A -> B -> A: B gets nothing to replay, and A's own URL is signed again, with a fresh nonce."""
    arrived: list[dict[str, str]] = []

    def bounce(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """Another origin that sends every request back to the provider."""
        arrived.append({"query": environ.get("QUERY_STRING", ""), "authorization": environ.get("HTTP_AUTHORIZATION")})
        start_response("302 Found", [("Location", provider.url("/resource/back?x=1")), ("Content-Length", "0")])
        return [b""]

    with serving(bounce) as other:
        response, content = resource_client(provider).request(redirect_url(provider, 302, other + "/bounce"))
    assert response.status == 200, content
    assert [h.endpoint for h in provider.requests] == ["redirect", "resource"]
    assert_fresh_hops(provider.requests)
    assert arrived == [{"query": "", "authorization": None}]


@pytest.mark.usefixtures("ticking_clock")
def test_a_client_opted_in_signs_a_hop_to_another_origin(provider: OAuthlibProvider) -> None:
    with OAuthlibProvider() as other:
        client = resource_client(provider, sign_redirects="all")
        other.access_tokens.update(provider.access_tokens)  # the other origin knows the token too
        response, content = client.request(redirect_url(provider, 307, other.url("/resource/elsewhere")))
        (first,), (hop,) = provider.requests, other.requests
    assert response.status == 200, content
    assert_fresh_hops([first, hop])


@pytest.mark.parametrize(("first", "hop", "sign_redirects", "method", "signed"), [
    ("http://h/a", "http://h:80/b?c=1", "same-origin", None, True),
    ("https://H.example:443/a", "https://h.example/b", "same-origin", None, True),
    ("HTTP://h/a", "https://h/b", "same-origin", None, True),  # the upgrade to https on the same host
    ("http://h/a", "https://h/b", "same-origin", oauth.SignatureMethod_PLAINTEXT(), True),
    ("http://h:8080/a", "https://h/b", "same-origin", None, False),
    ("http://h/a", "https://h:8443/b", "same-origin", None, False),
    ("https://h/a", "http://h/b", "same-origin", None, False),  # a downgrade is another origin
    ("http://h/a", "http://h:8080/b", "same-origin", None, False),
    ("http://h/a", "http://h.evil/b", "same-origin", None, False),
    ("http://h/a", "http://user:pw@other/b", "same-origin", None, False),
    ("http://h/a", "http://h:99999/b", "same-origin", None, False),  # an unreadable port matches nothing
    ("http://h/a", "/b", "same-origin", None, False),  # no host
    ("http://h/a", "http://other/b", "all", None, True),
    ("http://h/a", "http://other/b", "all", oauth.SignatureMethod_RSA_SHA1(), True),
    ("http://h/a", "http://other/b", "all", oauth.SignatureMethod_PLAINTEXT(), False),
    (b"http://h/a", b"http://h/b", "same-origin", None, True),
])
def test_signs_redirect(first: str, hop: str, sign_redirects: str, method: oauth.SignatureMethod | None,
                        signed: bool) -> None:
    assert oauth.signs_redirect(first, hop, sign_redirects=sign_redirects, signature_method=method) is signed


def test_sign_redirects_takes_two_values() -> None:
    for make in (lambda v: oauth.signs_redirect("http://h/", "http://h/", sign_redirects=v),
                 lambda v: oauth.Client(consumer(), sign_redirects=v)):
        with pytest.raises(ValueError, match="sign_redirects must be one of same-origin, all, not 'yes'"):
            make("yes")
    with pytest.raises(TypeError):
        oauth.signs_redirect(None, "http://h/")  # type: ignore[arg-type]
