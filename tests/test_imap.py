"""oauth2.clients.imap against a real IMAP server (Twisted) on 127.0.0.1, over TLS."""

from __future__ import annotations

import contextlib
import imaplib as std_imaplib
import ssl
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from imap_server import INBOX_MESSAGES, IMAPServers, running_imap_servers
from tls_certs import client_context, write_self_signed_cert
from xoauth_verifier import XOAUTH2_ERROR_JSON, Account, Replay

import oauth2
import oauth2.clients.imap as oauth_imaplib

#: Generous bound so that a protocol deadlock fails the test instead of hanging it.
TIMEOUT = 60

Conn = TypeVar("Conn", bound=std_imaplib.IMAP4)


@pytest.fixture(scope="session")
def imap_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IMAPServers, ssl.SSLContext]]:
    cert_path, key_path = write_self_signed_cert(tmp_path_factory.mktemp("imap-tls"))
    with running_imap_servers(cert_path, key_path) as servers:
        yield servers, client_context(cert_path)


@pytest.fixture
def servers(imap_session: tuple[IMAPServers, ssl.SSLContext]) -> Iterator[IMAPServers]:
    servers = imap_session[0]
    before = len(servers.errors)
    yield servers
    # A server-side exception means the exchange went wrong even if the client was happy.
    assert servers.errors[before:] == []


@pytest.fixture
def tls(imap_session: tuple[IMAPServers, ssl.SSLContext]) -> ssl.SSLContext:
    return imap_session[1]


@pytest.fixture
def account(servers: IMAPServers) -> Account:
    return servers.account


@pytest.fixture
def url(account: Account) -> str:
    return account.xoauth_url("imap")


class Connector:
    """Opens client connections to the test servers and closes whatever a test leaves open."""

    def __init__(self, servers: IMAPServers, tls: ssl.SSLContext) -> None:
        self.servers = servers
        self.tls = tls
        self.opened: list[std_imaplib.IMAP4] = []

    def ssl(self, port: int | None = None) -> oauth_imaplib.IMAP4_SSL:
        """Connect with implicit TLS (to the main server unless ``port`` is given)."""
        conn = oauth_imaplib.IMAP4_SSL(
            self.servers.host, port or self.servers.implicit_tls_port, ssl_context=self.tls, timeout=TIMEOUT
        )
        return self.track(conn)

    def plain(self) -> oauth_imaplib.IMAP4:
        """Connect in plain text to the STARTTLS server."""
        return self.track(oauth_imaplib.IMAP4(self.servers.host, self.servers.starttls_port, timeout=TIMEOUT))

    def starttls(self) -> oauth_imaplib.IMAP4:
        """Connect to the STARTTLS server and switch TLS on."""
        conn = self.plain()
        conn.starttls(ssl_context=self.tls)
        return conn

    def track(self, conn: Conn) -> Conn:
        self.opened.append(conn)
        return conn

    def close_all(self) -> None:
        for conn in self.opened:
            # Already gone after a logout(); only leftovers of failed tests matter.
            with contextlib.suppress(OSError):
                conn.shutdown()


@pytest.fixture
def connect(servers: IMAPServers, tls: ssl.SSLContext) -> Iterator[Connector]:
    connector = Connector(servers, tls)
    yield connector
    connector.close_all()


def fetch_rfc822(conn: std_imaplib.IMAP4, number: int) -> bytes:
    typ, data = conn.fetch(str(number), "(RFC822)")
    assert typ == "OK"
    first = data[0]
    assert isinstance(first, tuple)
    return first[1]


def test_classes_extend_imaplib() -> None:
    assert issubclass(oauth_imaplib.IMAP4_SSL, std_imaplib.IMAP4_SSL)
    assert issubclass(oauth_imaplib.IMAP4, std_imaplib.IMAP4)
    assert not issubclass(oauth_imaplib.IMAP4, std_imaplib.IMAP4_SSL)


