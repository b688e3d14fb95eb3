"""The Redis stores of the kit (oauth2.kit.redis) on a real redis-server the tests start on 127.0.0.1: the flows,
the keys and their TTLs, the async client made in the running loop, an outage (503). The store protocol itself is
tested on every store in tests/test_kit_stores.py."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import loopback
import pytest
import redis
from kit_apps import USER, asgi_app, signed, wsgi_app
from redis_server import RedisServer, running_redis_server
from test_kit import CONSUMER, URL, authorized_client, register

import oauth2 as oauth
import oauth2.kit.redis
from oauth2.kit import (
    AsyncRedisStore,
    ConsumerRecord,
    Endpoints,
    RedisStore,
    TemporaryCredentials,
    TokenCredentials,
)


def test_three_legged_flow_over_wsgi(redis_server: RedisServer, prefix: str) -> None:
    store = RedisStore(url=redis_server.url, prefix=prefix)
    register(store)
    with loopback.serving(wsgi_app(Endpoints(store))) as base_url:
        client, verifier = authorized_client(base_url)
        client.fetch_access_token(base_url + "/access_token", verifier)
        response, body = client.request(base_url + "/resource")
    assert (response.status, body) == (200, f"user={USER} consumer={CONSUMER.key}".encode())


def test_three_legged_flow_over_asgi(redis_server: RedisServer, redis_client: redis.Redis, prefix: str) -> None:
    register(RedisStore(url=redis_server.url, prefix=prefix))
    kit = Endpoints(AsyncRedisStore(url=redis_server.url, prefix=prefix))
    with loopback.serving_asgi(asgi_app(kit)) as base_url:
        client, verifier = authorized_client(base_url)
        access = client.fetch_access_token(base_url + "/access_token", verifier)
        response, body = client.request(base_url + "/resource")
    assert (response.status, body) == (200, f'{{"user":"{USER}","consumer":"{CONSUMER.key}"}}'.encode())
    kinds = {key.decode()[len(prefix):].split(":")[0] for key in redis_client.keys(prefix + "*")}
    assert kinds == {"consumer", "token", "nonce", "index"}  # the temporary credentials were taken
    # Their entry in the consumer's index too: the indexes list the consumer and its token alone.
    assert sorted(redis_client.keys(prefix + "index:*")) == [
        f"{prefix}index:{kind}".encode() for kind in ("consumers", "tokens", f"tokens-of:{CONSUMER.key}")]
    assert redis_client.hget(f"{prefix}token:{access.key}", "user") == USER.encode()


def test_every_record_is_under_the_prefix_and_temporary_ones_expire(
    redis_server: RedisServer, redis_client: redis.Redis, prefix: str
) -> None:
    store = RedisStore(url=redis_server.url, prefix=prefix)
    assert isinstance(store.nonces, oauth.RedisNonceStore) and store.nonces.client is store.client
    store.add_temporary(TemporaryCredentials("t", "secret", "c", "oob", time.time() + 90.5))
    ttl = redis_client.ttl(f"{prefix}temporary:t")
    assert 0 < ttl <= 91
    assert redis_client.persist(f"{prefix}temporary:t")  # it had a TTL
    store.add_temporary(TemporaryCredentials("gone", "secret", "c", "oob", time.time() - 5))
    assert 0 < redis_client.ttl(f"{prefix}temporary:gone") <= 1  # already expired: kept one second at most


@pytest.mark.parametrize("kind", [RedisStore, AsyncRedisStore])
def test_removing_a_consumer_deletes_its_credentials_batch_by_batch(
    redis_server: RedisServer, redis_client: redis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch, kind: Any
) -> None:
    monkeypatch.setattr(oauth2.kit.redis, "_BATCH", 2)  # several script calls, as a consumer of 1000s of tokens needs
    store = kind(url=redis_server.url, prefix=prefix)

    async def main() -> Any:
        async def call(name: str, *args: Any) -> Any:
            result = getattr(store, name)(*args)
            return await result if asyncio.iscoroutine(result) else result

        await call("add_consumer", ConsumerRecord("c", "secret"))
        await call("add_consumer", ConsumerRecord("d", "secret"))
        for i in range(5):
            await call("add_token", TokenCredentials(f"t{i}", "secret", "c", USER, time.time()))
            await call("add_temporary", TemporaryCredentials(f"r{i}", "secret", "c", "oob", time.time() + 60))
        await call("add_token", TokenCredentials("kept", "secret", "d", USER, time.time()))
        return await call("remove_consumer", "c"), await call("token_keys")

    assert asyncio.run(main()) == (True, ["kept"])
    assert sorted(redis_client.keys(prefix + "*")) == [
        f"{prefix}{name}".encode() for name in ("consumer:d", "index:consumers", "index:tokens", "index:tokens-of:d",
                                                "token:kept")]


def test_the_async_store_makes_its_client_in_each_running_loop(redis_server: RedisServer, prefix: str) -> None:
    store = AsyncRedisStore(url=redis_server.url, prefix=prefix)  # no loop runs yet: nothing is made
    credentials = TemporaryCredentials("t", "secret", "c", "oob", time.time() + 60)

    async def add_then_authorize() -> Any:
        await store.add_temporary(credentials)
        return await store.authorize_temporary("t", USER, "verifier")

    async def take() -> Any:
        added = await store.nonces.add("c", None, int(time.time()), "nonce", 60)
        return added, await store.take_temporary("t")

    assert asyncio.run(add_then_authorize()).verifier == "verifier"
    added, taken = asyncio.run(take())  # a second loop, as each asyncio.run makes
    assert added is True and taken.user == USER


def test_a_given_async_client_is_used_as_given(redis_server: RedisServer, prefix: str) -> None:
    async def main() -> Any:
        client = redis.asyncio.Redis(host=redis_server.host, port=redis_server.port)
        store = AsyncRedisStore(client, prefix=prefix)
        await store.add_token(TokenCredentials("k", "s", "c", USER, 1.0))
        got = await store.get_token("k"), await store.nonces.add("c", None, 1, "n", 60)
        await client.aclose() if hasattr(client, "aclose") else await client.close()
        return got

    token, added = asyncio.run(main())
    assert token.user == USER and added is True


# ------------------------------------------------------------------ an outage is a 503


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("outage", ["down", "hung"])
def test_a_redis_outage_is_a_503_without_its_address(tmp_path: Path, kind: str, outage: str) -> None:
    with running_redis_server(tmp_path) as server:
        register(RedisStore(url=server.url))
        store: Any = AsyncRedisStore(url=server.url) if kind == "async" else RedisStore(url=server.url)
        kit = Endpoints(store)

        def request_token() -> Any:
            request = signed("POST", URL, CONSUMER, oauth_callback="oob")
            if kind == "async":
                return asyncio.run(kit.request_token_async(request))
            return kit.request_token(request)

        assert request_token().status == 200
        if outage == "down":
            os.kill(server.pid, signal.SIGKILL)
            os.waitpid(server.pid, 0)
            response = request_token()
        else:
            os.kill(server.pid, signal.SIGSTOP)  # accepts connections, never answers: the 0.5 s timeouts end it
            try:
                response = request_token()
            finally:
                os.kill(server.pid, signal.SIGCONT)
    assert response.status == 503, response.body
    assert b"store+failed" in response.body and b"retry+later" in response.body
    assert str(server.port).encode() not in response.body
