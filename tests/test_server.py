"""The provider side: Server.verify_request and Request.from_wsgi behind a real WSGI server (issue 4).

Requests are signed for real, by our own client side or by oauthlib, and
verified the way a provider receives them: rebuilt from the wire with
``Request.from_request`` or, over HTTP on 127.0.0.1, with ``Request.from_wsgi``.
The nonce stores are in test_nonce_stores.py.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Optional, Union
from urllib.parse import urlencode, urlsplit, urlunsplit

import at_now
import pytest
from at_now import Clock, frozen_clock, make_server, over_the_wire
from loopback import Reply, send, send_raw, serving
from oauthlib.oauth1 import (
    SIGNATURE_HMAC_SHA1,
    SIGNATURE_HMAC_SHA256,
    SIGNATURE_PLAINTEXT,
    SIGNATURE_TYPE_AUTH_HEADER,
    SIGNATURE_TYPE_BODY,
    SIGNATURE_TYPE_QUERY,
)
from oauthlib.oauth1 import Client as OAuthlibClient
from oauthlib_oracle import oauthlib_client

import oauth2 as oauth

#: The server's clock in most tests; requests are timestamped against it.
NOW = 1_700_000_000
REALM = "provider-tests"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
API = "https://api.example.com/v1/items"

# Secrets with characters that percent-encoding changes, so that a leak is
# caught in either form.
CONSUMER_SECRET = "cönsumer-s3cret&/="
TOKEN_SECRET = "tøken-s3cret+?"
CONSUMER = oauth.Consumer("consumer-key", CONSUMER_SECRET)
TOKEN = oauth.Token("token-key", TOKEN_SECRET)
OTHER_CONSUMER = oauth.Consumer("other-consumer", "other-consumer-secret")
OTHER_TOKEN = oauth.Token("other-token", "other-token-secret")
SECRETS = [form for s in (CONSUMER_SECRET, TOKEN_SECRET) for form in (s, oauth.escape(s))]

HMAC_SHA1 = oauth.SignatureMethod_HMAC_SHA1()
HMAC_SHA256 = oauth.SignatureMethod_HMAC_SHA256()
HMAC_SHA512 = oauth.SignatureMethod_HMAC_SHA512()
PLAINTEXT = oauth.SignatureMethod_PLAINTEXT()

LTI_PARAMS = [
    ("lti_message_type", "basic-lti-launch-request"),
    ("lti_version", "LTI-1p0"),
    ("resource_link_id", "429785226"),
    ("resource_link_title", "Week 3: Ünïcode & friends"),
    ("user_id", "292832126"),
    ("roles", "Instructor,urn:lti:role:ims/lis/TeachingAssistant"),
    ("lis_person_name_full", "Zoë Ångström"),
    ("context_id", "c0ffee"),
    ("context_title", "Café = 1 + 1 & more"),
    ("launch_presentation_locale", "fr-FR"),
    ("custom_greeting", "Grüß Gott — 你好 👋"),
    ("custom_unit", "a/b?c=d"),
]


def sign(
    method: str = "GET",
    url: str = API + "?colour=blue&size=10&size=12",
    *,
    consumer: oauth.Consumer = CONSUMER,
    token: Optional[oauth.Token] = TOKEN,
    signature_method: oauth.SignatureMethod = HMAC_SHA1,
    params: Optional[Mapping[str, Any]] = None,
    form: Optional[list[tuple[str, str]]] = None,
    body: bytes = b"",
    body_hash: Optional[bool] = None,
    timestamp: int = NOW,
) -> oauth.Request:
    """A request signed by our client side, timestamped ``timestamp``.

    ``params`` override the protocol parameters (None removes one); ``form``
    becomes a form-encoded body whose fields are signed.
    """
    parameters: dict[str, Any] = {"oauth_timestamp": str(timestamp), **(params or {})}
    if form is not None:
        body = urlencode(form).encode("ascii")
        for name, value in form:
            parameters.setdefault(name, []).append(value)
    request = oauth.Request.from_consumer_and_token(
        consumer, token, method, url, parameters, body=body, is_form_encoded=form is not None
    )
    request.sign_request(signature_method, consumer, token, body_hash=body_hash)
    return request


def assert_secret_free(text: str) -> None:
    """Neither secret, raw or percent-encoded, appears in ``text``."""
    for secret in SECRETS:
        assert secret not in text


# ------------------------------------------------------------ errors, one per case


@dataclass(frozen=True)
class Refusal:
    """A real request the provider must refuse, and how."""

    error: type[oauth.Error]
    status: int
    problem: Optional[str]
    attempt: Callable[[], object]


def refused(
    request: oauth.Request,
    error: type[oauth.Error],
    status: int,
    problem: Optional[str],
    *,
    server: Optional[oauth.Server] = None,
    consumer: oauth.Consumer = CONSUMER,
    token: Optional[oauth.Token] = TOKEN,
) -> Refusal:
    """A Refusal that verifies ``request`` with ``server`` against ``consumer`` and ``token``."""
    verifier = server or make_server()
    return Refusal(error, status, problem, lambda: verifier.verify_request(request, consumer, token))


def without(request: oauth.Request, name: str) -> oauth.Request:
    """``request`` after signing, with the parameter ``name`` dropped."""
    del request[name]
    return request


def used_nonce() -> Refusal:
    """A request verified once, sent again."""
    server = make_server()
    request = sign()
    server.verify_request(over_the_wire(request), CONSUMER, TOKEN)
    return refused(over_the_wire(request), oauth.NonceUsed, 401, "nonce_used", server=server)


def full_nonce_store() -> Refusal:
    """A new request when the store holds as many unexpired nonces as it may."""
    server = make_server(nonce_store=oauth.MemoryNonceStore(max_entries=1, clock=frozen_clock))
    server.verify_request(over_the_wire(sign()), CONSUMER, TOKEN)
    return refused(over_the_wire(sign()), oauth.ServiceUnavailable, 503, None, server=server)


class LostStore(oauth.NonceStore):
    """A store that reports the loss of its records at NOW, as the Redis stores do (the real ones: below)."""

    def add(self, consumer_key: str, token: Optional[str], timestamp: int, nonce: str, ttl: int) -> bool:
        raise oauth.NonceStoreLost("lost", lost_at=NOW, added=True)


def lost_nonce_store() -> Refusal:
    """A request timestamped when the store lost its records: it could be a replay."""
    return refused(over_the_wire(sign()), oauth.NonceStoreLost, 503, None, server=make_server(nonce_store=LostStore()))


def body_hash_on_form() -> Refusal:
    """A form POST signed with an ``oauth_body_hash``, which the extension forbids there."""
    form = [("title", "Café")]
    request = sign("POST", API, form=form, params={"oauth_body_hash": HMAC_SHA1.body_hash(urlencode(form))})
    return refused(over_the_wire(request), oauth.InvalidRequest, 400, "parameter_rejected")


def duplicated_protocol_parameter() -> Refusal:
    """``oauth_nonce`` in the Authorization header and in the query: refused as it is parsed."""
    request = sign()
    wire_url = f"{request.url}&oauth_nonce={request['oauth_nonce']}"
    return Refusal(oauth.InvalidRequest, 400, "parameter_rejected", lambda: over_the_wire(request, url=wire_url))


REFUSALS: dict[str, Callable[[], Refusal]] = {
    "no signature": lambda: refused(
        over_the_wire(without(sign(), "oauth_signature")), oauth.MissingSignature, 400, "parameter_absent"
    ),
    "no consumer key": lambda: refused(
        over_the_wire(without(sign(), "oauth_consumer_key")), oauth.MissingParameter, 400, "parameter_absent"
    ),
    "no signature method": lambda: refused(
        over_the_wire(without(sign(), "oauth_signature_method")), oauth.MissingParameter, 400, "parameter_absent"
    ),
    "no timestamp (HMAC)": lambda: refused(
        over_the_wire(sign(params={"oauth_timestamp": None})), oauth.MissingParameter, 400, "parameter_absent"
    ),
    "no nonce (HMAC)": lambda: refused(
        over_the_wire(sign(params={"oauth_nonce": None})), oauth.MissingParameter, 400, "parameter_absent"
    ),
    "no timestamp (PLAINTEXT over http)": lambda: refused(
        over_the_wire(
            sign(url="http://api.example.com/", signature_method=PLAINTEXT, params={"oauth_timestamp": None})
        ),
        oauth.UnsupportedSignatureMethod, 400, "signature_method_rejected",
    ),
    "version 2.0": lambda: refused(
        over_the_wire(sign(params={"oauth_version": "2.0"})), oauth.VersionRejected, 400, "version_rejected"
    ),
    "method not in the allow-list": lambda: refused(
        over_the_wire(sign(signature_method=HMAC_SHA512)),
        oauth.UnsupportedSignatureMethod, 400, "signature_method_rejected",
    ),
    "PLAINTEXT over http": lambda: refused(
        over_the_wire(sign(url="http://api.example.com/x", signature_method=PLAINTEXT)),
        oauth.UnsupportedSignatureMethod, 400, "signature_method_rejected",
    ),
    "another consumer": lambda: refused(
        over_the_wire(sign(consumer=OTHER_CONSUMER)), oauth.ConsumerKeyRejected, 401, "consumer_key_rejected"
    ),
    "another token": lambda: refused(
        over_the_wire(sign(token=OTHER_TOKEN)), oauth.TokenRejected, 401, "token_rejected"
    ),
    "two-legged request for a token": lambda: refused(
        over_the_wire(sign(token=None)), oauth.TokenRejected, 401, "token_rejected"
    ),
    "timestamp too old": lambda: refused(
        over_the_wire(sign(timestamp=NOW - 301)), oauth.TimestampRefused, 401, "timestamp_refused"
    ),
    "timestamp in the future": lambda: refused(
        over_the_wire(sign(timestamp=NOW + 301)), oauth.TimestampRefused, 401, "timestamp_refused"
    ),
    "timestamp not a number": lambda: refused(
        over_the_wire(sign(params={"oauth_timestamp": "17e8"})), oauth.InvalidRequest, 400, "parameter_rejected"
    ),
    "nonce used": used_nonce,
    "wrong consumer secret": lambda: refused(
        over_the_wire(sign(consumer=oauth.Consumer(CONSUMER.key, "guess"))),
        oauth.InvalidSignature, 401, "signature_invalid",
    ),
    "PLAINTEXT with the wrong token secret": lambda: refused(
        over_the_wire(sign(url="https://api.example.com/", signature_method=PLAINTEXT,
                           token=oauth.Token(TOKEN.key, "guess"))),
        oauth.InvalidSignature, 401, "signature_invalid",
    ),
    "JSON body swapped": lambda: refused(
        over_the_wire(sign("PUT", API + "/7", body=b'{"price": 10}'), body=b'{"price": 0}', content_type=JSON),
        oauth.BodyHashMismatch, 401, "signature_invalid",
    ),
    "body hash on a form": body_hash_on_form,
    "required body hash missing": lambda: refused(
        over_the_wire(sign("POST", API, body=b'{"price": 10}', body_hash=False), content_type=JSON),
        oauth.MissingParameter, 400, "parameter_absent", server=make_server(require_body_hash=True),
    ),
    "protocol parameter in header and query": duplicated_protocol_parameter,
    "nonce store full": full_nonce_store,
    "nonce store lost": lost_nonce_store,
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_has_its_status_problem_and_header_and_no_secret(case: str) -> None:
    refusal = REFUSALS[case]()
    with pytest.raises(oauth.Error) as caught:
        refusal.attempt()
    error = caught.value
    assert type(error) is refusal.error
    assert error.status == refusal.status
    assert error.oauth_problem == refusal.problem
    problem = f', oauth_problem="{refusal.problem}"' if refusal.problem else ""
    assert error.authenticate_header("r") == {"WWW-Authenticate": f'OAuth realm="r"{problem}'}
    assert error.message == str(error)
    assert str(error)
    for text in (str(error), repr(error), str(getattr(error, "base_string", ""))):
        assert_secret_free(text)


def test_every_error_class_is_exercised() -> None:
    raised = {REFUSALS[case]().error for case in REFUSALS}
    hierarchy = {cls for name, cls in vars(oauth).items()
                 if isinstance(cls, type) and issubclass(cls, oauth.Error) and not name.startswith("_")}
    # ProviderError and CallbackNotConfirmed are the client's, about a provider's answer.
    assert hierarchy - raised == {oauth.Error, oauth.ProviderError, oauth.CallbackNotConfirmed}


@pytest.mark.parametrize("missing", ["oauth_consumer_key", "oauth_signature_method", "oauth_timestamp", "oauth_nonce"])
def test_missing_parameter_names_the_parameter(missing: str) -> None:
    request = over_the_wire(without(sign(), missing))
    with pytest.raises(oauth.MissingParameter) as caught:
        make_server().verify_request(request, CONSUMER, TOKEN)
    assert caught.value.parameter == missing
    assert missing in str(caught.value)


def test_missing_signature_is_a_missing_parameter() -> None:
    with pytest.raises(oauth.MissingParameter) as caught:
        make_server().verify_request(over_the_wire(without(sign(), "oauth_signature")), CONSUMER, TOKEN)
    assert isinstance(caught.value, oauth.MissingSignature)
    assert caught.value.parameter == "oauth_signature"


@pytest.mark.parametrize("token", [TOKEN, None], ids=["three-legged", "two-legged"])
def test_plaintext_over_https_needs_no_timestamp_or_nonce_when_allowed(token: Optional[oauth.Token]) -> None:
    request = sign(
        url="https://api.example.com/?a=1", token=token, signature_method=PLAINTEXT,
        params={"oauth_timestamp": None, "oauth_nonce": None},
    )
    server = make_server(allow_plaintext_without_nonce=True)
    assert server.verify_request(over_the_wire(request), CONSUMER, token) == {"a": "1"}


def test_plaintext_with_a_timestamp_but_no_nonce_is_refused_not_crashed() -> None:
    # With a timestamp the server checks for replays, which takes the nonce.
    request = sign(url="https://api.example.com/", signature_method=PLAINTEXT, params={"oauth_nonce": None})
    with pytest.raises(oauth.MissingParameter) as caught:
        make_server().verify_request(over_the_wire(request), CONSUMER, TOKEN)
    assert caught.value.parameter == "oauth_nonce"


def test_plaintext_over_http_when_allowed() -> None:
    server = make_server(allow_plaintext_over_http=True)
    request = sign(url="http://api.example.com/x?a=1", signature_method=PLAINTEXT)
    assert server.verify_request(over_the_wire(request), CONSUMER, TOKEN) == {"a": "1"}
    # With a timestamp and nonce, PLAINTEXT is protected from replays too.
    with pytest.raises(oauth.NonceUsed):
        server.verify_request(over_the_wire(request), CONSUMER, TOKEN)


def test_a_method_added_to_the_allow_list_is_accepted() -> None:
    server = make_server()
    request = sign(signature_method=HMAC_SHA512)
    with pytest.raises(oauth.UnsupportedSignatureMethod):
        server.verify_request(over_the_wire(request), CONSUMER, TOKEN)
    assert "HMAC-SHA512" in server.add_signature_method(HMAC_SHA512)
    assert server.verify_request(over_the_wire(request), CONSUMER, TOKEN) == {"colour": "blue", "size": ["10", "12"]}


def test_a_dict_of_methods_as_in_1_9() -> None:
    server = oauth.Server({HMAC_SHA256.name: HMAC_SHA256}, clock=frozen_clock)
    assert server.verify_request(over_the_wire(sign(signature_method=HMAC_SHA256)), CONSUMER, TOKEN)
    with pytest.raises(oauth.UnsupportedSignatureMethod):
        server.verify_request(over_the_wire(sign()), CONSUMER, TOKEN)


def test_version_is_optional() -> None:
    request = over_the_wire(sign(params={"oauth_version": None}))
    assert "oauth_version" not in request
    assert make_server().verify_request(request, CONSUMER, TOKEN) == {"colour": "blue", "size": ["10", "12"]}


@pytest.mark.parametrize(
    ("options", "accepted", "refused_at"),
    [
        ({}, [NOW - 300, NOW + 300], [NOW - 301, NOW + 301]),
        ({"timestamp_threshold": 60}, [NOW - 60, NOW + 60], [NOW - 61, NOW + 61]),
        ({"timestamp_threshold": 60, "future_threshold": 10}, [NOW - 60, NOW + 10], [NOW - 61, NOW + 11]),
        ({"future_threshold": 0}, [NOW - 300, NOW], [NOW - 301, NOW + 1]),
    ],
    ids=["defaults", "past-only-set", "both-set", "no-future"],
)
def test_timestamp_window(options: dict[str, int], accepted: list[int], refused_at: list[int]) -> None:
    server = make_server(**options)
    for timestamp in accepted:
        assert server.verify_request(over_the_wire(sign(timestamp=timestamp)), CONSUMER, TOKEN)
    for timestamp in refused_at:
        with pytest.raises(oauth.TimestampRefused) as caught:
            server.verify_request(over_the_wire(sign(timestamp=timestamp)), CONSUMER, TOKEN)
        assert str(timestamp) in str(caught.value)


def test_the_injected_clock_decides_the_window() -> None:
    clock = Clock()
    server = make_server(clock=clock)
    request = sign()
    clock.now = NOW + 301
    with pytest.raises(oauth.TimestampRefused):
        server.verify_request(over_the_wire(request), CONSUMER, TOKEN)
    clock.now = NOW - 301
    with pytest.raises(oauth.TimestampRefused):
        server.verify_request(over_the_wire(request), CONSUMER, TOKEN)
    clock.now = NOW + 300
    assert server.verify_request(over_the_wire(request), CONSUMER, TOKEN)


def test_refused_requests_do_not_use_up_their_nonce() -> None:
    server = make_server()
    genuine = sign()
    nonce = genuine["oauth_nonce"]
    attempts: list[tuple[oauth.Request, type[oauth.Error]]] = [
        (over_the_wire(genuine, url=API + "?colour=red&size=10&size=12"), oauth.InvalidSignature),
        (over_the_wire(sign(params={"oauth_nonce": nonce}, timestamp=NOW - 301)), oauth.TimestampRefused),
        (over_the_wire(sign(params={"oauth_nonce": nonce}, signature_method=HMAC_SHA512)),
         oauth.UnsupportedSignatureMethod),
    ]
    for request, error in attempts:
        assert request["oauth_nonce"] == nonce
        with pytest.raises(error):
            server.verify_request(request, CONSUMER, TOKEN)
    assert server.verify_request(over_the_wire(genuine), CONSUMER, TOKEN)
    with pytest.raises(oauth.NonceUsed):
        server.verify_request(over_the_wire(genuine), CONSUMER, TOKEN)


def test_a_nonce_is_per_consumer_and_token() -> None:
    server = make_server()
    params = {"oauth_nonce": "shared-nonce"}
    for consumer, token in [(CONSUMER, TOKEN), (CONSUMER, None), (OTHER_CONSUMER, TOKEN), (CONSUMER, OTHER_TOKEN)]:
        request = over_the_wire(sign(consumer=consumer, token=token, params=params))
        assert server.verify_request(request, consumer, token)


def test_invalid_signature_carries_the_servers_base_string_outside_the_message() -> None:
    request = over_the_wire(sign(), url=API + "?colour=red&size=10&size=12")
    with pytest.raises(oauth.InvalidSignature) as caught:
        make_server().verify_request(request, CONSUMER, TOKEN)
    error = caught.value
    assert error.base_string == oauth.explain(request).base_string
    assert "colour%3Dred" in error.base_string
    assert error.base_string not in str(error)
    assert error.base_string not in repr(error)


@pytest.fixture
def compare_digest_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bytes]]:
    """The arguments of every ``hmac.compare_digest`` call oauth2 makes during the test, as bytes
    (ASCII text is compared as it is)."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Union[str, bytes], b: Union[str, bytes]) -> bool:
        calls.append((a.encode("ascii") if isinstance(a, str) else a, b.encode("ascii") if isinstance(b, str) else b))
        return real(a, b)

    monkeypatch.setattr(oauth.hmac, "compare_digest", spy)
    return calls


