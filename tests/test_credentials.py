"""Credentials: Consumer and Token, and Token.from_string reading a credentials response [RFC 5849 §2]."""

from __future__ import annotations

from typing import Any

import pytest
from at_now import (
    FUZZ,
    value_id,
    wire,
)
from hypothesis import given
from hypothesis import strategies as st

import oauth2 as oauth

# --------------------------------------------------------------------------------------------- Token.from_string


@pytest.mark.parametrize(
    "response",
    ["", "garbage", "&&&", "=", "oauth_token=a", "oauth_token_secret=a", "oauth_token=a;oauth_token_secret=b",
     "oauth_token=%FF&oauth_token_secret=b", "OAUTH_TOKEN=a&OAUTH_TOKEN_SECRET=b", b"", b"garbage"],
)
def test_token_from_bad_response_is_invalid_request(response: Any) -> None:
    with pytest.raises(oauth.InvalidRequest):
        oauth.Token.from_string(response)


@pytest.mark.parametrize("response", [None, 1.5, object(), ["oauth_token=a&oauth_token_secret=b"]], ids=value_id)
def test_token_from_wrong_type_is_type_error(response: Any) -> None:
    with pytest.raises(TypeError):
        oauth.Token.from_string(response)


def test_token_from_odd_but_valid_response() -> None:
    token = oauth.Token.from_string(b"oauth_token=a%00&oauth_token_secret=&user_id=1&oauth_token_secret=")
    assert (token.key, token.secret, token.extra) == ("a\x00", "", {"user_id": "1"})


@FUZZ
@given(st.one_of(st.text(max_size=60), st.lists(
    st.sampled_from(["oauth_token", "oauth_token_secret", "oauth_callback_confirmed", "=", "&", "%", "%FF", "a", ";"]),
    max_size=12).map("".join)))
def test_fuzz_token_from_string(response: str) -> None:
    token = wire(lambda: oauth.Token.from_string(response))
    if token is not None:
        assert type(token.key) is str and type(token.secret) is str


@FUZZ
@given(st.text(min_size=1, max_size=20), st.text(max_size=20))
def test_fuzz_token_round_trip(key: str, secret: str) -> None:
    token = oauth.Token.from_string(oauth.Token(key, secret).to_string())
    assert (token.key, token.secret) == (key, secret)
