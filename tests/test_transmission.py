"""Parameter transmission [RFC 5849 §3.5]: the Authorization header written and read, the query and the form body."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import quote, unquote

import pytest
from at_now import (
    FUZZ,
    HEADERS,
    REPO,
    TEXT,
    value_id,
    wire,
)
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header as oauthlib_parse_authorization_header

import oauth2 as oauth

BASE64ISH = st.text(st.sampled_from("aZ09-._~+/=\1\2é \",%"), max_size=12)


@given(st.lists(st.tuples(st.one_of(TEXT, BASE64ISH), st.one_of(TEXT, BASE64ISH)), min_size=1, max_size=6))
def test_header_parameters_at_once_agree_with_one_by_one(pairs: List[tuple]) -> None:
    expected = ", ".join(f'{oauth.escape(name)}="{oauth.escape(value)}"' for name, value in pairs)
    assert oauth.authorization_header(pairs) == f"OAuth {expected}"


# --------------------------------------------------------------------------- Authorization header: hostile input


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Basic dXNlcjpwYXNz",
        "OAuthx a=\"b\"",
        'OAuth a="b',
        'OAuth a="b\\"',
        "OAuth a",
        "OAuth a=",
        'OAuth ="b"',
        'OAuth a="b" c="d"',
        'OAuth a="b"junk',
        'OAuth a=="b"',
        'OAuth a="b"; c="d"',
        'OAuth "a"="b"',
        'OAuth a b="c"',
        "OAuth realm",
        'OAuth a="%FF"',
        'OAuth a="%C3"',
        "OAuth a=%FF",
    ],
)
def test_header_malformed_is_invalid_request(header: str) -> None:
    with pytest.raises(oauth.InvalidRequest):
        oauth.parse_authorization_header(header)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("OAuth", ([], None)),
        ("OAuth ,, ,", ([], None)),
        ('oauth a="b"', ([("a", "b")], None)),
        ("OAuth a=b,c=d", ([("a", "b"), ("c", "d")], None)),
        ('OAuth realm="x\\"y", a="1", a="2"', ([("a", "1"), ("a", "2")], 'x"y')),
        ('OAuth c="\x00", d="%00"', ([("c", "\x00"), ("d", "\x00")], None)),
    ],
)
def test_header_odd_but_well_formed(header: str, expected: Any) -> None:
    assert oauth.parse_authorization_header(header) == expected


@pytest.mark.parametrize("value", [None, 1.5, object(), ["OAuth a=\"b\""]], ids=value_id)
def test_header_wrong_type_is_type_error(value: Any) -> None:
    with pytest.raises(TypeError):
        oauth.parse_authorization_header(value)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("OAuth" + " " * 6000 + "x", id="spaces-then-junk"),
        pytest.param("OAuth " + ", " * 3000 + "x", id="commas-then-junk"),
    ],
)
def test_header_of_6kb_whitespace_is_parsed_without_blowup(header: str, tmp_path: Path) -> None:
    """A header under the usual 8 KB limit must not keep a worker busy.

    A hang guard, not a timing measurement: a linear parser needs milliseconds,
    a regex with three adjacent whitespace quantifiers backtracks in cubic time
    and needs minutes.
    """
    code = (
        "import sys, oauth2\n"
        "try:\n    oauth2.parse_authorization_header(sys.stdin.read())\n"
        "except oauth2.InvalidRequest:\n    print('rejected')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=header, cwd=tmp_path, env={"PYTHONPATH": str(REPO)},
        capture_output=True, text=True, timeout=10,
    )
    assert done.stdout.strip() == "rejected", done.stderr


# --------------------------------------------------------------------- Authorization header: layouts and fuzzing


def test_header_values_decoding_to_quotes_and_escapes() -> None:
    header = 'OAuth a="%22", b="%2B%2f%3D", c="caf%C3%A9", d="%2b"'
    assert oauth.parse_authorization_header(header) == ([("a", '"'), ("b", "+/="), ("c", "café"), ("d", "+")], None)


def test_header_in_a_known_layout_with_an_escaped_value() -> None:
    """A layout seen before, now with a backslash escape: parsed as a quoted-string, not split at quotes."""
    assert oauth.parse_authorization_header('OAuth a="1", b="2"') == ([("a", "1"), ("b", "2")], None)
    assert oauth.parse_authorization_header('OAuth a="\\1", b="\\"2"') == ([("a", "1"), ("b", '"2')], None)
    assert oauth.parse_authorization_header('OAuth a="1", b="2"') == ([("a", "1"), ("b", "2")], None)


def test_header_layouts_remembered_are_bounded() -> None:
    """Many layouts are each read right, and nothing is remembered of them (issue 23: no memo of network input)."""
    before = {name: repr(value) for name, value in vars(oauth).items() if isinstance(value, (dict, set, list))}
    for n in range(600):
        header = f'OAuth realm="r", oauth_{n}="{n}%2B", b="x"'
        assert oauth.parse_authorization_header(header) == ([(f"oauth_{n}", f"{n}+"), ("b", "x")], "r")
    assert {name: repr(value) for name, value in vars(oauth).items() if isinstance(value, (dict, set, list))} == before


@pytest.mark.parametrize(
    ("known", "header"),
    [('OAuth realm="x"', 'OAuth realm="""'), ('OAuth a="1", b="2"', 'OAuth a="1", b="2""')],
)
def test_header_with_a_stray_quote_is_not_read_by_a_known_layout(known: str, header: str) -> None:
    """Cut at the quotes, the malformed header has the layout of the well-formed one before it."""
    oauth.parse_authorization_header(known)
    with pytest.raises(oauth.InvalidRequest):
        oauth.parse_authorization_header(header)


