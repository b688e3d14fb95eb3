"""The provider kit (oauth2.kit): the three-legged and two-legged flows against real servers on 127.0.0.1
(wsgiref, uvicorn + Starlette) with this library's Client, and every refusal with its status and oauth_problem."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import loopback
import pytest
from kit_apps import CALLBACK, USER, Clock, asgi_app, signed, wsgi_app

import oauth2 as oauth
from oauth2.kit import (
    ConsumerRecord,
    Endpoints,
    MemoryStore,
    ProviderStore,
    SQLiteStore,
    TokenCredentials,
)

CONSUMER = oauth.Consumer("consumer-key", "consumer-secret")
URL = "http://127.0.0.1:9/"


class AsyncMemoryStore:
    """A MemoryStore behind the async protocol, as an async store (Redis, PostgreSQL) is awaited."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._store = MemoryStore(clock=clock)
        self.nonces = self._store.nonces

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        async def call(*args: Any) -> Any:
            return method(*args)

        return call


def make_store(kind: str, tmp_path: Path, clock: Callable[[], float]) -> Any:
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "provider.sqlite3", clock=clock)
    if kind == "async":
        return AsyncMemoryStore(clock)
    return MemoryStore(clock=clock)


def register(store: ProviderStore, **changes: Any) -> None:
    fields: dict[str, Any] = {"key": CONSUMER.key, "secret": CONSUMER.secret, "callbacks": (CALLBACK,)}
    fields.update(changes)
    store.add_consumer(ConsumerRecord(**fields))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "sqlite"])
