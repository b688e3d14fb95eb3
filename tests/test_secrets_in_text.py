"""No secret in text (issue 22): reprs, error messages and pickles hold neither secrets nor passwords.

A PLAINTEXT signature is the consumer and token secrets themselves, so each
place that shows a signed request, a URL or a provider's answer is given
distinctive secrets and searched for them. Every secret is masked as
``Consumer`` and ``Token`` mask theirs: ``***``.
"""

from __future__ import annotations

import pickle
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from loopback import serving
from tls_certs import rsa_key, rsa_pems

import oauth2 as oauth

CONSUMER_SECRET = "Cs3cretQ"
TOKEN_SECRET = "Ts3cretW"
PASSWORD = "Pw0rdZ"
SECRETS = (CONSUMER_SECRET, TOKEN_SECRET, PASSWORD)
CONSUMER = oauth.Consumer("ck", CONSUMER_SECRET)
TOKEN = oauth.Token("tk", TOKEN_SECRET)
PLAINTEXT_SIGNATURE = f"{CONSUMER_SECRET}%26{TOKEN_SECRET}"


def shown(value: object) -> str:
    """Every text a user or a log may see of ``value``: str, repr, and for an error its args and traceback."""
    texts = [str(value), repr(value), f"{value!r}"]
    if isinstance(value, BaseException):
        texts += [repr(value.args), "".join(traceback.format_exception(type(value), value, value.__traceback__))]
    return "\n".join(texts)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, (secret, text)


# ------------------------------------------------------------------ signed requests


@pytest.mark.parametrize("placement", ["header", "query", "body"])
def test_a_plaintext_signed_request_and_sign_result_show_no_secret(placement: str) -> None:
    signed = oauth.sign("POST", f"https://user:{PASSWORD}@api.example.com/r?a=1", CONSUMER, TOKEN,
                        headers={"Content-Type": oauth.FORM_CONTENT_TYPE}, body=b"b=2",
                        signature_method=oauth.SignatureMethod_PLAINTEXT(), placement=placement)
    assert signed.request["oauth_signature"] == f"{CONSUMER_SECRET}&{TOKEN_SECRET}"  # the secrets, unmasked
    assert_no_secret(shown(signed))
    assert_no_secret(shown(signed.request))
    wire_form = {"header": 'oauth_signature="***"', "query": "oauth_signature=***", "body": "oauth_signature=***"}
    assert wire_form[placement] in repr(signed) and "'oauth_signature': '***'" in repr(signed)
    # Everything else stays readable.
    assert "'oauth_token': 'tk'" in repr(signed.request) and "user:***@api.example.com" in repr(signed)


def test_a_request_signed_by_hand_shows_no_secret() -> None:
    request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", "https://api.example.com/r")
    request.sign_request(oauth.SignatureMethod_PLAINTEXT(), CONSUMER, TOKEN)
    assert_no_secret(shown(request))
    assert repr(request).count("***") == 1 and "'oauth_consumer_key': 'ck'" in repr(request)


# ------------------------------------------------------------------ URLs in errors

BAD_URLS: dict[str, Callable[[], Any]] = {
    "port out of range, from_request": lambda: oauth.Request.from_request(
        "GET", f"http://user:{PASSWORD}@h:99999/r?oauth_signature={PLAINTEXT_SIGNATURE}"),
    "port out of range": lambda: oauth.base_string_uri(
        f"http://user:{PASSWORD}@h:99999/r?oauth_signature={PLAINTEXT_SIGNATURE}"),
    "not a number port": lambda: oauth.base_string_uri(f"http://user:{PASSWORD}@h:8x/r"),
    "port 0": lambda: oauth.base_string_uri(f"http://user:{PASSWORD}@h:0/?oauth_signature={PLAINTEXT_SIGNATURE}"),
    "not absolute": lambda: oauth.base_string_uri(f"//user:{PASSWORD}@/r?oauth_signature={PLAINTEXT_SIGNATURE}"),
    "not http": lambda: oauth.Request("GET", f"ftp://user:{PASSWORD}@h/?oauth_signature={PLAINTEXT_SIGNATURE}"),
    "bad IDNA host": lambda: oauth.base_string_uri(f"http://user:{PASSWORD}@xn--a\u00e9.example/"),
    "lone surrogate": lambda: oauth.base_string_uri(
        f"http://user:{PASSWORD}@h/\ud800?oauth_signature={PLAINTEXT_SIGNATURE}"),
    "NFKC netloc": lambda: oauth.base_string_uri(f"http://user:{PASSWORD}\uff20x@h/"),
    "password with an @": lambda: oauth.base_string_uri(f"http://user:{PASSWORD}@{PASSWORD}@h:99999/"),
    "header-placed": lambda: oauth.sign("GET", f"http://user:{PASSWORD}@h:0/", CONSUMER, TOKEN),
}


