"""One regression test per core row of shared/known-defects-1.9.md.

Each test is named after its row and its docstring says what python-oauth2
1.9.0.post1 did; each asserts the corrected behaviour, so it fails on 1.9.
Rows 1.9 had already fixed (S5, S7, S8, H3, C11) are kept as end-to-end
checks against oauthlib or our Server, which 1.9 fails through P1/S4.
The Client rows that need an HTTP server (C1-C5, C9, C10, C12) are tested
elsewhere; C6, C7 and C8 are checked here at the Request level.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import io
import math
import string
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Tuple, Type
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from at_now import CONSUMER, FORM, HMAC_SHA1, NOW, PLAINTEXT, REPO, TOKEN, server, signed
from oauthlib.oauth1.rfc5849 import signature as rfc
from oauthlib_oracle import oauthlib_hmac_sha1, oauthlib_steps

import oauth2 as oauth


def names_of(normalized: str) -> List[str]:
    """The parameter names of a normalized parameter string, in order."""
    return [pair.split("=", 1)[0] for pair in normalized.split("&")]


# ------------------------------------------------------------------ Python 3 / packaging


def test_P1_signatures_are_text_and_verify() -> None:
    """1.9: sign() returned bytes, so verify_request rejected every valid request on py3."""
    for method in (HMAC_SHA1, PLAINTEXT):
        request = signed("POST", "https://e/r", {"a": "1"}, method=method, is_form_encoded=True)
        assert type(request["oauth_signature"]) is str
        assert type(method.sign(request, CONSUMER, TOKEN)) is str
        received = oauth.Request.from_request(
            "POST", "https://e/r", headers={**request.to_header(), "Content-Type": FORM}, body="a=1"
        )
        assert server(method).verify_request(received, CONSUMER, TOKEN) == {"a": "1"}


def test_P2_str_body_is_hashed_as_utf8() -> None:
    """1.9: sign_request ran sha1(str body) and raised TypeError for every JSON PUT/POST."""
    body = '{"name": "é"}'
    expected = base64.b64encode(hashlib.sha1(body.encode("utf-8")).digest()).decode("ascii")
    as_text = signed("PUT", "http://e/r", body=body)
    as_bytes = signed("PUT", "http://e/r", body=body.encode("utf-8"))
    assert as_text["oauth_body_hash"] == as_bytes["oauth_body_hash"] == expected
    assert type(as_text["oauth_body_hash"]) is str


@pytest.mark.parametrize(
    "prelude",
    [pytest.param("", id="warnings-are-errors"), pytest.param("sys.modules['distutils'] = None; ", id="no-distutils")],
)
def test_P4_import_without_distutils_or_warnings(prelude: str, tmp_path: Path) -> None:
    """1.9: _version.py used distutils' LooseVersion: a DeprecationWarning, and no import on 3.12+."""
    code = (
        "import sys; sys.modules['pyutil'] = None; " + prelude + "import oauth2; "
        "assert type(oauth2.__version__) is str, repr(oauth2.__version__); print(oauth2.__version__)"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=tmp_path, env={"PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == oauth.__version__
    assert all(part.isdigit() for part in oauth.__version__.split(".")[:2])


# ------------------------------------------------------- signature base string and parameters


def test_S1_parameters_encoded_then_sorted() -> None:
    """1.9 sorted raw UTF-8 then encoded: `z=1&%C3%A9=2` instead of RFC's `%C3%A9=2&z=1`."""
    request = oauth.Request("GET", "http://e/?a=z&a=%C3%A9", {"z": "1", "é": "2"})
    expected = rfc.normalize_parameters([("a", "z"), ("a", "é"), ("z", "1"), ("é", "2")])
    assert request.get_normalized_parameters() == expected == "%C3%A9=2&a=%C3%A9&a=z&z=1"


def test_S2_query_values_decoded_once() -> None:
    """1.9 unquoted query values twice, so `%2520` was signed as a space and `%2541` as `A`."""
    url = "http://e/?next=https%3A%2F%2Fa%2F%3Fq%3Dx%2520y&p=%2541"
    expected = rfc.normalize_parameters(rfc.collect_parameters(uri_query=urlsplit(url).query))
    received = oauth.Request.from_request("GET", url)
    assert (received["next"], received["p"]) == ("https://a/?q=x%20y", "%41")
    assert received.get_normalized_parameters() == expected
    assert oauth.Request("GET", url).get_normalized_parameters() == expected
    assert "x%252520y" in oauth.explain(received).base_string


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/Path", "http://example.com/Path"),
        ("https://EXAMPLE.com:443", "https://example.com/"),
        ("http://Example.com:8080/P?q=1#f", "http://example.com:8080/P"),
    ],
)
def test_S3_scheme_and_host_lowercased(url: str, expected: str) -> None:
    """1.9 kept the host's case: `http://Example.COM/Path`, unlike RFC 5849 §3.4.1.2 and oauthlib."""
    assert oauth.Request("GET", url).normalized_url == expected == rfc.base_string_uri(url)


