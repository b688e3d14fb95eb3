"""The signature methods (issue 5): HMAC-SHA1/256/512, PLAINTEXT, RSA-SHA1/256/512 and custom ones.

Every method signs a real request with ``sign_request`` and is verified by an
``oauth.Server`` from the request rebuilt off the wire. RSA signatures are
checked independently with ``cryptography`` over the base string that
``oauth.explain`` reports, and every way of handing over a key is tried, as
are the ways of getting one wrong: each must end in an ``oauth.Error`` whose
text holds neither key material nor a password. ``cryptography`` is optional:
the last RSA tests run in a subprocess where it cannot be imported.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
import subprocess
import sys
import textwrap
import traceback
import urllib.request
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Type, Union

import at_now
import pytest
from at_now import (
    SEPARATORISH,
    TEXT,
)
from cryptography.exceptions import InvalidSignature as CryptographyInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from oauthlib.oauth1.rfc5849 import signature as rfc
from tls_certs import rsa_pems, self_signed_certificate

import oauth2 as oauth
from oauth2.provider import Provider

URL = "https://api.example.com/photos?size=original&file=vacation.jpg"
QUERY = {"size": "original", "file": "vacation.jpg"}
FORM = "application/x-www-form-urlencoded"
# Distinctive fragments, so that any encoding of a secret is found by a substring search.
CONSUMER_SECRET = "c-secret&Zq8/é"
TOKEN_SECRET = "t-secret%Xw3+ü"
SECRET_FRAGMENTS = ("c-secret", "Zq8", "t-secret", "Xw3")
CONSUMER = oauth.Consumer("consumer-key", CONSUMER_SECRET)
TOKEN = oauth.Token("token-key", TOKEN_SECRET)
PASSWORD = "pässwörd-Qv7"
WRONG_PASSWORD = "Wr0ng-pässwort"

HMAC_METHODS: Dict[str, Tuple[Type[oauth.SignatureMethod], Callable[..., Any]]] = {
    "HMAC-SHA1": (oauth.SignatureMethod_HMAC_SHA1, hashlib.sha1),
    "HMAC-SHA256": (oauth.SignatureMethod_HMAC_SHA256, hashlib.sha256),
    "HMAC-SHA512": (oauth.SignatureMethod_HMAC_SHA512, hashlib.sha512),
}
RSA_METHODS: Dict[str, Tuple[Type[oauth.SignatureMethod], Type[hashes.HashAlgorithm]]] = {
    "RSA-SHA1": (oauth.SignatureMethod_RSA_SHA1, hashes.SHA1),
    "RSA-SHA256": (oauth.SignatureMethod_RSA_SHA256, hashes.SHA256),
    "RSA-SHA512": (oauth.SignatureMethod_RSA_SHA512, hashes.SHA512),
}
ALL_NAMES = (*HMAC_METHODS, "PLAINTEXT", *RSA_METHODS)

RSAKey = rsa.RSAPrivateKey
Pems = Dict[str, bytes]


class SignerVerifier(NamedTuple):
    """The method a client signs with and the one a server verifies with (the same for shared secrets)."""

    signer: oauth.SignatureMethod
    verifier: oauth.SignatureMethod


class Material(NamedTuple):
    """Every key the tests need, generated once per module."""

    a: RSAKey
    b: RSAKey
    pems_a: Pems
    pems_b: Pems
    ec_key: ec.EllipticCurvePrivateKey
    ec_pems: Pems


@pytest.fixture(scope="module")
def material() -> Material:
    """Two RSA keys (1024 bits keeps generation fast) and an EC key, with their PEMs."""
    a = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    b = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_pems = {
        "private": ec_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        "public": ec_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "certificate": self_signed_certificate(ec_key, "ec.example"),
    }
    return Material(a, b, rsa_pems(a, PASSWORD), rsa_pems(b, PASSWORD), ec_key, ec_pems)


@pytest.fixture(scope="module")
def methods(material: Material) -> Dict[str, SignerVerifier]:
    """Each method by name; RSA signs with key A and verifies with A's public key."""
    pairs = {name: SignerVerifier(cls(), cls()) for name, (cls, _) in HMAC_METHODS.items()}
    pairs["PLAINTEXT"] = SignerVerifier(oauth.SignatureMethod_PLAINTEXT(), oauth.SignatureMethod_PLAINTEXT())
    for name, (cls, _) in RSA_METHODS.items():
        pairs[name] = SignerVerifier(cls(private_key=material.a), cls(public_key=material.pems_a["spki"]))
    return pairs


def server(*methods: oauth.SignatureMethod) -> oauth.Server:
    """A server accepting ``methods``, with a nonce store of its own."""
    return oauth.Server(list(methods))


# This module's credentials and URL, signed at the real time: its servers keep it.
signed = functools.partial(at_now.signed, url=URL, consumer=CONSUMER, token=TOKEN, timestamp=None)


def received(request: oauth.Request, transport: str) -> oauth.Request:
    """``request`` as a provider rebuilds it after it travelled in the header, the URL or a form body.

    The header carries only the ``oauth_`` parameters: other ones must be in the URL already.
    """
    if transport == "header":
        return oauth.Request.from_request(request.method, request.url, headers=request.to_header())
    if transport == "url":
        return oauth.Request.from_request(request.method, request.to_url())
    return oauth.Request.from_request(
        request.method, request.url, headers={"Content-Type": FORM}, body=request.to_postdata()
    )


def b64(data: bytes) -> str:
    """Base64 as text."""
    return base64.b64encode(data).decode("ascii")