def test_signatures_are_compared_in_constant_time(compare_digest_calls: list[tuple[bytes, bytes]]) -> None:
    calls = compare_digest_calls
    request = sign()
    signature = request["oauth_signature"].encode("ascii")
    make_server().verify_request(over_the_wire(request), CONSUMER, TOKEN)
    assert (signature, signature) in calls

    calls.clear()
    forged = sign(consumer=oauth.Consumer(CONSUMER.key, "guess"))
    with pytest.raises(oauth.InvalidSignature):
        make_server().verify_request(over_the_wire(forged), CONSUMER, TOKEN)
    assert [b for _, b in calls] == [forged["oauth_signature"].encode("ascii")]


def test_body_hash_is_compared_in_constant_time(compare_digest_calls: list[tuple[bytes, bytes]]) -> None:
    request = sign("PUT", API + "/7", body=b'{"price": 10}')
    with pytest.raises(oauth.BodyHashMismatch):
        make_server().verify_request(over_the_wire(request, body=b'{"price": 0}', content_type=JSON), CONSUMER, TOKEN)
    assert request["oauth_body_hash"].encode("ascii") in [b for _, b in compare_digest_calls]


@pytest.mark.parametrize("token", [TOKEN, None], ids=["three-legged", "two-legged"])
@pytest.mark.parametrize(
    ("signature_method", "url"),
    [(HMAC_SHA1, API), (HMAC_SHA256, API), (PLAINTEXT, "https://api.example.com:8443/v1/items")],
    ids=["HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"],
)
def test_our_signed_requests_verify(
    signature_method: oauth.SignatureMethod, url: str, token: Optional[oauth.Token]
) -> None:
    server = make_server()
    query = over_the_wire(sign(url=url + "?q=caf%C3%A9&q=tea", token=token, signature_method=signature_method))
    assert server.verify_request(query, CONSUMER, token) == {"q": ["café", "tea"]}
    form = over_the_wire(sign("POST", url, form=[("a", "1 + 1"), ("b", "ß")], token=token,
                              signature_method=signature_method))
    assert server.verify_request(form, CONSUMER, token) == {"a": "1 + 1", "b": "ß"}
    json_put = over_the_wire(sign("PUT", url, body=b'{"a": 1}', token=token, signature_method=signature_method),
                             content_type=JSON)
    assert "oauth_body_hash" in json_put
    assert server.verify_request(json_put, CONSUMER, token) == {}


