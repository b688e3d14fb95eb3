"""The spellings users of requests-oauthlib and Authlib bring, against the embedded provider on 127.0.0.1.

``OAuth1Session("key", "secret", resource_owner_key=..., resource_owner_secret=...)``,
``client_secret=``, ``parse_authorization_response(url)`` for callback flows,
and ``Token.to_dict()`` / ``Token.from_dict()``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any, Callable

import aiohttp
import httpx
import pytest
import requests
from docs_support import browse_pin
from loopback import send

import oauth2 as oauth
import oauth2.aiohttp
import oauth2.httpx
import oauth2.requests
from oauth2.provider import Provider

CALLBACK = "http://127.0.0.1:9/callback?state=kept"


@pytest.fixture
def provider() -> Iterator[Provider]:
    with Provider() as p:
        yield p


def access_token_for(provider: Provider) -> oauth.Token:
    client = oauth.Client(provider.consumer)
    client.fetch_request_token(provider.request_token_url)
    return client.fetch_access_token(provider.access_token_url, browse_pin(client.authorization_url(
        provider.authorize_url)))


def get_with_requests(url: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    with oauth2.requests.OAuth1Session(*args, **kwargs) as session:
        r = session.get(url)
        return r.status_code, r.json()


def get_with_httpx(url: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    with oauth2.httpx.OAuth1Client(*args, **kwargs) as client:
        r = client.get(url)
        return r.status_code, r.json()


def get_with_async_httpx(url: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        async with oauth2.httpx.AsyncOAuth1Client(*args, **kwargs) as client:
            r = await client.get(url)
            return r.status_code, r.json()

    return asyncio.run(go())


def get_with_requests_auth(url: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    r = requests.get(url, auth=oauth2.requests.OAuth1(*args, **kwargs), timeout=60)
    return r.status_code, r.json()


def get_with_httpx_auth(url: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    r = httpx.get(url, auth=oauth2.httpx.OAuth1(*args, **kwargs))
    return r.status_code, r.json()


def get_with_aiohttp(url: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        async with oauth2.aiohttp.OAuth1Client(*args, **kwargs) as client, client.get(url) as r:
            return r.status, await r.json()

    return asyncio.run(go())


def get_with_aiohttp_middleware(url: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        async with aiohttp.ClientSession(middlewares=[oauth2.aiohttp.OAuth1(*args, **kwargs)]) as session, \
                session.get(url) as r:
            return r.status, await r.json()

    return asyncio.run(go())


GETS = [get_with_requests, get_with_httpx, get_with_async_httpx, get_with_requests_auth, get_with_httpx_auth,
        get_with_aiohttp, get_with_aiohttp_middleware]


@pytest.mark.parametrize("get", GETS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("spelling", ["requests-oauthlib", "client_secret"])
def test_key_and_secret_spellings_sign_for_the_provider(
    provider: Provider, get: Callable[..., tuple[int, Any]], spelling: str
) -> None:
    token = access_token_for(provider)
    key, secret = provider.consumer.key, provider.consumer.secret
    owner = {"resource_owner_key": token.key, "resource_owner_secret": token.secret}
    args, kwargs = ([key, secret], owner) if spelling == "requests-oauthlib" else ([key], {"client_secret": secret,
                                                                                           **owner})
    status, answer = get(provider.resource_url + "?q=1", *args, **kwargs)
    assert status == 200, answer
    assert answer == {"user": "alice", "method": "GET", "parameters": {"q": "1"}}
    assert provider.log[-1].error is None


@pytest.mark.parametrize("make", [oauth2.requests.OAuth1Session, oauth2.requests.OAuth1, oauth2.httpx.OAuth1,
                                  oauth2.httpx.OAuth1Client, oauth2.aiohttp.OAuth1])
def test_ambiguous_spellings_are_type_errors(make: Callable[..., Any]) -> None:
    consumer, token = oauth.Consumer("key", "secret"), oauth.Token("t", "ts")
    with pytest.raises(TypeError, match=r"^The consumer secret is given twice: as the second argument and as "
                                        r"client_secret=\.$"):
        make("key", "secret", client_secret="secret")
    with pytest.raises(TypeError, match=r"^client_secret= goes with a consumer key \(str\)"):
        make(consumer, client_secret="secret")
    with pytest.raises(TypeError, match=r"^The token is given twice: as an oauth2\.Token and as resource_owner_key="):
        make(consumer, token, resource_owner_key="t", resource_owner_secret="ts")
    with pytest.raises(TypeError, match=r"^resource_owner_secret= needs resource_owner_key="):
        make(consumer, resource_owner_secret="ts")
    with pytest.raises(TypeError, match=r"^token must be an oauth2\.Token or None, not str .*resource_owner_key="):
        make(consumer, "token-key")
    with pytest.raises(TypeError, match=r"^consumer must be an oauth2\.Consumer or a consumer key \(str\), not int"):
        make(42)
    with pytest.raises(TypeError, match=r"^consumer must be an oauth2\.Consumer, or a consumer key with its secret"):
        make("key", resource_owner_key="t", resource_owner_secret="ts")


@pytest.mark.parametrize("make", [oauth2.requests.OAuth1Session, oauth2.requests.OAuth1, oauth2.httpx.OAuth1,
                                  oauth2.aiohttp.OAuth1])
def test_a_wrong_keyword_names_the_public_class(make: Callable[..., Any]) -> None:
    with pytest.raises(TypeError) as raised:
        make("key", "secret", resource_owner_kye="t")
    assert str(raised.value) == "OAuth1() got an unexpected keyword argument 'resource_owner_kye'"
    assert "_Signer" not in str(raised.value)


def test_a_wrong_keyword_of_the_httpx_client_names_no_private_class() -> None:
    with pytest.raises(TypeError) as raised:
        oauth2.httpx.OAuth1Client("key", "secret", resource_owner_kye="t")
    assert "resource_owner_kye" in str(raised.value) and "_Signer" not in str(raised.value)


# ------------------------------------------------------------------ parse_authorization_response


class Flow:
    """One shell's session driven through a callback flow, its async client one event loop per step."""

    def __init__(self, name: str, consumer: oauth.Consumer) -> None:
        self.name, self.key, self.secret = name, consumer.key, consumer.secret
        self.token: oauth.Token | None = None
        self.session: Any = None

    def __enter__(self) -> Flow:
        if self.name == "requests":
            self.session = oauth2.requests.OAuth1Session(self.key, self.secret)
        else:
            self.session = oauth2.httpx.OAuth1Client(self.key, client_secret=self.secret)
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def step(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.name not in ("httpx-async", "aiohttp"):
            return getattr(self.session, name)(*args, **kwargs)
        make = oauth2.httpx.AsyncOAuth1Client if self.name == "httpx-async" else oauth2.aiohttp.OAuth1Client

        async def go() -> Any:
            async with make(self.key, client_secret=self.secret) as client:
                client.token = self.session.token
                result = getattr(client, name)(*args, **kwargs)
                result = await result if asyncio.iscoroutine(result) else result
                self.session.token = client.token
                return result

        return asyncio.run(go())

    def get(self, url: str) -> tuple[int, Any]:
        if self.name == "requests":
            r = self.session.get(url)
            return r.status_code, r.json()
        token = self.session.token
        return get_with_httpx(url, self.key, self.secret, resource_owner_key=token.key,
                              resource_owner_secret=token.secret)


@pytest.fixture(params=["requests", "httpx", "httpx-async", "aiohttp"])
def flow(request: pytest.FixtureRequest, provider: Provider) -> Iterator[Flow]:
    with Flow(request.param, provider.consumer) as f:
        yield f


def test_callback_flow_with_parse_authorization_response(provider: Provider, flow: Flow) -> None:
    request_token = flow.step("fetch_request_token", provider.request_token_url, callback=CALLBACK)
    consent = send("GET", flow.step("authorization_url", provider.authorize_url))
    assert consent.status == 302, consent
    came_back_to = consent.headers["Location"]  # the browser would now load the callback URL
    assert came_back_to.startswith(CALLBACK + "&")

    fields = flow.step("parse_authorization_response", came_back_to)
    assert fields["oauth_token"] == request_token.key
    assert set(fields) == {"oauth_token", "oauth_verifier"}
    assert flow.session.token.verifier == fields["oauth_verifier"]

    access = flow.step("fetch_access_token", provider.access_token_url)  # no verifier: the session kept it
    assert access.extra["screen_name"] == "alice"
    status, answer = flow.get(provider.resource_url)
    assert (status, answer["user"]) == (200, "alice")
    assert [entry.error for entry in provider.log] == [None] * 3


@pytest.mark.parametrize(("query", "expected"), [
    ("oauth_token=another&oauth_verifier=v", "The callback's oauth_token is not this session's request token"),
    ("oauth_token=REQUEST", "The callback carries no oauth_verifier."),
    ("oauth_token=REQUEST&oauth_verifier=", "The callback carries no oauth_verifier."),
    ("denied=REQUEST", "The user denied the authorization"),
])
def test_parse_authorization_response_refuses_another_answer(provider: Provider, query: str, expected: str) -> None:
    with oauth2.requests.OAuth1Session(provider.consumer) as session:
        token = session.fetch_request_token(provider.request_token_url, callback=CALLBACK)
        with pytest.raises(oauth.Error) as raised:
            session.parse_authorization_response(f"{CALLBACK}&{query.replace('REQUEST', token.key or '')}")
        assert str(raised.value).startswith(expected)
        assert session.token is not None and session.token.verifier is None


def test_parse_authorization_response_needs_a_request_token() -> None:
    with oauth2.requests.OAuth1Session("key", "") as session, pytest.raises(oauth.Error, match="no request"):
        session.parse_authorization_response(CALLBACK + "&oauth_token=t&oauth_verifier=v")


# ------------------------------------------------------------------------- Token.to_dict


def test_a_token_round_trips_through_a_dict_and_json(provider: Provider) -> None:
    with oauth2.requests.OAuth1Session(provider.consumer) as session:
        session.fetch_request_token(provider.request_token_url, callback=CALLBACK)
        session.parse_authorization_response(send("GET", session.authorization_url(
            provider.authorize_url)).headers["Location"])
        stored = json.dumps(session.token.to_dict())  # between two web requests, in the user's session
    assert json.loads(stored)["callback_confirmed"] == "true"

    token = oauth.Token.from_dict(json.loads(stored))
    assert token.to_dict() == json.loads(stored)
    with oauth2.requests.OAuth1Session(provider.consumer, token) as session:
        access = session.fetch_access_token(provider.access_token_url)
    assert oauth.Token.from_dict(access.to_dict()).to_dict() == access.to_dict()
    assert access.to_dict()["extra"] == {"user_id": "1", "screen_name": "alice"}
    restored = oauth.Token.from_dict(access.to_dict())
    assert (restored.key, restored.secret, restored.extra) == (access.key, access.secret, access.extra)
    assert get_with_requests(provider.resource_url, provider.consumer, restored)[0] == 200


def test_to_dict_holds_every_field() -> None:
    token = oauth.Token("k", "s")
    token.set_callback("http://127.0.0.1/cb")
    token.set_verifier("v")
    token.extra = {"user_id": "1"}
    assert token.to_dict() == {"key": "k", "secret": "s", "callback": "http://127.0.0.1/cb",
                               "callback_confirmed": "true", "verifier": "v", "extra": {"user_id": "1"}}
    assert oauth.Token.from_dict({"key": "k", "secret": ""}).to_dict() == {
        "key": "k", "secret": "", "callback": None, "callback_confirmed": None, "verifier": None, "extra": {}}


@pytest.mark.parametrize(("fields", "error", "message"), [
    ([("key", "k")], TypeError, "Token.from_dict takes a dict, not list."),
    ({"key": "k", "secret": "s", "oauth_token": "x"}, ValueError, "Token.from_dict: unknown keys oauth_token"),
    ({"key": "k", "secret": 1}, TypeError, "Token.from_dict: secret must be a string or None, not int."),
    ({"key": "k", "secret": "s", "extra": {"a": 1}}, TypeError, "Token.from_dict: extra must be a dict of strings."),
    ({"key": "k", "secret": "s", "extra": "a=1"}, TypeError, "Token.from_dict: extra must be a dict of strings."),
    ({"key": "k"}, ValueError, "Key and secret must be set."),
])
def test_from_dict_refuses_anything_else(fields: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        oauth.Token.from_dict(fields)
    assert str(raised.value).startswith(message)


def test_parse_authorization_response_reads_a_callback_given_as_path_and_query() -> None:
    """A framework's ``request.full_path`` has no scheme or host: the verifier is read from it all the same."""
    with oauth2.requests.OAuth1Session("key", "secret") as session:
        session.token = oauth.Token("request-token", "request-secret")
        fields = session.parse_authorization_response("/callback?oauth_token=request-token&oauth_verifier=v1")
        assert fields == {"oauth_token": "request-token", "oauth_verifier": "v1"}
        assert session.token.verifier == "v1"
