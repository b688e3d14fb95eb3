"""Benchmark: what OAuth costs a provider, on a real server.

    python bench/provider.py                                   # SQLite, a file in a temporary directory
    python bench/provider.py --store sqlite:////tmp/bench.sqlite3
    python bench/provider.py --store redis://127.0.0.1:6379/0      # once oauth2.kit.redis exists
    python bench/provider.py --store postgresql://bench@127.0.0.1/bench   # once oauth2.kit.postgres exists
    python bench/provider.py --pairs 2000 --connections 16 --rounds 3 --workers 2

Starts ``uvicorn --workers 2`` on 127.0.0.1 with a Starlette app on the kit
(oauth2.kit.Endpoints over the store named by ``--store``, shared by both
workers), with two routes: ``/resource``, a three-legged protected resource
(``protect_async``: signature, timestamp, nonce and the store's round trips),
and ``/plain``, the same answer without OAuth. This process is the client: it
signs ``--pairs`` distinct requests ahead of time (HMAC-SHA1, every nonce
new; signing is not what is measured), then sends each twice, the second a
byte-for-byte replay queued right after the first, so that the two often race
on different connections, and so on different workers. ``--connections``
HTTP/1.1 keep-alive connections on raw sockets (asyncio) send them.

Per route and round: requests/s, the median and p99 latency, and for
``/resource`` the number of replays accepted, which must be 0 (each pair gets
exactly one 200). Rounds alternate the two routes; the table shows every round
and the medians. Target: OAuth costs at most a third of the route's capacity
(``/resource`` at least 67% of ``/plain``'s requests/s).

Loopback only; each row takes a few seconds. Not a test: tests never time anything.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Deque, Dict, List, NamedTuple, Tuple

import oauth2
from oauth2.kit import ConsumerRecord, Endpoints, Response, TokenCredentials

HOST = "127.0.0.1"
STORE_ENV = "OAUTH2_BENCH_STORE"
ORIGIN_ENV = "OAUTH2_BENCH_ORIGIN"
CONSUMER_SECRET = "bench-consumer-secret"
TOKEN_SECRET = "bench-token-secret"
USER = "alice"
# The OAuth routes: the same protected resource, the kit called three ways.
OAUTH_ROUTES = {
    "/resource": "await kit.protect_async(request)",
    "/resource-thread": "await run_in_threadpool(kit.protect, request)",
    "/resource-inline": "kit.protect(request), on the event loop",
}
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
# scheme -> (module, blocking store class, store class the ASGI workers use)
STORES = {
    "sqlite": ("oauth2.kit.sqlite", "SQLiteStore", "SQLiteStore"),
    "redis": ("oauth2.kit.redis", "RedisStore", "AsyncRedisStore"),
    "rediss": ("oauth2.kit.redis", "RedisStore", "AsyncRedisStore"),
    "postgresql": ("oauth2.kit.postgres", "PostgresStore", "AsyncPostgresStore"),
    "postgres": ("oauth2.kit.postgres", "PostgresStore", "AsyncPostgresStore"),
}


# --------------------------------------------------------------------------- the server (in each uvicorn worker)


def open_store(url: str, *, for_asgi: bool) -> Any:
    """The store named by ``url``: ``sqlite:///PATH`` (SQLAlchemy's spelling), ``redis://...``, ``postgresql://...``."""
    scheme = url.partition("://")[0]
    if scheme not in STORES:
        raise SystemExit(f"--store {url!r}: use sqlite:///PATH, redis://HOST:PORT/DB or postgresql://USER@HOST/DB")
    module_name, blocking, asynchronous = STORES[scheme]
    try:
        module = __import__(module_name, fromlist=[blocking])
    except ImportError as exc:
        raise SystemExit(f"--store {scheme}://: {module_name} cannot be imported here ({exc}).") from exc
    store_class = getattr(module, asynchronous if for_asgi else blocking)
    if scheme == "sqlite":
        return store_class(url[len("sqlite:///"):])
    if scheme.startswith("redis"):
        return store_class(url=url)  # the first argument is a redis client
    return store_class(url)  # a libpq connection URL


