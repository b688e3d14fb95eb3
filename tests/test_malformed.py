"""Bad input to every parser and every server check.

The contract: wire data that cannot be parsed (a header, query, body, URL,
credentials response) or that fails a check raises an ``oauth.Error``
subclass, so that a provider catching ``oauth.Error`` answers 400/401 and
never 500. An argument of the wrong Python type raises TypeError or
ValueError. Nothing else escapes (no IndexError, KeyError, AttributeError,
UnicodeError), and nothing is half-done: a failed ``from_request`` leaves
the caller's dicts unchanged and a failed ``verify_request`` uses no nonce.
"""

from __future__ import annotations

import copy
import functools
import io
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, TypeVar
from urllib.parse import quote, unquote

import at_now
import pytest
from at_now import CONSUMER, FORM, HMAC_SHA1, NOW, PLAINTEXT, REPO, TOKEN, server
from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header as oauthlib_parse_authorization_header

import oauth2 as oauth

T = TypeVar("T")

NEVER = (IndexError, KeyError, AttributeError, UnicodeError)
FUZZ = settings(max_examples=150, deadline=None)
# One nonce for every signed request here, so that a test can name it.
NONCE = "n0nce"
signed = functools.partial(at_now.signed, nonce=NONCE)


def header_with(**params: str) -> Dict[str, str]:
    """An Authorization header carrying ``params``, values sent as given."""
    return {"Authorization": "OAuth " + ", ".join(f'{k}="{v}"' for k, v in params.items())}


def value_id(value: object) -> str:
    """A test id for ``value`` that is the same in every xdist worker (no memory addresses)."""
    return "object()" if type(value) is object else repr(value)


def wire(call: Callable[[], T]) -> Optional[T]:
    """``call()``'s result, or None if it raised an oauth.Error; any other exception propagates."""
    try:
        return call()
    except oauth.Error:
        return None


def misuse(call: Callable[[], object]) -> Optional[BaseException]:
    """The exception ``call()`` raised for a wrong-typed argument, if any; it must be TypeError, ValueError or Error."""
    try:
        call()
    except NEVER as exc:
        pytest.fail(f"{type(exc).__name__} escaped: {exc}")
    except (oauth.Error, TypeError, ValueError) as exc:
        return exc
    return None


# ------------------------------------------------------------------- Authorization header


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


# ---------------------------------------------------------------------------- from_request


@pytest.mark.parametrize(
    "url",
    [
        "http://e/?a=%FF",
        "http://e/?a=%C3%28",
        "http://e:99999/",
        "http://e:-1/",
        "http://e:x/",
        "http://e:0/",
        "http://e:80:80/",
        "http://e:" + "9" * 50 + "/",
        "/path?a=1",
        "e/path",
        "http:///path",
        "http:e",
        "mailto:x@y",
        "",
        "http://[::1/",
        "http://e]/",
        "http://[zz]/",
    ],
)
def test_from_request_bad_url_is_oauth_error(url: str) -> None:
    with pytest.raises(oauth.Error):
        oauth.Request.from_request("GET", url)


@pytest.mark.parametrize(
    ("url", "headers", "query_string", "body"),
    [
        pytest.param("http://e/?oauth_nonce=1", header_with(oauth_nonce="1"), None, b"", id="header-and-url-query"),
        pytest.param("http://e/", {**header_with(oauth_nonce="1"), "Content-Type": FORM}, None, b"oauth_nonce=2",
                     id="header-and-body"),
        pytest.param("http://e/", {"Authorization": 'OAuth oauth_nonce="1", oauth_nonce="2"'}, None, b"",
                     id="header-twice"),
        pytest.param("http://e/", header_with(oauth_token="t"), "oauth_token=t", b"", id="header-and-query-string"),
        pytest.param("http://e/", {"Content-Type": FORM}, None, b"oauth_nonce=1&oauth_nonce=2", id="body-twice"),
        pytest.param("http://e/?oauth_token=1&oauth_token=2", {}, None, b"", id="url-query-twice"),
    ],
)
def test_from_request_duplicate_oauth_parameter_refused(
    url: str, headers: Dict[str, str], query_string: Optional[str], body: bytes
) -> None:
    with pytest.raises(oauth.InvalidRequest, match="more than once"):
        oauth.Request.from_request("POST", url, headers=headers, query_string=query_string, body=body)


def test_from_request_oauth_parameter_in_parameters_and_header_refused() -> None:
    with pytest.raises(oauth.InvalidRequest, match="more than once"):
        oauth.Request.from_request(
            "GET", "http://e/", parameters={"oauth_token": "1"}, headers=header_with(oauth_token="2")
        )


def test_from_request_repeated_business_parameters_kept() -> None:
    received = oauth.Request.from_request(
        "POST", "http://e/?a=1&a=2", headers={**header_with(b="3"), "Content-Type": FORM}, body=b"a=0&b=4"
    )
    assert received["a"] == ["1", "2", "0"] and received["b"] == ["3", "4"]


@pytest.mark.parametrize(
    ("url", "query_string"),
    [
        pytest.param("http://e/?a=b%20c&oauth_nonce=1", "oauth_nonce=1&a=b+c", id="reordered-and-plus"),
        pytest.param("http://e/?q=fn%C3%B8rd", "q=fn%c3%b8rd", id="lower-case-escapes"),
        pytest.param("http://e/?q=fnørd", "q=fn%C3%B8rd", id="iri-url"),
    ],
)
def test_from_request_same_query_twice_counts_once(url: str, query_string: str) -> None:
    """Frameworks hand over both the full URL and QUERY_STRING, not always encoded alike."""
    received = oauth.Request.from_request("GET", url, query_string=query_string)
    names = [pair.split("=", 1)[0] for pair in received.get_normalized_parameters().split("&")]
    assert sorted(names) == sorted(set(names))


