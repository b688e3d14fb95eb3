"""``oauth2.requests``, ``oauth2.httpx`` and ``oauth2.aiohttp`` over real HTTP against the oauthlib provider (issue 15).

Every verdict is oauthlib's (``tests/oauthlib_provider.py``); the assertions
read the provider's records of what arrived on the wire. Each test runs once
per shell: requests, httpx's sync client, httpx's async client and the aiohttp
middleware (the async ones driven by ``asyncio.run``).
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx
import loopback
import pytest
import requests
from oauthlib_provider import CONSUMER_KEY, CONSUMER_SECRET, OAuthlibProvider

import oauth2 as oauth
import oauth2.aiohttp
import oauth2.httpx
import oauth2.requests

CONSUMER = oauth.Consumer(CONSUMER_KEY, CONSUMER_SECRET)


class Answer(NamedTuple):
    status: int
    body: bytes
    history: list[int]  # the redirect statuses followed, in order


class Shell(NamedTuple):
    """One HTTP library driven the same way: ``send(auth_options, method, url, **request_kwargs)``."""

    name: str
    send: Callable[..., Answer]
    flow: Callable[..., Any]  # builds the shell's three-legged session/client


def _requests_send(options: dict[str, Any], method: str, url: str, **kwargs: Any) -> Answer:
    consumer, token = options.pop("consumer", CONSUMER), options.pop("token", None)
    if "content" in kwargs:
        kwargs["data"] = kwargs.pop("content")
    with oauth2.requests.OAuth1Session(consumer, token, **options) as session:
        r = session.request(method, url, **kwargs)
        return Answer(r.status_code, r.content, [h.status_code for h in r.history])


def _httpx_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    if isinstance(kwargs.get("content"), io.BytesIO):
        kwargs["content"] = iter([kwargs["content"].read()])  # a stream httpx reads once
    return kwargs


def _httpx_send(options: dict[str, Any], method: str, url: str, **kwargs: Any) -> Answer:
    auth = oauth2.httpx.OAuth1(options.pop("consumer", CONSUMER), options.pop("token", None), **options)
    hooks = {"request": [oauth2.httpx.sign_redirect]}
    with httpx.Client(auth=auth, follow_redirects=True, event_hooks=hooks) as client:
        r = client.request(method, url, **_httpx_kwargs(kwargs))
        return Answer(r.status_code, r.content, [h.status_code for h in r.history])


def _async_httpx_send(options: dict[str, Any], method: str, url: str, **kwargs: Any) -> Answer:
    auth = oauth2.httpx.OAuth1(options.pop("consumer", CONSUMER), options.pop("token", None), **options)
    if isinstance(kwargs.get("content"), io.BytesIO):
        data = kwargs["content"].read()

        async def chunks() -> Any:
            yield data

        kwargs["content"] = chunks()  # an async stream httpx reads once

    async def go() -> Answer:
        hooks = {"request": [oauth2.httpx.async_sign_redirect]}
        async with httpx.AsyncClient(auth=auth, follow_redirects=True, event_hooks=hooks) as client:
            r = await client.request(method, url, **kwargs)
            return Answer(r.status_code, r.content, [h.status_code for h in r.history])

    return asyncio.run(go())


class _AsyncFlow:
    """An async client's flow helpers driven from a sync test, one event loop per step."""

    client: Any = oauth2.httpx.AsyncOAuth1Client

    def __init__(self, consumer: oauth.Consumer) -> None:
        self.consumer, self.token = consumer, None

    def _run(self, step: str, *args: Any, **kwargs: Any) -> Any:
        async def go() -> Any:
            async with self.client(self.consumer, self.token) as client:
                try:
                    result = getattr(client, step)(*args, **kwargs)
                    return await result if asyncio.iscoroutine(result) else result
                finally:
                    self.token = client.token

        return asyncio.run(go())

    def fetch_request_token(self, *args: Any, **kwargs: Any) -> oauth.Token:
        return self._run("fetch_request_token", *args, **kwargs)  # type: ignore[no-any-return]

    def fetch_access_token(self, *args: Any, **kwargs: Any) -> oauth.Token:
        return self._run("fetch_access_token", *args, **kwargs)  # type: ignore[no-any-return]

    def authorization_url(self, url: str) -> str:
        return self._run("authorization_url", url)  # type: ignore[no-any-return]

    def __enter__(self) -> _AsyncFlow:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _aiohttp_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The requests-style keywords of these tests as aiohttp spells them."""
    files = kwargs.pop("files", None)
    if files is not None:
        form = aiohttp.FormData(kwargs.pop("data", {}))
        for name, (filename, content, content_type) in files.items():
            form.add_field(name, content, filename=filename, content_type=content_type)
        kwargs["data"] = form
    if "content" in kwargs:
        kwargs["data"] = kwargs.pop("content")
    return kwargs


def _aiohttp_send(options: dict[str, Any], method: str, url: str, **kwargs: Any) -> Answer:
    auth = oauth2.aiohttp.OAuth1(options.pop("consumer", CONSUMER), options.pop("token", None), **options)

    async def go() -> Answer:
        async with aiohttp.ClientSession(middlewares=[auth]) as session, \
                session.request(method, url, **_aiohttp_kwargs(kwargs)) as r:
            return Answer(r.status, await r.read(), [h.status for h in r.history])

    return asyncio.run(go())


class _AiohttpFlow(_AsyncFlow):
    client = oauth2.aiohttp.OAuth1Client


SHELLS = [
    Shell("requests", _requests_send, oauth2.requests.OAuth1Session),
    Shell("httpx", _httpx_send, oauth2.httpx.OAuth1Client),
    Shell("httpx-async", _async_httpx_send, _AsyncFlow),
    Shell("aiohttp", _aiohttp_send, _AiohttpFlow),
]


@pytest.fixture(params=SHELLS, ids=lambda s: s.name)
def shell(request: pytest.FixtureRequest) -> Shell:
    return request.param  # type: ignore[no-any-return]


def access_token(p: OAuthlibProvider) -> oauth.Token:
    return oauth.Token(*p.issue_access_token())


def echo(answer: Answer) -> dict[str, Any]:
    assert answer.status == 200, answer.body
    return json.loads(answer.body)  # type: ignore[no-any-return]


def assert_all_verified(p: OAuthlibProvider, count: int) -> None:
    assert [(r.endpoint, r.valid, r.error) for r in p.requests if not r.valid] == []
    assert len(p.requests) == count
    assert len(set(p.nonces)) == len(p.nonces) == count  # a fresh nonce for every request


# ------------------------------------------------------------------ what goes out verifies


@pytest.mark.parametrize("placement", ["header", "query"])
def test_get_with_query(provider: OAuthlibProvider, shell: Shell, placement: str) -> None:
    token = access_token(provider)
    e = echo(shell.send({"token": token, "placement": placement}, "GET",
                        provider.url("/resource/items?b=2&a=1&a=%C3%A9&empty=")))
    assert e["query"].startswith("b=2&a=1&a=%C3%A9&empty=")
    assert e["oauth_params"]["oauth_token"] == token.key
    assert ("Authorization" in e["headers"]) == (placement == "header")
    assert_all_verified(provider, 1)


@pytest.mark.parametrize("placement", ["header", "body"])
def test_form_post(provider: OAuthlibProvider, shell: Shell, placement: str) -> None:
    e = echo(shell.send({"placement": placement}, "POST", provider.url("/two_legged/form"),
                        data={"a": "1", "b": "x y", "c": "é"}))
    assert e["body"].startswith("a=1&b=x+y&c=%C3%A9")
    assert "oauth_body_hash" not in e["oauth_params"]  # form pairs are signed, not hashed
    assert ("oauth_signature=" in e["body"]) == (placement == "body")
    assert_all_verified(provider, 1)


def test_json_body_is_hashed_and_sent_as_given(provider: OAuthlibProvider, shell: Shell) -> None:
    e = echo(shell.send({"token": access_token(provider)}, "PUT", provider.url("/resource/doc"),
                        json={"name": "é", "n": [1, 2]}))
    assert json.loads(e["body"].encode("latin-1")) == {"name": "é", "n": [1, 2]}
    assert "oauth_body_hash" in e["oauth_params"]  # the provider checked it against the raw body
    assert_all_verified(provider, 1)


def test_multipart_files_are_hashed(provider: OAuthlibProvider, shell: Shell) -> None:
    e = echo(shell.send({}, "POST", provider.url("/two_legged/upload"), data={"title": "t"},
                        files={"file": ("a.bin", b"\x00\xffbinary", "application/octet-stream")}))
    content_type = {k.lower(): v for k, v in e["headers"].items()}["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert b"\x00\xffbinary" in e["body"].encode("latin-1")
    assert "oauth_body_hash" in e["oauth_params"]
    assert_all_verified(provider, 1)


def test_file_body_is_read_once_and_sent(provider: OAuthlibProvider, shell: Shell) -> None:
    e = echo(shell.send({}, "POST", provider.url("/two_legged/raw"), content=io.BytesIO(b"raw bytes"),
                        headers={"Content-Type": "application/octet-stream"}))
    assert e["body"] == "raw bytes"
    assert_all_verified(provider, 1)


def test_a_wrong_secret_is_refused_by_oauthlib(provider: OAuthlibProvider, shell: Shell) -> None:
    answer = shell.send({"consumer": oauth.Consumer(CONSUMER_KEY, "wrong")}, "GET", provider.url("/two_legged/x"))
    assert answer.status == 401
    assert provider.requests[-1].valid is False


# ------------------------------------------------------------------ redirects


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_each_redirect_hop_is_signed_afresh(provider: OAuthlibProvider, shell: Shell, code: int) -> None:
    token = access_token(provider)
    target = "/resource/end?x=1"
    answer = shell.send({"token": token}, "POST", provider.url(f"/redirect/{code}?to={target}"),
                        json={"k": "v"})
    e = echo(answer)
    assert answer.history == [code]
    keeps_body = code in (307, 308)
    assert e["method"] == ("POST" if keeps_body else "GET")
    assert e["body"] == ('{"k": "v"}' if keeps_body else "") or json.loads(e["body"]) == {"k": "v"}
    assert ("oauth_body_hash" in e["oauth_params"]) == keeps_body
    assert [r.endpoint for r in provider.requests] == ["redirect", "resource"]
    assert_all_verified(provider, 2)


@pytest.mark.parametrize("code", [302, 307])
def test_a_form_body_placement_follows_a_redirect(provider: OAuthlibProvider, shell: Shell, code: int) -> None:
    answer = shell.send({"placement": "body"}, "POST", provider.url(f"/redirect/{code}?to=/two_legged/end"),
                        data={"a": "1"})
    e = echo(answer)
    assert e["body"].startswith("a=1&oauth_") == (code == 307)
    assert e["body"].count("oauth_signature=") == (code == 307)  # no stale signature carried along
    assert_all_verified(provider, 2)


@pytest.mark.parametrize("code", [307, 308])
@pytest.mark.parametrize("placement, content_type", [
    ("header", "application/octet-stream"), ("header", oauth.FORM_CONTENT_TYPE), ("body", oauth.FORM_CONTENT_TYPE),
])
def test_a_file_body_is_sent_again_on_a_307_or_308_hop(
    provider: OAuthlibProvider, shell: Shell, code: int, placement: str, content_type: str
) -> None:
    """The file is read once when signing; the hop resends those bytes, signed afresh."""
    answer = shell.send({"placement": placement}, "POST", provider.url(f"/redirect/{code}?to=/two_legged/end"),
                        content=io.BytesIO(b"x=1"), headers={"Content-Type": content_type})
    assert answer.history == [code]
    body = echo(answer)["body"]
    assert body == "x=1" if placement == "header" else body.startswith("x=1&oauth_")
    assert body.count("oauth_signature=") == (placement == "body")  # no stale signature carried along
    assert_all_verified(provider, 2)


def test_plaintext_is_not_sent_to_another_origin(provider: OAuthlibProvider, shell: Shell) -> None:
    with OAuthlibProvider() as other:
        answer = shell.send({"signature_method": oauth.SignatureMethod_PLAINTEXT()}, "GET",
                            provider.url(f"/redirect/302?to={other.url('/two_legged/x')}"))
        assert provider.requests[0].valid
        hop = other.requests[0]
        assert "Authorization" not in hop.headers and CONSUMER_SECRET not in hop.path
        assert answer.status == 401  # unsigned at the other origin, as it must be


def test_hmac_is_signed_afresh_for_another_origin_when_opted_in(provider: OAuthlibProvider, shell: Shell) -> None:
    with OAuthlibProvider() as other:
        e = echo(shell.send({"sign_redirects": "all"}, "GET",
                            provider.url(f"/redirect/307?to={other.url('/two_legged/x')}")))
        assert e["path"] == "/two_legged/x"
        assert other.requests[0].valid and provider.requests[0].valid
        assert other.nonces[0] != provider.nonces[0]


def no_oauth_parameter(rec: Any) -> bool:
    """Whether the recorded request arrived without any OAuth parameter: header, query or body."""
    return "Authorization" not in rec.headers and "oauth_" not in rec.path and b"oauth_" not in rec.body


@pytest.mark.parametrize("method", [oauth.SignatureMethod_HMAC_SHA1(), oauth.SignatureMethod_PLAINTEXT()])
@pytest.mark.parametrize(("code", "placement"), [
    (302, "header"), (302, "query"), (302, "body"), (307, "header"), (307, "query"), (307, "body"),
])
def test_a_hop_to_another_origin_carries_no_oauth_parameter(
    provider: OAuthlibProvider, shell: Shell, code: int, placement: str, method: oauth.SignatureMethod
) -> None:
    """Whoever the Location names gets no fresh signature to replay: the hop goes as the caller's request."""
    if placement == "body" and isinstance(method, oauth.SignatureMethod_PLAINTEXT):
        placement = "query"  # PLAINTEXT in the body is refused
    with OAuthlibProvider() as other:
        answer = shell.send({"token": access_token(provider), "placement": placement, "signature_method": method},
                            "POST", provider.url(f"/redirect/{code}?to={other.url('/two_legged/x')}"),
                            data={"a": "1"})
        (first,), (hop,) = provider.requests, other.requests
    assert first.valid, first.error
    assert no_oauth_parameter(hop), hop
    assert hop.body == (b"a=1" if code == 307 else b"")
    assert answer.status == 401  # unsigned at the other origin


