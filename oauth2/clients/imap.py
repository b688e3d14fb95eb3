"""IMAP clients that log in with XOAUTH (OAuth 1.0a) or XOAUTH2 (bearer tokens).

Drop-in for python-oauth2 1.9's module::

    import oauth2.clients.imap as imaplib

    conn = imaplib.IMAP4_SSL("imap.googlemail.com")
    conn.authenticate(url, consumer, token)
    conn.select("INBOX")
"""

from __future__ import annotations

import imaplib
from typing import List, Optional, Tuple, cast

import oauth2
from oauth2.clients import _xoauth_string

__all__ = ["IMAP4", "IMAP4_SSL", "XOAuthIMAPMixin"]


class _SaslResponder:
    """imaplib ``authobject`` that sends one initial response and records any later challenge.

    XOAUTH2 servers report a failure as a challenge carrying JSON details;
    RFC 7628 §3.2.3 requires the client to answer it with an empty response,
    after which the server sends the final NO.
    """

    def __init__(self, initial_response: str) -> None:
        self._initial_response: Optional[bytes] = initial_response.encode("utf-8")
        self.error_challenge: Optional[bytes] = None

    def __call__(self, challenge: bytes) -> Optional[bytes]:
        if self._initial_response is not None:
            response, self._initial_response = self._initial_response, None
            return response
        if self.error_challenge is None:
            self.error_challenge = challenge
            return b""
        # A third round is not part of either mechanism: None makes imaplib
        # cancel the exchange with "*".
        return None


class XOAuthIMAPMixin(imaplib.IMAP4):
    """XOAUTH and XOAUTH2 logins for any ``imaplib.IMAP4`` subclass."""

    def authenticate(  # type: ignore[override]  # 1.9's signature, not imaplib's
        self, url: str, consumer: oauth2.Consumer, token: Optional[oauth2.Token]
    ) -> Tuple[str, List[bytes]]:
        """Log in with XOAUTH, signing a GET of ``url`` with ``consumer`` and ``token``.

        ``token`` may be None for two-legged OAuth, as in 1.9. Raises
        ValueError for a consumer or token of the wrong type, and
        ``IMAP4.error`` (with the server's text) if the server refuses.
        """
        return self._sasl_login("XOAUTH", _xoauth_string(url, consumer, token))

    def authenticate_xoauth2(self, user: str, access_token: str) -> Tuple[str, List[bytes]]:
        """Log in with XOAUTH2 as ``user`` with the OAuth 2.0 bearer ``access_token``.

        Raises ``IMAP4.error`` if the server refuses; its message holds the
        server's text and the decoded error details the server sent.
        """
        return self._sasl_login("XOAUTH2", oauth2.build_xoauth2_string(user, access_token))

    def _sasl_login(self, mechanism: str, initial_response: str) -> Tuple[str, List[bytes]]:
        responder = _SaslResponder(initial_response)
        try:
            typ, data = super().authenticate(mechanism, responder)
        except self.error as exc:
            if responder.error_challenge is None:
                raise
            details = responder.error_challenge.decode("utf-8", "replace")
            raise self.error(f"{exc} (error details from the server: {details})") from exc
        # typeshed says str, but imaplib returns the list of response lines.
        return typ, cast(List[bytes], data)


class IMAP4(XOAuthIMAPMixin, imaplib.IMAP4):
    """``imaplib.IMAP4`` with XOAUTH/XOAUTH2; call ``starttls()`` before logging in."""


class IMAP4_SSL(XOAuthIMAPMixin, imaplib.IMAP4_SSL):
    """``imaplib.IMAP4_SSL`` (implicit TLS, port 993) with XOAUTH/XOAUTH2."""
