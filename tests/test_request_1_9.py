"""The 1.9 dict Request and its adapters: from_request, from_wsgi, from_asgi, and to_header, to_url, to_postdata."""

from __future__ import annotations

import copy
import functools
import io
from typing import Any, Callable, Dict, List, Optional, Union
from urllib.parse import quote

import at_now
import pytest
from at_now import (
    CONSUMER,
    FORM,
    FUZZ,
    HEADERS,
    HMAC_SHA1,
    NONCE,
    NOW,
    PLAINTEXT,
    TOKEN,
    URLS,
    header_with,
    misuse,
    server,
    value_id,
    wire,
)
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth1 import Client as OAuthlibClient

import oauth2 as oauth

# One nonce for every signed request here, so that a test can name it.
signed = functools.partial(at_now.signed, nonce=NONCE)

# -------------------------------------------------------------------------------------------------- from_request


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


# ----------------------------------------------------------------------------------------------------- from_wsgi


def form_post_environ(**extra: Any) -> Dict[str, Any]:
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
    env = form_post_environ(**extra)
    with pytest.raises(oauth.Error):
        oauth.Request.from_wsgi(env)


def test_failed_from_wsgi_leaves_the_body_readable() -> None:
    env = form_post_environ(HTTP_AUTHORIZATION='OAuth a="', CONTENT_TYPE=FORM)
    with pytest.raises(oauth.InvalidRequest):
        oauth.Request.from_wsgi(env)
    assert env["wsgi.input"].read() == b"a=1"


# -------------------------------------------------------------------------------- how many parameters, how large


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
        env = form_post_environ(CONTENT_TYPE=FORM, CONTENT_LENGTH=str(len(body)), **{"wsgi.input": io.BytesIO(body)})
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


# --------------------------------------------------------------------------------------- Request and wrong types


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


# ------------------------------------------------------------------------------------------------------- fuzzing


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


@FUZZ
@given(st.binary(max_size=40))
def test_fuzz_bytes_into_parsers(data: bytes) -> None:
    """Raw bytes as a server or client receives them: a credentials response, a form body, a header."""
    wire(lambda: oauth.Token.from_string(data))
    wire(lambda: oauth.Request.from_request("POST", "http://e/", headers={"Content-Type": FORM}, body=data))
    wire(lambda: oauth.Request.from_request("GET", "http://e/", headers={"Authorization": b"OAuth a=" + data}))
    wire(lambda: oauth.parse_authorization_header(b"OAuth " + data))


# -------------------------------- from_wsgi: the raw target, the Content-Type, Host and X-Forwarded-* (issue 21)


def test_from_wsgi_prefers_the_raw_request_target() -> None:
    """gunicorn's RAW_URI keeps a %2F that PEP 3333's decoded PATH_INFO has lost."""
    client = OAuthlibClient("key", client_secret="secret")
    url, headers, _ = client.sign("http://api.example.com/files/a%2Fb?x=1")
    environ = {
        "REQUEST_METHOD": "GET", "wsgi.url_scheme": "http", "HTTP_HOST": "api.example.com",
        "PATH_INFO": "/files/a/b", "RAW_URI": "/files/a%2Fb?x=1", "QUERY_STRING": "x=1",
        "HTTP_AUTHORIZATION": headers["Authorization"],
    }
    request = oauth.Request.from_wsgi(environ)
    assert request.normalized_url == "http://api.example.com/files/a%2Fb"
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], clock=lambda: float(request["oauth_timestamp"]))
    assert server.verify_request(request, oauth.Consumer("key", "secret"), None) == {"x": "1"}
    del environ["RAW_URI"]
    with pytest.raises(oauth.InvalidSignature):
        server.verify_request(oauth.Request.from_wsgi(environ), oauth.Consumer("key", "secret"), None)


@pytest.mark.parametrize("names", [("CONTENT_TYPE",), ("HTTP_CONTENT_TYPE",), ("HTTP_CONTENT_TYPE", "CONTENT_TYPE")])
def test_from_wsgi_reads_the_content_type_under_either_name(names: tuple[str, ...]) -> None:
    """CGI's CONTENT_TYPE, or a client's header passed on as HTTP_CONTENT_TYPE; CONTENT_TYPE over it."""
    client = OAuthlibClient("key", client_secret="secret")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    url, headers, body = client.sign("http://api.example.com/r", "POST", body="status=hi", headers=form)
    environ = {
        "REQUEST_METHOD": "POST", "wsgi.url_scheme": "http", "HTTP_HOST": "api.example.com", "PATH_INFO": "/r",
        "HTTP_AUTHORIZATION": headers["Authorization"], "CONTENT_LENGTH": "9", "wsgi.input": io.BytesIO(b"status=hi"),
        **{name: "text/plain" for name in names[:-1]}, names[-1]: "application/x-www-form-urlencoded",
    }
    request = oauth.Request.from_wsgi(environ)
    assert request.is_form_encoded and request["status"] == "hi"
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], clock=lambda: float(request["oauth_timestamp"]))
    assert server.verify_request(request, oauth.Consumer("key", "secret"), None) == {"status": "hi"}


def get_environ(**extra: Any) -> dict[str, Any]:
    """A PEP 3333 environ of a GET to http://api.example.com/r?x=1, with ``extra`` keys."""
    return {"REQUEST_METHOD": "GET", "wsgi.url_scheme": "http", "HTTP_HOST": "api.example.com",
            "PATH_INFO": "/r", "QUERY_STRING": "x=1", **extra}


