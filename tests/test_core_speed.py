"""The plain core's per-request steps, done once, against the plain versions they replace (issue 23, speed).

Each test checks a path the speed work added or reshaped against what the
plain code gives, or against oauthlib; no timing here (bench/bench.py times).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth1.rfc5849 import signature as rfc

import oauth2 as oauth

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
CLEAN = st.text(st.sampled_from(UNRESERVED), max_size=12)
# Characters next to the unreserved set and the normalized string's own separators.
NEAR = st.text(st.sampled_from("aZ09-._~%&= +/é"), max_size=8)
PAIRS = st.lists(st.tuples(st.one_of(CLEAN, NEAR, TEXT), st.one_of(CLEAN, NEAR, TEXT)), max_size=8)
CLEAN_PAIRS = st.lists(st.tuples(CLEAN, CLEAN), max_size=8)
URI = "https://api.example.com/a%20b"


@given(st.one_of(PAIRS, CLEAN_PAIRS), st.sampled_from(["GET", "post", "Patch"]))
def test_base_string_from_pairs_is_the_normalized_string_encoded_again(
    pairs: List[Tuple[str, str]], method: str
) -> None:
    """Pairs with nothing to encode are joined by %3D and %26 rather than sent through the table [§3.4.1.1]."""
    steps = oauth._base_string_steps(method, URI, pairs)
    assert steps.normalized_parameters == oauth.normalize_parameters(pairs) == rfc.normalize_parameters(pairs)
    plain = oauth.signature_base_string(method, URI, steps.normalized_parameters)
    assert steps.base_string == plain == rfc.signature_base_string(method.upper(), URI, rfc.normalize_parameters(pairs))


@given(st.one_of(CLEAN, NEAR, TEXT), st.one_of(CLEAN, NEAR, TEXT), st.one_of(st.none(), CLEAN, NEAR), st.booleans())
def test_signed_header_is_the_request_header(key: str, callback: str, realm: str, with_token: bool) -> None:
    """sign() encodes the signature by itself and the other protocol parameters at once: Request.to_header's text."""
    consumer, token = oauth.Consumer(key or "ck", "cs"), oauth.Token("tk", "ts") if with_token else None
    signed = oauth.sign("GET", "https://api.example.com/x?a=b%20c", consumer, token, realm=realm,
                        parameters={"oauth_callback": callback} if callback else None)
    assert signed.headers["Authorization"] == signed.request.to_header(realm or "")["Authorization"]
    signature = oauth.escape(signed.request["oauth_signature"])
    assert signed.headers["Authorization"].endswith(f'oauth_signature="{signature}"')


@given(PAIRS, PAIRS, st.one_of(CLEAN, NEAR, TEXT), st.booleans())
def test_sign_encodes_each_source_once_as_the_plain_base_string_does(
    form: List[Tuple[str, str]], query: List[Tuple[str, str]], key: str, with_token: bool
) -> None:
    """sign() encodes its own, the form's and the query's pairs apart: the signature of explain()'s
    base string, which encodes them all together, and one oauthlib computes from the same request."""
    consumer, token = oauth.Consumer(key or "ck", "cs"), oauth.Token("tk", "ts") if with_token else None
    form = [(name, value) for name, value in form if not name.startswith("oauth_")]
    query = [(name, value) for name, value in query if not name.startswith("oauth_")]
    url = "https://api.example.com/x" + ("?" + oauth.encode_form(query) if query else "")
    signed = oauth.sign("POST", url, consumer, token, headers={"Content-Type": "application/x-www-form-urlencoded"},
                        body=oauth.encode_form(form))
    base_string = oauth.explain(signed.request).base_string
    signature = signed.request["oauth_signature"]
    assert oauth.SignatureMethod_HMAC_SHA1().sign_base_string(base_string, consumer, token) == signature
    protocol = [(name, value) for name, value in signed.request.items() if name != "oauth_signature"]
    plain = rfc.signature_base_string("POST", "https://api.example.com/x",
                                      rfc.normalize_parameters([*protocol, *form, *query]))
    assert base_string == plain