def make_app() -> Any:
    """The provider, as each uvicorn worker builds it (``uvicorn --factory provider:make_app``)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse
    from starlette.responses import Response as StarletteResponse
    from starlette.routing import Route

    url = os.environ[STORE_ENV]
    kit = Endpoints(open_store(url, for_asgi=True))
    # The blocking endpoints need a blocking store; SQLite's serves both.
    blocking = kit if url.startswith("sqlite:") else Endpoints(open_store(url, for_asgi=False))
    origin = os.environ[ORIGIN_ENV]

    async def plain(request: Any) -> Any:
        return PlainTextResponse(USER)

    async def resource(request: Any) -> Any:
        received = oauth2.Request.from_asgi(request.scope, await request.body(), base_url=origin)
        try:
            if request.url.path == "/resource":
                access = await kit.protect_async(received)
            elif request.url.path == "/resource-thread":
                access = await run_in_threadpool(blocking.protect, received)
            else:
                access = blocking.protect(received)
        except oauth2.Error as error:
            refusal = Response.from_error(error)
            return StarletteResponse(refusal.body, refusal.status, headers=dict(refusal.headers))
        return PlainTextResponse(access.user)

    return Starlette(routes=[Route("/plain", plain), *(Route(path, resource) for path in OAUTH_ROUTES)])


class Server:
    """``uvicorn --workers N`` on 127.0.0.1 serving :func:`make_app`; a context manager."""

    def __init__(self, store_url: str, workers: int) -> None:
        self.port = free_port()
        self.origin = f"http://{HOST}:{self.port}"
        self.workers = workers
        self.log: Deque[str] = collections.deque(maxlen=200)
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "provider:make_app",
            "--app-dir", os.path.dirname(os.path.abspath(__file__)),
            "--host", HOST, "--port", str(self.port), "--workers", str(workers),
            "--no-access-log", "--log-level", "info",
        ]
        env = {**os.environ, STORE_ENV: store_url, ORIGIN_ENV: self.origin}
        self.process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)

    def __enter__(self) -> Server:
        started = 0
        assert self.process.stderr is not None
        for line in self.process.stderr:  # readiness: each worker logs its startup
            self.log.append(line)
            started += "Application startup complete" in line
            if started == self.workers:
                break
        else:
            raise SystemExit("uvicorn stopped before its workers started:\n" + "".join(self.log))
        # Keep reading, so that a worker's error output never fills the pipe and blocks it.
        threading.Thread(target=self.log.extend, args=(self.process.stderr,), daemon=True).start()
        return self

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server's processes have used so far; 0.0 where /proc is missing.

        Unlike requests/s, it hardly moves when other programs load the machine: CPU time per request is
        what a route costs the provider.
        """
        total = 0
        for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
            if not entry.isdigit():
                continue  # not a process
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue  # a process that ended meanwhile
            # After the command: state, ppid, ..., utime and stime (fields 14 and 15 of proc(5)).
            if int(entry) == self.process.pid or int(fields[1]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc_info: Any) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


# --------------------------------------------------------------------------- the client (this process)


def register(store_url: str) -> Tuple[oauth2.Consumer, oauth2.Token]:
    """A consumer and its token credentials for alice, new in the store (keys unique to this run)."""
    store = open_store(store_url, for_asgi=False)
    run = f"{os.getpid()}-{time.time_ns()}"
    consumer = oauth2.Consumer(f"bench-consumer-{run}", CONSUMER_SECRET)
    token = oauth2.Token(f"bench-token-{run}", TOKEN_SECRET)
    store.add_consumer(ConsumerRecord(consumer.key, consumer.secret))
    store.add_token(TokenCredentials(token.key, token.secret, consumer.key, USER, time.time()))
    if hasattr(store, "close"):
        store.close()
    return consumer, token


def signed_pairs(server: Server, consumer: oauth2.Consumer, token: oauth2.Token, pairs: int,
                 path: str) -> List[bytes]:
    """``pairs`` distinct signed GET ``path`` requests, each followed by its replay, as raw HTTP/1.1."""
    method = oauth2.SignatureMethod_HMAC_SHA1()
    sent: List[bytes] = []
    nonces = set()
    for _ in range(pairs):
        request = oauth2.Request.from_consumer_and_token(consumer, token, http_url=server.origin + path)
        request.sign_request(method, consumer, token)
        nonces.add(request["oauth_nonce"])
        authorization = request.to_header()["Authorization"]
        raw = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{server.port}\r\nAuthorization: {authorization}\r\n\r\n"
        sent += [raw.encode("ascii")] * 2
    assert len(nonces) == pairs, "every nonce is new"
    return sent


