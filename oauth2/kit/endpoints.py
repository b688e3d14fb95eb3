"""The provider's endpoints [RFC 5849 §2, §3]: framework-neutral, blocking and awaitable.

Each endpoint is written once, as a generator that yields the store calls and
the signature check it needs; :class:`Endpoints` runs it against a blocking
store (``request_token``) or awaits it (``request_token_async``), so that
the two never differ in a rule.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import secrets
import time
from http import HTTPStatus
from typing import (
    Any,
    Callable,
    Dict,
    Generator,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

import oauth2
from oauth2.kit.memory import MemoryStore
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
    "ConsumerKeyUnknown",
    "TokenExpired",
    "TokenUsed",
    "TokenRevoked",
    "VerifierInvalid",
    "PermissionUnknown",
    "CallbackRejected",
]

T = TypeVar("T")

FORM_HEADERS = (("Content-Type", oauth2.FORM_CONTENT_TYPE), ("Cache-Control", "no-store"))
# The longest callback URL accepted: what browsers follow, and what a store column holds.
MAX_CALLBACK_LENGTH = 2048

_METHOD_CLASSES: Dict[str, Type[oauth2.SignatureMethod]] = {
    "HMAC-SHA1": oauth2.SignatureMethod_HMAC_SHA1,
    "HMAC-SHA256": oauth2.SignatureMethod_HMAC_SHA256,
    "HMAC-SHA512": oauth2.SignatureMethod_HMAC_SHA512,
    "PLAINTEXT": oauth2.SignatureMethod_PLAINTEXT,
}
_RSA_CLASSES: Dict[str, Any] = {
    "RSA-SHA1": oauth2.SignatureMethod_RSA_SHA1,
    "RSA-SHA256": oauth2.SignatureMethod_RSA_SHA256,
    "RSA-SHA512": oauth2.SignatureMethod_RSA_SHA512,
}


# --------------------------------------------------------------------------- refusals
# OAuth Problem Reporting names each; the classes are the oauth2 errors a provider already catches.


class ConsumerKeyUnknown(oauth2.ConsumerKeyRejected):
    """No consumer is registered with this key (401)."""

    oauth_problem = "consumer_key_unknown"


class TokenExpired(oauth2.TokenRejected):
    """The temporary credentials expired (401): the consumer starts the flow again."""

    oauth_problem = "token_expired"


class TokenUsed(oauth2.TokenRejected):
    """The temporary credentials were already authorized or exchanged (401)."""

    oauth_problem = "token_used"


class TokenRevoked(oauth2.TokenRejected):
    """The token credentials were revoked (401)."""

    oauth_problem = "token_revoked"


class VerifierInvalid(oauth2.TokenRejected):
    """The verifier is not the one issued for these temporary credentials (401); they are used up."""

    oauth_problem = "verifier_invalid"


class PermissionUnknown(oauth2.TokenRejected):
    """No user has authorized the temporary credentials yet (401)."""

    oauth_problem = "permission_unknown"


class CallbackRejected(oauth2.InvalidRequest):
    """``oauth_callback`` is not one the consumer registered (400) [§2.1]."""


# --------------------------------------------------------------------------- results


class Response(NamedTuple):
    """What to send back: ``status``, ``headers`` (name, value pairs) and ``body`` (bytes)."""

    status: int
    headers: Tuple[Tuple[str, str], ...]
    body: bytes

    @property
    def status_line(self) -> str:
        """``"200 OK"``, as WSGI's ``start_response`` takes it."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    @classmethod
    def form(
        cls, pairs: Iterable[Tuple[str, str]], status: int = 200, extra: Iterable[Tuple[str, str]] = ()
    ) -> Response:
        """A form-encoded response that no cache keeps (it may hold credentials)."""
        return cls(status, (*FORM_HEADERS, *extra), urlencode(list(pairs)).encode("ascii"))

    @classmethod
    def from_error(cls, error: oauth2.Error, realm: str = "") -> Response:
        """The answer to a refused request: its status, ``oauth_problem`` and advice (OAuth Problem Reporting).

        A 401 carries ``WWW-Authenticate`` [§3.2]. The advice is the error's
        message, which never holds a secret.
        """
        problem = [("oauth_problem", error.oauth_problem)] if error.oauth_problem else []
        pairs = [*problem, ("oauth_problem_advice", str(error))]
        extra = tuple(error.authenticate_header(realm).items()) if error.status == 401 else ()
        return cls.form(pairs, error.status, extra)


