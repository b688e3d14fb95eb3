"""Memo hygiene (issue 14): no memo holds a secret, per-request values do not churn one, memos are bounded,
keyed on str, and emptied by clear_caches. No timing here: tests never time anything."""

from __future__ import annotations

import functools
from typing import Iterator, List

import pytest

import oauth2 as oauth

CONSUMER_SECRET = "consumer-secret-Zq81"
TOKEN_SECRET = "token-secret-Wm42"
SIGNING_KEY = f"{CONSUMER_SECRET}&{TOKEN_SECRET}"
CONSUMER, TOKEN = oauth.Consumer("ck", CONSUMER_SECRET), oauth.Token("tk", TOKEN_SECRET)


def _memos() -> List[object]:
    """Every module-level container of oauth2 that could remember something, and any lru_cache."""
    found = []
    for name, value in vars(oauth).items():
        if isinstance(value, (dict, set, list)) and name != "__all__":
            found.append(value)
        if getattr(value, "__module__", None) == oauth.__name__:
            assert not isinstance(value, functools._lru_cache_wrapper), f"{name} keeps an lru_cache"
    return found


def _contents(memo: object) -> Iterator[str]:
    items = memo.items() if isinstance(memo, dict) else ((item, "") for item in memo)  # type: ignore[attr-defined]
    for key, value in items:
        yield repr(key)
        yield repr(value)


def _signed_and_verified(method: oauth.SignatureMethod) -> None:
    signed = oauth.sign("POST", "https://api.example.com/1/x?a=1", CONSUMER, TOKEN, signature_method=method,
                        headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"status=hi+there")
    server = oauth.Server([method])
    request = oauth.Request.from_request("POST", signed.uri, signed.headers, body=signed.body)
    server.verify_request(request, CONSUMER, TOKEN)


@pytest.mark.parametrize("method", [oauth.SignatureMethod_HMAC_SHA1(), oauth.SignatureMethod_HMAC_SHA256()])
def test_no_memo_holds_a_secret_after_signing_and_verifying(method: oauth.SignatureMethod) -> None:
    oauth.clear_caches()
    _signed_and_verified(method)
    for memo in _memos():
        for text in _contents(memo):
            for secret in (CONSUMER_SECRET, TOKEN_SECRET, SIGNING_KEY, oauth.escape(SIGNING_KEY)):
                assert secret not in text


def test_no_memo_holds_a_plaintext_signature() -> None:
    oauth.clear_caches()
    _signed_and_verified(oauth.SignatureMethod_PLAINTEXT())
    assert not any(CONSUMER_SECRET in text for memo in _memos() for text in _contents(memo))


def test_fresh_nonces_and_signatures_do_not_add_memo_entries() -> None:
    oauth.clear_caches()
    before = sum(len(memo) for memo in _memos())  # type: ignore[arg-type]
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()])
    for i in range(50):
        signed = oauth.sign("GET", f"https://api.example.com/statuses/{i}.json?id={i}", CONSUMER, TOKEN)
        server.verify_request(oauth.Request.from_request("GET", signed.uri, signed.headers), CONSUMER, TOKEN)
    assert sum(len(memo) for memo in _memos()) == before  # type: ignore[arg-type]


def test_memos_stay_bounded_under_many_distinct_inputs() -> None:
    oauth.clear_caches()
    before = sum(len(memo) for memo in _memos())  # type: ignore[arg-type]
    for i in range(2000):
        oauth.parse_authorization_header(f'OAuth p{i}="1", oauth_nonce="{i}"')
        oauth.base_string_uri(f"https://h{i}.example/{i}")
        oauth.normalize_parameters([(f"n{i}", f"value {i} é")])
        oauth.Request.from_request("GET", f"https://h.example/?q={i}", {"Authorization": f'OAuth x{i}="1"'})
    assert sum(len(memo) for memo in _memos()) - before <= 256  # type: ignore[arg-type]


def test_clear_caches_is_kept_as_a_harmless_no_op() -> None:
    """The module keeps no memo (issue 23); clear_caches() stays for the code that calls it."""
    header = 'OAuth oauth_nonce="1", oauth_token="t"'
    before = oauth.parse_authorization_header(header)
    assert oauth.clear_caches() is None
    assert oauth.parse_authorization_header(header) == before == ([("oauth_nonce", "1"), ("oauth_token", "t")], None)
    assert oauth.clear_caches.__doc__


def test_bytearray_url_and_secrets_are_accepted() -> None:
    url = bytearray(b"HTTPS://Api.Example.com:443/1/x?a=1")
    assert oauth.base_string_uri(url) == "https://api.example.com/1/x"
    consumer = oauth.Consumer(bytearray(b"ck"), bytearray(CONSUMER_SECRET.encode()))
    token = oauth.Token(bytearray(b"tk"), bytearray(TOKEN_SECRET.encode()))
    spaced = oauth.Token("tk", "")
    spaced.secret = bytearray(b"t s")  # type: ignore[assignment]
    assert oauth.SignatureMethod_PLAINTEXT().sign_base_string("", consumer, spaced) == f"{CONSUMER_SECRET}&t%20s"
    request = oauth.Request.from_consumer_and_token(consumer, token, "GET", url)
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, token)
    assert oauth.Server([oauth.SignatureMethod_HMAC_SHA1()]).verify_request(
        oauth.Request.from_request("GET", bytes(url).decode(), request.to_header()), consumer, token
    ) == {"a": "1"}