class Row(NamedTuple):
    route: str
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    ok: int
    replays_accepted: int
    server_cpu_us: float  # the server's CPU time per request, microseconds


async def send_all(port: int, requests: List[bytes], connections: int) -> List[Tuple[int, float]]:
    """Send ``requests`` in order over ``connections`` keep-alive connections; (status, seconds) of each."""
    results: List[Tuple[int, float]] = [(0, 0.0)] * len(requests)
    queue = iter(range(len(requests)))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for index in queue:
                start = time.perf_counter()
                writer.write(requests[index])
                head = await reader.readuntil(b"\r\n\r\n")
                length = CONTENT_LENGTH.search(head)
                if length is None:
                    raise RuntimeError(f"a response without Content-Length: {head[:200]!r}")
                await reader.readexactly(int(length.group(1)))
                results[index] = (int(head[9:12]), time.perf_counter() - start)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return results


def measure(route: str, server: Server, requests: List[bytes], connections: int) -> Row:
    cpu = server.cpu_seconds()
    start = time.perf_counter()
    results = asyncio.run(send_all(server.port, requests, connections))
    elapsed = time.perf_counter() - start
    cpu = server.cpu_seconds() - cpu
    latencies = sorted(seconds for _, seconds in results)
    statuses = [status for status, _ in results]
    replays = 0
    if route in OAUTH_ROUTES:  # request 2i and its replay 2i+1: exactly one may succeed
        replays = sum(max(0, (a == 200) + (b == 200) - 1) for a, b in zip(statuses[::2], statuses[1::2]))
    return Row(
        route,
        len(requests),
        len(requests) / elapsed,
        1000 * latencies[len(latencies) // 2],
        1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        statuses.count(200),
        replays,
        1e6 * cpu / len(requests),
    )


def in_process(store_url: str, consumer: oauth2.Consumer, token: oauth2.Token, count: int) -> Dict[str, float]:
    """Microseconds per verified request in this process, no HTTP: where an OAuth route's time goes."""
    from oauth2.kit import MemoryStore

    memory = MemoryStore()
    memory.add_consumer(ConsumerRecord(consumer.key, consumer.secret))
    memory.add_token(TokenCredentials(token.key, token.secret, consumer.key, USER, time.time()))
    blocking = Endpoints(open_store(store_url, for_asgi=False))
    asynchronous = Endpoints(open_store(store_url, for_asgi=True))
    url = f"http://{HOST}:9/resource"

    def headers() -> List[Dict[str, str]]:
        signed = []
        for _ in range(count):
            request = oauth2.Request.from_consumer_and_token(consumer, token, http_url=url)
            request.sign_request(oauth2.SignatureMethod_HMAC_SHA1(), consumer, token)
            signed.append(request.to_header())
        return signed

    def timed(call: Any) -> float:
        sent = headers()
        start = time.perf_counter()
        for header in sent:
            call(oauth2.Request.from_request("GET", url, headers=header))
        return 1e6 * (time.perf_counter() - start) / count

    async def awaited(call: Any) -> float:
        sent = headers()
        start = time.perf_counter()
        for header in sent:
            await call(oauth2.Request.from_request("GET", url, headers=header))
        return 1e6 * (time.perf_counter() - start) / count

    async def hop() -> float:
        start = time.perf_counter()
        for _ in range(count):
            await asyncio.to_thread(int)
        return 1e6 * (time.perf_counter() - start) / count

    return {
        "protect, MemoryStore (the checks alone)": timed(Endpoints(memory).protect),
        "protect, this store": timed(blocking.protect),
        "protect_async, this store": asyncio.run(awaited(asynchronous.protect_async)),
        "one asyncio.to_thread hop, doing nothing": asyncio.run(hop()),
    }


def print_table(store_label: str, rows: List[Row]) -> None:
    print("| store | route | round | requests | req/s | p50 ms | p99 ms | server CPU µs/request | 200 "
          "| replays accepted |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row, number in rows:
        replays = row.replays_accepted if row.route in OAUTH_ROUTES else "-"
        print(f"| {store_label} | {row.route} | {number} | {row.requests:,} | {row.per_second:,.0f} "
              f"| {row.p50_ms:.1f} | {row.p99_ms:.1f} | {row.server_cpu_us:,.0f} | {row.ok:,} | {replays} |")
    print("\nMedians of the rounds:\n")
    print("| store | route | the kit called as | req/s | p99 ms | share of /plain's req/s "
          "| share, per round: median (range) | best round req/s (share) | server CPU µs/request "
          "| /plain's CPU / this route's | replays accepted |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    plain = [row.per_second for row, _ in rows if row.route == "/plain"]
    # A round's rows run seconds apart: on a shared machine its own /plain row is the fairer yardstick.
    plain_of_round = {number: row.per_second for row, number in rows if row.route == "/plain"}
    # CPU time per request hardly moves with the machine's load: the capacity a route leaves, CPU-bound.
    plain_cpu = statistics.median(row.server_cpu_us for row, _ in rows if row.route == "/plain")
    for route, call in {"/plain": "(no OAuth)", **OAUTH_ROUTES}.items():
        mine = [row for row, _ in rows if row.route == route]
        per_second = statistics.median(row.per_second for row in mine)
        best = max(row.per_second for row in mine)
        p99 = statistics.median(row.p99_ms for row in mine)
        replays = sum(row.replays_accepted for row in mine) if route in OAUTH_ROUTES else "-"
        shares = [row.per_second / plain_of_round[number] for row, number in rows if row.route == route]
        cpu = statistics.median(row.server_cpu_us for row in mine)
        print(f"| {store_label} | {route} | {call} | {per_second:,.0f} | {p99:.1f} "
              f"| {per_second / statistics.median(plain):.0%} "
              f"| {statistics.median(shares):.0%} ({min(shares):.0%}-{max(shares):.0%}) "
              f"| {best:,.0f} ({best / max(plain):.0%}) | {cpu:,.0f} | {plain_cpu / cpu if cpu else 0:.0%} "
              f"| {replays} |")
    print("\nTarget: an OAuth route keeps at least 67% of /plain's req/s; replays accepted must be 0.")
    print("Server CPU µs/request: the uvicorn processes' user and system time over the row, per request.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", help="sqlite:///PATH, redis://..., postgresql://... (default: a temporary SQLite)")
    parser.add_argument("--pairs", type=int, default=1500, help="signed requests per row, each sent twice")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    rows: List[Tuple[Row, int]] = []
    with tempfile.TemporaryDirectory() as directory:
        store_url = options.store or f"sqlite:///{os.path.join(directory, 'provider.sqlite3')}"
        consumer, token = register(store_url)
        with Server(store_url, options.workers) as server:
            # Both workers open their store connections and warm up before anything is timed.
            for path in OAUTH_ROUTES:
                measure(path, server, signed_pairs(server, consumer, token, 100, path), options.connections)
            plain = [f"GET /plain HTTP/1.1\r\nHost: {HOST}:{server.port}\r\n\r\n".encode("ascii")] * (2 * options.pairs)
            for number in range(1, options.rounds + 1):
                rows.append((measure("/plain", server, plain, options.connections), number))
                for path in OAUTH_ROUTES:
                    # Signed before the row, untimed: a slow store's later rows stay within the timestamp window.
                    sent = signed_pairs(server, consumer, token, options.pairs, path)
                    rows.append((measure(path, server, sent, options.connections), number))
        costs = in_process(store_url, consumer, token, options.pairs)
    print(f"uvicorn --workers {options.workers}, {options.connections} keep-alive connections, "
          f"{2 * options.pairs:,} requests per row (half of them replays on the OAuth routes), "
          f"Python {sys.version.split()[0]}\n")
    print_table(store_url.partition("://")[0], rows)
    print("\nIn one process, no HTTP (microseconds per verified request):\n")
    for name, microseconds in costs.items():
        print(f"- {name}: {microseconds:,.0f}")


if __name__ == "__main__":
    main()
