"""How long a verify waits before its 503 when Redis is hung (SIGSTOP) or down (killed).

    python bench/redis_outage.py

Starts a redis-server on 127.0.0.1 (a free port, nothing on disk), verifies one request
to connect, stops or kills the server, and times the next verify, for a store built
with ``url=`` (oauth2's fail-fast client) and for one given redis-py's default client.
Not a test: tests never time anything.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import redis  # noqa: E402
import redis.asyncio  # noqa: E402
from redis_server import running_redis_server  # noqa: E402

import oauth2 as oauth  # noqa: E402

CONSUMER = oauth.Consumer("bench-key", "bench-secret")


def signed() -> oauth.Request:
    request = oauth.Request.from_consumer_and_token(CONSUMER, None, "GET", "https://api.example/")
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), CONSUMER, None)
    return request


def outage(pid: int, kind: str) -> None:
    if kind == "hung":
        os.kill(pid, signal.SIGSTOP)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def timed(store_of: Callable[[Any], Any], kind: str, asynchronous: bool) -> str:
    with tempfile.TemporaryDirectory() as directory, running_redis_server(Path(directory)) as server:
        store = store_of(server)
        verifier = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], nonce_store=store)

        async def verify() -> None:
            if asynchronous:
                await verifier.verify_request_async(signed(), CONSUMER, None)
            else:
                verifier.verify_request(signed(), CONSUMER, None)

        async def run() -> str:
            await verify()
            outage(server.pid, kind)
            start = time.perf_counter()
            try:
                await verify()
                outcome = "accepted"
            except oauth.Error as e:
                outcome = f"{e.status}"
            finally:
                if kind == "hung":
                    os.kill(server.pid, signal.SIGCONT)
            return f"{outcome} after {time.perf_counter() - start:.2f} s"

        return asyncio.run(run())


def main() -> None:
    stores: dict[str, tuple[Callable[[Any], Any], bool]] = {
        "RedisNonceStore(url=...)": (lambda s: oauth.RedisNonceStore(url=s.url), False),
        "AsyncRedisNonceStore(url=...)": (lambda s: oauth.AsyncRedisNonceStore(url=s.url), True),
        "RedisNonceStore(redis.Redis(...)) defaults": (
            lambda s: oauth.RedisNonceStore(redis.Redis(host=s.host, port=s.port)), False),
    }
    for name, (store_of, asynchronous) in stores.items():
        for kind in ("hung", "down"):
            print(f"{name:45} {kind:5} {timed(store_of, kind, asynchronous)}")


if __name__ == "__main__":
    main()