def test_from_request_odd_but_valid_inputs() -> None:
    assert dict(oauth.Request.from_request("GET", "http://e/?abc&d=&%25=%00")) == {"abc": "", "d": "", "%": "\x00"}
    assert dict(oauth.Request.from_request("GET", "http://e/", headers={"Authorization": "OAuth"})) == {}
    assert dict(oauth.Request.from_request("GET", "http://e/", headers={"Authorization": "Basic eDp5"})) == {}
    received = oauth.Request.from_request("PUT", "http://e/", headers={"Content-Type": "image/png"}, body=b"\xff\x00")
    assert dict(received) == {} and received.body == b"\xff\x00"


def test_from_request_parameter_holding_nul_round_trips() -> None:
    request = signed("GET", "http://e/r", {"v": "\x00"})
    received = oauth.Request.from_request("GET", request.to_url())
    assert received["v"] == "\x00"
    assert server().verify_request(received, CONSUMER, TOKEN) == {"v": "\x00"}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": 'OAuth oauth_nonce="1'}, id="unterminated-quote"),
        pytest.param({"Authorization": "OAuth oauth_nonce"}, id="no-equals"),
        pytest.param({"Authorization": 'OAuth oauth_nonce="%FF"'}, id="not-utf8"),
    ],
)
def test_from_request_bad_header_is_invalid_request(headers: Dict[str, str]) -> None:
    with pytest.raises(oauth.InvalidRequest):
        oauth.Request.from_request("GET", "http://e/", headers=headers)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: oauth.Request.from_request("GET", "http://e/", query_string="a=%FF"), id="query-string"),
        pytest.param(
            lambda: oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": FORM}, body=b"a=%FF"),
            id="form-body",
        ),
        pytest.param(lambda: oauth.Token.from_string("oauth_token=%FF&oauth_token_secret=s"), id="token"),
    ],
)
def test_percent_escaped_non_utf8_is_invalid_request(call: Callable[[], object]) -> None:
    with pytest.raises(oauth.InvalidRequest, match="UTF-8"):
        call()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda: oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": FORM}, body=b"a=\xff"),
            id="form-body",
        ),
        pytest.param(
            lambda: oauth.Request.from_request("GET", "http://e/", headers={"Authorization": b'OAuth a="\xff"'}),
            id="authorization-header",
        ),
        pytest.param(lambda: oauth.Request.from_request("GET", "http://e/", query_string=b"a=\xff"), id="query-string"),
        pytest.param(lambda: oauth.Token.from_string(b"oauth_token=\xff&oauth_token_secret=s"), id="token-response"),
        pytest.param(lambda: oauth.parse_authorization_header(b'OAuth a="\xe9"'), id="parse-header"),
    ],
)
def test_raw_non_utf8_bytes_on_the_wire_are_oauth_errors(call: Callable[[], object]) -> None:
    """Bytes are an accepted type for these inputs, so bytes that are not UTF-8 are bad data, not misuse."""
    with pytest.raises(oauth.Error):
        call()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: oauth.Request.from_request("GET", "http://e/p\udcff"), id="url-path"),
        pytest.param(
            lambda: server().verify_request(
                oauth.Request.from_request("GET", "http://e/", headers=header_with(
                    oauth_consumer_key="ckey", oauth_signature_method="HMAC-SHA1", oauth_signature="x",
                    oauth_timestamp=str(NOW), oauth_nonce="\udcff")),
                CONSUMER, None,
            ),
            id="header-value",
        ),
        pytest.param(
            lambda: server().verify_request(oauth.Request.from_request("GET", "http://e/?q=\udcff", headers=header_with(
                oauth_consumer_key="ckey", oauth_signature_method="HMAC-SHA1", oauth_signature="x",
                oauth_timestamp=str(NOW), oauth_nonce="n")), CONSUMER, None),
            id="query-value",
        ),
    ],
)
def test_lone_surrogates_are_oauth_errors(call: Callable[[], object]) -> None:
    """Text that cannot be UTF-8 (a server decoding with surrogateescape) is bad data, not a UnicodeEncodeError."""
    with pytest.raises(oauth.Error):
        call()


def test_failed_from_request_leaves_inputs_unchanged() -> None:
    headers = {"Authorization": 'OAuth oauth_nonce="1"', "Content-Type": FORM}
    parameters = {"oauth_nonce": "2", "a": ["1", "2"]}
    before = copy.deepcopy((headers, parameters))
    body = io.BytesIO(b"oauth_token=t&b=1")
    with pytest.raises(oauth.InvalidRequest):
        oauth.Request.from_request("POST", "http://e/?c=3", headers=headers, parameters=parameters, body=body)
    assert (headers, parameters) == before
    assert body.read() == b"oauth_token=t&b=1"


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: oauth.Request.from_request(None, "http://e/"), id="method-None"),
        pytest.param(lambda: oauth.Request.from_request("GET", None), id="url-None"),
        pytest.param(lambda: oauth.Request.from_request("GET", ["http://e/"]), id="url-list"),
        pytest.param(lambda: oauth.Request.from_request("GET", "http://e/", query_string=1.5), id="query-float"),
        pytest.param(lambda: oauth.Request.from_request("GET", "http://e/", headers=[("a", "b")]), id="headers-list"),
        pytest.param(lambda: oauth.Request.from_request("GET", "http://e/", headers="OAuth"), id="headers-str"),
        pytest.param(lambda: oauth.Request.from_request("GET", "http://e/", headers={1: "x"}), id="header-name-int"),
        pytest.param(
            lambda: oauth.Request.from_request("GET", "http://e/", parameters={"a": object()}), id="parameter-object"
        ),
        pytest.param(
            lambda: oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": FORM}, body=5),
            id="body-int",
        ),
    ],
)
def test_from_request_wrong_types(call: Callable[[], object]) -> None:
    assert misuse(call) is not None


