"""Sign and verify: oauth2.sign(), the one signing function under the Client, the CLI, OAuth Echo and XOAUTH;
redirect_hop; verify(), the pure signature check under Server.verify_request, against oauthlib's signatures;
verify_request's checks of hostile input, and that a failed verify is never half-done.

sign()'s wire output is checked against oauthlib on generated requests in
test_oracle.py (test_oauthlib_verifies_the_wire_sign_makes); here, its rules
and its bad input. The Server's policies and errors are in test_server.py.
"""

from __future__ import annotations

import functools
import io
from typing import Any, Callable, Dict, List, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

import at_now
import pytest
from at_now import (
    CONSUMER,
    FORM,
    FUZZ,
    HMAC_SHA1,
    NONCE,
    NOW,
    PLAINTEXT,
    TEXT,
    TOKEN,
    server,
    wire,
)
from hypothesis import given
from hypothesis import strategies as st
from oauthlib_oracle import oauthlib_client

import oauth2 as oauth

# One nonce for every signed request here, so that a test can name it.
signed = functools.partial(at_now.signed, nonce=NONCE)

URL = "http://api.example.com/r?q=1"


def signed_wire(**options: Any) -> oauth.Signed:
    arguments: Dict[str, Any] = {"nonce": "n0nce", "timestamp": NOW, **options}
    method = arguments.pop("method", "POST")
    return oauth.sign(method, arguments.pop("uri", URL), CONSUMER, TOKEN, **arguments)


def verified(wire: oauth.Signed, method: str = "POST") -> Dict[str, Any]:
    """What our Server returns for the request as it arrives."""
    received = oauth.Request.from_request(method, wire.uri, headers=wire.headers,
                                          body=wire.body)
    return server(PLAINTEXT, HMAC_SHA1, allow_plaintext_over_http=True).verify_request(received, CONSUMER, TOKEN)


def test_the_same_inputs_give_the_same_wire_and_leave_the_inputs_alone() -> None:
    headers = {"Content-Type": FORM, "Authorization": "OAuth stale", "X-Trace": "1"}
    first = signed_wire(headers=headers, body=b"a=1")
    assert first[:3] == signed_wire(headers=dict(headers), body=b"a=1")[:3]
    assert headers == {"Content-Type": FORM, "Authorization": "OAuth stale", "X-Trace": "1"}
    assert first.headers["X-Trace"] == "1" and first.headers["Authorization"] != "OAuth stale"
    assert first.body == b"a=1" and first.uri == URL


@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_each_placement_verifies_with_the_form_pairs_signed(placement: str) -> None:
    wire = signed_wire(headers={"Content-Type": FORM, "Content-Length": "3"}, body=b"a=1", placement=placement)
    assert verified(wire) == {"a": "1", "q": "1"}
    assert ("Authorization" in wire.headers) == (placement == "header")
    assert ("oauth_signature" in dict(parse_qsl(urlsplit(wire.uri).query))) == (placement == "query")
    if placement == "body":
        assert "Content-Length" not in wire.headers  # the body grew
        assert isinstance(wire.body, bytes) and wire.body.startswith(b"a=1&oauth_")


def test_a_json_body_is_signed_by_its_hash_and_sent_as_given() -> None:
    body = '{"caf\u00e9": 1}'
    wire = signed_wire(headers={"Content-Type": "application/json"}, body=body)
    assert wire.body is body and "oauth_body_hash" in wire.request
    assert verified(wire) == {"q": "1"}
    unhashed = signed_wire(headers={"Content-Type": "application/json"}, body=body, body_hash=False)
    assert "oauth_body_hash" not in unhashed.request


def test_a_file_body_is_read_once_and_sent_as_its_bytes() -> None:
    wire = signed_wire(headers={"Content-Type": "application/octet-stream"}, body=io.BytesIO(b"\x00\x01"))
    assert wire.body == b"\x00\x01"
    assert verified(wire) == {"q": "1"}


def test_protocol_parameters_and_the_token_verifier_are_signed() -> None:
    token = oauth.Token("tkey", "tsecret")
    token.set_verifier("v3r")
    wire = oauth.sign("POST", URL, CONSUMER, token, parameters={"oauth_callback": "oob"}, nonce="n", timestamp=NOW)
    assert wire.request["oauth_verifier"] == "v3r" and wire.request["oauth_callback"] == "oob"
    assert 'oauth_callback="oob"' in wire.headers["Authorization"]


