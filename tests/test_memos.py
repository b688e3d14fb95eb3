"""Memo hygiene (issue 14): no memo holds a secret, per-request values do not churn one, memos are bounded,
keyed on str, and emptied by clear_caches. No timing here: tests never time anything."""

from __future__ import annotations

import functools
from typing import Iterator, List

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth1.rfc5849 import signature as rfc

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


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
# The fast paths join names, values or secrets with NUL and \1 to check them all at once.
SEPARATORISH = st.text(st.sampled_from("aZ09-._~\0\1é %&"), max_size=6)


@given(TEXT)
def test_escape_agrees_with_oauthlib(text: str) -> None:
    assert oauth.escape(text) == rfc.utils.escape(text)


@given(st.one_of(TEXT, SEPARATORISH), st.one_of(TEXT, SEPARATORISH))
def test_signing_key_agrees_with_oauthlib(consumer_secret: str, token_secret: str) -> None:
    # PLAINTEXT's signature is the signing key itself [§3.4.4].
    consumer, token = oauth.Consumer("ck", consumer_secret), oauth.Token("tk", token_secret)
    key = oauth.SignatureMethod_PLAINTEXT().sign_base_string("", consumer, token)
    assert key == f"{rfc.utils.escape(consumer_secret)}&{rfc.utils.escape(token_secret)}"


@given(st.lists(st.tuples(TEXT, TEXT), max_size=8))
def test_normalize_parameters_agrees_with_oauthlib(pairs: List[tuple]) -> None:
    assert oauth.normalize_parameters(pairs) == rfc.normalize_parameters(pairs)
    assert oauth.normalize_parameters(iter(pairs)) == rfc.normalize_parameters(pairs)


@given(st.lists(st.tuples(SEPARATORISH, SEPARATORISH), max_size=6))
def test_normalize_parameters_with_separator_characters_agrees_with_oauthlib(pairs: List[tuple]) -> None:
    assert oauth.normalize_parameters(pairs) == rfc.normalize_parameters(pairs)


@given(st.lists(st.tuples(st.one_of(TEXT, SEPARATORISH), st.one_of(TEXT, SEPARATORISH)), max_size=8))
def test_base_string_parameters_are_the_normalized_string_encoded_again(pairs: List[tuple]) -> None:
    """[§3.4.1.1], as oauthlib builds it."""
    normalized = oauth.normalize_parameters(pairs)
    expected = rfc.signature_base_string("POST", "https://e.example/a%20b", rfc.normalize_parameters(pairs))
    assert oauth.signature_base_string("post", "https://e.example/a%20b", normalized) == expected


def test_normalize_parameters_refuses_a_lone_surrogate_and_a_non_text_value() -> None:
    with pytest.raises(oauth.InvalidRequest, match="surrogate"):
        oauth.normalize_parameters([("a", "1"), ("b", "\ud800")])
    with pytest.raises(TypeError):
        oauth.normalize_parameters([("a", 1)])  # type: ignore[list-item]
    for malformed in [[("a",)], [(":\0",)], [("a\0",)], [("a\0b",)], [("a", "b", "c")], [("a",), ("b", "c", "d")]]:
        with pytest.raises(ValueError):
            oauth.normalize_parameters(malformed)  # type: ignore[arg-type]


BASE64ISH = st.text(st.sampled_from("aZ09-._~+/=\1\2é \",%"), max_size=12)


@given(st.lists(st.tuples(st.one_of(TEXT, BASE64ISH), st.one_of(TEXT, BASE64ISH)), min_size=1, max_size=6))
def test_header_parameters_at_once_agree_with_one_by_one(pairs: List[tuple]) -> None:
    expected = ", ".join(f'{oauth.escape(name)}="{oauth.escape(value)}"' for name, value in pairs)
    assert oauth.authorization_header(pairs) == f"OAuth {expected}"


@given(st.one_of(st.text(max_size=40), st.text(st.sampled_from("hs:/a.b?#[]\t\n%é=&1"), max_size=30)))
def test_url_query_agrees_with_urlsplit(url: str) -> None:
    from urllib.parse import urlsplit

    try:
        expected = urlsplit(url).query
        query = oauth.split_url(url)[1]
    except (ValueError, oauth.InvalidRequest):
        return
    assert query == expected


@given(st.text(st.sampled_from("ab=&+%2B0A%C3%A9 ;\0"), max_size=30))
def test_form_parsing_agrees_with_parse_qsl(form: str) -> None:
    from urllib.parse import parse_qsl

    try:
        expected = parse_qsl(form, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        with pytest.raises(oauth.InvalidRequest):
            oauth.parse_form(form)
        return
    assert oauth.parse_form(form) == expected


# The three speed tricks the core keeps (issue 23), each against the plain version it replaces.
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
NEAR_UNRESERVED = st.text(st.sampled_from(UNRESERVED[-8:] + "%+ /\n\0é\U0001f600"), max_size=12)


@given(st.lists(st.one_of(TEXT, NEAR_UNRESERVED), max_size=5))
def test_nothing_to_encode_check_is_the_definition_and_holds_for_concatenations(parts: List[str]) -> None:
    """Trick 1: one check over the concatenation, true exactly when every part is unreserved."""
    for part in parts:
        assert oauth._is_unreserved(part) == all(c in UNRESERVED for c in part)
    assert oauth._is_unreserved("".join(parts)) == all(oauth._is_unreserved(part) for part in parts)


@given(st.one_of(TEXT, NEAR_UNRESERVED))
def test_table_encoding_is_the_byte_by_byte_definition(text: str) -> None:
    """Trick 2: the one byte-to-text table gives what encoding byte by byte gives [§3.6]."""
    plain = "".join(chr(b) if chr(b) in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))
    assert oauth._percent_encode(text) == plain == oauth.escape(text)


URLISH = st.builds(
    "".join,
    st.lists(st.sampled_from(["http", "HTTPS", "://", "Ex.AMPLE", "h", ":", "80", "443", "0", "99999", "/", "a b",
                              "%7E", "é", "?", "q=1", "&", "#", "f", "@", "u:p", "[::1]", "\t", ";", "~"]),
             max_size=10),
)


@given(URLISH)
def test_plain_url_regex_agrees_with_the_full_parse(url: str) -> None:
    """Trick 3: a URL the regex splits is split as urlsplit and its checks split it."""
    try:
        full = oauth._split_parsed(url, None)
    except oauth.InvalidRequest:
        full = None
    try:
        fast = oauth.split_url(url)
    except oauth.InvalidRequest:
        fast = None
    assert fast == full
