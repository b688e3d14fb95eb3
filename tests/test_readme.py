"""README.md, executed: every ```python block runs against real servers on 127.0.0.1.

README is read into (heading, block) pairs. ``SECTIONS`` below says, for each
heading, how its blocks run: the text substitutions that point them at the
loopback servers (the embedded Provider stands in for Twitter, the IMAP and
SMTP test servers for Gmail), the namespace the first block starts with,
and the assertions that follow each block. The blocks of one section share
one namespace, in README order. Blocks right after ``<!-- needs-account -->``
are only compiled. A README section with a ```python block and no entry
here fails, so no new block goes untested.

The README's placeholder credentials are registered at the servers instead
of being rewritten, so what runs is what a reader copies.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import builtins
import contextlib
import importlib
import io
import json
import re
import shlex
import shutil
import ssl
import subprocess
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import glue_django
import oauthlib.oauth1
import pytest
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from docs_support import README_TEXT, IMAPEndpoints, browse_pin, imap_server_process, marked_block, section_text
from imap_server import INBOX_MESSAGES
from loopback import Reply, send, serving, serving_asgi
from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature
from redis_server import RedisServer
from smtp_server import SMTPServers, running_smtp_servers
from tls_certs import client_context, self_signed_certificate, write_self_signed_cert
from xoauth_verifier import Account

import oauth2 as oauth
from oauth2.kit import SQLiteStore, TokenCredentials
from oauth2.provider import Provider

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

NEEDS_ACCOUNT = "<!-- needs-account -->"

#: The README's placeholder consumers, registered at the embedded Provider.
TWITTER_CONSUMER = ("your-twitter-consumer-key", "your-twitter-consumer-secret")
FLOW_CONSUMER = ("my_key_from_twitter", "my_secret_from_twitter")

#: The mailbox of the IMAP and SMTP sections, with their placeholder credentials; the XOAUTH URLs name it.
MAIL_ACCOUNT = Account(email="your_users_email@gmail.com", consumer_key="your-consumer-key",
                       consumer_secret="your-consumer-secret", token_key="your-token", token_secret="your-token-secret")


# ------------------------------------------------------------------ README parsing


class Block(NamedTuple):
    """One fenced code block of README.md."""

    heading: str
    language: str
    line: int  # the line number of the block's first line of code
    code: str
    needs_account: bool


def parse_readme(text: str) -> list[Block]:
    """Every fenced block with the heading it is under."""
    blocks = []
    heading = ""
    lines = text.splitlines()
    fence: tuple[str, int, bool] | None = None
    for number, line in enumerate(lines, start=1):
        if fence is None:
            if line.startswith("```"):
                needs_account = number > 1 and lines[number - 2] == NEEDS_ACCOUNT
                fence = (line[3:].strip(), number + 1, needs_account)
            elif line.startswith("#"):
                heading = line.lstrip("#").strip()
        elif line.startswith("```"):
            language, start, needs_account = fence
            code = "".join(f"{code_line}\n" for code_line in lines[start - 1 : number - 1])
            blocks.append(Block(heading, language, start, code, needs_account))
            fence = None
    assert fence is None, f"README.md: the block opened on line {fence[1] - 1} is never closed"
    return blocks


BLOCKS = parse_readme(README_TEXT)
PYTHON_HEADINGS = list(dict.fromkeys(b.heading for b in BLOCKS if b.language == "python"))


# ---------------------------------------------------------------- what the blocks need


def authorized_client(provider: Provider, client: oauth.Client) -> oauth.Token:
    """Run the three-legged flow for ``client`` at ``provider``; returns its access token."""
    client.fetch_request_token(provider.request_token_url)
    client.fetch_access_token(provider.access_token_url, browse_pin(client.authorization_url(provider.authorize_url)))
    assert client.token is not None
    return client.token


@dataclass(frozen=True)
class RSAMaterial:
    """An RSA key as a consumer keeps it, and the certificate a provider verifies with."""

    private_pem: bytes
    certificate_pem: bytes


@dataclass
class Env:
    """The servers and files the README runs against, started when a section first needs them."""

    request: pytest.FixtureRequest
    tmp_path: Path
    provider: Provider
    stack: contextlib.ExitStack
    output: io.StringIO = field(default_factory=io.StringIO)

    @cached_property
    def imap(self) -> IMAPEndpoints:
        """The IMAP test servers (in a child process), knowing MAIL_ACCOUNT."""
        endpoints: IMAPEndpoints = self.request.getfixturevalue("readme_imap")
        return endpoints

    @cached_property
    def smtp(self) -> SMTPServers:
        """The SMTP test servers, knowing MAIL_ACCOUNT."""
        servers: SMTPServers = self.request.getfixturevalue("readme_smtp")
        return servers

    @cached_property
    def tls(self) -> ssl.SSLContext:
        """A client TLS context trusting the mail test servers' certificate."""
        cert_path, _ = self.request.getfixturevalue("readme_tls")
        return client_context(cert_path)

    @cached_property
    def redis(self) -> RedisServer:
        """The test redis-server (skips the test where there is none, outside CI)."""
        server: RedisServer = self.request.getfixturevalue("redis_server")
        return server

    @cached_property
    def rsa(self) -> RSAMaterial:
        """The RSA key and certificate of ``jira-consumer``."""
        material: RSAMaterial = self.request.getfixturevalue("rsa_material")
        return material

    def answer_input(self, prompt: str = "") -> str:
        """``input()`` for the blocks: the user approves the authorization URL the block printed."""
        self.output.write(prompt)
        urls = re.findall(re.escape(self.provider.authorize_url) + r"\?\S+", self.output.getvalue())
        assert urls, "the block asks for the PIN without having printed the authorization URL"
        return browse_pin(urls[-1])


class Ran(NamedTuple):
    """A block that has run: what the follow-up assertions look at."""

    env: Env
    namespace: dict[str, Any]
    output: str  # what this block printed
    code: str  # its text as run, substitutions applied


Substitutions = Mapping[str, Callable[[Env], str]]


@dataclass(frozen=True)
class Run:
    """How one ```python block runs: text substitutions, then follow-up assertions."""

    substitutions: Substitutions = field(default_factory=dict)
    check: Callable[[Ran], None] | None = None
    compile_only: bool = False


