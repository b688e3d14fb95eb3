"""The provider kit: OAuth 1.0a endpoints (RFC 5849 §2) and the stores behind them.

See README's "Running a provider". The store protocol is in :mod:`oauth2.kit.stores`.
"""

from __future__ import annotations

from oauth2.kit.stores import (
    OOB,
    AsyncProviderStore,
    ConsumerRecord,
    ProviderStore,
    TemporaryCredentials,
    TokenCredentials,
)

__all__ = [
    "OOB",
    "AsyncProviderStore",
    "ConsumerRecord",
    "ProviderStore",
    "TemporaryCredentials",
    "TokenCredentials",
]
