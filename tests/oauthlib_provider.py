"""An OAuth 1.0a service provider whose every verdict comes from oauthlib.

It lets tests drive an OAuth client over real HTTP on 127.0.0.1 against an
implementation that shares no code with the client under test::

    from oauthlib_provider import CONSUMER_KEY, CONSUMER_SECRET

    def test_something(provider):          # fixture "provider" (via conftest.py): fresh server per test
        url = provider.url("/resource/x?a=1")
        ...
        assert provider.requests[-1].valid

Routes (the first path segment decides; any method, HEAD included):

* ``/request_token``  oauthlib ``RequestTokenEndpoint``
* ``/authorize?oauth_token=T``  oauthlib ``AuthorizationEndpoint``, i.e. the
  user says "allow" at once: ``oob`` callbacks get the verifier in a
  form-encoded body, others a 302 to the callback with the verifier.
* ``/access_token``  oauthlib ``AccessTokenEndpoint``; adds ``user_id=42`` and
  ``screen_name=alice``.
* ``/resource[/...]``  ``ResourceEndpoint`` (consumer + access token)
* ``/two_legged[/...]``  ``SignatureOnlyEndpoint`` (consumer only)
* ``/redirect/<code>?to=<location>``  verified like ``/resource`` when it
  carries ``oauth_token``, else like ``/two_legged``; then answers ``<code>``
  (301/302/303/307/308) with ``Location: <location>`` verbatim.

Verified ``/resource`` and ``/two_legged`` requests get a JSON echo of what
arrived; failures get 401 with an ``error_description`` saying why (400 for a
query oauthlib cannot parse; oauthlib's own status and body on token endpoints).
A request carrying ``oauth_body_hash`` is also rejected unless the hash
matches the raw body and the body is not form-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import ssl
import string
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from oauthlib.common import Request
from oauthlib.oauth1 import (
    AccessTokenEndpoint,
    AuthorizationEndpoint,
    RequestTokenEndpoint,
    RequestValidator,
    ResourceEndpoint,
    SignatureOnlyEndpoint,
)
from oauthlib.oauth1.rfc5849 import CONTENT_TYPE_FORM_URLENCODED, errors, signature

CONSUMER_KEY = "test-consumer-key"
CONSUMER_SECRET = "test-consumer-secret"
OTHER_CONSUMER_KEY = "other-consumer-key"
OTHER_CONSUMER_SECRET = "other-consumer-secret"
USER_CREDENTIALS = {"user_id": "42", "screen_name": "alice"}
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

# Validator methods only receive oauthlib's Request; this hands the one the
# endpoint built back to the handler thread, for its validator_log.
_current = threading.local()


def _install_rsa_backend() -> None:
    """Give oauthlib's RSA-SHA* methods a backend when PyJWT is missing.

    oauthlib computes the signature base string itself and only delegates the
    PKCS#1 v1.5 primitive to ``jwt.algorithms.RSAAlgorithm``, which is a thin
    wrapper over ``cryptography``; we seed oauthlib's cache of those objects
    with an equivalent wrapper instead of faking a ``jwt`` package.
    """
    try:
        import jwt.algorithms  # noqa: F401
    except ImportError:
        pass
    else:
        return
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    class RSAAlgorithm:
        def __init__(self, hash_alg: type[hashes.HashAlgorithm]) -> None:
            self.hash_alg = hash_alg

        def prepare_key(self, pem: str) -> Any:
            data = pem.encode()
            if b"PRIVATE KEY" in data:
                return serialization.load_pem_private_key(data, password=None)
            return serialization.load_pem_public_key(data)

        def sign(self, msg: bytes, key: Any) -> bytes:
            return key.sign(msg, padding.PKCS1v15(), self.hash_alg())

        def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
            try:
                key.verify(sig, msg, padding.PKCS1v15(), self.hash_alg())
            except InvalidSignature:
                return False
            return True

    for name, hash_alg in (("SHA-1", hashes.SHA1), ("SHA-256", hashes.SHA256),
                           ("SHA-512", hashes.SHA512)):
        signature._jwt_rsa.setdefault(name, RSAAlgorithm(hash_alg))


_install_rsa_backend()


@cache
def _throwaway_rsa_public_key() -> str:
    """A key no client holds: what RSA requests from unknown consumers are checked against."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@dataclass
class RecordedRequest:
    """One HTTP request exactly as the provider received it, and its verdict."""

    endpoint: str  # first path segment: request_token, resource, redirect, ...
    method: str
    path: str  # raw request-target, query string included
    headers: dict[str, str]  # a repeated header keeps its last value here
    header_items: list[tuple[str, str]]  # every header line, in order
    body: bytes
    oauth_params: dict[str, str] | None  # as oauthlib parsed them; None if it could not
    valid: bool = False
    status: int = 0
    error: str | None = None  # why it was rejected

    @property
    def nonce(self) -> str | None:
        return (self.oauth_params or {}).get("oauth_nonce")

    @property
    def timestamp(self) -> str | None:
        return (self.oauth_params or {}).get("oauth_timestamp")


