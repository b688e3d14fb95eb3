"""oauth2.clients.smtp against real SMTP servers (aiosmtpd) on 127.0.0.1, over TLS."""

from __future__ import annotations

import email
import smtplib as std_smtplib
import ssl
from collections.abc import Iterator
from typing import Any, TypeVar

import pytest
from smtp_server import SMTPServer, SMTPServers, running_smtp_servers
from tls_certs import client_context, write_self_signed_cert
from xoauth_verifier import XOAUTH2_ERROR_JSON, Account, Replay

import oauth2
import oauth2.clients.smtp as oauth_smtplib

#: Generous bound so that a protocol deadlock fails the test instead of hanging it.
TIMEOUT = 60

Conn = TypeVar("Conn", bound=std_smtplib.SMTP)

MESSAGE = (
    "From: alice@example.com\r\n"
    "To: bob@example.com\r\n"
    "Subject: sent with {mechanism}\r\n"
    "\r\n"
    "Hello Bob, this went through {mechanism}.\r\n"
)


@pytest.fixture(scope="session")
def smtp_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SMTPServers]:
    cert_path, key_path = write_self_signed_cert(tmp_path_factory.mktemp("smtp-tls"))
    with running_smtp_servers(cert_path, key_path) as servers:
        yield servers


@pytest.fixture(scope="session")
def tls(smtp_servers: SMTPServers) -> ssl.SSLContext:
    return client_context(smtp_servers.cert_path)


@pytest.fixture
def account(smtp_servers: SMTPServers) -> Account:
    return smtp_servers.account


@pytest.fixture
def url(account: Account) -> str:
    return account.xoauth_url("smtp")