@dataclass(frozen=True)
class Section:
    """The blocks of one README heading, in order, and the namespace the first one starts with."""

    blocks: tuple[Run, ...]
    namespace: Callable[[Env], dict[str, Any]] = lambda env: {}


def twitter(*endpoints: str) -> Substitutions:
    """Twitter's endpoints, as the README names them, replaced by the embedded Provider's."""
    known: Substitutions = {
        "https://api.twitter.com/oauth/request_token": lambda env: env.provider.request_token_url,
        "https://api.twitter.com/oauth/authorize": lambda env: env.provider.authorize_url,
        "https://api.twitter.com/oauth/access_token": lambda env: env.provider.access_token_url,
        "https://api.twitter.com/1.1/account/verify_credentials.json":
            lambda env: env.provider.resource_url + "/verify_credentials.json",
    }
    return {url: known[url] for url in known if url.rsplit("/", 1)[-1].split(".")[0] in endpoints}


def printed_claims(code: str) -> list[str]:
    """The ``# comments`` after the ``print(...)`` calls of a block: what each is said to print."""
    return re.findall(r"^print\(.*\)\s+# (.*)$", code, re.MULTILINE)


def matches_claim(line: str, claim: str) -> bool:
    """Whether a printed line is what the comment says, ``...`` standing for anything."""
    return re.fullmatch(re.escape(claim).replace(r"\.\.\.", ".*"), line) is not None


# ------------------------------------------------------------ Signing a Request


def check_signed_request(ran: Ran) -> None:
    """``req`` verifies, and so does each printed form of it, with oauth2 and with oauthlib."""
    ns = ran.namespace
    req, consumer, token = ns["req"], ns["consumer"], ns["token"]

    def server() -> oauth.Server:
        # The block's own timestamp is "now", whenever the test runs.
        return oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], clock=lambda: int(req["oauth_timestamp"]))

    # The client's Request keeps the int it was given, as in 1.9; on the wire it is text.
    assert server().verify_request(req, consumer, token) == {"user": "joestump", "photoid": 555555555555}
    expected = {"user": "joestump", "photoid": "555555555555"}

    header, url = ran.output.splitlines()
    assert header.startswith("OAuth ") and 'oauth_signature="' in header
    assert url.startswith("http://example.com/photos?") and "oauth_signature=" in url
    # What a provider receives, rebuilt from each printed form, verifies too.
    from_header = oauth.Request.from_request(
        "GET", "http://example.com/photos?user=joestump&photoid=555555555555", headers={"Authorization": header}
    )
    assert server().verify_request(from_header, consumer, token) == expected
    assert server().verify_request(oauth.Request.from_request("GET", url), consumer, token) == expected

    # And so does oauthlib, which shares no code with oauth2.
    params = [(k, v) for k, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query) if k != "oauth_signature"]
    signed = SimpleNamespace(http_method="GET", uri="http://example.com/photos", params=params,
                             signature=req["oauth_signature"])
    assert oauthlib_signature.verify_hmac_sha1(signed, consumer.secret, token.secret)


def check_sign_anywhere(ran: Ran) -> None:
    """What sign() returned, sent as it is, verifies: the form pairs signed, the Authorization header set."""
    ns = ran.namespace
    signed, request = ns["signed"], ns["request"]
    assert request.full_url == signed.uri and request.data == b"status=hello"
    assert "Authorization" in signed.headers
    received = oauth.Request.from_request("POST", request.full_url, headers=dict(request.header_items()),
                                          body=request.data)
    # A fresh Server: the provider has already seen this nonce.
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()])
    assert server.verify_request(received, ns["consumer"], ns["token"]) == {"status": "hello"}
    # And it was sent: the provider verified it and answered.
    assert [(entry.path, entry.error) for entry in ns["provider"].log] == [("/resource", None)]
    assert ran.output == '200 {"user": "alice", "method": "POST", "parameters": {"status": "hello"}}\n'


def check_comment_claims(ran: Ran) -> None:
    """Each ``print(...)  # claim`` line printed what its comment claims."""
    claims = printed_claims(ran.code)
    lines = ran.output.splitlines()
    assert claims and len(lines) == len(claims), (claims, lines)
    for line, claim in zip(lines, claims):
        assert matches_claim(line, claim), f"README says {claim!r}; the block printed {line!r}"


# ----------------------------------------------------------------- Using the Client


def check_request_token_response(ran: Ran) -> None:
    """The printed response is the provider's: a confirmed, live request token."""
    resp, content = ran.namespace["resp"], ran.namespace["content"]
    assert resp.status == 200
    assert "'status': '200'" in ran.output
    assert f"{content!r}\n" in ran.output
    token = oauth.Token.from_string(content)
    assert token.callback_confirmed == "true"
    # A live request token: the provider's consent page accepts it.
    browse_pin(f"{ran.env.provider.authorize_url}?oauth_token={urllib.parse.quote(token.key or '')}")


# ------------------------------------------------- Three-legged OAuth, with the flow helpers


def check_flow_helpers(ran: Ran) -> None:
    """The helpers got alice's token, and it opened the protected resource."""
    ns = ran.namespace
    access_token = ns["access_token"]
    assert access_token.extra["screen_name"] == "alice"
    assert f"What is the PIN? {access_token.key} alice\n" in ran.output
    assert ns["client"].token is access_token
    assert ns["resp"].status == 200
    assert json.loads(ns["content"]) == {"user": "alice", "method": "GET", "parameters": {}}


def check_flow_1_9(ran: Ran) -> None:
    """The 1.9 flow printed a real access token: it opens the protected resource."""
    access_token = ran.namespace["access_token"]
    assert f"oauth_token        = {access_token['oauth_token']}\n" in ran.output
    token = oauth.Token(access_token["oauth_token"], access_token["oauth_token_secret"])
    resp, content = oauth.Client(oauth.Consumer(*FLOW_CONSUMER), token).request(ran.env.provider.resource_url)
    assert resp.status == 200
    assert json.loads(content)["user"] == "alice"
    # Every request of both flows was verified, none refused.
    assert [entry.error for entry in ran.env.provider.log] == [None] * 6


# ---------------------------------------------------------------------- OAuth Echo


