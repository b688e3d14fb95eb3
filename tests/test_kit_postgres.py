"""The PostgreSQL stores of the kit (oauth2.kit.postgres) on a real PostgreSQL the tests start on 127.0.0.1:
the flows, the schema, expiry, the nonce table, an outage (503) and the missing extra. The store protocol
itself is tested on every store in tests/test_kit_stores.py."""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import loopback
import psycopg
import pytest
from kit_apps import USER, Clock, asgi_app, signed, wsgi_app
from postgres_server import PostgresServer, running_postgres_server, stop
from test_kit import CONSUMER, URL, authorized_client, register

import oauth2 as oauth
from oauth2.kit import AsyncPostgresStore, ConsumerRecord, Endpoints, PostgresStore, TemporaryCredentials
from oauth2.kit.postgres import AsyncPostgresNonceStore, PostgresNonceStore


def count(conninfo: str, sql: str, *parameters: Any) -> int:
    with psycopg.connect(conninfo) as connection:
        row = connection.execute(sql, parameters).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def store(postgres_conninfo: str) -> Iterator[PostgresStore]:
    store = PostgresStore(postgres_conninfo)
    yield store
    store.close()


# ------------------------------------------------------------------ the flows


def test_three_legged_flow_over_wsgi(store: PostgresStore) -> None:
    register(store)
    with loopback.serving(wsgi_app(Endpoints(store))) as base_url:
        client, verifier = authorized_client(base_url)
        client.fetch_access_token(base_url + "/access_token", verifier)
        response, body = client.request(base_url + "/resource")
    assert (response.status, body) == (200, f"user={USER} consumer={CONSUMER.key}".encode())


def test_three_legged_flow_over_asgi(postgres_conninfo: str) -> None:
    register(PostgresStore(postgres_conninfo))
    kit = Endpoints(AsyncPostgresStore(postgres_conninfo))
    with loopback.serving_asgi(asgi_app(kit)) as base_url:
        client, verifier = authorized_client(base_url)
        client.fetch_access_token(base_url + "/access_token", verifier)
        response, body = client.request(base_url + "/resource")
        assert (response.status, body) == (200, f'{{"user":"{USER}","consumer":"{CONSUMER.key}"}}'.encode())
        assert client.request(base_url + "/resource")[0].status == 200  # a new nonce: accepted again
    # One nonce of each signed request: temporary credentials, token credentials, two resource requests.
    assert count(postgres_conninfo, "SELECT count(*) FROM oauth2_nonces") == 4


# ------------------------------------------------------------------ the schema, expiry and the nonce table