# Not refused, by design: header values, like parameter values, may be ints
# (text by the library's one rule), and ``parameters`` goes through dict(), as
# 1.9's Request.update did, so a list of pairs is read as a mapping.
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param(
            lambda: oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": 5}, body=b"a=1"),
            {},
            id="content-type-int",
        ),
        pytest.param(
            lambda: oauth.Request.from_request("GET", "http://e/", parameters=[("a", "b")]),
            {"a": "b"},
            id="parameters-list",
        ),
    ],
)
def test_from_request_loose_types_are_accepted(call: Callable[[], oauth.Request], expected: Dict[str, str]) -> None:
    assert dict(call()) == expected


# ------------------------------------------------------------------------------ from_wsgi


def environ(**extra: Any) -> Dict[str, Any]:
    """A minimal PEP 3333 environ for a POST to http://e/r, with ``extra`` keys."""
    return {"REQUEST_METHOD": "POST", "wsgi.url_scheme": "http", "HTTP_HOST": "e", "PATH_INFO": "/r",
            "QUERY_STRING": "", "wsgi.input": io.BytesIO(b"a=1"), "CONTENT_LENGTH": "3", **extra}


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"CONTENT_LENGTH": "abc"}, id="content-length"),
        pytest.param({"HTTP_HOST": "e:99999"}, id="host-port"),
        pytest.param({"HTTP_HOST": "[::1"}, id="host-bracket"),
        pytest.param({"HTTP_HOST": "", "SERVER_NAME": ""}, id="no-host"),
        pytest.param({"HTTP_AUTHORIZATION": 'OAuth a="'}, id="authorization"),
        pytest.param({"QUERY_STRING": "a=%FF"}, id="query"),
    ],
)
def test_from_wsgi_bad_environ_is_oauth_error(extra: Dict[str, Any]) -> None:
    env = environ(**extra)
    with pytest.raises(oauth.Error):
        oauth.Request.from_wsgi(env)


def test_failed_from_wsgi_leaves_the_body_readable() -> None:
    env = environ(HTTP_AUTHORIZATION='OAuth a="', CONTENT_TYPE=FORM)
    with pytest.raises(oauth.InvalidRequest):
        oauth.Request.from_wsgi(env)
    assert env["wsgi.input"].read() == b"a=1"


# -------------------------------------------------------------------------- Token.from_string


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


# ------------------------------------------------------------- how many parameters, how large


def fields(count: int, name: Optional[str] = None) -> str:
    """``count`` form fields: ``name=0&name=1...``, or distinct names ``p0=0&p1=1...`` without ``name``."""
    return "&".join(f"{name or f'p{i}'}={i}" for i in range(count))


def received_with(count: int, place: str, **options: Any) -> oauth.Request:
    """A request rebuilt by from_request carrying ``count`` parameters in ``place``."""
    if place == "url-query":
        return oauth.Request.from_request("GET", "http://e/?" + fields(count), **options)
    if place == "query-string":
        return oauth.Request.from_request("GET", "http://e/", query_string=fields(count), **options)
    if place == "body":
        return oauth.Request.from_request(
            "POST", "http://e/", headers={"Content-Type": FORM}, body=fields(count).encode(), **options
        )
    if place == "header":
        return oauth.Request.from_request("GET", "http://e/", headers=header_with(
            **{f"p{i}": str(i) for i in range(count)}), **options)
    if place == "parameters":
        return oauth.Request.from_request("GET", "http://e/", parameters={f"p{i}": str(i) for i in range(count)},
                                          **options)
    # Every place at once: a quarter each from the query, the header and the body, the rest as parameters.
    quarter = count // 4
    query = "&".join(f"q{i}=1" for i in range(quarter))
    body = "&".join(f"b{i}=1" for i in range(quarter)).encode()
    headers = {**header_with(**{f"h{i}": "1" for i in range(quarter)}), "Content-Type": FORM}
    parameters = {f"v{i}": "1" for i in range(count - 3 * quarter)}
    return oauth.Request.from_request("POST", "http://e/?" + query, headers=headers, parameters=parameters,
                                      body=body, **options)


PLACES = ["url-query", "query-string", "body", "header", "parameters", "all-places"]


@pytest.mark.parametrize("place", PLACES)
def test_a_received_request_may_carry_up_to_1000_parameters(place: str) -> None:
    assert oauth.MAX_PARAMETERS == 1000
    assert len(received_with(1000, place)) == 1000
    with pytest.raises(oauth.InvalidRequest, match=r"more than 1000 parameters.*max_parameters=N"):
        received_with(1001, place)


