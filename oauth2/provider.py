"""A small OAuth 1.0a provider on 127.0.0.1, for the demo, ``oauth2 serve`` and your own tests.

It is a thin WSGI shell over the provider kit (:class:`oauth2.kit.Endpoints`
and a store): request-token, authorize, access-token and a protected
resource. By default the credentials are in memory and the "user" approves
every authorization at once, so a whole three-legged flow runs unattended::

    from oauth2.provider import Provider

    with Provider() as provider:
        client = oauth2.Client(provider.consumer)
        client.fetch_request_token(provider.request_token_url)
        ...

Not for production: it serves plain http on 127.0.0.1, and its consent page
has no sign-in (whoever opens it decides, under the name they type).
"""

from __future__ import annotations

import html
import importlib
import json
import secrets
import socket
import threading
import time
from collections import deque
from socketserver import ThreadingMixIn
from typing import Any, Callable, Deque, Dict, Iterable, List, NamedTuple, Optional, Tuple, Union
from urllib.parse import parse_qsl, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import oauth2
from oauth2.kit import (
    ConsumerRecord,
    Decision,
    Endpoints,
    MemoryStore,
    ProviderStore,
    Response,
    SQLiteStore,
    TokenCredentials,
    TokenExpired,
    TokenUsed,
)

__all__ = ["Provider", "Verified", "Unsigned", "open_store", "consumer_keys", "remove_consumer"]

StartResponse = Callable[[str, List[Tuple[str, str]]], Any]

#: The realm of the embedded provider's ``WWW-Authenticate`` headers.
REALM = "oauth2 demo"
#: Any http(s) callback: the demo consumer's registration, as a desktop or test consumer needs.
ANY_CALLBACK = ("http://", "https://")
#: The largest consent form accepted (an oauth_token, a user name and a button).
MAX_FORM_BYTES = 4096

# The store modules of the URL schemes other than memory: and sqlite:, and the class each module offers.
_STORE_MODULES = {
    "postgresql": ("oauth2.kit.postgres", "PostgresStore", "PostgreSQL"),
    "postgres": ("oauth2.kit.postgres", "PostgresStore", "PostgreSQL"),
    "redis": ("oauth2.kit.redis", "RedisStore", "Redis"),
    "rediss": ("oauth2.kit.redis", "RedisStore", "Redis"),
}
_STORE_URLS = "memory:, sqlite:///PATH, postgresql://... or redis://..."


class Unsigned(oauth2.Error):
    """A request without OAuth parameters (401, with the challenge of ``WWW-Authenticate``) [§3.2]."""

    status = 401
    oauth_problem = "parameter_absent"


class Verified(NamedTuple):
    """One request the provider checked: what it was, its base string, and the verdict."""

    method: str
    path: str
    base_string: str
    error: Optional[str]


# --------------------------------------------------------------------------- stores


def open_store(url: str) -> ProviderStore:
    """The provider store a URL names: ``memory:``, ``sqlite:///PATH``, ``postgresql://...``, ``redis://...``.

    ``sqlite:///data/oauth.db`` is the relative path ``data/oauth.db``,
    ``sqlite:////var/lib/oauth.db`` the absolute one (as SQLAlchemy reads
    them). A ``postgresql://`` (``postgres://``) or ``redis://``
    (``rediss://``) URL goes, whole, to ``PostgresStore(url)`` of
    ``oauth2.kit.postgres`` or ``RedisStore(url=url)`` of ``oauth2.kit.redis``. Raises ValueError for
    another URL, or for a store module this installation lacks; the message
    names the scheme alone, as a URL may hold a password.
    """
    if not isinstance(url, str):
        raise TypeError(f"a store URL is str, not {type(url).__name__}")
    if url == "memory:":
        return MemoryStore()
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or url == "sqlite:///":
            raise ValueError("a SQLite store URL is sqlite:///PATH (sqlite:////abs/path.db for an absolute path)")
        return SQLiteStore(url[len("sqlite:///") :])
    if scheme not in _STORE_MODULES or "://" not in url:
        shown = scheme if scheme.isalnum() and len(scheme) <= 20 else "this one"
        raise ValueError(f"unknown store URL scheme {shown!r}: give {_STORE_URLS}")
    module_name, class_name, product = _STORE_MODULES[scheme]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the store's own dependency: its message names the extra to install
        raise ValueError(
            f"this installation of oauth2 has no {product} store ({module_name}): use memory: or sqlite:///PATH"
        ) from None
    store_class = getattr(module, class_name)
    # psycopg takes a URL as its conninfo; a Redis store takes a client first, so its URL by name.
    store: ProviderStore = store_class(url) if product == "PostgreSQL" else store_class(url=url)
    return store


