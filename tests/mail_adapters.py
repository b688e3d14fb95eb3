"""The IMAP and SMTP test servers as fixtures, and one adapter per protocol for the tests they share.

``test_mail.py`` runs each XOAUTH/XOAUTH2 test once per protocol through the
``mail`` fixture; ``test_imap.py`` and ``test_smtp.py`` keep what only one
protocol has (IMAP SELECT and FETCH, SMTP sendmail, 1.9's README examples).
The servers are the real ones of ``imap_server.py`` (Twisted) and
``smtp_server.py`` (aiosmtpd), over TLS on 127.0.0.1; each starts only
when a test asks for it.
"""

from __future__ import annotations

import contextlib
import imaplib as std_imaplib
import smtplib as std_smtplib
import ssl
from collections.abc import Iterator
from typing import Any, ClassVar, TypeVar

import pytest
from imap_server import IMAPServers, running_imap_servers
from loopback import TIMEOUT
from smtp_server import SMTPServer, SMTPServers, running_smtp_servers
from tls_certs import client_context, write_self_signed_cert
from xoauth_verifier import Account

import oauth2.clients.imap as oauth_imaplib
import oauth2.clients.smtp as oauth_smtplib

ImapConn = TypeVar("ImapConn", bound=std_imaplib.IMAP4)
SmtpConn = TypeVar("SmtpConn", bound=std_smtplib.SMTP)

# --- The servers --------------------------------------------------------------


@pytest.fixture(scope="session")
def imap_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IMAPServers, ssl.SSLContext]]:
    cert_path, key_path = write_self_signed_cert(tmp_path_factory.mktemp("imap-tls"))
    with running_imap_servers(cert_path, key_path) as servers:
        yield servers, client_context(cert_path)


@pytest.fixture
def imap_servers(imap_session: tuple[IMAPServers, ssl.SSLContext]) -> Iterator[IMAPServers]:
    servers = imap_session[0]
    before = len(servers.errors)
    yield servers
    # A server-side exception means the exchange went wrong even if the client was happy.
    assert servers.errors[before:] == []


@pytest.fixture
def imap_tls(imap_session: tuple[IMAPServers, ssl.SSLContext]) -> ssl.SSLContext:
    return imap_session[1]


@pytest.fixture(scope="session")
def smtp_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SMTPServers]:
    cert_path, key_path = write_self_signed_cert(tmp_path_factory.mktemp("smtp-tls"))
    with running_smtp_servers(cert_path, key_path) as servers:
        yield servers


@pytest.fixture(scope="session")
def smtp_tls(smtp_servers: SMTPServers) -> ssl.SSLContext:
    return client_context(smtp_servers.cert_path)


# --- Client connections -------------------------------------------------------


class IMAPConnector:
    """Opens client connections to the IMAP test servers and closes whatever a test leaves open."""

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

    def track(self, conn: ImapConn) -> ImapConn:
        self.opened.append(conn)
        return conn

    def close_all(self) -> None:
        for conn in self.opened:
            # Already gone after a logout(); only leftovers of failed tests matter.
            with contextlib.suppress(OSError):
                conn.shutdown()


class SMTPConnector:
    """Opens client connections to the SMTP test servers and closes whatever a test leaves open."""

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

    def track(self, conn: SmtpConn) -> SmtpConn:
        self.opened.append(conn)
        return conn

    def close_all(self) -> None:
        for conn in self.opened:
            conn.close()


@pytest.fixture
def imap_connect(imap_servers: IMAPServers, imap_tls: ssl.SSLContext) -> Iterator[IMAPConnector]:
    connector = IMAPConnector(imap_servers, imap_tls)
    yield connector
    connector.close_all()


@pytest.fixture
def smtp_connect(smtp_tls: ssl.SSLContext) -> Iterator[SMTPConnector]:
    connector = SMTPConnector(smtp_tls)
    yield connector
    connector.close_all()


# --- One adapter per protocol -------------------------------------------------