class _Validator(RequestValidator):
    """Permissive about formats, strict about credentials, nonces and signatures."""

    enforce_ssl = False
    # oauthlib's defaults (20-30 alphanumerics) would reject ordinary client
    # nonces such as 8 digits or UUIDs, which RFC 5849 allows.
    safe_characters = frozenset(string.ascii_letters + string.digits + string.punctuation)
    client_key_length = request_token_length = access_token_length = (1, 256)
    nonce_length = verifier_length = (1, 256)
    dummy_client = "dummy-client"
    dummy_request_token = "dummy-request-token"
    dummy_access_token = "dummy-access-token"

    def __init__(self, provider: OAuthlibProvider) -> None:
        super().__init__()
        self.p = provider

    def check_realms(self, realms: list[str]) -> bool:
        return True

    def get_client_secret(self, client_key: str, request: Request) -> str:
        return self.p.consumers.get(client_key, "dummy-secret")

    def get_rsa_key(self, client_key: str, request: Request) -> str:
        return self.p.rsa_keys.get(client_key) or _throwaway_rsa_public_key()

    def get_request_token_secret(self, client_key: str, token: str, request: Request) -> str:
        return self.p.request_tokens.get(token, {}).get("secret", "dummy-secret")

    def get_access_token_secret(self, client_key: str, token: str, request: Request) -> str:
        return self.p.access_tokens.get(token, {}).get("secret", "dummy-secret")

    def get_default_realms(self, client_key: str, request: Request) -> list[str]:
        return []

    def get_realms(self, token: str, request: Request) -> list[str]:
        return self.p.request_tokens[token]["realms"]

    def get_redirect_uri(self, token: str, request: Request) -> str:
        return self.p.request_tokens[token]["callback"]

    def validate_client_key(self, client_key: str, request: Request) -> bool:
        return client_key in self.p.consumers

    def validate_request_token(self, client_key: str, token: str, request: Request) -> bool:
        return self.p.request_tokens.get(token, {}).get("client_key") == client_key

    def validate_access_token(self, client_key: str, token: str, request: Request) -> bool:
        return self.p.access_tokens.get(token, {}).get("client_key") == client_key

    def validate_verifier(self, client_key: str, token: str, verifier: str,
                          request: Request) -> bool:
        issued = self.p.request_tokens.get(token, {})
        return issued.get("client_key") == client_key and issued.get("verifier") == verifier

    def validate_timestamp_and_nonce(self, client_key: str, timestamp: str, nonce: str,
                                     request: Request, request_token: str | None = None,
                                     access_token: str | None = None) -> bool:
        seen = (client_key, timestamp, nonce, request_token or access_token)
        with self.p.lock:
            fresh = seen not in self.p.seen_nonces
            self.p.seen_nonces.add(seen)
        # oauthlib returns before filling validator_log when this fails.
        request.validator_log["nonce"] = fresh
        _current.request = request
        return fresh

    def validate_redirect_uri(self, client_key: str, redirect_uri: str,
                              request: Request) -> bool:
        return redirect_uri == "oob" or urlsplit(redirect_uri).scheme in ("http", "https")

    def validate_requested_realms(self, client_key: str, realms: list[str],
                                  request: Request) -> bool:
        return True

    def validate_realms(self, client_key: str, token: str, request: Request,
                        uri: str | None = None, realms: list[str] | None = None) -> bool:
        return True

    def verify_request_token(self, token: str, request: Request) -> bool:
        return token in self.p.request_tokens

    def verify_realms(self, token: str, realms: list[str], request: Request) -> bool:
        return True

    def save_request_token(self, token: dict[str, str], request: Request) -> None:
        self.p.request_tokens[token["oauth_token"]] = {
            "client_key": request.client_key, "secret": token["oauth_token_secret"],
            "callback": request.redirect_uri, "realms": request.realms, "verifier": None,
        }

    def save_verifier(self, token: str, verifier: dict[str, str], request: Request) -> None:
        self.p.request_tokens[token]["verifier"] = verifier["oauth_verifier"]

    def save_access_token(self, token: dict[str, str], request: Request) -> None:
        self.p.access_tokens[token["oauth_token"]] = {
            "client_key": request.client_key, "secret": token["oauth_token_secret"],
            "realms": request.realms,
        }

    def invalidate_request_token(self, client_key: str, request_token: str,
                                 request: Request) -> None:
        self.p.request_tokens.pop(request_token, None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    provider: OAuthlibProvider


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so clients such as httplib2 reuse connections as they would in production.
    protocol_version = "HTTP/1.1"
    # An abandoned keep-alive connection must not pin a thread forever.
    timeout = 60
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            # Here, in the handler's thread: a slow handshake must not stall the accept loop.
            self.request.settimeout(self.timeout)
            self.request.do_handshake()
        super().setup()
        self.server.provider.connections.add(self.connection)

    def finish(self) -> None:
        self.server.provider.connections.discard(self.connection)
        super().finish()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _dispatch(self) -> None:
        p = self.server.provider
        body = self._read_body()
        headers = dict(self.headers.items())
        host = self.headers.get("Host") or f"127.0.0.1:{p.port}"
        # oauthlib must see the URL the client signed, which is what it put on the wire.
        uri = self.path if self.path.startswith(("http://", "https://")) else f"{p.scheme}://{host}{self.path}"
        route = (urlsplit(uri).path.split("/") + [""])[1]
        text = body.decode("latin-1")  # lossless; oauthlib wants str
        params, parse_error = p.parse(uri, self.command, text, headers)
        rec = RecordedRequest(route, self.command, self.path, headers,
                              list(self.headers.items()), body, params)
        hash_error = _body_hash_error(params or {}, body, self.headers.get("Content-Type", ""))
        _current.request = None
        out_headers: dict[str, str] = {"Content-Type": "text/plain; charset=utf-8"}
        out: str | None = ""
        try:
            if hash_error:
                status = 401
            elif route == "request_token":
                out_headers, out, status = p.request_token_endpoint.create_request_token_response(
                    uri, self.command, text, headers)
            elif route == "authorize":
                out_headers, out, status = p.authorization_endpoint.create_authorization_response(
                    uri, self.command, text, headers)
            elif route == "access_token":
                out_headers, out, status = p.access_token_endpoint.create_access_token_response(
                    uri, self.command, text, headers, credentials=USER_CREDENTIALS)
            elif route in ("resource", "two_legged", "redirect"):
                status, out, location = self._protected(rec, uri, text)
                if location is not None:
                    out_headers["Location"] = location
                elif status == 200:
                    out_headers["Content-Type"] = "application/json"
            else:
                status, out = 404, "no such endpoint"
        except errors.OAuth1Error as e:  # AuthorizationEndpoint raises rather than answers
            status, out, out_headers = e.status_code, e.urlencoded, {}
        except ValueError as e:  # oauthlib's strict query parser, see _error_text
            status, out = 400, _error_text(e)
        except Exception as e:  # a provider bug must reach the test, not kill the connection
            status, out = 500, f"provider error: {e!r}"
        rec.status, rec.valid = status, status < 400
        if route == "authorize" or status == 404:
            parse_error = None  # unsigned page / no endpoint: OAuth pre-checks do not apply
        if not rec.valid:
            rec.error = hash_error or parse_error or _failed_checks() or out or f"HTTP {status}"
            if hash_error or route in ("resource", "two_legged", "redirect"):
                # oauthlib gives no reason for these; the client's test failure should.
                out = urlencode({"error": "invalid_request", "error_description": rec.error})
        p.record(rec)
        payload = (out or "").encode()
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def _protected(self, rec: RecordedRequest, uri: str, text: str) -> tuple[int, str, str | None]:
        """Verify a resource-style request; return (status, body, Location)."""
        p = self.server.provider
        split = urlsplit(uri)
        location = None
        if rec.endpoint == "redirect":
            code = (split.path.split("/") + [""])[2]
            targets = parse_qs(split.query).get("to")
            if not code.isdigit() or int(code) not in REDIRECT_CODES or not targets:
                return 404, "want /redirect/<3xx>?to=<location>", None
            location = targets[0]
        three_legged = rec.endpoint == "resource" or (
            rec.endpoint == "redirect" and "oauth_token" in (rec.oauth_params or {}))
        verify: Callable[..., tuple[bool, Any]] = (
            p.resource_endpoint.validate_protected_resource_request if three_legged
            else p.signature_only_endpoint.validate_request)
        valid, _ = verify(uri, rec.method, text, rec.headers)
        if not valid:
            missing_token = three_legged and "oauth_token" not in (rec.oauth_params or {})
            return 401, "oauth_token missing" if missing_token else "", None
        if location is not None:
            return int(code), f"redirecting to {location}", location
        return 200, json.dumps({
            "endpoint": rec.endpoint, "method": rec.method, "path": split.path,
            "query": split.query, "headers": rec.headers, "oauth_params": rec.oauth_params,
            "body": rec.body.decode("latin-1"),
            "body_base64": base64.b64encode(rec.body).decode(),
        }), None


def _body_hash_error(params: dict[str, str], body: bytes, content_type: str) -> str | None:
    """Check the OAuth Request Body Hash extension, which oauthlib ignores."""
    claimed = params.get("oauth_body_hash")
    if claimed is None:
        return None
    if CONTENT_TYPE_FORM_URLENCODED in content_type:
        return "oauth_body_hash on a form-encoded request"
    expected = base64.b64encode(hashlib.sha1(body).digest()).decode()
    if not hmac.compare_digest(claimed.encode(), expected.encode()):
        return f"oauth_body_hash mismatch: got {claimed!r}, body hashes to {expected!r}"
    return None


def _error_text(e: Exception) -> str:
    # oauthlib.common.urldecode raises a bare ValueError for any query
    # character outside its "urlencoded" set (e.g. space, [, ], ", non-ASCII).
    description = getattr(e, "description", None)
    return str(description if description is not None else e)


def _failed_checks() -> str | None:
    """Name the validator checks oauthlib failed on this thread's last request."""
    request = getattr(_current, "request", None)
    failed = [name for name, ok in getattr(request, "validator_log", {}).items() if not ok]
    return "failed: " + ", ".join(failed) if failed else None


class OAuthlibProvider:
    """A threaded OAuth 1.0a provider on 127.0.0.1; use as a context manager.

    State is plain attributes that tests may read or edit: ``consumers``
    (key -> secret), ``rsa_keys`` (consumer key -> PEM public key),
    ``request_tokens`` / ``access_tokens`` (token -> dict with client_key,
    secret, ...), ``requests`` (``RecordedRequest`` per request, in arrival
    order) and ``nonces`` (every ``oauth_nonce`` received, in order).
    With ``tls`` (a server ``ssl.SSLContext``, such as tls_certs.server_context) it serves https.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.scheme = "https" if tls else "http"
        self.lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.nonces: list[str] = []
        self.seen_nonces: set[tuple[str, str, str, str | None]] = set()
        self.consumers: dict[str, str] = {}
        self.rsa_keys: dict[str, str] = {}
        self.request_tokens: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.connections: set[socket.socket] = set()
        self.reset()
        validator = _Validator(self)
        self.request_token_endpoint = RequestTokenEndpoint(validator)
        self.authorization_endpoint = AuthorizationEndpoint(validator)
        self.access_token_endpoint = AccessTokenEndpoint(validator)
        self.resource_endpoint = ResourceEndpoint(validator)
        self.signature_only_endpoint = SignatureOnlyEndpoint(validator)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def reset(self) -> None:
        """Forget all requests, nonces, tokens and RSA keys; restore the two consumers."""
        with self.lock:
            for state in (self.requests, self.nonces, self.seen_nonces, self.consumers,
                          self.rsa_keys, self.request_tokens, self.access_tokens):
                state.clear()
            self.consumers.update({CONSUMER_KEY: CONSUMER_SECRET,
                                   OTHER_CONSUMER_KEY: OTHER_CONSUMER_SECRET})

    def record(self, rec: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(rec)
            if rec.nonce is not None:
                self.nonces.append(rec.nonce)

    def parse(self, uri: str, method: str, body: str,
              headers: dict[str, str]) -> tuple[dict[str, str] | None, str | None]:
        """Return (oauth params, pre-check error) exactly as oauthlib's endpoints compute them.

        ResourceEndpoint and SignatureOnlyEndpoint swallow these errors, so we
        re-run oauthlib's (private) parsing and checks to say why they refused.
        """
        endpoint = self.signature_only_endpoint
        try:
            request = endpoint._create_request(uri, method, body, headers)
        except (errors.OAuth1Error, ValueError) as e:
            return None, _error_text(e)
        try:
            endpoint._check_transport_security(request)
            endpoint._check_mandatory_parameters(request)
        except errors.OAuth1Error as e:
            return request.oauth_params, _error_text(e)
        return request.oauth_params, None

    def issue_access_token(self, consumer_key: str = CONSUMER_KEY) -> tuple[str, str]:
        """Mint an access token without the three-legged dance; return (token, secret)."""
        token, secret = f"access-{len(self.access_tokens)}", f"secret-{len(self.access_tokens)}"
        self.access_tokens[token] = {"client_key": consumer_key, "secret": secret, "realms": []}
        return token, secret

    @property
    def port(self) -> int:
        assert self._server is not None, "provider not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> OAuthlibProvider:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.provider = self
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True,
                                                       do_handshake_on_connect=False)
        # A short poll interval only bounds how long stop() waits for the loop.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,),
                                        name="oauthlib-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        # Wake handler threads parked on idle keep-alive connections.
        for conn in list(self.connections):
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        assert self._thread is not None
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> OAuthlibProvider:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@pytest.fixture
def provider() -> Iterator[OAuthlibProvider]:
    """A running provider with fresh state, stopped after the test."""
    with OAuthlibProvider() as p:
        yield p