@pytest.mark.parametrize("place", PLACES)
def test_the_parameter_limit_is_set_per_call(place: str) -> None:
    assert len(received_with(8, place, max_parameters=8)) == 8
    with pytest.raises(oauth.InvalidRequest, match="more than 8 parameters"):
        received_with(9, place, max_parameters=8)
    assert len(received_with(5000, place, max_parameters=None)) == 5000


def test_the_parameter_limit_counts_fields_not_ampersands() -> None:
    """Empty fields are no parameters; a name without "=" is one (an empty value)."""
    body = b"&&a=1&&b&&"
    received = oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": FORM}, body=body,
                                          max_parameters=2)
    assert dict(received) == {"a": "1", "b": ""}
    with pytest.raises(oauth.InvalidRequest):
        oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": FORM}, body=body,
                                   max_parameters=1)


def test_the_parameter_limit_counts_a_query_handed_over_twice_once() -> None:
    """Frameworks hand over the URL and its QUERY_STRING, and the parsed query as ``parameters``."""
    query = fields(1000)
    received = oauth.Request.from_request("GET", "http://e/?" + query, query_string=query,
                                          parameters={f"p{i}": str(i) for i in range(1000)})
    assert len(received) == 1000


def test_the_parameter_limit_counts_repeated_names_once_each() -> None:
    with pytest.raises(oauth.InvalidRequest, match="more than 1000"):
        oauth.Request.from_request("GET", "http://e/?" + fields(1001, "a"))
    assert oauth.Request.from_request("GET", "http://e/?" + fields(1000, "a"))["a"] == [str(i) for i in range(1000)]


def test_from_wsgi_and_from_asgi_take_the_parameter_limit() -> None:
    body = fields(1001).encode()

    def wsgi(**options: Any) -> oauth.Request:
        env = environ(CONTENT_TYPE=FORM, CONTENT_LENGTH=str(len(body)), **{"wsgi.input": io.BytesIO(body)})
        return oauth.Request.from_wsgi(env, **options)

    scope = {"type": "http", "method": "POST", "scheme": "http", "path": "/r", "query_string": b"",
             "headers": [(b"host", b"e"), (b"content-type", FORM.encode())]}
    for rebuild in (wsgi, functools.partial(oauth.Request.from_asgi, scope, body)):
        with pytest.raises(oauth.InvalidRequest, match="more than 1000 parameters"):
            rebuild()
        assert len(rebuild(max_parameters=1001)) == 1001
        with pytest.raises(oauth.InvalidRequest, match="more than 1000 parameters"):
            rebuild(max_parameters=1000)


def test_token_from_string_takes_the_parameter_limit() -> None:
    response = "oauth_token=t&oauth_token_secret=s&" + fields(998)
    assert len(oauth.Token.from_string(response).extra) == 998
    with pytest.raises(oauth.InvalidRequest, match=r"more than 1000 fields.*max_parameters=N"):
        oauth.Token.from_string(response + "&one=more")
    assert len(oauth.Token.from_string(response + "&one=more", max_parameters=None).extra) == 999
    with pytest.raises(oauth.InvalidRequest, match="more than 2 fields"):
        oauth.Token.from_string("oauth_token=t&oauth_token_secret=s&x=1", max_parameters=2)


@pytest.mark.parametrize(
    ("limit", "error"), [("10", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError)], ids=value_id
)
def test_a_bad_parameter_limit_is_a_type_or_value_error(limit: Any, error: type) -> None:
    with pytest.raises(error, match="max_parameters"):
        oauth.Request.from_request("GET", "http://e/?a=1", max_parameters=limit)
    with pytest.raises(error, match="max_parameters"):
        oauth.Token.from_string("oauth_token=t&oauth_token_secret=s", max_parameters=limit)


def test_a_name_repeated_100000_times_keeps_every_value_in_order() -> None:
    """The input that took minutes when each repeat copied the name's list; the values are what is checked."""
    values = [str(i) for i in range(100_000)]
    body = "&".join(f"a={v}" for v in values)
    received = oauth.Request.from_request("POST", "http://e/?a=first", headers={"Content-Type": FORM},
                                          body=body.encode(), max_parameters=None)
    assert received["a"] == ["first", *values]


def test_verify_returns_a_name_repeated_100000_times_in_order() -> None:
    """The URL's and body's values are added after the dict's, which stays as it was."""
    values = [str(i) for i in range(100_000)]
    request = signed("POST", "http://e/r?" + "&".join(f"a={v}" for v in values), {"a": ["x", "y"], "b": "z"},
                     body="&".join(f"b={v}" for v in values), is_form_encoded=True)
    assert request["a"] == ["x", "y"]
    parameters = server().verify_request(request, CONSUMER, TOKEN)
    assert parameters["a"] == ["x", "y", *values] and parameters["b"] == ["z", *values]
    assert request["a"] == ["x", "y"] and request["b"] == "z"


def test_a_received_request_of_100000_distinct_names_verifies() -> None:
    body = fields(100_000)
    request = signed("POST", "http://e/r", body=body, is_form_encoded=True)
    received = oauth.Request.from_request("POST", "http://e/r", headers={**request.to_header(), "Content-Type": FORM},
                                          body=body.encode(), max_parameters=None)
    assert server().verify_request(received, CONSUMER, TOKEN) == {f"p{i}": str(i) for i in range(100_000)}


