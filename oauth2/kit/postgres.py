"""Provider stores in PostgreSQL (psycopg 3, the ``postgres`` extra): for providers on several hosts.

:class:`PostgresStore` is the blocking store, :class:`AsyncPostgresStore` the
async one (``psycopg.AsyncConnection``), both over the same tables, created on
first use. Their ``nonces`` are a :class:`PostgresNonceStore` /
:class:`AsyncPostgresNonceStore` on the same connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
)

import oauth2
from oauth2.kit.stores import ConsumerRecord, TemporaryCredentials, TokenCredentials

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore", "AsyncPostgresStore", "PostgresNonceStore", "AsyncPostgresNonceStore"]

#: Seconds to wait for a free connection of the pool.
_TIMEOUT = 2.0
#: Seconds libpq waits to connect (whole seconds, at least 2), unless the conninfo says otherwise.
_CONNECT_TIMEOUT = 2

# One advisory lock around the schema: concurrent CREATE TABLE IF NOT EXISTS may otherwise collide in PostgreSQL.
_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(5849)"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS oauth2_consumers (key TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    " rsa_public_key TEXT, callbacks TEXT[] NOT NULL, callback_prefixes TEXT[] NOT NULL, signature_methods TEXT[])",
    "CREATE TABLE IF NOT EXISTS oauth2_temporary (key TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    " consumer_key TEXT NOT NULL, callback TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL,"
    " user_name TEXT, verifier TEXT)",
    "CREATE INDEX IF NOT EXISTS oauth2_temporary_expires ON oauth2_temporary (expires_at)",
    "CREATE TABLE IF NOT EXISTS oauth2_tokens (key TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    " consumer_key TEXT NOT NULL, user_name TEXT NOT NULL, issued_at DOUBLE PRECISION NOT NULL,"
    " revoked BOOLEAN NOT NULL)",
    "CREATE TABLE IF NOT EXISTS oauth2_nonces (digest BYTEA PRIMARY KEY, expires DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS oauth2_nonces_expires ON oauth2_nonces (expires)",
)

_ADD_CONSUMER = (
    "INSERT INTO oauth2_consumers VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET"
    " secret = EXCLUDED.secret, rsa_public_key = EXCLUDED.rsa_public_key, callbacks = EXCLUDED.callbacks,"
    " callback_prefixes = EXCLUDED.callback_prefixes, signature_methods = EXCLUDED.signature_methods"
)
_GET_CONSUMER = "SELECT * FROM oauth2_consumers WHERE key = %s"
# A bounded batch per insert, by the index: more than the one row each insert adds, so expired rows never pile
# up; SKIP LOCKED, so that hosts forgetting at the same time do not wait for each other.
_FORGET_EXPIRED_TEMPORARY = (
    "DELETE FROM oauth2_temporary WHERE key IN (SELECT key FROM oauth2_temporary WHERE expires_at <= %s"
    " ORDER BY expires_at LIMIT 64 FOR UPDATE SKIP LOCKED)"
)
_ADD_TEMPORARY = (
    "INSERT INTO oauth2_temporary (key, secret, consumer_key, callback, expires_at, user_name, verifier)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
_GET_TEMPORARY = (
    "SELECT key, secret, consumer_key, callback, expires_at, user_name, verifier FROM oauth2_temporary WHERE key = %s"
)
# One statement each: of the transactions racing on a row, the later ones wait, then find it changed or gone.
_AUTHORIZE_TEMPORARY = (
    "UPDATE oauth2_temporary SET user_name = %s, verifier = %s WHERE key = %s AND verifier IS NULL"
    " RETURNING key, secret, consumer_key, callback, expires_at, user_name, verifier"
)
_TAKE_TEMPORARY = (
    "DELETE FROM oauth2_temporary WHERE key = %s"
    " RETURNING key, secret, consumer_key, callback, expires_at, user_name, verifier"
)
_ADD_ACCESS = "INSERT INTO oauth2_tokens VALUES (%s, %s, %s, %s, %s, %s)"
_GET_ACCESS = "SELECT * FROM oauth2_tokens WHERE key = %s"
_REVOKE_ACCESS = "UPDATE oauth2_tokens SET revoked = TRUE WHERE key = %s RETURNING key"
# Keys in code point order (Python's), whatever the database's collation.
_CONSUMER_KEYS = 'SELECT key FROM oauth2_consumers ORDER BY key COLLATE "C"'
_LIST_ACCESS = 'SELECT key FROM oauth2_tokens ORDER BY key COLLATE "C"'
_LIST_ACCESS_OF = 'SELECT key FROM oauth2_tokens WHERE consumer_key = %s ORDER BY key COLLATE "C"'
_REMOVE_CONSUMER: Tuple[str, ...] = (
    "DELETE FROM oauth2_tokens WHERE consumer_key = %s",
    "DELETE FROM oauth2_temporary WHERE consumer_key = %s",
    "DELETE FROM oauth2_consumers WHERE key = %s RETURNING key",
)
_FORGET_EXPIRED_NONCES = (
    "DELETE FROM oauth2_nonces WHERE digest IN (SELECT digest FROM oauth2_nonces WHERE expires <= %s"
    " ORDER BY expires LIMIT 64 FOR UPDATE SKIP LOCKED)"
)
# A row is returned when the digest is new, or held by an expired row not forgotten yet.
_ADD_NONCE = (
    "INSERT INTO oauth2_nonces (digest, expires) VALUES (%s, %s) ON CONFLICT (digest) DO UPDATE"
    " SET expires = EXCLUDED.expires WHERE oauth2_nonces.expires <= %s RETURNING digest"
)

_Statement = Tuple[str, Sequence[Any]]


def _psycopg(store: str) -> Any:
    """The psycopg module, or an Error naming the extra that installs it."""
    try:
        import psycopg
    except ImportError:
        raise oauth2.Error(
            f"{store} needs the 'psycopg' package, this library's 'postgres' extra: pip install 'oauth2[postgres]'."
        ) from None
    return psycopg


def _connect_options(psycopg: Any, conninfo: str) -> Dict[str, Any]:
    """A short ``connect_timeout``, so that a database that is down is a 503 soon; the conninfo's own wins."""
    if "connect_timeout" in psycopg.conninfo.conninfo_to_dict(conninfo):
        return {}
    return {"connect_timeout": _CONNECT_TIMEOUT}