def test_S4_query_parameters_counted_once() -> None:
    """1.9 copied the URL query into the dict and parsed the URL again: every query param twice."""
    by_url = signed("GET", "http://e/r?x=1&y=%C3%A9")
    received = oauth.Request.from_request("GET", by_url.to_url())
    names = names_of(received.get_normalized_parameters())
    assert sorted(names) == sorted(set(names))
    assert {"x", "y", "oauth_nonce", "oauth_timestamp", "oauth_consumer_key"} <= set(names)
    assert server().verify_request(received, CONSUMER, TOKEN) == {"x": "1", "y": "é"}

    by_header = signed("GET", "http://e/r?x=1")
    received = oauth.Request.from_request("GET", "http://e/r?x=1", headers=by_header.to_header())
    assert received.get_normalized_parameters().count("x=1") == 1
    assert server().verify_request(received, CONSUMER, TOKEN) == {"x": "1"}


def test_S5_repeated_keys_all_kept_and_sorted_by_encoded_value() -> None:
    """1.9 kept repeated keys but sorted values before encoding (and counted them twice, S4)."""
    url = "http://e/?a=2&a=1&a=%C3%A9"
    received = oauth.Request.from_request("GET", url)
    expected = rfc.normalize_parameters(rfc.collect_parameters(uri_query=urlsplit(url).query))
    assert received.get_normalized_parameters() == expected == "a=%C3%A9&a=1&a=2"


def test_S6_blank_values_kept_in_url_and_signature() -> None:
    """1.9's to_url() dropped `a=` while the signature included it, so the server rejected it."""
    request = signed("GET", "http://x/res?a=&b=1")
    url = request.to_url()
    assert urlsplit(url).query.startswith("a=&b=1&")
    assert request.get_normalized_parameters().startswith("a=&b=1&")
    received = oauth.Request.from_request("GET", url)
    assert server().verify_request(received, CONSUMER, TOKEN) == {"a": "", "b": "1"}
    form = oauth.Request.from_request("POST", "http://x/res", headers={"Content-Type": FORM}, body=b"a=&b=1")
    assert (form["a"], form["b"]) == ("", "1")


def test_S7_tilde_is_not_encoded() -> None:
    """1.9 fixed `~`; here it is checked end to end against oauthlib (1.9 fails through S4)."""
    assert oauth.escape("AZaz09-._~") == "AZaz09-._~"
    request = signed("GET", "http://e/~u?k=a~b", {"oauth_callback": "http://cb/~x"})
    header = request.to_header()
    assert 'oauth_callback="http%3A%2F%2Fcb%2F~x"' in header["Authorization"]
    received = oauth.Request.from_request("GET", "http://e/~u?k=a~b", headers=header)
    base = oauthlib_steps("GET", "http://e/~u?k=a~b", header["Authorization"]).base_string
    assert oauth.explain(received).base_string == base
    assert "%257E" not in base and "~" in base
    assert received["oauth_signature"] == oauthlib_hmac_sha1(base, CONSUMER, TOKEN)


