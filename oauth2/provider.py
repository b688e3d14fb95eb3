"""A small OAuth 1.0a provider on 127.0.0.1, for the demo and for your own tests.

It is a thin WSGI shell over :class:`oauth2.Server`: request-token,
authorize, access-token and a protected resource, with credentials in
memory. The "user" approves every authorization at once, so a whole
three-legged flow runs unattended::

    from oauth2.provider import Provider

    with Provider() as provider:
        client = oauth2.Client(provider.consumer)
        client.fetch_request_token(provider.request_token_url)
        ...

Not for production: it keeps everything in memory and serves plain http.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
from collections import deque
from socketserver import ThreadingMixIn
from typing import Any, Callable, Deque, Dict, Iterable, List, NamedTuple, Optional, Tuple
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import oauth2

__all__ = ["Provider", "Verified"]

StartResponse = Callable[[str, List[Tuple[str, str]]], Any]


class Verified(NamedTuple):
    """One request the provider checked: what it was, its base string, and the verdict."""

    method: str
    path: str
    base_string: str
    error: Optional[str]


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
    """An in-memory OAuth 1.0a provider serving on 127.0.0.1 (an ephemeral port by default).

    ``consumer`` is a registered consumer; ``add_consumer`` registers more.
    ``log`` lists the last ``log_size`` requests it verified, with the base
    string it computed. A connection silent for ``timeout`` seconds is closed.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        signature_methods: Optional[Iterable[oauth2.SignatureMethod]] = None,
        consumer: Optional[oauth2.Consumer] = None,
        user: str = "alice",
        timeout: Optional[float] = 10.0,
        log_size: int = 1000,
    ) -> None:
        methods = list(signature_methods or [oauth2.SignatureMethod_HMAC_SHA1(), oauth2.SignatureMethod_HMAC_SHA256()])
        self.server = oauth2.Server(methods)
        self.consumer = consumer or oauth2.Consumer("demo-consumer", secrets.token_hex(16))
        self.user = user
        self.log: Deque[Verified] = deque(maxlen=log_size)
        self._consumers: Dict[str, oauth2.Consumer] = {self.consumer.key or "": self.consumer}
        self._request_tokens: Dict[str, oauth2.Token] = {}
        self._access_tokens: Dict[str, oauth2.Token] = {}
        self._lock = threading.Lock()
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
        """Register another consumer."""
        with self._lock:
            self._consumers[consumer.key or ""] = consumer

    def issue_access_token(self) -> oauth2.Token:
        """Token credentials of the user for ``consumer``, issued without the three-legged flow (for tests)."""
        access = oauth2.Token(secrets.token_hex(8), secrets.token_hex(16))
        with self._lock:
            self._access_tokens[access.key or ""] = access
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
        body = self._route(environ, start_response)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else body

    def _route(self, environ: Dict[str, Any], start_response: StartResponse) -> List[bytes]:
        path = environ.get("PATH_INFO", "")
        routes = {
            "/request_token": self._request_token,
            "/authorize": self._authorize,
            "/access_token": self._access_token,
        }
        handler = routes.get(path, self._resource if path.startswith("/resource") else None)
        if handler is None:
            return _respond(start_response, "404 Not Found", b"not found\n", "text/plain")
        try:
            return handler(environ, start_response)
        except oauth2.Error as error:
            body = oauth2.encode_form([("oauth_problem", error.oauth_problem or "error"), ("detail", str(error))])
            headers = list(error.authenticate_header("oauth2 demo").items())
            status = f"{error.status} {_REASONS.get(error.status, 'Error')}"
            return _respond(start_response, status, body.encode(), "application/x-www-form-urlencoded", headers)

    def _verify(self, environ: Dict[str, Any], tokens: Optional[Dict[str, oauth2.Token]]) -> oauth2.Request:
        """Verify the request against its consumer and, if ``tokens`` is given, one of them."""
        request = oauth2.Request.from_wsgi(environ)
        base_string = oauth2.explain(request).base_string
        try:
            consumer = self._consumers.get(str(request.get("oauth_consumer_key", "")))
            if consumer is None:
                raise oauth2.ConsumerKeyRejected("Unknown consumer key.")
            token = None
            if tokens is not None:
                token = tokens.get(str(request.get("oauth_token", "")))
                if token is None:
                    raise oauth2.TokenRejected("Unknown or already used token.")
            self.server.verify_request(request, consumer, token)
        except oauth2.Error as error:
            self.log.append(Verified(request.method, environ.get("PATH_INFO", ""), base_string, str(error)))
            raise
        self.log.append(Verified(request.method, environ.get("PATH_INFO", ""), base_string, None))
        return request

    def _request_token(self, environ: Dict[str, Any], start_response: StartResponse) -> List[bytes]:
        request = self._verify(environ, None)
        callback = request.get("oauth_callback")
        if not isinstance(callback, str):
            raise oauth2.MissingParameter("oauth_callback")
        token = oauth2.Token(secrets.token_hex(8), secrets.token_hex(16))
        token.set_callback(callback)
        with self._lock:
            self._request_tokens[token.key or ""] = token
        return _respond(start_response, "200 OK", token.to_string().encode(), "application/x-www-form-urlencoded")

    def _authorize(self, environ: Dict[str, Any], start_response: StartResponse) -> List[bytes]:
        """The user's consent page, approved at once: a PIN for ``oob``, else a redirect.

        The verifier is made on the first visit and shown again on a reload,
        so that a reloaded page does not void the PIN the user already copied.
        """
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        with self._lock:
            token = self._request_tokens.get(query.get("oauth_token", ""))
            if token is None:
                raise oauth2.TokenRejected("Unknown request token.")
            if token.verifier is None:
                token.set_verifier(secrets.token_hex(4))
        if token.callback == "oob":
            body = f"You authorized the demo consumer. Your PIN: {token.verifier}\n".encode()
            return _respond(start_response, "200 OK", body, "text/plain")
        headers = [("Location", token.get_callback_url() or "")]
        return _respond(start_response, "302 Found", b"", "text/plain", headers)

    def _access_token(self, environ: Dict[str, Any], start_response: StartResponse) -> List[bytes]:
        request = self._verify(environ, self._request_tokens)
        with self._lock:
            token = self._request_tokens.get(str(request.get("oauth_token", "")))
            if token is None or token.verifier is None or request.get("oauth_verifier") != token.verifier:
                raise oauth2.TokenRejected("The verifier does not match the request token.")
            del self._request_tokens[token.key or ""]
        access = self.issue_access_token()
        body = oauth2.encode_form([("oauth_token", access.key or ""), ("oauth_token_secret", access.secret or ""),
                      ("user_id", "1"), ("screen_name", self.user)])
        return _respond(start_response, "200 OK", body.encode(), "application/x-www-form-urlencoded")

    def _resource(self, environ: Dict[str, Any], start_response: StartResponse) -> List[bytes]:
        request = self._verify(environ, self._access_tokens)
        payload = {"user": self.user, "method": request.method, "parameters": request.get_nonoauth_parameters()}
        return _respond(start_response, "200 OK", json.dumps(payload).encode(), "application/json")


_REASONS = {400: "Bad Request", 401: "Unauthorized", 503: "Service Unavailable"}


def _respond(
    start_response: StartResponse,
    status: str,
    body: bytes,
    content_type: str,
    headers: Optional[List[Tuple[str, str]]] = None,
) -> List[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *(headers or [])])
    return [body]
