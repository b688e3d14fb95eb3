"""Provider hardening (issue 21): empty secrets, PLAINTEXT replays, mixins' hooks, nonce length.

Requests are signed by our client side (or by an attacker using it) and
verified as a provider receives them, rebuilt from the Authorization header;
our own clients' PLAINTEXT requests go over HTTP to a WSGI app on 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable, Optional

import httpx
import pytest
import requests
from at_now import CONSUMER, HMAC_SHA1, NOW, PLAINTEXT, TOKEN, server, signed
from loopback import serving
from tls_certs import rsa_key, rsa_pems

import oauth2 as oauth
import oauth2.cli
import oauth2.httpx
import oauth2.requests

RSA_CONSUMER = oauth.Consumer("rsa-consumer", "")  # as the README's RSA client registers it


def received(request: oauth.Request, url: Optional[str] = None) -> oauth.Request:
    """``request`` as a provider rebuilds it from the wire, its OAuth parameters in the Authorization header."""
    return oauth.Request.from_request(request.method, url or request.url, headers=request.to_header())


def rsa_server(**options: Any) -> oauth.Server:
    """A Server at NOW taking HMAC-SHA1 and RSA-SHA1 (RSA_CONSUMER's public key)."""
    rsa = oauth.SignatureMethod_RSA_SHA1(public_key=rsa_pems(rsa_key())["spki"])
    return server(HMAC_SHA1, rsa, **options)


# ------------------------------------------------------------ A. empty secrets


def test_a_consumer_without_a_secret_is_not_forged_with_the_key_ampersand() -> None:
    """An attacker knowing only the key of an RSA consumer signs HMAC-SHA1 with the key ``&``."""
    forged = received(signed(consumer=RSA_CONSUMER, token=None))
    assert forged["oauth_signature"] == base64.b64encode(
        hmac.digest(b"&", oauth.explain(forged).base_string.encode("ascii"), hashlib.sha1)
    ).decode("ascii")
    verifier = rsa_server()
    with pytest.raises(oauth.ConsumerKeyRejected) as caught:
        verifier.verify_request(forged, RSA_CONSUMER, None)
    assert caught.value.status == 401
    assert "RSA" in str(caught.value) and "secret" in str(caught.value)
    assert len(verifier.nonce_store) == 0  # type: ignore[arg-type]

    # The consumer's own RSA signature still verifies.
    genuine = received(
        signed(method=oauth.SignatureMethod_RSA_SHA1(rsa_pems(rsa_key())["pkcs8"]), consumer=RSA_CONSUMER, token=None)
    )
    assert verifier.verify_request(genuine, RSA_CONSUMER, None) == {"x": "1"}


def test_plaintext_signature_ampersand_is_refused_for_a_consumer_without_a_secret() -> None:
    forged = received(signed(url="https://e/r", method=PLAINTEXT, consumer=RSA_CONSUMER, token=None))
    assert forged["oauth_signature"] == "&"
    with pytest.raises(oauth.ConsumerKeyRejected):
        server(PLAINTEXT).verify_request(forged, RSA_CONSUMER, None)


def test_a_token_without_a_secret_is_refused_for_shared_secret_methods() -> None:
    """With an empty token secret, whoever holds the consumer secret can use any token: its key is sent in clear."""
    hollow = oauth.Token("tkey", "")
    request = received(signed(token=hollow))
    with pytest.raises(oauth.TokenRejected) as caught:
        server().verify_request(request, CONSUMER, hollow)
    assert caught.value.status == 401
    assert "secret" in str(caught.value)
    assert "csecret" not in str(caught.value)


def test_allow_empty_secret_accepts_them() -> None:
    hollow = oauth.Token("tkey", "")
    assert server(allow_empty_secret=True).verify_request(received(signed(token=hollow)), CONSUMER, hollow) == {
        "x": "1"
    }
    forged = received(signed(consumer=RSA_CONSUMER, token=None))
    assert rsa_server(allow_empty_secret=True).verify_request(forged, RSA_CONSUMER, None) == {"x": "1"}


def test_an_asymmetric_custom_method_declares_it_uses_no_shared_secret() -> None:
    class Echo(oauth.SignatureMethod):
        """A stand-in for an asymmetric method: the signature depends on no secret."""

        name = "ECHO"
        uses_shared_secrets = False

        def sign_base_string(self, base_string: str, consumer: oauth.Consumer, token: Optional[oauth.Token]) -> str:
            return hashlib.sha256(base_string.encode("utf-8")).hexdigest()

    request = received(signed(method=Echo(), consumer=RSA_CONSUMER, token=None))
    assert server(Echo()).verify_request(request, RSA_CONSUMER, None) == {"x": "1"}
    assert oauth.SignatureMethod_RSA_SHA1.uses_shared_secrets is False
    assert HMAC_SHA1.uses_shared_secrets and PLAINTEXT.uses_shared_secrets


# ------------------------------------------------------ B. PLAINTEXT replays


def minimal_plaintext() -> oauth.Request:
    """A PLAINTEXT request in RFC 5849 §3.1's minimal form: no timestamp, no nonce."""
    request = oauth.Request("GET", "https://e/r", {"oauth_consumer_key": "ckey", "oauth_token": "tkey"})
    request.sign_request(PLAINTEXT, CONSUMER, TOKEN)
    return received(request)


def test_plaintext_without_timestamp_and_nonce_is_refused_by_default() -> None:
    verifier = server(PLAINTEXT)
    with pytest.raises(oauth.MissingParameter) as caught:
        verifier.verify_request(minimal_plaintext(), CONSUMER, TOKEN)
    assert caught.value.parameter == "oauth_timestamp"
    assert len(verifier.nonce_store) == 0  # type: ignore[arg-type]


def test_plaintext_without_a_nonce_is_refused_by_default() -> None:
    request = oauth.Request("GET", "https://e/r", {"oauth_consumer_key": "ckey", "oauth_token": "tkey",
                                                   "oauth_nonce": "n0nce"})
    request.sign_request(PLAINTEXT, CONSUMER, TOKEN)
    with pytest.raises(oauth.MissingParameter):
        server(PLAINTEXT).verify_request(received(request), CONSUMER, TOKEN)


def test_allow_plaintext_without_nonce_accepts_the_minimal_form_and_its_replays() -> None:
    verifier = server(PLAINTEXT, allow_plaintext_without_nonce=True)
    request = minimal_plaintext()
    assert verifier.verify_request(request, CONSUMER, TOKEN) == {}
    assert verifier.verify_request(request, CONSUMER, TOKEN) == {}  # the replay the option allows


class PlaintextApp:
    """A WSGI provider taking PLAINTEXT over http, with the default replay protection."""

    def __init__(self) -> None:
        self.server = oauth.Server([PLAINTEXT], allow_plaintext_over_http=True)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        try:
            request = oauth.Request.from_wsgi(environ)
            params = self.server.verify_request(request, CONSUMER, TOKEN)
        except oauth.Error as e:
            start_response(f"{e.status} {HTTPStatus(e.status).phrase}", [("Content-Type", "text/plain")])
            return [str(e).encode("utf-8")]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(params).encode("utf-8")]


