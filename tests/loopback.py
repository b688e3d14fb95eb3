"""Plain HTTP on 127.0.0.1 for the tests: send one request exactly as given, or serve a WSGI or ASGI app."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from email.message import Message
from typing import Any, NamedTuple
from wsgiref.simple_server import WSGIRequestHandler, make_server

HOST = "127.0.0.1"

#: Bounds a hung connection or child so that it fails the test instead of hanging it.
TIMEOUT = 60


class Reply(NamedTuple):
    """An HTTP response as received, before any redirect is followed."""

    status: int
    reason: str
    headers: Message  # names compared case-insensitively
    body: bytes

    def json(self) -> Any:
        """The body, parsed as JSON."""
        return json.loads(self.body)

    @property
    def oauth_problem(self) -> str | None:
        """The ``oauth_problem`` of the ``WWW-Authenticate`` header, if any."""
        match = re.search(r'oauth_problem="([^"]*)"', self.headers.get("WWW-Authenticate", ""))
        return match.group(1) if match else None


def send(method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes | str | None = None) -> Reply:
    """Send one HTTP request exactly as given, a text body as UTF-8 (no proxy, redirect or retry)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=TIMEOUT)
    try:
        path = parts.path or "/"
        connection.request(method, f"{path}?{parts.query}" if parts.query else path,
                           body=body.encode("utf-8") if isinstance(body, str) else body, headers=dict(headers or {}))
        response = connection.getresponse()
        return Reply(response.status, response.reason, response.msg, response.read())
    finally:
        connection.close()


def send_raw(base_url: str, head: str, body: bytes = b"") -> Reply:
    """Send ``head`` (request line and headers, lines ending in CRLF, latin-1) and ``body`` to the
    server at ``base_url`` byte for byte, as no HTTP client would (a Host header holding a path, say)."""
    parts = urllib.parse.urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT)
    try:
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Reply(response.status, response.reason, response.msg, response.read())
    finally:
        sock.close()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Keep access-log lines out of the test output."""


@contextmanager
def serving(app: Callable[..., Any]) -> Iterator[str]:
    """Serve the WSGI ``app`` on 127.0.0.1 (an ephemeral port) in a thread; yields its base URL."""
    httpd = make_server(HOST, 0, app, handler_class=_QuietHandler)
    # A short poll interval only makes shutdown() return sooner.
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@contextmanager
def serving_asgi(app: Callable[..., Any], *, certfile: str | None = None, keyfile: str | None = None) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn on 127.0.0.1 (an ephemeral port) in a thread; yields its base URL.

    With ``certfile`` and ``keyfile`` (PEM, as tls_certs.write_self_signed_cert writes them) it serves https.
    """
    import asyncio

    import uvicorn

    # Bound and listening before uvicorn starts: a client may connect at once, no waiting.
    sock = socket.create_server((HOST, 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ssl_certfile=certfile, ssl_keyfile=keyfile)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=asyncio.run, args=(server.serve(sockets=[sock]),), daemon=True)
    thread.start()
    try:
        yield f"{'https' if certfile else 'http'}://{HOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