def echo_namespace(env: Env) -> dict[str, Any]:
    """``client``: a Client holding an access token of the README's Twitter consumer."""
    client = oauth.Client(oauth.Consumer(*TWITTER_CONSUMER))
    authorized_client(env.provider, client)
    return {"oauth": oauth, "client": client}


def check_echo(ran: Ran) -> None:
    """The Echo headers are the comment's, and the provider accepts them from a delegate."""
    headers = ran.namespace["headers"]
    assert list(headers) == ["X-Auth-Service-Provider", "X-Verify-Credentials-Authorization"]
    assert headers["X-Verify-Credentials-Authorization"].startswith("OAuth ")
    # What the delegate does with them: ask the provider whether the credentials are good.
    reply = send("GET", headers["X-Auth-Service-Provider"],
                 {"Authorization": headers["X-Verify-Credentials-Authorization"]})
    assert reply.status == 200, reply
    assert json.loads(reply.body)["user"] == "alice"


# ---------------------------------------------------------- Verifying requests (providers)


def lti_launch(url: str, secret: str = "lti-secret") -> tuple[str, dict[str, str], bytes]:
    """An LTI 1.1 launch for ``lti-key`` signed by oauthlib, OAuth parameters in the form body."""
    client = oauthlib.oauth1.Client("lti-key", client_secret=secret,
                                    signature_type=oauthlib.oauth1.SIGNATURE_TYPE_BODY)
    form = {
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": "unit-1",
        "lis_person_name_full": "Jane Learner",
    }
    uri, headers, body = client.sign(url, http_method="POST", body=form,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    return uri, headers, body.encode()


def to_public(uri: str, base_url: str, public: str) -> str:
    """``uri`` with the loopback server's origin replaced by the public one its app pins."""
    assert uri.startswith(base_url)
    return public + uri[len(base_url):]


def to_loopback(uri: str, base_url: str, public: str) -> str:
    """``uri``, signed for the public origin, sent to the loopback server behind it (as a TLS proxy would)."""
    assert uri.startswith(public)
    return base_url + uri[len(public):]


def to_loopback_all(
    signed: tuple[str, dict[str, str], bytes], base_url: str, public: str
) -> tuple[str, dict[str, str], bytes]:
    """A signed (uri, headers, body) sent to the loopback server behind the public origin."""
    uri, headers, body = signed
    return to_loopback(uri, base_url, public), headers, body


def check_lti_app(ran: Ran) -> None:
    """The README's ``app``, served over HTTP behind its pinned public origin, greets a launch and refuses
    replays (sent to another worker too), forgeries and a launch signed for the Host it was sent to."""
    public = ran.namespace["PUBLIC_ORIGIN"]
    store = ran.namespace["server"].nonce_store
    assert isinstance(store, oauth.SQLiteNonceStore)
    with serving(ran.namespace["app"]) as base_url:
        uri, headers, body = lti_launch(public + "/launch")
        reply = send("POST", to_loopback(uri, base_url, public), headers, body)
        assert (reply.status, reply.body) == (200, b"Hello Jane Learner")

        replay = send("POST", to_loopback(uri, base_url, public), headers, body)
        assert (replay.status, replay.reason, replay.oauth_problem) == (401, "Unauthorized", "nonce_used")
        # Another worker opens the same file: it refuses the replay too.
        other_worker = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], nonce_store=oauth.SQLiteNonceStore(store.path))
        request = oauth.Request.from_request("POST", uri, headers, body=body)
        with pytest.raises(oauth.NonceUsed):
            other_worker.verify_request(request, oauth.Consumer("lti-key", "lti-secret"), None)
        other_worker.nonce_store.close()

        forged = send("POST", *to_loopback_all(lti_launch(public + "/launch", secret="guessed"), base_url, public))
        assert (forged.status, forged.oauth_problem) == (401, "signature_invalid")
        assert forged.headers["WWW-Authenticate"].startswith('OAuth realm="my-app"')

        # Signed for the address it is sent to, not the public one: the Host header is not trusted.
        direct = send("POST", *lti_launch(base_url + "/launch"))
        assert (direct.status, direct.oauth_problem) == (401, "signature_invalid")

        unsigned = send("POST", base_url + "/launch", {"Content-Type": "application/x-www-form-urlencoded"},
                        b"oauth_consumer_key=lti-key&lti_version=LTI-1p0")
        # A 400 must not say "Unauthorized" in its status line.
        assert (unsigned.status, unsigned.reason) == (400, "Bad Request")
        assert unsigned.oauth_problem == "parameter_absent"
    store.close()


def check_pure_verify(ran: Ran) -> None:
    """The pairs the README collects verify; with one value changed, InvalidSignature holds the new base string."""
    ns = ran.namespace
    args = ("GET", ns["base_uri"], ns["signed"], ns["signature"], ns["consumer"], ns["token"])
    assert oauth.verify(*args) is None
    assert sorted(name for name, _ in ns["signed"]) == sorted(
        ["q", "oauth_consumer_key", "oauth_nonce", "oauth_signature_method", "oauth_timestamp", "oauth_token",
         "oauth_version"])
    with pytest.raises(oauth.InvalidSignature) as refused:
        oauth.verify("GET", ns["base_uri"], [("q", "2"), *ns["signed"][1:]], *args[3:])
    assert refused.value.base_string is not None and "q%3D2" in refused.value.base_string


def check_redis_nonces(ran: Ran) -> None:
    """``server`` keeps its nonces in Redis, where another Server sees them."""
    server = ran.namespace["server"]
    assert isinstance(server.nonce_store, oauth.RedisNonceStore)
    consumer = oauth.Consumer("lti-key", "lti-secret")
    request = oauth.Request.from_consumer_and_token(consumer, None, "POST", "https://tool.example/launch",
                                                    parameters={"resource_link_id": "unit-1"})
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, None)
    assert server.verify_request(request, consumer, None) == {"resource_link_id": "unit-1"}
    # Another process, another Server, the same Redis: the replay is refused there too.
    other = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], nonce_store=oauth.RedisNonceStore(
        redis.Redis(host=ran.env.redis.host, port=ran.env.redis.port)))
    with pytest.raises(oauth.NonceUsed):
        other.verify_request(request, consumer, None)