def test_values_of_a_megabyte_are_read_whole() -> None:
    value = "é%&=+ " * 40_000  # 840 KB once encoded, every byte of it escaped
    encoded = quote(value, safe="")
    body = f"a={encoded}&b={'x' * 1_000_000}".encode()
    received = oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": FORM}, body=body)
    assert received["a"] == value and received["b"] == "x" * 1_000_000
    assert oauth.Token.from_string(f"oauth_token={encoded}&oauth_token_secret=s").key == value


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("OAuth " + ", ".join(f'p{i}="{i}"' for i in range(50_000)),
                     [(f"p{i}", str(i)) for i in range(50_000)], id="many-params"),
        pytest.param("OAuth " + ", ".join(f"p{i}={i}" for i in range(50_000)),
                     [(f"p{i}", str(i)) for i in range(50_000)], id="many-bare-params"),
        pytest.param('OAuth a="' + '\\"\\\\' * 100_000 + '"', [("a", '"\\' * 100_000)], id="many-escapes"),
        pytest.param('OAuth a="' + "%41" * 100_000 + '", b="1"', [("a", "A" * 100_000), ("b", "1")],
                     id="many-percent-escapes"),
        pytest.param('OAuth a="1"' + " ,  ," * 100_000, [("a", "1")], id="many-commas"),
    ],
)
def test_large_authorization_headers_are_read_whole(header: str, expected: List[Any]) -> None:
    assert oauth.parse_authorization_header(header) == (expected, None)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param('OAuth a="' + "\\\\" * 100_000, id="escapes-then-no-quote"),
        pytest.param('OAuth a="' + '\\"' * 100_000, id="escaped-quotes-then-no-quote"),
        pytest.param("OAuth " + 'a="1",' * 50_000 + 'b="', id="many-params-then-no-quote"),
        pytest.param("OAuth " + "a=1, " * 50_000 + "b", id="many-params-then-no-equals"),
    ],
)
def test_large_malformed_authorization_headers_are_invalid_requests(header: str) -> None:
    with pytest.raises(oauth.InvalidRequest):
        oauth.parse_authorization_header(header)


# -------------------------------------------------------------------------- base_string_uri


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


# ----------------------------------------------------------------------- encoding helpers


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


# ------------------------------------------------------------------- Request and wrong types


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: oauth.Request(None, "http://e/"), id="method-None"),
        pytest.param(lambda: oauth.Request(object(), "http://e/"), id="method-object"),
        pytest.param(lambda: oauth.Request("GET", 1.5), id="url-float"),
        pytest.param(lambda: oauth.Request("GET", ["http://e/"]), id="url-list"),
        pytest.param(lambda: oauth.Request("GET", b"http://e/\xff"), id="url-not-utf8"),
        pytest.param(lambda: oauth.base_string_uri(b"http://e/\xff"), id="base-string-uri-not-utf8"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", 5), id="parameters-int"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", "abc"), id="parameters-str"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", [("a", "b", "c")]), id="parameters-triples"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {"a": 1.5}), id="value-float"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {"a": {"b": 1}}), id="value-dict"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {"a": [object()]}), id="value-list-object"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {"a": [["x"]]}), id="value-nested-list"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {None: "x"}), id="name-None"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {("a",): "x"}), id="name-tuple"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {"a": b"\xff"}), id="value-not-utf8"),
        pytest.param(lambda: oauth.Request("PUT", "http://e/", body=[b"a"]).sign_request(HMAC_SHA1, CONSUMER, None),
                     id="body-list"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {"oauth_a": "1"}).to_header(realm=5), id="realm-int"),
        pytest.param(lambda: oauth.Request("GET", "http://e/", {"oauth_a": "1"}).to_header(realm="a\r\nb"),
                     id="realm-crlf"),
        pytest.param(lambda: oauth.build_authenticate_header("a\nb"), id="authenticate-lf"),
        pytest.param(lambda: oauth.Consumer(None, "s"), id="consumer-None"),
        pytest.param(lambda: oauth.Consumer(1.5, "s"), id="consumer-float"),
        pytest.param(lambda: oauth.Token("k", None), id="token-None"),
        pytest.param(lambda: oauth.Request.from_consumer_and_token(None, None, "GET", "http://e/"),
                     id="from-consumer-None"),
        pytest.param(lambda: oauth.Request.from_token_and_callback(None, "http://cb/"), id="from-token-None"),
        pytest.param(lambda: oauth.Request("GET", "http://e/").sign_request(HMAC_SHA1, None, None),
                     id="sign-no-consumer"),
        pytest.param(lambda: oauth.Request("GET", "http://e/").sign_request(None, CONSUMER, None), id="sign-no-method"),
        pytest.param(lambda: oauth.Request("GET", "http://e/").sign_request(HMAC_SHA1, CONSUMER, "tkey"),
                     id="sign-token-str"),
        pytest.param(lambda: server().verify_request(None, CONSUMER, None), id="verify-None"),
        pytest.param(lambda: server().verify_request(signed(), None, TOKEN), id="verify-no-consumer"),
        pytest.param(lambda: server().verify_request(signed(), CONSUMER, "tkey"), id="verify-token-str"),
        pytest.param(lambda: oauth.Server([None]), id="server-None-method"),
    ],
)
def test_wrong_python_types_raise_type_or_value_error(call: Callable[[], object]) -> None:
    assert misuse(call) is not None


def test_request_without_url_fails_clearly() -> None:
    request = oauth.Request("GET", None, {"oauth_nonce": "n"})
    calls = (lambda: request.sign_request(HMAC_SHA1, CONSUMER, None), request.to_url, lambda: oauth.explain(request))
    for call in calls:
        with pytest.raises(oauth.Error, match="URL"):
            call()