class MailAdapter:
    """What a shared test needs of a protocol: connections, logins, refusals and the server's records.

    ``connect()`` opens the connection the shared tests log in on (IMAP:
    implicit TLS; SMTP: STARTTLS, as submission servers do), ``connect_via``
    either TLS variant.
    """

    name: ClassVar[str]
    #: What the client raises when the server refuses a login.
    refused: ClassVar[type[Exception]]
    #: What the client raises for a login before TLS, and what the message says.
    before_tls: ClassVar[tuple[type[Exception], str]]
    #: What the client raises for a mechanism the server does not offer, and what the message says.
    unsupported: ClassVar[tuple[type[Exception], str]]

    account: Account

    @property
    def url(self) -> str:
        """The XOAUTH URL of this protocol for the account."""
        return self.account.xoauth_url(self.name)

    def connect(self) -> Any:
        raise NotImplementedError

    def connect_via(self, transport: str) -> Any:
        """Connect with ``transport``, "implicit_tls" or "starttls"."""
        raise NotImplementedError

    def connect_plain(self) -> Any:
        """Connect in plain text to the server that wants STARTTLS first."""
        raise NotImplementedError

    def connect_xoauth2_only(self) -> Any:
        """Connect (over TLS) to the server that offers XOAUTH2 but not XOAUTH."""
        raise NotImplementedError

    def authenticate(self, conn: Any, url: str, consumer: Any, token: Any) -> Any:
        """XOAUTH login; the client's result."""
        return conn.authenticate(url, consumer, token)

    def authenticate_xoauth2(self, conn: Any, user: str, access_token: str) -> Any:
        """XOAUTH2 login; the client's result."""
        return conn.authenticate_xoauth2(user, access_token)

    def assert_accepted(self, conn: Any, result: Any) -> None:
        """Check ``result`` of a login and ``conn`` say the server accepted it."""
        raise NotImplementedError

    def refusal(self, error: BaseException) -> str:
        """Check ``error`` is the protocol's refusal of a login; the server's text."""
        raise NotImplementedError

    def offers_starttls(self, conn: Any) -> bool:
        raise NotImplementedError

    def assert_not_offered(self, conn: Any, error: BaseException) -> None:
        """Check XOAUTH was not offered on ``conn`` and ``error`` says so."""
        raise NotImplementedError

    def assert_unauthenticated_and_usable(self, conn: Any) -> None:
        raise NotImplementedError

    def error_challenge_answers(self) -> list[bytes]:
        """What clients answered so far to the XOAUTH2 error challenge of the server ``connect()`` reaches."""
        raise NotImplementedError

    def close(self, conn: Any) -> None:
        """End the session politely (LOGOUT, QUIT), checking the server's answer."""
        raise NotImplementedError


class IMAPAdapter(MailAdapter):
    name = "imap"
    refused = oauth_imaplib.IMAP4_SSL.error
    before_tls = (oauth_imaplib.IMAP4.error, "PRIVACYREQUIRED")
    unsupported = (oauth_imaplib.IMAP4_SSL.error, "AUTHENTICATE method unsupported")

    def __init__(self, servers: IMAPServers, connector: IMAPConnector) -> None:
        self.servers = servers
        self.connector = connector
        self.account = servers.account

    def connect(self) -> oauth_imaplib.IMAP4:
        return self.connector.ssl()

    def connect_via(self, transport: str) -> oauth_imaplib.IMAP4:
        return self.connector.ssl() if transport == "implicit_tls" else self.connector.starttls()

    def connect_plain(self) -> oauth_imaplib.IMAP4:
        return self.connector.plain()

    def connect_xoauth2_only(self) -> oauth_imaplib.IMAP4:
        return self.connector.ssl(self.servers.xoauth2_only_port)

    def assert_accepted(self, conn: std_imaplib.IMAP4, result: Any) -> None:
        typ, data = result
        assert typ == "OK"
        assert data == [b"Authentication successful"]
        assert conn.state == "AUTH"

    def refusal(self, error: BaseException) -> str:
        assert isinstance(error, self.refused)
        message = str(error)
        assert "AUTHENTICATIONFAILED" in message
        return message

    def offers_starttls(self, conn: std_imaplib.IMAP4) -> bool:
        return "STARTTLS" in conn.capabilities

    def assert_not_offered(self, conn: std_imaplib.IMAP4, error: BaseException) -> None:
        assert "AUTH=XOAUTH" not in conn.capabilities
        assert "AUTH=XOAUTH2" in conn.capabilities

    def assert_unauthenticated_and_usable(self, conn: std_imaplib.IMAP4) -> None:
        assert conn.state == "NONAUTH"
        assert conn.noop()[0] == "OK"

    def error_challenge_answers(self) -> list[bytes]:
        return self.servers.error_challenge_answers

    def close(self, conn: std_imaplib.IMAP4) -> None:
        assert conn.logout()[0] == "BYE"


