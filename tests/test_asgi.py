"""``Request.from_asgi``: a Starlette app served by a real uvicorn on 127.0.0.1, checked with oauthlib's signatures.

The requests are signed by oauthlib's client, which shares no code with
oauth2, and sent with ``loopback.send``; the app verifies them with ``oauth.Server``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import loopback
import oauthlib.oauth1
import oauthlib_oracle
import pytest
from loopback import Reply, send_raw, serving_asgi
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import oauth2 as oauth

CONSUMERS = {"asgi-key": oauth.Consumer("asgi-key", "asgi-secret")}
TOKENS = {"asgi-token": oauth.Token("asgi-token", "asgi-token-secret")}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


PINNED = "https://api.example.com"


def make_app() -> Starlette:
    """Verifies every request: under /forwarded behind one trusted proxy, under /pinned against PINNED,
    under /strict with require_body_hash=True."""
    methods = [oauth.SignatureMethod_HMAC_SHA1(), oauth.SignatureMethod_HMAC_SHA256(),
               oauth.SignatureMethod_PLAINTEXT()]
    server = oauth.Server(methods)
    strict = oauth.Server(methods, require_body_hash=True)

    async def verify(request: StarletteRequest) -> Response:
        body = await request.body()
        path = request.url.path
        try:
            signed = oauth.Request.from_asgi(request.scope, body, **(
                {"trust_forwarded": True} if path.startswith("/forwarded")
                else {"base_url": PINNED} if path.startswith("/pinned") else {}))
            consumer = CONSUMERS.get(signed.get("oauth_consumer_key"))
            if consumer is None:
                raise oauth.ConsumerKeyRejected("Unknown consumer.")
            verifier = strict if path.startswith("/strict") else server
            params = verifier.verify_request(signed, consumer, TOKENS.get(signed.get("oauth_token")))
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


# oauthlib's Client holding this module's credentials.
oauthlib_client = functools.partial(oauthlib_oracle.oauthlib_client, oauth.Consumer("asgi-key", "asgi-secret"),
                                    oauth.Token("asgi-token", "asgi-token-secret"))


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


# ------------------------------------------------------------------ hostile input over uvicorn (issue 21)


def send_exactly(base_url: str, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> Reply:
    """``method target`` with exactly ``headers`` (Host among them, repeats kept) over a raw socket."""
    lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers),
             f"Content-Length: {len(body)}", "Connection: close"]
    return send_raw(base_url, "".join(f"{line}\r\n" for line in lines), body)


@pytest.mark.parametrize(("signed_path", "host_suffix", "target"),
                         [("/feed", "/feed#", "/admin/delete_user?id=42"), ("/feed", "/feed?", "/admin/delete_user"),
                          ("/v1/feed", "/v1", "/feed")],
                         ids=["fragment", "query", "path prefix"])
def test_a_host_header_holding_a_path_cannot_move_a_captured_request(
    base_url: str, signed_path: str, host_suffix: str, target: str
) -> None:
    _, headers, _ = oauthlib_client().sign(base_url + signed_path, "GET")
    authority = base_url.split("//", 1)[1]
    reply = send_exactly(base_url, "GET", target, [("Host", authority + host_suffix), *headers.items()])
    assert reply.status == 400, reply.body
    assert reply.body.startswith(b"InvalidRequest") and b"Host" in reply.body
    assert send_exactly(base_url, "GET", signed_path, [("Host", authority), *headers.items()]).status == 200


def test_a_pinned_base_url_makes_the_host_header_irrelevant(base_url: str) -> None:
    _, headers, _ = oauthlib_client().sign(PINNED + "/pinned/feed?page=2", "GET")
    forged = [("Host", "evil.example/pinned/feed#"), ("X-Forwarded-Host", "evil.example"), *headers.items()]
    reply = send_exactly(base_url, "GET", "/pinned/feed?page=2", forged)
    assert reply.status == 200, reply.body
    assert reply.json() == {"params": {"page": "2"}, "url": PINNED + "/pinned/feed?page=2"}
    uri, headers, _ = oauthlib_client().sign(base_url + "/pinned/feed", "GET")
    status, text = send(uri, headers=headers)
    assert status == 401 and text.startswith("InvalidSignature")


def test_plaintext_over_http_cannot_be_smuggled_in_x_forwarded_proto(base_url: str) -> None:
    """The trusted proxy appended "http" to the client's own "https": the rightmost value counts."""
    uri, headers, _ = oauthlib_client(signature_method=oauthlib.oauth1.SIGNATURE_PLAINTEXT).sign(
        base_url.replace("http:", "https:") + "/forwarded/feed", "GET")
    status, text = send(base_url + "/forwarded/feed", headers={**headers, "X-Forwarded-Proto": "https, http"})
    assert status == 400 and text.startswith("UnsupportedSignatureMethod"), text
    status, text = send(base_url + "/forwarded/feed", headers={**headers, "X-Forwarded-Proto": "http, https"})
    assert status == 200, text