def test_S8_non_ascii_query_body_and_url_match_oauthlib() -> None:
    """1.9 on py3 got these right in the base string but signed with bytes (P1) and double-counted the query (S4)."""
    url = "http://e/search?q=fn%C3%B8rd"
    request = signed("GET", url)
    received = oauth.Request.from_request("GET", url, headers=request.to_header())
    base = oauthlib_steps("GET", url, request.to_header()["Authorization"]).base_string
    assert received["oauth_signature"] == oauthlib_hmac_sha1(base, CONSUMER, TOKEN)
    assert server().verify_request(received, CONSUMER, TOKEN) == {"q": "fnørd"}

    body = "status=u%C3%A9%C2%BFq%E2%80%A6"
    request = signed("POST", "http://e/update", {"status": "ué¿q…"}, is_form_encoded=True)
    assert body in request.to_postdata().split("&")
    headers = {**request.to_header(), "Content-Type": FORM}
    received = oauth.Request.from_request("POST", "http://e/update", headers=headers, body=body)
    base = oauthlib_steps("POST", "http://e/update", request.to_header()["Authorization"], body).base_string
    assert oauth.explain(received).base_string == base
    assert server().verify_request(received, CONSUMER, TOKEN) == {"status": "ué¿q…"}

    by_url = signed("GET", "http://e/search", {"q": "fnørd"})
    assert "q=fn%C3%B8rd" in by_url.to_url()
    assert server().verify_request(oauth.Request.from_request("GET", by_url.to_url()), CONSUMER, TOKEN) == {
        "q": "fnørd"
    }


def test_S9_ints_bools_and_none_are_coerced_consistently() -> None:
    """1.9: to_header() raised AttributeError on an int timestamp, and None was signed as `None`."""
    request = oauth.Request(
        "GET", "http://e/",
        {"oauth_consumer_key": "ckey", "oauth_timestamp": NOW, "oauth_nonce": "n1", "n": 5, "flag": True,
         "gone": None},
    )
    request.sign_request(HMAC_SHA1, CONSUMER, None)
    assert f'oauth_timestamp="{NOW}"' in request.to_header()["Authorization"]
    normalized = request.get_normalized_parameters()
    assert f"oauth_timestamp={NOW}" in normalized and "n=5" in normalized and "flag=true" in normalized
    assert "gone" not in normalized and "None" not in normalized
    assert "gone" not in request.to_url() and "flag=true" in request.to_url()
    received = oauth.Request.from_request("GET", request.to_url())
    assert server().verify_request(received, CONSUMER, None) == {"n": "5", "flag": "true"}


def test_S10_callback_in_header_of_non_form_post() -> None:
    """1.9 had no body-aware request model: a JSON POST could not carry oauth_callback in the header."""
    body = b'{"scope": "read"}'
    request = signed("POST", "http://e/initiate", {"oauth_callback": "http://cb/ok"}, body=body, token=None)
    header = request.to_header()
    pairs = dict(oauth.parse_authorization_header(header["Authorization"])[0])
    assert pairs["oauth_callback"] == "http://cb/ok"
    assert pairs["oauth_body_hash"] == base64.b64encode(hashlib.sha1(body).digest()).decode("ascii")
    received = oauth.Request.from_request(
        "POST", "http://e/initiate", headers={**header, "Content-Type": "application/json"}, body=body
    )
    assert server().verify_request(received, CONSUMER, None) == {}
    assert received["oauth_callback"] == "http://cb/ok"