def test_a_protocol_parameter_the_caller_put_in_the_body_draws_the_others_there() -> None:
    """1.9's way to send oauth_callback: in the form body; RFC 5849 §3.5 wants each parameter in one place."""
    wire = signed_wire(headers={"Content-Type": FORM}, body=b"oauth_callback=oob&a=1")
    assert "Authorization" not in wire.headers
    assert isinstance(wire.body, bytes)
    names = [name for name, _ in parse_qsl(wire.body.decode())]
    assert names.count("oauth_callback") == 1 and "oauth_signature" in names
    assert verified(wire) == {"a": "1", "q": "1"}


def test_a_realm_is_quoted_into_the_header() -> None:
    assert signed_wire(realm='r"x').headers["Authorization"].startswith('OAuth realm="r\\"x", ')


def test_a_bad_placement_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="placement must be one of header, query, body"):
        signed_wire(placement="cookie")


def test_body_placement_needs_a_form_body() -> None:
    with pytest.raises(oauth.Error, match=r"needs a form-encoded body"):
        signed_wire(headers={"Content-Type": "application/json"}, body=b"{}", placement="body")


@pytest.mark.parametrize("consumer", [None, "ckey", object()])
def test_credentials_of_the_wrong_type_are_a_type_error(consumer: Any) -> None:
    with pytest.raises(TypeError, match="consumer must have a key and a secret"):
        oauth.sign("GET", URL, consumer, None)


@pytest.mark.parametrize("token", ["tkey", object()])
def test_a_token_of_the_wrong_type_is_a_type_error(token: Any) -> None:
    with pytest.raises(TypeError, match="token must have a key and a secret"):
        oauth.sign("GET", URL, CONSUMER, token)


@pytest.mark.parametrize("uri", ["ftp://x/", "/relative", "http://[zz]/", "http://h:+80/"])
def test_a_bad_uri_is_invalid_request(uri: str) -> None:
    with pytest.raises(oauth.InvalidRequest):
        signed_wire(uri=uri)


def test_the_shells_sign_through_it() -> None:
    """Echo and XOAUTH give what sign() gives for the same request (nonces aside)."""
    client = oauth.Client(CONSUMER, TOKEN)
    echo = client.echo_headers("https://api.example.com/1.1/account/verify_credentials.json")
    received = oauth.Request.from_request("GET", echo["X-Auth-Service-Provider"],
                                          headers={"Authorization": echo["X-Verify-Credentials-Authorization"]})
    assert oauth.Server([HMAC_SHA1]).verify_request(received, CONSUMER, TOKEN) == {}
    xoauth = oauth.build_xoauth_string("https://mail.example.com/mail/b/u/imap/", CONSUMER, TOKEN)
    method, url, params = xoauth.split(" ", 2)
    rebuilt = oauth.Request.from_request(method, url, headers={"Authorization": "OAuth " + params})
    assert oauth.Server([HMAC_SHA1]).verify_request(rebuilt, CONSUMER, TOKEN) == {}


def test_a_bytearray_body_changed_after_signing_is_signed_as_it_is_now() -> None:
    """Issue 23: the pairs of a form body were kept by the body's identity, so a bytearray changed in
    place after signing was signed again with its old pairs."""
    consumer, token = oauth.Consumer("ck", "cs"), oauth.Token("tk", "ts")
    body = bytearray(b"status=first")
    request = oauth.Request.from_consumer_and_token(consumer, token, "POST", "https://api.example/1/update",
                                                    body=body, is_form_encoded=True)
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, token)
    body[:] = b"status=second"
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, token)
    assert ("status", "second") in oauth.explain(request).parameters
    assert ("status", "first") not in oauth.explain(request).parameters
    headers = {**request.to_header(), "Content-Type": "application/x-www-form-urlencoded"}
    received = oauth.Request.from_request("POST", request.url, headers, body=bytes(body))
    server = oauth.Server([oauth.SignatureMethod_HMAC_SHA1()], timestamp_threshold=10**10)
    assert server.verify_request(received, consumer, token) == {"status": "second"}


# redirect_hop: the redirect rules, once (issue 23). A pure function: no server needed to check its table.
@pytest.mark.parametrize(
    ("status", "method", "sent"),
    [(301, "POST", "GET"), (301, "PUT", "PUT"), (302, "POST", "GET"), (302, "PUT", "GET"), (302, "HEAD", "HEAD"),
     (303, "POST", "GET"), (303, "DELETE", "GET"), (303, "HEAD", "HEAD"), (307, "POST", "POST"), (308, "PUT", "PUT")],
)
def test_redirect_hop_method_and_body(status: int, method: str, sent: str) -> None:
    hop = oauth.redirect_hop("https://api.example/a", "https://api.example/b", status, method, b"a=1")
    assert hop.method == sent
    keeps_body = status in (307, 308)
    assert hop.body == (b"a=1" if keeps_body else None)
    expected = ("authorization",) if keeps_body else ("authorization", "content-type", "content-length")
    assert hop.drop_headers == expected
    assert hop.signed and hop.url == "https://api.example/b"


