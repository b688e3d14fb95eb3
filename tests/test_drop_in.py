"""Code, tests and habits written for python-oauth2 1.9 keep working (issue 13, one test per item).

Item 3 (``to_unicode(0)`` is a TypeError) is in test_encoding.py, item 11 (the URLs
Python 3.9's urlsplit accepts) in test_request_1_9.py, test_base_string.py and test_vectors.py,
run on the oldest and newest Python that pyproject.toml claims by ``.ci/run``.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import operator
import os
import pickle
import re
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple
from unittest import mock
from urllib.parse import parse_qs

import httplib2
import pytest
import redis
from at_now import CONSUMER, FORM, HMAC_SHA1, NOW, TOKEN, server, signed
from docs_support import README_TEXT, section_text
from oauthlib.oauth1 import Client as OAuthlibClient
from redis_server import running_redis_server

import oauth2 as oauth

URL = "http://api.example.com/1.1/statuses/update.json"


def oauthlib_signature(method: str, url: str, body: bytes, nonce: str, *, form: bool = True) -> str:
    """The HMAC-SHA1 signature oauthlib makes for the same request, nonce and timestamp."""
    client = OAuthlibClient(CONSUMER.key, CONSUMER.secret, TOKEN.key, TOKEN.secret, nonce=nonce, timestamp=str(NOW))
    headers = {"Content-Type": FORM} if form else {}
    _, signed_headers, _ = client.sign(url, method, body if body else None, headers)
    return dict(oauth.parse_authorization_header(signed_headers["Authorization"])[0])["oauth_signature"]


def hand_signed(body: Any, parameters: Dict[str, Any], *, is_form_encoded: bool = True) -> oauth.Request:
    """A POST to URL signed by hand as 1.9 users do, with a fixed nonce."""
    return signed("POST", URL, parameters, body=body, is_form_encoded=is_form_encoded, nonce="n0nce")


# --------------------------------------------------------------- 1. Client calls httplib2 as 1.9 did


def test_client_calls_httplib2_request_with_self_and_uri_positional_as_1_9() -> None:
    """A 1.9 test patches httplib2.Http.request with ``side_effect=lambda self, uri, **kw: ...``."""
    calls = []

    def fake(self: httplib2.Http, uri: str, **kw: Any) -> Tuple[httplib2.Response, bytes]:
        calls.append((self, uri, kw))
        return httplib2.Response({"status": "200"}), b"ok"

    client = oauth.Client(CONSUMER, TOKEN)
    with mock.patch("httplib2.Http.request", side_effect=fake):
        response, content = client.request(URL, "POST", body="status=hi", headers={"Content-Type": FORM})
    assert (response.status, content) == (200, b"ok")
    [(receiver, uri, kw)] = calls
    assert receiver is client and uri == URL
    assert set(kw) == {"method", "body", "headers", "redirections", "connection_type"}
    assert kw["method"] == "POST" and kw["body"] == b"status=hi"
    assert kw["redirections"] == httplib2.DEFAULT_MAX_REDIRECTS and kw["connection_type"] is None
    assert kw["headers"]["Authorization"].startswith("OAuth ")


# --------------------------------------------------------------- 2. an empty token key


@pytest.mark.parametrize("text", ["oauth_token=&oauth_token_secret=", "oauth_token=&oauth_token_secret=s"])
def test_token_from_string_refuses_an_empty_key(text: str) -> None:
    with pytest.raises(ValueError, match="'oauth_token' is empty"):
        oauth.Token.from_string(text)


def test_token_from_string_still_takes_an_empty_secret() -> None:
    token = oauth.Token.from_string("oauth_token=k&oauth_token_secret=")
    assert (token.key, token.secret) == ("k", "")


# --------------------------------------------------------------- 4. URLs


@pytest.mark.parametrize("url", ["ftp://x/", "file://h/etc/passwd", "mailto://a@b/", "ws://h/"])
def test_request_refuses_a_url_that_is_not_http_or_https(url: str) -> None:
    with pytest.raises(ValueError, match="not http or https") as refused:
        oauth.Request(url=url)
    assert isinstance(refused.value, oauth.InvalidRequest)
    request = oauth.Request("GET", "http://e/")
    with pytest.raises(oauth.InvalidRequest):
        request.url = url
    assert (request.url, request.normalized_url) == ("http://e/", "http://e/")  # nothing half-done


def test_request_without_url_has_no_url_attribute_and_signing_it_is_a_value_error() -> None:
    request = oauth.Request("GET")
    assert not hasattr(request, "url") and not hasattr(request, "normalized_url")
    with pytest.raises(ValueError, match="has no URL"):
        request.sign_request(HMAC_SHA1, CONSUMER, TOKEN)
    with pytest.raises(ValueError, match="has no URL"):
        request.to_url()
    request.url = "http://e/r"
    assert request.normalized_url == "http://e/r"
    request.url = None
    assert request.url is None and request.normalized_url is None


# --------------------------------------------------------------- 5. to_postdata's order


def test_to_postdata_sorts_by_name_as_1_9_did() -> None:
    request = oauth.Request("POST", URL, {"z": "1", "oauth_nonce": "n", "b": ["2", "1"], "a": 3})
    assert request.to_postdata() == "a=3&b=2&b=1&oauth_nonce=n&z=1"


def test_int_parameters_are_kept_as_given_and_signed_as_text() -> None:
    """1.9's habit ``request["oauth_timestamp"] -= 60`` works, and the int signs as its digits."""
    request = oauth.Request("GET", "http://e/r", {"oauth_timestamp": NOW, "count": 5})
    request["oauth_timestamp"] -= 60
    assert request["oauth_timestamp"] == NOW - 60 and request["count"] == 5
    assert ("oauth_timestamp", str(NOW - 60)) in oauth.explain(request).parameters
    assert oauth.explain(request) == oauth.explain(oauth.Request("GET", "http://e/r", {
        "oauth_timestamp": str(NOW - 60), "count": "5"}))