def test_S11_request_without_url_fails_clearly() -> None:
    """1.9: get_normalized_parameters() raised a bare AttributeError('url'), signing a ValueError."""
    request = oauth.Request("GET", None, {"oauth_nonce": "n"})
    assert request.get_normalized_parameters() == "oauth_nonce=n"
    with pytest.raises(oauth.Error, match="URL"):
        request.sign_request(HMAC_SHA1, CONSUMER, None)
    with pytest.raises(oauth.Error, match="URL"):
        request.to_url()


# ---------------------------------------------------------- Authorization header, from_request


def test_H1_realm_substring_kept_in_other_parameters() -> None:
    """1.9 dropped any header item containing `realm`, in its name or value, and split quoted commas."""
    header = (
        'OAuth realm="x", oauth_consumer_key="ck", oauth_token="arealmtoken", '
        'oauth_callback="http%3A%2F%2Frealm.example.com%2F", oauth_nonce="a,b"'
    )
    received = oauth.Request.from_request("GET", "http://e/", headers={"Authorization": header})
    assert dict(received) == {
        "oauth_consumer_key": "ck", "oauth_token": "arealmtoken",
        "oauth_callback": "http://realm.example.com/", "oauth_nonce": "a,b",
    }
    assert oauth.parse_authorization_header(header)[1] == "x"


@pytest.mark.parametrize("scheme", ["oauth ", "OAUTH   ", "OAuth\t", "  OAuth "])
def test_H2_scheme_case_insensitive_any_whitespace(scheme: str) -> None:
    """1.9 required exactly `OAuth ` and returned None for `oauth realm=...`."""
    header = scheme + 'realm="r", oauth_consumer_key="ck"'
    received = oauth.Request.from_request("GET", "http://e/", headers={"Authorization": header})
    assert received is not None and received["oauth_consumer_key"] == "ck"


@pytest.mark.parametrize("name", ["authorization", "HTTP_AUTHORIZATION", "AUTHORIZATION"])
def test_H3_header_name_case_and_wsgi_form(name: str) -> None:
    """1.9 parsed these names (#174) but could not verify the result (P1)."""
    request = signed("GET", "http://e/r")
    headers = {name: request.to_header()["Authorization"]}
    received = oauth.Request.from_request("GET", "http://e/r", headers=headers)
    assert received["oauth_signature"] == request["oauth_signature"]
    assert server().verify_request(received, CONSUMER, TOKEN) == {}


def test_H4_realm_optional_and_escaped() -> None:
    """1.9 always sent realm="" and pasted the realm unescaped, so a `"` could forge parameters."""
    request = signed("GET", "http://e/r")
    assert "realm" not in request.to_header()["Authorization"]
    evil = 'a", oauth_token="evil'
    header = request.to_header(realm=evil)["Authorization"]
    assert header.startswith('OAuth realm="a\\", oauth_token=\\"evil"')
    pairs, realm = oauth.parse_authorization_header(header)
    assert realm == evil
    assert [value for name, value in pairs if name == "oauth_token"] == ["tkey"]
    for www in (oauth.build_authenticate_header(evil), server().build_authenticate_header(evil)):
        assert oauth.parse_authorization_header(www["WWW-Authenticate"]) == ([], evil)


def test_H5_from_request_copies_inputs_and_returns_a_request() -> None:
    """1.9 updated the caller's parameters dict, returned None without params, and so did from_token_and_callback."""
    parameters: Dict[str, Any] = {}
    headers = {"Authorization": 'OAuth oauth_consumer_key="ck"'}
    before = copy.deepcopy(headers)
    received = oauth.Request.from_request("GET", "http://e/?q=1", headers=headers, parameters=parameters)
    assert (parameters, headers) == ({}, before)
    assert dict(received) == {"q": "1", "oauth_consumer_key": "ck"}

    empty = oauth.Request.from_request("GET", "http://e/")
    assert isinstance(empty, oauth.Request) and dict(empty) == {}
    with pytest.raises(oauth.Error):
        server().verify_request(empty, CONSUMER, None)

    extra = {"foo": "bar"}
    request = oauth.Request.from_token_and_callback(TOKEN, "http://cb/", "GET", "http://e/", extra)
    assert extra == {"foo": "bar"}
    assert (request["oauth_token"], request["oauth_callback"], request["foo"]) == ("tkey", "http://cb/", "bar")
    oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", "http://e/", extra)
    assert extra == {"foo": "bar"}