# ------------------------------------------------------------------------ oauthlib


@dataclass(frozen=True)
class Wire:
    """A request as signed by oauthlib: what goes on the wire."""

    method: str
    uri: str
    headers: dict[str, str]
    body: Optional[str]

    def received(self) -> oauth.Request:
        """The request as the provider rebuilds it."""
        return oauth.Request.from_request(self.method, self.uri, headers=self.headers, body=self.body)


@dataclass(frozen=True)
class Call:
    """An API call to sign, and the non-OAuth parameters the provider must find."""

    method: str
    url: str
    body: Optional[str]
    headers: dict[str, str]
    expected: dict[str, Any]
    types: tuple[str, ...] = (SIGNATURE_TYPE_AUTH_HEADER, SIGNATURE_TYPE_QUERY)

    def signed_by(self, client: OAuthlibClient) -> Wire:
        """This call signed by ``client``."""
        uri, headers, body = client.sign(self.url, self.method, body=self.body, headers=dict(self.headers))
        return Wire(self.method, uri, dict(headers), body)


CALLS = {
    "GET with repeated and blank query parameters": Call(
        "GET", API + "?b=2&a=1&a=3&empty=&sp=a%20b", None, {},
        {"b": "2", "a": ["1", "3"], "empty": "", "sp": "a b"},
    ),
    "form POST": Call(
        # oauthlib keeps repeated fields only when the form comes encoded.
        "POST", API + "?via=form", urlencode([("title", "Café crème"), ("tag", "x"), ("tag", "y&z")]),
        {"Content-Type": FORM},
        {"via": "form", "title": "Café crème", "tag": ["x", "y&z"]},
        types=(SIGNATURE_TYPE_AUTH_HEADER, SIGNATURE_TYPE_QUERY, SIGNATURE_TYPE_BODY),
    ),
    "JSON PUT with body hash": Call(
        "PUT", API + "/7?expand=owner", '{"name": "Zoë", "price": 10}', {"Content-Type": JSON}, {"expand": "owner"},
    ),
    "JSON POST without Content-Type (no body hash)": Call(
        "POST", API, '{"name": "Zoë"}', {}, {}, types=(SIGNATURE_TYPE_AUTH_HEADER,),
    ),
}

