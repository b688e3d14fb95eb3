"""The provider kit: OAuth 1.0a endpoints (RFC 5849 §2) and the stores behind them.

See README's "Running a provider". The store protocol is in :mod:`oauth2.kit.stores`.
"""

from __future__ import annotations

from oauth2.kit.endpoints import (
    Access,
    CallbackRejected,
    ConsumerKeyUnknown,
    Decision,
    Endpoints,
    PendingAuthorization,
    PermissionUnknown,
    Response,
    TokenExpired,
    TokenRevoked,
    TokenUsed,
    VerifierInvalid,
)
from oauth2.kit.memory import MemoryStore
from oauth2.kit.postgres import AsyncPostgresStore, PostgresStore
from oauth2.kit.redis import AsyncRedisStore, RedisStore
from oauth2.kit.sqlite import SQLiteStore
from oauth2.kit.stores import (
    OOB,
    AsyncProviderStore,
    ConsumerRecord,
    ProviderStore,
    TemporaryCredentials,
    TokenCredentials,
)

__all__ = [
    "Endpoints",
    "Response",
    "Access",
    "PendingAuthorization",
    "Decision",
    "MemoryStore",
    "SQLiteStore",
    "PostgresStore",
    "AsyncPostgresStore",
    "RedisStore",
    "AsyncRedisStore",
    "ConsumerKeyUnknown",
    "TokenExpired",
    "TokenUsed",
    "TokenRevoked",
    "VerifierInvalid",
    "PermissionUnknown",
    "CallbackRejected",
    "OOB",
    "AsyncProviderStore",
    "ConsumerRecord",
    "ProviderStore",
    "TemporaryCredentials",
    "TokenCredentials",
]
