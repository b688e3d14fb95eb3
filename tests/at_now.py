"""Credentials and a server with a stopped clock, shared by the tests of bad input and of 1.9's defects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import oauth2 as oauth

NOW = 1_700_000_000
CONSUMER = oauth.Consumer("ckey", "csecret")
TOKEN = oauth.Token("tkey", "tsecret")
HMAC_SHA1 = oauth.SignatureMethod_HMAC_SHA1()
PLAINTEXT = oauth.SignatureMethod_PLAINTEXT()
FORM = "application/x-www-form-urlencoded"
REPO = Path(__file__).resolve().parents[1]


def server(*methods: oauth.SignatureMethod, **options: Any) -> oauth.Server:
    """A Server whose clock stands at NOW, accepting ``methods`` (HMAC-SHA1 by default)."""
    return oauth.Server(list(methods) or [HMAC_SHA1], clock=lambda: NOW, **options)