@pytest.mark.parametrize("case", BAD_URLS)
def test_an_error_quoting_a_url_shows_no_password_and_no_signature(case: str) -> None:
    with pytest.raises(oauth.InvalidRequest) as raised:
        BAD_URLS[case]()
    assert_no_secret(shown(raised.value))
    assert "***" in str(raised.value)  # the URL is still quoted, masked


@pytest.mark.parametrize("header", ["HTTP_HOST", "HTTP_X_FORWARDED_HOST"])
def test_a_host_header_holding_userinfo_is_refused_without_echoing_it(header: str) -> None:
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "h", "PATH_INFO": "/", header: f"user:{PASSWORD}@h"}
    with pytest.raises(oauth.InvalidRequest) as raised:
        oauth.Request.from_wsgi(environ, trust_forwarded=header == "HTTP_X_FORWARDED_HOST")
    assert_no_secret(shown(raised.value))
    assert "userinfo" in str(raised.value)


def test_masking_leaves_a_url_without_secrets_as_it_was() -> None:
    with pytest.raises(oauth.InvalidRequest, match=r"'http://h:99999/r\?a=1&b=x@y'"):
        oauth.base_string_uri("http://h:99999/r?a=1&b=x@y")


# ------------------------------------------------------------------ a provider's answer


@pytest.mark.parametrize("status, body", [
    (401, f"oauth_problem=token_rejected&oauth_token=tk&oauth_token_secret={TOKEN_SECRET}"),
    (200, f"oauth_token=&oauth_token_secret={TOKEN_SECRET}&oauth_problem=token_rejected"),
    (500, f"oauth_signature={PLAINTEXT_SIGNATURE}&oauth_problem=token_rejected"),
])
def test_a_provider_error_shows_no_token_secret(status: int, body: str) -> None:
    """The Client reads a real answer: an error status, or a 200 whose token is empty."""

    def provider(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response(f"{status} Answer", [("Content-Type", oauth.FORM_CONTENT_TYPE)])
        yield body.encode()

    with serving(provider) as url:
        client = oauth.Client(CONSUMER, TOKEN)
        with pytest.raises(oauth.ProviderError) as raised:
            client.fetch_access_token(url + "/access_token", "verifier")
    error = raised.value
    assert_no_secret(shown(error) + error.body)
    assert error.status == status and error.oauth_problem == "token_rejected"
    assert "oauth_problem=token_rejected" in str(error) and "***" in str(error)


# ------------------------------------------------------------------ RSA key password


@pytest.fixture(scope="module")
def encrypted_pem() -> bytes:
    return rsa_pems(rsa_key(), PASSWORD)["encrypted_pkcs8"]


def verifies(method: oauth.SignatureMethod) -> bool:
    """Whether ``method`` signs a request that the key's public half verifies."""
    request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", "https://api.example.com/r")
    request.sign_request(method, CONSUMER, TOKEN)
    public = oauth.SignatureMethod_RSA_SHA256(public_key=rsa_pems(rsa_key())["spki"])
    return public.check(request, CONSUMER, TOKEN, request["oauth_signature"])


@pytest.mark.parametrize("password", [PASSWORD, PASSWORD.encode()], ids=["str", "bytes"])
def test_an_rsa_method_keeps_no_password(encrypted_pem: bytes, password: str | bytes) -> None:
    method = oauth.SignatureMethod_RSA_SHA256(encrypted_pem, password=password)
    assert_no_secret(repr(vars(method)))
    assert PASSWORD.encode() not in pickle.dumps(method)
    assert verifies(method)


@pytest.mark.parametrize("when", ["before signing", "after signing", "after verifying"])
def test_an_rsa_method_pickles_without_password_and_still_signs(encrypted_pem: bytes, when: str) -> None:
    key = rsa_key()
    method = oauth.SignatureMethod_RSA_SHA256(encrypted_pem, password=PASSWORD, public_key=key.public_key())
    if when == "after signing":
        assert verifies(method)
    elif when == "after verifying":
        request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", "https://api.example.com/r")
        request.sign_request(method, CONSUMER, TOKEN)
        assert method.check(request, CONSUMER, TOKEN, request["oauth_signature"])
    data = pickle.dumps(method)
    assert PASSWORD.encode() not in data
    copy = pickle.loads(data)  # noqa: S301 - our own pickle
    assert verifies(copy)
    request = oauth.Request.from_consumer_and_token(CONSUMER, TOKEN, "GET", "https://api.example.com/r")
    request.sign_request(copy, CONSUMER, TOKEN)
    assert copy.check(request, CONSUMER, TOKEN, request["oauth_signature"])


def test_an_rsa_method_given_a_key_object_pickles() -> None:
    method = oauth.SignatureMethod_RSA_SHA256(rsa_key())
    assert verifies(pickle.loads(pickle.dumps(method)))  # noqa: S301 - our own pickle