def _each_item(method: str) -> Any:
    return lambda request, extra: [getattr(request, method)(k, v) for k, v in extra.items()]


@pytest.mark.parametrize(
    "put", [operator.ior, oauth.Request.update, _each_item("__setitem__"), _each_item("setdefault")],
    ids=["|=", "update", "item", "setdefault"])
def test_values_put_in_any_way_are_stored_and_signed_as_text(put: Any) -> None:
    """Bytes, ints, bools and lists go through the same coercion however they are put in, ``|=`` too."""
    request = oauth.Request("GET", "http://e/r", {"oauth_nonce": "n"})
    put(request, {"tag": b"caf\xc3\xa9", "ids": ["2", b"1"], "count": 5, "flag": True})
    assert request["tag"] == "café" and request["ids"] == ["2", "1"]
    as_text = oauth.Request("GET", "http://e/r", {"oauth_nonce": "n", "tag": "café", "ids": ["2", "1"], "count": "5",
                                                  "flag": "true"})
    assert oauth.explain(request) == oauth.explain(as_text)
    request.sign_request(HMAC_SHA1, CONSUMER, TOKEN)
    as_text.sign_request(HMAC_SHA1, CONSUMER, TOKEN)
    assert request.to_header() == as_text.to_header()


# --------------------------------------------------------------- 6. a hand-signed form POST


@pytest.mark.parametrize("body", [b"status=hello%20world&lat=1", "status=hello%20world&lat=1"])
def test_hand_signed_form_post_signs_the_body_pairs(body: Any) -> None:
    request = hand_signed(body, {})
    assert ("status", "hello world") in oauth.explain(request).parameters
    raw = body.encode() if isinstance(body, str) else body
    assert request["oauth_signature"] == oauthlib_signature("POST", URL, raw, "n0nce")
    received = oauth.Request.from_request("POST", URL, headers={**request.to_header(), "Content-Type": FORM},
                                          body=raw)
    assert server().verify_request(received, CONSUMER, TOKEN) == {"status": "hello world", "lat": "1"}