def kit(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Endpoints:
    store = make_store(request.param, tmp_path, clock)
    register(store)
    return Endpoints(store, temporary_ttl=60, clock=clock)


@pytest.fixture
def base_url(kit: Endpoints) -> Iterator[str]:
    with loopback.serving(wsgi_app(kit)) as url:
        yield url


def consent(base_url: str, token: str, decision: str = "allow") -> loopback.Reply:
    """The user's decision, posted to the provider's consent form."""
    return loopback.send("POST", base_url + "/authorize", {"Content-Type": oauth.FORM_CONTENT_TYPE},
                         f"oauth_token={token}&decision={decision}")


def verifier_of(reply: loopback.Reply, token: str) -> str:
    """The verifier of the redirect to the consumer's callback, which must carry the token [§2.2]."""
    assert reply.status == 303
    location = reply.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["oauth_token"] == [token]
    verifier = query["oauth_verifier"][0]
    assert len(verifier) == 32  # 192 random bits: a redirect carries it, nobody types it
    return verifier


def authorized_client(base_url: str, callback: str = CALLBACK) -> tuple[oauth.Client, str]:
    client = oauth.Client(CONSUMER)
    request_token = client.fetch_request_token(base_url + "/request_token", callback=callback)
    return client, verifier_of(consent(base_url, request_token.key), request_token.key)


def refusal(call: Callable[[], Any]) -> tuple[int, str | None]:
    with pytest.raises(oauth.ProviderError) as caught:
        call()
    return caught.value.status, caught.value.oauth_problem


# ------------------------------------------------------------------ the flows over wsgiref


def test_three_legged_flow_over_wsgi(base_url: str) -> None:
    client, verifier = authorized_client(base_url)
    access = client.fetch_access_token(base_url + "/access_token", verifier)
    response, body = client.request(base_url + "/resource")
    assert response.status == 200
    assert body == f"user={USER} consumer={CONSUMER.key}".encode()
    assert access.key and access.secret


def test_the_temporary_credentials_answer_confirms_the_callback(base_url: str) -> None:
    client = oauth.Client(CONSUMER)
    token = client.fetch_request_token(base_url + "/request_token", callback=CALLBACK)  # requires the confirmation
    assert token.callback_confirmed == "true"


def test_an_oob_flow_shows_a_pin(base_url: str) -> None:
    client = oauth.Client(CONSUMER)
    request_token = client.fetch_request_token(base_url + "/request_token", callback="oob")
    reply = consent(base_url, request_token.key)
    assert reply.status == 200
    pin = reply.body.decode().removeprefix("Your PIN: ")
    assert pin.isdigit() and len(pin) == 8
    client.fetch_access_token(base_url + "/access_token", pin)
    assert client.request(base_url + "/resource")[1].startswith(b"user=alice")


def test_two_legged_request_acts_for_no_user(base_url: str) -> None:
    client = oauth.Client(CONSUMER)
    response, body = client.request(base_url + "/two-legged?q=1")
    assert (response.status, body) == (200, f"user=None consumer={CONSUMER.key}".encode())


def test_a_two_legged_endpoint_still_checks_a_token_when_one_is_sent(base_url: str) -> None:
    client = oauth.Client(CONSUMER, oauth.Token("made-up", "secret"))
    response, _ = client.request(base_url + "/two-legged")
    assert response.status == 401
    assert "token_rejected" in response["www-authenticate"]


def test_a_three_legged_resource_needs_a_token(base_url: str) -> None:
    response, body = oauth.Client(CONSUMER).request(base_url + "/resource")
    assert response.status == 400
    assert parse_qs(body.decode())["oauth_problem"] == ["parameter_absent"]


# ------------------------------------------------------------------ refusals, each with its status and oauth_problem


def test_an_unregistered_callback_is_refused(base_url: str) -> None:
    client = oauth.Client(CONSUMER)
    call = lambda: client.fetch_request_token(base_url + "/request_token", callback="https://evil.example/cb")  # noqa: E731
    assert refusal(call) == (400, "parameter_rejected")


def test_a_request_token_request_without_a_callback_is_refused(kit: Endpoints) -> None:
    response = kit.request_token(signed("POST", URL, CONSUMER))
    assert response.status == 400
    assert parse_qs(response.body.decode())["oauth_problem"] == ["parameter_absent"]


def test_a_reused_verifier_is_refused(base_url: str) -> None:
    client, verifier = authorized_client(base_url)
    request_token = client.token
    client.fetch_access_token(base_url + "/access_token", verifier)
    client.token = request_token
    assert refusal(lambda: client.fetch_access_token(base_url + "/access_token", verifier)) == (401, "token_rejected")


def test_a_wrong_verifier_is_refused_and_uses_the_credentials_up(base_url: str) -> None:
    client, verifier = authorized_client(base_url)
    request_token = client.token
    wrong = ("0" if verifier[0] != "0" else "1") + verifier[1:]
    assert refusal(lambda: client.fetch_access_token(base_url + "/access_token", wrong)) == (401, "verifier_invalid")
    client.token = request_token
    assert refusal(lambda: client.fetch_access_token(base_url + "/access_token", verifier)) == (401, "token_rejected")


def test_expired_temporary_credentials_are_refused(base_url: str, clock: Clock) -> None:
    client, verifier = authorized_client(base_url)
    clock.offset = 61  # past temporary_ttl, within the timestamp window
    assert refusal(lambda: client.fetch_access_token(base_url + "/access_token", verifier)) == (401, "token_expired")


def test_expired_temporary_credentials_cannot_be_authorized(base_url: str, clock: Clock) -> None:
    token = oauth.Client(CONSUMER).fetch_request_token(base_url + "/request_token", callback=CALLBACK)
    clock.offset = 61
    reply = consent(base_url, token.key)
    assert reply.status == 401
    assert parse_qs(reply.body.decode())["oauth_problem"] == ["token_expired"]


def test_unauthorized_temporary_credentials_are_refused_and_kept(base_url: str) -> None:
    client = oauth.Client(CONSUMER)
    token = client.fetch_request_token(base_url + "/request_token", callback=CALLBACK)
    assert refusal(lambda: client.fetch_access_token(base_url + "/access_token", "00000000")) == (
        401, "permission_unknown")
    verifier = verifier_of(consent(base_url, token.key), token.key)
    client.token = token
    client.fetch_access_token(base_url + "/access_token", verifier)


def test_a_second_authorization_is_refused(base_url: str) -> None:
    token = oauth.Client(CONSUMER).fetch_request_token(base_url + "/request_token", callback=CALLBACK)
    verifier_of(consent(base_url, token.key), token.key)
    reply = consent(base_url, token.key)
    assert reply.status == 401
    assert parse_qs(reply.body.decode())["oauth_problem"] == ["token_used"]


def test_a_denial_redirects_with_permission_denied_and_ends_the_credentials(base_url: str) -> None:
    client = oauth.Client(CONSUMER)
    token = client.fetch_request_token(base_url + "/request_token", callback=CALLBACK)
    reply = consent(base_url, token.key, "deny")
    assert reply.status == 303
    query = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert query == {"oauth_token": [token.key], "oauth_problem": ["permission_denied"]}
    assert refusal(lambda: client.fetch_access_token(base_url + "/access_token", "00000000")) == (
        401, "token_rejected")


def test_a_revoked_token_is_refused(base_url: str, kit: Endpoints) -> None:
    client, verifier = authorized_client(base_url)
    access = client.fetch_access_token(base_url + "/access_token", verifier)
    assert kit.revoke(access.key) is True
    response, _ = client.request(base_url + "/resource")
    assert response.status == 401
    assert 'oauth_problem="token_revoked"' in response["www-authenticate"]
    assert kit.revoke("unknown") is False


def test_an_unknown_consumer_is_refused(base_url: str) -> None:
    client = oauth.Client(oauth.Consumer("nobody", "secret"))
    call = lambda: client.fetch_request_token(base_url + "/request_token", callback=CALLBACK)  # noqa: E731
    assert refusal(call) == (401, "consumer_key_unknown")


def test_a_method_the_consumer_may_not_use_is_refused(base_url: str, kit: Endpoints) -> None:
    register(kit.store, signature_methods=frozenset({"HMAC-SHA256"}))  # type: ignore[arg-type]
    client = oauth.Client(CONSUMER)  # HMAC-SHA1
    call = lambda: client.fetch_request_token(base_url + "/request_token", callback=CALLBACK)  # noqa: E731
    assert refusal(call) == (400, "signature_method_rejected")
    client.set_signature_method(oauth.SignatureMethod_HMAC_SHA256())
    assert client.fetch_request_token(base_url + "/request_token", callback=CALLBACK).key


def test_a_token_of_another_consumer_is_refused(base_url: str, kit: Endpoints) -> None:
    client, verifier = authorized_client(base_url)
    access = client.fetch_access_token(base_url + "/access_token", verifier)
    other = oauth.Consumer("other", "other-secret")
    register(kit.store, key="other", secret="other-secret")  # type: ignore[arg-type]
    response, _ = oauth.Client(other, access).request(base_url + "/resource")
    assert response.status == 401
    assert 'oauth_problem="token_rejected"' in response["www-authenticate"]


def test_a_bad_signature_is_refused_with_www_authenticate(base_url: str) -> None:
    client, verifier = authorized_client(base_url)
    client.fetch_access_token(base_url + "/access_token", verifier)
    client.token = oauth.Token(client.token.key, "wrong-secret")
    response, _ = client.request(base_url + "/resource")
    assert response.status == 401
    assert 'oauth_problem="signature_invalid"' in response["www-authenticate"]


def test_a_replayed_resource_request_is_refused_as_a_replay(kit: Endpoints) -> None:
    reply = kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob"))
    fields = dict(parse_qs(reply.body.decode()))
    token = oauth.Token(fields["oauth_token"][0], fields["oauth_token_secret"][0])
    pin = kit.authorize(token.key, USER).verifier
    assert pin is not None
    answer = kit.access_token(signed("POST", URL, CONSUMER, token, oauth_verifier=pin))
    fields = dict(parse_qs(answer.body.decode()))
    access = oauth.Token(fields["oauth_token"][0], fields["oauth_token_secret"][0])
    request = signed("GET", URL, CONSUMER, access)
    assert kit.protect(request).user == USER
    with pytest.raises(oauth.NonceUsed):
        kit.protect(request)


def test_the_answers_are_not_cached(kit: Endpoints) -> None:
    response = kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob"))
    assert dict(response.headers)["Cache-Control"] == "no-store"
    assert response.status_line == "200 OK"


@pytest.mark.parametrize("callback", [
    "https://app.example/oauth/back",
    "https://app.example/oauth/",
    "myapp://done",
])
def test_a_callback_under_a_registered_prefix_is_accepted(kit: Endpoints, callback: str) -> None:
    register(kit.store, callbacks=("myapp://done",), callback_prefixes=("https://app.example/oauth/",))  # type: ignore[arg-type]
    assert kit.request_token(signed("POST", URL, CONSUMER, oauth_callback=callback)).status == 200


@pytest.mark.parametrize("callback", [
    "https://app.example.evil/",
    "https://app.example@evil.example/",
    "https://app.example/oauth/../admin",
    "https://app.example/oauth/%2e%2e/admin",
    "https://app.example/oauth/..\\admin",
    "myapp://done/extra",
    "OOB",
    "https://app.example/oauth/" + "a" * 3000,
])
def test_a_callback_outside_the_registered_ones_is_refused(kit: Endpoints, callback: str) -> None:
    register(kit.store, callbacks=("myapp://done",), callback_prefixes=("https://app.example",))  # type: ignore[arg-type]
    response = kit.request_token(signed("POST", URL, CONSUMER, oauth_callback=callback))
    assert (response.status, parse_qs(response.body.decode())["oauth_problem"]) == (400, ["parameter_rejected"])


def test_a_consumer_without_registered_callbacks_may_use_oob_only(kit: Endpoints) -> None:
    register(kit.store, callbacks=())  # type: ignore[arg-type]
    assert kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob")).status == 200
    assert kit.request_token(signed("POST", URL, CONSUMER, oauth_callback=CALLBACK)).status == 400


def test_a_request_token_request_with_a_token_is_refused(kit: Endpoints) -> None:
    request = signed("POST", URL, CONSUMER, oauth.Token("t", "s"), oauth_callback="oob")
    assert kit.request_token(request).status == 400


def test_a_repeated_protocol_parameter_is_refused(kit: Endpoints) -> None:
    request = signed("POST", URL, CONSUMER, oauth_callback="oob")
    request["oauth_callback"] = ["oob", CALLBACK]  # a Request built by hand, not by from_request (which refuses it)
    response = kit.request_token(request)
    assert (response.status, parse_qs(response.body.decode())["oauth_problem"]) == (400, ["parameter_rejected"])


def test_an_rsa_consumer_signs_with_its_key_only(tmp_path: Path, clock: Clock) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    store = MemoryStore(clock=clock)
    store.add_consumer(ConsumerRecord("rsa-consumer", rsa_public_key=public))
    kit = Endpoints(store, signature_methods=["HMAC-SHA1", "RSA-SHA256"], clock=clock)
    consumer = oauth.Consumer("rsa-consumer", "")
    method = oauth.SignatureMethod_RSA_SHA256(key)
    assert kit.request_token(signed("POST", URL, consumer, None, method, oauth_callback="oob")).status == 200
    forged = kit.request_token(signed("POST", URL, consumer, None, oauth_callback="oob"))  # HMAC with "&"
    assert forged.status == 401


def test_arguments_of_the_wrong_type_are_type_errors(kit: Endpoints) -> None:
    with pytest.raises(TypeError):
        kit.request_token({"oauth_consumer_key": "x"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kit.authorize(b"token", USER)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        kit.authorize("token", "")
    with pytest.raises(TypeError):
        Endpoints(MemoryStore(), signature_methods="HMAC-SHA1")
    with pytest.raises(ValueError, match="known"):
        Endpoints(MemoryStore(), signature_methods=["HMAC-MD5"])


def test_the_stores_meet_the_protocol(tmp_path: Path) -> None:
    assert isinstance(MemoryStore(), ProviderStore)
    assert isinstance(SQLiteStore(tmp_path / "p.sqlite3"), ProviderStore)
    assert not isinstance(object(), ProviderStore)


def test_records_never_show_secrets() -> None:
    token = TokenCredentials("key", "the-secret", "consumer", USER, 0.0)
    consumer = ConsumerRecord("c", "consumer-secret")
    assert "the-secret" not in repr(token)
    assert "consumer-secret" not in repr(consumer)


# ------------------------------------------------------------------ a store outage is a 503


def lock_database(path: Path) -> sqlite3.Connection:
    """Another process's long write transaction: SQLite's write lock held."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    return connection


def test_a_locked_sqlite_store_is_a_503_without_its_path(tmp_path: Path, clock: Clock) -> None:
    store = SQLiteStore(tmp_path / "provider.sqlite3", timeout=0.05, clock=clock)
    register(store)
    kit = Endpoints(store, clock=clock)
    holder = lock_database(tmp_path / "provider.sqlite3")
    try:
        response = kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob"))
    finally:
        holder.rollback()
        holder.close()
    assert response.status == 503
    fields = parse_qs(response.body.decode())
    assert list(fields) == ["oauth_problem_advice"]  # no oauth_problem names an outage
    assert "(OperationalError)" in fields["oauth_problem_advice"][0]
    assert str(tmp_path).encode() not in response.body
    assert kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob")).status == 200


def test_a_consent_on_a_locked_sqlite_store_is_a_503_without_its_path(tmp_path: Path, clock: Clock) -> None:
    store = SQLiteStore(tmp_path / "provider.sqlite3", timeout=0.05, clock=clock)
    register(store)
    kit = Endpoints(store, clock=clock)
    reply = kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob"))
    key = parse_qs(reply.body.decode())["oauth_token"][0]
    holder = lock_database(tmp_path / "provider.sqlite3")
    try:
        with pytest.raises(oauth.ServiceUnavailable) as caught:
            kit.authorize(key, USER)
    finally:
        holder.rollback()
        holder.close()
    assert caught.value.status == 503
    assert str(caught.value) == "The provider's credentials store failed (OperationalError); retry later."
    assert kit.authorize(key, USER).verifier  # once the lock is released


def test_a_locked_sqlite_store_is_a_503_for_an_asgi_app_and_the_loop_runs_meanwhile(
    tmp_path: Path, clock: Clock
) -> None:
    store = SQLiteStore(tmp_path / "provider.sqlite3", timeout=0.5, clock=clock)
    register(store)
    kit = Endpoints(store, clock=clock)
    holder = lock_database(tmp_path / "provider.sqlite3")

    async def main() -> tuple[int, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        response = await kit.request_token_async(signed("POST", URL, CONSUMER, oauth_callback="oob"))
        task.cancel()
        return response.status, ticks

    try:
        status, ticks = asyncio.run(main())
    finally:
        holder.rollback()
        holder.close()
    assert status == 503
    assert ticks > 1  # the event loop ran other tasks while the store waited for its lock


def test_protect_async_runs_a_blocking_store_in_one_thread_hop_per_request(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStore(tmp_path / "provider.sqlite3", clock=clock)
    register(store)
    store.add_token(TokenCredentials("token-key", "token-secret", CONSUMER.key, USER, clock()))
    kit = Endpoints(store, clock=clock)
    hops: list[str] = []
    to_thread = asyncio.to_thread

    async def counted(function: Callable[..., Any], *args: Any) -> Any:
        hops.append(function.__name__)
        return await to_thread(function, *args)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    request = signed("GET", URL, CONSUMER, oauth.Token("token-key", "token-secret"))

    async def main() -> str | None:
        access = await kit.protect_async(request)
        with pytest.raises(oauth.NonceUsed):  # the replay: the nonce was recorded in that thread
            await kit.protect_async(request)
        return access.user

    assert asyncio.run(main()) == USER
    assert len(hops) == 2  # one per request, not one per store call (a consumer, a token, a nonce)


def test_a_blocking_kit_refuses_an_async_store(clock: Clock) -> None:
    kit = Endpoints(AsyncMemoryStore(clock), clock=clock)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="async"):
        kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob"))


# ------------------------------------------------------------------ the flows over uvicorn + Starlette


@pytest.fixture(params=["memory", "sqlite", "async"])
def asgi_kit(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Endpoints:
    store = make_store(request.param, tmp_path, clock)
    if request.param == "async":
        register(store._store)
    else:
        register(store)
    return Endpoints(store, temporary_ttl=60, clock=clock)


@pytest.fixture
def asgi_url(asgi_kit: Endpoints) -> Iterator[str]:
    with loopback.serving_asgi(asgi_app(asgi_kit)) as url:
        yield url


def test_three_legged_flow_over_asgi(asgi_url: str, asgi_kit: Endpoints) -> None:
    client, verifier = authorized_client(asgi_url)
    request_token = client.token
    access = client.fetch_access_token(asgi_url + "/access_token", verifier)
    response, body = client.request(asgi_url + "/resource")
    assert response.status == 200
    assert body == f'{{"user":"{USER}","consumer":"{CONSUMER.key}"}}'.encode()
    response, body = oauth.Client(CONSUMER).request(asgi_url + "/two-legged")
    assert (response.status, body) == (200, f'{{"user":null,"consumer":"{CONSUMER.key}"}}'.encode())
    client.token = request_token
    assert refusal(lambda: client.fetch_access_token(asgi_url + "/access_token", verifier)) == (401, "token_rejected")
    assert asyncio.run(asgi_kit.revoke_async(access.key)) is True
    client.token = access
    assert client.request(asgi_url + "/resource")[0].status == 401


def test_refusals_over_asgi(asgi_url: str, clock: Clock) -> None:
    client = oauth.Client(CONSUMER)
    call = lambda: client.fetch_request_token(asgi_url + "/request_token", callback="https://evil.example/")  # noqa: E731
    assert refusal(call) == (400, "parameter_rejected")
    client, verifier = authorized_client(asgi_url)
    clock.offset = 61
    assert refusal(lambda: client.fetch_access_token(asgi_url + "/access_token", verifier)) == (401, "token_expired")
    nobody = oauth.Client(oauth.Consumer("nobody", "secret"))
    call = lambda: nobody.fetch_request_token(asgi_url + "/request_token", callback="oob")  # noqa: E731
    assert refusal(call) == (401, "consumer_key_unknown")


def test_an_oob_denial_over_asgi(asgi_url: str) -> None:
    token = oauth.Client(CONSUMER).fetch_request_token(asgi_url + "/request_token", callback="oob")
    reply = consent(asgi_url, token.key, "deny")
    assert (reply.status, reply.body) == (200, b"Access denied.")
