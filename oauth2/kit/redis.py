"""Provider stores in Redis (the ``redis`` extra): for providers on several hosts sharing one Redis.

:class:`RedisStore` is the blocking store (``redis.Redis``),
:class:`AsyncRedisStore` the async one (``redis.asyncio``). Both keep every
record under one key prefix: consumers as JSON strings, temporary and token
credentials as hashes; temporary credentials expire with their ``expires_at``
(a TTL). Sets under ``prefix + "index:"`` list the consumers and the token
credentials (all, and each consumer's), a sorted set each consumer's
temporary credentials, kept in the same transactions as the records, so that
listing and removing scan no keyspace. Their ``nonces`` are an
:class:`oauth2.RedisNonceStore` / :class:`oauth2.AsyncRedisNonceStore` on the
same client.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

import oauth2
from oauth2.kit.stores import ConsumerRecord, TemporaryCredentials, TokenCredentials

__all__ = ["RedisStore", "AsyncRedisStore"]

# Each a single script, so atomic in Redis: of the clients racing on one key, one changes or takes it.
# KEYS: the credentials. ARGV: user, verifier. The hash after the change, or nil.
_AUTHORIZE = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'verifier') == 1 then return false end
redis.call('HSET', KEYS[1], 'user', ARGV[1], 'verifier', ARGV[2])
return redis.call('HGETALL', KEYS[1])
"""
# KEYS: the credentials. ARGV: the prefix of the consumers' temporary indexes, the credentials' key.
# The hash before its deletion (empty if there was none); its entry in its consumer's index goes too.
_TAKE = """
local fields = redis.call('HGETALL', KEYS[1])
if #fields > 0 then
  redis.call('ZREM', ARGV[1] .. redis.call('HGET', KEYS[1], 'consumer_key'), ARGV[2])
  redis.call('DEL', KEYS[1])
end
return fields
"""
# KEYS: the token credentials. 1 if they were there.
_REVOKE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'revoked', '1')
return 1
"""
# KEYS: the consumer, the set of consumer keys. ARGV: the consumer key. 1 if it was registered.
_REMOVE_CONSUMER = """
local removed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return removed
"""
# A bounded batch of a removed consumer's credentials, so that no script holds Redis long; the credentials' own
# keys are built here from the prefixes (a standalone Redis, as for the scripts above, is assumed).
# KEYS: the consumer's token set, the set of all tokens, the consumer's temporary sorted set.
# ARGV: the prefix of token keys, of temporary keys, the batch size. How many were deleted.
_FORGET_ISSUED = """
local tokens = redis.call('SPOP', KEYS[1], ARGV[3])
for _, key in ipairs(tokens) do
  redis.call('DEL', ARGV[1] .. key)
  redis.call('SREM', KEYS[2], key)