# ---------------------------------------------------------------------------- verify_request


REQUIRED = ["oauth_consumer_key", "oauth_signature_method", "oauth_signature", "oauth_timestamp", "oauth_nonce"]


@pytest.mark.parametrize("name", REQUIRED)
def test_verify_missing_parameter(name: str) -> None:
    request = signed()
    del request[name]
    with pytest.raises(oauth.MissingParameter) as missing:
        server().verify_request(request, CONSUMER, TOKEN)
    assert missing.value.parameter == name and missing.value.status == 400


def test_verify_plaintext_may_omit_timestamp_and_nonce_when_allowed() -> None:
    """RFC 5849 §3.1: with PLAINTEXT, oauth_timestamp and oauth_nonce MAY be omitted (replays, so opt-in)."""
    request = oauth.Request("GET", "https://e/", {"oauth_consumer_key": "ckey", "oauth_token": "tkey"})
    request.sign_request(PLAINTEXT, CONSUMER, TOKEN)
    assert server(PLAINTEXT, allow_plaintext_without_nonce=True).verify_request(request, CONSUMER, TOKEN) == {}
    with pytest.raises(oauth.MissingParameter) as missing:
        server(PLAINTEXT).verify_request(request, CONSUMER, TOKEN)
    assert missing.value.parameter == "oauth_timestamp"


@pytest.mark.parametrize(
    "name",
    [*REQUIRED, "oauth_token", "oauth_version", "oauth_body_hash", "oauth_callback", "oauth_verifier"],
)
def test_verify_duplicated_protocol_parameter(name: str) -> None:
    request = signed()
    value = request.get(name, "v")
    request[name] = [value, value]
    with pytest.raises(oauth.InvalidRequest, match="more than once"):
        server().verify_request(request, CONSUMER, TOKEN)


def test_str_subclass_values_sign_as_text() -> None:
    class Text(str):
        pass

    plain = oauth.Request("GET", "http://e/?q=1", {"oauth_nonce": "n", "a": "x y", "oauth_signature": "s"})
    subclassed = oauth.Request("GET", "http://e/?q=1", {Text("oauth_nonce"): Text("n"), "a": Text("x y"),
                                                        "oauth_signature": Text("s")})
    assert oauth.explain(subclassed) == oauth.explain(plain)


def test_signing_a_repeated_protocol_parameter_refused() -> None:
    """RFC 5849 §3.1: each protocol parameter is sent once; a list of values cannot be signed."""
    request = oauth.Request("GET", "http://e/", {"oauth_callback": ["http://a/", "http://b/"]})
    with pytest.raises(oauth.InvalidRequest, match="oauth_callback is sent more than once"):
        request.sign_request(HMAC_SHA1, CONSUMER, TOKEN)


def test_parameters_as_one_element_lists_sign_and_verify_as_text() -> None:
    """``parse_qs`` gives every value in a list: one value in a list is that value; an empty list, none."""
    request = signed(parameters={"a": "1"})
    as_lists = oauth.Request(request.method, request.url, {name: [value] for name, value in request.items()})
    as_lists["oauth_callback"] = []

    assert oauth.explain(as_lists) == oauth.explain(request)
    assert server().verify_request(as_lists, CONSUMER, TOKEN) == {"a": ["1"], "x": "1"}


def test_verify_protocol_parameter_in_dict_and_url() -> None:
    request = signed("GET", "http://e/r?oauth_nonce=n0nce")
    with pytest.raises(oauth.InvalidRequest, match="more than once"):
        server().verify_request(request, CONSUMER, TOKEN)


@pytest.mark.parametrize(
    "timestamp",
    ["1.5", "-1", " 1", "1 ", "+1", "１２３", "١٢٣", "9" * 30, "", "0x10", "1e9", f"{NOW}\n", f"{NOW}.0", "abc"],
)
def test_verify_malformed_timestamp(timestamp: str) -> None:
    request = signed(parameters={"oauth_timestamp": timestamp})
    with pytest.raises(oauth.InvalidRequest):
        server().verify_request(request, CONSUMER, TOKEN)


@pytest.mark.parametrize("timestamp", ["0", "999999999999", str(NOW - 10**6), str(NOW + 10**6)])
def test_verify_timestamp_out_of_window(timestamp: str) -> None:
    with pytest.raises(oauth.TimestampRefused):
        server().verify_request(signed(parameters={"oauth_timestamp": timestamp}), CONSUMER, TOKEN)


@pytest.mark.parametrize("name", ["FOO", "", "RSA-SHA1", "hmac-sha1", "HMAC-SHA1 ", "\x00"])
def test_verify_unknown_signature_method(name: str) -> None:
    request = signed()
    request["oauth_signature_method"] = name
    with pytest.raises(oauth.UnsupportedSignatureMethod):
        server().verify_request(request, CONSUMER, TOKEN)


@pytest.mark.parametrize("version", ["2.0", "1.0a", "1", "", "1.0 "])
def test_verify_bad_version(version: str) -> None:
    with pytest.raises(oauth.VersionRejected):
        server().verify_request(signed(parameters={"oauth_version": version}), CONSUMER, TOKEN)


def test_verify_wrong_credentials() -> None:
    with pytest.raises(oauth.ConsumerKeyRejected):
        server().verify_request(signed(), oauth.Consumer("other", "csecret"), TOKEN)
    with pytest.raises(oauth.TokenRejected):
        server().verify_request(signed(), CONSUMER, oauth.Token("other", "tsecret"))
    without_token = signed()
    del without_token["oauth_token"]
    with pytest.raises(oauth.TokenRejected):
        server().verify_request(without_token, CONSUMER, TOKEN)
    with pytest.raises(oauth.InvalidSignature):
        server().verify_request(signed(), CONSUMER, oauth.Token("tkey", "other"))


