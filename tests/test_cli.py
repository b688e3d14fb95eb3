"""The ``oauth2`` command line, run as a subprocess the way a user runs it.

Signatures it prints are checked with oauthlib's signature functions and with
our ``Server``; requests it sends go to the embedded provider on 127.0.0.1.
"""

from __future__ import annotations

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
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback import send
from oauthlib_oracle import oauthlib_hmac_sha1, oauthlib_steps

import oauth2 as oauth
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
    return lines[0]


def header_params(authorization: str) -> dict[str, str]:
    """The decoded parameters of an OAuth Authorization header."""
    return dict(oauth.parse_authorization_header(authorization)[0])


def verify_with_server(method: str, url: str, headers: dict[str, str], body: str | None,
                       consumer: oauth.Consumer, token: oauth.Token | None, now: float) -> dict[str, object]:
    """Verify a request with our Server, whose clock reads ``now``; returns its non-OAuth parameters."""
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], clock=lambda: now)
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
    page = send("GET", client.authorization_url(provider.authorize_url))
    assert page.status == 200, page
    return client.fetch_access_token(provider.access_token_url, page.body.decode().rsplit(" ", 1)[-1].strip())


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
    assert status_line == "HTTP 200 OK"
    headers = dict(line.split(": ", 1) for line in header_lines)
    assert headers["content-type"] == "application/json"
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
        "content-length", "content-type", "date", "server"
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
    assert result.stdout.startswith("HTTP 401 Unauthorized\n")
    assert 'www-authenticate: OAuth realm="oauth2 demo", oauth_problem="signature_invalid"' in result.stdout
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
        # The user opens the URL and reads the PIN off the page.
        page = send("GET", url)
        assert page.status == 200, page
        pin = re.search(r"Your PIN: (\w+)", page.body.decode())
        assert pin, page
        # Read the prompt here: communicate() reads the pipe itself, past this buffered reader.
        transcript.append(login.stdout.read(len("PIN: ")))
        assert transcript[-1] == "PIN: "
        out, err = login.communicate(pin.group(1) + "\n", timeout=60)
    assert login.returncode == 0, err
    assert err == ""

    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600
    saved = json.loads(credentials.read_text())
    assert (saved["consumer_key"], saved["consumer_secret"]) == (CONSUMER.key, CONSUMER.secret)
    assert saved["screen_name"] == "alice"
    assert out == f"Access token {saved['token']} saved to {credentials}\n"
    transcript.append(out)
    assert saved["token_secret"] not in "".join(transcript) and secrets_in("".join(transcript)) == []
    assert params_signed_last(provider)["oauth_verifier"] == pin.group(1)

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


@pytest.mark.parametrize("args", [
    ["sign", "GET", "http://example.com/", "--bogus"],
    ["sign", "GET", "http://example.com/", "--output", "xml"],
    ["sign", "GET"],
    ["request", "GET", "http://example.com/", "--timeout", "soon"],
    ["login", "--authorize-url", "http://example.com/"],
    ["frobnicate"],
    [],
])
def test_bad_flags_exit_2_with_usage_and_one_error_line(tmp_path: Path, args: list[str]) -> None:
    result = oauth2_cli(*args, cwd=tmp_path, env=CREDENTIALS_ENV)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    *usage, error = result.stderr.splitlines()
    assert usage and usage[0].startswith("usage: oauth2")
    assert all(line.startswith(" ") for line in usage[1:]), usage
    assert re.match(r"oauth2( \w+)?: error: ", error), error


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


def test_invalid_url_exits_1_with_one_line(tmp_path: Path) -> None:
    result = oauth2_cli("sign", "GET", "example.com/photos", cwd=tmp_path, env=CREDENTIALS_ENV)
    assert "not absolute" in assert_one_line_error(result, 1, "sign")
    assert result.stdout == ""