@pytest.mark.parametrize("content_types", [["application/x-www-form-urlencoded, text/plain"],
                                           ["text/plain", "application/x-www-form-urlencoded"],
                                           ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded"]],
                         ids=["comma-joined", "two headers", "the same twice"])
def test_form_fields_attached_under_a_repeated_content_type_are_refused(
    base_url: str, content_types: list[str]
) -> None:
    """A captured bodiless POST, replayed with form fields under a Content-Type list that the
    application may read as a form and oauth2 as not one (so none of its fields would be signed)."""
    uri, headers, _ = oauthlib_client().sign(base_url + "/orders", "POST")
    wire = [("Host", uri.split("/")[2]), *headers.items(), *(("Content-Type", value) for value in content_types)]
    reply = send_exactly(base_url, "POST", "/orders", wire, b"amount=0&admin=1")
    assert reply.status == 400, reply.body
    assert b"more than one Content-Type" in reply.body
    assert send(uri, "POST", headers=headers)[0] == 200  # the captured request itself was not used up


MULTIPART = 'multipart/form-data; boundary="x,y"'
PARTS = b'--x,y\r\nContent-Disposition: form-data; name="admin"\r\n\r\n1\r\n--x,y--\r\n'


def test_a_multipart_body_attached_to_a_bodiless_request_needs_require_body_hash(base_url: str) -> None:
    """Without ``oauth_body_hash``, a non-form body is not signed: only require_body_hash refuses one attached."""
    for path, expected in (("/lenient/upload", 200), ("/strict/upload", 400)):
        uri, headers, _ = oauthlib_client().sign(base_url + path, "POST")
        status, text = send(uri, "POST", PARTS.decode(), {**headers, "Content-Type": MULTIPART})
        assert status == expected, text
    assert text.startswith("MissingParameter") and "oauth_body_hash" in text


def test_a_hashed_multipart_body_with_a_comma_in_its_boundary_verifies(base_url: str) -> None:
    request = oauth.Request.from_consumer_and_token(CONSUMERS["asgi-key"], TOKENS["asgi-token"], "POST",
                                                    base_url + "/strict/upload", body=PARTS)
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), CONSUMERS["asgi-key"], TOKENS["asgi-token"])
    assert "oauth_body_hash" in request
    status, text = send(request.url, "POST", PARTS.decode(), {**request.to_header(), "Content-Type": MULTIPART})
    assert status == 200, text


# ------------------------------------------------------------------ from_asgi's headers and URL (issue 21)


def test_from_asgi_reads_100000_repeated_headers_and_takes_the_proxys_value() -> None:
    """Every header pair is looked at once; X-Forwarded-Host's values are the proxies', right to left."""
    signed = oauth.Request.from_consumer_and_token(CONSUMERS["asgi-key"], None, "GET", "http://h99998/x?a=1")
    signed.sign_request(oauth.SignatureMethod_HMAC_SHA1(), CONSUMERS["asgi-key"], None)
    headers = [(b"X-Junk", b"v" * 10)] * 100_000 + [(b"x-forwarded-host", b"h%d" % i) for i in range(100_000)]
    headers.append((b"Authorization", signed.to_header()["Authorization"].encode()))
    request = oauth.Request.from_asgi(scope(headers=headers), b"", trust_forwarded=2)
    assert request.url == "http://h99998/x?a=1"
    assert oauth.Server([oauth.SignatureMethod_HMAC_SHA1()]).verify_request(request, CONSUMERS["asgi-key"], None)
    assert oauth.Request.from_asgi(scope(headers=headers), b"", trust_forwarded=100_001).url == "http://127.0.0.1:80/x?a=1"


@pytest.mark.parametrize("host", [b"example.com/feed#", b"example.com?", b"u@example.com", b"example.com\\x",
                                  b"[zz]", b"example.com:8o", b"a b"])
def test_from_asgi_refuses_a_host_that_is_not_host_port(host: bytes) -> None:
    with pytest.raises(oauth.InvalidRequest, match="Host header"):
        oauth.Request.from_asgi(scope(headers=[(b"host", host)]), b"")
    with pytest.raises(oauth.InvalidRequest, match="X-Forwarded-Host"):
        oauth.Request.from_asgi(scope(headers=[(b"x-forwarded-host", b"ok.example, " + host)]), b"",
                                trust_forwarded=True)


@pytest.mark.parametrize(("scheme", "proto", "url"), [("HTTPS", None, "https://example.com/x?a=1"),
                                                       ("http", b"HTTPS", "https://example.com/x?a=1")])
def test_from_asgi_lower_cases_the_scheme(scheme: str, proto: bytes | None, url: str) -> None:
    headers = [(b"host", b"example.com"), *([(b"x-forwarded-proto", proto)] if proto else [])]
    assert oauth.Request.from_asgi(scope(scheme=scheme, headers=headers), b"", trust_forwarded=True).url == url


@pytest.mark.parametrize("changes", [{"scheme": "ws"}, {"scheme": "ftp"},
                                     {"headers": [(b"x-forwarded-proto", b"javascript")]}])
def test_from_asgi_refuses_a_scheme_other_than_http_or_https(changes: dict[str, Any]) -> None:
    with pytest.raises(oauth.InvalidRequest, match="http or https"):
        oauth.Request.from_asgi(scope(**changes), b"", trust_forwarded=True)


def test_from_asgi_refuses_two_host_headers() -> None:
    with pytest.raises(oauth.InvalidRequest, match="Host header"):
        oauth.Request.from_asgi(scope(headers=[(b"host", b"example.com"), (b"host", b"evil.example")]), b"")


def test_from_asgi_with_a_pinned_base_url_needs_no_host() -> None:
    request = oauth.Request.from_asgi(scope(headers=[], server=None), b"", base_url="https://api.example.com/")
    assert request.url == "https://api.example.com/x?a=1"


def test_from_asgi_refuses_two_content_types() -> None:
    headers = [(b"content-type", b"text/plain"), (b"Content-Type", b"application/x-www-form-urlencoded")]
    with pytest.raises(oauth.InvalidRequest, match="more than one Content-Type"):
        oauth.Request.from_asgi(scope(method="POST", headers=headers), b"a=1")