@pytest.mark.parametrize(
    ("content_type", "included"),
    [
        ("application/json", False),
        ("text/plain", False),
        (None, False),
        ("application/x-www-form-urlencoded; charset=utf-8", True),
        ("Application/X-WWW-Form-URLEncoded ; charset=UTF-8", True),
    ],
)
def test_H6_body_params_only_for_form_content_type(content_type: Optional[str], included: bool) -> None:
    """1.9's from_request took no body: callers fed JSON in as params and got signature mismatches."""
    body = b"a=1&b=%C3%A9" if included else b'{"a": 1}'
    headers = {"Authorization": 'OAuth oauth_consumer_key="ck"'}
    if content_type is not None:
        headers["Content-Type"] = content_type
    received = oauth.Request.from_request("POST", "http://e/", headers=headers, body=body)
    expected = {"a": "1", "b": "é"} if included else {}
    assert received.get_nonoauth_parameters() == expected
    assert received.is_form_encoded is included
    assert received.body == body


# ------------------------------------------------------- Client rows visible at the Request level


@pytest.mark.parametrize(
    ("http_method", "body", "is_form", "hashed"),
    [
        ("GET", b"", False, False),
        ("HEAD", b"", False, False),
        ("POST", b"", False, False),
        ("POST", b"a=1", True, False),
        ("PUT", b"<x/>", False, True),
    ],
)
def test_C6_body_hash_only_for_non_form_bodies(http_method: str, body: bytes, is_form: bool, hashed: bool) -> None:
    """1.9 added oauth_body_hash to every non-form request, GET and token requests included."""
    request = signed(http_method, "http://e/r", body=body, is_form_encoded=is_form)
    assert ("oauth_body_hash" in request) is hashed
    opted_out = oauth.Request.from_consumer_and_token(CONSUMER, None, "PUT", "http://e/r", body=b"<x/>")
    opted_out.sign_request(HMAC_SHA1, CONSUMER, None, body_hash=False)
    assert "oauth_body_hash" not in opted_out


def test_C7_file_like_body_hashed_and_rewound() -> None:
    """1.9 ran sha1() on the body object, so file-like bodies raised TypeError."""
    stream = io.BytesIO(b"prefix|payload")
    stream.seek(7)
    request = signed("PUT", "http://e/upload", body=stream)
    assert request["oauth_body_hash"] == base64.b64encode(hashlib.sha1(b"payload").digest()).decode("ascii")
    assert stream.tell() == 7


def test_C8_to_url_keeps_the_callers_query() -> None:
    """1.9's to_url() re-encoded the caller's query (`+` for spaces) and could reorder it."""
    request = oauth.Request("GET", "http://e/g?b=x%20y&a=1&a=0", {"oauth_nonce": "n"})
    assert request.to_url() == "http://e/g?b=x%20y&a=1&a=0&oauth_nonce=n"


def test_C11_form_body_of_put_is_signed() -> None:
    """1.9 signed form PUT bodies, but only a caller-built dict could say so; from_request had no body."""
    request = signed("PUT", "http://e/r", {"a": "1"}, is_form_encoded=True)
    headers = {**request.to_header(), "Content-Type": FORM}
    received = oauth.Request.from_request("PUT", "http://e/r", headers=headers, body=b"a=1")
    assert "a=1" in received.get_normalized_parameters()
    assert server().verify_request(received, CONSUMER, TOKEN) == {"a": "1"}


