"""A provider store in the memory of one process: for tests, demos and single-process providers."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from typing import Callable, Dict, List, Optional

import oauth2
from oauth2.kit.stores import ConsumerRecord, TemporaryCredentials, TokenCredentials

__all__ = ["MemoryStore"]


class MemoryStore:
    """A thread-safe :class:`~oauth2.kit.stores.ProviderStore` in memory (lost when the process ends).

    Every operation holds one lock, so that ``authorize_temporary`` and
    ``take_temporary`` are atomic between the threads of the process. Expired
    temporary credentials are dropped as new ones are added. Its ``nonces``
    is a :class:`oauth2.MemoryNonceStore`. For several processes, use
    :class:`oauth2.kit.SQLiteStore`.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.nonces: oauth2.NonceStore = oauth2.MemoryNonceStore(clock=clock)
        self._clock = clock
        self._consumers: Dict[str, ConsumerRecord] = {}
        # In the order they were added: with one lifetime for all, the soonest to expire come first.
        self._temporary: OrderedDict[str, TemporaryCredentials] = OrderedDict()
        self._tokens: Dict[str, TokenCredentials] = {}
        self._lock = threading.Lock()

    def add_consumer(self, consumer: ConsumerRecord) -> None:
        """Register ``consumer``, replacing the one with the same key."""
        with self._lock:
            self._consumers[consumer.key] = consumer

    def get_consumer(self, key: str) -> Optional[ConsumerRecord]:
        """The consumer registered as ``key``; None if there is none."""
        with self._lock:
            return self._consumers.get(key)

    def add_temporary(self, credentials: TemporaryCredentials) -> None:
        """Keep new temporary credentials; drop the expired ones at the front."""
        now = self._clock()
        with self._lock:
            while self._temporary:
                oldest = next(iter(self._temporary.values()))
                if oldest.expires_at > now:
                    break
                self._temporary.popitem(last=False)
            self._temporary[credentials.key] = credentials

    def get_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """The temporary credentials ``key``; None if unknown."""
        with self._lock:
            return self._temporary.get(key)

    def authorize_temporary(self, key: str, user: str, verifier: str) -> Optional[TemporaryCredentials]:
        """Record ``user`` and ``verifier`` if no user authorized the credentials yet; None otherwise."""
        with self._lock:
            credentials = self._temporary.get(key)
            if credentials is None or credentials.authorized:
                return None
            authorized = dataclasses.replace(credentials, user=user, verifier=verifier)
            self._temporary[key] = authorized
            return authorized

    def take_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """Remove the temporary credentials ``key`` and return them; None if unknown."""
        with self._lock:
            return self._temporary.pop(key, None)

    def add_token(self, credentials: TokenCredentials) -> None:
        """Keep new token credentials."""
        with self._lock:
            self._tokens[credentials.key] = credentials

    def get_token(self, key: str) -> Optional[TokenCredentials]:
        """The token credentials ``key``, revoked or not; None if unknown."""
        with self._lock:
            return self._tokens.get(key)

    def revoke_token(self, key: str) -> bool:
        """Mark the token credentials ``key`` revoked; False if unknown."""
        with self._lock:
            credentials = self._tokens.get(key)
            if credentials is None:
                return False
            self._tokens[key] = dataclasses.replace(credentials, revoked=True)
            return True

    def consumer_keys(self) -> List[str]:
        """The keys of the registered consumers, sorted."""
        with self._lock:
            return sorted(self._consumers)

    def remove_consumer(self, key: str) -> bool:
        """Unregister the consumer ``key`` and delete its token and temporary credentials; False if unknown."""
        with self._lock:
            for credentials in (self._tokens, self._temporary):
                for issued in [k for k, record in credentials.items() if record.consumer_key == key]:
                    del credentials[issued]
            return self._consumers.pop(key, None) is not None

    def token_keys(self, consumer_key: Optional[str] = None) -> List[str]:
        """The keys of the token credentials (of ``consumer_key``'s alone if given), sorted."""
        with self._lock:
            return sorted(k for k, token in self._tokens.items() if consumer_key in (None, token.consumer_key))