OAUTHLIB_CASES = [
    pytest.param(name, signature_type, id=f"{name}-{signature_type}")
    for name, call in CALLS.items()
    for signature_type in call.types
]


@pytest.mark.parametrize("token", [TOKEN, None], ids=["three-legged", "two-legged"])
@pytest.mark.parametrize(("call_name", "signature_type"), OAUTHLIB_CASES)
# Every call is to an https URL, where PLAINTEXT is accepted.
@pytest.mark.parametrize("signature_method", [SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, SIGNATURE_PLAINTEXT])
def test_oauthlib_signed_requests_verify(
    call_name: str, signature_type: str, signature_method: str, token: Optional[oauth.Token]
) -> None:
    call = CALLS[call_name]
    client = oauthlib_client(CONSUMER, token, signature_type=signature_type, signature_method=signature_method,
                             timestamp=str(NOW))
    wire = call.signed_by(client)
    assert make_server().verify_request(wire.received(), CONSUMER, token) == call.expected


def test_oauthlib_adds_a_body_hash_only_for_a_typed_non_form_body() -> None:
    client = oauthlib_client(CONSUMER, TOKEN, timestamp=str(NOW))
    signed = {name: CALLS[name].signed_by(client).received() for name in CALLS}
    assert {name for name, request in signed.items() if "oauth_body_hash" in request} == {"JSON PUT with body hash"}
    json_put = signed["JSON PUT with body hash"]
    assert json_put["oauth_body_hash"] == HMAC_SHA1.body_hash(CALLS["JSON PUT with body hash"].body)