def test_hand_signed_form_post_counts_body_pairs_also_in_parameters_once() -> None:
    """1.9's Client passed ``parse_qs(body)`` as parameters and the body too: each pair is signed once."""
    body = b"a=1&b=2&b=3&c="
    expected = oauthlib_signature("POST", URL, body, "n0nce")
    as_1_9 = hand_signed(body, parse_qs(body.decode(), keep_blank_values=True))
    assert as_1_9["oauth_signature"] == expected
    assert hand_signed(body, {"a": "1"})["oauth_signature"] == expected
    assert [p for p in oauth.explain(as_1_9).parameters if not p[0].startswith("oauth_")].count(("b", "2")) == 1


def test_a_body_that_is_not_form_encoded_is_signed_by_its_hash_not_its_pairs() -> None:
    request = hand_signed(b"a=1", {}, is_form_encoded=False)
    assert ("a", "1") not in oauth.explain(request).parameters
    assert request["oauth_body_hash"] == base64.b64encode(hashlib.sha1(b"a=1").digest()).decode()


def test_a_form_body_that_is_not_utf8_is_refused_with_nothing_signed() -> None:
    request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "POST", URL, body=b"a=%FF", is_form_encoded=True)
    with pytest.raises(oauth.InvalidRequest, match="form body is not UTF-8"):
        request.sign_request(HMAC_SHA1, CONSUMER, TOKEN)
    assert "oauth_signature" not in request


# --------------------------------------------------------------- 7. a file body is read once


class CountingStream(io.RawIOBase):
    """A stream that cannot seek (a pipe, a socket) and counts its reads."""

    def __init__(self, data: bytes) -> None:
        self._data, self.reads = data, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        data, self._data = self._data, b""
        return data


def test_a_stream_that_cannot_seek_is_read_once_and_signed_with_its_hash() -> None:
    stream = CountingStream(b'{"a": 1}')
    request = hand_signed(stream, {}, is_form_encoded=False)
    assert stream.reads == 1
    assert request.body == b'{"a": 1}'  # what was read, for the caller to send
    assert request["oauth_body_hash"] == base64.b64encode(hashlib.sha1(b'{"a": 1}').digest()).decode()
    assert server().verify_request(request, CONSUMER, TOKEN) == {}


def test_a_pipe_body_is_read_once() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"payload")
    os.close(write_end)
    with open(read_end, "rb") as pipe:
        request = hand_signed(pipe, {}, is_form_encoded=False)
        assert pipe.read() == b""
    assert request.body == b"payload"
    assert request["oauth_body_hash"] == base64.b64encode(hashlib.sha1(b"payload").digest()).decode()


def test_a_seekable_file_body_is_read_once_and_rewound() -> None:
    class CountingFile(io.BytesIO):
        reads = 0

        def read(self, size: Optional[int] = -1) -> bytes:
            self.reads += 1
            return super().read(size)

    body = CountingFile(b"a=1&b=2")
    request = hand_signed(body, {})
    assert body.reads == 1 and body.tell() == 0
    assert request["oauth_signature"] == oauthlib_signature("POST", URL, b"a=1&b=2", "n0nce")


# --------------------------------------------------------------- 8. a server handed no body


def test_a_body_hash_checked_without_the_body_says_how_to_pass_it() -> None:
    client_side = hand_signed(b'{"a": 1}', {}, is_form_encoded=False)
    received = oauth.Request.from_request("POST", URL, headers=client_side.to_header())  # no body=
    with pytest.raises(oauth.BodyHashMismatch, match=r"body was not given.*body=") as refused:
        server().verify_request(received, CONSUMER, TOKEN)
    assert refused.value.status == 401
    with_body = oauth.Request.from_request("POST", URL, headers=client_side.to_header(), body=b'{"a": 1}')
    assert server().verify_request(with_body, CONSUMER, TOKEN) == {}


def test_a_body_hash_of_the_empty_body_verifies_without_the_body() -> None:
    """Some clients send the hash of the empty body on a GET; a framework hands no body for it."""
    params = {"oauth_nonce": "n0nce", "oauth_timestamp": str(NOW)}
    client_side = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", URL, params)
    client_side.sign_request(HMAC_SHA1, CONSUMER, TOKEN, body_hash=True)
    received = oauth.Request.from_request("GET", URL, headers=client_side.to_header())
    assert server().verify_request(received, CONSUMER, TOKEN) == {}


