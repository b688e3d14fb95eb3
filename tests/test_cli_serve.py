"""``oauth2 serve`` and ``oauth2 login --callback loopback``, run as subprocesses the way a user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from docs_support import browse_pin
from loopback import HOST, TIMEOUT, send

from oauth2.provider import Provider

CLI = [sys.executable, "-m", "oauth2"]
SERVE_LINES = ["request-token URL", "authorize URL", "access-token URL", "protected resource",
               "consumer key", "consumer secret"]


def environment() -> dict[str, str]:
    """This process's environment without any OAUTH_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OAUTH_")}


def oauth2_cli(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``python -m oauth2 ARGS`` in ``cwd`` and capture its output."""
    return subprocess.run([*CLI, *args], cwd=cwd, env=environment(), input=stdin,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


class Served(NamedTuple):
    """What ``oauth2 serve`` printed, and the process."""

    process: subprocess.Popen[str]
    first_line: str
    fields: dict[str, str]


@contextmanager
def oauth2_serve(*args: str, cwd: Path) -> Iterator[Served]:
    """Run ``oauth2 serve ARGS``; yields once it printed its endpoints. Stops it if the test did not."""
    process = subprocess.Popen([*CLI, "serve", *args], cwd=cwd, env=environment(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        fields = {}
        for _ in SERVE_LINES:
            name, _, value = process.stdout.readline().rstrip("\n").partition(": ")
            fields[name] = value
        yield Served(process, first_line, fields)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=TIMEOUT)


def login_args(fields: dict[str, str], credentials: Path) -> list[str]:
    """``login`` against what ``serve`` printed."""
    return ["login", "--request-token-url", fields["request-token URL"], "--authorize-url", fields["authorize URL"],
            "--access-token-url", fields["access-token URL"], "--credentials", str(credentials),
            "--consumer-key", fields["consumer key"], "--consumer-secret", fields["consumer secret"]]


def pin_login(fields: dict[str, str], credentials: Path, cwd: Path) -> dict[str, str]:
    """A whole PIN login, the test acting as the user; returns the saved credentials."""
    with subprocess.Popen([*CLI, *login_args(fields, credentials)], cwd=cwd, env=environment(), text=True,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as login:
        assert login.stdout is not None
        login.stdout.readline()
        pin = browse_pin(login.stdout.readline().strip())
        out, err = login.communicate(pin + "\n", timeout=TIMEOUT)
    assert login.returncode == 0, err
    saved: dict[str, str] = json.loads(credentials.read_text())
    return saved


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_then_sign_request_and_login_against_it(tmp_path: Path, stop: signal.Signals) -> None:
    with oauth2_serve(cwd=tmp_path) as served:
        base_url = re.fullmatch(r"Embedded OAuth 1\.0a provider on (http://127\.0\.0\.1:\d+) \(Ctrl-C to stop\)\n",
                                served.first_line)
        assert base_url, served.first_line
        fields = served.fields
        assert list(fields) == SERVE_LINES
        assert all(value.startswith(base_url.group(1) + "/") for value in list(fields.values())[:4])
        assert len(fields["consumer key"]) >= 16 and len(fields["consumer secret"]) >= 32
        # Hex, so that they can follow --consumer-key and --consumer-secret: argparse would take a value
        # beginning with "-" (as one in four token_urlsafe values does) for an option.
        assert re.fullmatch("[0-9a-f]+", fields["consumer key"] + fields["consumer secret"])

        credentials = tmp_path / "creds.json"
        saved = pin_login(fields, credentials, tmp_path)
        assert saved["consumer_key"] == fields["consumer key"]

        resource = fields["protected resource"] + "?q=caf%C3%A9"
        request = oauth2_cli("request", "GET", resource, "--credentials", str(credentials), cwd=tmp_path)
        assert request.returncode == 0, request.stderr
        assert json.loads(request.stdout) == {"user": "alice", "method": "GET", "parameters": {"q": "café"}}

        signed = oauth2_cli("sign", "POST", fields["protected resource"], "status=hi", "--credentials",
                            str(credentials), cwd=tmp_path)
        assert signed.returncode == 0, signed.stderr
        name, authorization = signed.stdout.strip().split(": ", 1)
        reply = send("POST", fields["protected resource"],
                     {name: authorization, "Content-Type": "application/x-www-form-urlencoded"}, "status=hi")
        assert reply.status == 200, reply
        assert reply.json()["parameters"] == {"status": "hi"}

        served.process.send_signal(stop)
        out, err = served.process.communicate(timeout=TIMEOUT)
        assert served.process.returncode == 0, err
        assert (out, err) == ("Stopped.\n", "")


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
    return port


def test_serve_on_a_given_port_with_given_credentials(tmp_path: Path) -> None:
    port = free_port()
    with oauth2_serve("--port", str(port), "--consumer-key", "my-key", "--consumer-secret", "my-secret",
                      cwd=tmp_path) as served:
        assert served.fields["request-token URL"] == f"http://127.0.0.1:{port}/request_token"
        assert (served.fields["consumer key"], served.fields["consumer secret"]) == ("my-key", "my-secret")
        saved = pin_login(served.fields, tmp_path / "creds.json", tmp_path)
        assert (saved["consumer_key"], saved["consumer_secret"]) == ("my-key", "my-secret")
        served.process.send_signal(signal.SIGINT)
        served.process.wait(timeout=TIMEOUT)
        assert served.process.returncode == 0


def test_serve_on_a_port_in_use_is_one_error_line(tmp_path: Path) -> None:
    with socket.create_server((HOST, 0)) as busy:
        result = oauth2_cli("serve", "--port", str(busy.getsockname()[1]), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("oauth2 serve: ") and len(result.stderr.splitlines()) == 1, result.stderr


def test_serve_refuses_a_port_out_of_range(tmp_path: Path) -> None:
    result = oauth2_cli("serve", "--port", "70000", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "oauth2 serve: --port must be from 1 to 65535 (or 0 for a free one), not 70000 (see 'oauth2 serve --help')\n"
    )


# ------------------------------------------------------------ login --callback loopback


@contextmanager
def loopback_login(provider: Provider, credentials: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``oauth2 login --callback loopback`` against ``provider``; yields it and the authorization URL it printed."""
    args = ["login", "--callback", "loopback", "--request-token-url", provider.request_token_url,
            "--authorize-url", provider.authorize_url, "--access-token-url", provider.access_token_url,
            "--credentials", str(credentials), "--consumer-key", provider.consumer.key or "",
            "--consumer-secret", provider.consumer.secret or "", *extra]
    with subprocess.Popen([*CLI, *args], cwd=credentials.parent, env=environment(), text=True,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as login:
        assert login.stdout is not None
        first = login.stdout.readline()
        match = re.fullmatch(r"Open this URL and authorize the application; the browser comes back to "
                             r"http://127\.0\.0\.1:\d+/callback:\n", first)
        assert match, first + (login.stderr.read() if login.stderr else "")
        url = login.stdout.readline().strip()
        assert url.startswith(provider.authorize_url + "?oauth_token=")
        yield login, url


def test_login_loopback_catches_the_verifier(tmp_path: Path) -> None:
    credentials = tmp_path / "creds.json"
    with Provider() as provider, loopback_login(provider, credentials) as (login, url):
        consent = send("GET", url)  # the test is the browser: the provider redirects it...
        assert consent.status == 302, consent
        callback = consent.headers["Location"]
        assert callback.startswith("http://127.0.0.1:")
        parts = urllib.parse.urlsplit(callback)
        assert parts.path == "/callback"
        query = dict(urllib.parse.parse_qsl(parts.query))
        assert query["oauth_token"] == dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["oauth_token"]
        # A browser asks for other things too; the listener answers them and keeps waiting.
        assert send("GET", f"{parts.scheme}://{parts.netloc}/favicon.ico").status == 404
        page = send("GET", callback)  # ... to the loopback listener
        assert page.status == 200, page
        assert "You can close this window" in page.body.decode()
        out, err = login.communicate(timeout=TIMEOUT)
        assert login.returncode == 0, err
        assert err == ""
        saved = json.loads(credentials.read_text())
        assert out.startswith(f"Access token {saved['token']} saved to {credentials}\n")
        assert provider.log[-1].path == "/access_token" and provider.log[-1].error is None
        assert f"oauth_verifier%3D{query['oauth_verifier']}" in provider.log[-1].base_string
        assert send("GET", provider.resource_url).status == 401  # and the saved token is a real one:
        result = oauth2_cli("request", "GET", provider.resource_url, "--credentials", str(credentials), cwd=tmp_path)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("change", "expected"), [
    ({"oauth_token": "someone-elses"}, "the provider sent back another request token than the one this login "
                                       "asked to authorize: run 'oauth2 login' again"),
    ({"denied": "x"}, "the authorization was denied at the provider"),
    ({"oauth_verifier": ""}, "the provider sent back no oauth_verifier"),
])
def test_login_loopback_refuses_a_callback_for_another_token(tmp_path: Path, change: dict[str, str],
                                                             expected: str) -> None:
    credentials = tmp_path / "creds.json"
    with Provider() as provider, loopback_login(provider, credentials) as (login, url):
        callback = urllib.parse.urlsplit(send("GET", url).headers["Location"])
        query = {**dict(urllib.parse.parse_qsl(callback.query)), **change}
        page = send("GET", callback._replace(query=urllib.parse.urlencode(query)).geturl())
        assert page.status == 400
        assert page.body.decode() == f"oauth2 login: {expected}.\n"
        out, err = login.communicate(timeout=TIMEOUT)
    assert login.returncode == 1
    assert err == f"oauth2 login: {expected}\n"
    assert not credentials.exists()


def test_login_loopback_gives_up_after_its_timeout(tmp_path: Path) -> None:
    credentials = tmp_path / "creds.json"
    with Provider() as provider, loopback_login(provider, credentials, "--callback-timeout", "0.2") as (login, _):
        out, err = login.communicate(timeout=TIMEOUT)
    assert login.returncode == 1
    assert re.fullmatch(r"oauth2 login: no authorization came back to http://127\.0\.0\.1:\d+/callback within 0\.2 "
                        r"seconds: run 'oauth2 login' again, or give more time with --callback-timeout\n", err), err
    assert not credentials.exists()