# ------------------------------------------------------------------ server side and security


def test_V1_replay_refused() -> None:
    """1.9 never checked oauth_nonce (CVE-2013-4346): the same request verified any number of times."""
    verifier = server()
    request = signed("GET", "http://e/r")
    assert verifier.verify_request(request, CONSUMER, TOKEN) == {}
    with pytest.raises(oauth.NonceUsed) as refused:
        verifier.verify_request(request, CONSUMER, TOKEN)
    assert refused.value.status == 401
    assert verifier.verify_request(signed("GET", "http://e/r"), CONSUMER, TOKEN) == {}


@pytest.mark.parametrize("offset", [10**7, 301, -301])
def test_V2_timestamps_outside_window_refused(offset: int) -> None:
    """1.9 only refused old timestamps: any future timestamp passed, forever."""
    request = signed("GET", "http://e/r", {"oauth_timestamp": str(NOW + offset)})
    with pytest.raises(oauth.TimestampRefused):
        server().verify_request(request, CONSUMER, TOKEN)
    assert server().verify_request(signed("GET", "http://e/r", {"oauth_timestamp": str(NOW + 299)}),
                                   CONSUMER, TOKEN) == {}


def test_V3_signature_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """1.9 compared signatures with `==`."""
    calls: List[Tuple[Any, Any]] = []

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(oauth, "hmac", SimpleNamespace(**{**vars(hmac), "compare_digest": spy}))
    good = signed("GET", "http://e/r")
    assert server().verify_request(good, CONSUMER, TOKEN) == {}
    assert calls, "verify_request did not use hmac.compare_digest"
    calls.clear()
    bad = signed("GET", "http://e/r")
    bad["oauth_signature"] = "AAAA" + good["oauth_signature"][4:]
    with pytest.raises(oauth.InvalidSignature):
        server().verify_request(bad, CONSUMER, TOKEN)
    assert calls


def test_V4_failure_message_holds_no_secret_or_base_string() -> None:
    """1.9: `Invalid signature. Expected signature base string: csecret&tsecret` for PLAINTEXT."""
    request = signed("GET", "https://e/r", method=PLAINTEXT)
    request["oauth_signature"] = "wrong&guess"
    with pytest.raises(oauth.InvalidSignature) as failed:
        server(PLAINTEXT).verify_request(request, CONSUMER, TOKEN)
    shown = " ".join([str(failed.value), repr(failed.value), repr(failed.value.args), repr(vars(failed.value))])
    assert "csecret" not in shown and "tsecret" not in shown

    request = signed("GET", "http://e/r")
    request["oauth_signature"] = "AAAA"
    with pytest.raises(oauth.InvalidSignature) as failed:
        server().verify_request(request, CONSUMER, TOKEN)
    base = oauth.explain(request).base_string
    assert base not in str(failed.value) and "GET&" not in str(failed.value)
    assert failed.value.base_string == base


def test_V5_signature_method_required_and_plaintext_needs_tls() -> None:
    """1.9 fell back to PLAINTEXT when oauth_signature_method was absent, and took PLAINTEXT over http."""
    request = signed("GET", "https://e/r", method=PLAINTEXT)
    del request["oauth_signature_method"]
    with pytest.raises(oauth.MissingParameter) as missing:
        server(PLAINTEXT, HMAC_SHA1, allow_plaintext_over_http=True).verify_request(request, CONSUMER, TOKEN)
    assert missing.value.parameter == "oauth_signature_method"

    with pytest.raises(oauth.UnsupportedSignatureMethod):
        server(PLAINTEXT).verify_request(signed("GET", "http://e/r", method=PLAINTEXT), CONSUMER, TOKEN)
    assert server(PLAINTEXT).verify_request(signed("GET", "https://e/r", method=PLAINTEXT), CONSUMER, TOKEN) == {}