def check_async_redis_nonces(ran: Ran) -> None:
    """``verified`` awaits the server, whose async store keeps the nonces in the test redis-server."""
    assert isinstance(ran.namespace["store"], oauth.AsyncRedisNonceStore)
    consumer = oauth.Consumer("api-key", "api-secret")
    request = oauth.Request.from_consumer_and_token(consumer, None, "GET", "https://api.example/items?q=1")
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, None)

    async def twice() -> Any:
        first = await ran.namespace["verified"](request, consumer)
        with pytest.raises(oauth.NonceUsed):
            await ran.namespace["verified"](request, consumer)
        return first

    assert asyncio.run(twice()) == {"q": "1"}
    client = redis.Redis(host=ran.env.redis.host, port=ran.env.redis.port)
    assert list(client.scan_iter(match=f"oauth2:nonce:*{request['oauth_nonce']}"))  # in the test redis-server
    client.close()


def check_postgres_store(ran: Ran) -> None:
    """``kit`` keeps its records in the test PostgreSQL, where another store of another host sees them."""
    from oauth2.kit import PostgresStore  # here: the kit's section imports its own names at the top

    store = ran.namespace["store"]
    other = PostgresStore(ran.env.request.getfixturevalue("postgres_conninfo"))
    consumer = other.get_consumer("consumer-key")
    assert consumer is not None and consumer.callbacks == ("https://app.example/cb",)
    assert ran.namespace["kit"].store is store
    store.close()
    other.close()


def postgres_url(env: Env) -> str:
    """The README's PostgreSQL URL, pointed at a database of the test PostgreSQL of this test's own."""
    return repr(env.request.getfixturevalue("postgres_conninfo"))


def redis_url(env: Env) -> str:
    """The README's Redis URL, pointed at the test redis-server's port."""
    return repr(env.redis.url)


# ------------------------------------------------------------------ Signature methods


def rsa_namespace(env: Env) -> dict[str, Any]:
    """A token of ``jira-consumer`` at a Provider that verifies RSA-SHA1 with the consumer's certificate."""
    consumer = oauth.Consumer("jira-consumer", "")
    verifier = oauth.SignatureMethod_RSA_SHA1(public_key_for=lambda c: env.rsa.certificate_pem)
    provider = env.stack.enter_context(Provider(consumer=consumer, signature_methods=[verifier]))
    client = oauth.Client(consumer)
    client.set_signature_method(oauth.SignatureMethod_RSA_SHA1(env.rsa.private_pem))
    token = authorized_client(provider, client)
    (env.tmp_path / "private.pem").write_bytes(env.rsa.private_pem)
    (env.tmp_path / "jira-consumer.crt").write_bytes(env.rsa.certificate_pem)
    return {"token": token, "rsa_provider": provider}


def check_rsa_client(ran: Ran) -> None:
    """The RSA-signing ``client`` opens the protected resource of the RSA provider."""
    provider = ran.namespace["rsa_provider"]
    resp, content = ran.namespace["client"].request(provider.resource_url + "?jql=project%3DOAUTH")
    assert resp.status == 200, content
    assert json.loads(content)["parameters"] == {"jql": "project=OAUTH"}
    assert provider.log[-1].error is None


def check_rsa_server(ran: Ran) -> None:
    """``server`` verifies what ``signer`` signed with the certificate in CERTS, and nothing else."""
    ns = ran.namespace
    consumer, token = oauth.Consumer("jira-consumer", ""), ns["token"]
    request = oauth.Request.from_consumer_and_token(consumer, token, "GET", "https://jira.example/rest/api/2/myself")
    request.sign_request(ns["signer"], consumer, token)
    assert request["oauth_signature_method"] == "RSA-SHA1"
    assert ns["server"].verify_request(request, consumer, token) == {}
    request["expand"] = "groups"  # not what was signed
    with pytest.raises(oauth.InvalidSignature):
        ns["server"].verify_request(request, consumer, token)


# -------------------------------------------------------------------- IMAP and SMTP


def mail_namespace(env: Env) -> dict[str, Any]:
    """A TLS context trusting the mail test servers' certificate."""
    return {"loopback_tls": env.tls}


def check_imap(ran: Ran) -> None:
    """The XOAUTH login selected the INBOX, whose messages can be read."""
    conn = ran.namespace["conn"]
    assert conn.state == "SELECTED"
    typ, data = conn.fetch(str(len(INBOX_MESSAGES)), "(RFC822)")
    assert (typ, data[0][1]) == ("OK", INBOX_MESSAGES[-1])
    assert conn.logout()[0] == "BYE"


def check_smtp(ran: Ran) -> None:
    """The XOAUTH login is the one the server credits with the mail sent after it."""
    conn = ran.namespace["conn"]
    deliveries = ran.env.smtp.starttls.handler.deliveries
    before = len(deliveries)
    message = "Subject: from the README\r\n\r\nSent after an XOAUTH login.\r\n"
    assert conn.sendmail(MAIL_ACCOUNT.email, ["bob@example.com"], message) == {}
    conn.quit()
    assert deliveries[before:][0].login == MAIL_ACCOUNT.email


# --------------------------------------------------------------------- Command line


def check_embedded_provider(ran: Ran) -> None:
    """The resource answered alice's signed request, and the provider verified every step."""
    assert json.loads(ran.namespace["content"]) == {"user": "alice", "method": "GET", "parameters": {"q": "1"}}
    # request token, access token, resource; the consent page is not a signed request.
    assert [(e.path, e.error) for e in ran.namespace["provider"].log] == [
        ("/request_token", None), ("/access_token", None), ("/resource", None)]


# ------------------------------------------------------------ With requests, With httpx


def check_shell(ran: Ran) -> None:
    """Each printed status is 200, and the provider verified both token requests and every call after."""
    statuses = [line.removeprefix("PIN: ") for line in ran.output.splitlines() if not line.startswith("Go to ")]
    assert statuses and set(statuses) == {"200"}, ran.output
    assert [e.error for e in ran.env.provider.log if e.path != "/authorize"] == [None] * (2 + len(statuses))


# ------------------------------------------------------------ An ASGI provider


