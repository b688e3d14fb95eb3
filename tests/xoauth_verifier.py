"""Server-side checks of XOAUTH and XOAUTH2 initial responses, for the test mail servers.

The XOAUTH check deliberately shares no code with ``oauth2``: it rebuilds
the signature with oauthlib, so a bug in our signing cannot also hide in
the verification.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from oauthlib.oauth1.rfc5849 import signature

import oauth2

#: How far a timestamp may be from the server's clock, as Google allowed.
TIMESTAMP_WINDOW = 300

#: What Gmail sends (base64-encoded) as the challenge of a failed XOAUTH2 login.
XOAUTH2_ERROR_JSON = b'{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}'


class Refused(Exception):
    """A login the server turns down; the message is shown to the client."""


@dataclass(frozen=True)
class Account:
    """The one mailbox owner the test servers know, with every secret they check."""

    email: str = "alice@example.com"
    consumer_key: str = "example.com"
    consumer_secret: str = "consumer s3cret/+="
    token_key: str = "1/token-key"
    token_secret: str = "token s3cret&more"
    access_token: str = "ya29.bearer-token"

    def xoauth_url(self, service: str) -> str:
        """Return the Gmail-style URL that identifies ``service`` ("imap" or "smtp")."""
        return f"https://mail.google.com/mail/b/{self.email}/{service}/"


@dataclass
class XOAuthVerifier:
    """Checks XOAUTH strings (``GET <url> k="v",...``) signed with HMAC-SHA1."""

    account: Account
    url: str
    clock: Callable[[], float] = time.time
    _seen: set[tuple[str, str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, xoauth: str) -> str:
        """Return the account's e-mail address if ``xoauth`` is acceptable, else raise Refused."""
        method, _, rest = xoauth.partition(" ")
        url, _, param_list = rest.partition(" ")
        if method != "GET" or not url or not param_list:
            raise Refused("malformed XOAUTH string")
        try:
            # collect_parameters reads an Authorization header; the XOAUTH
            # parameter list has exactly that syntax.
            params = signature.collect_parameters(
                uri_query=urlsplit(url).query,
                headers={"Authorization": "OAuth " + param_list},
                exclude_oauth_signature=False,
            )
        except ValueError as exc:
            raise Refused(f"malformed XOAUTH parameters: {exc}") from exc
        values = dict(params)
        if len(values) != len(params):
            raise Refused("duplicated XOAUTH parameter")
        for required in (
            "oauth_consumer_key",
            "oauth_nonce",
            "oauth_signature",
            "oauth_signature_method",
            "oauth_timestamp",
        ):
            if required not in values:
                raise Refused(f"missing {required}")
        if url != self.url:
            raise Refused(f"XOAUTH URL {url} is not this account's {self.url}")
        if values["oauth_consumer_key"] != self.account.consumer_key:
            raise Refused("unknown consumer key")
        if "oauth_token" not in values:
            raise Refused("missing oauth_token")
        if values["oauth_token"] != self.account.token_key:
            raise Refused("unknown token")
        if values.get("oauth_version", "1.0") != "1.0":
            raise Refused("unsupported oauth_version")
        if values["oauth_signature_method"] != "HMAC-SHA1":
            raise Refused("unsupported signature method")

        # verify_hmac_sha1 only reads these attributes of an oauthlib Request.
        signed_request = SimpleNamespace(
            http_method="GET",
            uri=url,
            params=[(k, v) for k, v in params if k != "oauth_signature"],
            signature=values["oauth_signature"],
        )
        if not signature.verify_hmac_sha1(signed_request, self.account.consumer_secret, self.account.token_secret):
            raise Refused("invalid signature")

        try:
            timestamp = int(values["oauth_timestamp"])
        except ValueError as exc:
            raise Refused("malformed timestamp") from exc
        if abs(self.clock() - timestamp) > TIMESTAMP_WINDOW:
            raise Refused("timestamp out of range")
        # Remembering only signed nonces keeps forgeries from using them up.
        seen_key = (values["oauth_consumer_key"], values["oauth_token"], values["oauth_nonce"])
        with self._lock:
            if seen_key in self._seen:
                raise Refused("nonce already used")
            self._seen.add(seen_key)
        return self.account.email


@dataclass
class XOAuth2Verifier:
    """Checks XOAUTH2 initial responses (``user=..^Aauth=Bearer ..^A^A``)."""

    account: Account

    def verify(self, response: bytes) -> str:
        """Return the user if ``response`` carries the right user and bearer token, else raise Refused."""
        try:
            text = response.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Refused("XOAUTH2 response is not UTF-8") from exc
        if not text.endswith("\x01\x01"):
            raise Refused("malformed XOAUTH2 response")
        fields = dict(item.partition("=")[::2] for item in text[:-2].split("\x01"))
        if fields.get("user") != self.account.email:
            raise Refused("unknown user")
        scheme, _, token = fields.get("auth", "").partition(" ")
        if scheme != "Bearer" or not hmac.compare_digest(token.encode(), self.account.access_token.encode()):
            raise Refused("invalid bearer token")
        return self.account.email


# The client credentials for Account, shared by the IMAP and SMTP tests; the
# ``account`` fixture (mail_adapters.py) is that of the protocol a test runs with.
@pytest.fixture
def consumer(account: Account) -> oauth2.Consumer:
    return oauth2.Consumer(account.consumer_key, account.consumer_secret)


@pytest.fixture
def token(account: Account) -> oauth2.Token:
    return oauth2.Token(account.token_key, account.token_secret)


@dataclass
class Replay:
    """The one XOAUTH string ``build_xoauth_string`` hands out, and each time it did."""

    xoauth: str
    sent: list[str]


@pytest.fixture
def replay(url: str, consumer: oauth2.Consumer, token: oauth2.Token, monkeypatch: pytest.MonkeyPatch) -> Replay:
    """Every later ``build_xoauth_string`` returns the same string, nonce included: a replay."""
    recorded = Replay(oauth2.build_xoauth_string(url, consumer, token), [])

    def same_string(*args: object, **kwargs: object) -> str:
        recorded.sent.append(recorded.xoauth)
        return recorded.xoauth

    monkeypatch.setattr(oauth2, "build_xoauth_string", same_string)
    return recorded


@pytest.fixture
def stale_timestamp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests signed from now on carry a timestamp an hour old."""
    stale = str(int(time.time()) - 3600)
    monkeypatch.setattr(oauth2.Request, "make_timestamp", classmethod(lambda cls: stale))