def rsa_signature(key: RSAKey, request: oauth.Request, hash_cls: Type[hashes.HashAlgorithm]) -> str:
    """The RSASSA-PKCS1-v1_5 signature of the request's base string, made by ``cryptography`` alone."""
    return b64(key.sign(oauth.explain(request).base_string.encode("ascii"), padding.PKCS1v15(), hash_cls()))


def verifies(
    public_key: rsa.RSAPublicKey, request: oauth.Request, signature: str, hash_cls: Type[hashes.HashAlgorithm]
) -> bool:
    """Whether ``cryptography`` accepts ``signature`` over the request's base string."""
    try:
        public_key.verify(
            base64.b64decode(signature), oauth.explain(request).base_string.encode(), padding.PKCS1v15(), hash_cls()
        )
    except CryptographyInvalidSignature:
        return False
    return True


def assert_tells_nothing(error: BaseException, given: Dict[str, Any]) -> None:
    """Neither the error nor anything chained to it shows a password or a line of key material given."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__)) + repr(error)
    for value in given.values():
        if not isinstance(value, (str, bytes)):
            continue
        value = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        lines = [line for line in value.splitlines() if line and not line.startswith("-----")]
        for line in lines:
            assert line[:24] not in text


# ------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (oauth.SignatureMethod_HMAC_SHA1, "HMAC-SHA1"),
        (oauth.SignatureMethod_HMAC_SHA256, "HMAC-SHA256"),
        (oauth.SignatureMethod_HMAC_SHA512, "HMAC-SHA512"),
        (oauth.SignatureMethod_PLAINTEXT, "PLAINTEXT"),
        (oauth.SignatureMethod_RSA_SHA1, "RSA-SHA1"),
        (oauth.SignatureMethod_RSA_SHA256, "RSA-SHA256"),
        (oauth.SignatureMethod_RSA_SHA512, "RSA-SHA512"),
    ],
)
def test_method_names(cls: Type[oauth.SignatureMethod], name: str) -> None:
    assert cls.name == name
    assert cls().name == name


def test_signed_request_names_its_method(methods: Dict[str, SignerVerifier]) -> None:
    assert {name: signed(method=pair.signer)["oauth_signature_method"] for name, pair in methods.items()} == {
        name: name for name in ALL_NAMES
    }


# ------------------------------------------------------------------- round trips

TRANSPORTS: Dict[str, Dict[str, Any]] = {
    "header": {"http_method": "GET"},
    "url": {"http_method": "GET", "parameters": {"q": "a b&c"}},
    "body": {"http_method": "POST", "parameters": {"status": "hello wörld"}, "is_form_encoded": True},
}


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("name", ALL_NAMES)
def test_round_trip_through_server(name: str, transport: str, methods: Dict[str, SignerVerifier]) -> None:
    signer, verifier = methods[name]
    options = TRANSPORTS[transport]
    request = signed(method=signer, **options)
    assert type(request["oauth_signature"]) is str

    verified = server(verifier).verify_request(received(request, transport), CONSUMER, TOKEN)

    assert verified == {**QUERY, **options.get("parameters", {})}


def tampered_value(request: oauth.Request) -> None:
    """Change a query parameter the signature covers."""
    request["size"] = "thumbnail"


def tampered_extra(request: oauth.Request) -> None:
    """Add a parameter."""
    request["admin"] = "true"


def tampered_method(request: oauth.Request) -> None:
    """Replay as another HTTP method."""
    request.method = "DELETE"


def tampered_path(request: oauth.Request) -> None:
    """Replay against another resource."""
    request.url = URL.replace("/photos", "/photos2")


def tampered_timestamp(request: oauth.Request) -> None:
    """Move the timestamp by a second, still inside the window."""
    request["oauth_timestamp"] = str(int(request["oauth_timestamp"]) - 1)


CONTENT_TAMPERS = [tampered_value, tampered_extra, tampered_method, tampered_path, tampered_timestamp]


# PLAINTEXT signs no part of the request, only the secrets [§3.4.4]: there is nothing to tamper with.
@pytest.mark.parametrize("tamper", CONTENT_TAMPERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", [n for n in ALL_NAMES if n != "PLAINTEXT"])
def test_tampered_request_is_refused(
    name: str, tamper: Callable[[oauth.Request], None], methods: Dict[str, SignerVerifier]
) -> None:
    signer, verifier = methods[name]
    request = received(signed(method=signer), "header")
    tamper(request)

    assert not verifier.check(request, CONSUMER, TOKEN, request["oauth_signature"])
    with pytest.raises(oauth.InvalidSignature):
        server(verifier).verify_request(request, CONSUMER, TOKEN)


BAD_SIGNATURES: Dict[str, Callable[[str], str]] = {
    "one character changed": lambda s: ("B" if s[0] != "B" else "C") + s[1:],
    "not base64": lambda s: "%%% not base64 ! %%%",
    # For the base64 methods these stay valid base64, of the wrong length.
    "truncated": lambda s: s[:-4],
    "extended": lambda s: s + "AAAA",
    "empty": lambda s: "",
}


@pytest.mark.parametrize("bad", BAD_SIGNATURES)
@pytest.mark.parametrize("name", ALL_NAMES)
def test_bad_signature_is_refused(name: str, bad: str, methods: Dict[str, SignerVerifier]) -> None:
    signer, verifier = methods[name]
    request = signed(method=signer)
    forged = BAD_SIGNATURES[bad](request["oauth_signature"])
    assert forged != request["oauth_signature"]
    request["oauth_signature"] = forged

    assert verifier.check(request, CONSUMER, TOKEN, forged) is False
    with pytest.raises(oauth.InvalidSignature):
        server(verifier).verify_request(received(request, "header"), CONSUMER, TOKEN)


@pytest.mark.parametrize(
    ("consumer_secret", "token_secret"), [("other", TOKEN_SECRET), (CONSUMER_SECRET, "other")]
)
@pytest.mark.parametrize("name", [*HMAC_METHODS, "PLAINTEXT"])
def test_wrong_secret_is_refused(
    name: str, consumer_secret: str, token_secret: str, methods: Dict[str, SignerVerifier]
) -> None:
    signer, verifier = methods[name]
    request = signed(method=signer, consumer=oauth.Consumer(CONSUMER.key or "", consumer_secret),
                     token=oauth.Token(TOKEN.key or "", token_secret))
    with pytest.raises(oauth.InvalidSignature):
        server(verifier).verify_request(received(request, "header"), CONSUMER, TOKEN)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_signing_is_deterministic(name: str, methods: Dict[str, SignerVerifier]) -> None:
    signer, _ = methods[name]
    request = signed(method=signer)
    first = request["oauth_signature"]

    # oauth_signature is not part of what is signed, so signing again changes nothing.
    request.sign_request(signer, CONSUMER, TOKEN)

    assert request["oauth_signature"] == first
    assert signer.sign(request, CONSUMER, TOKEN) == first


# ----------------------------------------------------------------------- HMAC


def test_hmac_variants_share_the_base_string_and_differ_in_the_digest() -> None:
    request = signed(method=oauth.SignatureMethod_HMAC_SHA1())
    bases = {name: cls().signing_base(request, CONSUMER, TOKEN) for name, (cls, _) in HMAC_METHODS.items()}
    key, raw = bases["HMAC-SHA1"]

    assert set(bases.values()) == {(key, raw)}
    assert key == f"{oauth.escape(CONSUMER_SECRET)}&{oauth.escape(TOKEN_SECRET)}".encode("ascii")
    assert raw == oauth.explain(request).base_string.encode("ascii")
    signatures = {}
    for name, (cls, digest) in HMAC_METHODS.items():
        signatures[name] = cls().sign(request, CONSUMER, TOKEN)
        assert signatures[name] == b64(hmac.new(key, raw, digest).digest())
        assert len(base64.b64decode(signatures[name])) == digest().digest_size
    assert len(set(signatures.values())) == 3


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=90), st.text(max_size=90), st.text(max_size=300), st.sampled_from(sorted(HMAC_METHODS)),
)
def test_hmac_equals_the_standard_library_for_any_secrets(
    consumer_secret: str, token_secret: str, base_string: str, name: str
) -> None:
    """Secrets shorter and longer than the hash's block (64 bytes, 128 for SHA-512), each key twice:
    HMAC made from plain hash calls must match :func:`hmac.new` every time."""
    cls, digest = HMAC_METHODS[name]
    consumer, token = oauth.Consumer("k", consumer_secret), oauth.Token("t", token_secret)
    key = f"{oauth.escape(consumer_secret)}&{oauth.escape(token_secret)}".encode("ascii")
    expected = b64(hmac.new(key, base_string.encode("utf-8"), digest).digest())
    for _ in range(2):
        assert cls().sign_base_string(base_string, consumer, token) == expected


@pytest.mark.parametrize("digest", [hashlib.sha224, hashlib.sha384, hashlib.sha3_256, hashlib.md5])
def test_hmac_subclass_with_another_hash_equals_the_standard_library(digest: Callable[..., Any]) -> None:
    """A subclass may set any ``digestmod``, whose block size oauth2 does not know: it goes to hmac.digest."""
    method = type("Custom", (oauth.SignatureMethod_HMAC_SHA256,), {"name": "HMAC-X", "digestmod": digest})()
    for secret in ("s", "s" * 200):
        consumer = oauth.Consumer("k", secret)
        expected = b64(hmac.new(f"{secret}&".encode(), b"base", digest).digest())
        assert method.sign_base_string("base", consumer, None) == expected


def test_hmac_subclass_with_an_unhashable_digestmod_equals_the_standard_library() -> None:
    class Sha1:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self, data: bytes = b"") -> Any:
            return hashlib.sha1(data)

    method = type("Custom", (oauth.SignatureMethod_HMAC_SHA1,), {"digestmod": Sha1()})()
    expected = b64(hmac.new(b"s&", b"base", hashlib.sha1).digest())
    assert method.sign_base_string("base", oauth.Consumer("k", "s"), None) == expected


def test_plaintext_signature_is_the_encoded_secrets() -> None:
    request = signed(method=oauth.SignatureMethod_PLAINTEXT())
    assert request["oauth_signature"] == f"{oauth.escape(CONSUMER_SECRET)}&{oauth.escape(TOKEN_SECRET)}"


# ------------------------------------------------------------------ RSA keys

PRIVATE_FORMS = {
    "pkcs1": "-----BEGIN RSA PRIVATE KEY-----",
    "pkcs8": "-----BEGIN PRIVATE KEY-----",
    "encrypted_pkcs8": "-----BEGIN ENCRYPTED PRIVATE KEY-----",
}


@pytest.mark.parametrize("as_text", [True, False], ids=["str", "bytes"])
@pytest.mark.parametrize("form", PRIVATE_FORMS)
@pytest.mark.parametrize("name", RSA_METHODS)
def test_rsa_signs_with_a_pem_private_key(name: str, form: str, as_text: bool, material: Material) -> None:
    cls, hash_cls = RSA_METHODS[name]
    assert PRIVATE_FORMS[form].encode() in material.pems_a[form]
    pem: Union[str, bytes] = material.pems_a[form].decode("ascii") if as_text else material.pems_a[form]
    password = PASSWORD if form == "encrypted_pkcs8" else None

    request = signed(method=cls(private_key=pem, password=password))

    assert request["oauth_signature"] == rsa_signature(material.a, request, hash_cls)
    assert verifies(material.a.public_key(), request, request["oauth_signature"], hash_cls)


@pytest.mark.parametrize("password", [PASSWORD, PASSWORD.encode("utf-8")], ids=["str", "bytes"])
def test_rsa_password_as_str_or_bytes(password: Union[str, bytes], material: Material) -> None:
    request = signed(method=oauth.SignatureMethod_RSA_SHA256(material.pems_a["encrypted_pkcs8"], password=password))
    assert request["oauth_signature"] == rsa_signature(material.a, request, hashes.SHA256)


def test_rsa_password_bytes_that_are_not_utf8(material: Material) -> None:
    # cryptography takes any bytes as a password; OpenSSL tools happily write such keys.
    password = b"\xff\xfe-latin1-\xe9"
    pem = material.a.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(password)
    )
    request = signed(method=oauth.SignatureMethod_RSA_SHA1(pem, password=password))
    assert request["oauth_signature"] == rsa_signature(material.a, request, hashes.SHA1)


@pytest.mark.parametrize("name", RSA_METHODS)
def test_rsa_signs_with_a_key_object(name: str, material: Material) -> None:
    cls, hash_cls = RSA_METHODS[name]
    request = signed(method=cls(private_key=material.a))
    assert request["oauth_signature"] == rsa_signature(material.a, request, hash_cls)
    # The digest really is the one the name says.
    others = [h for n, (_, h) in RSA_METHODS.items() if n != name]
    assert not any(verifies(material.a.public_key(), request, request["oauth_signature"], h) for h in others)


def test_rsa_signing_base_holds_no_key(material: Material) -> None:
    method = oauth.SignatureMethod_RSA_SHA1(private_key=material.a)
    request = signed(method=method)
    assert method.signing_base(request, CONSUMER, TOKEN) == (b"", oauth.explain(request).base_string.encode())


PUBLIC_FORMS = {
    "spki": "-----BEGIN PUBLIC KEY-----",
    "pkcs1_public": "-----BEGIN RSA PUBLIC KEY-----",
    "certificate": "-----BEGIN CERTIFICATE-----",
}


@pytest.mark.parametrize("as_text", [True, False], ids=["str", "bytes"])
@pytest.mark.parametrize("form", PUBLIC_FORMS)
@pytest.mark.parametrize("name", RSA_METHODS)
def test_rsa_verifies_with_a_pem_public_key_or_certificate(
    name: str, form: str, as_text: bool, material: Material
) -> None:
    cls, _ = RSA_METHODS[name]
    assert PUBLIC_FORMS[form].encode() in material.pems_a[form]
    pem: Union[str, bytes] = material.pems_a[form].decode("ascii") if as_text else material.pems_a[form]
    request = received(signed(method=cls(private_key=material.a)), "header")

    assert cls(public_key=pem).check(request, CONSUMER, TOKEN, request["oauth_signature"])
    server(cls(public_key=pem)).verify_request(request, CONSUMER, TOKEN)


@pytest.mark.parametrize("name", RSA_METHODS)
def test_rsa_verifies_with_a_public_key_object(name: str, material: Material) -> None:
    cls, _ = RSA_METHODS[name]
    request = received(signed(method=cls(private_key=material.pems_a["pkcs1"])), "url")
    server(cls(public_key=material.a.public_key())).verify_request(request, CONSUMER, TOKEN)


def test_rsa_private_key_object_as_public_key_is_no_type_error(material: Material) -> None:
    # Handing the key pair to the verifier is an easy slip: it may be accepted
    # (its public half verifies) or refused, but as an oauth.Error.
    request = signed(method=oauth.SignatureMethod_RSA_SHA1(private_key=material.a))
    try:
        accepted = oauth.SignatureMethod_RSA_SHA1(public_key=material.a).check(
            request, CONSUMER, TOKEN, request["oauth_signature"]
        )
    except oauth.Error:
        return
    assert accepted is True


def test_rsa_public_key_for_chooses_the_key_per_consumer(material: Material) -> None:
    alice = oauth.Consumer("alice-app", "")
    bob = oauth.Consumer("bob-app", "")
    public = {"alice-app": material.pems_a["certificate"], "bob-app": material.pems_b["spki"].decode()}
    asked: List[str] = []

    def lookup(consumer: oauth.Consumer) -> Union[str, bytes]:
        asked.append(consumer.key or "")
        return public[consumer.key or ""]

    verifier = server(oauth.SignatureMethod_RSA_SHA256(public_key_for=lookup))
    from_alice = received(signed(method=oauth.SignatureMethod_RSA_SHA256(material.a), consumer=alice, token=None),
                          "header")
    from_bob = received(signed(method=oauth.SignatureMethod_RSA_SHA256(material.b), consumer=bob, token=None),
                        "header")

    verifier.verify_request(from_alice, alice, None)
    verifier.verify_request(from_bob, bob, None)
    assert asked == ["alice-app", "bob-app"]

    confused = server(oauth.SignatureMethod_RSA_SHA256(public_key_for=lambda consumer: public["bob-app"]))
    with pytest.raises(oauth.InvalidSignature):
        confused.verify_request(received(signed(method=oauth.SignatureMethod_RSA_SHA256(material.a), consumer=alice,
                                                token=None), "header"), alice, None)


@pytest.mark.parametrize("wrong", ["spki", "certificate"])
@pytest.mark.parametrize("name", RSA_METHODS)
def test_rsa_wrong_key_or_certificate_is_invalid_signature(name: str, wrong: str, material: Material) -> None:
    cls, hash_cls = RSA_METHODS[name]
    request = received(signed(method=cls(private_key=material.a)), "header")
    verifier = cls(public_key=material.pems_b[wrong])

    assert not verifies(material.b.public_key(), request, request["oauth_signature"], hash_cls)
    assert verifier.check(request, CONSUMER, TOKEN, request["oauth_signature"]) is False
    with pytest.raises(oauth.InvalidSignature):
        server(verifier).verify_request(request, CONSUMER, TOKEN)


def half(pem: bytes) -> bytes:
    """The first half of a PEM: a file cut short."""
    return pem[: len(pem) // 2]


GARBAGE_PRIVATE_PEM = "-----BEGIN RSA PRIVATE KEY-----\nnot base64 at all!\n-----END RSA PRIVATE KEY-----\n"
GARBAGE_PUBLIC_PEM = b"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----\n"

PRIVATE_KEY_ERRORS: Dict[str, Tuple[Callable[[Material], Dict[str, Any]], str]] = {
    "truncated PEM": (lambda m: {"private_key": half(m.pems_a["pkcs1"]).decode()}, "Cannot load the RSA private key"),
    "truncated encrypted PEM": (
        lambda m: {"private_key": half(m.pems_a["encrypted_pkcs8"]), "password": PASSWORD},
        "Cannot load the RSA private key",
    ),
    "garbage PEM": (lambda m: {"private_key": GARBAGE_PRIVATE_PEM}, "Cannot load the RSA private key"),
    "not PEM": (lambda m: {"private_key": b"hello"}, "Cannot load the RSA private key"),
    "public key": (lambda m: {"private_key": m.pems_a["spki"]}, "Cannot load the RSA private key"),
    "EC key PEM": (lambda m: {"private_key": m.ec_pems["private"]}, "not an RSA key"),
    "EC key object": (lambda m: {"private_key": m.ec_key}, "not an RSA key"),
    "encrypted without password": (lambda m: {"private_key": m.pems_a["encrypted_pkcs8"]}, "password="),
    "wrong password": (
        lambda m: {"private_key": m.pems_a["encrypted_pkcs8"], "password": WRONG_PASSWORD},
        "password",
    ),
    "wrong password bytes": (
        lambda m: {"private_key": m.pems_a["encrypted_pkcs8"].decode(), "password": WRONG_PASSWORD.encode()},
        "password",
    ),
    "no private key": (lambda m: {"public_key": m.pems_a["spki"]}, "needs a private key"),
}


@pytest.mark.parametrize("name", RSA_METHODS)
@pytest.mark.parametrize("case", PRIVATE_KEY_ERRORS)
def test_rsa_signing_key_errors_are_clear_oauth_errors(name: str, case: str, material: Material) -> None:
    cls, _ = RSA_METHODS[name]
    make, expected = PRIVATE_KEY_ERRORS[case]
    given = make(material)
    with pytest.raises(oauth.Error) as raised:
        signed(method=cls(**given))
    assert expected in str(raised.value)
    assert_tells_nothing(raised.value, {**given, "right password": PASSWORD, "full key": material.pems_a["pkcs1"]})


PUBLIC_KEY_ERRORS: Dict[str, Tuple[Callable[[Material], Dict[str, Any]], str]] = {
    "truncated PEM": (lambda m: {"public_key": half(m.pems_a["spki"])}, "Cannot load the RSA public key"),
    "truncated certificate": (
        lambda m: {"public_key": half(m.pems_a["certificate"]).decode()},
        "Cannot load the RSA public key",
    ),
    "garbage PEM": (lambda m: {"public_key": GARBAGE_PUBLIC_PEM}, "Cannot load the RSA public key"),
    "not PEM": (lambda m: {"public_key": "hello"}, "Cannot load the RSA public key"),
    "EC key PEM": (lambda m: {"public_key": m.ec_pems["public"]}, "not an RSA key"),
    "EC key object": (lambda m: {"public_key": m.ec_key.public_key()}, "not an RSA key"),
    "EC certificate": (lambda m: {"public_key": m.ec_pems["certificate"].decode()}, "not an RSA key"),
    "EC key from public_key_for": (lambda m: {"public_key_for": lambda c: m.ec_pems["public"]}, "not an RSA key"),
    "no public key": (lambda m: {"private_key": m.a}, "needs a public key"),
    "public_key_for gives None": (lambda m: {"public_key_for": lambda c: None}, "no public key for this consumer"),
}


@pytest.mark.parametrize("name", RSA_METHODS)
@pytest.mark.parametrize("case", PUBLIC_KEY_ERRORS)
def test_rsa_verifying_key_errors_are_clear_oauth_errors(name: str, case: str, material: Material) -> None:
    cls, _ = RSA_METHODS[name]
    make, expected = PUBLIC_KEY_ERRORS[case]
    given = make(material)
    request = received(signed(method=cls(private_key=material.a)), "header")
    with pytest.raises(oauth.Error) as raised:
        server(cls(**given)).verify_request(request, CONSUMER, TOKEN)
    assert expected in str(raised.value)
    assert_tells_nothing(raised.value, given)


# ------------------------------------------------------------ optional extra


def run_python(script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter of this virtualenv."""
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_oauth2_does_not_import_cryptography() -> None:
    result = run_python(textwrap.dedent("""
        import sys
        import oauth2 as oauth
        consumer = oauth.Consumer("ck", "cs")
        methods = [
            oauth.SignatureMethod_RSA_SHA1(private_key="pem"),
            oauth.SignatureMethod_RSA_SHA512(public_key="pem"),
            oauth.SignatureMethod_HMAC_SHA256(),
        ]
        oauth.Server(methods)
        request = oauth.Request.from_consumer_and_token(consumer, None, "GET", "https://example.com/")
        request.sign_request(methods[2], consumer, None)
        assert "cryptography" not in sys.modules, sorted(m for m in sys.modules if m.startswith("cryptography"))
        print("ok")
    """))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