def check_asgi_app(ran: Ran) -> None:
    """Served by uvicorn behind its pinned public origin, ``app`` accepts an oauthlib-signed request once,
    and no replay; a JSON body is accepted only under its oauth_body_hash."""
    public = ran.namespace["PUBLIC_ORIGIN"]
    assert isinstance(ran.namespace["server"].nonce_store, oauth.SQLiteNonceStore)
    client = oauthlib.oauth1.Client("api-key", "api-secret")
    with serving_asgi(ran.namespace["app"]) as base:
        uri, headers, _ = client.sign(public + "/whoami?q=1", "GET")
        reply = send("GET", to_loopback(uri, base, public), headers)
        assert reply.status == 200, reply.body
        assert reply.json() == {"consumer": "api-key", "params": {"q": "1"}}
        replay = send("GET", to_loopback(uri, base, public), headers)
        assert replay.status == 401 and replay.oauth_problem == "nonce_used"
        uri, headers, _ = oauthlib.oauth1.Client("api-key", "wrong").sign(public + "/whoami", "GET")
        assert send("GET", to_loopback(uri, base, public), headers).oauth_problem == "signature_invalid"
        uri, headers, _ = client.sign(base + "/whoami", "GET")  # signed for the Host it is sent to
        assert send("GET", uri, headers).oauth_problem == "signature_invalid"

        consumer = oauth.Consumer("api-key", "api-secret")
        json_body = b'{"note": "hello"}'
        hashed = oauth.sign("POST", public + "/whoami", consumer, headers={"Content-Type": "application/json"},
                            body=json_body)
        assert "oauth_body_hash" in hashed.headers["Authorization"]
        reply = send("POST", to_loopback(hashed.uri, base, public), hashed.headers, json_body)
        assert reply.status == 200, reply.body
        # A JSON body attached to a request signed without one: nothing signed covers it.
        bare = oauth.sign("POST", public + "/whoami", consumer)
        attached = send("POST", to_loopback(bare.uri, base, public),
                        {**bare.headers, "Content-Type": "application/json"}, json_body)
        assert (attached.status, attached.oauth_problem) == (400, "parameter_absent")
    ran.namespace["server"].nonce_store.close()


# ------------------------------------------------------------------------ Running a provider (oauth2.kit)

KIT_CONSUMER = oauth.Consumer("app-key", "app-secret")
KIT_CALLBACK = "https://app.example/oauth/callback"


def kit_send(base: str, public: str, method: str, path: str, token: oauth.Token | None = None,
             consumer: oauth.Consumer = KIT_CONSUMER, **parameters: str) -> Any:
    """A request signed (HMAC-SHA256) for the public origin, sent to the loopback server behind it."""
    signed = oauth.sign(method, public + path, consumer, token, parameters=parameters,
                        signature_method=oauth.SignatureMethod_HMAC_SHA256())
    return send(method, to_loopback(signed.uri, base, public), signed.headers, signed.body)


def kit_token(reply: Any) -> oauth.Token:
    assert reply.status == 200, reply.body
    fields = dict(urllib.parse.parse_qsl(reply.body.decode()))
    return oauth.Token(fields["oauth_token"], fields["oauth_token_secret"])


def kit_problem(reply: Any) -> tuple[int, str]:
    return reply.status, dict(urllib.parse.parse_qsl(reply.body.decode()))["oauth_problem"]


def check_kit_store(ran: Ran) -> None:
    """The README's store is an SQLite file only its owner reads, holding the consumer it registered."""
    store = ran.namespace["store"]
    assert isinstance(store, SQLiteStore)
    assert Path(store.path).stat().st_mode & 0o777 == 0o600
    consumer = store.get_consumer("app-key")
    assert consumer is not None and consumer.callbacks == (KIT_CALLBACK,)


def check_kit_starlette(ran: Ran) -> None:
    """Served by uvicorn behind its public origin, the README's Starlette app runs the whole three-legged
    flow with its consent page, refuses a reused verifier, an unregistered callback and an unknown consumer,
    and shows a PIN to an oob consumer."""
    public = ran.namespace["PUBLIC_ORIGIN"]
    form = {"Content-Type": oauth.FORM_CONTENT_TYPE}
    with serving_asgi(ran.namespace["app"]) as base:
        answer = kit_send(base, public, "POST", "/oauth/request_token", oauth_callback=KIT_CALLBACK)
        assert "oauth_callback_confirmed=true" in answer.body.decode()
        token = kit_token(answer)
        page = send("GET", f"{base}/oauth/authorize?oauth_token={token.key}")
        assert page.status == 200 and b"Let app-key act for alice?" in page.body
        decision = send("POST", base + "/oauth/authorize", form, f"oauth_token={token.key}&decision=allow")
        assert decision.status == 303
        location = decision.headers["Location"]
        assert location.startswith(KIT_CALLBACK + "?oauth_token=" + token.key + "&oauth_verifier=")
        verifier = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["oauth_verifier"][0]
        access = kit_token(kit_send(base, public, "POST", "/oauth/access_token", token, oauth_verifier=verifier))
        reused = kit_send(base, public, "POST", "/oauth/access_token", token, oauth_verifier=verifier)
        assert kit_problem(reused) == (401, "token_rejected")
        assert reused.oauth_problem == "token_rejected"  # in WWW-Authenticate too
        me = kit_send(base, public, "GET", "/api/me", access)
        assert (me.status, me.json()) == (200, {"user": "alice", "consumer": "app-key"})
        assert kit_problem(kit_send(base, public, "GET", "/api/me")) == (400, "parameter_absent")
        evil = kit_send(base, public, "POST", "/oauth/request_token", oauth_callback="https://evil.example/")
        assert kit_problem(evil) == (400, "parameter_rejected")
        stranger = kit_send(base, public, "POST", "/oauth/request_token", consumer=oauth.Consumer("who", "x"),
                            oauth_callback="oob")
        assert kit_problem(stranger) == (401, "consumer_key_unknown")
        # Signed for the address it was sent to, not the public origin: the Host header is not trusted.
        signed = oauth.sign("GET", base + "/api/me", KIT_CONSUMER, access)
        assert send("GET", signed.uri, signed.headers).oauth_problem == "signature_invalid"

        pin_token = kit_token(kit_send(base, public, "POST", "/oauth/request_token", oauth_callback="oob"))
        shown = send("POST", base + "/oauth/authorize", form, f"oauth_token={pin_token.key}&decision=allow")
        pin = shown.body.decode().removeprefix("Your PIN: ")
        assert shown.status == 200 and pin.isdigit()
        kit_token(kit_send(base, public, "POST", "/oauth/access_token", pin_token, oauth_verifier=pin))
        denied_token = kit_token(kit_send(base, public, "POST", "/oauth/request_token", oauth_callback=KIT_CALLBACK))
        denied = send("POST", base + "/oauth/authorize", form, f"oauth_token={denied_token.key}&decision=deny")
        assert denied.status == 303 and denied.headers["Location"].endswith("&oauth_problem=permission_denied")