class SMTPAdapter(MailAdapter):
    name = "smtp"
    refused = std_smtplib.SMTPAuthenticationError
    before_tls = (std_smtplib.SMTPNotSupportedError, "AUTH extension not supported")
    unsupported = (std_smtplib.SMTPNotSupportedError, "XOAUTH not offered")

    def __init__(self, servers: SMTPServers, connector: SMTPConnector) -> None:
        self.servers = servers
        self.connector = connector
        self.account = servers.account

    def connect(self) -> oauth_smtplib.SMTP:
        return self.connector.starttls(self.servers.starttls)

    def connect_via(self, transport: str) -> oauth_smtplib.SMTP:
        if transport == "implicit_tls":
            return self.connector.ssl(self.servers.implicit_tls)
        return self.connector.starttls(self.servers.starttls)

    def connect_plain(self) -> oauth_smtplib.SMTP:
        return self.connector.plain(self.servers.starttls)

    def connect_xoauth2_only(self) -> oauth_smtplib.SMTP:
        return self.connector.starttls(self.servers.xoauth2_only)

    def assert_accepted(self, conn: std_smtplib.SMTP, result: Any) -> None:
        code, reply = result
        assert code == 235
        assert b"Authentication successful" in reply

    def refusal(self, error: BaseException) -> str:
        assert isinstance(error, self.refused)
        assert error.smtp_code == 535
        assert isinstance(error.smtp_error, bytes)
        assert b"Username and Password not accepted" in error.smtp_error
        return error.smtp_error.decode()

    def offers_starttls(self, conn: std_smtplib.SMTP) -> bool:
        return conn.has_extn("starttls")

    def assert_not_offered(self, conn: std_smtplib.SMTP, error: BaseException) -> None:
        # The server's EHLO offer is in the message.
        assert "XOAUTH2" in str(error)
        assert conn.esmtp_features["auth"].split() == ["XOAUTH2"]

    def assert_unauthenticated_and_usable(self, conn: std_smtplib.SMTP) -> None:
        assert conn.noop()[0] == 250

    def error_challenge_answers(self) -> list[bytes]:
        return self.servers.starttls.handler.error_challenge_answers

    def close(self, conn: std_smtplib.SMTP) -> None:
        assert conn.quit()[0] == 221


@pytest.fixture
def imap_mail(imap_servers: IMAPServers, imap_connect: IMAPConnector) -> IMAPAdapter:
    return IMAPAdapter(imap_servers, imap_connect)


@pytest.fixture
def smtp_mail(smtp_servers: SMTPServers, smtp_connect: SMTPConnector) -> SMTPAdapter:
    return SMTPAdapter(smtp_servers, smtp_connect)


@pytest.fixture(params=["imap", "smtp"])
def mail(request: pytest.FixtureRequest) -> MailAdapter:
    """The adapter of one protocol; only that protocol's servers are started.

    test_imap.py and test_smtp.py override it with their own protocol's.
    """
    adapter: MailAdapter = request.getfixturevalue(f"{request.param}_mail")
    return adapter


@pytest.fixture
def account(mail: MailAdapter) -> Account:
    """The account the servers know (the ``consumer`` and ``token`` fixtures are its credentials)."""
    return mail.account


@pytest.fixture
def url(mail: MailAdapter) -> str:
    return mail.url
