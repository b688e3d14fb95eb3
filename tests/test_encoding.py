"""Encoding [RFC 5849 §3.6]: escape, the percent-encoding table and the text/bytes helpers."""

from __future__ import annotations

from typing import Any, Callable, List

import pytest
from at_now import (
    TEXT,
    value_id,
)
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth1.rfc5849 import signature as rfc

import oauth2 as oauth


@given(TEXT)
def test_escape_agrees_with_oauthlib(text: str) -> None:
    assert oauth.escape(text) == rfc.utils.escape(text)


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


# --------------------------------------------------------------------------------- encoding helpers: wrong types


@pytest.mark.parametrize(
    "function",
    [oauth.escape, oauth.to_unicode, oauth.to_utf8],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("value", [1.5, None, object(), [1], {"a": 1}, b"\xff", b"\xc3("], ids=value_id)
def test_encoding_helpers_wrong_types(function: Callable[[Any], Any], value: Any) -> None:
    with pytest.raises((TypeError, ValueError)) as raised:
        function(value)
    assert not isinstance(raised.value, UnicodeError)


@pytest.mark.parametrize(
    ("value", "escaped"), [(5, "5"), (-3, "-3"), (True, "true"), (b"a b", "a%20b"), (bytearray(b"~"), "~")]
)
def test_escape_accepts_ints_bools_and_bytes(value: Any, escaped: str) -> None:
    assert oauth.escape(value) == escaped


@pytest.mark.parametrize(("value", "text"), [(b"a b", "a b"), (bytearray(b"~"), "~"), ("caf\u00e9", "caf\u00e9")])
def test_to_unicode_and_to_utf8_take_text_and_bytes(value: Any, text: str) -> None:
    assert oauth.to_unicode(value) == text
    assert oauth.to_utf8(value) == text.encode("utf-8")


@pytest.mark.parametrize("value", [0, 5, True, 1.5, None])
@pytest.mark.parametrize("function", [oauth.to_unicode, oauth.to_utf8])
def test_to_unicode_and_to_utf8_refuse_numbers_as_in_1_9(function: Callable[[Any], Any], value: Any) -> None:
    with pytest.raises(TypeError, match="str or UTF-8 bytes"):
        function(value)


@pytest.mark.parametrize("value", [1.5, None, object()], ids=value_id)
def test_optional_iterator_helpers_leave_non_text_alone(value: Any) -> None:
    assert oauth.to_unicode_optional_iterator(value) is value
    assert oauth.to_utf8_optional_iterator(value) is value
    assert oauth.to_unicode_if_string(value) is value


def test_optional_iterator_helpers_treat_bytearray_as_text() -> None:
    """to_unicode accepts a bytearray as UTF-8 text; the iterator helpers must not split it into ints."""
    assert oauth.to_unicode(bytearray(b"ab")) == "ab"
    assert oauth.to_unicode_optional_iterator(bytearray(b"ab")) == "ab"
    assert oauth.to_utf8_optional_iterator(bytearray(b"ab")) == b"ab"