def check_kit_wsgi(ran: Ran) -> None:
    """The README's WSGI app answers a two-legged request for no user, a token's request for its user, and
    refuses a revoked token."""
    public = ran.namespace["PUBLIC_ORIGIN"]
    kit = ran.namespace["kit"]
    kit.store.add_token(TokenCredentials("bob-token", "bob-secret", "app-key", "bob", 0.0))
    bob = oauth.Token("bob-token", "bob-secret")
    with serving(ran.namespace["wsgi_app"]) as base:
        two_legged = kit_send(base, public, "GET", "/api/me?q=1")
        assert (two_legged.status, two_legged.body) == (200, b"user=&consumer=app-key")
        three_legged = kit_send(base, public, "GET", "/api/me", bob)
        assert (three_legged.status, three_legged.body) == (200, b"user=bob&consumer=app-key")
        assert kit_token(kit_send(base, public, "POST", "/oauth/request_token", oauth_callback="oob")).key
        assert kit.revoke("bob-token") is True
        revoked = kit_send(base, public, "GET", "/api/me", bob)
        assert (kit_problem(revoked), revoked.oauth_problem) == ((401, "token_revoked"), "token_revoked")
    ran.namespace["store"].close()
GLUE_CONSUMER = oauth.Consumer("api-key", "api-secret")


def glue_send(base: str, public: str, path: str, token: oauth.Token | None = None, *, method: str = "GET",
              body: str = "", parameters: Mapping[str, str] | None = None) -> Reply:
    """A request signed by the README's consumer for the public origin, sent to the loopback server; a body is
    a form POST."""
    method, headers = ("POST", {"Content-Type": oauth.FORM_CONTENT_TYPE}) if body else (method, None)
    signed = oauth.sign(method, public + path, GLUE_CONSUMER, token, headers=headers, body=body or None,
                        parameters=parameters)
    return send(method, to_loopback(signed.uri, base, public), signed.headers, signed.body)


def glue_flow(base: str, public: str, kit: Any) -> oauth.Token:
    """The three-legged flow through a README app's token endpoints, alice consenting; the token credentials."""
    reply = glue_send(base, public, "/oauth/request_token", method="POST", parameters={"oauth_callback": "oob"})
    assert reply.status == 200, reply.body
    temporary = oauth.Token.from_string(reply.body.decode())
    temporary.set_verifier(kit.authorize(temporary.key, "alice").verifier)
    reply = glue_send(base, public, "/oauth/access_token", temporary, method="POST")
    assert reply.status == 200, reply.body
    return oauth.Token.from_string(reply.body.decode())


def form_problem(reply: Reply) -> tuple[int, str | None, str | None]:
    """The status, the body's oauth_problem and the WWW-Authenticate header's."""
    problem = urllib.parse.parse_qs(reply.body.decode()).get("oauth_problem", [None])[0]
    return reply.status, problem, reply.oauth_problem


def check_flask_glue(ran: Ran) -> None:
    """The Flask app, behind its pinned origin: the flow, a form with a repeated field, two-legged, and a request
    signed for the Host it was sent to refused."""
    public = ran.namespace["PUBLIC_ORIGIN"]
    with serving(ran.namespace["app"]) as base:
        token = glue_flow(base, public, ran.namespace["kit"])
        reply = glue_send(base, public, "/whoami", token, body="tag=a&tag=b")
        assert reply.status == 200, reply.body
        assert reply.json() == {"consumer": "api-key", "user": "alice", "tags": ["a", "b"]}
        assert glue_send(base, public, "/whoami").json() == {"consumer": "api-key", "user": None, "tags": []}
        assert form_problem(glue_send(base, base, "/whoami")) == (401, "signature_invalid", "signature_invalid")


def check_django_glue(ran: Ran) -> None:
    """The urlpatterns, served by Django's WSGI handler: the flow, a CSRF-exempt form POST with a repeated field;
    a two-legged request refused."""
    from django.core.handlers.wsgi import WSGIHandler

    public = ran.namespace["PUBLIC_ORIGIN"]
    glue_django.route(ran.namespace["urlpatterns"])
    with serving(WSGIHandler()) as base:
        token = glue_flow(base, public, ran.namespace["kit"])
        reply = glue_send(base, public, "/profile", token, body="tag=a&tag=b")
        assert reply.status == 200, reply.body
        assert reply.json() == {"user": "alice", "tags": ["a", "b"]}
        assert form_problem(glue_send(base, public, "/profile"))[:2] == (400, "parameter_absent")


def check_starlette_glue(ran: Ran) -> None:
    """Both apps under uvicorn: Starlette's middleware lets two-legged requests by, FastAPI's dependency wants a
    user's token; a wrong secret is a 401 with the oauth_problem form from either."""
    public = ran.namespace["PUBLIC_ORIGIN"]
    with serving_asgi(ran.namespace["starlette_app"]) as base:
        token = glue_flow(base, public, ran.namespace["kit"])
        assert glue_send(base, public, "/api/whoami", token).json() == {"consumer": "api-key", "user": "alice"}
        assert glue_send(base, public, "/api/whoami").json() == {"consumer": "api-key", "user": None}
        assert form_problem(glue_send(base, base, "/api/whoami")) == (401, "signature_invalid", "signature_invalid")
    with serving_asgi(ran.namespace["fastapi_app"]) as base:
        token = glue_flow(base, public, ran.namespace["kit"])
        assert glue_send(base, public, "/profile", token).json() == {"consumer": "api-key", "user": "alice"}
        assert form_problem(glue_send(base, public, "/profile"))[:2] == (400, "parameter_absent")
        assert form_problem(glue_send(base, base, "/profile", token)) == (401, "signature_invalid", "signature_invalid")