def test_redirect_hop_without_a_status_follows_the_method_the_library_chose() -> None:
    kept = oauth.redirect_hop("https://e/a", "https://e/b", None, "POST", b"x", hop_method="POST")
    changed = oauth.redirect_hop("https://e/a", "https://e/b", None, "POST", b"x", hop_method="GET")
    assert (kept.method, kept.body) == ("POST", b"x")
    assert (changed.method, changed.body) == ("GET", None)


def test_redirect_hop_signs_as_signs_redirect_says() -> None:
    def signed(hop_url: str, **settings: Any) -> bool:
        return oauth.redirect_hop("http://api.example/a", hop_url, 302, "GET", None, **settings).signed

    assert signed("http://api.example:80/b") and signed("https://api.example/b")
    assert not signed("https://evil.example/b")
    assert signed("https://evil.example/b", sign_redirects="all")
    plaintext = oauth.SignatureMethod_PLAINTEXT()
    assert not signed("https://evil.example/b", sign_redirects="all", signature_method=plaintext)
    with pytest.raises(ValueError):
        signed("https://api.example/b", sign_redirects="some")


def test_redirect_hop_placement_and_echoed_oauth_parameters() -> None:
    echoed = "https://e/b?a=1&oauth_nonce=n&oauth%5Fsignature=s&b=2"
    in_query = oauth.redirect_hop("https://e/a", echoed, 302, "GET", None, placement="query")
    assert in_query.url == "https://e/b?a=1&b=2"
    in_header = oauth.redirect_hop("https://e/a", echoed, 302, "GET", None)
    assert in_header.url == echoed
    assert oauth.redirect_hop("https://e/a", "https://e/b", 303, "POST", b"a=1", placement="body").placement == "query"
    assert oauth.redirect_hop("https://e/a", "https://e/b", 307, "POST", b"a=1", placement="body").placement == "body"


# ------------------------------------------------------------------------------------------------------ verify()


@pytest.mark.parametrize("name", ["HMAC-SHA1", "HMAC-SHA256"])
@FUZZ
@given(st.lists(st.tuples(TEXT, TEXT), max_size=6), st.sampled_from(["GET", "DELETE", "patch"]))
def test_verify_checks_what_oauthlib_signs_and_nothing_else(name: str, query: List[Tuple[str, str]],
                                                            method: str) -> None:
    """verify() is the pure signature check: pairs and secrets in, InvalidSignature (with its base string) out."""
    query = [(name, value) for name, value in query if not name.startswith("oauth_")]
    url = "https://api.example.com/r" + ("?" + urlencode(query) if query else "")
    client = oauthlib_client(CONSUMER, TOKEN, signature_method=name)
    uri, headers, _ = client.sign(url, http_method=method.upper())
    base_uri, sent_query = oauth.split_url(uri)
    header_pairs, _ = oauth.parse_authorization_header(headers["Authorization"])
    pairs = [*oauth.parse_form(sent_query), *header_pairs]
    signature = dict(pairs).pop("oauth_signature")
    signed_pairs = [pair for pair in pairs if pair[0] != "oauth_signature"]
    checker = oauth.SignatureMethod_HMAC_SHA256() if name == "HMAC-SHA256" else None
    assert oauth.verify(method, base_uri, signed_pairs, signature, CONSUMER, TOKEN, signature_method=checker) is None
    for changed in ([*signed_pairs, ("extra", "")], signed_pairs[1:]):
        with pytest.raises(oauth.InvalidSignature) as refused:
            oauth.verify(method, base_uri, changed, signature, CONSUMER, TOKEN, signature_method=checker)
        assert refused.value.base_string == oauth.signature_base_string(
            method, base_uri, oauth.normalize_parameters(changed))
    with pytest.raises(oauth.InvalidSignature):
        oauth.verify(method, base_uri, signed_pairs, signature, CONSUMER, oauth.Token(TOKEN.key, "other"),
                     signature_method=checker)
    with pytest.raises(TypeError):
        oauth.verify(method, base_uri, signed_pairs, signature, "key", TOKEN)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------- verify_request: hostile input


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


# ------------------------------------------------------------------------------------------ nothing is half-done


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