BLOCKERS = {
    "sys.modules": "import sys\nsys.modules['cryptography'] = None\n",
    "meta path finder": textwrap.dedent("""
        import sys

        class NotInstalled:
            def find_spec(self, name, path=None, target=None):
                if name == "cryptography" or name.startswith("cryptography."):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, NotInstalled())
    """),
}

USE_RSA_WITHOUT_CRYPTOGRAPHY = textwrap.dedent("""
    import json
    import oauth2 as oauth

    consumer = oauth.Consumer("ck", "cs")
    request = oauth.Request.from_consumer_and_token(consumer, None, "GET", "https://example.com/")
    request.sign_request(oauth.SignatureMethod_HMAC_SHA1(), consumer, None)
    request["oauth_signature_method"] = "RSA-SHA512"
    pem = "-----BEGIN RSA PRIVATE KEY-----\\nAAAA\\n-----END RSA PRIVATE KEY-----\\n"

    def sign():
        oauth.Request("GET", "https://example.com/").sign_request(
            oauth.SignatureMethod_RSA_SHA1(private_key=pem), consumer, None)

    def check():
        oauth.SignatureMethod_RSA_SHA256(public_key=pem).check(request, consumer, None, "AAAA")

    def verify():
        oauth.Server([oauth.SignatureMethod_RSA_SHA512(public_key=pem)]).verify_request(request, consumer, None)

    outcomes = []
    for use in (sign, check, verify):
        try:
            use()
            outcomes.append(["no error"])
        except oauth.Error as error:
            outcomes.append([type(error).__name__, str(error), error.__cause__ is None])
    print(json.dumps(outcomes))
""")