@pytest.fixture
def plaintext_url() -> Iterator[str]:
    with serving(PlaintextApp()) as base:
        yield base + "/r?x=1"


def test_our_clients_plaintext_requests_pass_the_default_server(
    plaintext_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each client of ours sends a timestamp and a nonce with PLAINTEXT, so the default server takes it."""
    client = oauth.Client(CONSUMER, TOKEN)
    client.set_signature_method(PLAINTEXT)
    response, content = client.request(plaintext_url)
    assert (response.status, json.loads(content)) == (200, {"x": "1"})

    shell = oauth2.requests.OAuth1(CONSUMER, TOKEN, signature_method=PLAINTEXT)
    reply = requests.get(plaintext_url, auth=shell, timeout=60)
    assert (reply.status_code, reply.json()) == (200, {"x": "1"})

    answer = httpx.get(plaintext_url, auth=oauth2.httpx.OAuth1(CONSUMER, TOKEN, signature_method=PLAINTEXT))
    assert (answer.status_code, answer.json()) == (200, {"x": "1"})

    for placement in ("header", "query"):
        wire = oauth.sign("GET", plaintext_url, CONSUMER, TOKEN, signature_method=PLAINTEXT, placement=placement)
        assert requests.get(wire.uri, headers=wire.headers, timeout=60).status_code == 200
        # It reached the nonce store: sent again, it is a replay.
        assert requests.get(wire.uri, headers=wire.headers, timeout=60).status_code == 401

    for name in [n for n in os.environ if n.startswith("OAUTH_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    status = oauth2.cli.main(
        ["request", "GET", plaintext_url, "--signature-method", "PLAINTEXT", "--consumer-key", "ckey",
         "--consumer-secret", "csecret", "--token", "tkey", "--token-secret", "tsecret"],
        out,
    )
    assert (status, json.loads(out.getvalue())) == (0, {"x": "1"})


# --------------------------------------------------- C. a mixin's sign and check


class RefusesTheWordForbidden:
    """A mixin whose check refuses more than the signature does."""

    def check(self, request: oauth.Request, consumer: oauth.Consumer, token: Optional[oauth.Token],
              signature: str) -> bool:
        if request.get("x") == "forbidden":
            return False
        return super().check(request, consumer, token, signature)  # type: ignore[misc]


class Strict(RefusesTheWordForbidden, oauth.SignatureMethod_HMAC_SHA1):
    pass


def test_a_mixins_check_is_called_by_the_server() -> None:
    assert server(Strict()).verify_request(received(signed(method=Strict())), CONSUMER, TOKEN) == {"x": "1"}
    refused = received(signed(url="http://e/r?x=forbidden", method=Strict()))
    with pytest.raises(oauth.InvalidSignature):
        server(Strict()).verify_request(refused, CONSUMER, TOKEN)


class KeyedByTheConsumerSecretAlone:
    """A mixin whose signing_base keys HMAC with the consumer secret only, as some providers do."""

    def signing_base(self, request: oauth.Request, consumer: oauth.Consumer,
                     token: Optional[oauth.Token]) -> tuple[bytes, bytes]:
        _, raw = super().signing_base(request, consumer, token)  # type: ignore[misc]
        return (consumer.secret or "").encode("utf-8"), raw


class ConsumerKeyed(KeyedByTheConsumerSecretAlone, oauth.SignatureMethod_HMAC_SHA1):
    pass


def test_a_mixins_signing_base_is_used_to_sign_and_to_verify() -> None:
    # Request.sign_request, and oauth.sign() through it.
    for request in (
        signed(method=ConsumerKeyed()),
        oauth.sign("GET", "http://e/r?x=1", CONSUMER, TOKEN, signature_method=ConsumerKeyed(), timestamp=NOW).request,
    ):
        base_string = oauth.explain(request).base_string.encode("ascii")
        expected = base64.b64encode(hmac.digest(b"csecret", base_string, hashlib.sha1)).decode("ascii")
        assert request["oauth_signature"] == expected
        assert server(ConsumerKeyed()).verify_request(received(request), CONSUMER, TOKEN) == {"x": "1"}

    # A standard HMAC-SHA1 signature (key "csecret&tsecret") is not this method's.
    with pytest.raises(oauth.InvalidSignature):
        server(ConsumerKeyed()).verify_request(received(signed()), CONSUMER, TOKEN)


# ----------------------------------------------------------- D. nonce length


def with_nonce(nonce: str) -> oauth.Request:
    """A request signed at NOW with ``nonce``, as received."""
    return received(signed(nonce=nonce))


def test_a_megabyte_nonce_is_refused_before_the_store() -> None:
    verifier = server()
    with pytest.raises(oauth.InvalidRequest) as caught:
        verifier.verify_request(with_nonce("n" * 1_000_000), CONSUMER, TOKEN)
    assert len(verifier.nonce_store) == 0  # type: ignore[arg-type]
    assert len(str(caught.value)) < 200
    assert "64" in str(caught.value)


def test_an_empty_nonce_is_refused() -> None:
    request = signed(parameters={"oauth_nonce": ""})
    verifier = server()
    with pytest.raises(oauth.InvalidRequest):
        verifier.verify_request(request, CONSUMER, TOKEN)
    assert len(verifier.nonce_store) == 0  # type: ignore[arg-type]


def test_nonce_length_bound_and_its_option() -> None:
    assert server().verify_request(with_nonce("a" * 64), CONSUMER, TOKEN) == {"x": "1"}
    with pytest.raises(oauth.InvalidRequest):
        server().verify_request(with_nonce("a" * 65), CONSUMER, TOKEN)
    assert server(max_nonce_length=128).verify_request(with_nonce("a" * 100), CONSUMER, TOKEN) == {"x": "1"}
    # What real clients send: our 24 hex digits, base64 of 32 bytes, 64 hex digits.
    for nonce in (oauth.Request.make_nonce(), base64.b64encode(bytes(32)).decode(), "f" * 64):
        assert server().verify_request(with_nonce(nonce), CONSUMER, TOKEN) == {"x": "1"}


@pytest.mark.parametrize("bound", [0, -1, "64", 64.0, None])
def test_max_nonce_length_must_be_a_positive_int(bound: Any) -> None:
    with pytest.raises(ValueError, match="max_nonce_length"):
        oauth.Server([HMAC_SHA1], max_nonce_length=bound)