def test_without_a_body_hash_only_require_body_hash_protects_the_body() -> None:
    wire = CALLS["JSON POST without Content-Type (no body hash)"].signed_by(
        oauthlib_client(CONSUMER, TOKEN, timestamp=str(NOW))
    )
    swapped = Wire(wire.method, wire.uri, {**wire.headers, "Content-Type": JSON}, '{"name": "Mallory"}')
    assert make_server().verify_request(swapped.received(), CONSUMER, TOKEN) == {}
    with pytest.raises(oauth.MissingParameter) as caught:
        make_server(require_body_hash=True).verify_request(swapped.received(), CONSUMER, TOKEN)
    assert caught.value.parameter == "oauth_body_hash"


def replace_url(uri: str, **parts: str) -> str:
    """``uri`` with some of its ``scheme``, ``netloc``, ``path`` or ``query`` replaced."""
    return urlunsplit(urlsplit(uri)._replace(**parts))


TAMPERINGS: dict[str, tuple[str, str, Callable[[Wire], Wire], type[oauth.Error]]] = {
    "query parameter": (
        "GET with repeated and blank query parameters", SIGNATURE_TYPE_AUTH_HEADER,
        lambda w: Wire(w.method, w.uri.replace("b=2", "b=3"), w.headers, w.body), oauth.InvalidSignature,
    ),
    "parameter added": (
        "GET with repeated and blank query parameters", SIGNATURE_TYPE_QUERY,
        lambda w: Wire(w.method, w.uri + "&admin=1", w.headers, w.body), oauth.InvalidSignature,
    ),
    "form field": (
        "form POST", SIGNATURE_TYPE_BODY,
        lambda w: Wire(w.method, w.uri, w.headers, (w.body or "").replace("tag=x", "tag=w")), oauth.InvalidSignature,
    ),
    "JSON body": (
        "JSON PUT with body hash", SIGNATURE_TYPE_AUTH_HEADER,
        lambda w: Wire(w.method, w.uri, w.headers, (w.body or "").replace("10", "0")), oauth.BodyHashMismatch,
    ),
    "JSON body (query placement)": (
        "JSON PUT with body hash", SIGNATURE_TYPE_QUERY,
        lambda w: Wire(w.method, w.uri, w.headers, "{}"), oauth.BodyHashMismatch,
    ),
    "path": (
        "JSON PUT with body hash", SIGNATURE_TYPE_AUTH_HEADER,
        lambda w: Wire(w.method, replace_url(w.uri, path="/v1/items/8"), w.headers, w.body), oauth.InvalidSignature,
    ),
    "host": (
        "form POST", SIGNATURE_TYPE_BODY,
        lambda w: Wire(w.method, replace_url(w.uri, netloc="evil.example.com"), w.headers, w.body),
        oauth.InvalidSignature,
    ),
    "scheme": (
        "GET with repeated and blank query parameters", SIGNATURE_TYPE_AUTH_HEADER,
        lambda w: Wire(w.method, replace_url(w.uri, scheme="http"), w.headers, w.body), oauth.InvalidSignature,
    ),
    "method": (
        "JSON PUT with body hash", SIGNATURE_TYPE_AUTH_HEADER,
        lambda w: Wire("POST", w.uri, w.headers, w.body), oauth.InvalidSignature,
    ),
    "form becomes JSON": (
        "form POST", SIGNATURE_TYPE_AUTH_HEADER,
        lambda w: Wire(w.method, w.uri, {**w.headers, "Content-Type": JSON}, w.body), oauth.InvalidSignature,
    ),
}