@pytest.mark.parametrize("blocker", BLOCKERS)
def test_rsa_without_cryptography_asks_for_the_extra(blocker: str) -> None:
    result = run_python(BLOCKERS[blocker] + USE_RSA_WITHOUT_CRYPTOGRAPHY)

    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)
    assert len(outcomes) == 3
    for outcome in outcomes:
        assert outcome[0] == "Error", outcome
        assert "'rsa' extra: pip install cryptography" in outcome[1]
        # The ImportError is an install hint, not a traceback to read.
        assert outcome[2] is True


# ------------------------------------------------------------------ custom methods


class PR242HmacSha256(oauth.SignatureMethod):
    """HMAC-SHA256 as python-oauth2 PR #242 wrote it for 1.9: only ``sign``, and it returns bytes."""

    name = "HMAC-SHA256"

    def sign(self, request: oauth.Request, consumer: oauth.Consumer, token: Optional[oauth.Token]) -> Any:
        """base64(HMAC-SHA256) over ``signing_base``, as bytes."""
        key, raw = self.signing_base(request, consumer, token)
        hashed = hmac.new(key, raw, hashlib.sha256)
        return binascii.b2a_base64(hashed.digest())[:-1]


class BaseStringHmacSha384(oauth.SignatureMethod):
    """A custom method that implements ``sign_base_string`` only."""

    name = "HMAC-SHA384"

    def sign_base_string(self, base_string: str, consumer: oauth.Consumer, token: Optional[oauth.Token]) -> str:
        """base64(HMAC-SHA384) over the base string."""
        return b64(hmac.new(hmac_key(consumer, token), base_string.encode("ascii"), hashlib.sha384).digest())