class Connector:
    """Opens client connections to the test servers and closes whatever a test leaves open."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        self.tls = tls
        self.opened: list[std_smtplib.SMTP] = []

    def plain(self, server: SMTPServer) -> oauth_smtplib.SMTP:
        """Connect in plain text to a STARTTLS server."""
        return self.track(oauth_smtplib.SMTP(server.host, server.port, timeout=TIMEOUT))

    def starttls(self, server: SMTPServer) -> oauth_smtplib.SMTP:
        """Connect to a STARTTLS server, say EHLO and switch TLS on."""
        conn = self.plain(server)
        conn.ehlo("test")
        code, _ = conn.starttls(context=self.tls)
        assert code == 220
        return conn

    def ssl(self, server: SMTPServer) -> oauth_smtplib.SMTP_SSL:
        """Connect to an implicit-TLS server."""
        return self.track(oauth_smtplib.SMTP_SSL(server.host, server.port, context=self.tls, timeout=TIMEOUT))

    def track(self, conn: Conn) -> Conn:
        self.opened.append(conn)
        return conn

    def close_all(self) -> None:
        for conn in self.opened:
            conn.close()


@pytest.fixture
def connect(tls: ssl.SSLContext) -> Iterator[Connector]:
    connector = Connector(tls)
    yield connector
    connector.close_all()


def send_and_check(conn: std_smtplib.SMTP, server: SMTPServer, mechanism: str, login: str) -> None:
    """Send MESSAGE and check the server recorded exactly it, from this login."""
    before = len(server.handler.deliveries)
    body = MESSAGE.format(mechanism=mechanism)
    refused = conn.sendmail("alice@example.com", ["bob@example.com", "carol@example.com"], body)
    assert refused == {}
    assert conn.quit()[0] == 221
    delivered = server.handler.deliveries[before:]
    assert len(delivered) == 1
    assert delivered[0].mail_from == "alice@example.com"
    assert delivered[0].rcpt_tos == ("bob@example.com", "carol@example.com")
    assert delivered[0].login == login
    received = email.message_from_bytes(delivered[0].content)
    assert received["Subject"] == f"sent with {mechanism}"
    assert received.get_payload() == f"Hello Bob, this went through {mechanism}.\r\n"


def test_classes_extend_smtplib() -> None:
    assert issubclass(oauth_smtplib.SMTP, std_smtplib.SMTP)
    assert issubclass(oauth_smtplib.SMTP_SSL, std_smtplib.SMTP_SSL)


def test_xoauth_starttls_login_and_send(
    smtp_servers: SMTPServers,
    connect: Connector,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
) -> None:
    conn = connect.starttls(smtp_servers.starttls)
    assert conn.ehlo("test")[0] == 250
    # AUTH appears only once TLS is on (checked before STARTTLS in another test).
    assert "XOAUTH" in conn.esmtp_features["auth"].split()
    code, reply = conn.authenticate(url, consumer, token)
    assert code == 235
    assert b"Authentication successful" in reply
    send_and_check(conn, smtp_servers.starttls, "XOAUTH", account.email)


def test_xoauth2_starttls_login_and_send(smtp_servers: SMTPServers, connect: Connector, account: Account) -> None:
    conn = connect.starttls(smtp_servers.starttls)
    assert conn.authenticate_xoauth2(account.email, account.access_token)[0] == 235
    send_and_check(conn, smtp_servers.starttls, "XOAUTH2", account.email)


@pytest.mark.parametrize("mechanism", ["XOAUTH", "XOAUTH2"])
def test_implicit_tls_login_and_send(
    smtp_servers: SMTPServers,
    connect: Connector,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    mechanism: str,
) -> None:
    server = smtp_servers.implicit_tls
    conn = connect.ssl(server)
    assert isinstance(conn.sock, ssl.SSLSocket)
    # No explicit ehlo(): authenticate() must say EHLO itself, as login() does.
    if mechanism == "XOAUTH":
        assert conn.authenticate(url, consumer, token)[0] == 235
    else:
        assert conn.authenticate_xoauth2(account.email, account.access_token)[0] == 235
    send_and_check(conn, server, mechanism, account.email)


def test_readme_example(smtp_servers: SMTPServers, tls: ssl.SSLContext, connect: Connector, account: Account) -> None:
    consumer = oauth2.Consumer(account.consumer_key, account.consumer_secret)
    token = oauth2.Token(account.token_key, account.token_secret)
    server = smtp_servers.starttls
    # python-oauth2 1.9's README, with the host, port and trust store of the test server.
    import oauth2 as oauth  # noqa: F401
    import oauth2.clients.smtp as smtplib

    url = "https://mail.google.com/mail/b/%s/smtp/" % account.email  # noqa: UP031
    conn = smtplib.SMTP(server.host, server.port)
    connect.track(conn)
    conn.set_debuglevel(True)
    conn.ehlo("test")
    conn.starttls(context=tls)
    conn.authenticate(url, consumer, token)
    send_and_check(conn, server, "XOAUTH", account.email)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"token_secret": "wrong"}, "invalid signature"),
        ({"consumer_secret": "wrong"}, "invalid signature"),
        ({"consumer_key": "evil.example"}, "unknown consumer key"),
        ({"token_key": "1/other"}, "unknown token"),
        ({"url": "https://mail.google.com/mail/b/mallory@example.com/smtp/"}, "is not this account's"),
    ],
)
def test_bad_xoauth_credentials_are_refused(
    smtp_servers: SMTPServers,
    connect: Connector,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    change: dict[str, str],
    reason: str,
) -> None:
    values: dict[str, Any] = {
        "consumer_key": account.consumer_key,
        "consumer_secret": account.consumer_secret,
        "token_key": account.token_key,
        "token_secret": account.token_secret,
        "url": url,
        **change,
    }
    conn = connect.starttls(smtp_servers.starttls)
    with pytest.raises(std_smtplib.SMTPAuthenticationError) as excinfo:
        conn.authenticate(
            values["url"],
            oauth2.Consumer(values["consumer_key"], values["consumer_secret"]),
            oauth2.Token(values["token_key"], values["token_secret"]),
        )
    assert excinfo.value.smtp_code == 535
    assert isinstance(excinfo.value.smtp_error, bytes)
    assert b"Username and Password not accepted" in excinfo.value.smtp_error
    assert reason.encode() in excinfo.value.smtp_error
    # The refusal left the protocol in step: a correct login still works.
    assert conn.authenticate(url, consumer, token)[0] == 235
    conn.quit()


@pytest.mark.parametrize(
    ("user", "access_token", "reason"),
    [
        ("alice@example.com", "ya29.stolen", "invalid bearer token"),
        ("mallory@example.com", "ya29.bearer-token", "unknown user"),
    ],
)
def test_bad_xoauth2_credentials_get_the_json_challenge(
    smtp_servers: SMTPServers, connect: Connector, account: Account, user: str, access_token: str, reason: str
) -> None:
    server = smtp_servers.starttls
    answers_before = len(server.handler.error_challenge_answers)
    conn = connect.starttls(server)
    with pytest.raises(std_smtplib.SMTPAuthenticationError) as excinfo:
        conn.authenticate_xoauth2(user, access_token)
    assert excinfo.value.smtp_code == 535
    assert isinstance(excinfo.value.smtp_error, bytes)
    assert reason.encode() in excinfo.value.smtp_error
    assert XOAUTH2_ERROR_JSON in excinfo.value.smtp_error
    # The client answered the 334 challenge with an empty line, as RFC 7628 asks.
    assert server.handler.error_challenge_answers[answers_before:] == [b""]
    assert conn.authenticate_xoauth2(account.email, account.access_token)[0] == 235
    conn.quit()


def test_replayed_xoauth_string_is_refused(
    smtp_servers: SMTPServers,
    connect: Connector,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    replay: Replay,
) -> None:
    first = connect.starttls(smtp_servers.starttls)
    assert first.authenticate(url, consumer, token)[0] == 235
    first.quit()
    second = connect.starttls(smtp_servers.starttls)
    with pytest.raises(std_smtplib.SMTPAuthenticationError) as excinfo:
        second.authenticate(url, consumer, token)
    assert excinfo.value.smtp_code == 535
    assert b"nonce already used" in excinfo.value.smtp_error  # type: ignore[operator]
    second.quit()
    assert replay.sent == [replay.xoauth, replay.xoauth]


def test_stale_timestamp_is_refused(
    smtp_servers: SMTPServers,
    connect: Connector,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    stale_timestamp: None,
) -> None:
    conn = connect.starttls(smtp_servers.starttls)
    with pytest.raises(std_smtplib.SMTPAuthenticationError, match="timestamp out of range"):
        conn.authenticate(url, consumer, token)
    conn.quit()


def test_mechanism_the_server_lacks(
    smtp_servers: SMTPServers, connect: Connector, url: str, consumer: oauth2.Consumer, token: oauth2.Token
) -> None:
    conn = connect.starttls(smtp_servers.xoauth2_only)
    with pytest.raises(std_smtplib.SMTPNotSupportedError, match="XOAUTH not offered") as excinfo:
        conn.authenticate(url, consumer, token)
    # The server's EHLO offer is in the message.
    assert "XOAUTH2" in str(excinfo.value)
    conn.quit()


def test_auth_is_not_offered_before_starttls(
    smtp_servers: SMTPServers, connect: Connector, url: str, consumer: oauth2.Consumer, token: oauth2.Token
) -> None:
    server = smtp_servers.starttls
    conn = connect.plain(server)
    with pytest.raises(std_smtplib.SMTPNotSupportedError, match="AUTH extension not supported"):
        conn.authenticate(url, consumer, token)
    assert conn.has_extn("starttls")
    conn.quit()


@pytest.mark.parametrize(
    ("consumer", "token", "message"),
    [
        (("key", "secret"), oauth2.Token("t", "s"), "Invalid consumer."),
        (None, oauth2.Token("t", "s"), "Invalid consumer."),
        (oauth2.Consumer("key", "secret"), ("t", "s"), "Invalid token."),
    ],
)
def test_wrong_credential_types_raise_value_error(
    smtp_servers: SMTPServers, connect: Connector, url: str, consumer: Any, token: Any, message: str
) -> None:
    conn = connect.starttls(smtp_servers.starttls)
    with pytest.raises(ValueError, match=message):
        conn.authenticate(url, consumer, token)
    assert conn.noop()[0] == 250
    conn.quit()