def _parsed_one_by_one(header: str) -> Tuple[List[Tuple[str, str]], Optional[str]]:
    """An OAuth header parsed match by match: the plain loop the one findall replaces."""
    import re
    from urllib.parse import unquote

    pairs, realm = [], None
    for match in oauth._AUTH_ITEM.finditer(header[len("OAuth "):].rstrip(" \t,")):
        name, quoted, bare, stray = match.groups()
        if stray is not None:
            raise oauth.InvalidRequest("stray character")
        raw = re.sub(r"\\(.)", r"\1", bare or quoted or "", flags=re.DOTALL)
        if name == "realm":
            realm = raw
        else:
            pairs.append((name, unquote(raw, errors="strict")))
    return pairs, realm


HEADERISH = st.lists(st.sampled_from(["a", "realm", "=", '"', "\\", ",", " ", "\t", "%41", "%", "é", "\n"]),
                     max_size=30).map("".join)


@given(st.one_of(HEADERISH, st.lists(st.tuples(CLEAN, NEAR), max_size=4).map(
    lambda pairs: ", ".join(f'{name or "n"}="{value}"' for name, value in pairs))))
def test_authorization_items_at_once_are_the_items_one_by_one(body: str) -> None:
    """A stray character is found among all the items at once, as the loop found it match by match."""
    header = "OAuth " + body
    try:
        expected = _parsed_one_by_one(header)
    except oauth.InvalidRequest:  # the first item to fail is a stray character
        with pytest.raises(oauth.InvalidRequest, match="malformed"):
            oauth.parse_authorization_header(header)
        return
    except UnicodeDecodeError:  # the first item to fail is a value such as %90
        with pytest.raises(oauth.InvalidRequest, match="not UTF-8"):
            oauth.parse_authorization_header(header)
        return
    assert oauth.parse_authorization_header(header) == expected


ESCAPED = st.lists(st.one_of(st.sampled_from(["%", "%2", "%41", "%C3", "%A9", "%E2%82", "%AC", "%ff", "%Zz", "+", "="]),
                             st.characters(blacklist_categories=("Cs",))), max_size=12).map("".join)


@given(ESCAPED)
def test_decoding_in_one_pass_is_unquote(text: str) -> None:
    """The one percent-decoder gives unquote's text, and refuses exactly what unquote refuses (strictly)."""
    from urllib.parse import unquote

    try:
        expected = unquote(text, errors="strict")
    except UnicodeDecodeError:
        try:
            oauth._percent_decoded(text)
        except UnicodeDecodeError:
            return
        raise AssertionError(f"{text!r} decoded, but is not UTF-8 once percent-decoded") from None
    assert oauth._percent_decoded(text) == expected


PROTOCOL_NAMES = ["oauth_token", "oauth_nonce", "oauth_timestamp", "oauth_signature", "oauth_version", "oauth_callback"]
DICT_VALUES = st.one_of(CLEAN, NEAR, st.integers(0, 99), st.lists(st.one_of(CLEAN, NEAR), max_size=3))


@given(st.dictionaries(st.sampled_from([*PROTOCOL_NAMES, "a", "oauth_z"]), DICT_VALUES, max_size=6))
def test_server_reads_the_request_dict_in_one_pass_as_the_plain_readers_do(extra: Dict[str, Any]) -> None:
    """Server._parameters walks the dict once: the pairs _own_pairs gives, the values get_nonoauth_parameters
    and _one_value give, the query's pairs added, and the same refusals (a protocol parameter sent twice)."""
    request = oauth.Request("GET", "https://api.example.com/x?q=1", {
        "oauth_consumer_key": "ck", "oauth_signature_method": "HMAC-SHA1", "oauth_signature": "s",
        "oauth_timestamp": "1", "oauth_nonce": "n", **extra})
    try:
        own_plain = request._own_pairs()
    except oauth.InvalidRequest:
        with pytest.raises(oauth.InvalidRequest, match="sent more than once"):
            oauth.Server()._parameters(request)
        return
    params_plain = {name: oauth._one_value(name, request[name]) if name in request else None
                    for name in oauth._PROTOCOL}
    try:
        own, added, params, others = oauth.Server()._parameters(request)
    except oauth.MissingParameter as exc:  # a required one given as an empty list
        assert params_plain[exc.parameter] is None
        return
    except oauth.VersionRejected:
        assert params_plain["oauth_version"] != "1.0"
        return
    assert own == own_plain
    assert added == [("q", "1")]
    assert params == params_plain
    assert others == request.get_nonoauth_parameters()