def hmac_key(consumer: oauth.Consumer, token: Optional[oauth.Token]) -> bytes:
    """The §3.4.2 key, written out independently of oauth2's own helper."""
    token_part = oauth.escape(token.secret or "") if token else ""
    return f"{oauth.escape(consumer.secret or '')}&{token_part}".encode("ascii")


def test_1_9_custom_method_returning_bytes() -> None:
    method = PR242HmacSha256()
    request = signed(method=oauth.SignatureMethod_HMAC_SHA1())
    key, raw = method.signing_base(request, CONSUMER, TOKEN)
    assert (type(key), type(raw)) == (bytes, bytes)
    assert type(method.sign(request, CONSUMER, TOKEN)) is bytes

    request.sign_request(method, CONSUMER, TOKEN)

    assert type(request["oauth_signature"]) is str
    assert request["oauth_signature"] == oauth.SignatureMethod_HMAC_SHA256().sign(request, CONSUMER, TOKEN)


def test_custom_method_with_sign_base_string_only() -> None:
    request = signed(method=BaseStringHmacSha384())
    expected = hmac.new(hmac_key(CONSUMER, TOKEN), oauth.explain(request).base_string.encode(), hashlib.sha384)
    assert request["oauth_signature"] == b64(expected.digest())


class BytesHmacSha1(oauth.SignatureMethod):
    """A custom method whose ``sign_base_string`` returns bytes, as 1.9's signatures were."""

    name = "HMAC-SHA1"

    def sign_base_string(self, base_string: str, consumer: oauth.Consumer, token: Optional[oauth.Token]) -> Any:
        return oauth.SignatureMethod_HMAC_SHA1().sign_base_string(base_string, consumer, token).encode("ascii")