def test_xoauth_login_select_fetch_logout(
    connect: Connector, url: str, consumer: oauth2.Consumer, token: oauth2.Token
) -> None:
    conn = connect.ssl()
    typ, data = conn.authenticate(url, consumer, token)
    assert typ == "OK"
    assert data == [b"Authentication successful"]
    assert conn.state == "AUTH"
    assert conn.select("INBOX") == ("OK", [str(len(INBOX_MESSAGES)).encode()])
    assert fetch_rfc822(conn, 2) == INBOX_MESSAGES[1]
    assert conn.logout()[0] == "BYE"


def test_xoauth2_login_select_fetch_logout(connect: Connector, account: Account) -> None:
    conn = connect.ssl()
    typ, _ = conn.authenticate_xoauth2(account.email, account.access_token)
    assert typ == "OK"
    assert conn.select("INBOX")[0] == "OK"
    assert fetch_rfc822(conn, 1) == INBOX_MESSAGES[0]
    typ, data = conn.fetch("3", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert typ == "OK"
    assert data[0][1].strip() == b"Subject: third"  # type: ignore[index]
    assert conn.logout()[0] == "BYE"


@pytest.mark.parametrize("mechanism", ["XOAUTH", "XOAUTH2"])
def test_starttls_then_login(
    connect: Connector,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    mechanism: str,
) -> None:
    conn = connect.starttls()
    assert isinstance(conn.sock, ssl.SSLSocket)
    if mechanism == "XOAUTH":
        conn.authenticate(url, consumer, token)
    else:
        conn.authenticate_xoauth2(account.email, account.access_token)
    assert conn.select("INBOX")[0] == "OK"
    assert fetch_rfc822(conn, 3) == INBOX_MESSAGES[2]
    conn.logout()


def test_plaintext_login_is_refused_before_starttls(
    connect: Connector, url: str, consumer: oauth2.Consumer, token: oauth2.Token
) -> None:
    conn = connect.plain()
    assert "STARTTLS" in conn.capabilities
    with pytest.raises(oauth_imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        conn.authenticate(url, consumer, token)
    conn.logout()


def test_readme_example(servers: IMAPServers, tls: ssl.SSLContext, connect: Connector, account: Account) -> None:
    consumer = oauth2.Consumer(account.consumer_key, account.consumer_secret)
    token = oauth2.Token(account.token_key, account.token_secret)
    # python-oauth2 1.9's README, with the host, port and trust store of the test server.
    import oauth2 as oauth  # noqa: F401
    import oauth2.clients.imap as imaplib

    url = "https://mail.google.com/mail/b/%s/imap/" % account.email  # noqa: UP031
    conn = imaplib.IMAP4_SSL(servers.host, servers.implicit_tls_port, ssl_context=tls)
    connect.track(conn)
    conn.debug = 4
    conn.authenticate(url, consumer, token)
    conn.select("INBOX")
    assert conn.state == "SELECTED"
    conn.logout()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"token_secret": "wrong"}, "invalid signature"),
        ({"consumer_secret": "wrong"}, "invalid signature"),
        ({"consumer_key": "evil.example"}, "unknown consumer key"),
        ({"token_key": "1/other"}, "unknown token"),
        ({"url": "https://mail.google.com/mail/b/mallory@example.com/imap/"}, "is not this account's"),
    ],
)
def test_bad_xoauth_credentials_are_refused(
    connect: Connector, account: Account, url: str, change: dict[str, str], reason: str
) -> None:
    values: dict[str, Any] = {
        "consumer_key": account.consumer_key,
        "consumer_secret": account.consumer_secret,
        "token_key": account.token_key,
        "token_secret": account.token_secret,
        "url": url,
        **change,
    }
    conn = connect.ssl()
    with pytest.raises(oauth_imaplib.IMAP4_SSL.error) as excinfo:
        conn.authenticate(
            values["url"],
            oauth2.Consumer(values["consumer_key"], values["consumer_secret"]),
            oauth2.Token(values["token_key"], values["token_secret"]),
        )
    message = str(excinfo.value)
    assert "AUTHENTICATIONFAILED" in message
    assert reason in message
    # The refusal left the protocol in step: a correct login still works.
    conn.authenticate(
        url,
        oauth2.Consumer(account.consumer_key, account.consumer_secret),
        oauth2.Token(account.token_key, account.token_secret),
    )
    assert conn.state == "AUTH"
    conn.logout()