def consumer_keys(store: ProviderStore) -> List[str]:
    """The keys of the consumers registered in ``store``, sorted (their secrets are not read)."""
    return store.consumer_keys()


def remove_consumer(store: ProviderStore, key: str) -> bool:
    """Unregister the consumer ``key`` and delete the credentials issued to it; False if unknown."""
    return store.remove_consumer(key)


# --------------------------------------------------------------------------- the HTTP server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    #: Seconds a connection may stay silent before the server closes it (set by Provider).
    idle_timeout: Optional[float] = None


class _QuietHandler(WSGIRequestHandler):
    server: _ThreadingServer

    def setup(self) -> None:
        """Bound the wait for each request, so that a stalled client does not hold its thread forever."""
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)

    def handle(self) -> None:
        """Serve the connection; a client that stays silent past the timeout is dropped without a traceback."""
        try:
            super().handle()
        except socket.timeout:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Keep the demo's transcript free of access-log lines."""


class Provider:
    """An OAuth 1.0a provider serving on 127.0.0.1 (an ephemeral port by default), on the provider kit.

    * ``store``: where consumers and credentials are kept (a
      :class:`~oauth2.kit.stores.ProviderStore`; see :func:`open_store`); a
      new :class:`~oauth2.kit.MemoryStore` by default.
    * ``consumer``: a consumer to register, which may use any http(s)
      callback; with the default store, a random one is made if none is
      given. ``add_consumer`` registers more.
    * ``signature_methods``: the methods accepted, as
      :class:`oauth2.SignatureMethod` objects or kit names (``"HMAC-SHA256"``,
      ``"RSA-SHA1"`` with the consumer's registered public key); HMAC-SHA1
      and HMAC-SHA256 by default.
    * ``user`` and ``auto_approve``: with ``auto_approve`` (the default),
      opening the consent page authorizes at once as ``user``, and shows the
      same PIN (or redirect) each time it is reloaded; without it, the page
      asks, with a form to approve under a name (``user`` by default) or deny.

    ``log`` lists the last ``log_size`` signed requests, with the base string
    it computed. A connection silent for ``timeout`` seconds is closed.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        signature_methods: Optional[Iterable[Union[oauth2.SignatureMethod, str]]] = None,
        consumer: Optional[oauth2.Consumer] = None,
        user: str = "alice",
        timeout: Optional[float] = 10.0,
        log_size: int = 1000,
        store: Optional[ProviderStore] = None,
        auto_approve: bool = True,
    ) -> None:
        methods = list(signature_methods or ["HMAC-SHA1", "HMAC-SHA256"])
        self.store: ProviderStore = MemoryStore() if store is None else store
        self.endpoints = Endpoints(
            self.store, signature_methods=[m for m in methods if isinstance(m, str)], realm=REALM
        )
        for method in methods:
            if not isinstance(method, str):
                self.endpoints.server.add_signature_method(method)
        self.server = self.endpoints.server
        if consumer is None and store is None:
            consumer = oauth2.Consumer("demo-consumer", secrets.token_hex(16))
        self.consumer = consumer
        if consumer is not None:
            self.add_consumer(consumer)
        self.user = user
        self.auto_approve = auto_approve
        self.log: Deque[Verified] = deque(maxlen=log_size)
        self._httpd = _ThreadingServer(("127.0.0.1", port), _QuietHandler)
        self._httpd.set_app(self.wsgi)
        self._httpd.idle_timeout = timeout
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        """The port it listens on, on 127.0.0.1."""
        return self._httpd.server_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def request_token_url(self) -> str:
        """The temporary credentials endpoint [§2.1]."""
        return self.base_url + "/request_token"

    @property
    def authorize_url(self) -> str:
        """The resource owner authorization endpoint [§2.2]."""
        return self.base_url + "/authorize"

    @property
    def access_token_url(self) -> str:
        """The token credentials endpoint [§2.3]."""
        return self.base_url + "/access_token"

    @property
    def resource_url(self) -> str:
        """A protected resource: any method, answers JSON with the user and the parameters."""
        return self.base_url + "/resource"

    def add_consumer(self, consumer: oauth2.Consumer) -> None:
        """Register another consumer, which may use any http(s) callback."""
        self.store.add_consumer(ConsumerRecord(consumer.key or "", consumer.secret or "",
                                               callback_prefixes=ANY_CALLBACK))

    def issue_access_token(self) -> oauth2.Token:
        """Token credentials of ``user`` for ``consumer``, issued without the three-legged flow (for tests)."""
        if self.consumer is None:
            raise ValueError("this Provider has no consumer of its own: pass consumer=")
        access = oauth2.Token(secrets.token_hex(8), secrets.token_hex(16))
        self.store.add_token(TokenCredentials(access.key or "", access.secret or "", self.consumer.key or "",
                                              self.user, time.time()))
        return access

    def start(self) -> Provider:
        """Serve in a background thread."""
        # A short poll interval lets stop() return at once.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="oauth2-provider", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (KeyboardInterrupt), then close the socket."""
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Provider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wsgi(self, environ: Dict[str, Any], start_response: StartResponse) -> List[bytes]:
        """The WSGI application: route, verify, answer; a HEAD request gets the headers alone."""
        response = self._route(environ)
        start_response(response.status_line, [*response.headers, ("Content-Length", str(len(response.body)))])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [response.body]

    def _route(self, environ: Dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO", "")
        routes: Dict[str, Callable[[Dict[str, Any]], Response]] = {
            "/request_token": self._request_token,
            "/authorize": self._authorize,
            "/access_token": self._access_token,
        }
        handler = routes.get(path, self._resource if path.startswith("/resource") else None)
        if handler is None:
            return _text(404, "not found\n")
        try:
            return handler(environ)
        except oauth2.Error as error:
            return _with_detail(Response.from_error(error, REALM))

    def _signed(self, environ: Dict[str, Any], endpoint: Callable[[oauth2.Request], Response]) -> Response:
        """Answer a signed request with ``endpoint``, and log its base string and verdict."""
        request = oauth2.Request.from_wsgi(environ)
        base_string = oauth2.explain(request).base_string
        if "oauth_consumer_key" in request or "oauth_signature" in request:
            response = endpoint(request)
        else:
            response = Response.from_error(Unsigned("This endpoint needs a request signed with OAuth 1.0a."), REALM)
        error = None if response.status == 200 else _fields(response).get("oauth_problem_advice", "refused")
        self.log.append(Verified(request.method, environ.get("PATH_INFO", ""), base_string, error))
        return _with_detail(response)

    def _request_token(self, environ: Dict[str, Any]) -> Response:
        return self._signed(environ, self._temporary_credentials)

    def _temporary_credentials(self, request: oauth2.Request) -> Response:
        """The kit's answer; a request without ``oauth_callback`` is refused after its signature, as before [§2.1]."""
        if "oauth_callback" in request:
            return self.endpoints.request_token(request)
        try:
            self.endpoints.protect(request, two_legged=True)  # the signature check alone
        except oauth2.Error as error:
            return Response.from_error(error, REALM)
        return Response.from_error(oauth2.MissingParameter("oauth_callback"), REALM)

    def _access_token(self, environ: Dict[str, Any]) -> Response:
        """The token credentials, with the user's ``user_id`` and ``screen_name``, as Twitter answers."""
        response = self._signed(environ, self._token_credentials)
        if response.status != 200:
            return response
        pairs = parse_qsl(response.body.decode("ascii"))
        token = self.store.get_token(dict(pairs)["oauth_token"])
        return Response.form([*pairs, ("user_id", "1"), ("screen_name", token.user if token else "")])

    def _token_credentials(self, request: oauth2.Request) -> Response:
        """The kit's answer, but one refusal for a verifier not issued yet or wrong, as the demo always gave."""
        response = self.endpoints.access_token(request)
        if _fields(response).get("oauth_problem") in ("permission_unknown", "verifier_invalid"):
            wrong = oauth2.TokenRejected("The verifier does not match the request token.")
            return Response.from_error(wrong, REALM)
        return response

    def _resource(self, environ: Dict[str, Any]) -> Response:
        return self._signed(environ, self._protected)

    def _protected(self, request: oauth2.Request) -> Response:
        try:
            access = self.endpoints.protect(request)
        except oauth2.Error as error:
            return Response.from_error(error, REALM)
        payload = {"user": access.user, "method": request.method, "parameters": access.parameters}
        return Response(200, (("Content-Type", "application/json"),), json.dumps(payload).encode())

    def _authorize(self, environ: Dict[str, Any]) -> Response:
        """The user's consent page [§2.2]: approved at once (``auto_approve``), or a form that asks."""
        if environ.get("REQUEST_METHOD") == "POST":
            return self._decide(_form(environ))
        oauth_token = dict(parse_qsl(environ.get("QUERY_STRING", ""))).get("oauth_token", "")
        if self.auto_approve:
            return _decided(self._approve_once(oauth_token))
        pending = self.endpoints.pending(oauth_token)
        return _consent_page(pending.consumer.key, oauth_token, self.user)

    def _approve_once(self, oauth_token: str) -> Decision:
        """Authorize as ``user``; a reloaded page gets the verifier already issued, so that a copied PIN stays good."""
        try:
            return self.endpoints.authorize(oauth_token, self.user)
        except TokenUsed:
            temporary = self.store.get_temporary(oauth_token)
            if temporary is None or temporary.verifier is None or temporary.user != self.user:
                raise
            if temporary.expires_at <= time.time():
                raise TokenExpired("These temporary credentials expired: the consumer starts again.") from None
            if temporary.callback == "oob":
                return Decision(None, temporary.verifier)
            again = oauth2.Token(temporary.key, temporary.secret)
            again.set_callback(temporary.callback)
            again.set_verifier(temporary.verifier)
            return Decision(again.get_callback_url(), temporary.verifier)

    def _decide(self, form: Dict[str, str]) -> Response:
        """The consent form's answer: approve under the name typed, or deny."""
        oauth_token = form.get("oauth_token", "")
        if form.get("decision") == "approve":
            user = form.get("user", "").strip()
            if not user:
                raise oauth2.InvalidRequest("Type the name of the user who approves.")
            return _decided(self.endpoints.authorize(oauth_token, user))
        decision = self.endpoints.deny(oauth_token)
        if decision.redirect_url is not None:
            return _redirect(decision.redirect_url)
        return _text(200, "You denied the application access.\n")


def _fields(response: Response) -> Dict[str, str]:
    """The form fields of an answer (a refusal's ``oauth_problem`` and ``oauth_problem_advice``)."""
    return dict(parse_qsl(response.body.decode("utf-8", "replace")))


def _with_detail(response: Response) -> Response:
    """A refusal as the demo has always worded it: ``oauth_problem`` and ``detail`` (the advice)."""
    fields = _fields(response)
    if response.status < 400 or "oauth_problem_advice" not in fields:
        return response
    pairs = [("oauth_problem", fields.get("oauth_problem", "")), ("detail", fields["oauth_problem_advice"])]
    return response._replace(body=urlencode(pairs).encode("ascii"))


def _form(environ: Dict[str, Any]) -> Dict[str, str]:
    """The consent form's fields, of a bounded body."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise oauth2.InvalidRequest("Content-Length is not a number.") from None
    if not 0 <= length <= MAX_FORM_BYTES:
        raise oauth2.InvalidRequest(f"The consent form is larger than {MAX_FORM_BYTES} bytes.")
    body = environ["wsgi.input"].read(length)
    try:
        return dict(parse_qsl(body.decode("utf-8"), errors="strict"))
    except UnicodeDecodeError:
        raise oauth2.InvalidRequest("The consent form is not UTF-8.") from None


def _decided(decision: Decision) -> Response:
    """Where the user goes once they approved: back to the consumer, or a page with the PIN (``oob``)."""
    if decision.redirect_url is not None:
        return _redirect(decision.redirect_url)
    return _text(200, f"You authorized the demo consumer. Your PIN: {decision.verifier}\n")


def _consent_page(consumer_key: str, oauth_token: str, user: str) -> Response:
    """The form asking the user to approve or deny ``consumer_key``."""
    page = (
        "<!doctype html><title>Authorize</title>"
        f"<p>The application <b>{html.escape(consumer_key)}</b> asks to access your account.</p>"
        '<form method="post" action="/authorize">'
        f'<input type="hidden" name="oauth_token" value="{html.escape(oauth_token)}">'
        f'<label>Your name <input name="user" value="{html.escape(user)}"></label> '
        '<button name="decision" value="approve">Approve</button> '
        '<button name="decision" value="deny">Deny</button></form>\n'
    )
    return Response(200, (("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")),
                    page.encode("utf-8"))


def _redirect(url: str) -> Response:
    return Response(302, (("Content-Type", "text/plain"), ("Location", url)), b"")


def _text(status: int, text: str) -> Response:
    return Response(status, (("Content-Type", "text/plain"),), text.encode("utf-8"))