def test_a_same_origin_hop_is_still_signed(provider: OAuthlibProvider, shell: Shell) -> None:
    e = echo(shell.send({}, "GET", provider.url(f"/redirect/302?to={provider.url('/two_legged/x')}")))
    assert e["path"] == "/two_legged/x"
    assert_all_verified(provider, 2)


def test_a_hop_back_to_the_first_origin_is_signed(provider: OAuthlibProvider, shell: Shell) -> None:
    """A -> B -> A: B gets nothing to replay, and A's own URL is signed again."""
    arrived: list[tuple[str, str | None]] = []

    def bounce(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        arrived.append((environ.get("QUERY_STRING", ""), environ.get("HTTP_AUTHORIZATION")))
        start_response("302 Found", [("Location", provider.url("/two_legged/back")), ("Content-Length", "0")])
        return [b""]

    with loopback.serving(bounce) as other:
        e = echo(shell.send({"placement": "query"}, "GET", provider.url(f"/redirect/302?to={other}/bounce")))
    assert e["path"] == "/two_legged/back"
    assert arrived == [("", None)]
    assert_all_verified(provider, 2)


@pytest.mark.parametrize("sign_redirects", ["same-origin", "all"])
def test_httpx_oauth1_clients_follow_the_origin_rule(provider: OAuthlibProvider, sign_redirects: str) -> None:
    with OAuthlibProvider() as other:
        url = provider.url(f"/redirect/307?to={other.url('/two_legged/x')}")
        with oauth2.httpx.OAuth1Client(CONSUMER, follow_redirects=True, sign_redirects=sign_redirects) as client:
            statuses = [client.post(url, json={"a": 1}).status_code]

        async def go() -> int:
            async with oauth2.httpx.AsyncOAuth1Client(CONSUMER, follow_redirects=True,
                                                      sign_redirects=sign_redirects) as client:
                return (await client.post(url, json={"a": 1})).status_code

        statuses.append(asyncio.run(go()))
        hops = other.requests
    assert all(r.valid for r in provider.requests) and len(provider.requests) == 2
    if sign_redirects == "all":
        assert statuses == [200, 200] and all(h.valid for h in hops)
    else:
        assert statuses == [401, 401] and all(no_oauth_parameter(h) for h in hops)
        assert [h.body for h in hops] == [b'{"a": 1}'] * 2 or [json.loads(h.body) for h in hops] == [{"a": 1}] * 2


def test_sign_redirects_is_checked_by_every_shell() -> None:
    for make in (oauth2.requests.OAuth1Session, oauth2.httpx.OAuth1Client, oauth2.httpx.AsyncOAuth1Client,
                 oauth2.aiohttp.OAuth1):
        with pytest.raises(ValueError, match="sign_redirects must be one of"):
            make(CONSUMER, sign_redirects="yes")


# ------------------------------------------------------------------ three-legged flow


@pytest.mark.parametrize("callback", ["oob", "http://127.0.0.1:9/callback?state=x"])
def test_three_legged_flow(provider: OAuthlibProvider, shell: Shell, callback: str) -> None:
    session = shell.flow(CONSUMER)
    with session:
        request_token = session.fetch_request_token(provider.url("/request_token"), callback=callback)
        assert provider.request_tokens[request_token.key]["callback"] == callback
        url = session.authorization_url(provider.url("/authorize"))
        assert parse_qs(urlsplit(url).query) == {"oauth_token": [request_token.key]}
        page = loopback.send("GET", url)  # the user's browser, on the consent page
        granted = parse_qs(page.body.decode() if callback == "oob" else urlsplit(page.headers["Location"]).query)
        token = session.fetch_access_token(provider.url("/access_token"), granted["oauth_verifier"][0])
        assert token.extra["user_id"] == "42" and token.extra["screen_name"] == "alice"
        assert session.token is token
        assert provider.access_tokens[token.key]["secret"] == token.secret
    assert [(r.endpoint, r.valid) for r in provider.requests] == [
        ("request_token", True), ("authorize", True), ("access_token", True)]
    assert provider.requests[2].oauth_params["oauth_verifier"] == granted["oauth_verifier"][0]  # type: ignore[index]


def test_a_refused_request_token_is_a_provider_error(provider: OAuthlibProvider, shell: Shell) -> None:
    with shell.flow(oauth.Consumer(CONSUMER_KEY, "wrong")) as session, pytest.raises(oauth.ProviderError) as e:
        session.fetch_request_token(provider.url("/request_token"))
    assert e.value.status == 401
    assert session.token is None


def test_an_answer_without_a_token_is_a_provider_error(provider: OAuthlibProvider, shell: Shell) -> None:
    # /two_legged answers 200 with a JSON echo, not a token.
    with shell.flow(CONSUMER) as session, pytest.raises(oauth.ProviderError):
        session.fetch_request_token(provider.url("/two_legged/not-a-token"))


def test_access_token_needs_a_request_token(shell: Shell) -> None:
    with shell.flow(CONSUMER) as session, pytest.raises(oauth.Error, match="fetch_request_token"):
        session.fetch_access_token("http://127.0.0.1:9/access_token", "v")


# ------------------------------------------------------------------ httpx specifics


def test_httpx_a_stream_is_read_once_and_hashed(provider: OAuthlibProvider) -> None:
    reads = []

    def chunks() -> Iterator[bytes]:
        reads.append(1)
        yield b"one,"
        yield b"two"

    with httpx.Client(auth=oauth2.httpx.OAuth1(CONSUMER)) as client:
        r = client.post(provider.url("/two_legged/stream"), content=chunks())
    assert r.status_code == 200, r.text
    assert r.json()["body"] == "one,two" and "oauth_body_hash" in r.json()["oauth_params"]
    assert reads == [1]


def test_httpx_a_stream_it_cannot_read_is_a_clear_error(provider: OAuthlibProvider) -> None:
    async def chunks() -> Any:
        yield b"x"

    # An async stream in a sync client: httpx cannot read it, so it cannot be hashed.
    with httpx.Client(auth=oauth2.httpx.OAuth1(CONSUMER)) as client, pytest.raises(oauth.Error, match="async stream"):
        client.post(provider.url("/two_legged/stream"), content=chunks())
    assert provider.requests == []


# ------------------------------------------------------------------ requests specifics


def test_requests_get_with_auth(provider: OAuthlibProvider) -> None:
    token = access_token(provider)
    r = requests.get(provider.url("/resource/me?a=1"), auth=oauth2.requests.OAuth1(CONSUMER, token))
    assert r.status_code == 200, r.text
    assert_all_verified(provider, 1)


def test_a_plain_requests_session_forwards_no_spent_signature(provider: OAuthlibProvider) -> None:
    auth = oauth2.requests.OAuth1(CONSUMER, signature_method=oauth.SignatureMethod_PLAINTEXT())
    r = requests.get(provider.url("/redirect/302?to=/two_legged/x"), auth=auth)
    assert r.history[0].status_code == 302
    assert provider.requests[0].valid
    assert "Authorization" not in provider.requests[1].headers  # not the first hop's, spent and secret


@pytest.mark.parametrize("code", [307, 308])
def test_a_plain_requests_session_resends_the_callers_body_without_the_oauth_parameters(
    provider: OAuthlibProvider, code: int
) -> None:
    auth = oauth2.requests.OAuth1(CONSUMER, placement="body")
    r = requests.post(provider.url(f"/redirect/{code}?to=/two_legged/x"), data={"a": "1"}, auth=auth)
    assert r.history[0].status_code == code
    assert provider.requests[0].valid and b"oauth_signature=" in provider.requests[0].body
    assert provider.requests[1].body == b"a=1"  # the caller's body; the spent signature stays behind


@pytest.mark.parametrize("auth", [oauth2.requests.OAuth1, oauth2.httpx.OAuth1, oauth2.aiohttp.OAuth1])
def test_plaintext_in_the_body_is_refused(auth: Any) -> None:
    with pytest.raises(ValueError, match="PLAINTEXT signatures cannot go in the body"):
        auth(CONSUMER, signature_method=oauth.SignatureMethod_PLAINTEXT(), placement="body")
    with pytest.raises(ValueError, match="placement must be one of"):
        auth(CONSUMER, placement="cookie")
    with pytest.raises(TypeError, match="consumer must be an oauth2.Consumer"):
        auth("ckey")


def test_requests_generator_body_is_a_clear_error(provider: OAuthlibProvider) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a"

    with pytest.raises(oauth.Error, match="streamed"):
        requests.post(provider.url("/two_legged/x"), data=chunks(), auth=oauth2.requests.OAuth1(CONSUMER))
    assert provider.requests == []


def test_importing_oauth2_imports_neither_requests_nor_httpx() -> None:
    code = 'import sys, oauth2; print([m for m in ("requests", "httpx") if m in sys.modules])'
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("extra", ["requests", "httpx", "aiohttp"])
def test_a_missing_library_names_the_extra(extra: str) -> None:
    code = f"import sys; sys.modules[{extra!r}] = None; import oauth2.{extra}"
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stderr
    assert f"'{extra}' extra: pip install {extra}" in err


@pytest.mark.parametrize("code", [302, 307])
def test_httpx_oauth1_clients_sign_redirect_hops_themselves(provider: OAuthlibProvider, code: int) -> None:
    url = provider.url(f"/redirect/{code}?to=/two_legged/end")
    with oauth2.httpx.OAuth1Client(CONSUMER, follow_redirects=True) as client:
        assert client.post(url, json={"a": 1}).status_code == 200

    async def go() -> int:
        async with oauth2.httpx.AsyncOAuth1Client(CONSUMER, follow_redirects=True) as client:
            return (await client.post(url, json={"a": 1})).status_code

    assert asyncio.run(go()) == 200
    assert_all_verified(provider, 4)