def test_a_body_hash_that_does_not_match_a_given_body_says_so() -> None:
    client_side = hand_signed(b'{"a": 1}', {}, is_form_encoded=False)
    received = oauth.Request.from_request("POST", URL, headers=client_side.to_header(), body=b'{"a": 2}')
    with pytest.raises(oauth.BodyHashMismatch, match="does not match the request body"):
        server().verify_request(received, CONSUMER, TOKEN)


# --------------------------------------------------------------- 9. a failing nonce store


@pytest.fixture
def stopped_redis(tmp_path: Path) -> Iterator[str]:
    """The URL of a real redis-server that was running and has stopped (Redis down)."""
    with running_redis_server(tmp_path) as running:
        url = running.url
        assert redis.Redis.from_url(url).ping()
    yield url


def test_a_redis_store_that_is_down_is_service_unavailable(stopped_redis: str) -> None:
    store = oauth.RedisNonceStore(url=stopped_redis.replace("redis://", "redis://:pa55word@"))
    verifier = server(nonce_store=store)
    with pytest.raises(oauth.ServiceUnavailable, match=r"nonce store failed \(ConnectionError\)") as refused:
        verifier.verify_request(hand_signed(b"a=1", {}), CONSUMER, TOKEN)
    assert refused.value.status == 503
    assert isinstance(refused.value.__cause__, redis.exceptions.ConnectionError)
    assert "pa55word" not in str(refused.value) and "127.0.0.1" not in str(refused.value)


def test_a_redis_store_that_is_up_still_refuses_replays(redis_server: Any) -> None:
    verifier = server(nonce_store=oauth.RedisNonceStore(url=redis_server.url, prefix=f"drop-in:{os.getpid()}:"))
    request = hand_signed(b"a=1", {})
    assert verifier.verify_request(request, CONSUMER, TOKEN) == {"a": "1"}
    with pytest.raises(oauth.NonceUsed):
        verifier.verify_request(request, CONSUMER, TOKEN)


class FailingStore(oauth.NonceStore):
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        raise self.error


@pytest.mark.parametrize("error", [TimeoutError("timed out"), OSError("network down"), KeyError("x")])
def test_any_store_failure_is_service_unavailable_with_its_cause(error: BaseException) -> None:
    with pytest.raises(oauth.ServiceUnavailable) as refused:
        server(nonce_store=FailingStore(error)).verify_request(hand_signed(b"a=1", {}), CONSUMER, TOKEN)
    assert refused.value.__cause__ is error


def test_a_store_raising_an_oauth_error_passes_it_on() -> None:
    own = oauth.ServiceUnavailable("full")
    with pytest.raises(oauth.ServiceUnavailable) as refused:
        server(nonce_store=FailingStore(own)).verify_request(hand_signed(b"a=1", {}), CONSUMER, TOKEN)
    assert refused.value is own


def test_readme_error_list_names_service_unavailable() -> None:
    providers = section_text("Verifying requests (providers)")
    assert "ServiceUnavailable" in providers and "503" in providers


# --------------------------------------------------------------- 10. the non-oauth parameters verify returns


@pytest.mark.parametrize("url", ["http://e/r?a=b", "http://e/r?a=b&a=c&d="])
def test_verify_returns_the_query_parameters_however_the_request_was_built(url: str) -> None:
    built = signed("GET", url, {"x": "y"}, nonce="n0nce")
    rebuilt = oauth.Request.from_request("GET", url, headers=built.to_header(), parameters={"x": "y"})
    from_client = server().verify_request(built, CONSUMER, TOKEN)
    assert from_client == server().verify_request(rebuilt, CONSUMER, TOKEN)
    assert from_client["a"] == (["b", "c"] if "a=c" in url else "b") and from_client["x"] == "y"


@pytest.mark.parametrize("auth_name", ["Authorization", "authorization", "HTTP_AUTHORIZATION", "http_authorization"])
@pytest.mark.parametrize("type_name", ["Content-Type", "content-type", "CONTENT_TYPE", "HTTP_CONTENT_TYPE",
                                       "Content_Type"])
