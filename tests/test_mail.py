"""XOAUTH and XOAUTH2 logins of oauth2.clients.imap and oauth2.clients.smtp, each test once for both protocols.

The ``mail`` fixture (tests/mail_adapters.py) runs every test against the
real IMAP server and the real SMTP servers, over TLS on 127.0.0.1; what
only one protocol does stays in test_imap.py and test_smtp.py.
"""

from __future__ import annotations

import dataclasses
import ssl
from typing import Any

import pytest
from mail_adapters import MailAdapter
from xoauth_verifier import XOAUTH2_ERROR_JSON, Account, Replay

import oauth2


@pytest.mark.parametrize("mechanism", ["XOAUTH", "XOAUTH2"])
@pytest.mark.parametrize("transport", ["implicit_tls", "starttls"])
def test_login_over_tls(
    mail: MailAdapter,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    transport: str,
    mechanism: str,
) -> None:
    conn = mail.connect_via(transport)
    assert isinstance(conn.sock, ssl.SSLSocket)
    if mechanism == "XOAUTH":
        result = mail.authenticate(conn, url, consumer, token)
    else:
        result = mail.authenticate_xoauth2(conn, account.email, account.access_token)
    mail.assert_accepted(conn, result)
    mail.close(conn)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"token_secret": "wrong"}, "invalid signature"),
        ({"consumer_secret": "wrong"}, "invalid signature"),
        ({"consumer_key": "evil.example"}, "unknown consumer key"),
        ({"token_key": "1/other"}, "unknown token"),
        ({"email": "mallory@example.com"}, "is not this account's"),
    ],
    ids=["token_secret", "consumer_secret", "consumer_key", "token_key", "other_user_url"],
)
def test_bad_xoauth_credentials_are_refused(
    mail: MailAdapter,
    account: Account,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    change: dict[str, str],
    reason: str,
) -> None:
    bad = dataclasses.replace(account, **change)
    conn = mail.connect()
    with pytest.raises(mail.refused) as excinfo:
        mail.authenticate(
            conn,
            bad.xoauth_url(mail.name),
            oauth2.Consumer(bad.consumer_key, bad.consumer_secret),
            oauth2.Token(bad.token_key, bad.token_secret),
        )
    assert reason in mail.refusal(excinfo.value)
    # The refusal left the protocol in step: a correct login still works.
    mail.assert_accepted(conn, mail.authenticate(conn, url, consumer, token))
    mail.close(conn)


@pytest.mark.parametrize(
    ("user", "access_token", "reason"),
    [
        ("alice@example.com", "ya29.stolen", "invalid bearer token"),
        ("mallory@example.com", "ya29.bearer-token", "unknown user"),
    ],
    ids=["bad_token", "unknown_user"],
)
def test_bad_xoauth2_credentials_get_the_json_challenge(
    mail: MailAdapter, account: Account, user: str, access_token: str, reason: str
) -> None:
    answers_before = len(mail.error_challenge_answers())
    conn = mail.connect()
    with pytest.raises(mail.refused) as excinfo:
        mail.authenticate_xoauth2(conn, user, access_token)
    # A refusal (IMAP NO, not BAD; SMTP 535, not 501) shows the client answered the challenge well...
    message = mail.refusal(excinfo.value)
    assert reason in message
    assert XOAUTH2_ERROR_JSON.decode() in message
    # ... with an empty line, as RFC 7628 asks.
    assert mail.error_challenge_answers()[answers_before:] == [b""]
    mail.assert_accepted(conn, mail.authenticate_xoauth2(conn, account.email, account.access_token))
    mail.close(conn)


def test_replayed_xoauth_string_is_refused(
    mail: MailAdapter,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    replay: Replay,
) -> None:
    first = mail.connect()
    mail.assert_accepted(first, mail.authenticate(first, url, consumer, token))
    mail.close(first)
    second = mail.connect()
    with pytest.raises(mail.refused) as excinfo:
        mail.authenticate(second, url, consumer, token)
    assert "nonce already used" in mail.refusal(excinfo.value)
    mail.close(second)
    assert replay.sent == [replay.xoauth, replay.xoauth]


def test_stale_timestamp_is_refused(
    mail: MailAdapter,
    url: str,
    consumer: oauth2.Consumer,
    token: oauth2.Token,
    stale_timestamp: None,
) -> None:
    conn = mail.connect()
    with pytest.raises(mail.refused) as excinfo:
        mail.authenticate(conn, url, consumer, token)
    assert "timestamp out of range" in mail.refusal(excinfo.value)
    mail.close(conn)


def test_two_legged_xoauth_sends_no_token(mail: MailAdapter, url: str, consumer: oauth2.Consumer) -> None:
    conn = mail.connect()
    # This server wants three-legged OAuth; the refusal shows what was sent.
    with pytest.raises(mail.refused) as excinfo:
        mail.authenticate(conn, url, consumer, None)
    assert "missing oauth_token" in mail.refusal(excinfo.value)
    mail.close(conn)


def test_mechanism_the_server_lacks(
    mail: MailAdapter, url: str, consumer: oauth2.Consumer, token: oauth2.Token
) -> None:
    conn = mail.connect_xoauth2_only()
    error, message = mail.unsupported
    with pytest.raises(error, match=message) as excinfo:
        mail.authenticate(conn, url, consumer, token)
    mail.assert_not_offered(conn, excinfo.value)
    mail.close(conn)


def test_login_is_refused_before_starttls(
    mail: MailAdapter, url: str, consumer: oauth2.Consumer, token: oauth2.Token
) -> None:
    conn = mail.connect_plain()
    error, message = mail.before_tls
    with pytest.raises(error, match=message):
        mail.authenticate(conn, url, consumer, token)
    assert mail.offers_starttls(conn)
    mail.close(conn)


@pytest.mark.parametrize(
    ("consumer", "token", "message"),
    [
        (("key", "secret"), oauth2.Token("t", "s"), "Invalid consumer."),
        (None, oauth2.Token("t", "s"), "Invalid consumer."),
        (oauth2.Consumer("key", "secret"), ("t", "s"), "Invalid token."),
    ],
    ids=["consumer_tuple", "consumer_none", "token_tuple"],
)
def test_wrong_credential_types_raise_value_error(
    mail: MailAdapter, url: str, consumer: Any, token: Any, message: str
) -> None:
    conn = mail.connect()
    with pytest.raises(ValueError, match=message):
        mail.authenticate(conn, url, consumer, token)
    # Nothing was sent: the connection is still unauthenticated and usable.
    mail.assert_unauthenticated_and_usable(conn)
    mail.close(conn)
