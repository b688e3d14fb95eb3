"""SMTP clients that log in with XOAUTH (OAuth 1.0a) or XOAUTH2 (bearer tokens).

Drop-in for python-oauth2 1.9's module::

    import oauth2.clients.smtp as smtplib

    conn = smtplib.SMTP("smtp.googlemail.com", 587)
    conn.ehlo("test")
    conn.starttls()
    conn.authenticate(url, consumer, token)
"""

from __future__ import annotations

import base64
import binascii
import smtplib
from smtplib import SMTPAuthenticationError, SMTPException, SMTPNotSupportedError
from typing import Optional, Tuple

import oauth2
from oauth2.clients import _xoauth_string

# The errors these classes raise are re-exported, so that code written as
# ``import oauth2.clients.smtp as smtplib`` can catch ``smtplib.SMTPAuthenticationError``.
__all__ = ["SMTP", "SMTP_SSL", "XOAuthSMTPMixin", "SMTPException", "SMTPAuthenticationError", "SMTPNotSupportedError"]

_AUTH_OK = 235
_CHALLENGE = 334


class XOAuthSMTPMixin(smtplib.SMTP):
    """XOAUTH and XOAUTH2 logins for any ``smtplib.SMTP`` subclass."""

    def authenticate(self, url: str, consumer: oauth2.Consumer, token: Optional[oauth2.Token]) -> Tuple[int, bytes]:
        """Log in with XOAUTH, signing a GET of ``url`` with ``consumer`` and ``token``.

        ``token`` may be None for two-legged OAuth, as in 1.9. Raises
        ValueError for a consumer or token of the wrong type,
        ``SMTPNotSupportedError`` if the server does not offer XOAUTH and
        ``SMTPAuthenticationError`` (code and server text) if it refuses.
        """
        return self._sasl_login("XOAUTH", _xoauth_string(url, consumer, token))

    def authenticate_xoauth2(self, user: str, access_token: str) -> Tuple[int, bytes]:
        """Log in with XOAUTH2 as ``user`` with the OAuth 2.0 bearer ``access_token``.

        Raises ``SMTPNotSupportedError`` if the server does not offer XOAUTH2
        and ``SMTPAuthenticationError`` if it refuses; the error's text then
        includes the decoded error details the server sent.
        """
        return self._sasl_login("XOAUTH2", oauth2.build_xoauth2_string(user, access_token))

    def _sasl_login(self, mechanism: str, initial_response: str) -> Tuple[int, bytes]:
        self.ehlo_or_helo_if_needed()
        if not self.has_extn("auth"):
            raise SMTPNotSupportedError(
                f"SMTP AUTH extension not supported by server, so {mechanism} cannot be used."
            )
        offered = self.esmtp_features["auth"].upper().split()
        if mechanism not in offered:
            raise SMTPNotSupportedError(
                f"SMTP AUTH mechanism {mechanism} not offered by the server (it offers: {' '.join(offered)})."
            )
        encoded = base64.b64encode(initial_response.encode("utf-8")).decode("ascii")
        code, reply = self.docmd("AUTH", f"{mechanism} {encoded}")
        if code == _CHALLENGE:
            # XOAUTH2 servers report failures as a challenge with JSON details;
            # RFC 7628 §3.2.3 has the client answer with an empty line, and
            # only then comes the final reply.
            details = _decode_challenge(reply)
            code, reply = self.docmd("")
            if code != _AUTH_OK:
                raise SMTPAuthenticationError(
                    code, reply + b" (error details from the server: " + details + b")"
                )
        if code != _AUTH_OK:
            raise SMTPAuthenticationError(code, reply)
        return code, reply


def _decode_challenge(reply: bytes) -> bytes:
    try:
        return base64.b64decode(reply, validate=True)
    except binascii.Error:
        # Not base64 after all: the raw text is still the best explanation.
        return reply


class SMTP(XOAuthSMTPMixin, smtplib.SMTP):
    """``smtplib.SMTP`` with XOAUTH/XOAUTH2; call ``starttls()`` before logging in."""


class SMTP_SSL(XOAuthSMTPMixin, smtplib.SMTP_SSL):
    """``smtplib.SMTP_SSL`` (implicit TLS, port 465) with XOAUTH/XOAUTH2."""