def test_V6_body_hash_checked_against_body() -> None:
    """1.9 never checked oauth_body_hash, so a signed PUT's body could be swapped."""
    request = signed("PUT", "http://e/pay", body=b'{"amount":1}')
    headers = {**request.to_header(), "Content-Type": "application/json"}
    tampered = oauth.Request.from_request("PUT", "http://e/pay", headers=headers, body=b'{"amount":1000000}')
    with pytest.raises(oauth.BodyHashMismatch) as mismatch:
        server().verify_request(tampered, CONSUMER, TOKEN)
    assert isinstance(mismatch.value, oauth.InvalidSignature) and mismatch.value.status == 401
    genuine = oauth.Request.from_request("PUT", "http://e/pay", headers=headers, body=b'{"amount":1}')
    assert server().verify_request(genuine, CONSUMER, TOKEN) == {}


@pytest.mark.parametrize("missing", ["oauth_timestamp", "oauth_nonce"])
def test_V7_missing_timestamp_or_nonce_is_an_oauth_error(missing: str) -> None:
    """1.9 raised a raw KeyError from _get_timestamp_nonce, so servers catching Error answered 500."""
    request = signed("GET", "http://e/r")
    del request[missing]
    with pytest.raises(oauth.MissingParameter) as failed:
        server().verify_request(request, CONSUMER, TOKEN)
    assert failed.value.parameter == missing and failed.value.status == 400


def test_V7_non_integer_timestamp_is_an_oauth_error() -> None:
    """1.9 raised a raw ValueError from int('1700000000.5')."""
    request = signed("GET", "http://e/r", {"oauth_timestamp": f"{NOW}.5"})
    with pytest.raises(oauth.InvalidRequest) as failed:
        server().verify_request(request, CONSUMER, TOKEN)
    assert isinstance(failed.value, oauth.Error) and failed.value.status == 400


def entropy_bits(value: str) -> float:
    """Bits in ``value`` if each character is drawn from the smallest usual alphabet that holds it."""
    for alphabet in (string.digits, string.hexdigits.lower(), string.ascii_letters + string.digits + "-_"):
        if set(value) <= set(alphabet):
            return len(value) * math.log2(len(alphabet))
    return len(value) * math.log2(len(set(string.printable)))


def test_V8_nonces_have_at_least_64_bits() -> None:
    """1.9's make_nonce was randint(0, 10**8): about 27 bits, and duplicates in bulk jobs."""
    nonces = {oauth.Request.make_nonce() for _ in range(200)}
    assert len(nonces) == 200
    assert all(entropy_bits(nonce) >= 64 for nonce in nonces)
    request = oauth.Request.from_consumer_and_token(CONSUMER, None, "GET", "http://e/")
    assert entropy_bits(request["oauth_nonce"]) >= 64
    token = oauth.Token("k", "s")
    token.set_verifier()
    assert token.verifier is not None and len(token.verifier) >= 8


def test_V9_consumer_str_and_repr_hide_the_secret() -> None:
    """1.9: str(Consumer) was `oauth_consumer_key=...&oauth_consumer_secret=...`."""
    consumer = oauth.Consumer("ckey", "csecret")
    for shown in (str(consumer), repr(consumer), f"{consumer}", f"{consumer!r}"):
        assert "csecret" not in shown
    assert "ckey" in str(consumer)


def test_V9_token_repr_hides_the_secret() -> None:
    """1.9's Token had no __repr__ of its own, and its __str__ was to_string(), with the secret.

    The row also asks str(token) to hide the secret; README decides that str(token)
    stays to_string(), the storage format apps persist, so only repr() is checked.
    """
    token = oauth.Token("tkey", "tsecret")
    assert "tsecret" not in repr(token) and "tsecret" not in f"{token!r}" and "tkey" in repr(token)
    assert str(token) == token.to_string()


