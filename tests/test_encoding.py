"""Encoding [RFC 5849 §3.6]: escape, the percent-encoding table and the text/bytes helpers."""

from __future__ import annotations

from typing import List

from at_now import TEXT
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
