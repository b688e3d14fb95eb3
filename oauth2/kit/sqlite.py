"""A provider store in one SQLite file, shared by every worker process of one machine."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from typing import Any, Callable, List, Optional, Sequence, Union

import oauth2
from oauth2.kit.stores import ConsumerRecord, TemporaryCredentials, TokenCredentials

__all__ = ["SQLiteStore"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS oauth2_consumers (key TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    " rsa_public_key TEXT, callbacks TEXT NOT NULL, callback_prefixes TEXT NOT NULL, signature_methods TEXT)",
    "CREATE TABLE IF NOT EXISTS oauth2_temporary (key TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    " consumer_key TEXT NOT NULL, callback TEXT NOT NULL, expires_at REAL NOT NULL, user TEXT, verifier TEXT)",
    "CREATE INDEX IF NOT EXISTS oauth2_temporary_expires ON oauth2_temporary (expires_at)",
    "CREATE TABLE IF NOT EXISTS oauth2_tokens (key TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    " consumer_key TEXT NOT NULL, user TEXT NOT NULL, issued_at REAL NOT NULL, revoked INTEGER NOT NULL)",
)
_TEMPORARY = (
    "SELECT key, secret, consumer_key, callback, expires_at, user, verifier FROM oauth2_temporary WHERE key = ?"
)
# A bounded batch per insert, by the index: more than the one row each insert adds, so expired rows never pile up.
_FORGET_EXPIRED = (
    "DELETE FROM oauth2_temporary WHERE key IN"
    " (SELECT key FROM oauth2_temporary WHERE expires_at <= ? ORDER BY expires_at LIMIT 64)"
)


class SQLiteStore:
    """A :class:`~oauth2.kit.stores.ProviderStore` in one SQLite file (stdlib ``sqlite3``).

    The embedded default for a provider whose workers (gunicorn, ``uvicorn
    --workers``) share one machine: every process opens the same file. The
    single-use operations run in one write transaction (``BEGIN IMMEDIATE``:
    read, then update or delete), so that of the processes racing on one
    verifier exactly one gets the credentials; this needs no ``RETURNING``,
    so it holds with any SQLite. The file is in WAL mode, created readable by
    its owner alone (it holds the secrets); a write waits up to ``timeout``
    seconds for another one, then raises ``sqlite3.Error``, which the kit
    answers with 503. ``nonces`` is an :class:`oauth2.SQLiteNonceStore` on the
    same file.

    Safe across threads (one connection per process, behind a lock) and
    across ``fork`` (a child opens its own connection). Use a local disk:
    SQLite's locks do not hold on network file systems.
    """

    def __init__(
        self, path: Union[str, os.PathLike[str]], *, timeout: float = 5.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout
        self._clock = clock
        if self.path != ":memory:":
            # Created for its owner alone before SQLite opens it: it holds every secret.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        # One connection per process serves the nonces and these tables (opened here: an unwritable path fails
        # when the provider starts); the tables are the file's, so they are made once, not per connection.
        self._file = oauth2.SQLiteNonceStore(self.path, timeout=timeout, clock=clock)
        self.nonces: oauth2.NonceStore = self._file
        lock, connection = self._file.connection()
        with lock, _transaction(connection):
            for statement in _SCHEMA:
                connection.execute(statement)

    def add_consumer(self, consumer: ConsumerRecord) -> None:
        """Register ``consumer``, replacing the one with the same key."""
        methods = None if consumer.signature_methods is None else json.dumps(sorted(consumer.signature_methods))
        row = (
            consumer.key,
            consumer.secret,
            consumer.rsa_public_key,
            json.dumps(list(consumer.callbacks)),
            json.dumps(list(consumer.callback_prefixes)),
            methods,
        )
        self._write("INSERT OR REPLACE INTO oauth2_consumers VALUES (?, ?, ?, ?, ?, ?)", row)

    def get_consumer(self, key: str) -> Optional[ConsumerRecord]:
        """The consumer registered as ``key``; None if there is none."""
        row = self._read("SELECT * FROM oauth2_consumers WHERE key = ?", (key,))
        if row is None:
            return None
        methods = None if row[5] is None else frozenset(json.loads(row[5]))
        return ConsumerRecord(row[0], row[1], row[2], tuple(json.loads(row[3])), tuple(json.loads(row[4])), methods)

    def add_temporary(self, credentials: TemporaryCredentials) -> None:
        """Keep new temporary credentials; drop a batch of expired ones."""
        c = credentials
        lock, connection = self._file.connection()
        with lock, _transaction(connection):
            connection.execute(_FORGET_EXPIRED, (self._clock(),))
            connection.execute(
                "INSERT INTO oauth2_temporary VALUES (?, ?, ?, ?, ?, ?, ?)",
                (c.key, c.secret, c.consumer_key, c.callback, c.expires_at, c.user, c.verifier),
            )

    def get_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """The temporary credentials ``key``; None if unknown."""
        row = self._read(_TEMPORARY, (key,))
        return None if row is None else TemporaryCredentials(*row)

    def authorize_temporary(self, key: str, user: str, verifier: str) -> Optional[TemporaryCredentials]:
        """Record ``user`` and ``verifier`` if no user authorized the credentials yet; None otherwise."""
        lock, connection = self._file.connection()
        with lock, _transaction(connection):
            updated = connection.execute(
                "UPDATE oauth2_temporary SET user = ?, verifier = ? WHERE key = ? AND verifier IS NULL",
                (user, verifier, key),
            ).rowcount
            row = connection.execute(_TEMPORARY, (key,)).fetchone() if updated == 1 else None
        return None if row is None else TemporaryCredentials(*row)

    def take_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """Remove the temporary credentials ``key`` and return them; None if unknown."""
        lock, connection = self._file.connection()
        with lock, _transaction(connection):
            row = connection.execute(_TEMPORARY, (key,)).fetchone()
            if row is not None:
                connection.execute("DELETE FROM oauth2_temporary WHERE key = ?", (key,))
        return None if row is None else TemporaryCredentials(*row)

    def add_token(self, credentials: TokenCredentials) -> None:
        """Keep new token credentials."""
        c = credentials
        self._write(
            "INSERT INTO oauth2_tokens VALUES (?, ?, ?, ?, ?, ?)",
            (c.key, c.secret, c.consumer_key, c.user, c.issued_at, int(c.revoked)),
        )

    def get_token(self, key: str) -> Optional[TokenCredentials]:
        """The token credentials ``key``, revoked or not; None if unknown."""
        row = self._read("SELECT * FROM oauth2_tokens WHERE key = ?", (key,))
        return None if row is None else TokenCredentials(row[0], row[1], row[2], row[3], row[4], bool(row[5]))

    def revoke_token(self, key: str) -> bool:
        """Mark the token credentials ``key`` revoked; False if unknown."""
        return self._write("UPDATE oauth2_tokens SET revoked = 1 WHERE key = ?", (key,)) == 1

    def close(self) -> None:
        """Close this process's connection; the next call opens another."""
        self._file.close()

    def _read(self, sql: str, parameters: Sequence[Any]) -> Any:
        lock, connection = self._file.connection()
        with lock:
            return connection.execute(sql, parameters).fetchone()

    def _write(self, sql: str, parameters: Sequence[Any]) -> int:
        lock, connection = self._file.connection()
        with lock, _transaction(connection):
            return int(connection.execute(sql, parameters).rowcount)

    def consumer_keys(self) -> List[str]:
        """The keys of the registered consumers, sorted."""
        return self._column("SELECT key FROM oauth2_consumers ORDER BY key", ())

    def remove_consumer(self, key: str) -> bool:
        """Unregister the consumer ``key`` and delete its token and temporary credentials; False if unknown."""
        lock, connection = self._file.connection()
        with lock, _transaction(connection):
            connection.execute("DELETE FROM oauth2_tokens WHERE consumer_key = ?", (key,))
            connection.execute("DELETE FROM oauth2_temporary WHERE consumer_key = ?", (key,))
            return int(connection.execute("DELETE FROM oauth2_consumers WHERE key = ?", (key,)).rowcount) == 1

    def token_keys(self, consumer_key: Optional[str] = None) -> List[str]:
        """The keys of the token credentials (of ``consumer_key``'s alone if given), sorted."""
        if consumer_key is None:
            return self._column("SELECT key FROM oauth2_tokens ORDER BY key", ())
        return self._column("SELECT key FROM oauth2_tokens WHERE consumer_key = ? ORDER BY key", (consumer_key,))

    def _column(self, sql: str, parameters: Sequence[Any]) -> List[str]:
        lock, connection = self._file.connection()
        with lock:
            return [row[0] for row in connection.execute(sql, parameters).fetchall()]


class _transaction:
    """A write transaction (``BEGIN IMMEDIATE``: the write lock at once), committed or rolled back."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        if kind is None:
            self.connection.execute("COMMIT")
        elif self.connection.in_transaction:
            self.connection.rollback()