@pytest.mark.parametrize(
    "signature",
    ["", "é", "\x00", "A" * 10_000, "AAAA", "====", "%", "Zm9v\n", "5uAiN7XTHkQJh7dziTkn9tbV/Uk=", b"abc"],
    ids=lambda s: repr(s)[:12],
)
def test_verify_wrong_signature(signature: Any) -> None:
    request = signed()
    request["oauth_signature"] = signature
    with pytest.raises(oauth.InvalidSignature):
        server().verify_request(request, CONSUMER, TOKEN)


def test_verify_signature_given_as_bytes() -> None:
    request = signed()
    request["oauth_signature"] = request["oauth_signature"].encode("ascii")
    assert server().verify_request(request, CONSUMER, TOKEN) == {"x": "1"}  # the query of signed()'s URL


def test_verify_signature_percent_escaped_non_ascii_in_header() -> None:
    request = signed()
    headers = request.to_header()
    headers["Authorization"] = headers["Authorization"].replace(
        f'oauth_signature="{oauth.escape(request["oauth_signature"])}"', 'oauth_signature="%C3%A9%00"'
    )
    received = oauth.Request.from_request("GET", "http://e/r?x=1", headers=headers)
    assert received["oauth_signature"] == "é\x00"
    with pytest.raises(oauth.InvalidSignature):
        server().verify_request(received, CONSUMER, TOKEN)


def test_verify_body_hash_on_form_body_refused() -> None:
    request = signed(http_method="POST", parameters={"oauth_body_hash": "2jmj7l5rSw0yVb/vlWAYkK/YBwk="})
    request.is_form_encoded = True
    with pytest.raises(oauth.InvalidRequest):
        server().verify_request(request, CONSUMER, TOKEN)


def test_verify_malformed_body_hash() -> None:
    request = signed(http_method="PUT", body=b"{}")
    request["oauth_body_hash"] = "not base64 \x00"
    request.sign_request(HMAC_SHA1, CONSUMER, TOKEN, body_hash=False)
    with pytest.raises(oauth.BodyHashMismatch):
        server().verify_request(request, CONSUMER, TOKEN)


# ----------------------------------------------------------------------------------- RSA


RSA_CASES = [
    "garbage", b"garbage", "", "é", b"\xff",
    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
]


def rsa_request(signature: str) -> oauth.Request:
    """A request claiming RSA-SHA1 with ``signature``."""
    return oauth.Request("GET", "http://e/", {
        "oauth_consumer_key": "ckey", "oauth_timestamp": str(NOW), "oauth_nonce": "n",
        "oauth_signature_method": "RSA-SHA1", "oauth_signature": signature,
    })


@pytest.mark.parametrize("pem", RSA_CASES, ids=lambda p: repr(p)[:16])
def test_rsa_garbage_public_key_is_oauth_error(pem: Any) -> None:
    pytest.importorskip("cryptography")
    verifier = server(oauth.SignatureMethod_RSA_SHA1(public_key=pem))
    with pytest.raises(oauth.Error):
        verifier.verify_request(rsa_request("YWJj"), CONSUMER, None)


@pytest.mark.parametrize("pem", RSA_CASES, ids=lambda p: repr(p)[:16])
def test_rsa_garbage_private_key_is_oauth_error(pem: Any) -> None:
    pytest.importorskip("cryptography")
    with pytest.raises(oauth.Error):
        rsa_request("").sign_request(oauth.SignatureMethod_RSA_SHA1(private_key=pem), CONSUMER, None)


@pytest.fixture(scope="module")
def rsa_public_pem() -> bytes:
    """A fresh RSA public key in PEM; its private half is thrown away, so no signature can match."""
    pytest.importorskip("cryptography")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("signature", ["", "abc", "====", "AAAA", "A" * 4000, "YWJj\n", "é", "Zm9v\x00", "%"])
def test_rsa_malformed_signature_is_invalid_signature(signature: str, rsa_public_pem: bytes) -> None:
    verifier = server(oauth.SignatureMethod_RSA_SHA1(public_key=rsa_public_pem))
    with pytest.raises(oauth.InvalidSignature):
        verifier.verify_request(rsa_request(signature), CONSUMER, None)


# ------------------------------------------------------------------- nothing is half-done


def tamper_signature(request: oauth.Request) -> None:
    """Change the signature."""
    request["oauth_signature"] = "AAAA" + request["oauth_signature"][4:]


def tamper_version(request: oauth.Request) -> None:
    """Claim another OAuth version."""
    request["oauth_version"] = "2.0"


def tamper_method(request: oauth.Request) -> None:
    """Claim a method the server does not accept."""
    request["oauth_signature_method"] = "HMAC-SHA256"


def tamper_body(request: oauth.Request) -> None:
    """Swap the body under its oauth_body_hash."""
    request.body = b'{"amount": 1000}'


def tamper_parameter(request: oauth.Request) -> None:
    """Add a value for a signed parameter."""
    request["x"] = "2"