def test_custom_method_signing_bytes_gives_a_text_signature() -> None:
    request = signed(method=BytesHmacSha1())
    assert type(request["oauth_signature"]) is str
    assert request["oauth_signature"] == oauth.SignatureMethod_HMAC_SHA1().sign(request, CONSUMER, TOKEN)
    assert f'oauth_signature="{oauth.escape(request["oauth_signature"])}"' in request.to_header()["Authorization"]


CUSTOMS = [PR242HmacSha256, BaseStringHmacSha384]


class ConsumerSecretOnlyHmacSha1(oauth.SignatureMethod_HMAC_SHA1):
    """A 1.9-style subclass of a built-in method: its ``signing_base`` leaves the token secret out of the key."""

    def signing_base(self, request: oauth.Request, consumer: oauth.Consumer,
                     token: Optional[oauth.Token]) -> Tuple[bytes, bytes]:
        return hmac_key(consumer, None), super().signing_base(request, consumer, token)[1]


def test_server_verifies_a_1_9_style_subclass_through_its_own_signing_base() -> None:
    """The Server checks built-in methods from the base string it makes; a subclass that overrides
    ``sign``, ``signing_base`` or ``check`` must still be verified through them."""
    ours = received(signed(method=ConsumerSecretOnlyHmacSha1()), "header")
    standard = received(signed(method=oauth.SignatureMethod_HMAC_SHA1()), "header")

    assert server(ConsumerSecretOnlyHmacSha1()).verify_request(ours, CONSUMER, TOKEN) == QUERY
    with pytest.raises(oauth.InvalidSignature):
        server(ConsumerSecretOnlyHmacSha1()).verify_request(standard, CONSUMER, TOKEN)
    with pytest.raises(oauth.InvalidSignature):
        server(oauth.SignatureMethod_HMAC_SHA1()).verify_request(ours, CONSUMER, TOKEN)


