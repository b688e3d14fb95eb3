"""The helpers the tests share: credentials, a server with a stopped clock, the one way the tests sign a request
on the client side, and the text strategies of the property tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from hypothesis import strategies as st

import oauth2 as oauth

NOW = 1_700_000_000
CONSUMER = oauth.Consumer("ckey", "csecret")
TOKEN = oauth.Token("tkey", "tsecret")
HMAC_SHA1 = oauth.SignatureMethod_HMAC_SHA1()
PLAINTEXT = oauth.SignatureMethod_PLAINTEXT()
FORM = "application/x-www-form-urlencoded"
REPO = Path(__file__).resolve().parents[1]


def signed(
    http_method: str = "GET",
    url: str = "http://e/r?x=1",
    parameters: Optional[Mapping[str, Any]] = None,
    *,
    method: oauth.SignatureMethod = HMAC_SHA1,
    consumer: oauth.Consumer = CONSUMER,
    token: Optional[oauth.Token] = TOKEN,
    body: Any = b"",
    is_form_encoded: bool = False,
    timestamp: Optional[int] = NOW,
    nonce: Optional[str] = None,
) -> oauth.Request:
    """A request signed by ``consumer`` (and ``token``) as a client builds it.

    Timestamped ``timestamp`` (None: the real time, for a server that keeps
    it); ``nonce`` fixes the nonce, else it is fresh.
    """
    fixed = {"oauth_timestamp": str(timestamp)} if timestamp is not None else {}
    if nonce is not None:
        fixed["oauth_nonce"] = nonce
    request = oauth.Request.from_consumer_and_token(
        consumer, token, http_method, url, {**fixed, **(parameters or {})}, body=body, is_form_encoded=is_form_encoded
    )
    request.sign_request(method, consumer, token)
    return request


def server(*methods: oauth.SignatureMethod, **options: Any) -> oauth.Server:
    """A Server whose clock stands at NOW, accepting ``methods`` (HMAC-SHA1 by default)."""
    return oauth.Server(list(methods) or [HMAC_SHA1], clock=lambda: NOW, **options)


# Hypothesis strategies the property tests of several sections share.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
# The fast paths join names, values or secrets with NUL and \1 to check them all at once.
SEPARATORISH = st.text(st.sampled_from("aZ09-._~\0\1é %&"), max_size=6)