end
local temporary = redis.call('ZPOPMIN', KEYS[3], ARGV[3])
for i = 1, #temporary, 2 do redis.call('DEL', ARGV[2] .. temporary[i]) end
return #tokens + #temporary / 2
"""
#: Credentials deleted per script call when a consumer is removed.
_BATCH = 500


def _consumer_value(consumer: ConsumerRecord) -> str:
    methods = None if consumer.signature_methods is None else sorted(consumer.signature_methods)
    return json.dumps([
        consumer.key,
        consumer.secret,
        consumer.rsa_public_key,
        list(consumer.callbacks),
        list(consumer.callback_prefixes),
        methods,
    ])


def _consumer(value: Optional[bytes]) -> Optional[ConsumerRecord]:
    if value is None:
        return None
    key, secret, rsa_public_key, callbacks, prefixes, methods = json.loads(value)
    methods = None if methods is None else frozenset(methods)
    return ConsumerRecord(key, secret, rsa_public_key, tuple(callbacks), tuple(prefixes), methods)


def _temporary_fields(credentials: TemporaryCredentials) -> Dict[str, str]:
    c = credentials
    fields = {"key": c.key, "secret": c.secret, "consumer_key": c.consumer_key, "callback": c.callback,
              "expires_at": repr(float(c.expires_at))}
    if c.user is not None:
        fields["user"] = c.user
    if c.verifier is not None:
        fields["verifier"] = c.verifier
    return fields


def _text(fields: Mapping[bytes, bytes], name: str) -> Optional[str]:
    value = fields.get(name.encode())
    return None if value is None else value.decode()


def _as_mapping(reply: Any) -> Dict[bytes, bytes]:
    """A hash as ``HGETALL`` answers it: a dict from the client, a flat list from a script, nil from a script."""
    if isinstance(reply, dict):
        return reply
    pairs = list(reply or ())
    return dict(zip(pairs[::2], pairs[1::2]))


def _temporary(reply: Any) -> Optional[TemporaryCredentials]:
    fields = _as_mapping(reply)
    if not fields:
        return None
    return TemporaryCredentials(
        fields[b"key"].decode(),
        fields[b"secret"].decode(),
        fields[b"consumer_key"].decode(),
        fields[b"callback"].decode(),
        float(fields[b"expires_at"]),
        _text(fields, "user"),
        _text(fields, "verifier"),
    )


def _token_fields(credentials: TokenCredentials) -> Dict[str, str]:
    c = credentials
    return {"key": c.key, "secret": c.secret, "consumer_key": c.consumer_key, "user": c.user,
            "issued_at": repr(float(c.issued_at)), "revoked": "1" if c.revoked else "0"}


def _token(reply: Any) -> Optional[TokenCredentials]:
    fields = _as_mapping(reply)
    if not fields:
        return None
    return TokenCredentials(
        fields[b"key"].decode(),
        fields[b"secret"].decode(),
        fields[b"consumer_key"].decode(),
        fields[b"user"].decode(),
        float(fields[b"issued_at"]),
        fields[b"revoked"] == b"1",
    )


class _Keys:
    """The key of each record: the prefix, then its kind, then its key (the kinds are told apart before the key)."""

    def __init__(self, prefix: str, clock: Callable[[], float]) -> None:
        self.prefix = prefix
        self.clock = clock

    def consumer(self, key: str) -> str:
        return f"{self.prefix}consumer:{key}"

    def temporary(self, key: str) -> str:
        return f"{self.prefix}temporary:{key}"

    def token(self, key: str) -> str:
        return f"{self.prefix}token:{key}"

    def consumers(self) -> str:
        """The set of the consumer keys."""
        return f"{self.prefix}index:consumers"

    def tokens(self) -> str:
        """The set of the token keys."""
        return f"{self.prefix}index:tokens"

    def tokens_of(self, consumer_key: str) -> str:
        """The set of the token keys of one consumer."""
        return f"{self.prefix}index:tokens-of:{consumer_key}"

    def temporary_of(self, consumer_key: str) -> str:
        """The temporary keys of one consumer, scored by their ``expires_at``."""
        return f"{self.prefix}index:temporary-of:{consumer_key}"

    def take(self, key: str) -> Dict[str, Any]:
        """The arguments of the ``_TAKE`` script for the temporary credentials ``key``."""
        return {"keys": [self.temporary(key)], "args": [self.temporary_of(""), key]}

    def token_set(self, consumer_key: Optional[str]) -> str:
        return self.tokens() if consumer_key is None else self.tokens_of(consumer_key)

    def forget_issued(self, consumer_key: str) -> Dict[str, Any]:
        """The arguments of the ``_FORGET_ISSUED`` script for one consumer."""
        keys = [self.tokens_of(consumer_key), self.tokens(), self.temporary_of(consumer_key)]
        return {"keys": keys, "args": [self.token(""), self.temporary(""), _BATCH]}

    def ttl(self, credentials: TemporaryCredentials) -> int:
        """Whole seconds until ``expires_at`` (rounded up, at least 1): Redis keeps them that long."""
        return max(1, math.ceil(credentials.expires_at - self.clock()))


def _add_temporary(pipeline: Any, keys: _Keys, credentials: TemporaryCredentials) -> None:
    """Queue the commands that keep temporary credentials and index them (forgetting expired index entries)."""
    key = keys.temporary(credentials.key)
    index = keys.temporary_of(credentials.consumer_key)
    pipeline.hset(key, mapping=_temporary_fields(credentials))
    pipeline.expire(key, keys.ttl(credentials))
    pipeline.zremrangebyscore(index, "-inf", keys.clock())
    pipeline.zadd(index, {credentials.key: credentials.expires_at})


def _add_token(pipeline: Any, keys: _Keys, credentials: TokenCredentials) -> None:
    """Queue the commands that keep token credentials and index them."""
    pipeline.hset(keys.token(credentials.key), mapping=_token_fields(credentials))
    pipeline.sadd(keys.tokens(), credentials.key)
    pipeline.sadd(keys.tokens_of(credentials.consumer_key), credentials.key)


def _add_consumer(pipeline: Any, keys: _Keys, consumer: ConsumerRecord) -> None:
    pipeline.set(keys.consumer(consumer.key), _consumer_value(consumer))
    pipeline.sadd(keys.consumers(), consumer.key)


def _sorted(members: Iterable[bytes]) -> List[str]:
    return sorted(member.decode() for member in members)


class RedisStore:
    """A :class:`~oauth2.kit.stores.ProviderStore` in Redis (``redis.Redis``), for providers on several hosts.

    ``RedisStore(client=None, *, url=None, prefix="oauth2:kit:", clock=time.time)``:
    ``url=`` builds a client that fails fast, as :class:`oauth2.RedisNonceStore`
    does (0.5 s timeouts: a Redis that is down or hung is a 503 within about a
    second); a ``client`` is used as given. The single-use operations are one
    Lua script each, atomic in Redis. Temporary credentials expire in Redis at
    their ``expires_at``. ``nonces`` is an :class:`oauth2.RedisNonceStore` on the
    same client, under ``prefix + "nonce:"``.

    Consumers and token credentials live as long as Redis keeps its data: run
    Redis with persistence (``appendonly yes``) to keep them over a restart, or
    keep them in another store (a :class:`PostgresStore`) and Redis for the
    short-lived records alone.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        url: Optional[str] = None,
        prefix: str = "oauth2:kit:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.nonces: oauth2.NonceStore = oauth2.RedisNonceStore(
            client, url=url, prefix=prefix + "nonce:", clock=clock
        )
        self.client: Any = self.nonces.client
        self._keys = _Keys(prefix, clock)
        self._authorize = self.client.register_script(_AUTHORIZE)
        self._take = self.client.register_script(_TAKE)
        self._revoke = self.client.register_script(_REVOKE)
        self._remove_consumer = self.client.register_script(_REMOVE_CONSUMER)
        self._forget_issued = self.client.register_script(_FORGET_ISSUED)

    def add_consumer(self, consumer: ConsumerRecord) -> None:
        """Register ``consumer``, replacing the one with the same key."""
        with self.client.pipeline(transaction=True) as pipeline:
            _add_consumer(pipeline, self._keys, consumer)
            pipeline.execute()

    def get_consumer(self, key: str) -> Optional[ConsumerRecord]:
        """The consumer registered as ``key``; None if there is none."""
        return _consumer(self.client.get(self._keys.consumer(key)))

    def add_temporary(self, credentials: TemporaryCredentials) -> None:
        """Keep new temporary credentials until their ``expires_at``."""
        with self.client.pipeline(transaction=True) as pipeline:
            _add_temporary(pipeline, self._keys, credentials)
            pipeline.execute()

    def get_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """The temporary credentials ``key``; None if unknown (or expired in Redis)."""
        return _temporary(self.client.hgetall(self._keys.temporary(key)))

    def authorize_temporary(self, key: str, user: str, verifier: str) -> Optional[TemporaryCredentials]:
        """Record ``user`` and ``verifier`` if no user authorized the credentials yet; None otherwise."""
        return _temporary(self._authorize(keys=[self._keys.temporary(key)], args=[user, verifier]))

    def take_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """Remove the temporary credentials ``key`` and return them; None if unknown."""
        return _temporary(self._take(**self._keys.take(key)))

    def add_token(self, credentials: TokenCredentials) -> None:
        """Keep new token credentials."""
        with self.client.pipeline(transaction=True) as pipeline:
            _add_token(pipeline, self._keys, credentials)
            pipeline.execute()

    def get_token(self, key: str) -> Optional[TokenCredentials]:
        """The token credentials ``key``, revoked or not; None if unknown."""
        return _token(self.client.hgetall(self._keys.token(key)))

    def revoke_token(self, key: str) -> bool:
        """Mark the token credentials ``key`` revoked; False if unknown."""
        return bool(self._revoke(keys=[self._keys.token(key)]))

    def consumer_keys(self) -> List[str]:
        """The keys of the registered consumers, sorted."""
        return _sorted(self.client.smembers(self._keys.consumers()))

    def remove_consumer(self, key: str) -> bool:
        """Unregister the consumer ``key``, then delete its token and temporary credentials; False if unknown."""
        removed = bool(self._remove_consumer(keys=[self._keys.consumer(key), self._keys.consumers()], args=[key]))
        while self._forget_issued(**self._keys.forget_issued(key)):
            pass
        return removed

    def token_keys(self, consumer_key: Optional[str] = None) -> List[str]:
        """The keys of the token credentials (of ``consumer_key``'s alone if given), sorted."""
        return _sorted(self.client.smembers(self._keys.token_set(consumer_key)))