@pytest.mark.parametrize("token", [TOKEN, None], ids=["three-legged", "two-legged"])
@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_oauthlib_signed_requests_tampered_with_are_refused(tampering: str, token: Optional[oauth.Token]) -> None:
    call_name, signature_type, tamper, error = TAMPERINGS[tampering]
    wire = CALLS[call_name].signed_by(oauthlib_client(CONSUMER, token, signature_type=signature_type,
                                                      timestamp=str(NOW)))
    server = make_server()
    changed = tamper(wire)
    assert changed != wire
    with pytest.raises(oauth.Error) as caught:
        server.verify_request(changed.received(), CONSUMER, token)
    assert type(caught.value) is error
    # The refusal did not use the nonce up: the genuine request still passes.
    assert server.verify_request(wire.received(), CONSUMER, token) == CALLS[call_name].expected


# ---------------------------------------------------------------------- nonce stores


# ------------------------------------------------------------------ WSGI over HTTP


@dataclass
class ProtectedApp:
    """A WSGI app behind oauth2.Server: echoes the verified request, or the error."""

    server: oauth.Server
    trust_forwarded: Union[bool, int] = False
    base_url: Optional[str] = None
    consumers: dict[str, oauth.Consumer] = field(default_factory=lambda: {CONSUMER.key: CONSUMER})
    tokens: dict[str, oauth.Token] = field(default_factory=lambda: {TOKEN.key: TOKEN})

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """Verify the request with the credentials it names, as a provider looks them up."""
        try:
            pinned = {"base_url": self.base_url} if self.base_url is not None else {}
            request = oauth.Request.from_wsgi(environ, trust_forwarded=self.trust_forwarded, **pinned)
            consumer = self.consumers.get(request.get("oauth_consumer_key", ""))
            if consumer is None:
                raise oauth.ConsumerKeyRejected("Unknown consumer key.")
            token = None
            if "oauth_token" in request:
                token = self.tokens.get(request["oauth_token"])
                if token is None:
                    raise oauth.TokenRejected("Unknown token.")
            params = self.server.verify_request(request, consumer, token)
        except oauth.Error as error:
            status = f"{error.status} {HTTPStatus(error.status).phrase}"
            headers = [("Content-Type", "text/plain; charset=utf-8"), *error.authenticate_header(REALM).items()]
            start_response(status, headers)
            return [str(error).encode("utf-8")]
        # As an app would, after from_wsgi has put the body back.
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        echo = {
            "params": params,
            "body": base64.b64encode(body).decode("ascii"),
            "token": token.key if token else None,
            "url": request.url,
        }
        start_response("200 OK", [("Content-Type", JSON)])
        return [json.dumps(echo).encode("utf-8")]


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Start ProtectedApps on 127.0.0.1 (``serve(trust_forwarded=...)`` returns the base URL); all stop at teardown."""
    with ExitStack() as stack:

        def start(
            trust_forwarded: Union[bool, int] = False,
            *,
            base_url: Optional[str] = None,
            methods: tuple[oauth.SignatureMethod, ...] = (HMAC_SHA1, HMAC_SHA256),
        ) -> str:
            app = ProtectedApp(oauth.Server(list(methods)), trust_forwarded, base_url)
            return stack.enter_context(serving(app))

        yield start


def assert_refused(reply: Reply, status: int, problem: str) -> str:
    """``reply`` is the app's refusal with ``status`` and ``problem``; returns its text."""
    assert reply.status == status
    assert reply.headers["WWW-Authenticate"] == f'OAuth realm="{REALM}", oauth_problem="{problem}"'
    text = reply.body.decode("utf-8")
    assert text
    assert_secret_free(text)
    return text


def test_lti_launch_and_its_replay(serve: Callable[..., str]) -> None:
    launch_url = serve() + "/lti/launch"
    client = oauthlib_client(CONSUMER, signature_type=SIGNATURE_TYPE_BODY)
    uri, headers, body = client.sign(launch_url, "POST", body=LTI_PARAMS, headers={"Content-Type": FORM})
    wire_body = body.encode("utf-8")

    reply = send("POST", uri, headers, wire_body)
    assert reply.status == 200, reply.body
    echo = reply.json()
    assert echo["params"] == dict(LTI_PARAMS)
    assert echo["token"] is None
    assert base64.b64decode(echo["body"]) == wire_body

    text = assert_refused(send("POST", uri, headers, wire_body), 401, "nonce_used")
    assert "nonce" in text


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_json_api_call_with_body_hash(serve: Callable[..., str], method: str) -> None:
    url = serve() + "/api/items/7?expand=owner"
    body = json.dumps({"name": "Zoë", "tags": ["a", "b"], "price": 10}, ensure_ascii=False)
    client = oauthlib_client(CONSUMER, TOKEN)
    uri, headers, signed_body = client.sign(url, method, body=body, headers={"Content-Type": JSON})
    assert "oauth_body_hash" in headers["Authorization"]

    reply = send(method, uri, headers, signed_body.encode("utf-8"))
    assert reply.status == 200, reply.body
    echo = reply.json()
    assert echo["params"] == {"expand": "owner"}
    assert echo["token"] == TOKEN.key
    assert base64.b64decode(echo["body"]) == body.encode("utf-8")

    uri, headers, signed_body = client.sign(url, method, body=body, headers={"Content-Type": JSON})
    swapped = signed_body.replace('"price": 10', '"price": 0').encode("utf-8")
    text = assert_refused(send(method, uri, headers, swapped), 401, "signature_invalid")
    with pytest.raises(oauth.BodyHashMismatch) as caught:
        oauth.Server([HMAC_SHA1]).verify_request(
            oauth.Request.from_request(method, uri, headers=headers, body=swapped), CONSUMER, TOKEN
        )
    assert text == str(caught.value)


