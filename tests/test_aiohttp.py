"""``oauth2.aiohttp`` over real HTTP: what yarl puts on the wire is what is signed, every redirect hop included.

The servers are real: the embedded provider (``oauth2.provider``), the
oauthlib provider (``tests/oauthlib_provider.py``) and an ``aiohttp.web``
application on 127.0.0.1 that verifies with ``oauth2.Server`` what arrived
and redirects. The shell's common behaviour (bodies, placements, redirect
rules, the three-legged flow) runs in ``tests/test_shells.py``.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web
from oauthlib_provider import CONSUMER_KEY, CONSUMER_SECRET, OAuthlibProvider
from yarl import URL

import oauth2 as oauth
import oauth2.aiohttp
from oauth2.provider import Provider

CONSUMER = oauth.Consumer(CONSUMER_KEY, CONSUMER_SECRET)
T = TypeVar("T")

# URLs whose spelling yarl changes, or keeps only when told to (encoded=True):
# the path and query as the caller writes them.
REWRITTEN = [
    "/a%7Eb?x=%7E",  # yarl decodes %7E to ~
    "/p(1)?q=(a)&r=%28b%29",  # parentheses, written and encoded
    "/x?q=a+b&r=%2B",  # a plus in the query, and an encoded one
    "/x?q=a%20b&r=a%2fb",  # an encoded space; a lower-case escape yarl upper-cases
    "/caf\u00e9/x?q=\u00e9 t\u00eate&k=",  # not encoded at all: yarl encodes it
    "/x?a=1&a=2&b=%26%3D",  # repeated names; an encoded & and =
]


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def urls(base: str, path: str) -> list[Any]:
    """The URL as a string, as a yarl URL, and as a yarl URL sent as written (encoded=True) when it is ASCII."""
    out: list[Any] = [base + path, URL(base + path)]
    if path.isascii() and " " not in path:
        out.append(URL(base + path, encoded=True))
    return out


async def fetch(url: Any, auth: oauth2.aiohttp.OAuth1, method: str = "GET",
                **kwargs: Any) -> tuple[int, bytes, list[int]]:
    async with aiohttp.ClientSession(middlewares=[auth]) as session, session.request(method, url, **kwargs) as r:
        return r.status, await r.read(), [h.status for h in r.history]


# ------------------------------------------------------------ an aiohttp.web server that verifies


class WebServer:
    """An ``aiohttp.web`` app on 127.0.0.1: ``/verify/...`` checks with oauth2.Server, ``/redirect/<code>?to=``."""

    def __init__(self) -> None:
        self.server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1(), oauth.SignatureMethod_PLAINTEXT()],
                                   allow_plaintext_over_http=True)
        self.tokens: dict[str, oauth.Token] = {}
        self.seen: list[tuple[str, str, dict[str, str], bytes, str | None]] = []  # method, target, headers, body, error
        self.base = ""
        self.extra: dict[str, Callable[[web.Request], Awaitable[web.Response]]] = {}  # more routes, by path

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path in self.extra:
            return await self.extra[request.path](request)
        body = await request.read()
        headers = dict(request.headers)
        target = request.raw_path  # the request-target exactly as it arrived
        if request.path.startswith("/redirect/"):
            self.seen.append((request.method, target, headers, body, None))
            location = request.rel_url.query.get("to", "")
            return web.Response(status=int(request.path.split("/")[2]), headers={"Location": location})
        url = f"http://{request.host}{target}"
        error = None
        try:
            signed = oauth.Request.from_request(request.method, url, headers, body=body)
            token = self.tokens.get(str(signed.get("oauth_token", ""))) if "oauth_token" in signed else None
            self.server.verify_request(signed, CONSUMER, token)
        except oauth.Error as exc:
            error = str(exc)
        self.seen.append((request.method, target, headers, body, error))
        if error is not None:
            return web.json_response({"error": error}, status=401)
        return web.json_response({"method": request.method, "target": target, "body": body.decode("latin-1")})

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[WebServer]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        try:
            yield self
        finally:
            await runner.cleanup()

    def errors(self) -> list[str | None]:
        return [e for *_, e in self.seen if e is not None]


def with_web(test: Callable[[WebServer], Awaitable[None]]) -> None:
    async def go() -> None:
        async with WebServer().serving() as server:
            await test(server)

    run(go())


# ------------------------------------------------------------ the URL as yarl sends it


@pytest.mark.parametrize("placement", ["header", "query"])
@pytest.mark.parametrize("path", REWRITTEN)
def test_a_rewritten_url_verifies_at_the_embedded_provider(path: str, placement: str) -> None:
    with Provider() as provider:
        token = provider.issue_access_token()
        auth = oauth2.aiohttp.OAuth1(provider.consumer, token, placement=placement)
        sent = [u for u in urls(provider.resource_url, path) if not unreserved_escaped_in_path(u)]
        for url in sent:
            status, body, _ = run(fetch(url, auth))
            assert status == 200, (url, body, provider.log[-1])
        assert [v.error for v in provider.log] == [None] * len(sent)


def unreserved_escaped_in_path(url: Any) -> bool:
    """Whether ``url`` is sent with an unreserved character percent-encoded in its path (see the xfail below)."""
    return isinstance(url, URL) and "%7E" in url.raw_path


@pytest.mark.xfail(strict=True, reason="core: base_string_uri keeps %7E in the path, a WSGI provider rebuilds ~ "
                                       "from PATH_INFO; every shell and oauth2.Client fail alike (see the report)")
def test_an_escaped_unreserved_character_in_the_path_verifies_at_the_embedded_provider() -> None:
    with Provider() as provider:
        auth = oauth2.aiohttp.OAuth1(provider.consumer, provider.issue_access_token())
        status, _, _ = run(fetch(URL(provider.resource_url + "/a%7Eb", encoded=True), auth))
        assert status == 200


@pytest.mark.parametrize("placement", ["header", "query"])
@pytest.mark.parametrize("path", REWRITTEN)
def test_a_rewritten_url_verifies_at_oauthlib(provider: OAuthlibProvider, path: str, placement: str) -> None:
    auth = oauth2.aiohttp.OAuth1(CONSUMER, placement=placement)
    for url in urls(provider.url("/two_legged"), path):
        status, body, _ = run(fetch(url, auth))
        assert status == 200, (url, body)
    assert [(r.valid, r.error) for r in provider.requests] == [(True, None)] * len(urls("", path))


@pytest.mark.parametrize("code", [302, 307])
@pytest.mark.parametrize("path", REWRITTEN)
def test_a_redirect_to_a_rewritten_url_verifies_at_oauthlib(provider: OAuthlibProvider, path: str, code: int) -> None:
    auth = oauth2.aiohttp.OAuth1(CONSUMER)
    location = provider.url("/two_legged" + path)
    if not location.isascii():
        location = str(URL(location))  # a header is ASCII: the server sends the URL encoded
    start = provider.url(f"/redirect/{code}?to=" + quote(location, safe=""))
    status, body, history = run(fetch(start, auth, "POST", json={"k": "\u00e9"}))
    assert (status, history) == (200, [code]), body
    assert [(r.endpoint, r.valid) for r in provider.requests] == [("redirect", True), ("two_legged", True)]


@pytest.mark.parametrize("path", REWRITTEN)
def test_a_rewritten_url_verifies_at_an_aiohttp_server(path: str) -> None:
    async def test(server: WebServer) -> None:
        auth = oauth2.aiohttp.OAuth1(CONSUMER)
        for url in urls(server.base + "/verify", path):
            status, body, _ = await fetch(url, auth, "POST", data={"f": "\u00e9 +~()"})
            assert status == 200, (url, body)
        assert server.errors() == []

    with_web(test)


# ------------------------------------------------------------ redirects through an aiohttp server


@pytest.mark.parametrize(("code", "keeps_body"), [(301, False), (302, False), (303, False), (307, True), (308, True)])
@pytest.mark.parametrize("kind", ["bytes", "form", "formdata", "json", "file", "stream"])
def test_each_same_origin_hop_is_signed_afresh(code: int, keeps_body: bool, kind: str) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"one,"
        yield b"two"

    bodies: dict[str, Callable[[], dict[str, Any]]] = {
        "bytes": lambda: {"data": b"\x00raw"},
        "form": lambda: {"data": {"a": "1", "b": "x y~"}},
        "formdata": lambda: {"data": aiohttp.FormData({"a": "(1)"})},
        "json": lambda: {"json": {"k": "\u00e9"}},
        "file": lambda: {"data": io.BytesIO(b"file bytes")},
        "stream": lambda: {"data": chunks()},
    }

    async def test(server: WebServer) -> None:
        auth = oauth2.aiohttp.OAuth1(CONSUMER)
        target = quote("/verify/end?x=%7E(1)", safe="")
        status, body, history = await fetch(f"{server.base}/redirect/{code}?to={target}", auth, "POST",
                                            **bodies[kind]())
        assert (status, history) == (200, [code]), body
        (_, first_target, first_headers, sent, _), (method, hop_target, hop_headers, resent, _) = server.seen
        assert hop_target == "/verify/end?x=~(1)"
        assert method == ("POST" if keeps_body else "GET")
        assert resent == (sent if keeps_body else b"")
        assert all("oauth_signature=" in h["Authorization"] for h in (first_headers, hop_headers))
        assert first_headers["Authorization"] != hop_headers["Authorization"]
        assert server.errors() == []

    with_web(test)


@pytest.mark.parametrize("requote", [True, False])
def test_a_hop_is_signed_as_sent_whether_aiohttp_requotes_the_location_or_not(requote: bool) -> None:
    async def test(server: WebServer) -> None:
        auth = oauth2.aiohttp.OAuth1(CONSUMER)
        to = quote("/verify/end%7e?x=%7e(1)&y=a+b", safe="")
        async with aiohttp.ClientSession(middlewares=[auth], requote_redirect_url=requote) as session, \
                session.post(f"{server.base}/redirect/307?to={to}", data=b"body") as r:
            assert (r.status, [h.status for h in r.history]) == (200, [307]), await r.text()
        hop_target = server.seen[1][1]
        assert hop_target == ("/verify/end~?x=~(1)&y=a+b" if requote else "/verify/end%7e?x=%7e(1)&y=a+b")
        assert "oauth_signature=" in server.seen[1][2]["Authorization"]
        assert server.errors() == []

    with_web(test)


@pytest.mark.parametrize("code", [302, 303, 307, 308])
@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_a_hop_to_another_origin_goes_unsigned(code: int, placement: str) -> None:
    """The aiohttp server redirects to the embedded provider: the hop carries no OAuth parameter, and fails there."""
    async def test(server: WebServer) -> None:
        with Provider(consumer=CONSUMER) as provider:
            auth = oauth2.aiohttp.OAuth1(CONSUMER, placement=placement)
            to = quote(provider.resource_url + "/x", safe="")
            status, _, history = await fetch(f"{server.base}/redirect/{code}?to={to}", auth, "POST", data={"a": "1"})
            assert (status, history) == (401, [code])
            assert provider.log[-1].error is not None and "oauth_" not in provider.log[-1].base_string
        assert "oauth_signature" in (server.seen[0][2].get("Authorization", "") + server.seen[0][1]
                                     + server.seen[0][3].decode())

    with_web(test)


@pytest.mark.parametrize("code", [302, 307])
def test_a_hop_to_another_origin_is_signed_when_opted_in(code: int) -> None:
    async def test(server: WebServer) -> None:
        with Provider(consumer=CONSUMER) as provider:
            auth = oauth2.aiohttp.OAuth1(CONSUMER, provider.issue_access_token(), sign_redirects="all")
            to = quote(provider.resource_url + "/%7Ex", safe="")
            server.tokens[auth.token.key] = auth.token  # type: ignore[union-attr,index]
            status, body, history = await fetch(f"{server.base}/redirect/{code}?to={to}", auth, "PUT", json=[1])
            assert (status, history) == (200, [code]), body
            assert [v.error for v in provider.log] == [None]

    with_web(test)


def test_plaintext_never_goes_to_another_origin_even_when_opted_in() -> None:
    async def test(server: WebServer) -> None:
        with Provider(consumer=CONSUMER) as provider:
            auth = oauth2.aiohttp.OAuth1(CONSUMER, signature_method=oauth.SignatureMethod_PLAINTEXT(),
                                         placement="query", sign_redirects="all")
            to = quote(provider.resource_url, safe="")
            status, _, _ = await fetch(f"{server.base}/redirect/307?to={to}", auth, "POST", data=b"x")
            assert status == 401
            assert CONSUMER_SECRET not in provider.log[-1].base_string
        assert CONSUMER_SECRET in server.seen[0][1]  # the first request carried it, to its own origin

    with_web(test)


def test_a_hop_back_to_the_first_origin_is_signed_and_stale_query_parameters_dropped() -> None:
    """A Location that echoes OAuth parameters back: the hop is signed afresh, without the stale ones."""
    async def test(server: WebServer) -> None:
        auth = oauth2.aiohttp.OAuth1(CONSUMER, placement="query")
        # The Location echoes OAuth parameters of a previous request: they are not signed again.
        to = quote("/verify/back?a=1&oauth_nonce=stale&oauth_signature=stale", safe="")
        status, body, history = await fetch(f"{server.base}/redirect/302?to={to}", auth)
        assert (status, history) == (200, [302]), body
        hop_target = server.seen[1][1]
        assert hop_target.count("oauth_nonce=") == 1 and "stale" not in hop_target
        assert server.errors() == []

    with_web(test)


def test_a_request_after_an_unfollowed_redirect_is_signed_as_a_new_one() -> None:
    """With allow_redirects=False the next request, to another origin, is not taken for a hop."""
    async def test(server: WebServer) -> None:
        with Provider(consumer=CONSUMER) as provider:
            auth = oauth2.aiohttp.OAuth1(CONSUMER, provider.issue_access_token())
            async with aiohttp.ClientSession(middlewares=[auth]) as session:
                to = quote(provider.resource_url, safe="")
                async with session.get(f"{server.base}/redirect/302?to={to}", allow_redirects=False) as r:
                    assert r.status == 302
                async with session.get(provider.resource_url + "/other") as r:
                    assert r.status == 200, await r.text()
            assert [v.error for v in provider.log] == [None]

    with_web(test)


def test_concurrent_requests_keep_their_hops_apart() -> None:
    async def test(server: WebServer) -> None:
        with Provider(consumer=CONSUMER) as provider:
            token = provider.issue_access_token()
            server.tokens[token.key] = token  # type: ignore[index]
            auth = oauth2.aiohttp.OAuth1(CONSUMER, token)
            async with aiohttp.ClientSession(middlewares=[auth]) as session:
                async def get(url: str) -> int:
                    async with session.get(url) as r:
                        return r.status

                local = f"{server.base}/redirect/302?to=/verify/local"
                remote = f"{server.base}/redirect/302?to=" + quote(provider.resource_url, safe="")
                statuses = await asyncio.gather(*(get(u) for u in [local, remote] * 4))
            # Same-origin hops are signed (the aiohttp server verifies them); the provider's get none.
            assert statuses == [200, 401] * 4
            assert server.errors() == [] and len(provider.log) == 4 and all(v.error for v in provider.log)

    with_web(test)


# ------------------------------------------------------------ the three-legged flow and the options


def test_oauth1_client_runs_the_flow_against_the_embedded_provider() -> None:
    async def go() -> None:
        with Provider() as provider:
            async with oauth2.aiohttp.OAuth1Client(provider.consumer.key, client_secret=provider.consumer.secret) \
                    as client:
                await client.fetch_request_token(provider.request_token_url, callback="http://127.0.0.1:9/cb?s=1")
                async with client.get(client.authorization_url(provider.authorize_url), allow_redirects=False) as r:
                    callback = r.headers["Location"]
                assert client.parse_authorization_response(callback)["oauth_token"] == client.token.key  # type: ignore
                token = await client.fetch_access_token(provider.access_token_url)
                assert token.extra["screen_name"] == "alice" and client.token is token
                async with client.post(provider.resource_url + "/%7Eme?x=(1)", data={"a": "b"}) as r:
                    assert r.status == 200, await r.text()
                    assert (await r.json())["parameters"] == {"x": "(1)", "a": "b"}
            assert [v.error for v in provider.log] == [None] * 3

    run(go())


def test_oauth1_client_passes_its_other_middlewares_and_options() -> None:
    seen: list[str] = []

    async def spy(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> aiohttp.ClientResponse:
        seen.append(request.headers.get("Authorization", "")[:6])  # runs after the signing middleware
        return await handler(request)

    async def go() -> None:
        with Provider() as provider:
            async with oauth2.aiohttp.OAuth1Client(provider.consumer, middlewares=[spy], placement="header",
                                                   headers={"X-A": "1"}) as client:
                await client.fetch_request_token(provider.request_token_url)
                assert client.session.headers["X-A"] == "1"

    run(go())
    assert seen == ["OAuth "]


def test_the_credentials_are_spelt_as_in_the_other_shells() -> None:
    token = oauth.Token("tk", "ts")
    spellings = [
        oauth2.aiohttp.OAuth1(CONSUMER, token),
        oauth2.aiohttp.OAuth1(CONSUMER_KEY, CONSUMER_SECRET, resource_owner_key="tk", resource_owner_secret="ts"),
        oauth2.aiohttp.OAuth1(CONSUMER_KEY, client_secret=CONSUMER_SECRET, resource_owner_key="tk",
                              resource_owner_secret="ts"),
    ]
    for auth in spellings:
        assert (auth.consumer.key, auth.consumer.secret, auth.token.key, auth.token.secret) == (  # type: ignore[union-attr]
            CONSUMER_KEY, CONSUMER_SECRET, "tk", "ts")
        assert CONSUMER_SECRET not in repr(auth) and "ts" not in repr(auth).replace("tk", "")


@pytest.mark.parametrize(("args", "kwargs", "error", "match"), [
    ((CONSUMER,), {"placement": "cookie"}, ValueError, "placement must be one of"),
    ((CONSUMER,), {"sign_redirects": "yes"}, ValueError, "sign_redirects must be one of"),
    ((CONSUMER,), {"signature_method": oauth.SignatureMethod_PLAINTEXT(), "placement": "body"}, ValueError,
     "PLAINTEXT signatures cannot go in the body"),
    (("ckey",), {}, TypeError, "consumer must be an oauth2.Consumer"),
    ((CONSUMER, "tk"), {}, TypeError, "token must be an oauth2.Token"),
    ((CONSUMER,), {"client_secret": "s"}, TypeError, "client_secret= goes with a consumer key"),
    ((CONSUMER, oauth.Token("a", "b")), {"resource_owner_key": "k"}, TypeError, "The token is given twice"),
    ((CONSUMER,), {"sign": True}, TypeError, "unexpected keyword argument 'sign'"),
])
def test_bad_options_are_refused_at_once(args: tuple[Any, ...], kwargs: dict[str, Any], error: type[Exception],
                                         match: str) -> None:
    with pytest.raises(error, match=match):
        oauth2.aiohttp.OAuth1(*args, **kwargs)


def test_a_body_that_cannot_be_read_twice_is_a_clear_error() -> None:
    """A multipart part forwarded as it streams in (aiohttp's BodyPartReader) can be read only once."""
    async def test(server: WebServer) -> None:
        async def forward(request: web.Request) -> web.Response:
            part = await (await request.multipart()).next()
            try:
                await fetch(server.base + "/verify/y", oauth2.aiohttp.OAuth1(CONSUMER), "POST", data=part)
            except oauth.Error as exc:
                return web.Response(text=str(exc))
            return web.Response(text="sent")

        server.extra["/forward"] = forward
        form = aiohttp.FormData()
        form.add_field("file", b"part", filename="a.bin")
        async with aiohttp.ClientSession() as plain, plain.post(server.base + "/forward", data=form) as r:
            assert "can be read only once" in await r.text()
        assert server.seen == []  # nothing went out unsigned

    with_web(test)


def test_a_multipart_upload_is_hashed_and_verifies() -> None:
    async def test(server: WebServer) -> None:
        form = aiohttp.FormData({"title": "t"})
        form.add_field("file", b"\x00\xffbin", filename="a.bin", content_type="application/octet-stream")
        status, body, _ = await fetch(server.base + "/verify/upload", oauth2.aiohttp.OAuth1(CONSUMER), "POST",
                                      data=form)
        assert status == 200, body
        assert "oauth_body_hash" in server.seen[0][2]["Authorization"]
        assert b"\x00\xffbin" in server.seen[0][3]

    with_web(test)


def test_importing_oauth2_does_not_import_aiohttp() -> None:
    code = 'import sys, oauth2, oauth2.httpx, oauth2.requests; print("aiohttp" in sys.modules)'
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_module_imports_only_public_names_of_oauth2() -> None:
    import ast
    import importlib
    import inspect

    tree = ast.parse(inspect.getsource(oauth2.aiohttp))
    # Each name with the module it comes from: oauth2 itself, or one of its public modules (oauth2.flow).
    imported = [(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1
                for a in n.names]
    assert imported and all(
        name in (oauth if module is None else importlib.import_module(f"oauth2.{module}")).__all__
        for module, name in imported
    ), imported
    assert any(module is None for module, _ in imported)
    assert oauth2.aiohttp.__all__ == ["OAuth1", "OAuth1Client"]


@pytest.mark.parametrize("code", [307, 308])
def test_a_hop_that_resends_an_empty_form_is_signed_afresh_in_the_body(code: int) -> None:
    """aiohttp resends the body sent last, here only the spent OAuth parameters: the hop's go instead."""
    async def test(server: WebServer) -> None:
        auth = oauth2.aiohttp.OAuth1(CONSUMER, placement="body")
        status, body, history = await fetch(f"{server.base}/redirect/{code}?to=/verify/end", auth, "POST", data=b"",
                                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert (status, history) == (200, [code]), body
        (_, _, _, sent, _), (method, _, _, resent, _) = server.seen
        assert method == "POST" and sent.count(b"oauth_nonce=") == resent.count(b"oauth_nonce=") == 1
        assert sent != resent
        assert server.errors() == []

    with_web(test)


@pytest.mark.parametrize(("method", "code", "hop_method", "keeps_body"), [
    ("PUT", 301, "PUT", True), ("PUT", 302, "PUT", True), ("PUT", 303, "GET", False), ("GET", 303, "GET", False),
])
def test_a_hop_is_signed_with_the_method_and_body_aiohttp_chose(method: str, code: int, hop_method: str,
                                                                 keeps_body: bool) -> None:
    """aiohttp keeps a PUT and its body on a 301 or 302 and drops any body on a 303: what it sends is signed."""
    async def test(server: WebServer) -> None:
        auth = oauth2.aiohttp.OAuth1(CONSUMER)
        status, body, history = await fetch(f"{server.base}/redirect/{code}?to=/verify/end", auth, method,
                                            data=b"payload")
        assert (status, history) == (200, [code]), body
        sent_method, _, hop_headers, resent, _ = server.seen[1]
        assert (sent_method, resent) == (hop_method, b"payload" if keeps_body else b"")
        assert "oauth_signature=" in hop_headers["Authorization"]
        assert server.errors() == []

    with_web(test)