def _consumer_row(consumer: ConsumerRecord) -> Tuple[Any, ...]:
    methods = None if consumer.signature_methods is None else sorted(consumer.signature_methods)
    return (
        consumer.key,
        consumer.secret,
        consumer.rsa_public_key,
        list(consumer.callbacks),
        list(consumer.callback_prefixes),
        methods,
    )


def _consumer(row: Optional[Sequence[Any]]) -> Optional[ConsumerRecord]:
    if row is None:
        return None
    methods = None if row[5] is None else frozenset(row[5])
    return ConsumerRecord(row[0], row[1], row[2], tuple(row[3]), tuple(row[4]), methods)


def _temporary_row(credentials: TemporaryCredentials) -> Tuple[Any, ...]:
    c = credentials
    return (c.key, c.secret, c.consumer_key, c.callback, c.expires_at, c.user, c.verifier)


def _temporary(row: Optional[Sequence[Any]]) -> Optional[TemporaryCredentials]:
    return None if row is None else TemporaryCredentials(*row)


def _token_row(credentials: TokenCredentials) -> Tuple[Any, ...]:
    c = credentials
    return (c.key, c.secret, c.consumer_key, c.user, c.issued_at, c.revoked)


def _token(row: Optional[Sequence[Any]]) -> Optional[TokenCredentials]:
    return None if row is None else TokenCredentials(*row)


def _remove_consumer(key: str) -> Tuple[_Statement, ...]:
    """The statements that unregister a consumer and delete its credentials, in one transaction."""
    return tuple((sql, (key,)) for sql in _REMOVE_CONSUMER)


def _token_keys(consumer_key: Optional[str]) -> _Statement:
    return (_LIST_ACCESS, ()) if consumer_key is None else (_LIST_ACCESS_OF, (consumer_key,))


