"""``Request.from_asgi``: a Starlette app served by a real uvicorn on 127.0.0.1, checked with oauthlib's signatures.

The requests are signed by oauthlib's client, which shares no code with
oauth2, and sent with ``loopback.send``; the app verifies them with ``oauth.Server``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import loopback
import oauthlib.oauth1
import pytest
from loopback import serving_asgi
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import oauth2 as oauth

CONSUMERS = {"asgi-key": oauth.Consumer("asgi-key", "asgi-secret")}
TOKENS = {"asgi-token": oauth.Token("asgi-token", "asgi-token-secret")}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def make_app() -> Starlette:
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1(), oauth.SignatureMethod_HMAC_SHA256()])

    async def verify(request: StarletteRequest) -> Response:
        body = await request.body()
        try:
            signed = oauth.Request.from_asgi(request.scope, body,
                                             trust_forwarded=request.url.path.startswith("/forwarded"))
            consumer = CONSUMERS.get(signed.get("oauth_consumer_key"))
            if consumer is None:
                raise oauth.ConsumerKeyRejected("Unknown consumer.")
            params = server.verify_request(signed, consumer, TOKENS.get(signed.get("oauth_token")))
        except oauth.Error as e:
            return PlainTextResponse(f"{type(e).__name__}: {e}", status_code=e.status,
                                     headers=e.authenticate_header("asgi"))
        return JSONResponse({"params": params, "url": signed.url})

    methods = ["GET", "POST", "PUT"]
    return Starlette(routes=[Route("/{path:path}", verify, methods=methods)])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving_asgi(make_app()) as url:
        yield url


def oauthlib_client(**kwargs: Any) -> oauthlib.oauth1.Client:
    return oauthlib.oauth1.Client("asgi-key", "asgi-secret", resource_owner_key="asgi-token",
                                  resource_owner_secret="asgi-token-secret", **kwargs)


def send(url: str, method: str = "GET", body: str | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str]:
    reply = loopback.send(method, url, headers, body)
    return reply.status, reply.body.decode()


def test_get_with_query_verifies(base_url: str) -> None:
    uri, headers, _ = oauthlib_client().sign(base_url + "/resource/caf%C3%A9?b=2&a=1&a=%20x", "GET")
    status, text = send(uri, headers=headers)
    assert status == 200, text
    assert '"a":["1"," x"]' in text and '"b":"2"' in text


@pytest.mark.parametrize("signature_type", [oauthlib.oauth1.SIGNATURE_TYPE_AUTH_HEADER,
                                            oauthlib.oauth1.SIGNATURE_TYPE_BODY])
def test_form_post_verifies(base_url: str, signature_type: str) -> None:
    client = oauthlib_client(signature_type=signature_type, signature_method=oauthlib.oauth1.SIGNATURE_HMAC_SHA256)
    uri, headers, body = client.sign(base_url + "/form", "POST", "name=al+ice&n=1", FORM)
    status, text = send(uri, "POST", body, headers)
    assert status == 200, text
    assert '"name":"al ice"' in text


def test_a_replay_is_refused(base_url: str) -> None:
    uri, headers, _ = oauthlib_client().sign(base_url + "/once", "GET")
    assert send(uri, headers=headers)[0] == 200
    status, text = send(uri, headers=headers)
    assert status == 401 and text.startswith("NonceUsed")


def test_a_tampered_request_is_refused(base_url: str) -> None:
    uri, headers, _ = oauthlib_client().sign(base_url + "/x?a=1", "GET")
    status, text = send(uri.replace("a=1", "a=2"), headers=headers)
    assert status == 401 and text.startswith("InvalidSignature")


def test_forwarded_host_is_used_only_when_trusted(base_url: str) -> None:
    for path, expected in (("/forwarded/x", 200), ("/direct/x", 401)):
        uri, headers, _ = oauthlib_client().sign("https://api.example.com" + path, "GET")
        headers = {**headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com"}
        status, text = send(base_url + path, headers=headers)
        assert status == expected, text


# ------------------------------------------------------------------ malformed scopes


def scope(**changes: Any) -> dict[str, Any]:
    base = {"type": "http", "method": "GET", "scheme": "http", "server": ("127.0.0.1", 80),
            "path": "/x", "raw_path": b"/x", "query_string": b"a=1", "headers": [(b"host", b"example.com")]}
    base.update(changes)
    return base


def test_from_asgi_rebuilds_the_signed_url() -> None:
    r = oauth.Request.from_asgi(scope(raw_path=b"/caf%C3%A9", query_string=b"q=%20&r=1",
                                      headers=[(b"host", b"api.example.com:8080")]), b"")
    assert r.url == "http://api.example.com:8080/caf%C3%A9?q=%20&r=1"
    assert r["q"] == " " and r["r"] == "1"


def test_from_asgi_without_host_uses_the_server_and_path() -> None:
    r = oauth.Request.from_asgi(scope(headers=[], raw_path=None, path="/café"), b"")
    assert r.url == "http://127.0.0.1:80/caf%C3%A9?a=1"


@pytest.mark.parametrize("bad", [
    {"headers": [(b"host",)]},
    {"headers": [("host", "example.com")]},
    {"headers": 5},
    {"headers": [], "server": None},
    {"raw_path": "/x"},
    {"query_string": "a=1"},
    {"method": 7.5},
    {"scheme": "ftp"},
])
def test_a_malformed_scope_is_an_oauth_or_value_error(bad: dict[str, Any]) -> None:
    with pytest.raises((oauth.Error, TypeError, ValueError)):
        oauth.Request.from_asgi(scope(**bad), b"")


@pytest.mark.parametrize(("headers", "body"), [
    ([(b"host", b"bad host\xff")], b""),
    ([(b"authorization", b'OAuth oauth_consumer_key="asgi-key", oauth_nonce="\xff\xfe"')], b""),
    ([(b"content-type", b"application/x-www-form-urlencoded")], b"a=\xff&oauth_consumer_key=asgi-key"),
    ([(b"x-odd", b"\x00\xff")], b"\xff\xfe"),
])
def test_non_utf8_headers_and_bodies_end_in_an_oauth_error_at_most(headers: list[Any], body: bytes) -> None:
    # Rebuilt or refused at once; if rebuilt, verifying it is refused, never a crash.
    with pytest.raises((oauth.Error, TypeError, ValueError)):
        request = oauth.Request.from_asgi(scope(headers=[(b"host", b"example.com"), *headers]), body)
        oauth.Server([oauth.SignatureMethod_HMAC_SHA1()]).verify_request(request, CONSUMERS["asgi-key"], None)


def test_a_scope_that_is_no_mapping_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="scope"):
        oauth.Request.from_asgi([("type", "http")], b"")  # type: ignore[arg-type]