@pytest.mark.parametrize("token", [TOKEN, None], ids=["three-legged", "two-legged"])
def test_get_signed_with_our_request_in_the_query(serve: Callable[..., str], token: Optional[oauth.Token]) -> None:
    url = serve() + "/api/search?q=caf%C3%A9+au+lait&tag=a&tag=b&empty="
    request = oauth.Request.from_consumer_and_token(CONSUMER, token, "GET", url)
    request.sign_request(HMAC_SHA256, CONSUMER, token)
    signed_url = request.to_url()
    assert "oauth_signature=" in urlsplit(signed_url).query

    reply = send("GET", signed_url)
    assert reply.status == 200, reply.body
    echo = reply.json()
    assert echo["params"] == {"q": "café au lait", "tag": ["a", "b"], "empty": ""}
    assert echo["token"] == (token.key if token else None)

    assert_refused(send("GET", signed_url.replace("tag=b", "tag=c")), 401, "signature_invalid")


@pytest.mark.parametrize(
    "path",
    ["/files/caf%C3%A9%20au%20lait", "/files/a;b=c/(d)", "/files/100%25%20off"],
    ids=["percent-encoded UTF-8 and space", "sub-delims", "encoded percent sign"],
)
def test_percent_encoded_paths_verify(serve: Callable[..., str], path: str) -> None:
    client = oauthlib_client(CONSUMER, TOKEN)
    uri, headers, _ = client.sign(serve() + path + "?x=1", "GET")
    reply = send("GET", uri, headers)
    assert reply.status == 200, reply.body
    assert reply.json()["params"] == {"x": "1"}


def test_unknown_credentials_and_an_unsigned_request_over_http(serve: Callable[..., str]) -> None:
    base = serve()
    for consumer, token, problem in [(OTHER_CONSUMER, None, "consumer_key_rejected"),
                                     (CONSUMER, OTHER_TOKEN, "token_rejected")]:
        request = oauth.Request.from_consumer_and_token(consumer, token, "GET", base + "/api")
        request.sign_request(HMAC_SHA1, consumer, token)
        assert_refused(send("GET", request.to_url()), 401, problem)
    request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", base + "/api")
    assert_refused(send("GET", base + "/api", request.to_header()), 400, "parameter_absent")


@pytest.mark.parametrize("trusted", [True, False], ids=["trust_forwarded", "direct"])
def test_forwarded_scheme_and_host(serve: Callable[..., str], trusted: bool) -> None:
    base = serve(trust_forwarded=trusted)
    public_url = "https://lms.example.com/lti/launch?context=42"
    client = oauthlib_client(CONSUMER)
    _, headers, _ = client.sign(public_url, "GET")
    proxy_headers = {**headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "lms.example.com"}

    reply = send("GET", base + "/lti/launch?context=42", proxy_headers)
    if trusted:
        assert reply.status == 200, reply.body
        assert reply.json()["url"] == public_url
        assert reply.json()["params"] == {"context": "42"}
    else:
        assert_refused(reply, 401, "signature_invalid")


def test_trusted_forwarded_headers_replace_the_direct_url(serve: Callable[..., str]) -> None:
    base = serve(trust_forwarded=True)
    client = oauthlib_client(CONSUMER)
    uri, headers, _ = client.sign(base + "/lti/launch", "GET")
    spoofed = {**headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "lms.example.com"}
    assert_refused(send("GET", uri, spoofed), 401, "signature_invalid")


def test_verify_returns_what_a_subclass_get_nonoauth_parameters_gives() -> None:
    """1.9's Server returned request.get_nonoauth_parameters(): a subclass that overrides it still decides."""
    class Filtered(oauth.Request):
        def get_nonoauth_parameters(self) -> dict[str, Any]:
            return {k: v for k, v in super().get_nonoauth_parameters().items() if k != "internal"}

    signed_request = at_now.signed("GET", "http://e/r", {"a": "1", "internal": "x"})
    received = Filtered.from_request("GET", "http://e/r", headers=signed_request.to_header(),
                                     parameters={"a": "1", "internal": "x"})
    assert at_now.server().verify_request(received, at_now.CONSUMER, at_now.TOKEN) == {"a": "1"}


def test_verify_leaves_the_dict_a_subclass_get_nonoauth_parameters_returns_as_it_was() -> None:
    """The URL's query is added to a copy: a dict the subclass keeps does not grow with each call."""
    class Kept(oauth.Request):
        extras = {"app": "1"}

        def get_nonoauth_parameters(self) -> dict[str, Any]:
            return self.extras

    request = Kept("GET", "http://e/r?q=1", {"oauth_timestamp": str(at_now.NOW), "oauth_nonce": "n"})
    request.sign_request(at_now.HMAC_SHA1, at_now.CONSUMER, at_now.TOKEN)
    for nonce in ("n1", "n2"):
        request["oauth_nonce"] = nonce
        request.sign_request(at_now.HMAC_SHA1, at_now.CONSUMER, at_now.TOKEN)
        assert at_now.server().verify_request(request, at_now.CONSUMER, at_now.TOKEN) == {"app": "1", "q": "1"}
    assert Kept.extras == {"app": "1"}


# ------------------------------------------------------------------ hostile Host and X-Forwarded-* (issue 21)