def _nonce_statements(
    clock: Callable[[], float], consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int
) -> Tuple[_Statement, _Statement]:
    """The two statements of one nonce ``add``: forget a batch of expired rows, then insert this one."""
    digest = oauth2.NonceStore.digest(consumer_key, token, timestamp, nonce)
    now = clock()
    return (_FORGET_EXPIRED_NONCES, (now,)), (_ADD_NONCE, (digest, now + ttl, now))


class _Pool:
    """At most ``size`` connections of this process, reused; opened when needed, the schema made on the first.

    A connection that failed is closed rather than reused. After ``fork`` a
    child opens its own and never uses its parent's (psycopg does not close
    them in the child either, which would end the parent's sessions).
    """

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], size: int, timeout: float) -> None:
        self._connect = connect
        self._size = size
        self._timeout = timeout
        self._pid = os.getpid()
        self._idle: List[psycopg.Connection[Any]] = []
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._schema_made = False

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection of this process for the block, in autocommit mode."""
        self._forget_parent()
        if not self._slots.acquire(timeout=self._timeout):
            raise TimeoutError(f"All {self._size} connections to PostgreSQL stayed busy for {self._timeout} s.")
        try:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                connection = self._open()
            try:
                yield connection
            except BaseException:
                connection.close()
                raise
            with self._lock:
                self._idle.append(connection)
        finally:
            self._slots.release()

    def run(self, *statements: _Statement) -> Optional[Tuple[Any, ...]]:
        """Run the statements in one transaction; the first row of the last one (None if it has none)."""
        with self.connection() as connection, connection.transaction():
            for sql, parameters in statements:
                cursor = connection.execute(sql, parameters)
            row: Optional[Tuple[Any, ...]] = cursor.fetchone() if cursor.description else None
            return row

    def column(self, sql: str, parameters: Sequence[Any]) -> List[str]:
        """The first column of every row of one query."""
        with self.connection() as connection:
            return [row[0] for row in connection.execute(sql, parameters).fetchall()]

    def close(self) -> None:
        """Close the idle connections of this process."""
        self._forget_parent()
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _open(self) -> psycopg.Connection[Any]:
        connection = self._connect()
        try:
            connection.autocommit = True
            if not self._schema_made:
                with connection.transaction():
                    connection.execute(_SCHEMA_LOCK)
                    for statement in _SCHEMA:
                        connection.execute(statement)
                self._schema_made = True
        except BaseException:
            connection.close()
            raise
        return connection

    def _forget_parent(self) -> None:
        if self._pid != os.getpid():
            # New locks too: another thread of the parent may have held them at the fork, for ever in the child.
            self._lock = threading.Lock()
            self._idle = []
            self._slots = threading.BoundedSemaphore(self._size)
            self._pid = os.getpid()


def _blocking_connector(
    conninfo: str, connect: Optional[Callable[[], psycopg.Connection[Any]]], store: str
) -> Callable[[], psycopg.Connection[Any]]:
    if connect is not None:
        return connect
    psycopg = _psycopg(store)
    options = _connect_options(psycopg, conninfo)
    return lambda: psycopg.connect(conninfo, autocommit=True, **options)


class PostgresNonceStore(oauth2.NonceStore):
    """A nonce store in PostgreSQL, shared by every host of a provider (the ``postgres`` extra).

    ``PostgresNonceStore(conninfo="", *, connect=None, pool_size=4, clock=time.time)``:
    ``conninfo`` is a libpq connection string or URL (``"postgresql://oauth2@db/provider"``);
    ``connect``, if given, is called instead for each new connection. Each
    combination is one row keyed by its 32-byte digest
    (:meth:`oauth2.NonceStore.digest`), inserted with ``INSERT ... ON
    CONFLICT``, atomic in PostgreSQL; each ``add`` also deletes a bounded batch
    of expired rows. A failure raises a psycopg error, which
    ``Server.verify_request`` answers with 503.
    """

    def __init__(
        self,
        conninfo: str = "",
        *,
        connect: Optional[Callable[[], psycopg.Connection[Any]]] = None,
        pool_size: int = 4,
        clock: Callable[[], float] = time.time,
    ) -> None:
        connector = _blocking_connector(conninfo, connect, type(self).__name__)
        self._pool = _Pool(connector, pool_size, _TIMEOUT)
        self._clock = clock

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        """Record the combination for ``ttl`` seconds; False if it is already there."""
        return self._pool.run(*_nonce_statements(self._clock, consumer_key, token, timestamp, nonce, ttl)) is not None

    def close(self) -> None:
        """Close the idle connections; the next call opens others."""
        self._pool.close()


class PostgresStore:
    """A :class:`~oauth2.kit.stores.ProviderStore` in PostgreSQL, for providers on several hosts.

    ``PostgresStore(conninfo="", *, connect=None, pool_size=4, clock=time.time)``:
    ``conninfo`` is a libpq connection string or URL; ``connect``, if given, is
    called instead for each new connection (a ``psycopg.Connection``). The
    store keeps up to ``pool_size`` connections of its process and shares them
    between threads; it creates its tables (``oauth2_*``) on first use. The
    single-use operations are one statement each (``UPDATE ... WHERE verifier
    IS NULL RETURNING``, ``DELETE ... RETURNING``), so that of the hosts racing
    on one verifier exactly one gets the credentials. Expired temporary
    credentials are deleted a bounded batch at a time as new ones are added.
    ``nonces`` is a :class:`PostgresNonceStore` on the same connections.

    A database that is down fails within about two seconds (``connect_timeout``);
    the kit answers 503. One that accepts connections but never answers blocks
    the thread; set ``statement_timeout`` and TCP keepalives in ``conninfo``
    against it. After a restart of PostgreSQL each kept connection fails once
    (503) and is replaced.
    """

    def __init__(
        self,
        conninfo: str = "",
        *,
        connect: Optional[Callable[[], psycopg.Connection[Any]]] = None,
        pool_size: int = 4,
        clock: Callable[[], float] = time.time,
    ) -> None:
        nonces = PostgresNonceStore(conninfo, connect=connect, pool_size=pool_size, clock=clock)
        self.nonces: oauth2.NonceStore = nonces
        self._pool = nonces._pool
        self._clock = clock

    def add_consumer(self, consumer: ConsumerRecord) -> None:
        """Register ``consumer``, replacing the one with the same key."""
        self._pool.run((_ADD_CONSUMER, _consumer_row(consumer)))

    def get_consumer(self, key: str) -> Optional[ConsumerRecord]:
        """The consumer registered as ``key``; None if there is none."""
        return _consumer(self._pool.run((_GET_CONSUMER, (key,))))

    def add_temporary(self, credentials: TemporaryCredentials) -> None:
        """Keep new temporary credentials; delete a batch of expired ones."""
        self._pool.run((_FORGET_EXPIRED_TEMPORARY, (self._clock(),)), (_ADD_TEMPORARY, _temporary_row(credentials)))

    def get_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """The temporary credentials ``key``; None if unknown."""
        return _temporary(self._pool.run((_GET_TEMPORARY, (key,))))

    def authorize_temporary(self, key: str, user: str, verifier: str) -> Optional[TemporaryCredentials]:
        """Record ``user`` and ``verifier`` if no user authorized the credentials yet; None otherwise."""
        return _temporary(self._pool.run((_AUTHORIZE_TEMPORARY, (user, verifier, key))))

    def take_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """Remove the temporary credentials ``key`` and return them; None if unknown."""
        return _temporary(self._pool.run((_TAKE_TEMPORARY, (key,))))

    def add_token(self, credentials: TokenCredentials) -> None:
        """Keep new token credentials."""
        self._pool.run((_ADD_ACCESS, _token_row(credentials)))

    def get_token(self, key: str) -> Optional[TokenCredentials]:
        """The token credentials ``key``, revoked or not; None if unknown."""
        return _token(self._pool.run((_GET_ACCESS, (key,))))

    def revoke_token(self, key: str) -> bool:
        """Mark the token credentials ``key`` revoked; False if unknown."""
        return self._pool.run((_REVOKE_ACCESS, (key,))) is not None

    def consumer_keys(self) -> List[str]:
        """The keys of the registered consumers, sorted."""
        return self._pool.column(_CONSUMER_KEYS, ())

    def remove_consumer(self, key: str) -> bool:
        """Unregister the consumer ``key`` and delete its token and temporary credentials; False if unknown."""
        return self._pool.run(*_remove_consumer(key)) is not None

    def token_keys(self, consumer_key: Optional[str] = None) -> List[str]:
        """The keys of the token credentials (of ``consumer_key``'s alone if given), sorted."""
        return self._pool.column(*_token_keys(consumer_key))

    def close(self) -> None:
        """Close the idle connections; the next call opens others."""
        self._pool.close()


# ------------------------------------------------------------------ async


class _AsyncPool:
    """:class:`_Pool` for one event loop: opened in the loop that first uses it, again in a new loop.

    Python 3.9's asyncio objects bind to the loop they are made in, so nothing
    is made before a loop runs.
    """

    def __init__(self, connect: Callable[[], Awaitable[psycopg.AsyncConnection[Any]]], size: int) -> None:
        self._connect = connect
        self._size = size
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._slots: Optional[asyncio.Semaphore] = None
        self._idle: List[psycopg.AsyncConnection[Any]] = []
        self._schema_made = False

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """A connection of the running loop for the block, in autocommit mode."""
        slots = self._slots_of(asyncio.get_running_loop())
        try:
            await asyncio.wait_for(slots.acquire(), _TIMEOUT)
        except asyncio.TimeoutError:
            raise TimeoutError(f"All {self._size} connections to PostgreSQL stayed busy for {_TIMEOUT} s.") from None
        try:
            connection = self._idle.pop() if self._idle else await self._open()
            try:
                yield connection
            except BaseException:
                await connection.close()
                raise
            self._idle.append(connection)
        finally:
            slots.release()

    async def run(self, *statements: _Statement) -> Optional[Tuple[Any, ...]]:
        """Run the statements in one transaction; the first row of the last one (None if it has none)."""
        async with self.connection() as connection, connection.transaction():
            for sql, parameters in statements:
                cursor = await connection.execute(sql, parameters)
            row: Optional[Tuple[Any, ...]] = await cursor.fetchone() if cursor.description else None
            return row

    async def column(self, sql: str, parameters: Sequence[Any]) -> List[str]:
        """The first column of every row of one query."""
        async with self.connection() as connection:
            cursor = await connection.execute(sql, parameters)
            return [row[0] for row in await cursor.fetchall()]

    async def close(self) -> None:
        """Close the idle connections."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    def _slots_of(self, loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
        if self._slots is None or self._loop is not loop:
            # Connections of a loop that ended cannot be closed from this one: dropped.
            self._loop, self._slots, self._idle = loop, asyncio.Semaphore(self._size), []
        return self._slots

    async def _open(self) -> psycopg.AsyncConnection[Any]:
        connection = await self._connect()
        try:
            await connection.set_autocommit(True)
            if not self._schema_made:
                async with connection.transaction():
                    await connection.execute(_SCHEMA_LOCK)
                    for statement in _SCHEMA:
                        await connection.execute(statement)
                self._schema_made = True
        except BaseException:
            await connection.close()
            raise
        return connection


def _async_connector(
    conninfo: str, connect: Optional[Callable[[], Awaitable[psycopg.AsyncConnection[Any]]]], store: str
) -> Callable[[], Awaitable[psycopg.AsyncConnection[Any]]]:
    if connect is not None:
        return connect
    psycopg = _psycopg(store)
    options = _connect_options(psycopg, conninfo)
    return lambda: psycopg.AsyncConnection.connect(conninfo, autocommit=True, **options)


class AsyncPostgresNonceStore:
    """:class:`PostgresNonceStore` on ``psycopg.AsyncConnection``, for :meth:`oauth2.Server.verify_request_async`.

    The same arguments and table; ``connect``, if given, is a coroutine
    function returning a ``psycopg.AsyncConnection``.
    """

    def __init__(
        self,
        conninfo: str = "",
        *,
        connect: Optional[Callable[[], Awaitable[psycopg.AsyncConnection[Any]]]] = None,
        pool_size: int = 4,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._pool = _AsyncPool(_async_connector(conninfo, connect, type(self).__name__), pool_size)
        self._clock = clock

    async def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        """Record the combination for ``ttl`` seconds; False if it is already there."""
        statements = _nonce_statements(self._clock, consumer_key, token, timestamp, nonce, ttl)
        return await self._pool.run(*statements) is not None

    async def close(self) -> None:
        """Close the idle connections; the next call opens others."""
        await self._pool.close()


class AsyncPostgresStore:
    """:class:`PostgresStore` on ``psycopg.AsyncConnection``, for the kit's ``*_async`` endpoints.

    The same arguments, tables and rules; ``connect``, if given, is a
    coroutine function returning a ``psycopg.AsyncConnection``. Connections are
    opened in the running event loop, at first use. ``nonces`` is an
    :class:`AsyncPostgresNonceStore` on the same connections.
    """

    def __init__(
        self,
        conninfo: str = "",
        *,
        connect: Optional[Callable[[], Awaitable[psycopg.AsyncConnection[Any]]]] = None,
        pool_size: int = 4,
        clock: Callable[[], float] = time.time,
    ) -> None:
        nonces = AsyncPostgresNonceStore(conninfo, connect=connect, pool_size=pool_size, clock=clock)
        self.nonces = nonces
        self._pool = nonces._pool
        self._clock = clock

    async def add_consumer(self, consumer: ConsumerRecord) -> None:
        """Register ``consumer``, replacing the one with the same key."""
        await self._pool.run((_ADD_CONSUMER, _consumer_row(consumer)))

    async def get_consumer(self, key: str) -> Optional[ConsumerRecord]:
        """The consumer registered as ``key``; None if there is none."""
        return _consumer(await self._pool.run((_GET_CONSUMER, (key,))))

    async def add_temporary(self, credentials: TemporaryCredentials) -> None:
        """Keep new temporary credentials; delete a batch of expired ones."""
        forget = (_FORGET_EXPIRED_TEMPORARY, (self._clock(),))
        await self._pool.run(forget, (_ADD_TEMPORARY, _temporary_row(credentials)))

    async def get_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """The temporary credentials ``key``; None if unknown."""
        return _temporary(await self._pool.run((_GET_TEMPORARY, (key,))))

    async def authorize_temporary(self, key: str, user: str, verifier: str) -> Optional[TemporaryCredentials]:
        """Record ``user`` and ``verifier`` if no user authorized the credentials yet; None otherwise."""
        return _temporary(await self._pool.run((_AUTHORIZE_TEMPORARY, (user, verifier, key))))

    async def take_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """Remove the temporary credentials ``key`` and return them; None if unknown."""
        return _temporary(await self._pool.run((_TAKE_TEMPORARY, (key,))))

    async def add_token(self, credentials: TokenCredentials) -> None:
        """Keep new token credentials."""
        await self._pool.run((_ADD_ACCESS, _token_row(credentials)))

    async def get_token(self, key: str) -> Optional[TokenCredentials]:
        """The token credentials ``key``, revoked or not; None if unknown."""
        return _token(await self._pool.run((_GET_ACCESS, (key,))))

    async def revoke_token(self, key: str) -> bool:
        """Mark the token credentials ``key`` revoked; False if unknown."""
        return await self._pool.run((_REVOKE_ACCESS, (key,))) is not None

    async def consumer_keys(self) -> List[str]:
        """The keys of the registered consumers, sorted."""
        return await self._pool.column(_CONSUMER_KEYS, ())

    async def remove_consumer(self, key: str) -> bool:
        """Unregister the consumer ``key`` and delete its token and temporary credentials; False if unknown."""
        return await self._pool.run(*_remove_consumer(key)) is not None

    async def token_keys(self, consumer_key: Optional[str] = None) -> List[str]:
        """The keys of the token credentials (of ``consumer_key``'s alone if given), sorted."""
        return await self._pool.column(*_token_keys(consumer_key))

    async def close(self) -> None:
        """Close the idle connections; the next call opens others."""
        await self._pool.close()
