"""The helpers the tests share: credentials, a server with a stopped clock, the one way the tests sign a request
on the client side, and the text strategies of the property tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    """A Server whose clock stands at NOW unless told otherwise, accepting ``methods`` (HMAC-SHA1 by default)."""
    options.setdefault("clock", frozen_clock)
    return oauth.Server(list(methods) or [HMAC_SHA1], **options)


# Hypothesis strategies the property tests of several sections share.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
# The fast paths join names, values or secrets with NUL and \1 to check them all at once.
SEPARATORISH = st.text(st.sampled_from("aZ09-._~\0\1é %&"), max_size=6)


def frozen_clock() -> float:
    """The server clock of the tests: always NOW."""
    return NOW


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: float = NOW

    def __call__(self) -> float:
        """The time the test set."""
        return self.now


def over_the_wire(
    request: oauth.Request,
    *,
    url: Optional[str] = None,
    body: Optional[bytes] = None,
    content_type: Optional[str] = None,
) -> oauth.Request:
    """``request`` as the provider rebuilds it: protocol parameters in the Authorization header.

    ``url`` and ``body`` replace what was signed, to tamper with the request.
    """
    headers = dict(request.to_header())
    if content_type is None and request.is_form_encoded:
        content_type = FORM
    if content_type is not None:
        headers["Content-Type"] = content_type
    wire_body = request.body if body is None else body
    return oauth.Request.from_request(request.method, url or request.url, headers=headers, body=wire_body)
