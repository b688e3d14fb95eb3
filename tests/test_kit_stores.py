"""The store protocol (oauth2.kit.stores), the same tests on every store of the kit: memory, SQLite, and on real
servers started by the tests, PostgreSQL and Redis (blocking and async). Racing threads (blocking stores) or
tasks (async stores) on one single-use record: exactly one gets it, at the store and through the kit."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs

import pytest
from at_now import released_together
from kit_apps import USER, signed

import oauth2 as oauth
from oauth2.kit import (
    AsyncPostgresStore,
    AsyncRedisStore,
    ConsumerRecord,
    Endpoints,
    MemoryStore,
    PostgresStore,
    RedisStore,
    SQLiteStore,
    TemporaryCredentials,
    TokenCredentials,
)

KINDS = ["memory", "sqlite", "postgres", "async-postgres", "redis", "async-redis"]
RACERS = 12
CONSUMER = oauth.Consumer("consumer-key", "consumer-secret")
URL = "http://127.0.0.1:9/access_token"


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "provider.sqlite3")
    if kind.endswith("postgres"):
        conninfo = request.getfixturevalue("postgres_conninfo")
        return (AsyncPostgresStore if kind.startswith("async") else PostgresStore)(conninfo, pool_size=RACERS)
    url = request.getfixturevalue("redis_server").url
    prefix = request.getfixturevalue("prefix")
    return (AsyncRedisStore if kind.startswith("async") else RedisStore)(url=url, prefix=prefix)


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    store = make_store(request.param, request, tmp_path)
    yield store
    if isinstance(store, (SQLiteStore, PostgresStore)):
        store.close()


def is_async(store: Any) -> bool:
    return inspect.iscoroutinefunction(store.take_temporary)


def run(store: Any, body: Callable[[Callable[..., Awaitable[Any]]], Awaitable[Any]]) -> Any:
    """Run ``body`` in one event loop with ``call(name, *args)``, which calls the store's method, awaited if async.

    An async store's connections are closed in that loop.
    """

    async def call(name: str, *args: Any) -> Any:
        result = getattr(store, name)(*args)
        return await result if inspect.isawaitable(result) else result

    async def main() -> Any:
        try:
            return await body(call)
        finally:
            if isinstance(store, AsyncPostgresStore):
                await store.close()

    return asyncio.run(main())


def temporary(key: str = "temporary-key", expires_in: float = 60) -> TemporaryCredentials:
    return TemporaryCredentials(key, "temporary-secret", CONSUMER.key, "https://consumer.example/cb",
                                time.time() + expires_in)


# ------------------------------------------------------------------ records, kept as given


def test_a_consumer_is_kept_as_given_and_replaced(store: Any) -> None:
    full = ConsumerRecord("cé", "secret ü", "-----BEGIN PUBLIC KEY-----\n", ("https://a.example/cb",),
                          ("https://a.example/oauth/", "https://b.example/"), frozenset({"HMAC-SHA256", "RSA-SHA1"}))
    bare = ConsumerRecord("cé", "other")

    async def body(call: Callable[..., Awaitable[Any]]) -> list[Any]:
        await call("add_consumer", full)
        first = await call("get_consumer", "cé")
        await call("add_consumer", bare)
        return [first, await call("get_consumer", "cé"), await call("get_consumer", "unknown")]

    first, replaced, unknown = run(store, body)
    assert (first, first.secret, first.rsa_public_key) == (full, full.secret, full.rsa_public_key)
    assert (replaced, replaced.secret, unknown) == (bare, "other", None)


def test_temporary_credentials_are_authorized_once(store: Any) -> None:
    credentials = temporary()

    async def body(call: Callable[..., Awaitable[Any]]) -> list[Any]:
        await call("add_temporary", credentials)
        return [
            await call("get_temporary", credentials.key),
            await call("authorize_temporary", credentials.key, USER, "verifier-1"),
            await call("authorize_temporary", credentials.key, "mallory", "verifier-2"),
            await call("get_temporary", credentials.key),
            await call("authorize_temporary", "unknown", USER, "verifier-3"),
            await call("get_temporary", "unknown"),
        ]

    kept, authorized, again, read, unknown, missing = run(store, body)
    assert kept == credentials and kept.secret == credentials.secret and not kept.authorized
    assert (authorized.user, authorized.verifier, authorized.secret) == (USER, "verifier-1", credentials.secret)
    assert again is None  # the first authorization stands
    assert (read.user, read.verifier) == (USER, "verifier-1")
    assert unknown is None and missing is None


def test_temporary_credentials_are_taken_once(store: Any) -> None:
    credentials = temporary()

    async def body(call: Callable[..., Awaitable[Any]]) -> list[Any]:
        await call("add_temporary", credentials)
        await call("authorize_temporary", credentials.key, USER, "verifier")
        return [
            await call("take_temporary", credentials.key),
            await call("take_temporary", credentials.key),
            await call("get_temporary", credentials.key),
            await call("authorize_temporary", credentials.key, USER, "verifier"),
        ]

    taken, again, read, authorized = run(store, body)
    assert (taken.key, taken.secret, taken.verifier, taken.expires_at) == (
        credentials.key, credentials.secret, "verifier", credentials.expires_at)
    assert (again, read, authorized) == (None, None, None)


def test_token_credentials_are_kept_and_revoked(store: Any) -> None:
    token = TokenCredentials("token-key", "token-secret", CONSUMER.key, USER, 1700000000.25)

    async def body(call: Callable[..., Awaitable[Any]]) -> list[Any]:
        await call("add_token", token)
        return [
            await call("get_token", token.key),
            await call("revoke_token", token.key),
            await call("get_token", token.key),
            await call("revoke_token", "unknown"),
            await call("get_token", "unknown"),
        ]

    kept, revoked, read, unknown, missing = run(store, body)
    assert kept == token and kept.secret == "token-secret"
    assert revoked is True and read.revoked and read.secret == "token-secret"
    assert unknown is False and missing is None


def test_the_nonce_store_accepts_a_combination_once(store: Any) -> None:
    async def add(*combination: Any) -> bool:
        added = store.nonces.add(*combination, 60)
        return bool(await added if inspect.isawaitable(added) else added)

    async def body(call: Callable[..., Awaitable[Any]]) -> list[bool]:
        now = int(time.time())
        return [
            await add(CONSUMER.key, "token", now, "nonce"),
            await add(CONSUMER.key, "token", now, "nonce"),
            await add(CONSUMER.key, None, now, "nonce"),
            await add(CONSUMER.key, "token", now, "other-nonce"),
        ]

    assert run(store, body) == [True, False, True, True]


# ------------------------------------------------------------------ the operator's listing and removal


def test_consumers_are_listed_sorted_and_removed_with_their_credentials(store: Any) -> None:
    mine = TokenCredentials("token-mine", "secret-1", "cé", USER, 1700000000.0)
    revoked = TokenCredentials("token-revoked", "secret-2", "cé", "bob", 1700000001.0)
    theirs = TokenCredentials("token-theirs", "secret-3", "other", USER, 1700000002.0)
    orphan = TokenCredentials("token-orphan", "secret-4", "never-registered", USER, 1700000003.0)
    pending = dataclasses.replace(temporary("temporary-mine"), consumer_key="cé")
    kept = dataclasses.replace(temporary("temporary-theirs"), consumer_key="other")

    async def body(call: Callable[..., Awaitable[Any]]) -> dict[str, Any]:
        assert await call("consumer_keys") == [] and await call("token_keys") == []
        for key in ("other", "cé", "Zed", "a"):
            await call("add_consumer", ConsumerRecord(key, "secret"))
        await call("add_consumer", ConsumerRecord("cé", "replaced"))  # listed once
        for token in (mine, revoked, theirs, orphan):
            await call("add_token", token)
        await call("revoke_token", revoked.key)
        for credentials in (pending, kept):
            await call("add_temporary", credentials)
        before = {
            "consumers": await call("consumer_keys"),
            "tokens": await call("token_keys"),
            "mine": await call("token_keys", "cé"),
            "unknown": await call("token_keys", "unknown"),
        }
        return {
            **before,
            "removed": await call("remove_consumer", "cé"),
            "again": await call("remove_consumer", "cé"),
            "never": await call("remove_consumer", "never-registered"),  # its tokens go all the same
            "after": await call("consumer_keys"),
            "tokens after": await call("token_keys"),
            "mine after": await call("token_keys", "cé"),
            "gone": [await call("get_token", mine.key), await call("get_token", revoked.key),
                     await call("get_token", orphan.key),
                     await call("get_temporary", pending.key), await call("get_consumer", "cé")],
            "left": [await call("get_token", theirs.key), await call("get_temporary", kept.key)],
        }

    seen = run(store, body)
    assert seen["consumers"] == ["Zed", "a", "cé", "other"]  # code point order
    assert seen["tokens"] == ["token-mine", "token-orphan", "token-revoked", "token-theirs"]
    assert (seen["mine"], seen["unknown"]) == (["token-mine", "token-revoked"], [])
    assert (seen["removed"], seen["again"], seen["never"]) == (True, False, False)
    assert seen["after"] == ["Zed", "a", "other"]
    assert (seen["tokens after"], seen["mine after"]) == (["token-theirs"], [])
    assert seen["gone"] == [None, None, None, None, None]
    assert seen["left"] == [theirs, kept]


def test_a_key_registered_again_does_not_revive_the_removed_consumers_token(store: Any) -> None:
    add(store, "add_consumer", ConsumerRecord(CONSUMER.key, CONSUMER.secret))
    kit = Endpoints(store)
    issued = TokenCredentials("token-key", "token-secret", CONSUMER.key, USER, time.time())
    add(store, "add_token", issued)
    token = oauth.Token(issued.key, issued.secret)

    async def resource(call: Callable[..., Awaitable[Any]]) -> Any:
        return await kit.protect_async(signed("GET", "http://127.0.0.1:9/resource", CONSUMER, token))

    assert run(store, resource).user == USER
    assert add(store, "remove_consumer", CONSUMER.key) is True
    # Someone registers the key again, with the secret the removed consumer had (a key reused, a leaked secret).
    add(store, "add_consumer", ConsumerRecord(CONSUMER.key, CONSUMER.secret))
    with pytest.raises(oauth.Error) as refused:
        run(store, resource)
    assert refused.value.oauth_problem == "token_rejected"  # type: ignore[attr-defined]


# ------------------------------------------------------------------ races on one single-use record


def race(store: Any, name: str, arguments: Callable[[int], tuple[Any, ...]]) -> list[Any]:
    """RACERS callers of one method at once: threads on a blocking store, tasks on an async one."""
    if not is_async(store):
        return released_together(RACERS, lambda i: getattr(store, name)(*arguments(i)))

    async def body(call: Callable[..., Awaitable[Any]]) -> list[Any]:
        return list(await asyncio.gather(*(call(name, *arguments(i)) for i in range(RACERS))))

    return list(run(store, body))


def add(store: Any, method: str, *args: Any) -> Any:
    async def body(call: Callable[..., Awaitable[Any]]) -> Any:
        return await call(method, *args)

    return run(store, body)


def test_racers_taking_one_temporary_credentials_get_them_once(store: Any) -> None:
    credentials = temporary()
    add(store, "add_temporary", credentials)
    results = race(store, "take_temporary", lambda i: (credentials.key,))
    assert [r.key for r in results if r is not None] == [credentials.key]


def test_racers_authorizing_one_temporary_credentials_get_one_verifier(store: Any) -> None:
    credentials = temporary()
    add(store, "add_temporary", credentials)
    results = race(store, "authorize_temporary", lambda i: (credentials.key, f"user-{i}", f"verifier-{i}"))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert add(store, "get_temporary", credentials.key).verifier == winners[0].verifier


def test_racers_exchanging_one_verifier_through_the_kit_get_one_token(store: Any) -> None:
    add(store, "add_consumer", ConsumerRecord(CONSUMER.key, CONSUMER.secret))
    kit = Endpoints(store)

    async def authorized(call: Callable[..., Awaitable[Any]]) -> tuple[oauth.Token, str]:
        reply = await kit.request_token_async(signed("POST", URL, CONSUMER, oauth_callback="oob"))
        fields = parse_qs(reply.body.decode())
        token = oauth.Token(fields["oauth_token"][0], fields["oauth_token_secret"][0])
        decision = await kit.authorize_async(token.key, USER)
        assert decision.verifier is not None
        return token, decision.verifier

    token, verifier = run(store, authorized)
    # Each racer signs its own request (its own nonce): only the verifier's single use can refuse them.
    requests = [signed("POST", URL, CONSUMER, token, oauth_verifier=verifier) for _ in range(RACERS)]
    if is_async(store):

        async def body(call: Callable[..., Awaitable[Any]]) -> list[Any]:
            return list(await asyncio.gather(*(kit.access_token_async(r) for r in requests)))

        responses = run(store, body)
    else:
        responses = released_together(RACERS, lambda i: kit.access_token(requests[i]))
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] + [401] * (RACERS - 1)
    problems = {parse_qs(r.body.decode())["oauth_problem"][0] for r in responses if r.status == 401}
    assert problems and problems <= {"token_rejected", "token_used"}  # unknown by then, or taken meanwhile
