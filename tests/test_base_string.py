"""The signature base string [RFC 5849 §3.4.1]: the base string URI, the parameter sources and their normalisation."""

from __future__ import annotations

from typing import Any, List, Optional

import pytest
from at_now import (
    FUZZ,
    SEPARATORISH,
    TEXT,
    URLS,
    value_id,
    wire,
)
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth1.rfc5849 import signature as rfc

import oauth2 as oauth


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


# -------------------------------------------------------------------------------- base_string_uri: hostile input


@pytest.mark.parametrize(
    "url",
    ["", "e/path", "/p", "http:///p", "http://e:99999/", "http://e:-1/", "http://e:x/", "http://e:0/",
     "http://[::1/", "mailto:x@y", "http:e", "http://@/", "http://e:+80/", "http://e:８０/"],
)
def test_base_string_uri_of_bad_url_is_invalid_request(url: str) -> None:
    with pytest.raises(oauth.InvalidRequest):
        oauth.base_string_uri(url)


@pytest.mark.parametrize("host", ["", "[::1", "x:99999", "x:-1", "x:y"])
def test_base_string_uri_with_bad_host_is_invalid_request(host: str) -> None:
    with pytest.raises(oauth.InvalidRequest):
        oauth.base_string_uri("http://e/", host=host)


@pytest.mark.parametrize("url", [None, 1.5, object(), ["http://e/"]], ids=value_id)
def test_base_string_uri_wrong_type_is_type_error(url: Any) -> None:
    with pytest.raises(TypeError):
        oauth.base_string_uri(url)


@FUZZ
@given(URLS, st.one_of(st.none(), st.text(max_size=12)))
def test_fuzz_base_string_uri(url: str, host: Optional[str]) -> None:
    uri = wire(lambda: oauth.base_string_uri(url, host))
    if uri is not None:
        assert "?" not in uri and "#" not in uri
