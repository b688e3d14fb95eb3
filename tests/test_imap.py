"""oauth2.clients.imap against a real IMAP server (Twisted) on 127.0.0.1, over TLS."""

from __future__ import annotations

import imaplib as std_imaplib
import ssl

import pytest
from imap_server import INBOX_MESSAGES, IMAPServers
from mail_adapters import IMAPAdapter, IMAPConnector, MailAdapter
from xoauth_verifier import Account

import oauth2
import oauth2.clients.imap as oauth_imaplib


@pytest.fixture
def mail(imap_mail: IMAPAdapter) -> MailAdapter:
    """This module's tests are IMAP's only (the ``account`` and ``url`` fixtures ask for it)."""
    return imap_mail


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
    imap_connect: IMAPConnector, url: str, consumer: oauth2.Consumer, token: oauth2.Token
) -> None:
    conn = imap_connect.ssl()
    typ, data = conn.authenticate(url, consumer, token)
    assert typ == "OK"
    assert data == [b"Authentication successful"]
    assert conn.state == "AUTH"
    assert conn.select("INBOX") == ("OK", [str(len(INBOX_MESSAGES)).encode()])
    assert fetch_rfc822(conn, 2) == INBOX_MESSAGES[1]
    assert conn.logout()[0] == "BYE"


def test_xoauth2_login_select_fetch_logout(imap_connect: IMAPConnector, account: Account) -> None:
    conn = imap_connect.ssl()
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
    imap_connect: IMAPConnector,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    mechanism: str,
) -> None:
    conn = imap_connect.starttls()
    assert isinstance(conn.sock, ssl.SSLSocket)
    if mechanism == "XOAUTH":
        conn.authenticate(url, consumer, token)
    else:
        conn.authenticate_xoauth2(account.email, account.access_token)
    assert conn.select("INBOX")[0] == "OK"
    assert fetch_rfc822(conn, 3) == INBOX_MESSAGES[2]
    conn.logout()


def test_readme_example(
    imap_servers: IMAPServers, imap_tls: ssl.SSLContext, imap_connect: IMAPConnector, account: Account
) -> None:
    consumer = oauth2.Consumer(account.consumer_key, account.consumer_secret)
    token = oauth2.Token(account.token_key, account.token_secret)
    # python-oauth2 1.9's README, with the host, port and trust store of the test server.
    import oauth2 as oauth  # noqa: F401
    import oauth2.clients.imap as imaplib

    url = "https://mail.google.com/mail/b/%s/imap/" % account.email  # noqa: UP031
    conn = imaplib.IMAP4_SSL(imap_servers.host, imap_servers.implicit_tls_port, ssl_context=imap_tls)
    imap_connect.track(conn)
    conn.debug = 4
    conn.authenticate(url, consumer, token)
    conn.select("INBOX")
    assert conn.state == "SELECTED"
    conn.logout()