@pytest.mark.parametrize(
    "tamper", [tamper_signature, tamper_version, tamper_method, tamper_body, tamper_parameter],
    ids=lambda f: f.__name__,
)
def test_failed_verify_uses_no_nonce_and_changes_nothing(tamper: Callable[[oauth.Request], None]) -> None:
    verifier = server()
    forged = signed(http_method="PUT", body=b'{"amount": 1}')
    tamper(forged)
    before = (dict(forged), forged.url, forged.method, forged.body)
    with pytest.raises(oauth.Error):
        verifier.verify_request(forged, CONSUMER, TOKEN)
    assert (dict(forged), forged.url, forged.method, forged.body) == before

    genuine = signed(http_method="PUT", body=b'{"amount": 1}')
    assert forged["oauth_nonce"] == genuine["oauth_nonce"]
    assert verifier.verify_request(genuine, CONSUMER, TOKEN) == {"x": "1"}  # the query of signed()'s URL
    with pytest.raises(oauth.NonceUsed):
        verifier.verify_request(genuine, CONSUMER, TOKEN)


@pytest.mark.parametrize(
    ("consumer", "token"),
    [(oauth.Consumer("other", "csecret"), TOKEN), (CONSUMER, oauth.Token("other", "tsecret")),
     (CONSUMER, oauth.Token("tkey", "wrong"))],
    ids=["consumer", "token", "token-secret"],
)
def test_failed_credentials_use_no_nonce(consumer: oauth.Consumer, token: oauth.Token) -> None:
    verifier = server()
    with pytest.raises(oauth.Error):
        verifier.verify_request(signed(), consumer, token)
    assert verifier.verify_request(signed(), CONSUMER, TOKEN) == {"x": "1"}  # the query of signed()'s URL


# -------------------------------------------------------------------------------- fuzzing


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


TOKEN_CHARS = st.sampled_from("!#$%&'*+.^_`|~-abcxyzAZ09")
SEPARATORS = st.sampled_from(["", " ", ",", ", ", " ,", "\t", ",,", "="])
HEADER_PIECES = st.one_of(
    st.text(TOKEN_CHARS, min_size=1, max_size=6),
    st.text(max_size=6).map(lambda s: '"' + s + '"'),
    st.sampled_from(['"', "\\", "=", "%", "%FF", "%C3%A9", "realm", "oauth_nonce", "OAuth"]),
    SEPARATORS,
)
HEADERS = st.one_of(
    st.text(max_size=60),
    st.lists(HEADER_PIECES, max_size=20).map(lambda parts: "OAuth " + "".join(parts)),
)


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


URLS = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda scheme, host, port, path, query: f"{scheme}://{host}{port}/{path}?{query}",
        st.sampled_from(["http", "HTTPS", "ftp", ""]),
        st.text(max_size=10),
        st.sampled_from(["", ":80", ":0", ":65536", ":x", ":", ":-1"]),
        st.text(max_size=10),
        st.text(max_size=20),
    ),
)


@FUZZ
@given(
    st.sampled_from(["GET", "post", "PUT", ""]),
    URLS,
    HEADERS,
    st.one_of(st.none(), st.text(max_size=20)),
    st.text(max_size=30),
    st.sampled_from([None, FORM, FORM + "; charset=utf-8", "application/json"]),
)
def test_fuzz_from_request_and_verify(
    http_method: str, url: str, header: str, query_string: Optional[str], body: str, content_type: Optional[str]
) -> None:
    headers = {"Authorization": header}
    if content_type:
        headers["Content-Type"] = content_type
    before = dict(headers)
    received = wire(lambda: oauth.Request.from_request(
        http_method, url, headers=headers, query_string=query_string, body=body.encode("utf-8")
    ))
    assert headers == before
    if received is not None:
        assert isinstance(received, oauth.Request)
        wire(lambda: server(HMAC_SHA1, PLAINTEXT).verify_request(received, CONSUMER, TOKEN))


OAUTH_NAMES = st.sampled_from(
    ["oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_signature", "oauth_timestamp",
     "oauth_nonce", "oauth_version", "oauth_body_hash", "oauth_callback", "oauth_verifier"]
)


@FUZZ
@given(st.dictionaries(OAUTH_NAMES, st.one_of(st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3))),
       st.binary(max_size=20))
def test_fuzz_verify_request_parameters(params: Dict[str, Any], body: bytes) -> None:
    base = {"oauth_consumer_key": "ckey", "oauth_token": "tkey", "oauth_signature_method": "HMAC-SHA1",
            "oauth_signature": "x", "oauth_timestamp": str(NOW), "oauth_nonce": "n"}
    request = oauth.Request("PUT", "http://e/r", {**base, **params}, body=body)
    wire(lambda: server(HMAC_SHA1, PLAINTEXT).verify_request(request, CONSUMER, TOKEN))


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


@FUZZ
@given(URLS, st.one_of(st.none(), st.text(max_size=12)))
def test_fuzz_base_string_uri(url: str, host: Optional[str]) -> None:
    uri = wire(lambda: oauth.base_string_uri(url, host))
    if uri is not None:
        assert "?" not in uri and "#" not in uri


@FUZZ
@given(st.binary(max_size=40))
def test_fuzz_bytes_into_parsers(data: bytes) -> None:
    """Raw bytes as a server or client receives them: a credentials response, a form body, a header."""
    wire(lambda: oauth.Token.from_string(data))
    wire(lambda: oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": FORM}, body=data))
    wire(lambda: oauth.Request.from_request("GET", "http://e/", headers={"Authorization": b"OAuth a=" + data}))
    wire(lambda: oauth.parse_authorization_header(b"OAuth " + data))
