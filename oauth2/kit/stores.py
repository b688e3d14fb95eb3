"""The store protocol of the provider kit: what a provider keeps, and the operations the kit needs.

A store holds four kinds of records:

* consumers (:class:`ConsumerRecord`), registered by the provider's operator;
* temporary credentials (:class:`TemporaryCredentials`, RFC 5849 §2.1), issued
  to a consumer, authorized by a user [§2.2], then exchanged once [§2.3];
* token credentials (:class:`TokenCredentials`, §2.3), which a consumer signs
  resource requests with until they are revoked;
* nonces, through ``nonces``: an :class:`oauth2.NonceStore` (or an async one
  such as :class:`oauth2.AsyncRedisNonceStore`), whose ``add`` contract is
  unchanged [§3.3].

:class:`ProviderStore` is the blocking protocol, :class:`AsyncProviderStore`
the same methods awaited. The kit decides every rule (expiry, verifier,
consumer binding, callbacks); a store only keeps records and makes the two
single-use operations atomic:

* ``authorize_temporary`` records the user and verifier only if the
  credentials are not authorized yet (one authorization, never overwritten);
* ``take_temporary`` removes the credentials and returns them in one step
  (``DELETE ... RETURNING``, a transaction, ``GETDEL``), so that of N
  requests racing to exchange them exactly one gets them. The kit compares the
  verifier afterwards (``hmac.compare_digest``): a wrong verifier has used the
  credentials up too, so a verifier can be guessed once, not repeatedly.

No method is check-then-set across two calls: ``get_temporary`` and
``get_token`` are reads for the signature check and never decide a single use.

The operator's operations (``oauth2 consumers list|remove``, ``oauth2 tokens
list``) are part of the protocol too: ``consumer_keys`` and ``token_keys``
list keys, sorted, never secrets; ``remove_consumer`` unregisters a consumer
and deletes the token and temporary credentials issued to it, so that a key
registered again later (by someone else, perhaps) never revives them. A token
the kit issues while its consumer is being removed may outlive the removal:
the kit refuses it while the key is unregistered, and removing the key again
deletes it.

What a provider must protect: a store holds the consumer and token secrets as
given, since HMAC-SHA* and PLAINTEXT signatures are checked with the secrets
themselves; whoever reads the store can sign as any consumer and user. Keep
it readable by the provider alone (file mode 0600 for SQLite, an
authenticated Redis or PostgreSQL role), never log records (their ``repr``
masks the secrets and the verifier) and back it up as a secret. A verifier is
a one-time secret as well.

Times are seconds since the epoch (``time.time()``), as floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, FrozenSet, List, Optional, Protocol, Tuple, Union, runtime_checkable

import oauth2

__all__ = [
    "OOB",
    "ConsumerRecord",
    "TemporaryCredentials",
    "TokenCredentials",
    "ProviderStore",
    "AsyncProviderStore",
]

#: The callback of a consumer that cannot receive redirects: the user copies the verifier (a PIN) [§2.1].
OOB = "oob"


@dataclass(frozen=True)
class ConsumerRecord:
    """A registered consumer (client) [§1.1, §3.4].

    * ``key``: the ``oauth_consumer_key`` it signs with.
    * ``secret``: its shared secret, for HMAC-SHA* and PLAINTEXT ("" for an
      RSA-only consumer, which those methods then refuse).
    * ``rsa_public_key``: PEM of its RSA public key or X.509 certificate, for
      RSA-SHA* signatures [§3.4.3]; None if it has none.
    * ``callbacks``: the exact callback URLs it registered; ``callback_prefixes``:
      prefixes a callback may start with (a whole origin and path, such as
      ``"https://app.example/oauth/"``). A callback matching neither is
      refused; with neither registered, only ``oob`` is accepted [§2.1].
    * ``signature_methods``: the names of the methods it may sign with
      (``{"HMAC-SHA256"}``); None accepts every method the kit's server accepts.
    """

    key: str
    secret: str = field(default="", repr=False)
    rsa_public_key: Optional[str] = field(default=None, repr=False)
    callbacks: Tuple[str, ...] = ()
    callback_prefixes: Tuple[str, ...] = ()
    signature_methods: Optional[FrozenSet[str]] = None


@dataclass(frozen=True)
class TemporaryCredentials:
    """Temporary credentials (a request token) [§2.1].

    ``callback`` is the confirmed ``oauth_callback`` (a URL, or ``oob``);
    ``expires_at`` when they stop being usable. ``user`` and ``verifier``
    are None until the resource owner authorizes them [§2.2]; the verifier is
    then bound to these credentials alone.
    """

    key: str
    secret: str = field(repr=False)
    consumer_key: str
    callback: str
    expires_at: float
    user: Optional[str] = None
    verifier: Optional[str] = field(default=None, repr=False)

    @property
    def authorized(self) -> bool:
        """Whether a user has authorized them."""
        return self.verifier is not None


@dataclass(frozen=True)
class TokenCredentials:
    """Token credentials (an access token) [§2.3], of ``user`` for ``consumer_key``.

    ``revoked`` is true once :meth:`ProviderStore.revoke_token` was called:
    the record stays, so that the kit answers ``token_revoked`` rather than
    ``token_rejected``.
    """

    key: str
    secret: str = field(repr=False)
    consumer_key: str
    user: str
    issued_at: float
    revoked: bool = False


@runtime_checkable
class ProviderStore(Protocol):
    """The blocking store protocol (see the module's documentation for the rules).

    Every method may raise any exception when the store is unavailable; the
    kit answers 503 (:class:`oauth2.ServiceUnavailable`) without showing the
    exception's message, which may name a URL or a password.
    """

    #: Where accepted nonces are remembered: an :class:`oauth2.NonceStore`.
    nonces: oauth2.NonceStore

    def add_consumer(self, consumer: ConsumerRecord) -> None:
        """Register ``consumer``, replacing the one with the same key."""

    def get_consumer(self, key: str) -> Optional[ConsumerRecord]:
        """The consumer registered as ``key``; None if there is none."""

    def add_temporary(self, credentials: TemporaryCredentials) -> None:
        """Keep new temporary credentials until ``expires_at`` at least.

        Their key is new (the kit draws 192 random bits). A store may drop
        records once their ``expires_at`` has passed.
        """

    def get_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """The temporary credentials ``key`` (expired or not: the kit checks); None if unknown."""

    def authorize_temporary(self, key: str, user: str, verifier: str) -> Optional[TemporaryCredentials]:
        """Atomically record ``user`` and ``verifier`` on credentials that no user authorized yet.

        Returns the authorized record; None if ``key`` is unknown or already
        authorized (the first authorization stands).
        """

    def take_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """Atomically remove the temporary credentials ``key`` and return them; None if unknown.

        Of calls racing on one key, exactly one gets the record.
        """

    def add_token(self, credentials: TokenCredentials) -> None:
        """Keep new token credentials (their key is new)."""

    def get_token(self, key: str) -> Optional[TokenCredentials]:
        """The token credentials ``key``, revoked or not; None if unknown."""

    def revoke_token(self, key: str) -> bool:
        """Mark the token credentials ``key`` revoked; False if unknown."""

    def consumer_keys(self) -> List[str]:
        """The keys of the registered consumers, sorted."""

    def remove_consumer(self, key: str) -> bool:
        """Unregister the consumer ``key`` and delete its token and temporary credentials; False if unknown.

        Credentials of ``key`` are deleted even when no consumer ``key`` is registered.
        """

    def token_keys(self, consumer_key: Optional[str] = None) -> List[str]:
        """The keys of the token credentials (of ``consumer_key``'s alone if given), revoked or not, sorted."""


@runtime_checkable
class AsyncProviderStore(Protocol):
    """:class:`ProviderStore` for ASGI apps: the same methods, awaited.

    ``nonces`` is an :class:`oauth2.NonceStore` (run in a thread) or an async
    one such as :class:`oauth2.AsyncRedisNonceStore`.
    """

    nonces: Union[oauth2.NonceStore, Any]

    async def add_consumer(self, consumer: ConsumerRecord) -> None:
        """Register ``consumer``, replacing the one with the same key."""

    async def get_consumer(self, key: str) -> Optional[ConsumerRecord]:
        """The consumer registered as ``key``; None if there is none."""

    async def add_temporary(self, credentials: TemporaryCredentials) -> None:
        """Keep new temporary credentials until ``expires_at`` at least."""

    async def get_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """The temporary credentials ``key`` (expired or not); None if unknown."""

    async def authorize_temporary(self, key: str, user: str, verifier: str) -> Optional[TemporaryCredentials]:
        """Atomically record ``user`` and ``verifier`` on unauthorized credentials; None otherwise."""

    async def take_temporary(self, key: str) -> Optional[TemporaryCredentials]:
        """Atomically remove the temporary credentials ``key`` and return them; None if unknown."""

    async def add_token(self, credentials: TokenCredentials) -> None:
        """Keep new token credentials."""

    async def get_token(self, key: str) -> Optional[TokenCredentials]:
        """The token credentials ``key``, revoked or not; None if unknown."""

    async def revoke_token(self, key: str) -> bool:
        """Mark the token credentials ``key`` revoked; False if unknown."""

    async def consumer_keys(self) -> List[str]:
        """The keys of the registered consumers, sorted."""

    async def remove_consumer(self, key: str) -> bool:
        """Unregister the consumer ``key`` and delete its token and temporary credentials; False if unknown."""

    async def token_keys(self, consumer_key: Optional[str] = None) -> List[str]:
        """The keys of the token credentials (of ``consumer_key``'s alone if given), revoked or not, sorted."""