# ------------------------------------------------------------------------ the table

SECTIONS: dict[str, Section] = {
    "Signing a Request": Section(
        blocks=(Run(check=check_signed_request), Run(check=check_comment_claims)),
    ),
    "Signing for any HTTP library": Section(blocks=(Run(check=check_sign_anywhere),)),
    "Using the Client": Section(
        blocks=(Run(twitter("request_token"), check=check_request_token_response),),
    ),
    "Three-legged OAuth, with the flow helpers": Section(
        blocks=(
            Run(twitter("request_token", "authorize", "access_token", "verify_credentials"), check=check_flow_helpers),
            Run(twitter("request_token", "authorize", "access_token"), check=check_flow_1_9),
        ),
    ),
    "Logging into Django with Twitter": Section(blocks=(Run(compile_only=True),)),
    "OAuth Echo": Section(
        blocks=(Run(twitter("verify_credentials"), check=check_echo),),
        namespace=echo_namespace,
    ),
    "With requests": Section(
        blocks=(Run(twitter("request_token", "authorize", "access_token", "verify_credentials"), check=check_shell),),
    ),
    "With httpx": Section(
        blocks=(Run(twitter("request_token", "authorize", "access_token", "verify_credentials"), check=check_shell),),
    ),
    "With aiohttp": Section(
        blocks=(Run(twitter("request_token", "authorize", "access_token", "verify_credentials"), check=check_shell),),
    ),
    "An ASGI provider (Starlette, FastAPI)": Section(
        blocks=(Run({'"/var/lib/my-api/nonces.sqlite3"': lambda env: repr(str(env.tmp_path / "nonces.sqlite3"))},
                    check=check_asgi_app),),
    ),
    "Framework glue": Section(
        blocks=(Run(check=check_flask_glue), Run(check=check_django_glue), Run(check=check_starlette_glue)),
    ),
    "Stores": Section(blocks=(Run({'"postgresql://oauth2@127.0.0.1/provider"': postgres_url},
                                  check=check_postgres_store),)),
    "Verifying requests (providers)": Section(
        blocks=(
            Run({'"/var/lib/my-tool/nonces.sqlite3"': lambda env: repr(str(env.tmp_path / "nonces.sqlite3"))},
                check=check_lti_app),
            Run(check=check_pure_verify),
            Run({'"redis://127.0.0.1:6379/0"': redis_url}, check=check_redis_nonces),
            Run({'"redis://127.0.0.1:6379/0"': redis_url}, check=check_async_redis_nonces),
        ),
    ),
    "Running a provider": Section(
        blocks=(
            Run({'"/var/lib/my-provider/oauth.sqlite3"': lambda env: repr(str(env.tmp_path / "oauth.sqlite3"))},
                check=check_kit_store),
            Run(check=check_kit_starlette),
            Run(check=check_kit_wsgi),
        ),
    ),
    "Signature methods": Section(
        blocks=(
            Run({'"private.pem"': lambda env: repr(str(env.tmp_path / "private.pem"))}, check=check_rsa_client),
            Run({'"jira-consumer.crt"': lambda env: repr(str(env.tmp_path / "jira-consumer.crt"))},
                check=check_rsa_server),
        ),
        namespace=rsa_namespace,
    ),
    "IMAP and SMTP": Section(
        blocks=(
            Run({"imaplib.IMAP4_SSL('imap.googlemail.com')":
                 lambda env: f"imaplib.IMAP4_SSL('{env.imap.host}', {env.imap.implicit_tls_port}, "
                             "ssl_context=loopback_tls)"},
                check=check_imap),
            Run({"smtplib.SMTP('smtp.googlemail.com', 587)":
                 lambda env: f"smtplib.SMTP('{env.smtp.starttls.host}', {env.smtp.starttls.port})",
                 "conn.starttls()": lambda env: "conn.starttls(context=loopback_tls)"},
                check=check_smtp),
        ),
        namespace=mail_namespace,
    ),
    "Command line": Section(blocks=(Run(check=check_embedded_provider),), namespace=lambda env: {"oauth": oauth}),
}


# ----------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def readme_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, shared by the IMAP and SMTP test servers."""
    return write_self_signed_cert(tmp_path_factory.mktemp("readme-tls"))


@pytest.fixture(scope="module")
def readme_imap(readme_tls: tuple[Path, Path]) -> Iterator[IMAPEndpoints]:
    """The IMAP test servers, in a child process (this one's Twisted reactor may be taken)."""
    with imap_server_process(*readme_tls, MAIL_ACCOUNT) as endpoints:
        yield endpoints


@pytest.fixture(scope="module")
def readme_smtp(readme_tls: tuple[Path, Path]) -> Iterator[SMTPServers]:
    """The SMTP test servers, in threads."""
    with running_smtp_servers(*readme_tls, account=MAIL_ACCOUNT) as servers:
        yield servers


@pytest.fixture(scope="module")
def rsa_material() -> RSAMaterial:
    """A fresh RSA key (PKCS#1 PEM, as README's ``private.pem``) and a self-signed certificate of it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return RSAMaterial(
        private_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()),
        certificate_pem=self_signed_certificate(key, "jira-consumer"),
    )


@pytest.fixture
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    """An embedded Provider knowing the README's placeholder consumers; other servers on demand."""
    provider = Provider(consumer=oauth.Consumer(*TWITTER_CONSUMER))
    provider.add_consumer(oauth.Consumer(*FLOW_CONSUMER))
    with provider, contextlib.ExitStack() as stack:
        yield Env(request, tmp_path, provider, stack)


# -------------------------------------------------------------------------- tests


def substituted(block: Block, run: Run, env: Env) -> str:
    """The block's text with the table's substitutions, each of which must apply."""
    code = block.code
    for old, new in run.substitutions.items():
        assert old in code, f"README.md line {block.line}: the table substitutes {old!r}, which the block lacks"
        code = code.replace(old, new(env))
    return code