def test_stores_of_several_hosts_create_the_schema_at_once(postgres_server: PostgresServer) -> None:
    name = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    stores = [PostgresStore(postgres_server.conninfo(name)) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    failures: list[BaseException] = []

    def first_use(store: PostgresStore) -> None:
        barrier.wait()
        try:
            store.get_consumer("anyone")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            failures.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=first_use, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_expired_temporary_credentials_are_deleted_a_bounded_batch_at_a_time(postgres_conninfo: str) -> None:
    clock = Clock()
    store = PostgresStore(postgres_conninfo, clock=clock)
    for i in range(100):
        store.add_temporary(TemporaryCredentials(f"old-{i}", "secret", "c", "oob", clock() + 10))
    clock.offset = 11
    store.add_temporary(TemporaryCredentials("new", "secret", "c", "oob", clock() + 10))
    assert count(postgres_conninfo, "SELECT count(*) FROM oauth2_temporary") == 101 - 64
    assert store.get_temporary("new") is not None
    store.close()


def test_nonces_are_kept_as_digests_until_they_expire(postgres_conninfo: str) -> None:
    clock = Clock()
    nonces = PostgresNonceStore(postgres_conninfo, clock=clock)
    long_nonce = "n" * 5000
    assert nonces.add("consumer", "token", 1700000000, long_nonce, 60) is True
    assert nonces.add("consumer", "token", 1700000000, long_nonce, 60) is False
    digest = oauth.NonceStore.digest("consumer", "token", 1700000000, long_nonce)
    assert count(postgres_conninfo, "SELECT count(*) FROM oauth2_nonces WHERE digest = %s", digest) == 1
    assert count(postgres_conninfo, "SELECT max(length(digest)) FROM oauth2_nonces") == 32
    clock.offset = 61
    assert nonces.add("consumer", "token", 1700000000, long_nonce, 60) is True  # the record had expired
    nonces.close()


def test_the_async_nonce_store_accepts_a_combination_once(postgres_conninfo: str) -> None:
    nonces = AsyncPostgresNonceStore(postgres_conninfo)

    async def adds() -> list[bool]:
        try:
            return [await nonces.add("consumer", None, 1700000000, "nonce", 60) for _ in range(2)]
        finally:
            await nonces.close()

    assert asyncio.run(adds()) == [True, False]


def backend(store: PostgresStore) -> int:
    """The PostgreSQL session (backend process) of the connection the store uses next."""
    with store._pool.connection() as connection:
        return int(connection.info.backend_pid)


def use_after_fork(store: PostgresStore, results: Any) -> None:
    """A forked worker (gunicorn's way) with its parent's store."""
    store.add_consumer(ConsumerRecord("child", "secret"))
    results.put(backend(store))


# Forking a process with threads (the test servers' log readers) is what this test does on purpose, as gunicorn does.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_worker_opens_its_own_connections(store: PostgresStore) -> None:
    register(store)  # the parent holds a connection now
    parent = backend(store)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=use_after_fork, args=(store, results))
    child.start()
    assert results.get(timeout=loopback.TIMEOUT) != parent  # a session of its own, never the parent's
    child.join()
    assert child.exitcode == 0
    assert backend(store) == parent  # which the child's exit left open
    assert store.get_consumer("child") is not None


# ------------------------------------------------------------------ an outage is a 503


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_stopped_postgres_is_a_503_without_its_address(kind: str) -> None:
    with running_postgres_server() as (server, process):
        conninfo = server.conninfo()
        register(PostgresStore(conninfo))
        store: Any = AsyncPostgresStore(conninfo) if kind == "async" else PostgresStore(conninfo)
        kit = Endpoints(store)

        def request_token() -> Any:
            request = signed("POST", URL, CONSUMER, oauth_callback="oob")
            if kind == "async":
                return asyncio.run(kit.request_token_async(request))
            return kit.request_token(request)

        assert request_token().status == 200
        stop(process)
        kept = request_token()  # on the connection kept from the first request
        fresh = request_token()  # on a new connection, refused
    for response in (kept, fresh):
        assert response.status == 503, response.body
        assert b"store+failed" in response.body and b"retry+later" in response.body
        assert str(server.port).encode() not in response.body


def test_a_resource_request_while_postgres_is_down_is_a_503() -> None:
    with running_postgres_server() as (server, process):
        store = PostgresStore(server.conninfo(), clock=time.time)
        register(store)
        kit = Endpoints(store)
        nonces_only = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], nonce_store=store.nonces)
        consumer = oauth.Consumer(CONSUMER.key, CONSUMER.secret)
        assert kit.request_token(signed("POST", URL, CONSUMER, oauth_callback="oob")).status == 200
        stop(process)
        with pytest.raises(oauth.ServiceUnavailable):
            nonces_only.verify_request(signed("GET", URL, consumer), consumer, None)


# ------------------------------------------------------------------ the extra


def test_without_psycopg_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    for store in (PostgresStore, AsyncPostgresStore, PostgresNonceStore, AsyncPostgresNonceStore):
        with pytest.raises(oauth.Error, match=r"'postgres' extra: pip install 'oauth2\[postgres\]'"):
            store("host=127.0.0.1")
