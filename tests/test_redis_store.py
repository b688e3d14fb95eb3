"""Provider hardening with a shared Redis (issue 21): clock skew between hosts, the async store and
``Server.verify_request_async``, fail-fast timeouts, and a Redis that lost its records.

Every test runs a real redis-server (tests/redis_server.py); the ones that stop, hang or restart it
start their own. The async ones serve a Starlette app with a real uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Optional, Union

import loopback
import pytest
import redis
import redis.asyncio
from at_now import API, CONSUMER, HMAC_SHA1, NOW, TOKEN, Clock, make_server, over_the_wire, signed, signed_api_call
from loopback import serving_asgi
from redis_server import RedisServer, keys, running_redis_server
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import oauth2 as oauth

pytestmark = pytest.mark.redis

AnyStore = Union[oauth.RedisNonceStore, oauth.AsyncRedisNonceStore]


# ------------------------------------------------------------------ clock skew between hosts


def let_redis_time_pass(client: redis.Redis, prefix: str, seconds: int) -> None:
    """Shorten each nonce key's TTL by ``seconds``, as if they had passed on the redis-server.

    Redis expires keys on its own clock, which a test cannot move; a key whose
    TTL runs out is deleted, as Redis would have expired it.
    """
    for key in keys(client, prefix):
        left = client.pttl(key)
        if left > seconds * 1000:
            client.pexpire(key, left - seconds * 1000)
        else:
            client.delete(key)


@pytest.mark.parametrize("skew", [3, 59])
def test_a_replay_on_a_host_whose_clock_is_behind_is_refused(
    redis_client: redis.Redis, prefix: str, skew: int
) -> None:
    fast, slow = Clock(NOW + skew), Clock(NOW)
    fast_host = make_server(clock=fast, nonce_store=oauth.RedisNonceStore(redis_client, prefix=prefix))
    slow_host = make_server(clock=slow, nonce_store=oauth.RedisNonceStore(redis_client, prefix=prefix))
    # The furthest future the fast host accepts; the slow host accepts it until its clock reads ts + 300.
    request = signed_api_call(timestamp=NOW + skew + 300)
    assert fast_host.verify_request(over_the_wire(request), CONSUMER, TOKEN)

    elapsed = skew + 600  # the slow host's last second for the timestamp, after the fast host's window
    fast.now += elapsed
    slow.now += elapsed
    let_redis_time_pass(redis_client, prefix, elapsed)
    with pytest.raises(oauth.TimestampRefused):
        fast_host.verify_request(over_the_wire(request), CONSUMER, TOKEN)
    with pytest.raises(oauth.NonceUsed):
        slow_host.verify_request(over_the_wire(request), CONSUMER, TOKEN)


def test_the_clock_skew_is_a_keyword_of_the_server(redis_client: redis.Redis, prefix: str) -> None:
    server = make_server(nonce_store=oauth.RedisNonceStore(redis_client, prefix=prefix), clock_skew=120)
    assert server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    [key] = keys(redis_client, prefix)
    assert 300 + 120 < redis_client.ttl(key) <= 300 + 300 + 120 + 1
    with pytest.raises(ValueError, match="clock_skew"):
        make_server(clock_skew=-1)


# ------------------------------------------------------------------ the async store and verify


def test_an_async_store_in_the_sync_verify_is_a_type_error() -> None:
    server = make_server(nonce_store=oauth.AsyncRedisNonceStore(url="redis://127.0.0.1:1/0"))
    with pytest.raises(TypeError, match="verify_request_async"):
        server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)


@pytest.mark.parametrize("kind", ["async", "sync", "memory"])
def test_the_async_verify_makes_the_same_checks(redis_client: redis.Redis, prefix: str, kind: str) -> None:
    store: Any = {
        "async": lambda: oauth.AsyncRedisNonceStore(url=f"redis://127.0.0.1:{port(redis_client)}/0", prefix=prefix),
        "sync": lambda: oauth.RedisNonceStore(redis_client, prefix=prefix),
        "memory": lambda: oauth.MemoryNonceStore(clock=lambda: NOW),
    }[kind]()
    server = make_server(nonce_store=store)
    request = signed_api_call()

    async def verify(request: oauth.Request, token: Optional[oauth.Token] = TOKEN, url: Optional[str] = None) -> Any:
        return await server.verify_request_async(over_the_wire(request, url=url), CONSUMER, token)

    async def checks() -> None:
        assert await verify(request) == {"colour": "blue", "size": ["10", "12"]}
        with pytest.raises(oauth.NonceUsed):
            await verify(request)
        with pytest.raises(oauth.InvalidSignature):
            await verify(signed_api_call(), url=API + "?colour=red")
        with pytest.raises(oauth.TimestampRefused):
            await verify(signed_api_call(timestamp=NOW - 301))
        with pytest.raises(oauth.TokenRejected):
            await verify(signed_api_call(), oauth.Token("other", "secret"))
        with pytest.raises(TypeError):
            await server.verify_request_async("GET /", CONSUMER, TOKEN)  # type: ignore[arg-type]

    asyncio.run(checks())


def port(client: redis.Redis) -> int:
    """The port ``client`` connects to."""
    return int(client.connection_pool.connection_kwargs["port"])


def oauth_app(server: oauth.Server) -> Starlette:
    """``/oauth`` verifies with ``verify_request_async``; ``/plain`` involves no OAuth."""

    async def verify(request: StarletteRequest) -> Response:
        body = await request.body()
        try:
            params = await server.verify_request_async(oauth.Request.from_asgi(request.scope, body), CONSUMER, TOKEN)
        except oauth.Error as e:
            return PlainTextResponse(f"{type(e).__name__}: {e}", status_code=e.status)
        return JSONResponse(params)

    async def plain(request: StarletteRequest) -> Response:
        return PlainTextResponse("no OAuth here")

    return Starlette(routes=[Route("/oauth", verify), Route("/plain", plain)])


def send_signed(base_url: str) -> loopback.Reply:
    """A newly signed GET of ``/oauth``, sent to the app."""
    request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", base_url + "/oauth")
    request.sign_request(HMAC_SHA1, CONSUMER, TOKEN)
    return loopback.send("GET", base_url + "/oauth", request.to_header())


class EnteredSync(oauth.RedisNonceStore):
    """A RedisNonceStore that says when a call has started."""

    entered = threading.Event()

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        self.entered.set()
        return super().add(consumer_key, token, timestamp, nonce, ttl)


class EnteredAsync(oauth.AsyncRedisNonceStore):
    """An AsyncRedisNonceStore that says when a call has started, its timeouts far longer than the test."""

    entered = threading.Event()

    def __init__(self, server: RedisServer) -> None:
        super().__init__(url=server.url)
        self.server = server
        self.slow_client: Optional[redis.asyncio.Redis] = None

    @property
    def client(self) -> redis.asyncio.Redis:
        """Made at the first call, in the app's event loop (redis.asyncio's pool needs one on Python 3.9)."""
        if self.slow_client is None:
            self.slow_client = redis.asyncio.Redis(host=self.server.host, port=self.server.port, socket_timeout=60)
        return self.slow_client

    async def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        self.entered.set()
        return await super().add(consumer_key, token, timestamp, nonce, ttl)


@contextmanager
def stopped(server: RedisServer) -> Iterator[None]:
    """The redis-server is stopped (SIGSTOP): it accepts connections and never answers."""
    os.kill(server.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        with suppress(ProcessLookupError):  # the test may have killed it
            os.kill(server.pid, signal.SIGCONT)


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_hung_redis_leaves_the_worker_answering_other_requests(tmp_path: Path, kind: str) -> None:
    with running_redis_server(tmp_path) as server:
        # Timeouts far longer than the test: the OAuth request waits until the test kills Redis.
        store: AnyStore
        if kind == "async":
            store = EnteredAsync(server)
        else:
            store = EnteredSync(redis.Redis(host=server.host, port=server.port, socket_timeout=60))
        with serving_asgi(oauth_app(oauth.Server([HMAC_SHA1], nonce_store=store))) as base_url:
            assert send_signed(base_url).status == 200  # connected, marker written
            type(store).entered.clear()
            replies: queue.Queue[loopback.Reply] = queue.Queue()
            with stopped(server):
                waiting = threading.Thread(target=lambda: replies.put(send_signed(base_url)), daemon=True)
                waiting.start()
                assert type(store).entered.wait(timeout=loopback.TIMEOUT)
                plain = loopback.send("GET", base_url + "/plain")
                assert (plain.status, plain.body) == (200, b"no OAuth here")
                assert replies.empty()  # answered while the OAuth request still waits on the store
                os.kill(server.pid, signal.SIGKILL)  # Redis goes away: the waiting call fails
                waiting.join(timeout=loopback.TIMEOUT)
            reply = replies.get(timeout=loopback.TIMEOUT)
            assert reply.status == 503, reply.body
            assert b"sign the request again (a new nonce)" in reply.body


def fails_fast(client: Any) -> None:
    """``client`` waits at most a second to connect and for each reply, and never retries a timeout."""
    settings = client.connection_pool.connection_kwargs
    assert settings["socket_timeout"] <= 1 and settings["socket_connect_timeout"] <= 1
    assert settings["retry"].get_retries() == 1  # a broken connection, at once; never a timeout


@pytest.mark.parametrize("outage", ["hung", "down"])
def test_a_store_built_from_a_url_fails_fast(tmp_path: Path, outage: str) -> None:
    with running_redis_server(tmp_path) as server:
        store = oauth.AsyncRedisNonceStore(url=server.url)
        sync_store = oauth.RedisNonceStore(url=server.url)
        fails_fast(sync_store.client)
        verifier = oauth.Server([HMAC_SHA1], nonce_store=store)

        async def verify() -> dict[str, Any]:
            request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", "https://api.example.com/")
            request.sign_request(HMAC_SHA1, CONSUMER, TOKEN)
            return await verifier.verify_request_async(request, CONSUMER, TOKEN)

        async def outcomes() -> list[Any]:
            seen: list[Any] = [await verify()]
            fails_fast(store.client)  # built at the first call, in this loop
            if outage == "down":
                os.kill(server.pid, signal.SIGKILL)
                os.waitpid(server.pid, 0)
                seen.append(await asyncio.gather(verify(), return_exceptions=True))
            else:
                with stopped(server):
                    seen.append(await asyncio.gather(verify(), return_exceptions=True))
            return seen

        first, [refused] = asyncio.run(outcomes())
        assert first == {}
        assert type(refused) is oauth.ServiceUnavailable
        cause = redis.exceptions.TimeoutError if outage == "hung" else redis.exceptions.ConnectionError
        assert isinstance(refused.__cause__, cause)


# ------------------------------------------------------------------ a Redis that lost its records


def make_store(kind: str, server: RedisServer, **options: Any) -> AnyStore:
    """A store of ``kind`` built from the server's URL."""
    if kind == "async":
        return oauth.AsyncRedisNonceStore(url=server.url, **options)
    return oauth.RedisNonceStore(url=server.url, **options)