BAD_HOSTS = ["api.example.com/feed#", "api.example.com/feed?", "api.example.com/v1", "api.example.com#",
             "user@api.example.com", "api.example.com\\x", "api example.com", "\x00h", "[zz]", "[::1", "[::1]x",
             "h:8o", "h:80/", "", ":", "caf\xe9.example", "[fe80::1%25eth0]", "h%2Fx%"]


@pytest.mark.parametrize("host", [*BAD_HOSTS, "api.example.com\t", "h:1,h:2"])
def test_from_wsgi_refuses_a_host_header_that_is_not_host_port(host: str) -> None:
    with pytest.raises(oauth.InvalidRequest, match="Host header"):
        oauth.Request.from_wsgi(get_environ(HTTP_HOST=host))


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_from_wsgi_refuses_a_forwarded_host_that_is_not_host_port(host: str) -> None:
    """The value the trusted proxy added, the rightmost, is checked; spaces around a list item are not part of it."""
    env = get_environ(HTTP_X_FORWARDED_HOST=f"evil.example/x#, {host} ")
    with pytest.raises(oauth.InvalidRequest, match="X-Forwarded-Host"):
        oauth.Request.from_wsgi(env, trust_forwarded=True)


@pytest.mark.parametrize(
    ("host", "url"),
    [("API.example.com:8080", "http://API.example.com:8080/r?x=1"), ("[::1]:8080", "http://[::1]:8080/r?x=1"),
     ("127.0.0.1", "http://127.0.0.1/r?x=1"), ("xn--caf-dma.example", "http://xn--caf-dma.example/r?x=1"),
     ("[v1.fe]", "http://[v1.fe]/r?x=1")],
)
def test_from_wsgi_accepts_a_host_port(host: str, url: str) -> None:
    assert oauth.Request.from_wsgi(get_environ(HTTP_HOST=host)).url == url


@pytest.mark.parametrize(("scheme", "proto"), [("ftp", None), ("javascript", None), ("", None), ("http", "ftp"),
                                               ("http", "https:"), ("http", "ht tp"), ("http", "")])
def test_from_wsgi_refuses_a_scheme_other_than_http_or_https(scheme: str, proto: Optional[str]) -> None:
    forwarded = {"HTTP_X_FORWARDED_PROTO": proto + ", x"} if proto is not None else {}
    env = get_environ(**{"wsgi.url_scheme": scheme}, **forwarded)
    with pytest.raises(oauth.InvalidRequest, match="http or https"):
        oauth.Request.from_wsgi(env, trust_forwarded=2)


def test_from_wsgi_lower_cases_the_scheme() -> None:
    assert oauth.Request.from_wsgi(get_environ(**{"wsgi.url_scheme": "HTTPS"})).url == "https://api.example.com/r?x=1"
    env = get_environ(HTTP_X_FORWARDED_PROTO="HTTPS")
    assert oauth.Request.from_wsgi(env, trust_forwarded=True).url == "https://api.example.com/r?x=1"


@pytest.mark.parametrize(
    ("trusted", "url"),
    [(False, "http://direct/r?x=1"), (0, "http://direct/r?x=1"), (True, "http://c/r?x=1"), (1, "http://c/r?x=1"),
     (2, "http://b/r?x=1"), (3, "http://a/r?x=1"), (4, "http://direct/r?x=1")],
)
def test_trust_forwarded_counts_proxies_from_the_right(trusted: Union[bool, int], url: str) -> None:
    env = get_environ(HTTP_HOST="direct", HTTP_X_FORWARDED_HOST="a, b,c")
    assert oauth.Request.from_wsgi(env, trust_forwarded=trusted).url == url


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [({"base_url": "https://api.example.com/v1"}, ValueError, "no path"),
     ({"base_url": "https://api.example.com?x=1"}, ValueError, "query"),
     ({"base_url": "https://api.example.com#top"}, ValueError, "fragment"),
     ({"base_url": "https://user:pa55@api.example.com"}, ValueError, "userinfo"),
     ({"base_url": "ftp://api.example.com"}, ValueError, "http or https"),
     ({"base_url": "api.example.com"}, ValueError, "origin"),
     ({"base_url": "https://"}, ValueError, "host"),
     ({"base_url": "https://a b"}, ValueError, "host"),
     ({"base_url": "https://api.example.com", "trust_forwarded": True}, ValueError, "not both"),
     ({"trust_forwarded": -1}, ValueError, "number of proxies"),
     ({"trust_forwarded": "yes"}, TypeError, "bool or an int")],
)
def test_a_bad_base_url_or_trust_forwarded_is_an_argument_error(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    env = get_environ()
    for call in (lambda: oauth.Request.from_wsgi(env, **options),
                 lambda: oauth.Request.from_asgi({"type": "http", "headers": []}, b"", **options)):
        with pytest.raises(error, match=message) as caught:
            call()
        assert not isinstance(caught.value, oauth.Error)
        assert "pa55" not in str(caught.value)


@pytest.mark.parametrize("base_url", ["https://API.example.com", "HTTPS://api.example.com/", b"https://api.example.com"])
def test_a_pinned_base_url_replaces_scheme_host_and_forwarded_headers(base_url: Any) -> None:
    env = get_environ(HTTP_HOST="evil.example/x#", HTTP_X_FORWARDED_HOST="evil.example", **{"wsgi.url_scheme": "ftp"})
    request = oauth.Request.from_wsgi(env, base_url=base_url)
    assert request.normalized_url == "https://api.example.com/r"
    assert request["x"] == "1"