class Access(NamedTuple):
    """A verified request for a protected resource.

    ``token`` and ``user`` are None for a two-legged request (the consumer
    acting for itself); ``parameters`` are the request's non-OAuth parameters.
    """

    consumer: ConsumerRecord
    token: Optional[TokenCredentials]
    user: Optional[str]
    parameters: Dict[str, Any]


class PendingAuthorization(NamedTuple):
    """Temporary credentials waiting for the user's decision, with their consumer, for the consent page."""

    temporary: TemporaryCredentials
    consumer: ConsumerRecord


class Decision(NamedTuple):
    """The outcome of the user's decision [§2.2].

    ``redirect_url`` is where to send the user's browser (303): the
    consumer's callback with ``oauth_token`` and ``oauth_verifier``, or
    ``oauth_problem=permission_denied``; None for an ``oob`` consumer, whose
    user is shown ``verifier`` to copy (the PIN). ``verifier`` is None after
    a denial.
    """

    redirect_url: Optional[str]
    verifier: Optional[str]


# --------------------------------------------------------------------------- steps


class _Call(NamedTuple):
    """A store method to call with ``args``."""

    method: str
    args: Tuple[Any, ...]


class _Verify(NamedTuple):
    """The signature, timestamp and nonce check of ``request`` [§3.2]."""

    request: oauth2.Request
    consumer: oauth2.Consumer
    token: Optional[oauth2.Token]


_Steps = Generator[Union[_Call, _Verify], Any, T]


class _Consumer(oauth2.Consumer):
    """The consumer a signature is checked against, with its RSA public key."""

    def __init__(self, record: ConsumerRecord) -> None:
        super().__init__(record.key, record.secret)
        self.rsa_public_key = record.rsa_public_key


def _public_key_of(consumer: oauth2.Consumer) -> Optional[str]:
    return getattr(consumer, "rsa_public_key", None)


def _signature_method(name: str) -> oauth2.SignatureMethod:
    if name in _RSA_CLASSES:
        method: oauth2.SignatureMethod = _RSA_CLASSES[name](public_key_for=_public_key_of)
        return method
    if name not in _METHOD_CLASSES:
        known = ", ".join([*_METHOD_CLASSES, *_RSA_CLASSES])
        raise ValueError(f"Unknown signature method {name!r}; known: {known}.")
    return _METHOD_CLASSES[name]()


def _parameter(request: oauth2.Request, name: str) -> Optional[str]:
    """The protocol parameter ``name`` as text; None if absent; refused if sent twice [§3.1]."""
    value = request.get(name)
    if value is None or type(value) is str:
        return value
    if isinstance(value, list):
        raise oauth2.InvalidRequest(f"The OAuth parameter {name} is sent more than once.")
    return str(value)


def _required(request: oauth2.Request, name: str) -> str:
    value = _parameter(request, name)
    if not value:
        raise oauth2.MissingParameter(name)
    return value


def _new_secret() -> str:
    """192 random bits, URL-safe: a credential's key or secret."""
    return secrets.token_urlsafe(24)


def _new_pin() -> str:
    """A verifier a user can type (``oob``): 8 digits. One guess only: a wrong verifier uses the credentials up."""
    return f"{secrets.randbelow(10**8):08d}"


