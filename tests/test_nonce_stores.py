"""Nonce stores [RFC 5849 §3.3]: the memory, SQLite and Redis stores, alone and under a Server, racing in
threads and processes."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import sqlite3
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

import pytest
import redis
from at_now import (
    CONSUMER,
    NOW,
    TOKEN,
    Clock,
    frozen_clock,
    make_server,
    over_the_wire,
    released_together,
    signed_api_call,
)
from redis_server import keys

import oauth2 as oauth

if TYPE_CHECKING:
    from redis_server import RedisServer



def test_memory_store_is_bounded_and_purges_expired_entries() -> None:
    clock = Clock()
    # One consumer may fill the whole store here: the total bound is what this test checks.
    store = oauth.MemoryNonceStore(max_entries=2, clock=clock, max_entries_per_consumer=2)
    assert store.add("ck", "tk", NOW, "n1", 10) is True
    assert store.add("ck", None, NOW, "n2", 10) is True
    with pytest.raises(oauth.ServiceUnavailable) as caught:
        store.add("ck", "tk", NOW, "n3", 10)
    assert caught.value.status == 503
    # Full or not, a replay is still told apart from a new nonce.
    assert store.add("ck", "tk", NOW, "n1", 10) is False
    assert len(store) == 2

    clock.now = NOW + 9
    with pytest.raises(oauth.ServiceUnavailable):
        store.add("ck", "tk", NOW, "n3", 10)
    clock.now = NOW + 10
    assert store.add("ck", "tk", NOW, "n3", 10) is True
    assert len(store) == 1
    assert store.add("ck", "tk", NOW, "n3", 10) is False


def test_memory_store_forgets_a_nonce_only_after_its_ttl() -> None:
    clock = Clock()
    store = oauth.MemoryNonceStore(clock=clock)
    assert store.add("ck", "tk", NOW, "n", 60) is True
    clock.now = NOW + 59
    assert store.add("ck", "tk", NOW, "n", 60) is False
    clock.now = NOW + 60
    assert store.add("ck", "tk", NOW, "n", 60) is True


def test_a_full_memory_store_frees_up_when_the_timestamp_window_has_passed() -> None:
    clock = Clock()
    server = make_server(clock=clock, nonce_store=oauth.MemoryNonceStore(max_entries=1, clock=clock))
    assert server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    with pytest.raises(oauth.ServiceUnavailable):
        server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    clock.now = NOW + 300 + 300 + 1
    assert server.verify_request(over_the_wire(signed_api_call(timestamp=int(clock.now))), CONSUMER, TOKEN)


def race_in_threads(call: Callable[[], object], threads: int) -> list[str]:
    """Run ``call`` in ``threads`` threads released together.

    Returns each outcome: ``"returned"``, ``"nonce_used"`` or the repr of another exception.
    """

    def outcome(result: object) -> str:
        if isinstance(result, oauth.NonceUsed):
            return "nonce_used"
        return repr(result) if isinstance(result, Exception) else "returned"

    return [outcome(result) for result in released_together(threads, lambda _: call())]



def test_threads_verifying_one_request_against_one_memory_store() -> None:
    server = make_server()
    for request in [signed_api_call() for _ in range(5)]:
        outcomes = race_in_threads(
            lambda request=request: server.verify_request(over_the_wire(request), CONSUMER, TOKEN), 16
        )
        assert sorted(outcomes) == ["nonce_used"] * 15 + ["returned"]


def test_threads_adding_one_combination_to_a_memory_store() -> None:
    store = oauth.MemoryNonceStore()
    added: list[bool] = []
    outcomes = race_in_threads(lambda: added.append(store.add("ck", "tk", NOW, "n", 60)), 32)
    assert outcomes == ["returned"] * 32
    assert sorted(added) == [False] * 31 + [True]


def test_memory_store_forgets_entries_in_expiry_order_when_ttls_vary() -> None:
    clock = Clock()
    store = oauth.MemoryNonceStore(clock=clock)
    for nonce, ttl in (("a", 30), ("b", 10), ("c", 20)):
        assert store.add("ck", "tk", NOW, nonce, ttl) is True
    # "a" lives longest: adding it again is refused each time, and makes the store forget what expired.
    for now, held in ((NOW + 9, 3), (NOW + 10, 2), (NOW + 19, 2), (NOW + 20, 1)):
        clock.now = now
        assert store.add("ck", "tk", NOW, "a", 30) is False
        assert len(store) == held
    assert [store.add("ck", "tk", NOW, nonce, 30) for nonce in "bc"] == [True, True]
    clock.now = NOW + 30
    assert store.add("ck", "tk", NOW, "a", 30) is True
    assert len(store) == 3


def test_one_consumer_filling_its_share_does_not_deny_the_others() -> None:
    clock = Clock()
    store = oauth.MemoryNonceStore(max_entries=4, clock=clock)
    assert store.max_entries_per_consumer == 2  # half of max_entries by default
    assert store.add("greedy", "tk", NOW, "n1", 10) is True
    assert store.add("greedy", None, NOW, "n2", 10) is True
    with pytest.raises(oauth.ServiceUnavailable) as caught:
        store.add("greedy", "tk", NOW, "n3", 10)
    assert caught.value.status == 503
    assert "sign the request again" in str(caught.value)
    assert store.add("greedy", "tk", NOW, "n1", 10) is False  # a replay is still a replay
    assert store.add("polite", "tk", NOW, "n3", 10) is True
    assert store.add("polite", "tk", NOW, "n4", 10) is True
    assert len(store) == 4
    with pytest.raises(oauth.ServiceUnavailable) as caught:  # now the whole store is full
        store.add("third", "tk", NOW, "n5", 10)
    assert "sign the request again" in str(caught.value)
    clock.now = NOW + 10
    assert store.add("greedy", "tk", NOW, "n3", 10) is True


def test_a_consumer_over_its_share_gets_503_from_the_server_while_another_is_served() -> None:
    other = oauth.Consumer("other-consumer", "other-secret")
    store = oauth.MemoryNonceStore(max_entries=1000, clock=frozen_clock, max_entries_per_consumer=2)
    server = make_server(nonce_store=store)
    for _ in range(2):
        server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    with pytest.raises(oauth.ServiceUnavailable):
        server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    assert server.verify_request(over_the_wire(signed_api_call(consumer=other, token=None)), other, None) == {
        "colour": "blue", "size": ["10", "12"]
    }


def strings_in(value: object, seen: Optional[set[int]] = None) -> Iterator[Union[str, bytes]]:
    """Every str and bytes reachable from ``value`` through containers and instance attributes."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (str, bytes)):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings_in(key, seen)
            yield from strings_in(item, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from strings_in(item, seen)
    elif hasattr(value, "__dict__"):
        yield from strings_in(vars(value), seen)


def test_memory_store_keeps_a_fixed_size_digest_of_each_combination() -> None:
    store = oauth.MemoryNonceStore()
    nonce = "the-nonce-" + "x" * 10_000
    assert store.add("ck", "the-token", NOW, nonce, 60) is True
    held = list(strings_in(store))
    as_bytes = [value if isinstance(value, bytes) else value.encode() for value in held]
    assert not any(b"the-nonce" in value or b"the-token" in value for value in as_bytes)
    assert max(len(value) for value in held) == 32  # one SHA-256 digest, and "ck", which its count is kept by
    assert store.add("ck", "the-token", NOW, nonce, 60) is False


@pytest.mark.parametrize("store_class", ["memory", "sqlite"])
def test_a_store_tells_apart_combinations_a_plain_join_would_merge(
    store_class: str, open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    store = oauth.MemoryNonceStore() if store_class == "memory" else open_sqlite_store()
    combinations = [
        ("ck", None, NOW, "n"),  # two-legged...
        ("ck", "", NOW, "n"),  # ...is not an empty token
        ("ck:1", "tk", NOW, "n"),
        ("ck", "1:tk", NOW, "n"),
        ("ck", "tk", NOW, "1:n"),
        ("ck", "tk1", NOW, ":n"),
        ("ck&tk", "", NOW, "n"),
        ("ck", "tk&", NOW, "n"),
    ]
    assert [store.add(*combination, 60) for combination in combinations] == [True] * len(combinations)
    assert [store.add(*combination, 60) for combination in combinations] == [False] * len(combinations)


def test_threads_filling_one_consumers_share_of_a_memory_store() -> None:
    store = oauth.MemoryNonceStore(max_entries=100, max_entries_per_consumer=5)
    nonces = iter(range(32))
    lock = threading.Lock()

    def add_new_nonce() -> None:
        """Add a nonce no other thread adds."""
        with lock:
            nonce = str(next(nonces))
        store.add("ck", "tk", NOW, nonce, 60)

    outcomes = race_in_threads(add_new_nonce, 32)
    assert outcomes.count("returned") == 5
    assert all(outcome.startswith("ServiceUnavailable(") for outcome in outcomes if outcome != "returned")
    assert len(store) == 5


class AsyncListStore(oauth.NonceStore):
    """An async store that lists what it records, once its coroutine runs."""

    def __init__(self) -> None:
        self.recorded: list[tuple[Any, ...]] = []

    async def add(self, *combination: Any) -> bool:  # type: ignore[override]
        self.recorded.append(combination)
        return True


def test_an_async_store_in_the_sync_verify_is_a_type_error_that_records_nothing() -> None:
    store = AsyncListStore()
    server = make_server(nonce_store=store)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match="verify_request_async"):
            server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
        gc.collect()
    assert store.recorded == []
    # The store's coroutine was closed, not left to warn that it was never awaited.
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    # A request that fails a check before the store gets that check's error, as with a sync store.
    tampered = over_the_wire(signed_api_call())
    tampered["oauth_signature"] = "AAAA"
    with pytest.raises(oauth.InvalidSignature):
        server.verify_request(tampered, CONSUMER, TOKEN)
    assert asyncio.run(server.verify_request_async(over_the_wire(signed_api_call()), CONSUMER, TOKEN)) == {
        "colour": "blue", "size": ["10", "12"]}
    assert len(store.recorded) == 1


@pytest.fixture
def nonce_db(tmp_path: Path) -> Path:
    """Where this test's SQLite nonce store keeps its file."""
    return tmp_path / "nonces.sqlite3"


@pytest.fixture
def open_sqlite_store(nonce_db: Path) -> Iterator[Callable[..., oauth.SQLiteNonceStore]]:
    """Opens SQLiteNonceStores (on ``nonce_db`` unless given a path), closed after the test."""
    stores: list[oauth.SQLiteNonceStore] = []

    def open_store(path: Union[str, Path] = nonce_db, **options: Any) -> oauth.SQLiteNonceStore:
        """A new store on ``path``."""
        stores.append(oauth.SQLiteNonceStore(path, **options))
        return stores[-1]

    yield open_store
    for store in stores:
        store.close()


def rows(path: Path) -> list[tuple[bytes, float]]:
    """The rows of a SQLite nonce store, read with a connection of the test's own."""
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT digest, expires FROM oauth2_nonces ORDER BY expires").fetchall()


def test_sqlite_store_forgets_a_nonce_only_after_its_ttl(
    nonce_db: Path, open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    clock = Clock()
    store = open_sqlite_store(clock=clock)
    assert store.add("ck", "tk", NOW, "n", 60) is True
    assert store.add("ck", "tk", NOW, "n", 60) is False
    assert store.add("ck", None, NOW, "n", 60) is True
    # Another store on the same file (another worker) sees what this one holds.
    assert open_sqlite_store(str(nonce_db), clock=clock).add("ck", "tk", NOW, "n", 60) is False
    clock.now = NOW + 59
    assert store.add("ck", "tk", NOW, "n", 60) is False
    clock.now = NOW + 60
    assert store.add("ck", "tk", NOW, "n", 60) is True
    assert store.add("ck", "tk", NOW, "n", 60) is False


def test_sqlite_store_deletes_expired_rows_a_bounded_batch_at_a_time(
    nonce_db: Path, open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    clock = Clock()
    store = open_sqlite_store(clock=clock)
    for index in range(200):
        store.add("ck", "tk", NOW, f"old-{index}", 10)
    assert store.add("ck", "tk", NOW, "new-0", 1000) is True
    clock.now = NOW + 10
    store.add("ck", "tk", NOW, "new-1", 1000)
    left = len(rows(nonce_db))
    assert 2 < left < 202  # some expired rows went, not all at once
    for index in range(2, 6):
        store.add("ck", "tk", NOW, f"new-{index}", 1000)
    assert [expires for _, expires in rows(nonce_db)] == [NOW + 1000] + [NOW + 10 + 1000] * 5


def test_sqlite_store_keeps_a_fixed_size_digest_of_each_combination(
    nonce_db: Path, open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    store = open_sqlite_store()
    nonce = "the-nonce-" + "x" * 10_000
    assert store.add("the-consumer", "the-token", NOW, nonce, 60) is True
    assert [len(digest) for digest, _ in rows(nonce_db)] == [32]
    for path in nonce_db.parent.iterdir():  # the database, its WAL and shared-memory index
        content = path.read_bytes()
        assert b"the-nonce" not in content and b"the-token" not in content and b"the-consumer" not in content


def test_threads_adding_one_combination_to_a_sqlite_store(
    open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    store = open_sqlite_store()
    for round_ in range(5):
        added: list[bool] = []
        nonce = f"n{round_}"
        outcomes = race_in_threads(
            lambda added=added, nonce=nonce: added.append(store.add("ck", "tk", NOW, nonce, 60)), 16
        )
        assert outcomes == ["returned"] * 16
        assert sorted(added) == [False] * 15 + [True]


def stores_racing(stores: list[oauth.SQLiteNonceStore]) -> tuple[list[str], list[bool]]:
    """Each store adds the same combination in a thread of its own, all released together: outcomes, results."""
    left = iter(stores)
    lock = threading.Lock()
    added: list[bool] = []

    def add_with_a_store_of_its_own() -> None:
        """Add the combination through a connection no other thread uses."""
        with lock:
            store = next(left)
        added.append(store.add("ck", "tk", NOW, "n", 60))

    return race_in_threads(add_with_a_store_of_its_own, len(stores)), added


def test_threads_with_a_store_each_on_one_sqlite_file(open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]) -> None:
    outcomes, added = stores_racing([open_sqlite_store() for _ in range(8)])
    assert outcomes == ["returned"] * 8
    assert sorted(added) == [False] * 7 + [True]


@pytest.mark.skipif(sqlite3.sqlite_version_info < (3, 24), reason="SQLite before 3.24 has no upsert")
def test_a_sqlite_store_adds_with_one_statement_while_nothing_has_expired(
    open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    clock = Clock()
    store = open_sqlite_store(clock=clock)
    assert store.add("ck", "tk", NOW, "first", 60) is True  # a first add looks for expired rows
    assert store._process is not None
    statements: list[str] = []
    store._process[2].set_trace_callback(statements.append)
    clock.now = NOW + 30
    assert [store.add("ck", "tk", NOW, nonce, 60) for nonce in ("a", "b", "a")] == [True, True, False]
    assert len(statements) == 3, statements  # no transaction around it, no search for expired rows
    clock.now = NOW + 60  # "first" expires: the next add deletes it, then one statement again
    assert store.add("ck", "tk", NOW, "c", 60) is True
    assert store.add("ck", "tk", NOW, "d", 60) is True
    assert len(statements) == 3 + 3 + 1, statements


@pytest.mark.parametrize("sqlite_version", ["installed", "3.22, before upserts"])
def test_stores_racing_to_renew_an_expired_combination_on_one_sqlite_file(
    sqlite_version: str,
    nonce_db: Path,
    open_sqlite_store: Callable[..., oauth.SQLiteNonceStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if sqlite_version != "installed":
        monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 22, 0))
    clock = Clock()
    assert open_sqlite_store(clock=clock).add("ck", "tk", NOW, "n", 60) is True
    clock.now = NOW + 60  # expired, not yet deleted: each store's first add renews it or finds it renewed
    outcomes, added = stores_racing([open_sqlite_store(clock=clock) for _ in range(8)])
    assert outcomes == ["returned"] * 8
    assert sorted(added) == [False] * 7 + [True]
    assert rows(nonce_db) == [(rows(nonce_db)[0][0], NOW + 120)]


def test_a_sqlite_store_under_a_steady_stream_keeps_few_expired_rows(
    nonce_db: Path, open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    clock = Clock()
    store = open_sqlite_store(clock=clock)
    largest = 0
    for index in range(3000):  # 100 adds a second, each kept 10 seconds
        clock.now = NOW + index / 100
        assert store.add("ck", "tk", NOW, str(index), 10) is True
        if index % 100 == 0:
            largest = max(largest, len(rows(nonce_db)))
    # The live rows (10 s of adds), and at most about a second's worth of expired ones left for the next batch.
    assert 1000 <= largest <= 1000 + 100 + 64
    assert all(expires > clock.now - 1 - 0.01 for _, expires in rows(nonce_db))


def test_server_with_a_sqlite_store_refuses_a_replay_until_the_window_has_passed(
    nonce_db: Path, open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    clock = Clock()
    server = make_server(clock=clock, nonce_store=open_sqlite_store(clock=clock))
    request = signed_api_call()
    assert server.verify_request(over_the_wire(request), CONSUMER, TOKEN)
    with pytest.raises(oauth.NonceUsed):
        server.verify_request(over_the_wire(request), CONSUMER, TOKEN)
    clock.now = NOW + 300 + 300 + 60 + 1  # a shared store keeps a nonce the window plus clock_skew
    assert server.verify_request(over_the_wire(signed_api_call(timestamp=int(clock.now))), CONSUMER, TOKEN)
    assert len(rows(nonce_db)) == 1  # the first nonce went with its window


def test_a_locked_sqlite_store_is_a_503_with_its_error_chained(
    nonce_db: Path, open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    server = make_server(nonce_store=open_sqlite_store(timeout=0))
    with closing(sqlite3.connect(nonce_db, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write, for longer than the timeout
        request = signed_api_call()
        with pytest.raises(oauth.ServiceUnavailable) as caught:
            server.verify_request(over_the_wire(request), CONSUMER, TOKEN)
        writer.execute("ROLLBACK")
    assert caught.value.status == 503
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    # Nothing was recorded: the request passes once the store is free.
    assert server.verify_request(over_the_wire(request), CONSUMER, TOKEN)


def test_a_sqlite_store_whose_file_is_damaged_is_a_503(
    nonce_db: Path, open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    store = open_sqlite_store()
    server = make_server(nonce_store=store)
    store.close()
    for path in nonce_db.parent.iterdir():
        path.unlink()
    nonce_db.write_bytes(b"not a database, " * 512)
    with pytest.raises(oauth.ServiceUnavailable) as caught:
        server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)


def test_a_sqlite_store_on_a_path_it_cannot_create_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError):
        oauth.SQLiteNonceStore(tmp_path / "no-such-directory" / "nonces.sqlite3")


def add_in_forked_child(store: oauth.SQLiteNonceStore, results: Any) -> None:
    """In a forked process: add the combination the parent added, and a new one, through the parent's store."""
    inherited = store._process
    outcome = [store.add("ck", "tk", NOW, "parent", 60), store.add("ck", "tk", NOW, "child", 60)]
    assert inherited is not None and store._process is not None
    results.put((outcome, store._process[2] is inherited[2]))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_process_opens_its_own_sqlite_connection(
    open_sqlite_store: Callable[..., oauth.SQLiteNonceStore]
) -> None:
    store = open_sqlite_store()
    assert store.add("ck", "tk", NOW, "parent", 60) is True
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=add_in_forked_child, args=(store, results))
    child.start()
    try:
        outcome, shared = results.get(timeout=60)
        child.join(timeout=60)
    finally:
        if child.is_alive():
            child.terminate()
            child.join()
    assert child.exitcode == 0
    assert outcome == [False, True]
    assert shared is False
    # The parent's connection still works, and sees what the child added.
    assert store.add("ck", "tk", NOW, "child", 60) is False


@pytest.mark.redis
def test_redis_store_adds_a_combination_once(redis_client: redis.Redis, prefix: str) -> None:
    store = oauth.RedisNonceStore(redis_client, prefix=prefix)
    assert store.add("ck", "tk", NOW, "n", 600) is True
    assert store.add("ck", "tk", NOW, "n", 600) is False
    assert len(keys(redis_client, prefix)) == 1


@pytest.mark.redis
@pytest.mark.parametrize("ttl", [1, 91, 3600])
def test_redis_store_keys_expire(redis_client: redis.Redis, prefix: str, ttl: int) -> None:
    oauth.RedisNonceStore(redis_client, prefix=prefix).add("ck", "tk", NOW, "n", ttl)
    [key] = keys(redis_client, prefix)
    assert 0 < redis_client.ttl(key) <= ttl


@pytest.mark.redis
def test_redis_store_keeps_a_nonce_for_the_servers_window(redis_client: redis.Redis, prefix: str) -> None:
    store = oauth.RedisNonceStore(redis_client, prefix=prefix)
    server = make_server(nonce_store=store, timestamp_threshold=60, future_threshold=30)
    assert server.verify_request(over_the_wire(signed_api_call()), CONSUMER, TOKEN)
    [key] = keys(redis_client, prefix)
    # The window and the hosts' clock skew (60 s by default, issue 21).
    assert 60 + 60 < redis_client.ttl(key) <= 60 + 30 + 60 + 1


@pytest.mark.redis
def test_redis_store_combinations_are_independent(redis_client: redis.Redis, prefix: str) -> None:
    store = oauth.RedisNonceStore(redis_client, prefix=prefix)
    combinations: list[tuple[str, Optional[str], int, str]] = [
        ("ck", "tk", NOW, "n"),
        ("ck2", "tk", NOW, "n"),
        ("ck", "tk2", NOW, "n"),
        ("ck", None, NOW, "n"),
        ("ck", "tk", NOW + 1, "n"),
        ("ck", "tk", NOW, "n2"),
        # Separators inside a value must not make two combinations one key.
        ("ck&tk", "", NOW, "n"),
        ("ck", "tk&" + str(NOW), NOW, "n"),
    ]
    assert [store.add(*c, 600) for c in combinations] == [True] * len(combinations)
    assert [store.add(*c, 600) for c in combinations] == [False] * len(combinations)
    assert len(keys(redis_client, prefix)) == len(combinations)


@pytest.mark.redis
def test_redis_store_prefix_is_honoured(redis_server: RedisServer, redis_client: redis.Redis) -> None:
    first, second = (f"oauth2-tests:{uuid.uuid4().hex}:" for _ in range(2))
    nonce = uuid.uuid4().hex
    assert oauth.RedisNonceStore(redis_client, prefix=first).add("ck", "tk", NOW, nonce, 60) is True
    assert oauth.RedisNonceStore(url=redis_server.url, prefix=second).add("ck", "tk", NOW, nonce, 60) is True
    assert oauth.RedisNonceStore(url=redis_server.url, prefix=second).add("ck", "tk", NOW, nonce, 60) is False
    assert len(keys(redis_client, first)) == len(keys(redis_client, second)) == 1

    assert oauth.RedisNonceStore(url=redis_server.url).add("ck", "tk", NOW, nonce, 60) is True
    [default_key] = list(redis_client.scan_iter(match=f"oauth2:nonce:*{nonce}*"))
    assert default_key.startswith(b"oauth2:nonce:")


def race_in_process(
    redis_url: str,
    prefix: str,
    wires: list[tuple[str, str, dict[str, str]]],
    barrier: Any,
    results: Any,
) -> None:
    """In a spawned process: verify each wire request when both processes are ready for it.

    Puts ``(index, outcome)`` on ``results`` for each request.
    """
    store = oauth.RedisNonceStore(url=redis_url, prefix=prefix)
    store.client.ping()
    server = make_server(nonce_store=store)
    for index, (method, url, headers) in enumerate(wires):
        request = oauth.Request.from_request(method, url, headers=headers)
        barrier.wait(timeout=60)
        try:
            server.verify_request(request, CONSUMER, TOKEN)
            outcome = "accepted"
        except oauth.NonceUsed:
            outcome = "nonce_used"
        except Exception as exc:
            outcome = repr(exc)
        results.put((index, outcome))


@pytest.mark.redis
def test_two_processes_verifying_one_request_against_one_redis(redis_server: RedisServer, prefix: str) -> None:
    rounds = 20
    wires = []
    for _ in range(rounds):
        request = signed_api_call()
        wires.append((request.method, request.url, request.to_header()))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(target=race_in_process, args=(redis_server.url, prefix, wires, barrier, results))
        for _ in range(2)
    ]
    outcomes: dict[int, list[str]] = {index: [] for index in range(rounds)}
    try:
        for process in processes:
            process.start()
        for _ in range(2 * rounds):
            index, outcome = results.get(timeout=120)
            outcomes[index].append(outcome)
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0
    finally:
        # A failed race must not leave its processes behind.
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()
    assert {index: sorted(o) for index, o in outcomes.items()} == {
        index: ["accepted", "nonce_used"] for index in range(rounds)
    }