def test_from_request_finds_its_two_headers_among_many_in_any_form(auth_name: str, type_name: str) -> None:
    """A framework hands over twenty headers or more; only two are read, whatever the form of their names."""
    request = hand_signed(b"status=hi", {})
    headers = {**{f"X-Header-{i}": "v" for i in range(20)}, "X-Request-Id": "abc", "Content-Length": "9",
               auth_name: request.to_header()["Authorization"], type_name: FORM}
    received = oauth.Request.from_request("POST", URL, headers=headers, body=b"status=hi")
    assert received.is_form_encoded and received["status"] == "hi"
    assert server().verify_request(received, CONSUMER, TOKEN) == {"status": "hi"}


class Scope(str, enum.Enum):
    READ = "read"


def test_a_str_enum_value_is_its_text_wherever_it_goes() -> None:
    """A str subclass is stored as its text: its name (``Scope.READ``) never reaches a signature or a URL."""
    request = signed("GET", "http://e/r", {"x y": Scope.READ, "scope": Scope.READ})
    assert type(request["x y"]) is str and request["scope"] == "read"
    assert "x%20y=read" in oauth.explain(request).normalized_parameters
    assert "scope=read" in request.to_url() and "Scope" not in request.to_url() + request.to_postdata()
    received = oauth.Request.from_request("GET", request.to_url())
    assert server().verify_request(received, CONSUMER, TOKEN) == {"x y": "read", "scope": "read"}


class Level(int, enum.Enum):
    ONE = 1


def test_an_int_enum_value_is_its_digits() -> None:
    request = signed("GET", "http://e/r", {"level": Level.ONE})
    assert "level=1" in request.to_url() and "level=1" in oauth.explain(request).normalized_parameters
    assert oauth.escape(Level.ONE) == "1"


class Stamped(oauth.Request):
    """A 1.9-style subclass that stores a parameter before calling Request.__init__."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self["count"] = 5
        super().__init__(*args, **kwargs)


def test_a_subclass_storing_parameters_before_init_is_still_checked_value_by_value() -> None:
    request = Stamped("GET", "http://e/r", {"oauth_nonce": "n"})
    expected = oauth.explain(oauth.Request("GET", "http://e/r", {"oauth_nonce": "n", "count": "5"})).base_string
    assert oauth.explain(request).base_string == expected
    again = oauth.Request("GET", "http://e/r", {"count": 5})
    again.__init__("GET", "http://e/r", {"oauth_nonce": "n"})  # type: ignore[misc]
    assert oauth.explain(again).base_string == expected


def test_a_request_restored_without_init_checks_every_value() -> None:
    """As pickle protocols 0 and 1 restore a dict subclass: dict.__init__ with the items, then the
    attributes, here of a Request pickled before it kept track of its values being text."""
    expected = oauth.Request("GET", "http://e/r", {"a": ["2", "1"], "count": 5})
    restored = oauth.Request.__new__(oauth.Request)
    dict.__init__(restored, expected)
    restored.__dict__.update(vars(expected))
    assert oauth.explain(restored) == oauth.explain(expected)
    assert pickle.loads(pickle.dumps(expected, protocol=0)).to_header() == expected.to_header()


def test_verify_returns_what_get_nonoauth_parameters_gives_whatever_the_values() -> None:
    """A list, an int and a str subclass; oauth_callback is left out as an OAuth parameter."""
    class Text(str):
        pass

    request = signed("GET", "http://e/r", {"a": ["2", "1"], "count": 5, "t": Text("x"), "oauth_callback": "oob"})
    assert request.get_nonoauth_parameters() == {"a": ["2", "1"], "count": 5, "t": "x"}
    assert server().verify_request(request, CONSUMER, TOKEN) == request.get_nonoauth_parameters()


# --------------------------------------------------------------- 12. README's install lines


def test_readme_does_not_tell_users_to_pip_install_oauth2_from_the_index() -> None:
    """``pip install oauth2`` installs python-oauth2 1.9 from the index, not this package."""
    text = README_TEXT
    assert not re.search(r"pip install\s+(-\S+\s+)*['\"]?oauth2(\[[a-z,]+\])?['\"]?(\s|$)", text)
    assert "pip install ." in text or "pip install '.[" in text


def test_from_request_without_a_body_still_has_an_empty_body_as_1_9() -> None:
    assert oauth.Request.from_request("GET", URL).body == b""