@FUZZ
@given(st.lists(st.tuples(st.text(st.sampled_from("abc_"), min_size=1, max_size=3),
                          st.text(st.sampled_from('ab%2B, ="\\'), max_size=4)), min_size=1, max_size=4),
       st.integers(min_value=0), st.sampled_from(['"', "\\", ",", "=", " ", "%"]))
def test_fuzz_header_read_alike_after_its_layout_was_seen(pairs: List[Any], at: int, stray: str) -> None:
    """A header parsed with no layout remembered reads the same after a well-formed header of (nearly) its
    layout was parsed: the memory of layouts must never change what a header means."""
    well_formed = "OAuth " + ", ".join(f'{n}="{quote(v, safe="")}"' for n, v in pairs)
    at %= len(well_formed) + 1
    header = well_formed[:at] + stray + well_formed[at:]
    oauth.clear_caches()
    cold = wire(lambda: oauth.parse_authorization_header(header))
    oauth.parse_authorization_header(well_formed)
    assert wire(lambda: oauth.parse_authorization_header(header)) == cold


ESCAPED_VALUES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12).map(
    lambda s: quote(s, safe="").replace("%2B", "%2b")
)


@FUZZ
@given(
    st.lists(st.text(st.sampled_from("abcxyz_09"), min_size=1, max_size=6), min_size=1, max_size=6, unique=True),
    st.lists(st.lists(ESCAPED_VALUES, min_size=6, max_size=6), min_size=2, max_size=3),
    st.sampled_from([", ", ",", " , ", ",\t"]),  # oauthlib refuses empty list elements (",,")
)
def test_fuzz_headers_of_one_layout_agree_with_oauthlib(
    names: List[str], rows: List[List[str]], separator: str
) -> None:
    """Several headers of one layout, as a client sends them: the first is parsed by a regex, the
    next ones by splitting at quotes; each must read as oauthlib's parser reads it."""
    for values in rows:
        header = "OAuth " + separator.join(f'{n}="{v}"' for n, v in zip(names, values))
        theirs = oauthlib_parse_authorization_header(header)
        expected = [(n, unquote(v, errors="strict")) for n, v in theirs if n != "realm"]
        assert oauth.parse_authorization_header(header) == (expected, None)


@FUZZ
@given(HEADERS)
def test_fuzz_parse_authorization_header(header: str) -> None:
    parsed = wire(lambda: oauth.parse_authorization_header(header))
    if parsed is not None:
        pairs, realm = parsed
        assert all(type(name) is str and type(value) is str for name, value in pairs)
        assert realm is None or type(realm) is str


UNRESERVED = st.sampled_from("abcXYZ019-._~")


HEADER_TEXT = st.text(st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)), max_size=20)


@FUZZ
@given(st.dictionaries(st.text(UNRESERVED, max_size=8).map(lambda s: "oauth_" + s), HEADER_TEXT, max_size=5),
       HEADER_TEXT)
def test_fuzz_header_round_trip(params: Dict[str, str], realm: str) -> None:
    """Names are left percent-encoded by the parser, as oauthlib does, so they are drawn unreserved."""
    header = oauth.Request("GET", "http://e/", params).to_header(realm=realm)["Authorization"]
    assert oauth.parse_authorization_header(header) == (list(params.items()), realm or None)