@pytest.mark.parametrize(
    ("user", "access_token", "reason"),
    [
        ("alice@example.com", "ya29.stolen", "invalid bearer token"),
        ("mallory@example.com", "ya29.bearer-token", "unknown user"),
    ],
)
def test_bad_xoauth2_credentials_get_the_json_challenge(
    connect: Connector, account: Account, user: str, access_token: str, reason: str
) -> None:
    conn = connect.ssl()
    with pytest.raises(oauth_imaplib.IMAP4_SSL.error) as excinfo:
        conn.authenticate_xoauth2(user, access_token)
    message = str(excinfo.value)
    # NO (not BAD) shows the client answered the challenge with the empty line.
    assert "AUTHENTICATIONFAILED" in message
    assert reason in message
    assert XOAUTH2_ERROR_JSON.decode() in message
    conn.authenticate_xoauth2(account.email, account.access_token)
    assert conn.state == "AUTH"
    conn.logout()


def test_replayed_xoauth_string_is_refused(
    connect: Connector,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    replay: Replay,
) -> None:
    first = connect.ssl()
    first.authenticate(url, consumer, token)
    assert first.state == "AUTH"
    first.logout()
    second = connect.ssl()
    with pytest.raises(oauth_imaplib.IMAP4_SSL.error, match="nonce already used"):
        second.authenticate(url, consumer, token)
    second.logout()
    assert replay.sent == [replay.xoauth, replay.xoauth]


def test_stale_timestamp_is_refused(
    connect: Connector,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    stale_timestamp: None,
) -> None:
    conn = connect.ssl()
    with pytest.raises(oauth_imaplib.IMAP4_SSL.error, match="timestamp out of range"):
        conn.authenticate(url, consumer, token)
    conn.logout()


def test_two_legged_xoauth_sends_no_token(connect: Connector, url: str, consumer: oauth2.Consumer) -> None:
    conn = connect.ssl()
    # This server wants three-legged OAuth; the refusal shows what was sent.
    with pytest.raises(oauth_imaplib.IMAP4_SSL.error, match="missing oauth_token"):
        conn.authenticate(url, consumer, None)
    conn.logout()


def test_mechanism_the_server_lacks(
    servers: IMAPServers, connect: Connector, url: str, consumer: oauth2.Consumer, token: oauth2.Token
) -> None:
    conn = connect.ssl(servers.xoauth2_only_port)
    assert "AUTH=XOAUTH" not in conn.capabilities
    with pytest.raises(oauth_imaplib.IMAP4_SSL.error, match="AUTHENTICATE method unsupported"):
        conn.authenticate(url, consumer, token)
    conn.logout()


@pytest.mark.parametrize(
    ("consumer", "token", "message"),
    [
        (("key", "secret"), oauth2.Token("t", "s"), "Invalid consumer."),
        (None, oauth2.Token("t", "s"), "Invalid consumer."),
        (oauth2.Consumer("key", "secret"), ("t", "s"), "Invalid token."),
    ],
)
def test_wrong_credential_types_raise_value_error(
    connect: Connector, url: str, consumer: Any, token: Any, message: str
) -> None:
    conn = connect.ssl()
    with pytest.raises(ValueError, match=message):
        conn.authenticate(url, consumer, token)
    # Nothing was sent: the connection is still unauthenticated and usable.
    assert conn.state == "NONAUTH"
    assert conn.noop()[0] == "OK"
    conn.logout()