def test_V10_callback_url_carries_token_and_encoded_verifier() -> None:
    """1.9 appended only `oauth_verifier=a&b=c`, unencoded, and no oauth_token."""
    token = oauth.Token("tk y", "ts")
    token.set_callback("http://cb/x?y=1#frag")
    token.set_verifier("a&b=c")
    url = token.get_callback_url()
    assert url is not None
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == ("http", "cb", "/x", "frag")
    assert parse_qsl(parts.query) == [("y", "1"), ("oauth_token", "tk y"), ("oauth_verifier", "a&b=c")]
    assert parse_qs(parts.query)["oauth_verifier"] == ["a&b=c"]


def test_V11_empty_token_secret_accepted() -> None:
    """1.9 parsed without keep_blank_values: ValueError "'oauth_token_secret' not found"."""
    token = oauth.Token.from_string("oauth_token=abc&oauth_token_secret=")
    assert (token.key, token.secret) == ("abc", "")
    assert oauth.Token.from_string(token.to_string()).secret == ""


# ----------------------------------------------------------------------------- error classes

ERRORS: Dict[Type[oauth.Error], Tuple[int, Optional[str]]] = {
    oauth.Error: (400, None),
    oauth.InvalidRequest: (400, "parameter_rejected"),
    oauth.MissingParameter: (400, "parameter_absent"),
    oauth.MissingSignature: (400, "parameter_absent"),
    oauth.UnsupportedSignatureMethod: (400, "signature_method_rejected"),
    oauth.VersionRejected: (400, "version_rejected"),
    oauth.TimestampRefused: (401, "timestamp_refused"),
    oauth.NonceUsed: (401, "nonce_used"),
    oauth.ConsumerKeyRejected: (401, "consumer_key_rejected"),
    oauth.TokenRejected: (401, "token_rejected"),
    oauth.InvalidSignature: (401, "signature_invalid"),
    oauth.BodyHashMismatch: (401, "signature_invalid"),
    oauth.ServiceUnavailable: (503, None),
    oauth.NonceStoreLost: (503, None),
    oauth.CallbackNotConfirmed: (400, None),
    oauth.ProviderError: (401, "token_rejected"),
}


def all_subclasses(cls: type) -> set:
    """``cls`` and every class derived from it, at any depth."""
    found = {cls}
    for sub in cls.__subclasses__():
        found |= all_subclasses(sub)
    return found


def make_error(cls: Type[oauth.Error]) -> oauth.Error:
    """An instance of ``cls``, built with the argument its constructor needs."""
    if cls is oauth.ProviderError:
        return cls(401, b"oauth_problem=token_rejected&oauth_problem_advice=expired")
    if issubclass(cls, oauth.MissingParameter) and cls is not oauth.MissingSignature:
        return cls("oauth_nonce")
    return cls()


def test_every_error_class_is_listed() -> None:
    """1.9 had Error and MissingSignature only; this keeps the table below complete."""
    ours = {c for c in all_subclasses(oauth.Error) if c.__module__ == oauth.__name__}
    assert {c for c in ours if not c.__name__.startswith("_")} == set(ERRORS)


@pytest.mark.parametrize("cls", list(ERRORS), ids=lambda c: c.__name__)
def test_error_status_problem_and_authenticate_header(cls: Type[oauth.Error]) -> None:
    """1.9's errors had no status, no oauth_problem and no WWW-Authenticate helper."""
    status, problem = ERRORS[cls]
    error = make_error(cls)
    assert (error.status, error.oauth_problem) == (status, problem)
    assert isinstance(error, RuntimeError) and error.message == str(error) != ""
    expected = 'OAuth realm="api"' + (f', oauth_problem="{problem}"' if problem else "")
    assert error.authenticate_header("api") == {"WWW-Authenticate": expected}
    assert error.authenticate_header() == {
        "WWW-Authenticate": 'OAuth realm=""' + (f', oauth_problem="{problem}"' if problem else "")
    }
    assert oauth.parse_authorization_header(expected)[1] == "api"