@pytest.mark.parametrize(
    "method",
    [*(cls() for cls, _ in HMAC_METHODS.values()), BaseStringHmacSha384()],
    ids=lambda method: method.name,
)
def test_check_base_string_is_the_pure_counterpart_of_sign_base_string(method: oauth.SignatureMethod) -> None:
    base_string = oauth.explain(signed(method=method)).base_string
    signature = method.sign_base_string(base_string, CONSUMER, TOKEN)

    assert method.check_base_string(base_string, CONSUMER, TOKEN, signature)
    assert method.check_base_string(base_string, CONSUMER, TOKEN, signature.encode("ascii"))
    assert not method.check_base_string(base_string + "x", CONSUMER, TOKEN, signature)
    assert not method.check_base_string(base_string, CONSUMER, oauth.Token(TOKEN.key, "other"), signature)
    assert not method.check_base_string(base_string, CONSUMER, TOKEN, signature[:-2] + "é=")


@pytest.mark.parametrize("transport", ["header", "url"])
@pytest.mark.parametrize("custom", CUSTOMS, ids=lambda c: c.__name__)
def test_custom_method_verified_by_server(custom: Type[oauth.SignatureMethod], transport: str) -> None:
    request = received(signed(method=custom()), transport)
    verifier = oauth.Server()
    with pytest.raises(oauth.UnsupportedSignatureMethod):
        verifier.verify_request(request, CONSUMER, TOKEN)

    verifier.add_signature_method(custom())

    assert verifier.verify_request(request, CONSUMER, TOKEN) == QUERY
    tampered_value(request)
    with pytest.raises(oauth.InvalidSignature):
        server(custom()).verify_request(request, CONSUMER, TOKEN)


@pytest.mark.parametrize("custom", CUSTOMS, ids=lambda c: c.__name__)
def test_custom_method_through_client_and_embedded_provider(custom: Type[oauth.SignatureMethod]) -> None:
    with Provider(signature_methods=[custom()]) as provider:
        client = oauth.Client(provider.consumer)
        client.set_signature_method(custom())
        client.fetch_request_token(provider.request_token_url)
        with urllib.request.urlopen(client.authorization_url(provider.authorize_url), timeout=10) as page:  # noqa: S310
            pin = re.search(r"Your PIN: (\S+)", page.read().decode())
        assert pin is not None
        client.fetch_access_token(provider.access_token_url, pin.group(1))
        response, content = client.request(provider.resource_url + "?album=holidays", "POST", b"caption=sea",
                                           headers={"Content-Type": FORM})

        assert response.status == 200, content
        assert json.loads(content)["parameters"] == {"album": "holidays", "caption": "sea"}
        assert [entry.error for entry in provider.log] == [None, None, None]
        # Only the custom method is accepted: a client on the default HMAC-SHA1 is turned away.
        response, content = oauth.Client(provider.consumer, client.token).request(provider.resource_url)
        assert response.status == 400
        assert b"signature_method_rejected" in content


# --------------------------------------------------------------------- body hash

JSON_BODY = '{"photo": "vacation.jpg", "caption": "été"}'.encode()


@pytest.mark.parametrize("name", ALL_NAMES)
def test_body_hash_is_sha1_for_every_method(name: str, methods: Dict[str, SignerVerifier]) -> None:
    signer, verifier = methods[name]
    request = signed(method=signer, http_method="POST", body=JSON_BODY)

    assert request["oauth_body_hash"] == b64(hashlib.sha1(JSON_BODY).digest())
    headers = {**request.to_header(), "Content-Type": "application/json"}
    server(verifier).verify_request(oauth.Request.from_request("POST", URL, headers=headers, body=JSON_BODY),
                                    CONSUMER, TOKEN)
    altered = oauth.Request.from_request("POST", URL, headers=headers, body=JSON_BODY + b" ")
    with pytest.raises(oauth.BodyHashMismatch):
        server(verifier).verify_request(altered, CONSUMER, TOKEN)


class HmacSha256BodySha256(oauth.SignatureMethod_HMAC_SHA256):
    """HMAC-SHA256 with a SHA-256 body hash."""

    body_hash_algorithm = hashlib.sha256


