"""oauth2.clients.smtp against real SMTP servers (aiosmtpd) on 127.0.0.1, over TLS."""

from __future__ import annotations

import email
import smtplib as std_smtplib
import ssl

import pytest
from mail_adapters import MailAdapter, SMTPAdapter, SMTPConnector
from smtp_server import SMTPServer, SMTPServers
from xoauth_verifier import Account

import oauth2
import oauth2.clients.smtp as oauth_smtplib

MESSAGE = (
    "From: alice@example.com\r\n"
    "To: bob@example.com\r\n"
    "Subject: sent with {mechanism}\r\n"
    "\r\n"
    "Hello Bob, this went through {mechanism}.\r\n"
)


@pytest.fixture
def mail(smtp_mail: SMTPAdapter) -> MailAdapter:
    """This module's tests are SMTP's only (the ``account`` and ``url`` fixtures ask for it)."""
    return smtp_mail


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
    smtp_connect: SMTPConnector,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
) -> None:
    conn = smtp_connect.starttls(smtp_servers.starttls)
    assert conn.ehlo("test")[0] == 250
    # AUTH appears only once TLS is on (checked before STARTTLS in another test).
    assert "XOAUTH" in conn.esmtp_features["auth"].split()
    code, reply = conn.authenticate(url, consumer, token)
    assert code == 235
    assert b"Authentication successful" in reply
    send_and_check(conn, smtp_servers.starttls, "XOAUTH", account.email)


def test_xoauth2_starttls_login_and_send(
    smtp_servers: SMTPServers, smtp_connect: SMTPConnector, account: Account
) -> None:
    conn = smtp_connect.starttls(smtp_servers.starttls)
    assert conn.authenticate_xoauth2(account.email, account.access_token)[0] == 235
    send_and_check(conn, smtp_servers.starttls, "XOAUTH2", account.email)


@pytest.mark.parametrize("mechanism", ["XOAUTH", "XOAUTH2"])
def test_implicit_tls_login_and_send(
    smtp_servers: SMTPServers,
    smtp_connect: SMTPConnector,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    mechanism: str,
) -> None:
    server = smtp_servers.implicit_tls
    conn = smtp_connect.ssl(server)
    assert isinstance(conn.sock, ssl.SSLSocket)
    # No explicit ehlo(): authenticate() must say EHLO itself, as login() does.
    if mechanism == "XOAUTH":
        assert conn.authenticate(url, consumer, token)[0] == 235
    else:
        assert conn.authenticate_xoauth2(account.email, account.access_token)[0] == 235
    send_and_check(conn, server, mechanism, account.email)


def test_readme_example(
    smtp_servers: SMTPServers, smtp_tls: ssl.SSLContext, smtp_connect: SMTPConnector, account: Account
) -> None:
    consumer = oauth2.Consumer(account.consumer_key, account.consumer_secret)
    token = oauth2.Token(account.token_key, account.token_secret)
    server = smtp_servers.starttls
    # python-oauth2 1.9's README, with the host, port and trust store of the test server.
    import oauth2 as oauth  # noqa: F401
    import oauth2.clients.smtp as smtplib

    url = "https://mail.google.com/mail/b/%s/smtp/" % account.email  # noqa: UP031
    conn = smtplib.SMTP(server.host, server.port)
    smtp_connect.track(conn)
    conn.set_debuglevel(True)
    conn.ehlo("test")
    conn.starttls(context=smtp_tls)
    conn.authenticate(url, consumer, token)
    send_and_check(conn, server, "XOAUTH", account.email)
