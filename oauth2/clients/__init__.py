"""IMAP and SMTP clients that log in with XOAUTH (OAuth 1.0a) or XOAUTH2."""

from __future__ import annotations

from typing import Optional

import oauth2


def _xoauth_string(url: str, consumer: oauth2.Consumer, token: Optional[oauth2.Token]) -> str:
    """The XOAUTH string ``authenticate`` sends; ValueError for a consumer or token of the wrong type, as in 1.9."""
    if not isinstance(consumer, oauth2.Consumer):
        raise ValueError("Invalid consumer.")
    if token is not None and not isinstance(token, oauth2.Token):
        raise ValueError("Invalid token.")
    return oauth2.build_xoauth_string(url, consumer, token)