class RsaSha256BodySha256(oauth.SignatureMethod_RSA_SHA256):
    """RSA-SHA256 with a SHA-256 body hash."""

    body_hash_algorithm = hashlib.sha256


@pytest.mark.parametrize(
    ("subclass", "parent"),
    [
        (HmacSha256BodySha256, oauth.SignatureMethod_HMAC_SHA256),
        (RsaSha256BodySha256, oauth.SignatureMethod_RSA_SHA256),
    ],
    ids=["HMAC", "RSA"],
)
def test_body_hash_algorithm_of_a_subclass(
    subclass: Type[oauth.SignatureMethod], parent: Type[oauth.SignatureMethod], material: Material
) -> None:
    is_rsa = issubclass(parent, oauth.SignatureMethod_RSA_SHA256)
    signer = subclass(private_key=material.a) if is_rsa else subclass()
    request = signed(method=signer, http_method="PUT", body=JSON_BODY)

    assert request["oauth_body_hash"] == b64(hashlib.sha256(JSON_BODY).digest())
    headers = {**request.to_header(), "Content-Type": "application/json"}
    rebuilt = oauth.Request.from_request("PUT", URL, headers=headers, body=JSON_BODY)
    keys = {"public_key": material.a.public_key()} if is_rsa else {}
    server(subclass(**keys)).verify_request(rebuilt, CONSUMER, TOKEN)
    with pytest.raises(oauth.BodyHashMismatch):
        server(parent(**keys)).verify_request(rebuilt, CONSUMER, TOKEN)


# ----------------------------------------------------------------------- explain


@pytest.mark.parametrize("side", ["client", "server"])
@pytest.mark.parametrize("name", ALL_NAMES)
def test_explain_is_consistent_and_holds_no_secret(name: str, side: str, methods: Dict[str, SignerVerifier]) -> None:
    signer, _ = methods[name]
    request = signed(method=signer, parameters={"q": "a b&c"})
    if name == "PLAINTEXT":
        # Then the secret-free checks below can fail: the signature holds the secrets.
        assert all(fragment in request["oauth_signature"] for fragment in SECRET_FRAGMENTS)
    client_base_string = oauth.explain(request).base_string
    if side == "server":
        request = received(request, "url")

    explained = oauth.explain(request)

    assert explained.base_string == client_base_string

    assert {key for key, _ in explained.parameters} == {
        *QUERY, "q", "oauth_consumer_key", "oauth_token", "oauth_nonce", "oauth_timestamp", "oauth_version",
        "oauth_signature_method",
    }
    assert explained.normalized_parameters == oauth.normalize_parameters(explained.parameters)
    assert explained.normalized_parameters == request.get_normalized_parameters()
    assert explained.base_string_uri == request.normalized_url == "https://api.example.com/photos"
    assert explained.base_string == "&".join(
        oauth.escape(part) for part in (request.method, explained.base_string_uri, explained.normalized_parameters)
    )
    if name != "PLAINTEXT":
        assert signer.signing_base(request, CONSUMER, TOKEN)[1] == explained.base_string.encode("ascii")
    for field in (repr(explained.parameters), explained.normalized_parameters, explained.base_string_uri,
                  explained.base_string, repr(explained)):
        for fragment in SECRET_FRAGMENTS:
            assert fragment not in field


# --------------------------------------------------------------------------------- signing key, against oauthlib


@given(st.one_of(TEXT, SEPARATORISH), st.one_of(TEXT, SEPARATORISH))
def test_signing_key_agrees_with_oauthlib(consumer_secret: str, token_secret: str) -> None:
    # PLAINTEXT's signature is the signing key itself [§3.4.4].
    consumer, token = oauth.Consumer("ck", consumer_secret), oauth.Token("tk", token_secret)
    key = oauth.SignatureMethod_PLAINTEXT().sign_base_string("", consumer, token)
    assert key == f"{rfc.utils.escape(consumer_secret)}&{rfc.utils.escape(token_secret)}"


# ------------------------------------------------------------------------------ RSA: garbage keys and signatures


RSA_CASES = [
    "garbage", b"garbage", "", "é", b"\xff",
    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
]


def rsa_request(signature: str) -> oauth.Request:
    """A request claiming RSA-SHA1 with ``signature``."""
    return oauth.Request("GET", "http://e/", {
        "oauth_consumer_key": "ckey", "oauth_timestamp": str(at_now.NOW), "oauth_nonce": "n",
        "oauth_signature_method": "RSA-SHA1", "oauth_signature": signature,
    })


@pytest.mark.parametrize("pem", RSA_CASES, ids=lambda p: repr(p)[:16])
def test_rsa_garbage_public_key_is_oauth_error(pem: Any) -> None:
    pytest.importorskip("cryptography")
    verifier = at_now.server(oauth.SignatureMethod_RSA_SHA1(public_key=pem))
    with pytest.raises(oauth.Error):
        verifier.verify_request(rsa_request("YWJj"), at_now.CONSUMER, None)


@pytest.mark.parametrize("pem", RSA_CASES, ids=lambda p: repr(p)[:16])
def test_rsa_garbage_private_key_is_oauth_error(pem: Any) -> None:
    pytest.importorskip("cryptography")
    with pytest.raises(oauth.Error):
        rsa_request("").sign_request(oauth.SignatureMethod_RSA_SHA1(private_key=pem), at_now.CONSUMER, None)


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
    verifier = at_now.server(oauth.SignatureMethod_RSA_SHA1(public_key=rsa_public_pem))
    with pytest.raises(oauth.InvalidSignature):
        verifier.verify_request(rsa_request(signature), at_now.CONSUMER, None)
