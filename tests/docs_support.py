"""What ``test_readme.py`` and ``test_examples.py`` share: loopback HTTP and an IMAP server process.

* ``send`` sends one HTTP request exactly as given; ``serving`` serves a WSGI
  app on 127.0.0.1 in a thread, ``serving_asgi`` an ASGI app with uvicorn; ``browse_pin`` is the user approving an
  authorization at the embedded Provider.
* ``imap_server_process`` runs the IMAP test servers (``imap_server.py``) in
  a child process: Twisted's reactor runs once per process, and
  ``test_imap.py`` may already own it in this pytest worker. The child,
  ``python docs_support.py CERT KEY ACCOUNT_JSON``, prints its listeners'
  ports as one JSON line, serves until its standard input is closed, then
  prints the errors the servers logged as a second JSON line.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from wsgiref.simple_server import WSGIRequestHandler, make_server

from xoauth_verifier import Account

HOST = "127.0.0.1"

#: Bounds a hung connection or child so that it fails the test instead of hanging it.
TIMEOUT = 60


# ------------------------------------------------------------------------- HTTP


class Reply(NamedTuple):
    """An HTTP response as received."""

    status: int
    reason: str
    headers: dict[str, str]
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
    """Send one HTTP request exactly as given (no redirects, no retries)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=TIMEOUT)
    try:
        path = parts.path or "/"
        connection.request(method, f"{path}?{parts.query}" if parts.query else path, body=body,
                           headers=dict(headers or {}))
        response = connection.getresponse()
        return Reply(response.status, response.reason, dict(response.getheaders()), response.read())
    finally:
        connection.close()


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
def serving_asgi(app: Callable[..., Any]) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn on 127.0.0.1 (an ephemeral port) in a thread; yields its base URL."""
    import asyncio

    import uvicorn

    # Bound and listening before uvicorn starts: a client may connect at once, no waiting.
    sock = socket.create_server((HOST, 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=asyncio.run, args=(server.serve(sockets=[sock]),), daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def browse_pin(url: str) -> str:
    """What the user does: open the authorization URL and read the PIN on the embedded Provider's page."""
    page = send("GET", url)
    assert page.status == 200, page
    match = re.search(r"Your PIN: (\S+)", page.body.decode())
    assert match, page.body
    return match.group(1)


# ------------------------------------------------------------------------- IMAP


@dataclass(frozen=True)
class IMAPEndpoints:
    """Where the child's listeners are (see ``imap_server.IMAPServers``)."""

    account: Account
    implicit_tls_port: int
    starttls_port: int
    xoauth2_only_port: int
    host: str = HOST


@contextmanager
def imap_server_process(cert_path: Path, key_path: Path, account: Account) -> Iterator[IMAPEndpoints]:
    """Run the IMAP test servers in a child process for the ``with`` block.

    On the way out, fails if the servers logged an unexpected error.
    """
    child = subprocess.Popen(
        [sys.executable, __file__, str(cert_path), str(key_path), json.dumps(dataclasses.asdict(account))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        ready = child.stdout.readline()
        if not ready:
            raise RuntimeError(f"the IMAP server process exited with status {child.wait()} before listening")
        yield IMAPEndpoints(account=account, **json.loads(ready))
    finally:
        child.stdin.close()
        errors = child.stdout.read()
        child.wait(timeout=TIMEOUT)
    assert child.returncode == 0, f"the IMAP server process exited with status {child.returncode}"
    assert json.loads(errors) == [], errors


def main(argv: list[str]) -> None:
    """Serve until standard input closes (the child's side of ``imap_server_process``)."""
    from imap_server import running_imap_servers

    cert_path, key_path, account_json = argv
    account = Account(**json.loads(account_json))
    with running_imap_servers(Path(cert_path), Path(key_path), account) as servers:
        ports = {
            "implicit_tls_port": servers.implicit_tls_port,
            "starttls_port": servers.starttls_port,
            "xoauth2_only_port": servers.xoauth2_only_port,
        }
        print(json.dumps(ports), flush=True)
        sys.stdin.read()
        errors = list(servers.errors)
    print(json.dumps(errors), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
