"""The ``oauth2`` command line, run as a subprocess the way a user runs it.

Signatures it prints are checked with oauthlib's signature functions and with
our ``Server``; requests it sends go to the embedded provider on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import http.server
import io
import json
import os
import re
import shlex
import socket
import socketserver
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from docs_support import browse_pin
from loopback import send
from oauthlib_oracle import oauthlib_hmac_sha1, oauthlib_steps

import oauth2 as oauth
import oauth2.cli
from oauth2.provider import Provider

CLI = [sys.executable, "-m", "oauth2"]
FORM = "application/x-www-form-urlencoded"
# Secrets with characters that percent-encoding changes, so that a leak of
# either the raw or the encoded form is caught.
CONSUMER = oauth.Consumer("cli-consumer", "cs-S3cret/+key")
TOKEN = oauth.Token("cli-token", "ts-S3cret&=tok")
CREDENTIALS_ENV = {
    "OAUTH_CONSUMER_KEY": CONSUMER.key or "",
    "OAUTH_CONSUMER_SECRET": CONSUMER.secret or "",
    "OAUTH_TOKEN": TOKEN.key or "",
    "OAUTH_TOKEN_SECRET": TOKEN.secret or "",
}
TIMESTAMP = "137131201"
NONCE = "7d8f3e4a"
FIXED = ["--timestamp", TIMESTAMP, "--nonce", NONCE]


def environment(variables: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any OAUTH_* variable, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OAUTH_")}
    env.update(variables or {})
    return env


def oauth2_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
               stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``python -m oauth2 ARGS`` in ``cwd`` and capture its output."""
    return subprocess.run([*CLI, *args], cwd=cwd, env=environment(env), input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def secrets_in(text: str) -> list[str]:
    """The forms of the test secrets that appear in ``text``."""
    forms = [CONSUMER.secret or "", TOKEN.secret or ""]
    forms += [oauth.escape(s) for s in forms]
    return [s for s in forms if s in text]


def assert_one_line_error(result: subprocess.CompletedProcess[str], status: int, command: str) -> str:
    """The command failed with ``status`` and said why in one stderr line, without a traceback."""
    assert result.returncode == status, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"oauth2 {command}: "), lines
    return without_help_pointer(lines[0], status, command)


def without_help_pointer(line: str, status: int, command: str) -> str:
    """``line`` without the pointer to ``--help`` that ends every usage error (status 2), and only those."""
    pointer = f" (see 'oauth2 {command} --help')"
    assert line.endswith(pointer) == (status == 2), line
    return line.removesuffix(pointer)


def header_params(authorization: str) -> dict[str, str]:
    """The decoded parameters of an OAuth Authorization header."""
    return dict(oauth.parse_authorization_header(authorization)[0])


def verify_with_server(method: str, url: str, headers: dict[str, str], body: str | None,
                       consumer: oauth.Consumer, token: oauth.Token | None, now: float) -> dict[str, object]:
    """Verify a request with our Server, whose clock reads ``now``; returns its non-OAuth parameters.

    Empty secrets are allowed: what is checked is the signature the command made, not the server's policy."""
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], clock=lambda: now, allow_empty_secret=True)
    request = oauth.Request.from_request(method, url, headers=headers, body=body.encode() if body else None)
    return server.verify_request(request, consumer, token)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def provider() -> Iterator[Provider]:
    """The embedded provider, knowing the test consumer."""
    with Provider(consumer=CONSUMER) as p:
        yield p


def access_token_for(provider: Provider) -> oauth.Token:
    """Token credentials issued by ``provider`` to the test consumer, via the library's flow helpers."""
    client = oauth.Client(provider.consumer)
    client.fetch_request_token(provider.request_token_url)
    pin = browse_pin(client.authorization_url(provider.authorize_url))
    return client.fetch_access_token(provider.access_token_url, pin)


def login_args(provider: Provider, credentials: Path) -> list[str]:
    """``login`` against ``provider``, saving to ``credentials``."""
    return ["login", "--request-token-url", provider.request_token_url, "--authorize-url", provider.authorize_url,
            "--access-token-url", provider.access_token_url, "--credentials", str(credentials)]


# --------------------------------------------------------------------------- sign


@pytest.mark.parametrize(("method", "url", "data"), [
    ("GET", "http://Photos.Example.net:80/photos?size=original&file=vacation%20pic.jpg", None),
    ("POST", "https://api.example.com:8443/1.1/statuses/update.json?include_entities=true",
     "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20caf%C3%A9%21&lat=37.7&lat=-122"),
])
def test_sign_header_verifies(tmp_path: Path, method: str, url: str, data: str | None) -> None:
    result = oauth2_cli("sign", method, url, *([data] if data else []), *FIXED, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    (line,) = result.stdout.splitlines()
    name, authorization = line.split(": ", 1)
    assert name == "Authorization"
    sent = header_params(authorization)
    assert (sent["oauth_timestamp"], sent["oauth_nonce"]) == (TIMESTAMP, NONCE)
    assert (sent["oauth_consumer_key"], sent["oauth_token"]) == (CONSUMER.key, TOKEN.key)
    assert sent["oauth_signature_method"] == "HMAC-SHA1"

    base_string = oauthlib_steps(method, url, authorization, data)[3]
    assert oauthlib_hmac_sha1(base_string, CONSUMER, TOKEN) == sent["oauth_signature"]

    headers = {"Authorization": authorization, **({"Content-Type": FORM} if data else {})}
    expected = dict(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query))
    expected.update(urllib.parse.parse_qs(data or ""))
    verified = verify_with_server(method, url, headers, data, CONSUMER, TOKEN, now=int(TIMESTAMP))
    assert {k: v if isinstance(v, list) else [v] for k, v in verified.items()} == expected


def test_sign_output_url_verifies(tmp_path: Path) -> None:
    url = "http://api.example.com/search?q=caf%C3%A9&empty=&q=tea"
    result = oauth2_cli("sign", "GET", url, "--output", "url", *FIXED, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert result.returncode == 0, result.stderr
    (signed,) = result.stdout.splitlines()
    assert signed.startswith(url + "&oauth_")  # the query is kept exactly as given

    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signed).query))
    assert (query["oauth_timestamp"], query["oauth_nonce"]) == (TIMESTAMP, NONCE)
    base_string = oauthlib_steps("GET", signed)[3]
    assert oauthlib_hmac_sha1(base_string, CONSUMER, TOKEN) == query["oauth_signature"]
    verified = verify_with_server("GET", signed, {}, None, CONSUMER, TOKEN, now=int(TIMESTAMP))
    assert verified == {"q": ["café", "tea"], "empty": ""}


