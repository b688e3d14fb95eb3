"""The embedded provider (``oauth2.provider``) as a server: connections, its log, the consent page, HEAD."""

from __future__ import annotations

import socket
import urllib.parse

import pytest
from docs_support import browse_pin
from loopback import HOST, TIMEOUT, send

import oauth2 as oauth
from oauth2.provider import Provider


def port_of(provider: Provider) -> int:
    """The provider's port, read from its URL."""
    port = urllib.parse.urlsplit(provider.base_url).port
    assert port is not None
    return port


def test_the_port_is_the_one_in_the_urls() -> None:
    with Provider() as provider:
        assert provider.port == port_of(provider)


def test_a_stalled_connection_is_closed_by_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    with Provider(timeout=0.2) as provider, socket.create_connection((HOST, port_of(provider))) as conn:
        conn.settimeout(TIMEOUT)  # generous: the server, not this timeout, must end the wait
        conn.sendall(b"GET /resource HTTP/1.1\r\nHost: 127.0.0.1")  # and then nothing more
        assert conn.recv(1024) == b""  # EOF: the server gave up on the silent client
        # The server still answers others.
        assert send("GET", provider.base_url + "/nowhere").status == 404
    assert "Traceback" not in capsys.readouterr().err


def test_the_log_keeps_the_last_entries_only() -> None:
    with Provider(log_size=3) as provider:
        client = oauth.Client(provider.consumer)
        keys = [client.fetch_request_token(provider.request_token_url).key for _ in range(5)]
        assert len(provider.log) == 3
        assert [entry.path for entry in provider.log] == ["/request_token"] * 3
        assert [entry.error for entry in provider.log] == [None] * 3
        assert keys[-1] is not None


def test_a_reloaded_consent_page_shows_the_same_pin() -> None:
    with Provider() as provider:
        client = oauth.Client(provider.consumer)
        client.fetch_request_token(provider.request_token_url)
        url = client.authorization_url(provider.authorize_url)
        first = browse_pin(url)
        assert browse_pin(url) == first  # the user reloaded the page
        token = client.fetch_access_token(provider.access_token_url, first)
        assert token.key


def test_a_new_request_token_gets_a_new_pin() -> None:
    with Provider() as provider:
        pins = []
        for _ in range(2):
            client = oauth.Client(provider.consumer)
            client.fetch_request_token(provider.request_token_url)
            pins.append(browse_pin(client.authorization_url(provider.authorize_url)))
        assert pins[0] != pins[1]


def raw_head(provider: Provider, path: str) -> tuple[str, bytes]:
    """Send HEAD and read everything the server writes until it closes: its head and whatever follows.

    (http.client reads no body after a HEAD, so it would hide one.)
    """
    with socket.create_connection((HOST, port_of(provider))) as conn:
        conn.settimeout(TIMEOUT)
        conn.sendall(f"HEAD {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


@pytest.mark.parametrize("path", ["/authorize?oauth_token=unknown", "/nowhere", "/request_token"])
def test_head_gets_headers_only(path: str) -> None:
    with Provider() as provider:
        get = send("GET", provider.base_url + path)
        head, rest = raw_head(provider, path)
        assert get.body
        assert rest == b""
        assert head.startswith(f"HTTP/1.0 {get.status} ")
        assert f"Content-Type: {get.headers['Content-Type']}" in head.splitlines()
        assert f"Content-Length: {len(get.body)}" in head.splitlines()


def test_head_on_the_consent_page_keeps_the_pin() -> None:
    with Provider() as provider:
        client = oauth.Client(provider.consumer)
        client.fetch_request_token(provider.request_token_url)
        url = client.authorization_url(provider.authorize_url)
        head, rest = raw_head(provider, url.removeprefix(provider.base_url))
        assert head.startswith("HTTP/1.0 200 ") and rest == b""
        pin = browse_pin(url)
        assert client.fetch_access_token(provider.access_token_url, pin).key


def test_issue_access_token_opens_the_resource() -> None:
    with Provider() as provider:
        first, second = provider.issue_access_token(), provider.issue_access_token()
        assert first.key != second.key
        response, content = oauth.Client(provider.consumer, first).request(provider.resource_url + "?a=1")
        assert response.status == 200, content
        assert provider.log[-1].error is None