class _LoopClient:
    """An async client, its nonce store and scripts, made for one event loop."""

    def __init__(self, nonces: Any) -> None:
        self.nonces = nonces
        self.client = nonces.client
        self.authorize = self.client.register_script(_AUTHORIZE)
        self.take = self.client.register_script(_TAKE)
        self.revoke = self.client.register_script(_REVOKE)
        self.remove_consumer = self.client.register_script(_REMOVE_CONSUMER)
        self.forget_issued = self.client.register_script(_FORGET_ISSUED)


class _AsyncNonces:
    """The ``nonces`` of an :class:`AsyncRedisStore`: its :class:`oauth2.AsyncRedisNonceStore` of the running loop."""

    def __init__(self, store: AsyncRedisStore) -> None:
        self._store = store

    async def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        """Record the combination for ``ttl`` seconds; False if it is already there."""
        added: bool = await self._store._loop_client().nonces.add(consumer_key, token, timestamp, nonce, ttl)
        return added


class AsyncRedisStore:
    """:class:`RedisStore` on ``redis.asyncio``, for the kit's ``*_async`` endpoints.

    The same arguments, keys and scripts; ``client`` is a ``redis.asyncio.Redis``.
    With ``url=``, the client (one that fails fast) is made in the running event
    loop at first use, and again in a new loop: Python 3.9's asyncio objects
    belong to the loop they are made in. ``nonces`` awaits an
    :class:`oauth2.AsyncRedisNonceStore` on the same client.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        url: Optional[str] = None,
        prefix: str = "oauth2:kit:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._url = url
        self._keys = _Keys(prefix, clock)
        self._made: Optional[Tuple[Optional[asyncio.AbstractEventLoop], _LoopClient]] = None
        if client is not None:
            self._made = (None, self._make())
        self.nonces = _AsyncNonces(self)

    async def add_consumer(self, consumer: ConsumerRecord) -> None:
        """Register ``consumer``, replacing the one with the same key."""
        async with self._loop_client().client.pipeline(transaction=True) as pipeline:
            _add_consumer(pipeline, self._keys, consumer)
            await pipeline.execute()

    async def get_consumer(self, key: str) -> Optional[ConsumerRecord]:
        """The consumer registered as ``key``; None if there is none."""
        return _consumer(await self._loop_client().client.get(self._keys.consumer(key)))

    async def add_temporary(self, credentials: TemporaryCredentials) -> None:
        """Keep new temporary credentials until their ``expires_at``."""
        async with self._loop_client().client.pipeline(transaction=True) as pipeline:
            _add_temporary(pipeline, self._keys, credentials)
            await pipeline.execute()

    async def get_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """The temporary credentials ``key``; None if unknown (or expired in Redis)."""
        return _temporary(await self._loop_client().client.hgetall(self._keys.temporary(key)))

    async def authorize_temporary(self, key: str, user: str, verifier: str) -> Optional[TemporaryCredentials]:
        """Record ``user`` and ``verifier`` if no user authorized the credentials yet; None otherwise."""
        script = self._loop_client().authorize
        return _temporary(await script(keys=[self._keys.temporary(key)], args=[user, verifier]))

    async def take_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """Remove the temporary credentials ``key`` and return them; None if unknown."""
        return _temporary(await self._loop_client().take(**self._keys.take(key)))

    async def add_token(self, credentials: TokenCredentials) -> None:
        """Keep new token credentials."""
        async with self._loop_client().client.pipeline(transaction=True) as pipeline:
            _add_token(pipeline, self._keys, credentials)
            await pipeline.execute()

    async def get_token(self, key: str) -> Optional[TokenCredentials]:
        """The token credentials ``key``, revoked or not; None if unknown."""
        return _token(await self._loop_client().client.hgetall(self._keys.token(key)))

    async def revoke_token(self, key: str) -> bool:
        """Mark the token credentials ``key`` revoked; False if unknown."""
        return bool(await self._loop_client().revoke(keys=[self._keys.token(key)]))

    async def consumer_keys(self) -> List[str]:
        """The keys of the registered consumers, sorted."""
        return _sorted(await self._loop_client().client.smembers(self._keys.consumers()))

    async def remove_consumer(self, key: str) -> bool:
        """Unregister the consumer ``key``, then delete its token and temporary credentials; False if unknown."""
        made = self._loop_client()
        removed = bool(await made.remove_consumer(keys=[self._keys.consumer(key), self._keys.consumers()], args=[key]))
        while await made.forget_issued(**self._keys.forget_issued(key)):
            pass
        return removed

    async def token_keys(self, consumer_key: Optional[str] = None) -> List[str]:
        """The keys of the token credentials (of ``consumer_key``'s alone if given), sorted."""
        return _sorted(await self._loop_client().client.smembers(self._keys.token_set(consumer_key)))

    def _loop_client(self) -> _LoopClient:
        """The client of the running loop (the given client whatever the loop)."""
        made = self._made
        if self._client is not None and made is not None:
            return made[1]
        loop = asyncio.get_running_loop()
        if made is None or made[0] is not loop:
            made = self._made = (loop, self._make())
        return made[1]

    def _make(self) -> _LoopClient:
        nonces = oauth2.AsyncRedisNonceStore(
            self._client, url=self._url, prefix=self._keys.prefix + "nonce:", clock=self._keys.clock
        )
        return _LoopClient(nonces)

