"""``oauth2 serve --store``, ``oauth2 consumers`` and ``oauth2 tokens``, run as subprocesses the way a script runs them;
the embedded Provider's consent form and ``open_store``."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from docs_support import browse_pin
from loopback import TIMEOUT, send
from test_cli_serve import CLI, environment, oauth2_cli

import oauth2 as oauth
from oauth2.kit import ConsumerRecord, MemoryStore, SQLiteStore, TokenCredentials
from oauth2.provider import Provider, consumer_keys, open_store, remove_consumer


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a command that must have succeeded."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@contextmanager
def serve_json(*args: str, cwd: Path) -> Iterator[dict[str, Any]]:
    """Run ``oauth2 serve --json ARGS``; yields the JSON object of its first line; stops it with SIGINT."""
    process = subprocess.Popen([*CLI, "serve", "--json", *args], cwd=cwd, env=environment(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.endswith("\n"), line + (process.stderr.read() if process.stderr else "")
        yield json.loads(line)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=TIMEOUT)
        assert (process.returncode, out, err) == (0, "Stopped.\n", "")
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=TIMEOUT)


def script_login(served: dict[str, Any], consumer: dict[str, str], credentials: Path, cwd: Path) -> dict[str, str]:
    """``oauth2 login`` (oob) run by a script: it opens the authorization URL and reads the PIN on the page."""
    args = ["login", "--request-token-url", served["request_token_url"], "--authorize-url", served["authorize_url"],
            "--access-token-url", served["access_token_url"], "--credentials", str(credentials),
            "--signature-method", "HMAC-SHA256"]
    env = {**environment(), "OAUTH_CONSUMER_KEY": consumer["consumer_key"],
           "OAUTH_CONSUMER_SECRET": consumer["consumer_secret"]}
    with subprocess.Popen([*CLI, *args], cwd=cwd, env=env, text=True, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as login:
        assert login.stdout is not None
        login.stdout.readline()
        pin = browse_pin(login.stdout.readline().strip())  # no one types anything: --auto-approve
        out, err = login.communicate(pin + "\n", timeout=TIMEOUT)
    assert login.returncode == 0, err
    saved: dict[str, str] = json.loads(credentials.read_text())
    return saved


def request_resource(served: dict[str, Any], credentials: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return oauth2_cli("request", "GET", served["resource_url"] + "?q=1", "--credentials", str(credentials),
                      "--signature-method", "HMAC-SHA256", cwd=cwd)


def test_a_persistent_provider_runs_whole_flows_from_a_script(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/provider.db"
    consumer = json.loads(ok(oauth2_cli("consumers", "add", "--store", store, "--json",
                                        "--signature-methods", "HMAC-SHA256", cwd=tmp_path)))
    assert stat.S_IMODE(os.stat(tmp_path / "provider.db").st_mode) == 0o600
    assert len(consumer["consumer_key"]) == 16 and len(consumer["consumer_secret"]) == 32
    int(consumer["consumer_key"] + consumer["consumer_secret"], 16)  # hex: safe after --consumer-key

    credentials = tmp_path / "creds.json"
    with serve_json("--store", store, "--auto-approve", "alice", cwd=tmp_path) as served:
        assert served["auto_approve"] == "alice" and "consumer_key" not in served
        assert served["request_token_url"] == served["base_url"] + "/request_token"
        saved = script_login(served, consumer, credentials, tmp_path)
        assert saved["consumer_key"] == consumer["consumer_key"]
        assert saved["extra"] == {"user_id": "1", "screen_name": "alice"}
        assert json.loads(ok(request_resource(served, credentials, tmp_path))) == {
            "user": "alice", "method": "GET", "parameters": {"q": "1"}}
        # The consumer registered HMAC-SHA256 only.
        refused = oauth2_cli("request", "GET", served["resource_url"], "--credentials", str(credentials),
                             cwd=tmp_path)
        assert refused.returncode == 1 and "signature_method_rejected" in refused.stderr

    # Another provider process on the same file knows the consumer and the token.
    with serve_json("--store", store, "--auto-approve", "bob", cwd=tmp_path) as served:
        assert json.loads(ok(request_resource(served, credentials, tmp_path)))["user"] == "alice"
        assert ok(oauth2_cli("tokens", "revoke", saved["token"], "--store", store, cwd=tmp_path)) == (
            f"Revoked token {saved['token']}\n")
        revoked = request_resource(served, credentials, tmp_path)
        assert revoked.returncode == 1
        assert revoked.stderr == "oauth2 request: HTTP 401 token_revoked\n"

        # A new login is bob's; then the consumer goes, and its token with it.
        again = script_login(served, consumer, tmp_path / "again.json", tmp_path)
        assert json.loads(ok(request_resource(served, tmp_path / "again.json", tmp_path)))["user"] == "bob"
        assert ok(oauth2_cli("tokens", "list", "--store", store, "--consumer", consumer["consumer_key"],
                             cwd=tmp_path)) == "".join(f"{key}\n" for key in sorted([saved["token"], again["token"]]))
        assert ok(oauth2_cli("consumers", "remove", consumer["consumer_key"], "--store", store, cwd=tmp_path)) == (
            f"Removed consumer {consumer['consumer_key']}\n")
        gone = request_resource(served, tmp_path / "again.json", tmp_path)
        assert gone.stderr == "oauth2 request: HTTP 401 consumer_key_unknown\n"
        assert ok(oauth2_cli("tokens", "list", "--store", store, cwd=tmp_path)) == ""  # they went with it
        assert again["token"] != saved["token"]


def test_consumers_add_list_remove_never_show_a_secret_twice(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/p.db"
    added = ok(oauth2_cli("consumers", "add", "--store", store, "--key", "photos-app",
                          "--callback", "https://photos.example/cb", cwd=tmp_path))
    lines = added.splitlines()
    assert lines[0] == "consumer key: photos-app"
    secret = lines[1].removeprefix("consumer secret: ")
    assert len(secret) == 32 and lines[2].startswith("The secret is shown this once")
    ok(oauth2_cli("consumers", "add", "--store", store, "--key", "another", cwd=tmp_path))

    listed = ok(oauth2_cli("consumers", "list", "--store", store, cwd=tmp_path))
    assert listed == "another\nphotos-app\n"
    assert json.loads(ok(oauth2_cli("consumers", "list", "--store", store, "--json", cwd=tmp_path))) == [
        "another", "photos-app"]

    record = SQLiteStore(tmp_path / "p.db").get_consumer("photos-app")
    assert record is not None and record.secret == secret and record.callbacks == ("https://photos.example/cb",)

    taken = oauth2_cli("consumers", "add", "--store", store, "--key", "photos-app", cwd=tmp_path)
    assert taken.returncode == 2 and taken.stdout == ""
    assert taken.stderr == ("oauth2 consumers: a consumer photos-app is already registered: choose another --key, "
                            "or remove it first (see 'oauth2 consumers add --help')\n")

    ok(oauth2_cli("consumers", "remove", "photos-app", "--store", store, cwd=tmp_path))
    assert ok(oauth2_cli("consumers", "list", "--store", store, cwd=tmp_path)) == "another\n"
    missing = oauth2_cli("consumers", "remove", "photos-app", "--store", store, cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (
        1, "oauth2 consumers: no consumer photos-app is registered in this store\n")
    unknown = oauth2_cli("tokens", "revoke", "nope", "--store", store, cwd=tmp_path)
    assert (unknown.returncode, unknown.stderr) == (1, "oauth2 tokens: no token nope in this store\n")


def store_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The --store URL of a new, empty store of ``kind`` (the PostgreSQL and Redis servers the tests start)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/p.db"
    if kind == "postgresql":
        fields = dict(part.split("=", 1) for part in request.getfixturevalue("postgres_conninfo").split())
        return f"postgresql://{fields['user']}@{fields['host']}:{fields['port']}/{fields['dbname']}"
    server = request.getfixturevalue("redis_server")
    client = server.client()
    client.execute_command("SELECT", 5)  # a database of this test's own, as the store's prefix is the default one
    client.flushdb()
    client.close()
    return f"redis://{server.host}:{server.port}/5"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "redis"])
def test_tokens_are_listed_without_secrets_and_go_with_their_consumer(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str
) -> None:
    store = store_url(kind, request, tmp_path)
    for key in ("photos-app", "another"):
        ok(oauth2_cli("consumers", "add", "--store", store, "--key", key, cwd=tmp_path))
    opened = open_store(store)
    for key, consumer in (("t-2", "photos-app"), ("t-1", "photos-app"), ("t-3", "another")):
        opened.add_token(TokenCredentials(key, f"secret-of-{key}", consumer, "alice", 1700000000.0))
    opened.revoke_token("t-2")  # listed all the same
    assert ok(oauth2_cli("consumers", "list", "--store", store, cwd=tmp_path)) == "another\nphotos-app\n"
    listed = ok(oauth2_cli("tokens", "list", "--store", store, cwd=tmp_path))
    assert listed == "t-1\nt-2\nt-3\n" and "secret" not in listed
    assert ok(oauth2_cli("tokens", "list", "--store", store, "--consumer", "photos-app", cwd=tmp_path)) == "t-1\nt-2\n"
    assert json.loads(ok(oauth2_cli("tokens", "list", "--store", store, "--json", "--consumer", "another",
                                    cwd=tmp_path))) == ["t-3"]
    assert ok(oauth2_cli("tokens", "list", "--store", store, "--consumer", "nobody", cwd=tmp_path)) == ""

    ok(oauth2_cli("consumers", "remove", "photos-app", "--store", store, cwd=tmp_path))
    assert ok(oauth2_cli("consumers", "list", "--store", store, cwd=tmp_path)) == "another\n"
    assert ok(oauth2_cli("tokens", "list", "--store", store, cwd=tmp_path)) == "t-3\n"
    assert (opened.get_token("t-1"), opened.get_token("t-2")) == (None, None)
    getattr(opened, "close", lambda: None)()


def test_an_rsa_consumer_gets_no_secret(tmp_path: Path) -> None:
    from tls_certs import rsa_key, rsa_pems

    (tmp_path / "public.pem").write_bytes(rsa_pems(rsa_key())["spki"])
    store = f"sqlite:///{tmp_path}/p.db"
    added = json.loads(ok(oauth2_cli("consumers", "add", "--store", store, "--key", "jira", "--json",
                                     "--rsa-public-key", str(tmp_path / "public.pem"), cwd=tmp_path)))
    assert added == {"consumer_key": "jira", "consumer_secret": ""}
    record = SQLiteStore(tmp_path / "p.db").get_consumer("jira")
    assert record is not None and record.signature_methods == {"RSA-SHA1", "RSA-SHA256", "RSA-SHA512"}
    assert (record.rsa_public_key or "").startswith("-----BEGIN PUBLIC KEY-----")


@pytest.mark.parametrize(("args", "message"), [
    (["consumers", "list", "--store", "memory:"],
     "oauth2 consumers: a memory: store lives inside one 'oauth2 serve': give --store sqlite:///PATH "
     "(see 'oauth2 consumers list --help')"),
    (["consumers", "list", "--store", "mysql://admin:hunter2@db.example/oauth"],
     "oauth2 consumers: --store: unknown store URL scheme 'mysql': give memory:, sqlite:///PATH, postgresql://... "
     "or redis://... (see 'oauth2 consumers list --help')"),
    (["serve", "--store", "sqlite:///p.db", "--consumer-key", "k"],
     "oauth2 serve: with --store, register consumers with 'oauth2 consumers add --store URL' instead of "
     "--consumer-key and --consumer-secret (see 'oauth2 serve --help')"),
    (["consumers", "add", "--store", "sqlite:///p.db", "--signature-methods", "RSA-SHA1"],
     "oauth2 consumers: the RSA methods need the consumer's public key: add --rsa-public-key FILE "
     "(see 'oauth2 consumers add --help')"),
    (["consumers", "add", "--store", "sqlite:///p.db", "--signature-methods", "HMAC-MD5"],
     "oauth2 consumers: --signature-methods takes names among HMAC-SHA1, HMAC-SHA256, HMAC-SHA512, PLAINTEXT, "
     "RSA-SHA1, RSA-SHA256, RSA-SHA512, separated by commas, not 'HMAC-MD5' (see 'oauth2 consumers add --help')"),
])
def test_store_usage_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = oauth2_cli(*args, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")
    assert "hunter2" not in result.stderr
    assert not (tmp_path / "p.db").exists()


@pytest.mark.parametrize("url", ["postgresql://admin:hunter2@127.0.0.1:{port}/oauth",
                                 "redis://:hunter2@127.0.0.1:{port}/0"])
def test_a_store_that_cannot_be_reached_is_one_line_without_its_password(tmp_path: Path, url: str) -> None:
    with socket.socket() as unused:  # a loopback port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = oauth2_cli("tokens", "revoke", "t", "--store", url.format(port=port), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("oauth2 tokens: the store failed (") and result.stderr.count("\n") == 1
    assert "hunter2" not in result.stderr


# ------------------------------------------------------------------ the Provider, in process


def test_the_consent_form_asks_then_approves_or_denies() -> None:
    store = MemoryStore()
    with Provider(store=store, consumer=oauth.Consumer("app", "app-secret"), auto_approve=False) as provider:
        client = oauth.Client(provider.consumer)  # type: ignore[arg-type]
        client.fetch_request_token(provider.request_token_url)
        url = client.authorization_url(provider.authorize_url)
        page = send("GET", url)
        assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "<b>app</b> asks to access your account" in page.body.decode()
        assert "Your PIN" not in page.body.decode() and send("GET", url).status == 200  # nothing decided yet

        token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["oauth_token"][0]
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        nameless = send("POST", provider.authorize_url, form, f"oauth_token={token}&user=+&decision=approve")
        assert nameless.status == 400
        approved = send("POST", provider.authorize_url, form, f"oauth_token={token}&user=Zo%C3%AB&decision=approve")
        assert approved.status == 200
        pin = approved.body.decode().split()[-1]
        assert send("GET", url).status == 401  # decided: the page is gone
        client.fetch_access_token(provider.access_token_url, pin)
        response, content = client.request(provider.resource_url)
        assert response.status == 200 and json.loads(content)["user"] == "Zoë"

        denied = oauth.Client(provider.consumer)  # type: ignore[arg-type]
        denied.fetch_request_token(provider.request_token_url, callback="https://app.example/cb")
        other = urllib.parse.parse_qs(urllib.parse.urlsplit(denied.authorization_url(provider.authorize_url)).query)
        answer = send("POST", provider.authorize_url, form, f"oauth_token={other['oauth_token'][0]}&decision=deny")
        assert answer.status == 302
        assert answer.headers["Location"].startswith("https://app.example/cb?oauth_token=")
        assert answer.headers["Location"].endswith("&oauth_problem=permission_denied")
        assert store.get_temporary(other["oauth_token"][0]) is None

        huge = send("POST", provider.authorize_url, form, "user=" + "x" * 5000)
        assert huge.status == 400 and b"4096" in huge.body


def test_a_provider_on_a_store_needs_no_consumer_of_its_own(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "p.db")
    with Provider(store=store) as provider:
        assert provider.consumer is None
        with pytest.raises(ValueError, match="consumer="):
            provider.issue_access_token()
    assert consumer_keys(store) == []


def test_open_store_reads_the_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(open_store("memory:"), MemoryStore)
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:///relative.db")
    assert isinstance(relative, SQLiteStore) and relative.path == "relative.db"
    absolute = open_store(f"sqlite:///{tmp_path}/absolute.db")
    assert isinstance(absolute, SQLiteStore) and absolute.path == f"{tmp_path}/absolute.db"
    for url in ("sqlite:///", "sqlite://relative.db", "sqlite:relative.db"):
        with pytest.raises(ValueError, match="sqlite:///PATH"):
            open_store(url)
    assert type(open_store("redis://:hunter2@127.0.0.1:6379/0")).__name__ == "RedisStore"  # connects when used
    with pytest.raises(ValueError, match="'this one'"):
        open_store("not a URL: hunter2")
    with pytest.raises(TypeError):
        open_store(b"memory:")  # type: ignore[arg-type]
    memory = MemoryStore()  # every store lists and removes its consumers: the operations are the protocol's
    memory.add_consumer(ConsumerRecord("key", "secret"))
    assert (remove_consumer(memory, "key"), remove_consumer(memory, "key"), consumer_keys(memory)) == (True, False, [])


def test_a_reloaded_consent_page_redirects_with_the_same_verifier() -> None:
    with Provider() as provider:
        client = oauth.Client(provider.consumer)  # type: ignore[arg-type]
        client.fetch_request_token(provider.request_token_url, callback="https://app.example/cb?from=demo")
        url = client.authorization_url(provider.authorize_url)
        first, again = send("GET", url), send("GET", url)
        assert first.status == again.status == 302
        assert first.headers["Location"] == again.headers["Location"]
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(first.headers["Location"]).query))
        assert query["from"] == "demo"
        assert client.fetch_access_token(provider.access_token_url, query["oauth_verifier"]).key
        assert send("GET", url).status == 401  # exchanged: the page is gone