def send_get(base: str, target: str, headers: Mapping[str, str]) -> Reply:
    """GET ``target`` from the server at ``base`` with exactly ``headers``, Host among them, over a raw socket."""
    lines = [f"GET {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers.items()), "Connection: close"]
    return send_raw(base, "".join(f"{line}\r\n" for line in lines))


@pytest.mark.parametrize(
    ("signed_path", "host_suffix", "target"),
    [("/feed", "/feed#", "/admin/delete_user?id=42"), ("/feed", "/feed?", "/admin/delete_user?id=42"),
     ("/v1/feed", "/v1", "/feed")],
    ids=["fragment", "query", "path prefix"],
)
def test_a_host_header_holding_a_path_cannot_move_a_captured_request(
    serve: Callable[..., str], signed_path: str, host_suffix: str, target: str
) -> None:
    """A captured, unused GET signed for ``signed_path`` replayed to ``target`` with a Host that
    rebuilds the signed URL (``host/feed#/admin/...``) is refused, and stays usable where it was signed."""
    base = serve()
    authority = urlsplit(base).netloc
    _, headers, _ = oauthlib_client(CONSUMER).sign(base + signed_path, "GET")

    reply = send_get(base, target, {"Host": authority + host_suffix, **headers})
    text = assert_refused(reply, 400, "parameter_rejected")
    assert "Host" in text
    assert send_get(base, signed_path, {"Host": authority, **headers}).status == 200


def test_a_pinned_base_url_makes_the_host_header_irrelevant(serve: Callable[..., str]) -> None:
    base = serve(base_url="https://api.example.com/")
    client = oauthlib_client(CONSUMER)
    _, headers, _ = client.sign("https://api.example.com/feed?page=2", "GET")
    forged = {"Host": "evil.example/feed#", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    reply = send_get(base, "/feed?page=2", {**forged, **headers})
    assert reply.status == 200, reply.body
    assert reply.json()["url"] == "https://api.example.com/feed?page=2"
    assert reply.json()["params"] == {"page": "2"}

    # Signed for the address the socket was reached at, which the pinned origin is not.
    uri, headers, _ = client.sign(base + "/feed?page=2", "GET")
    assert_refused(send("GET", uri, headers), 401, "signature_invalid")


@pytest.mark.parametrize(
    ("trusted", "proto", "accepted"),
    [(True, "https, http", False), (True, "https", True), (2, "https, http", True), (2, "https", False)],
    ids=["client-added https refused", "proxy https", "two proxies", "fewer values than proxies: ignored"],
)
def test_plaintext_over_http_cannot_be_smuggled_in_x_forwarded_proto(
    serve: Callable[..., str], trusted: Union[bool, int], proto: str, accepted: bool
) -> None:
    """The nearest ``trusted`` proxies appended the rightmost values: a client's own
    ``X-Forwarded-Proto: https`` stays to their left, and PLAINTEXT over plain http is refused."""
    base = serve(trusted, methods=(HMAC_SHA1, PLAINTEXT))
    request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", base.replace("http:", "https:") + "/feed")
    request.sign_request(PLAINTEXT, CONSUMER, TOKEN)
    reply = send("GET", base + "/feed", {**request.to_header(), "X-Forwarded-Proto": proto})
    if accepted:
        assert reply.status == 200, reply.body
        assert reply.json()["url"].startswith("https://")
    else:
        assert "over https" in assert_refused(reply, 400, "signature_method_rejected")


# ------------------------------------------------------------------ Content-Type and the body (issue 21)


@pytest.mark.parametrize(
    "content_type",
    [[FORM, "text/plain"], (FORM,), f"{FORM}, text/plain", f"text/plain,{FORM}", 'multipart/form-data; boundary="a,b',
     'multipart/form-data; boundary="a\\",b"; x=1, text/plain'],
)
def test_a_repeated_or_comma_joined_content_type_is_refused(content_type: Any) -> None:
    """oauth2 and the application must agree whether the body is a form; a list of types leaves it open."""
    request = sign("POST")
    headers = {**request.to_header(), "Content-Type": content_type}
    with pytest.raises(oauth.InvalidRequest, match="more than one Content-Type"):
        oauth.Request.from_request("POST", request.url, headers=headers, body=b"admin=1")


def test_form_fields_attached_under_a_comma_joined_content_type_are_refused_over_wsgiref(
    serve: Callable[..., str],
) -> None:
    """A captured bodiless POST replayed with form fields that oauth2 would not have read as a form."""
    base = serve()
    uri, headers, _ = oauthlib_client(CONSUMER).sign(base + "/orders", "POST")
    joined = {**headers, "Content-Type": f"{FORM}, text/plain"}
    assert "more than one Content-Type" in assert_refused(send("POST", uri, joined, b"admin=1"), 400,
                                                          "parameter_rejected")
    assert send("POST", uri, headers).status == 200


@pytest.mark.parametrize("content_type", ['multipart/form-data; boundary="a,b"', 'text/plain; x="a\\",b"; y=z'])
def test_a_comma_inside_a_quoted_content_type_parameter_is_fine(content_type: str) -> None:
    request = sign("POST", body_hash=False)
    headers = {**request.to_header(), "Content-Type": content_type}
    received = oauth.Request.from_request("POST", request.url, headers=headers, body=b"")
    assert not received.is_form_encoded
    assert make_server().verify_request(received, CONSUMER, TOKEN) == {"colour": "blue", "size": ["10", "12"]}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_require_body_hash_refuses_a_request_whose_body_was_not_given(method: str) -> None:
    """1.9's from_request call passes no body: the hash cannot be required of a body never seen."""
    request = sign(method)
    headers = {**request.to_header(), "Content-Type": JSON}
    received = oauth.Request.from_request(method, request.url, headers=headers)
    assert make_server().verify_request(received, CONSUMER, TOKEN)
    with pytest.raises(oauth.InvalidRequest, match="body was not given.*body=raw_body"):
        make_server(require_body_hash=True).verify_request(received, CONSUMER, TOKEN)
    given = oauth.Request.from_request(method, request.url, headers=headers, body=b"")
    assert make_server(require_body_hash=True).verify_request(given, CONSUMER, TOKEN)


def test_require_body_hash_without_the_body_still_verifies_get_and_forms() -> None:
    server = make_server(require_body_hash=True)
    get = sign()
    assert server.verify_request(oauth.Request.from_request("GET", get.url, headers=get.to_header()), CONSUMER, TOKEN)
    form = sign("POST", form=[("a", "1")])
    received = oauth.Request.from_request("POST", form.url, headers={**form.to_header(), "Content-Type": FORM},
                                          parameters={"a": "1"})
    assert server.verify_request(received, CONSUMER, TOKEN)["a"] == "1"
