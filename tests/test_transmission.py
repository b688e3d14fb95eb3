"""Parameter transmission [RFC 5849 §3.5]: the Authorization header written and read, the query and the form body."""

from __future__ import annotations

from typing import List

from at_now import TEXT
from hypothesis import given
from hypothesis import strategies as st

import oauth2 as oauth

BASE64ISH = st.text(st.sampled_from("aZ09-._~+/=\1\2é \",%"), max_size=12)


@given(st.lists(st.tuples(st.one_of(TEXT, BASE64ISH), st.one_of(TEXT, BASE64ISH)), min_size=1, max_size=6))
def test_header_parameters_at_once_agree_with_one_by_one(pairs: List[tuple]) -> None:
    expected = ", ".join(f'{oauth.escape(name)}="{oauth.escape(value)}"' for name, value in pairs)
    assert oauth.authorization_header(pairs) == f"OAuth {expected}"