def _same_secret(a: str, b: str) -> bool:
    """Constant-time equality of two texts (``hmac.compare_digest`` on their UTF-8)."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def _prefix_matches(callback: str, prefix: str) -> bool:
    """``callback`` continues ``prefix`` at a boundary (``https://a.example`` never matches ``https://a.example.evil``)."""
    if not callback.startswith(prefix):
        return False
    rest = callback[len(prefix) :]
    return not rest or prefix.endswith(("/", "?", "&")) or rest[0] in "/?#"


def _check_callback(callback: str, consumer: ConsumerRecord) -> None:
    """``oauth_callback`` must be ``oob`` or a callback the consumer registered [§2.1]."""
    if callback == OOB:
        return
    if len(callback) > MAX_CALLBACK_LENGTH:
        raise CallbackRejected(f"oauth_callback is longer than {MAX_CALLBACK_LENGTH} characters.")
    if callback in consumer.callbacks:
        return
    parts = urlsplit(callback)
    # A dot segment or a backslash would take a browser out of the registered prefix's path.
    segments = unquote(parts.path).replace("\\", "/").split("/")
    if (
        parts.scheme
        and "@" not in parts.netloc
        and "\\" not in callback
        and not ({".", ".."} & set(segments))
        and any(_prefix_matches(callback, prefix) for prefix in consumer.callback_prefixes)
    ):
        return
    raise CallbackRejected(
        "oauth_callback is not a callback this consumer registered: send one of its registered callbacks, "
        "or 'oob' to show the user a PIN."
    )


def _callback_with(callback: str, pairs: List[Tuple[str, str]]) -> str:
    """``callback`` with ``pairs`` appended to its query [§2.2]."""
    scheme, netloc, path, query, fragment = urlsplit(callback)
    query = "&".join(q for q in (query, urlencode(pairs)) if q)
    return urlunsplit((scheme, netloc, path, query, fragment))


class Endpoints:
    """The endpoints of an OAuth 1.0a provider over a store [RFC 5849 §2, §3].

    ``Endpoints(store, *, signature_methods=("HMAC-SHA1", "HMAC-SHA256",
    "HMAC-SHA512"), temporary_ttl=600, realm="", clock=time.time,
    **server_options)``:

    * ``store``: a :class:`~oauth2.kit.stores.ProviderStore` (such as
      :class:`~oauth2.kit.MemoryStore`, :class:`~oauth2.kit.SQLiteStore`) or
      an :class:`~oauth2.kit.stores.AsyncProviderStore` (the ``*_async``
      methods only).
    * ``signature_methods``: the names of the methods accepted from any
      consumer (RSA-SHA* check the consumer's ``rsa_public_key`` and need
      the ``rsa`` extra); a consumer's ``signature_methods`` narrows them.
    * ``temporary_ttl``: seconds the temporary credentials stay usable, from
      their issue to their exchange.
    * ``realm``: the realm of the ``WWW-Authenticate`` headers.
    * ``server_options``: passed on to :class:`oauth2.Server`
      (``timestamp_threshold``, ``require_body_hash``, ...); its nonce store
      is ``store.nonces``.

    The endpoints, each with an ``*_async`` twin for ASGI apps:

    * :meth:`request_token` answers a temporary credentials request [§2.1];
    * :meth:`pending` and :meth:`authorize` / :meth:`deny` serve the app's
      consent page [§2.2];
    * :meth:`access_token` answers a token credentials request [§2.3];
    * :meth:`protect` verifies a request for a protected resource, three- or
      two-legged [§3];
    * :meth:`revoke` revokes token credentials.

    ``request_token`` and ``access_token`` return a :class:`Response`, a
    refusal included; the others raise an :class:`oauth2.Error`, which
    :meth:`Response.from_error` turns into one. A store that fails is a 503
    (:class:`oauth2.ServiceUnavailable`). Nothing is logged.
    """

    def __init__(
        self,
        store: Union[ProviderStore, AsyncProviderStore],
        *,
        signature_methods: Iterable[str] = ("HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512"),
        temporary_ttl: float = 600,
        realm: str = "",
        clock: Callable[[], float] = time.time,
        **server_options: Any,
    ) -> None:
        if isinstance(signature_methods, str):
            raise TypeError("signature_methods is a list of names, such as ['HMAC-SHA256'], not one string")
        if temporary_ttl <= 0:
            raise ValueError("temporary_ttl must be a positive number of seconds.")
        self.store = store
        self.temporary_ttl = temporary_ttl
        self.realm = realm
        self.clock = clock
        methods = [_signature_method(name) for name in signature_methods]
        self.server = oauth2.Server(methods, nonce_store=store.nonces, clock=clock, **server_options)
        self._blocking = _is_blocking(store)

    # ----------------------------------------------------------------- blocking

    def request_token(self, request: oauth2.Request) -> Response:
        """Answer a temporary credentials request [§2.1]: 200 with the credentials, or the refusal."""
        return self._respond(self._request_token(request))

    def pending(self, oauth_token: str) -> PendingAuthorization:
        """The temporary credentials ``oauth_token`` awaiting the user's decision, and their consumer [§2.2].

        For the consent page. Raises :class:`oauth2.TokenRejected` (unknown),
        :class:`TokenExpired` or :class:`TokenUsed` (already authorized).
        """
        return self._run(self._pending(oauth_token))

    def authorize(self, oauth_token: str, user: str) -> Decision:
        """The user ``user`` grants the consumer access: issue the verifier, bound to ``oauth_token`` [§2.2].

        Call it from the consent form's POST, with the user signed in and the
        form protected against CSRF. Returns where to redirect the user, or
        the PIN to show for ``oob``. Raises as :meth:`pending` does; of
        concurrent calls, one succeeds and the others raise :class:`TokenUsed`.
        """
        return self._run(self._authorize(oauth_token, user))

    def deny(self, oauth_token: str) -> Decision:
        """The user refuses: the temporary credentials are deleted; redirect to the callback, if any.

        The redirect carries ``oauth_problem=permission_denied`` (OAuth Problem Reporting).
        """
        return self._run(self._deny(oauth_token))

    def access_token(self, request: oauth2.Request) -> Response:
        """Answer a token credentials request [§2.3]: 200 with the token credentials, or the refusal.

        The verifier is checked in constant time, once: the temporary
        credentials are consumed by the first signed request that presents
        them, whatever its verifier.
        """
        return self._respond(self._access_token(request))

    def protect(self, request: oauth2.Request, *, two_legged: bool = False) -> Access:
        """Verify a request for a protected resource [§3]; raises an :class:`oauth2.Error` if refused.

        A request must carry token credentials (three-legged), unless
        ``two_legged`` is true: then a request signed by a consumer alone
        (no ``oauth_token``) is accepted too, acting for no user.
        """
        return self._run(self._protect(request, two_legged))

    def revoke(self, token: str) -> bool:
        """Revoke the token credentials ``token``; False if unknown."""
        return bool(self._run(self._revoke(token)))

    # ----------------------------------------------------------------- awaitable

    async def request_token_async(self, request: oauth2.Request) -> Response:
        """:meth:`request_token`, with the store awaited."""
        return await self._respond_async(self._request_token(request))

    async def pending_async(self, oauth_token: str) -> PendingAuthorization:
        """:meth:`pending`, with the store awaited."""
        return await self._run_async(self._pending(oauth_token))

    async def authorize_async(self, oauth_token: str, user: str) -> Decision:
        """:meth:`authorize`, with the store awaited."""
        return await self._run_async(self._authorize(oauth_token, user))

    async def deny_async(self, oauth_token: str) -> Decision:
        """:meth:`deny`, with the store awaited."""
        return await self._run_async(self._deny(oauth_token))

    async def access_token_async(self, request: oauth2.Request) -> Response:
        """:meth:`access_token`, with the store awaited."""
        return await self._respond_async(self._access_token(request))

    async def protect_async(self, request: oauth2.Request, *, two_legged: bool = False) -> Access:
        """:meth:`protect`, with the store awaited."""
        return await self._run_async(self._protect(request, two_legged))

    async def revoke_async(self, token: str) -> bool:
        """:meth:`revoke`, with the store awaited."""
        return bool(await self._run_async(self._revoke(token)))

    # ----------------------------------------------------------------- the endpoints, once

    def _request_token(self, request: oauth2.Request) -> _Steps[Response]:
        consumer = yield from self._consumer(request)
        callback = _required(request, "oauth_callback")
        if _parameter(request, "oauth_token"):
            raise oauth2.InvalidRequest("A temporary credentials request is signed without a token: drop oauth_token.")
        yield _Verify(request, _Consumer(consumer), None)
        _check_callback(callback, consumer)
        temporary = TemporaryCredentials(
            key=_new_secret(),
            secret=_new_secret(),
            consumer_key=consumer.key,
            callback=callback,
            expires_at=self.clock() + self.temporary_ttl,
        )
        yield _Call("add_temporary", (temporary,))
        return Response.form(
            [
                ("oauth_token", temporary.key),
                ("oauth_token_secret", temporary.secret),
                ("oauth_callback_confirmed", "true"),
            ]
        )

    def _pending(self, oauth_token: str) -> _Steps[PendingAuthorization]:
        if type(oauth_token) is not str:
            raise TypeError(f"oauth_token must be str, not {type(oauth_token).__name__}")
        temporary = yield _Call("get_temporary", (oauth_token,))
        if temporary is None:
            raise oauth2.TokenRejected("These temporary credentials are unknown: the consumer starts again.")
        self._check_fresh(temporary)
        if temporary.authorized:
            raise TokenUsed("These temporary credentials were already authorized.")
        consumer = yield _Call("get_consumer", (temporary.consumer_key,))
        if consumer is None:
            raise ConsumerKeyUnknown("The consumer of these temporary credentials is no longer registered.")
        return PendingAuthorization(temporary, consumer)

    def _authorize(self, oauth_token: str, user: str) -> _Steps[Decision]:
        if type(user) is not str or not user:
            raise TypeError("user must be a non-empty str naming the resource owner")
        pending = yield from self._pending(oauth_token)
        # A user types an oob verifier; a redirect carries it, so it can be as long as a secret.
        verifier = _new_pin() if pending.temporary.callback == OOB else _new_secret()
        temporary = yield _Call("authorize_temporary", (oauth_token, user, verifier))
        if temporary is None:
            raise TokenUsed("These temporary credentials were already authorized.")
        if temporary.callback == OOB:
            return Decision(None, temporary.verifier)
        pairs = [("oauth_token", temporary.key), ("oauth_verifier", temporary.verifier)]
        return Decision(_callback_with(temporary.callback, pairs), temporary.verifier)

    def _deny(self, oauth_token: str) -> _Steps[Decision]:
        pending = yield from self._pending(oauth_token)
        taken = yield _Call("take_temporary", (oauth_token,))
        if taken is None:
            raise TokenUsed("These temporary credentials were already used.")
        if pending.temporary.callback == OOB:
            return Decision(None, None)
        pairs = [("oauth_token", oauth_token), ("oauth_problem", "permission_denied")]
        return Decision(_callback_with(pending.temporary.callback, pairs), None)

    def _access_token(self, request: oauth2.Request) -> _Steps[Response]:
        consumer = yield from self._consumer(request)
        key = _required(request, "oauth_token")
        verifier = _required(request, "oauth_verifier")
        temporary = yield _Call("get_temporary", (key,))
        if temporary is None or temporary.consumer_key != consumer.key:
            raise oauth2.TokenRejected("These temporary credentials are unknown: the consumer starts again.")
        self._check_fresh(temporary)
        if not temporary.authorized:
            raise PermissionUnknown("The user has not authorized these temporary credentials yet.")
        yield _Verify(request, _Consumer(consumer), oauth2.Token(temporary.key, temporary.secret))
        taken = yield _Call("take_temporary", (key,))
        if taken is None:
            raise TokenUsed("These temporary credentials were already exchanged.")
        self._check_fresh(taken)
        if taken.verifier is None or not _same_secret(taken.verifier, verifier):
            raise VerifierInvalid("The verifier does not match; these temporary credentials are used up.")
        token = TokenCredentials(
            key=_new_secret(),
            secret=_new_secret(),
            consumer_key=consumer.key,
            user=taken.user or "",
            issued_at=self.clock(),
        )
        yield _Call("add_token", (token,))
        return Response.form([("oauth_token", token.key), ("oauth_token_secret", token.secret)])

    def _protect(self, request: oauth2.Request, two_legged: bool) -> _Steps[Access]:
        consumer = yield from self._consumer(request)
        key = _parameter(request, "oauth_token")
        if not key:
            if not two_legged:
                raise oauth2.MissingParameter("oauth_token")
            parameters = yield _Verify(request, _Consumer(consumer), None)
            return Access(consumer, None, None, parameters)
        token = yield _Call("get_token", (key,))
        if token is None or token.consumer_key != consumer.key:
            raise oauth2.TokenRejected("These token credentials are unknown.")
        if token.revoked:
            raise TokenRevoked("These token credentials were revoked.")
        parameters = yield _Verify(request, _Consumer(consumer), oauth2.Token(token.key, token.secret))
        return Access(consumer, token, token.user, parameters)

    def _revoke(self, token: str) -> _Steps[bool]:
        if type(token) is not str:
            raise TypeError(f"token must be str, not {type(token).__name__}")
        revoked = yield _Call("revoke_token", (token,))
        return bool(revoked)

    def _consumer(self, request: oauth2.Request) -> _Steps[ConsumerRecord]:
        """The registered consumer that signed ``request``, and a signature method it may use."""
        if not isinstance(request, oauth2.Request):
            raise TypeError(
                f"request must be an oauth2.Request (Request.from_wsgi, from_asgi), not {type(request).__name__}"
            )
        key = _required(request, "oauth_consumer_key")
        method = _required(request, "oauth_signature_method")
        consumer: Optional[ConsumerRecord] = yield _Call("get_consumer", (key,))
        if consumer is None:
            raise ConsumerKeyUnknown("No consumer is registered with this oauth_consumer_key.")
        allowed = consumer.signature_methods
        if allowed is not None and method not in allowed:
            names = ", ".join(sorted(allowed)) or "none"
            raise oauth2.UnsupportedSignatureMethod(
                f"This consumer may not sign with {method[:40]!r}; it may use: {names}."
            )
        return consumer

    def _check_fresh(self, temporary: TemporaryCredentials) -> None:
        if temporary.expires_at <= self.clock():
            raise TokenExpired("These temporary credentials expired: the consumer starts again.")

    # ----------------------------------------------------------------- running the steps

    def _respond(self, steps: _Steps[Response]) -> Response:
        try:
            return self._run(steps)
        except oauth2.Error as error:
            return Response.from_error(error, self.realm)

    async def _respond_async(self, steps: _Steps[Response]) -> Response:
        try:
            return await self._run_async(steps)
        except oauth2.Error as error:
            return Response.from_error(error, self.realm)

    def _run(self, steps: _Steps[T]) -> T:
        try:
            step = next(steps)
            while True:
                if isinstance(step, _Verify):
                    result: Any = self.server.verify_request(*step)
                else:
                    result = self._call(step)
                step = steps.send(result)
        except StopIteration as stop:
            value: T = stop.value
            return value
        finally:
            steps.close()

    async def _run_async(self, steps: _Steps[T]) -> T:
        if self._blocking:
            # A blocking store must not freeze the event loop (SQLite waiting for a lock): the whole request
            # runs in one thread, one hop instead of one per store call (a hop costs as much as a SQLite read).
            return await asyncio.to_thread(self._run, steps)
        try:
            step = next(steps)
            while True:
                if isinstance(step, _Verify):
                    result: Any = await self.server.verify_request_async(*step)
                else:
                    result = await self._call_async(step)
                step = steps.send(result)
        except StopIteration as stop:
            value: T = stop.value
            return value
        finally:
            steps.close()

    def _call(self, call: _Call) -> Any:
        method = getattr(self.store, call.method)
        if inspect.iscoroutinefunction(method):
            raise TypeError(f"{type(self.store).__name__} is async: await the endpoints' *_async methods instead.")
        try:
            return method(*call.args)
        except oauth2.Error:
            raise
        except Exception as exc:
            raise _store_failed(exc) from exc

    async def _call_async(self, call: _Call) -> Any:
        method = getattr(self.store, call.method)
        try:
            if inspect.iscoroutinefunction(method):
                return await method(*call.args)
            if isinstance(self.store, MemoryStore):
                return method(*call.args)  # a lock held for a dict operation: no thread needed
            # A blocking store (SQLite waiting for a lock) must not freeze the event loop.
            return await asyncio.to_thread(method, *call.args)
        except oauth2.Error:
            raise
        except Exception as exc:
            raise _store_failed(exc) from exc


def _is_blocking(store: Union[ProviderStore, AsyncProviderStore]) -> bool:
    """True for a store whose calls all block and may wait (SQLite, PostgresStore): ``*_async`` runs them in a thread.

    False for a :class:`MemoryStore` (a lock held for a dict operation: run inline) and for a store with any
    async method or an async nonce store: each call is then awaited, or run in a thread, one at a time.
    """
    if isinstance(store, MemoryStore):
        return False
    methods = [getattr(store, name, None) for name in vars(ProviderStore) if not name.startswith("_")]
    return not any(inspect.iscoroutinefunction(method) for method in [*methods, store.nonces.add])


def _store_failed(exc: Exception) -> oauth2.ServiceUnavailable:
    # The store's own message may name its URL, path or password: only its type is shown.
    return oauth2.ServiceUnavailable(f"The provider's credentials store failed ({type(exc).__name__}); retry later.")