def test_sign_output_curl_is_accepted_by_the_provider(tmp_path: Path, provider: Provider) -> None:
    token = access_token_for(provider)
    env = {**CREDENTIALS_ENV, "OAUTH_TOKEN": token.key or "", "OAUTH_TOKEN_SECRET": token.secret or ""}
    data = "status=Hello%20world&lang=fr"
    nonce = uuid.uuid4().hex
    result = oauth2_cli("sign", "POST", provider.resource_url, data, "--output", "curl",
                        "--timestamp", str(int(time.time())), "--nonce", nonce, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    argv = shlex.split(line)
    assert argv[:4] == ["curl", "-X", "POST", "-H"]
    assert argv[5:] == ["-H", f"Content-Type: {FORM}", "--data-raw", data, provider.resource_url]
    name, authorization = argv[4].split(": ", 1)
    assert name == "Authorization" and header_params(authorization)["oauth_nonce"] == nonce

    # Do what curl does with those arguments.
    reply = send("POST", provider.resource_url, {"Authorization": authorization, "Content-Type": FORM}, data)
    assert reply.status == 200, reply
    assert reply.json() == {
        "user": "alice", "method": "POST", "parameters": {"status": "Hello world", "lang": "fr"}
    }


def test_sign_explain_matches_oauthlib_and_shows_no_secret(tmp_path: Path) -> None:
    url = "https://API.example.com/1.1/statuses/update.json?include_entities=true&b=%2F"
    data = "status=caf%C3%A9%20%26%20cr%C3%AApes&a=1"
    result = oauth2_cli("sign", "POST", url, data, "--explain", *FIXED, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    authorization = lines[-1].split(": ", 1)[1]
    params, normalized, uri, base_string = oauthlib_steps("POST", url, authorization, data)

    assert lines[:-1] == [
        "parameters:",
        *(f"  {k}={v}" for k, v in sorted(params)),
        f"normalized parameters: {normalized}",
        f"base string URI: {uri}",
        f"signature base string: {base_string}",
    ]
    assert "  status=café & crêpes" in lines
    assert oauthlib_hmac_sha1(base_string, CONSUMER, TOKEN) == header_params(authorization)["oauth_signature"]
    assert secrets_in(result.stdout + result.stderr) == []


# ------------------------------------------------------------------------ request


def test_request_include_prints_status_and_headers(tmp_path: Path, provider: Provider) -> None:
    token = access_token_for(provider)
    env = {**CREDENTIALS_ENV, "OAUTH_TOKEN": token.key or "", "OAUTH_TOKEN_SECRET": token.secret or ""}
    result = oauth2_cli("request", "GET", provider.resource_url + "?q=caf%C3%A9", "-i", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    head, _, body = result.stdout.partition("\n\n")
    status_line, *header_lines = head.splitlines()
    assert status_line == "HTTP/1.0 200 OK"  # as the server (wsgiref) sent it, as curl -i shows it
    headers = dict(line.split(": ", 1) for line in header_lines)
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"user": "alice", "method": "GET", "parameters": {"q": "café"}}
    assert provider.log[-1].error is None


def test_request_include_prints_only_the_headers_the_server_sent(tmp_path: Path, provider: Provider) -> None:
    """httplib2 adds ``status`` and ``content-location`` to its responses; -i must not show them as headers."""
    token = access_token_for(provider)
    env = {**CREDENTIALS_ENV, "OAUTH_TOKEN": token.key or "", "OAUTH_TOKEN_SECRET": token.secret or ""}
    result = oauth2_cli("request", "GET", provider.resource_url, "-i", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    header_lines = result.stdout.partition("\n\n")[0].splitlines()[1:]
    assert sorted(line.split(":", 1)[0] for line in header_lines) == [
        "Content-Length", "Content-Type", "Date", "Server"
    ]


def test_request_form_post(tmp_path: Path, provider: Provider) -> None:
    token = access_token_for(provider)
    env = {**CREDENTIALS_ENV, "OAUTH_TOKEN": token.key or "", "OAUTH_TOKEN_SECRET": token.secret or ""}
    result = oauth2_cli("request", "POST", provider.resource_url, "status=Hello%20there&lat=1.5",
                        cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "user": "alice", "method": "POST", "parameters": {"status": "Hello there", "lat": "1.5"}
    }


def test_request_refused_exits_1(tmp_path: Path, provider: Provider) -> None:
    env = {"OAUTH_CONSUMER_KEY": CONSUMER.key or "", "OAUTH_CONSUMER_SECRET": "not-the-secret"}
    result = oauth2_cli("request", "POST", provider.request_token_url, "-i", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("HTTP/1.0 401 Unauthorized\n")
    assert 'WWW-Authenticate: OAuth realm="oauth2 demo", oauth_problem="signature_invalid"' in result.stdout
    assert result.stdout.split("\n\n", 1)[1].startswith("oauth_problem=signature_invalid&")
    assert provider.log[-1].error == "Invalid signature."


# -------------------------------------------------------------------------- login


def test_login_saves_the_token_and_sign_uses_it(tmp_path: Path, provider: Provider) -> None:
    credentials = tmp_path / "creds.json"
    env = environment({k: v for k, v in CREDENTIALS_ENV.items() if k.startswith("OAUTH_CONSUMER")})
    with subprocess.Popen([*CLI, *login_args(provider, credentials)], cwd=tmp_path, env=env, text=True,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as login:
        assert login.stdin and login.stdout
        transcript = [login.stdout.readline(), login.stdout.readline()]
        assert transcript[0].startswith("Open this URL, authorize the application")
        url = transcript[1].strip()
        assert url.startswith(provider.authorize_url + "?oauth_token=")
        pin = browse_pin(url)
        # Read the prompt here: communicate() reads the pipe itself, past this buffered reader.
        transcript.append(login.stdout.read(len("PIN: ")))
        assert transcript[-1] == "PIN: "
        out, err = login.communicate(pin + "\n", timeout=60)
    assert login.returncode == 0, err
    assert err == ""

    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600
    saved = json.loads(credentials.read_text())
    assert (saved["consumer_key"], saved["consumer_secret"]) == (CONSUMER.key, CONSUMER.secret)
    assert saved["extra"] == {"user_id": "1", "screen_name": "alice"}
    assert out == (f"Access token {saved['token']} saved to {credentials}\n"
                   f"Pass --credentials {credentials} to 'oauth2 sign' and 'oauth2 request' to use it.\n")
    transcript.append(out)
    assert saved["token_secret"] not in "".join(transcript) and secrets_in("".join(transcript)) == []
    assert params_signed_last(provider)["oauth_verifier"] == pin

    signed = oauth2_cli("sign", "GET", provider.resource_url, "--credentials", str(credentials), cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    authorization = signed.stdout.strip().split(": ", 1)[1]
    assert header_params(authorization)["oauth_token"] == saved["token"]
    reply = send("GET", provider.resource_url, {"Authorization": authorization})
    assert reply.status == 200, reply

    before = credentials.read_bytes()
    requests_before = len(provider.log)
    again = oauth2_cli(*login_args(provider, credentials), cwd=tmp_path)
    message = assert_one_line_error(again, 2, "login")
    assert "--force" in message
    assert credentials.read_bytes() == before
    assert len(provider.log) == requests_before


def params_signed_last(provider: Provider) -> dict[str, str]:
    """The parameters of the last request the provider verified, read back from its base string."""
    return dict(urllib.parse.parse_qsl(urllib.parse.unquote(provider.log[-1].base_string.split("&")[2])))


def test_login_without_pin_saves_nothing(tmp_path: Path, provider: Provider) -> None:
    credentials = tmp_path / "creds.json"
    result = oauth2_cli(*login_args(provider, credentials), cwd=tmp_path, env=CREDENTIALS_ENV, stdin="\n")
    assert assert_one_line_error(result, 2, "login") == "oauth2 login: no PIN given"
    assert not credentials.exists()
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- demo


def test_demo_shows_each_step(tmp_path: Path) -> None:
    result = oauth2_cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    request_token = re.search(r"^== 1\. Request token: (\S+) \(callback confirmed: true\)$", out, re.M)
    authorize = re.search(r"^== 2\. Authorize: the user opens (http://127\.0\.0\.1:\d+)/authorize\?oauth_token=(\S+)$",
                          out, re.M)
    pin = re.search(r"the provider shows the PIN (\w+)$", out, re.M)
    access_token = re.search(r"^== 3\. Access token: (\S+) for alice$", out, re.M)
    assert request_token and authorize and pin and access_token, out
    assert re.search(r'^== 4\. Protected resource: HTTP 200 \{"user": "alice"', out, re.M), out
    assert re.search(r"^== 5\. Form POST: HTTP 200 ", out, re.M), out
    assert out.rstrip().endswith("verified by oauth2.Server.")
    assert "refused" not in out
    base_url = authorize.group(1)
    assert authorize.group(2) == request_token.group(1)

    verdicts = re.findall(r"^   provider: (\w+) (\S+) (\w+)$", out, re.M)
    assert verdicts == [("POST", "/request_token", "verified"), ("POST", "/access_token", "verified"),
                        ("GET", "/resource", "verified"), ("POST", "/resource", "verified")]
    base_strings = re.findall(r"^   signature base string: (\S+)$", out, re.M)
    assert len(base_strings) == 4
    for (method, path, _), base_string in zip(verdicts, base_strings):
        signed_method, uri, _ = base_string.split("&")
        assert (signed_method, urllib.parse.unquote(uri)) == (method, base_url + path)
    access_params = dict(urllib.parse.parse_qsl(urllib.parse.unquote(base_strings[1].split("&")[2])))
    assert (access_params["oauth_token"], access_params["oauth_verifier"]) == (request_token.group(1), pin.group(1))


# ------------------------------------------------------------------ help and errors


@pytest.mark.parametrize("command", [[], ["sign"], ["request"], ["login"], ["demo"]])
def test_help(tmp_path: Path, command: list[str]) -> None:
    result = oauth2_cli(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.startswith(" ".join(["usage: oauth2", *command]))


def test_version(tmp_path: Path) -> None:
    result = oauth2_cli("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"oauth2 {oauth.__version__}\n")


@pytest.mark.parametrize(("args", "expected"), [
    (["sign", "GET", "http://example.com/", "--bogus"], "oauth2 sign: unrecognized arguments: --bogus"),
    (["sign", "GET", "http://example.com/", "--output", "xml"], "oauth2 sign: argument --output: invalid choice"),
    (["sign", "GET"], "oauth2 sign: the following arguments are required: URL"),
    (["request", "GET", "http://example.com/", "--timeout", "soon"], "oauth2 request: argument --timeout: invalid"),
    (["login", "--authorize-url", "http://example.com/"], "oauth2 login: the following arguments are required: "),
    (["frobnicate"], "oauth2: argument COMMAND: invalid choice: 'frobnicate'"),
    ([], "oauth2: the following arguments are required: COMMAND"),
])
def test_bad_flags_exit_2_with_one_line_pointing_to_help(tmp_path: Path, args: list[str], expected: str) -> None:
    result = oauth2_cli(*args, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(expected), line
    prog = expected.split(":")[0]
    assert line.endswith(f" (see '{prog} --help')"), line


@pytest.mark.parametrize(("args", "env", "expected"), [
    (["sign", "GET", "http://example.com/"], {}, "oauth2 sign: no consumer key"),
    (["request", "GET", "http://example.com/"], {"OAUTH_CONSUMER_SECRET": "s"}, "oauth2 request: no consumer key"),
    (["sign", "GET", "http://example.com/", "--signature-method", "RSA-SHA1"], CREDENTIALS_ENV,
     "oauth2 sign: RSA-SHA1 needs --rsa-key FILE"),
    (["request", "GET", "http://example.com/", "-H", "no-colon"], CREDENTIALS_ENV,
     "oauth2 request: -H wants 'Name: value'"),
])
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], env: dict[str, str],
                                           expected: str) -> None:
    result = oauth2_cli(*args, cwd=tmp_path, env=env)
    assert assert_one_line_error(result, 2, args[0]).startswith(expected)
    assert result.stdout == ""


def test_unreachable_host_exits_1_with_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/request_token"
    result = oauth2_cli("request", "GET", url, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert "refused" in assert_one_line_error(result, 1, "request").lower()

    login = oauth2_cli("login", "--request-token-url", url, "--authorize-url", url, "--access-token-url", url,
                       "--credentials", str(tmp_path / "creds.json"), cwd=tmp_path, env=CREDENTIALS_ENV)
    assert "refused" in assert_one_line_error(login, 1, "login").lower()
    assert list(tmp_path.iterdir()) == []


class NotHTTP(socketserver.ThreadingTCPServer):
    """A TCP server on 127.0.0.1 that answers every connection with the same bytes, HTTP or not."""

    daemon_threads = True

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        super().__init__(("127.0.0.1", 0), _Reply)

    @property
    def url(self) -> str:
        """Any path: the reply does not depend on it."""
        return f"http://127.0.0.1:{self.server_address[1]}/resource"


class _Reply(socketserver.BaseRequestHandler):
    server: NotHTTP

    def handle(self) -> None:
        self.request.recv(65536)
        self.request.sendall(self.server.reply)


@pytest.mark.parametrize("reply", [
    b"SSH-2.0-OpenSSH_9.6\r\n",  # the wrong port
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b",  # a connection cut short
], ids=["not-http", "truncated"])
def test_broken_server_exits_1_with_one_line(tmp_path: Path, reply: bytes) -> None:
    with NotHTTP(reply) as server:
        # A short poll interval only bounds how long shutdown() waits for the loop.
        thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        try:
            result = oauth2_cli("request", "GET", server.url, cwd=tmp_path, env=CREDENTIALS_ENV)
        finally:
            server.shutdown()
            thread.join()
    assert_one_line_error(result, 1, "request")


@pytest.mark.parametrize(("url", "expected"), [
    ("example.com/photos", "URL must be an absolute URL starting with http:// or https://"),
    ("ftp://example.com/photos", "URL must be an absolute URL starting with http:// or https://"),
    ("http://example.com/my photos", "URL contains a space or a control character: percent-encode it (%20)"),
])
def test_invalid_url_exits_2_with_one_line(tmp_path: Path, url: str, expected: str) -> None:
    result = oauth2_cli("sign", "GET", url, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert assert_one_line_error(result, 2, "sign").startswith(f"oauth2 sign: {expected}")
    assert result.stdout == ""


# ------------------------------------------------------- in-process runs (issue 16)


class Run(NamedTuple):
    """What ``main`` returned and printed."""

    status: int
    out: str
    err: str


class UserAtTheKeyboard(io.StringIO):
    """Standard input typed by a user: each answer in turn, ``PIN`` being the one the page printed last shows."""

    def __init__(self, transcript: io.StringIO, answers: list[str]) -> None:
        super().__init__()
        self.transcript = transcript
        self.answers = list(answers)

    def readline(self, size: int | None = -1) -> str:
        if not self.answers:
            return ""  # end of input
        answer = self.answers.pop(0)
        if answer != "PIN":
            return answer
        urls = re.findall(r"http://127\.0\.0\.1:\d+/authorize\?\S+", self.transcript.getvalue())
        return browse_pin(urls[-1]) + "\n"


class Terminal(io.StringIO):
    """Standard output as a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Run]]:
    """``main`` run in ``tmp_path`` with no OAUTH_* variable but ``env``, stdin answering ``answers``."""
    for name in list(os.environ):
        if name.startswith("OAUTH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def run(*args: str, env: dict[str, str] | None = None, answers: list[str] | None = None,
            stdin: bytes = b"", out: io.StringIO | None = None) -> Run:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        out = out if out is not None else io.StringIO()
        fake_stdin = UserAtTheKeyboard(out, answers or [])
        fake_stdin.buffer = io.BytesIO(stdin)  # type: ignore[misc]
        monkeypatch.setattr(sys, "stdin", fake_stdin)
        err = io.StringIO()
        monkeypatch.setattr(sys, "stderr", err)
        status = oauth2.cli.main(list(args), out)
        for name in env or {}:
            monkeypatch.delenv(name)
        return Run(status, out.getvalue(), err.getvalue())

    yield run


def token_env(provider: Provider) -> dict[str, str]:
    """The test consumer and a fresh access token of ``provider`` as OAUTH_* variables."""
    token = access_token_for(provider)
    return {**CREDENTIALS_ENV, "OAUTH_TOKEN": token.key or "", "OAUTH_TOKEN_SECRET": token.secret or ""}


def one_error_line(run: Run, status: int, command: str) -> str:
    """The single stderr line of a failed run, without its ``oauth2 COMMAND: `` prefix."""
    assert run.status == status, run
    (line,) = run.err.splitlines()
    assert line.startswith(f"oauth2 {command}: "), line
    assert secrets_in(run.out + run.err) == []
    return without_help_pointer(line, status, command)[len(f"oauth2 {command}: "):]


# 1. --credentials FILE


@pytest.mark.parametrize("command", ["sign", "request"])
def test_missing_credentials_file_is_an_error_naming_it(cli: Callable[..., Run], command: str) -> None:
    run = cli(command, "GET", "http://127.0.0.1:9/resource", "--credentials", "nowhere.json", env=CREDENTIALS_ENV)
    assert one_error_line(run, 2, command) == (
        "the credentials file nowhere.json does not exist: run 'oauth2 login' to create it")
    assert run.out == ""


# 2. login, then sign and request in the same directory


def test_login_then_request_in_the_same_directory(cli: Callable[..., Run], tmp_path: Path,
                                                   provider: Provider) -> None:
    consumer_env = {k: v for k, v in CREDENTIALS_ENV.items() if k.startswith("OAUTH_CONSUMER")}
    login = cli("login", "--request-token-url", provider.request_token_url, "--authorize-url",
                provider.authorize_url, "--access-token-url", provider.access_token_url,
                env=consumer_env, answers=["PIN"])
    assert login.status == 0, login
    saved = json.loads((tmp_path / "oauth2-credentials.json").read_text())
    assert login.out.endswith(f"Access token {saved['token']} saved to oauth2-credentials.json\n"
                              "'oauth2 sign' and 'oauth2 request' use it when run in this directory.\n")

    # With the consumer still in the environment, as during login, and without it.
    for env in (consumer_env, {}):
        run = cli("request", "GET", provider.resource_url + "?q=1", env=env)
        assert (run.status, run.err) == (0, ""), run
        assert json.loads(run.out) == {"user": "alice", "method": "GET", "parameters": {"q": "1"}}
        assert provider.log[-1].error is None

    signed = cli("sign", "GET", provider.resource_url)
    assert header_params(signed.out.strip().split(": ", 1)[1])["oauth_token"] == saved["token"]


def test_flags_come_before_the_environment_and_the_default_file(cli: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "oauth2-credentials.json").write_text(json.dumps(
        {"consumer_key": "file-consumer", "consumer_secret": "f", "token": "file-token", "token_secret": "g"}))
    env = {"OAUTH_CONSUMER_KEY": "env-consumer", "OAUTH_CONSUMER_SECRET": "e"}

    def signed_with(*args: str, env: dict[str, str]) -> tuple[dict[str, str], str]:
        run = cli("sign", "GET", "http://example.com/", *args, env=env)
        assert run.status == 0, run
        return header_params(run.out.strip().split(": ", 1)[1]), run.err

    params, err = signed_with(env={})
    assert (params["oauth_consumer_key"], params["oauth_token"]) == ("file-consumer", "file-token")
    assert err == ""
    # Another consumer: the file's token is not its token.
    params, err = signed_with(env=env)
    assert params["oauth_consumer_key"] == "env-consumer" and "oauth_token" not in params
    assert err == ("oauth2 sign: warning: not using the token in oauth2-credentials.json: it was issued to the "
                   "consumer file-consumer, not env-consumer\n")
    params, _ = signed_with("--consumer-key", "flag-consumer", "--consumer-secret", "x", "--token", "flag-token",
                            "--token-secret", "y", env=env)
    assert (params["oauth_consumer_key"], params["oauth_token"]) == ("flag-consumer", "flag-token")


# 3. arguments that are not UTF-8


@pytest.mark.parametrize(("args", "expected"), [
    (["--consumer-secret", "s\udcff"], "--consumer-secret is not valid UTF-8: give it in UTF-8"),
    (["status=caf\udce9"], "DATA is not valid UTF-8: percent-encode it (caf%C3%A9) or read the body from a "
                           "file with @FILE"),
    (["-H", "X-A: \udcff"], "-H is not valid UTF-8: give it in UTF-8"),
    (["--rsa-key-password", "p\udcff"], "--rsa-key-password is not valid UTF-8: give it in UTF-8"),
])
def test_non_utf8_arguments_are_named(cli: Callable[..., Run], args: list[str], expected: str) -> None:
    run = cli("sign", "POST", "http://example.com/", *args, env=CREDENTIALS_ENV)
    assert one_error_line(run, 2, "sign") == expected
    assert "\\udc" not in run.err and "\udcff" not in run.err


def test_non_utf8_argument_from_a_shell(tmp_path: Path) -> None:
    """The bytes a shell passes for $'s\\xff', through Python's own decoding of argv."""
    result = subprocess.run([*CLI, "sign", "GET", "http://example.com/", "--consumer-secret", b"s\xff"],
                            cwd=tmp_path, env=environment(CREDENTIALS_ENV), capture_output=True, timeout=60,
                            check=False)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr == (b"oauth2 sign: --consumer-secret is not valid UTF-8: give it in UTF-8 "
                             b"(see 'oauth2 sign --help')\n")


# 4. and 8. RSA keys


@pytest.fixture(scope="module")
def rsa_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An RSA key as PEM files: plain, encrypted (password 'pw'), its public key and a certificate."""
    from tls_certs import rsa_key, rsa_pems

    directory = tmp_path_factory.mktemp("rsa")
    pems = rsa_pems(rsa_key(), "pw")
    forms = {"plain": "pkcs8", "encrypted": "encrypted_pkcs8", "public": "spki", "certificate": "certificate"}
    for name, form in forms.items():
        (directory / f"{name}.pem").write_bytes(pems[form])
    return {name: directory / f"{name}.pem" for name in forms}


def rsa_verifies(run: Run, certificate: Path) -> bool:
    """Whether the header ``sign`` printed verifies with the certificate, at the fixed timestamp."""
    authorization = run.out.strip().split(": ", 1)[1]
    server = oauth.Server([oauth.SignatureMethod_RSA_SHA256(public_key=certificate.read_bytes())],
                          clock=lambda: int(TIMESTAMP))
    request = oauth.Request.from_request("GET", "http://example.com/", headers={"Authorization": authorization})
    return server.verify_request(request, CONSUMER, None) == {}


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_encrypted_rsa_key_with_its_password(cli: Callable[..., Run], rsa_files: dict[str, Path], how: str) -> None:
    args = ["sign", "GET", "http://example.com/", "--signature-method", "RSA-SHA256",
            "--rsa-key", str(rsa_files["encrypted"]), "--consumer-key", CONSUMER.key or "", *FIXED]
    by_flag = how == "flag"
    run = cli(*args, *(["--rsa-key-password", "pw"] if by_flag else []),
              env={} if by_flag else {"OAUTH_RSA_KEY_PASSWORD": "pw"})
    assert (run.status, run.err) == (0, "")  # no warning: RSA needs no consumer secret
    assert rsa_verifies(run, rsa_files["certificate"])


@pytest.mark.parametrize(("key", "extra", "expected"), [
    ("encrypted", [], "the RSA key {path} is encrypted: give its password in OAUTH_RSA_KEY_PASSWORD or with "
                      "--rsa-key-password"),
    ("encrypted", ["--rsa-key-password", "wrong"],
     "cannot load the RSA key {path}: the password is wrong, or the key is damaged"),
    ("plain", ["--rsa-key-password", "pw"],
     "the RSA key {path} is not encrypted: drop --rsa-key-password and OAUTH_RSA_KEY_PASSWORD"),
    ("public", [], "{path} holds a public key or certificate: --rsa-key needs the private key (PEM, PKCS#1 or "
                   "PKCS#8), which stays with the consumer"),
    ("certificate", [], "{path} holds a public key or certificate: --rsa-key needs the private key (PEM, PKCS#1 or "
                        "PKCS#8), which stays with the consumer"),
])
def test_rsa_key_errors_speak_of_the_flags(cli: Callable[..., Run], rsa_files: dict[str, Path], key: str,
                                           extra: list[str], expected: str) -> None:
    run = cli("sign", "GET", "http://example.com/", "--signature-method", "RSA-SHA1", "--rsa-key",
              str(rsa_files[key]), *extra, env=CREDENTIALS_ENV)
    message = one_error_line(run, 2, "sign")
    assert message == expected.format(path=rsa_files[key])
    assert "password=" not in message


# 5. DATA on GET and HEAD


def test_data_on_get_goes_into_the_query(cli: Callable[..., Run], provider: Provider) -> None:
    run = cli("request", "GET", provider.resource_url + "?a=1", "q=caf%C3%A9&n=2", env=token_env(provider))
    assert run.status == 0, run
    assert json.loads(run.out) == {"user": "alice", "method": "GET", "parameters": {"a": "1", "q": "café", "n": "2"}}

    url = "http://example.com/photos"
    for method in ("GET", "HEAD"):
        curl = shlex.split(cli("sign", method, url, "size=large", "--output", "curl", env=CREDENTIALS_ENV).out)
        assert curl[-1] == url + "?size=large"
        assert "--data-raw" not in curl and f"Content-Type: {FORM}" not in curl


# 6. the status line of an error answer


def test_request_error_status_on_stderr(cli: Callable[..., Run], provider: Provider) -> None:
    refused = cli("request", "GET", provider.resource_url, env={**CREDENTIALS_ENV, "OAUTH_TOKEN": "no-such-token"})
    assert refused.status == 1
    assert refused.err == "oauth2 request: HTTP 401 token_rejected\n"
    assert refused.out.startswith("oauth_problem=token_rejected&")

    missing = cli("request", "GET", provider.base_url + "/nowhere", env=token_env(provider))
    assert (missing.status, missing.out, missing.err) == (1, "not found\n", "oauth2 request: HTTP 404 Not Found\n")


def test_request_ends_the_body_with_a_newline_on_a_terminal(cli: Callable[..., Run], provider: Provider) -> None:
    env = token_env(provider)
    piped = cli("request", "GET", provider.resource_url, env=env)
    assert piped.status == 0 and piped.out.endswith("}")  # byte for byte into a pipe or a file
    terminal = cli("request", "GET", provider.resource_url, env=env, out=Terminal())
    assert terminal.out == piped.out + "\n"
    included = cli("request", "-i", "GET", provider.resource_url, env=env, out=Terminal())
    assert included.out.startswith("HTTP/1.0 200 OK\n") and included.out.endswith(piped.out + "\n")


# 8. options refused, and a missing secret


@pytest.mark.parametrize(("args", "expected"), [
    (["--timestamp", "abc"], "--timestamp must be whole seconds since 1970 (digits only), not 'abc'"),
    (["--nonce", ""], "--nonce must not be empty: leave it out for a random one"),
    (["--rsa-key", "key.pem"], "--rsa-key is for the RSA signature methods, not HMAC-SHA1: add --signature-method "
                               "RSA-SHA1 (or RSA-SHA256, RSA-SHA512)"),
])
def test_bad_option_values_are_refused(cli: Callable[..., Run], args: list[str], expected: str) -> None:
    run = cli("sign", "GET", "http://example.com/", *args, env=CREDENTIALS_ENV)
    assert one_error_line(run, 2, "sign") == expected
    assert run.out == ""


def test_consumer_key_without_secret_is_refused(cli: Callable[..., Run]) -> None:
    """Issue 22 item 8 (was a warning, and a signature with an empty secret): an empty secret is said so."""
    run = cli("sign", "GET", "http://example.com/", "--consumer-key", "k", *FIXED)
    assert one_error_line(run, 2, "sign") == ("--consumer-key is given without --consumer-secret: give both from "
                                              "the same place (an empty secret as --consumer-secret='' if it "
                                              "really is empty)")
    assert run.out == ""
    empty = cli("sign", "GET", "http://example.com/", "--consumer-key", "k", "--consumer-secret", "", *FIXED)
    assert (empty.status, empty.err) == (0, "")
    assert header_params(empty.out.strip().split(": ", 1)[1])["oauth_consumer_key"] == "k"


# 9. -H on sign, @FILE and -, TLS


def test_sign_json_body_is_covered_by_its_hash(cli: Callable[..., Run], tmp_path: Path) -> None:
    body = '{"status": "caf\\u00e9"}\n'
    (tmp_path / "body.json").write_text(body)
    url = "https://api.example.com/statuses"
    json_header = ["-H", "Content-Type: application/json"]
    header = cli("sign", "POST", url, "@body.json", *json_header, *FIXED, env=CREDENTIALS_ENV)
    assert header.status == 0, header
    authorization = header.out.strip().split(": ", 1)[1]
    params = header_params(authorization)
    assert params["oauth_body_hash"] == base64.b64encode(hashlib.sha1(body.encode()).digest()).decode()
    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    assert verify_with_server("POST", url, headers, body, CONSUMER, TOKEN, now=int(TIMESTAMP)) == {}

    curl = shlex.split(cli("sign", "POST", url, "@body.json", *json_header, "--output", "curl",
                           env=CREDENTIALS_ENV).out)
    assert curl[5:] == ["-H", "Content-Type: application/json", "--data-binary", "@body.json", url]
    inline = shlex.split(cli("sign", "POST", url, body, *json_header, "--output", "curl", env=CREDENTIALS_ENV).out)
    assert inline[5:] == ["-H", "Content-Type: application/json", "--data-raw", body, url]


def test_request_body_from_a_file_and_from_stdin(cli: Callable[..., Run], tmp_path: Path,
                                                  provider: Provider) -> None:
    env = token_env(provider)
    (tmp_path / "form.txt").write_text("status=Hello%20there&lat=1.5\n")  # as an editor saves it
    from_file = cli("request", "POST", provider.resource_url, "@form.txt", env=env)
    assert from_file.status == 0, from_file
    assert json.loads(from_file.out)["parameters"] == {"status": "Hello there", "lat": "1.5"}

    from_stdin = cli("request", "PUT", provider.resource_url, "-", "-H", "Content-Type: application/json",
                     env=env, stdin=b'{"a": [1, 2]}')
    assert from_stdin.status == 0, from_stdin
    assert json.loads(from_stdin.out) == {"user": "alice", "method": "PUT", "parameters": {}}
    assert provider.log[-1].error is None
    assert "oauth_body_hash" in provider.log[-1].base_string

    missing = cli("request", "POST", provider.resource_url, "@nowhere.txt", env=env)
    assert one_error_line(missing, 2, "request") == "cannot read the body from nowhere.txt: No such file or directory"


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = json.dumps({"signed": self.headers.get("Authorization", "").startswith("OAuth ")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        """Keep the test output clean."""


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An https server on 127.0.0.1 with a self-signed certificate; yields its URL and the certificate."""
    from tls_certs import server_context, write_self_signed_cert

    cert, key = write_self_signed_cert(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.daemon_threads = True
    server.socket = server_context(cert, key).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/hello", cert
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_request_tls_ca_certs_and_insecure(cli: Callable[..., Run], https_server: tuple[str, Path]) -> None:
    url, cert = https_server
    untrusted = cli("request", "GET", url, env=CREDENTIALS_ENV)
    assert "certificate verify failed" in one_error_line(untrusted, 1, "request")

    trusted = cli("request", "GET", url, "--ca-certs", str(cert), env=CREDENTIALS_ENV)
    assert (trusted.status, trusted.err, json.loads(trusted.out)) == (0, "", {"signed": True})

    insecure = cli("request", "GET", url, "--insecure", env=CREDENTIALS_ENV)
    assert (insecure.status, json.loads(insecure.out)) == (0, {"signed": True})
    assert insecure.err.startswith("oauth2 request: warning: --insecure: the server's TLS certificate is not checked")

    missing = cli("request", "GET", url, "--ca-certs", "nowhere.pem", env=CREDENTIALS_ENV)
    assert one_error_line(missing, 2, "request").startswith("--ca-certs: nowhere.pem is not a file")


# 10. the interactive demo, and the provider's errors decoded


def test_demo_interactive_asks_again_after_an_empty_pin(cli: Callable[..., Run]) -> None:
    run = cli("demo", "--interactive", answers=["\n", "  \n", "PIN"])
    assert (run.status, run.err) == (0, ""), run
    assert run.out.count("type the PIN it shows: ") == 3
    assert re.search(r"^== 3\. Access token: \S+ for alice$", run.out, re.M), run.out
    assert run.out.rstrip().endswith("verified by oauth2.Server.")


def test_demo_interactive_wrong_pin_is_explained_decoded(cli: Callable[..., Run]) -> None:
    run = cli("demo", "--interactive", answers=["wrong\n"])
    assert one_error_line(run, 1, "demo") == (
        "the provider answered 401 token_rejected: The verifier does not match the request token.")
    assert "== 3. Access token: refused" in run.out
    assert "%20" not in run.err


def test_demo_interactive_without_a_pin(cli: Callable[..., Run]) -> None:
    assert one_error_line(cli("demo", "--interactive", answers=["\n"]), 2, "demo") == "no PIN given"


def test_login_asks_again_after_an_empty_pin(cli: Callable[..., Run], provider: Provider) -> None:
    run = cli("login", "--request-token-url", provider.request_token_url, "--authorize-url", provider.authorize_url,
              "--access-token-url", provider.access_token_url, env=CREDENTIALS_ENV, answers=["\n", "PIN"])
    assert (run.status, run.err) == (0, ""), run
    assert run.out.count("PIN: ") == 2


# --------------------------------------------- a command line a careful user trusts (issue 22)


class RecordingProvider(Provider):
    """The embedded provider, keeping the Authorization header of each request, and adding ``answer_extra``
    to its access token answers (as a careless or hostile provider might)."""

    def __init__(self, answer_extra: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.answer_extra = answer_extra
        self.authorizations: list[tuple[str, str]] = []

    def wsgi(self, environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        self.authorizations.append((path, str(environ.get("HTTP_AUTHORIZATION", ""))))
        answer: list[tuple[str, list[tuple[str, str]]]] = []
        keep = answer.append
        body = b"".join(super().wsgi(environ, lambda status, headers: keep((status, headers))))  # type: ignore[arg-type]
        status, headers = answer[0]
        if path == "/access_token" and self.answer_extra and status.startswith("200"):
            body += b"&" + self.answer_extra.encode()
        headers = [(k, str(len(body)) if k == "Content-Length" else v) for k, v in headers]
        start_response(status, headers)
        return [body]


def login_in(cli: Callable[..., Run], provider: Provider, *args: str, env: dict[str, str] | None = None) -> Run:
    """``oauth2 login`` against ``provider``, the user typing the PIN the page shows."""
    consumer_env = {k: v for k, v in CREDENTIALS_ENV.items() if k.startswith("OAUTH_CONSUMER")}
    return cli("login", "--request-token-url", provider.request_token_url, "--authorize-url", provider.authorize_url,
               "--access-token-url", provider.access_token_url, *args,
               env=consumer_env if env is None else env, answers=["PIN"])


# 2. the provider's extra fields


def test_login_keeps_the_providers_fields_apart_from_the_credentials(cli: Callable[..., Run],
                                                                    tmp_path: Path) -> None:
    planted = "consumer_key=planted&consumer_secret=planted-cs&token=planted-t&token_secret=planted-ts"
    with RecordingProvider(answer_extra=planted, consumer=CONSUMER) as provider:
        login = login_in(cli, provider)
        assert login.status == 0, login
        saved = json.loads((tmp_path / "oauth2-credentials.json").read_text())
        assert (saved["consumer_key"], saved["consumer_secret"]) == (CONSUMER.key, CONSUMER.secret)
        assert saved["token"] != "planted-t" and saved["token_secret"] != "planted-ts"
        assert saved["extra"] == {"user_id": "1", "screen_name": "alice", "consumer_key": "planted",
                                  "consumer_secret": "planted-cs", "token": "planted-t", "token_secret": "planted-ts"}
        # The token saved is the one the provider issued: the protected resource accepts it.
        run = cli("request", "GET", provider.resource_url)
        assert (run.status, json.loads(run.out)["user"]) == (0, "alice"), run


# 3. and 19. a credentials file someone else could have written


PLANTED = oauth.Consumer("planted", "p")


def planted_file(directory: Path, name: str = "oauth2-credentials.json", consumer: oauth.Consumer = PLANTED) -> Path:
    """A credentials file as 'oauth2 login' writes it, mode 0600."""
    path = directory / name
    path.write_text(json.dumps({"consumer_key": consumer.key, "consumer_secret": consumer.secret, "token": "t",
                                "token_secret": "u", "extra": {}}))
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("where", ["default", "--credentials"])
@pytest.mark.parametrize("how", ["group-writable", "world-writable", "another-owner"])
def test_a_credentials_file_others_could_write_is_refused(tmp_path: Path, where: str, how: str) -> None:
    path = planted_file(tmp_path)
    if how == "another-owner":
        if os.geteuid() != 0:
            pytest.skip("giving a file to another user needs root")
        os.chown(path, 4242, -1)
    else:
        path.chmod(0o620 if how == "group-writable" else 0o602)
    args = ["--credentials", str(path)] if where == "--credentials" else []
    shown = str(path) if where == "--credentials" else path.name
    result = oauth2_cli("sign", "GET", "http://example.com/", *args, cwd=tmp_path)
    message = assert_one_line_error(result, 2, "sign")
    assert result.stdout == ""
    if how == "another-owner":
        assert message == (f"oauth2 sign: not using the credentials file {shown}: it belongs to another user "
                           "(uid 4242); if you trust its content, copy it to a file of your own and run "
                           "'chmod 600' on the copy")
    else:
        assert message == (f"oauth2 sign: not using the credentials file {shown}: other users can write to it; "
                           f"if its content is yours, run 'chmod 600 {shown}'")
    with pytest.raises(oauth2.cli.CredentialsFileError, match="not using the credentials file"):
        oauth2.cli.load_credentials_file(str(path))

    path.chmod(0o600)
    if how == "another-owner":
        os.chown(path, os.geteuid(), -1)
    fixed = oauth2_cli("sign", "GET", "http://example.com/", *args, cwd=tmp_path)
    assert (fixed.returncode, fixed.stderr) == (0, "")


def test_login_writes_the_credentials_file_0600_by_replacing_it(cli: Callable[..., Run], tmp_path: Path,
                                                                provider: Provider) -> None:
    path = planted_file(tmp_path, "creds.json", CONSUMER)
    path.chmod(0o644)  # readable by others: login must not write its secrets into this inode
    before = path.stat().st_ino
    login = login_in(cli, provider, "--credentials", str(path), "--force")
    assert login.status == 0, login
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_ino != before
    assert [p.name for p in tmp_path.iterdir()] == ["creds.json"]  # no temporary file left


def test_load_credentials_file_reads_what_login_writes(cli: Callable[..., Run], tmp_path: Path,
                                                       provider: Provider) -> None:
    assert login_in(cli, provider).status == 0
    consumer, token, extra = oauth2.cli.load_credentials_file(str(tmp_path / "oauth2-credentials.json"))
    assert (consumer.key, consumer.secret) == (CONSUMER.key, CONSUMER.secret)
    assert token is not None and extra == {"user_id": "1", "screen_name": "alice"}
    response, content = oauth.Client(consumer, token).request(provider.resource_url)
    assert response.status == 200 and json.loads(content)["user"] == "alice"

    two_legged = tmp_path / "consumer.json"
    two_legged.write_text(json.dumps({"consumer_key": "k", "consumer_secret": ""}))
    two_legged.chmod(0o600)
    consumer, token, extra = oauth2.cli.load_credentials_file(str(two_legged))
    assert (consumer.key, consumer.secret, token, extra) == ("k", "", None, {})
    for content_, problem in [("[]", "is not a JSON object"), ('{"consumer_secret": "s"}', "has no consumer_key"),
                              ('{"consumer_key": 1}', "consumer_key in the credentials file"), ("{", "UTF-8 JSON")]:
        two_legged.write_text(content_)
        with pytest.raises(ValueError, match=problem):
            oauth2.cli.load_credentials_file(str(two_legged))
    with pytest.raises(FileNotFoundError):
        oauth2.cli.load_credentials_file(str(tmp_path / "nowhere.json"))


# 5. secrets on the command line


@pytest.mark.parametrize("command", ["sign", "request", "login"])
def test_help_says_secret_flags_are_visible_and_how_not_to_use_them(tmp_path: Path, command: str) -> None:
    result = oauth2_cli(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "--consumer-secret SECRET its secret (visible to other users: safer in OAUTH_CONSUMER_SECRET)" in text
    assert "--token-secret SECRET its secret (visible to other users: safer in OAUTH_TOKEN_SECRET)" in text
    assert "Other users of the machine can read flags in the process list" in text


# 8. a key and its secret from the same place


@pytest.mark.parametrize(("args", "env", "expected"), [
    # The token in the file is another token: its secret must not sign for --token.
    (["--token", "flag-token"], {}, "--token is given without --token-secret"),
    (["--token-secret", "s"], {}, "--token-secret is given without --token"),
    # Another consumer: the file's consumer secret is not its secret.
    (["--consumer-key", "other"], {}, "--consumer-key is given without --consumer-secret"),
    ([], {"OAUTH_TOKEN": "env-token"}, "OAUTH_TOKEN is given without OAUTH_TOKEN_SECRET"),
])
def test_a_key_and_its_secret_come_from_one_place(tmp_path: Path, args: list[str], env: dict[str, str],
                                                  expected: str) -> None:
    planted_file(tmp_path)
    result = oauth2_cli("sign", "GET", "http://example.com/", *args, *FIXED, cwd=tmp_path, env=env)
    assert assert_one_line_error(result, 2, "sign").startswith(f"oauth2 sign: {expected}")
    assert result.stdout == ""


@pytest.mark.parametrize("empty", ["--consumer-secret", "--token-secret"])
def test_an_explicit_empty_secret_is_an_empty_secret(tmp_path: Path, empty: str) -> None:
    env = {**CREDENTIALS_ENV}  # both secrets not empty: an empty flag must not fall back to them
    consumer = oauth.Consumer("flag-consumer", "" if empty == "--consumer-secret" else "c")
    token = oauth.Token("flag-token", "" if empty == "--token-secret" else "t")
    result = oauth2_cli("sign", "GET", "http://example.com/", "--consumer-key", consumer.key or "",
                        "--consumer-secret", consumer.secret or "", "--token", token.key or "",
                        "--token-secret", token.secret or "", *FIXED, cwd=tmp_path, env=env)
    assert (result.returncode, result.stderr) == (0, "")
    authorization = result.stdout.strip().split(": ", 1)[1]
    assert verify_with_server("GET", "http://example.com/", {"Authorization": authorization}, None,
                              consumer, token, now=int(TIMESTAMP)) == {}


# 9. login's --realm, --token and --token-secret


def test_login_sends_the_realm(cli: Callable[..., Run]) -> None:
    with RecordingProvider(consumer=CONSUMER) as provider:
        login = login_in(cli, provider, "--realm", "Photos")
        assert login.status == 0, login
        signed = [(path, auth) for path, auth in provider.authorizations if auth]
    assert [path for path, _ in signed] == ["/request_token", "/access_token"]
    assert all(oauth.parse_authorization_header(auth)[1] == "Photos" for _, auth in signed), signed


@pytest.mark.parametrize("flag", ["--token", "--token-secret"])
def test_login_refuses_token_flags(cli: Callable[..., Run], provider: Provider, flag: str) -> None:
    run = login_in(cli, provider, flag, "x")
    assert one_error_line(run, 2, "login") == (
        "login fetches a new token and does not use --token or --token-secret: drop them")
    assert list(provider.log) == []


# 10. PLAINTEXT over http


def test_plaintext_over_http_warns(tmp_path: Path) -> None:
    args = ["sign", "GET", "--signature-method", "PLAINTEXT", *FIXED]
    cleartext = oauth2_cli(*args[:2], "http://example.com/a", *args[2:], cwd=tmp_path, env=CREDENTIALS_ENV)
    assert cleartext.returncode == 0
    assert cleartext.stderr == ("oauth2 sign: warning: PLAINTEXT over http:// sends the consumer and token secrets "
                                "in the clear to http://example.com/a: anyone on the way can read them; use "
                                "https:// or HMAC-SHA1\n")
    encrypted = oauth2_cli(*args[:2], "https://example.com/a", *args[2:], cwd=tmp_path, env=CREDENTIALS_ENV)
    assert (encrypted.returncode, encrypted.stderr) == (0, "")


# 11. curl for HEAD


def test_sign_output_curl_for_head_uses_dash_i(tmp_path: Path) -> None:
    url = "http://example.com/photos"
    result = oauth2_cli("sign", "HEAD", url, "--output", "curl", *FIXED, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert result.returncode == 0, result.stderr
    argv = shlex.split(result.stdout)
    assert argv[:3] == ["curl", "-I", "-H"] and "-X" not in argv and argv[-1] == url
    headers = {"Authorization": argv[3].split(": ", 1)[1]}
    assert verify_with_server("HEAD", url, headers, None, CONSUMER, TOKEN, now=int(TIMESTAMP)) == {}


# 12. network errors name the URL, and --timeout


def test_connection_refused_names_the_host(tmp_path: Path) -> None:
    port = closed_port()
    url = f"http://127.0.0.1:{port}/resource"
    result = oauth2_cli("request", "GET", url, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert assert_one_line_error(result, 1, "request") == (
        f"oauth2 request: cannot connect to 127.0.0.1:{port}: connection refused (is the URL {url} right?)")


def test_timeout_names_the_host_and_the_flag(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the backlog does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/resource"
        result = oauth2_cli("request", "GET", url, "--timeout", "0.5", cwd=tmp_path, env=CREDENTIALS_ENV)
    host = urllib.parse.urlsplit(url).netloc
    assert assert_one_line_error(result, 1, "request") == (
        f"oauth2 request: no answer from {host} within 0.5 seconds (--timeout 0.5) to {url}")


def test_tls_error_names_the_host(tmp_path: Path) -> None:
    with NotHTTP(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") as server:
        thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        try:
            url = server.url.replace("http://", "https://")
            result = oauth2_cli("request", "GET", url, cwd=tmp_path, env=CREDENTIALS_ENV)
        finally:
            server.shutdown()
            thread.join()
    message = assert_one_line_error(result, 1, "request")
    host = urllib.parse.urlsplit(url).netloc
    assert message.startswith(f"oauth2 request: TLS with {host} failed for {url}: "), message
    assert message.endswith("; does it speak https? (try http://)"), message


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_timeout_must_be_more_than_zero(tmp_path: Path, value: str) -> None:
    for command in (["request", "GET", "http://127.0.0.1:9/"], ["login", "--request-token-url", "http://127.0.0.1:9/",
                    "--authorize-url", "http://127.0.0.1:9/", "--access-token-url", "http://127.0.0.1:9/"]):
        result = oauth2_cli(*command, f"--timeout={value}", cwd=tmp_path, env=CREDENTIALS_ENV)
        assert assert_one_line_error(result, 2, command[0]) == (
            f"oauth2 {command[0]}: argument --timeout: must be a number of seconds more than 0, not {value!r}")
        assert list(tmp_path.iterdir()) == []


# 13. usage errors


def test_every_usage_error_points_to_help(tmp_path: Path) -> None:
    for args, env in [(["sign", "GET", "http://example.com/"], {}),
                      (["request", "GET", "http://127.0.0.1:9/", "--credentials", "nowhere.json"], {}),
                      (["sign", "GET", "http://example.com/", "--nonce", ""], CREDENTIALS_ENV)]:
        result = oauth2_cli(*args, cwd=tmp_path, env=env)
        assert result.returncode == 2
        assert result.stderr.endswith(f" (see 'oauth2 {args[0]} --help')\n"), result.stderr


@pytest.mark.parametrize("args", [["-X", "POST", "http://example.com/"], ["http://example.com/", "-X", "POST"],
                                  ["-XPOST", "http://example.com/"], ["--request", "POST", "http://example.com/"]])
def test_dash_x_explains_that_the_method_is_positional(tmp_path: Path, args: list[str]) -> None:
    result = oauth2_cli("request", *args, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert assert_one_line_error(result, 2, "request") == (
        "oauth2 request: the method is the first argument, not an option: oauth2 request POST URL, not -X POST URL")


def test_signature_method_in_any_case(tmp_path: Path) -> None:
    result = oauth2_cli("sign", "GET", "http://example.com/", "--signature-method", "hmac-sha256", *FIXED,
                        cwd=tmp_path, env=CREDENTIALS_ENV)
    assert (result.returncode, result.stderr) == (0, "")
    assert header_params(result.stdout.strip().split(": ", 1)[1])["oauth_signature_method"] == "HMAC-SHA256"


def test_every_argument_has_help() -> None:
    parser = oauth2.cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    for name in ("sign", "request", "login"):
        unexplained = [action.dest for action in commands[name]._actions if not action.help]
        assert unexplained == [], (name, unexplained)
    timeout = next(a for a in commands["request"]._actions if a.dest == "timeout")
    assert "seconds" in (timeout.help or "") and "default: 30" in (timeout.help or "")


@pytest.mark.parametrize(("args", "expected"), [
    (["sign", "GET", "http://example.com:99999/"], "URL has an invalid port: Port out of range 0-65535"),
    (["request", "GET", "http://127.0.0.1:abc/"], "URL has an invalid port: Port could not be cast to integer "
                                                  "value as 'abc'"),
    (["request", "GET", "http://user:pw@127.0.0.1:9/"], "URL must not hold a user name or password (user@host): "
                                                        "OAuth signs the request instead"),
    # Refused by the library (oauth2.InvalidRequest), before anything is sent.
    (["sign", "POST", "http://example.com/", "a=%ff"], "The form body is not UTF-8 once percent-decoded."),
    (["request", "POST", "http://127.0.0.1:9/", "a=%ff"], "The form body is not UTF-8 once percent-decoded."),
])
def test_a_bad_argument_the_library_refuses_exits_2(tmp_path: Path, args: list[str], expected: str) -> None:
    result = oauth2_cli(*args, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert assert_one_line_error(result, 2, args[0]) == f"oauth2 {args[0]}: {expected}"


# 14. where a consumer comes from


def test_login_without_a_consumer_says_where_one_comes_from(tmp_path: Path, provider: Provider) -> None:
    result = oauth2_cli(*login_args(provider, tmp_path / "creds.json"), cwd=tmp_path)
    assert assert_one_line_error(result, 2, "login") == (
        "oauth2 login: no consumer key: the provider gives one (with its secret) when you register the application, "
        "on its developer site; pass them with --consumer-key and --consumer-secret, or in OAUTH_CONSUMER_KEY and "
        "OAUTH_CONSUMER_SECRET")


# 15. -i as received, and the user's own Authorization header


class _Custom(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(201, "Made It")
        self.send_header("X-Request-Id", "42")
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        """Keep the test output clean."""


def test_request_include_shows_the_status_line_as_received(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Custom)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = oauth2_cli("request", "-i", "GET", url, cwd=tmp_path, env=CREDENTIALS_ENV)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert result.returncode == 0, result.stderr
    head, _, body = result.stdout.partition("\n\n")
    status_line, *header_lines = head.splitlines()
    assert status_line == "HTTP/1.1 201 Made It"
    names = [line.split(": ", 1)[0] for line in header_lines]
    assert sorted(names) == ["Content-Length", "Date", "ETag", "Server", "X-Request-Id"]
    assert body == "ok"


@pytest.mark.parametrize("command", [["sign"], ["request"]])
def test_own_authorization_header_replaced_with_a_warning(tmp_path: Path, provider: Provider,
                                                          command: list[str]) -> None:
    token = access_token_for(provider)
    env = {**CREDENTIALS_ENV, "OAUTH_TOKEN": token.key or "", "OAUTH_TOKEN_SECRET": token.secret or ""}
    result = oauth2_cli(*command, "GET", provider.resource_url, "-H", "Authorization: Bearer mine", cwd=tmp_path,
                        env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"oauth2 {command[0]}: warning: -H Authorization is replaced by the OAuth "
                             "Authorization header; to send your own, put the OAuth parameters elsewhere "
                             "(--placement query or body for request, --output url for sign)\n")


# 16. sign: a binary body, and --output url with a body


def test_sign_curl_binary_stdin_suggests_a_file(tmp_path: Path) -> None:
    result = subprocess.run([*CLI, "sign", "POST", "http://example.com/", "-", "--output", "curl", "-H",
                             "Content-Type: application/octet-stream"], cwd=tmp_path, env=environment(CREDENTIALS_ENV),
                            input=b"\x89PNG\xff", capture_output=True, timeout=60, check=False)
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == (
        "oauth2 sign: DATA from standard input is not UTF-8 text, as a body shown in a curl command must be: save it "
        "to a file and give DATA as @FILE (curl sends it with --data-binary) (see 'oauth2 sign --help')\n")


def test_sign_output_url_with_a_body_says_to_send_it(tmp_path: Path) -> None:
    url = "http://example.com/update"
    result = oauth2_cli("sign", "POST", url, "status=hi", "--output", "url", *FIXED, cwd=tmp_path,
                        env=CREDENTIALS_ENV)
    assert result.returncode == 0
    assert result.stderr == ("oauth2 sign: note: the signature covers DATA: send it as the body of a POST to this "
                             f"URL, with the Content-Type {FORM}\n")
    signed = result.stdout.strip()
    assert verify_with_server("POST", signed, {"Content-Type": FORM}, "status=hi", CONSUMER, TOKEN,
                              now=int(TIMESTAMP)) == {"status": "hi"}