def verifier(server: oauth.Server) -> Callable[[oauth.Request], Awaitable[Any]]:
    """Verify with the async verify for an async store, the sync one otherwise."""

    async def verify(request: oauth.Request) -> Any:
        if isinstance(server.nonce_store, oauth.AsyncRedisNonceStore):
            return await server.verify_request_async(over_the_wire(request), CONSUMER, TOKEN)
        return server.verify_request(over_the_wire(request), CONSUMER, TOKEN)

    return verify


async def refusal(verify: Callable[[oauth.Request], Awaitable[Any]], request: oauth.Request) -> type[BaseException]:
    """The error class verifying ``request`` raises."""
    with pytest.raises(oauth.Error) as caught:
        await verify(request)
    return type(caught.value)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_requests_accepted_before_a_redis_restart_are_refused_after_it(tmp_path: Path, kind: str) -> None:
    """The real clock, a real restart without persistence: nothing accepted before is accepted again."""
    requests = [signed("GET", f"https://api.example.com/{n}", timestamp=int(time.time())) for n in range(5)]

    async def scenario() -> None:
        with running_redis_server(tmp_path) as first:
            verify = verifier(oauth.Server([HMAC_SHA1], nonce_store=make_store(kind, first)))
            for request in requests:
                assert await verify(request) == {}
        with running_redis_server(tmp_path, port=first.port):
            for request in requests:
                with pytest.raises(oauth.ServiceUnavailable, match="Sign the request again"):
                    await verify(request)

    asyncio.run(scenario())


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_after_a_loss_the_window_is_refused_then_requests_are_accepted_again(tmp_path: Path, kind: str) -> None:
    clock = Clock(NOW)
    # From the oldest timestamp still in the window when the loss is found to the furthest future one.
    accepted = [signed_api_call(timestamp=timestamp) for timestamp in (NOW - 290, NOW, NOW + 300)]

    def host(redis_server: RedisServer) -> Callable[[oauth.Request], Awaitable[Any]]:
        return verifier(make_server(clock=clock, nonce_store=make_store(kind, redis_server, clock=clock)))

    async def scenario() -> None:
        with running_redis_server(tmp_path) as first:
            old_worker = host(first)
            for request in accepted:
                assert await old_worker(request)
        with running_redis_server(tmp_path, port=first.port) as second:
            clock.now = NOW + 10
            # A worker started after the loss cannot tell: its store is new to it (see README).
            new_worker = host(second)
            assert await new_worker(signed_api_call(timestamp=NOW + 10))
            # The old worker's store finds its marker replaced, and both refuse the window from now on.
            for worker in (old_worker, new_worker):
                assert [await refusal(worker, request) for request in accepted] == [oauth.NonceStoreLost] * 3
                assert await refusal(worker, signed_api_call(timestamp=NOW + 10)) is oauth.NonceStoreLost

            # Safe once a timestamp lies past the loss + future_threshold + clock_skew.
            safe = NOW + 10 + 300 + 60 + 1
            clock.now = safe
            assert await refusal(new_worker, signed_api_call(timestamp=safe - 1)) is oauth.NonceStoreLost
            assert await old_worker(signed_api_call(timestamp=safe))
            assert await new_worker(signed_api_call(timestamp=safe + 1))
            assert [await refusal(old_worker, request) for request in accepted] == [
                oauth.TimestampRefused, oauth.TimestampRefused, oauth.NonceStoreLost
            ]
            # Replays are refused as ever.
            request = signed_api_call(timestamp=safe + 2)
            assert await old_worker(request)
            assert await refusal(new_worker, request) is oauth.NonceUsed

    asyncio.run(scenario())


def test_a_lost_store_names_the_loss_and_the_time_to_sign_again(redis_client: redis.Redis, prefix: str) -> None:
    clock = Clock(NOW)
    server = make_server(clock=clock, nonce_store=oauth.RedisNonceStore(redis_client, prefix=prefix, clock=clock))
    assert server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    for key in redis_client.scan_iter(match=prefix + "*"):  # FLUSHALL, for this store's keys only
        redis_client.delete(key)
    with pytest.raises(oauth.NonceStoreLost) as lost:
        server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    assert lost.value.status == 503
    assert lost.value.lost_at == NOW
    assert f"once the server's time has reached {NOW + 300 + 60 + 1}" in str(lost.value)
    # The store on its own refuses with its own, wider bound (it knows the TTL, not the thresholds).
    with pytest.raises(oauth.NonceStoreLost):
        server.nonce_store.add("ck", "tk", NOW + 300 + 300 + 60, "n", 300 + 300 + 60 + 1)