@pytest.mark.parametrize("heading", PYTHON_HEADINGS)
def test_readme_section_runs(heading: str, env: Env) -> None:
    """Each python block of the section runs as the table says, and its follow-up assertions hold."""
    section = SECTIONS.get(heading)
    assert section is not None, f"README section {heading!r} has ```python blocks but no entry in SECTIONS"
    blocks = [b for b in BLOCKS if b.heading == heading and b.language == "python"]
    assert len(blocks) == len(section.blocks), f"README section {heading!r} has {len(blocks)} python blocks"
    namespace: dict[str, Any] = {"__name__": "readme", "input": env.answer_input, **section.namespace(env)}
    for block, run in zip(blocks, section.blocks):
        assert block.needs_account == run.compile_only, f"README.md line {block.line}: {NEEDS_ACCOUNT} vs the table"
        code = substituted(block, run, env)
        # Padded so that tracebacks show README.md's own line numbers.
        compiled = compile("\n" * (block.line - 1) + code, str(README), "exec")
        if run.compile_only:
            continue
        start = len(env.output.getvalue())
        with contextlib.redirect_stdout(env.output):
            exec(compiled, namespace)  # noqa: S102 - running README's code is the point
        if run.check is not None:
            run.check(Ran(env, namespace, env.output.getvalue()[start:], code))


def test_every_table_entry_is_a_readme_section() -> None:
    """No stale entries: the table describes README as it is."""
    assert sorted(SECTIONS) == sorted(PYTHON_HEADINGS)


def test_the_parser_finds_every_python_block() -> None:
    """A block the parser missed (an indented fence, say) would go untested without a word."""
    assert README_TEXT.count("```python") == sum(b.language == "python" for b in BLOCKS)
    marked = [b for b in BLOCKS if b.needs_account]
    assert README_TEXT.count(NEEDS_ACCOUNT) == len(marked)
    assert {b.language for b in marked} <= {"python"}


@pytest.mark.parametrize("marker", ["demo-command", "test-command"])
def test_quick_start_commands_are_single_lines(marker: str) -> None:
    """Each Quick start command is one line, to be pasted (and extracted by .ci/run) whole."""
    command = marked_block(marker)
    assert command.count("\n") == 1 and command.strip() == command[:-1], repr(command)
    assert command.startswith("python3 -m venv .venv && ")


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run extracts exactly README's test command, and runs it."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    [extraction] = [line for line in script.splitlines() if line.startswith("command=$(")]
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", f'{extraction}\nprintf "%s" "$command"'],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout == marked_block("test-command").rstrip("\n")
    assert 'bash -euo pipefail -c "$command"' in script


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_rsa_key_commands_make_a_key_pair_that_verifies(tmp_path: Path) -> None:
    """README's openssl lines, run as they are: the key signs, the certificate and the public key verify."""
    for line in marked_block("rsa-keygen").splitlines():
        subprocess.run(shlex.split(line), cwd=tmp_path, check=True, capture_output=True, timeout=60)
    consumer = oauth.Consumer("jira-consumer", "")
    signed = oauth.sign("GET", "https://jira.example.com/rest/api/2/issue/OAUTH-1", consumer, None,
                        signature_method=oauth.SignatureMethod_RSA_SHA1((tmp_path / "private.pem").read_bytes()))
    for public in ("jira-consumer.crt", "public.pem"):
        request = oauth.Request.from_request("GET", signed.uri, headers=signed.headers)
        server = oauth.Server([oauth.SignatureMethod_RSA_SHA1(public_key=(tmp_path / public).read_bytes())])
        assert server.verify_request(request, consumer, None) == {}


def test_differences_are_one_bullet_per_line() -> None:
    """The Differences section keeps its promise: one line per visible change."""
    lines = section_text("Differences from python-oauth2 1.9").strip().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("- "))
    bullets = [line for line in lines[first:] if line.strip()]
    continued = [line for line in bullets if not line.startswith("- ")]
    assert continued == [], "a bullet spans lines"
    assert len(bullets) >= 20


def test_command_line_section_matches_the_cli() -> None:
    """Every flag the Command line section names exists, and so does the file it says login writes."""
    import oauth2.cli

    text = section_text("Command line")
    parser = oauth2.cli.build_parser()

    def options(command: argparse.ArgumentParser) -> set[str]:
        """The flags of ``command`` and of its subcommands (``oauth2 consumers add``), at any depth."""
        found = {option for action in command._actions for option in action.option_strings}
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                found.update(*(options(sub) for sub in action.choices.values()))
        return found

    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    known = set().union(*(options(command) for command in commands.values()))
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))  # short ones are curl's and python's too
    assert named and named <= known, sorted(named - known)
    assert f"`./{oauth2.cli.DEFAULT_CREDENTIALS}`" in text
    for variable in [*oauth2.cli.ENVIRONMENT.values(), oauth2.cli.RSA_PASSWORD_VARIABLE]:
        assert f"`{variable}`" in text


def free_names(code: str) -> set[str]:
    """The names a block uses without defining or importing them (builtins aside)."""
    bound, used = set(), set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return used - bound - set(dir(builtins))


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.language == "python"], ids=lambda b: f"line{b.line}")
def test_each_block_runs_alone_or_says_what_it_continues(block: Block) -> None:
    """A reader copies one block: what it does not define, its first line names, as the block it continues."""
    names = free_names(block.code)
    if not names:
        return
    first = block.code.splitlines()[0]
    assert first.startswith("# Continues "), f"README.md line {block.line} uses {sorted(names)} without saying whence"
    assert [name for name in sorted(names) if f"`{name}`" not in first] == [], first


@pytest.mark.parametrize(("alias", "module"), [("imaplib", "oauth2.clients.imap"), ("smtplib", "oauth2.clients.smtp")])
def test_mail_modules_have_what_readme_uses(alias: str, module: str) -> None:
    """``import oauth2.clients.smtp as smtplib``: every ``smtplib.X`` README names is there (and likewise IMAP)."""
    imported = importlib.import_module(module)
    used = set(re.findall(rf"\b{alias}\.([A-Za-z_][\w.]*[A-Za-z_])", README_TEXT))
    assert used
    missing = []
    for dotted in used:
        target: Any = imported
        for part in dotted.split("."):
            target = getattr(target, part, None)
        if target is None:
            missing.append(dotted)
    assert missing == []
