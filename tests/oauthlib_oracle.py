"""oauthlib, the independent implementation our signatures are checked against: the one place the tests sign
and verify with oauthlib (its Client, its base string steps, its verification of a request on the wire)."""

from __future__ import annotations

import base64
import functools
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple
from urllib.parse import urlparse, urlsplit

from at_now import FORM
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from oauthlib import oauth1
from oauthlib.common import Request as OauthlibRequest
from oauthlib.common import urldecode
from oauthlib.oauth1.rfc5849 import signature, utils
from tls_certs import rsa_key, rsa_pems

import oauth2 as oauth

Pair = Tuple[str, str]


class Steps(NamedTuple):
    """The stages of the signature base string [RFC 5849 §3.4.1], as oauthlib computes them."""

    params: list[tuple[str, str]]
    normalized: str
    uri: str
    base_string: str


def oauthlib_steps(
    method: str, url: str, authorization: Optional[str] = None, form_body: Optional[str] = None
) -> Steps:
    """How oauthlib builds the base string of a request received with this Authorization header and form body."""
    headers = {"Authorization": authorization} if authorization else {}
    params = signature.collect_parameters(
        uri_query=urlsplit(url).query, body=form_body or None, headers=headers
    )
    normalized = signature.normalize_parameters(params)
    uri = signature.base_string_uri(url)
    return Steps(params, normalized, uri, signature.signature_base_string(method, uri, normalized))


def oauthlib_hmac_sha1(base_string: str, consumer: oauth.Consumer, token: Optional[oauth.Token]) -> str:
    """oauthlib's HMAC-SHA1 signature of ``base_string`` with the consumer's and token's secrets."""
    signer = oauth1.Client("unused", client_secret=consumer.secret,
                                    resource_owner_secret=token.secret if token else None)
    return signature.sign_hmac_sha1_with_client(base_string, signer)


OAUTHLIB_VERIFY: Dict[str, Callable[..., bool]] = {
    "HMAC-SHA1": signature.verify_hmac_sha1,
    "HMAC-SHA256": signature.verify_hmac_sha256,
    "HMAC-SHA512": signature.verify_hmac_sha512,
    "PLAINTEXT": signature.verify_plaintext,
}


RSA_HASHES: Dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "RSA-SHA1": hashes.SHA1,
    "RSA-SHA256": hashes.SHA256,
    "RSA-SHA512": hashes.SHA512,
}


@functools.cache
def rsa_key_pems() -> Dict[str, bytes]:
    """``rsa_key()`` in PEM, made once for every signature that needs it (a certificate is among them)."""
    return rsa_pems(rsa_key())


def _cryptography_rsa(name: str, base_string: str, client: oauth1.Client) -> str:
    """An oauthlib signature callback: RSASSA-PKCS1-v1_5 [§3.4.3] by cryptography, not PyJWT."""
    assert client.rsa_key == rsa_key_pems()["pkcs8"].decode()
    raw = rsa_key().sign(base_string.encode("utf-8"), padding.PKCS1v15(), RSA_HASHES[name]())
    return base64.b64encode(raw).decode("ascii")


class OauthlibClient(oauth1.Client):
    """oauthlib's Client, with RSA callbacks that do not need PyJWT (a copy: the class dict stays untouched)."""

    SIGNATURE_METHODS = {
        **oauth1.Client.SIGNATURE_METHODS,
        **{name: functools.partial(_cryptography_rsa, name) for name in RSA_HASHES},
    }


class Target(NamedTuple):
    """A request URL as the caller writes it (``iri``) and as it goes on the wire (``uri``)."""

    iri: str
    uri: str
    query: List[Pair]


class Body(NamedTuple):
    """An entity-body: its text, its Content-Type and, when form-encoded, its parameters."""

    text: Optional[str]
    content_type: Optional[str]
    form: Optional[List[Pair]]


class Credentials(NamedTuple):
    """Client credentials and, for three-legged requests, token credentials."""

    consumer_key: str
    consumer_secret: str
    token_key: Optional[str]
    token_secret: str

    def consumer(self) -> oauth.Consumer:
        """Our Consumer."""
        return oauth.Consumer(self.consumer_key, self.consumer_secret)

    def token(self) -> Optional[oauth.Token]:
        """Our Token, or None for a two-legged request."""
        return None if self.token_key is None else oauth.Token(self.token_key, self.token_secret)


class TheirCall(NamedTuple):
    """A request oauthlib's Client signs."""

    method: str
    target: Target
    body: Body
    placement: str
    credentials: Credentials
    callback: Optional[str]
    verifier: Optional[str]
    realm: Optional[str]
    nonce: str
    timestamp: int


class Wire(NamedTuple):
    """An HTTP request as it travels: method, URI, headers and entity-body."""

    method: str
    uri: str
    headers: Dict[str, str]
    body: Optional[str]


def wire_signature(wire: Wire, form: Optional[str]) -> str:
    """The one ``oauth_signature`` on the wire, decoded once [§3.5] with oauthlib's own decoders.

    Not through collect_parameters, which decodes it twice when it travels in
    the query or body (test_protocol_parameters_are_decoded_once).
    """
    found = []
    authorization = wire.headers.get("Authorization")
    if authorization:
        header = utils.parse_authorization_header(authorization)
        found += [utils.unescape(v) for k, v in header if k == "oauth_signature"]
    for source in (urlparse(wire.uri).query, form or ""):
        found += [v for k, v in urldecode(source) if k == "oauth_signature"]
    assert len(found) == 1, found
    return found[0]


def oauthlib_verifies(wire: Wire, name: str, creds: Credentials) -> str:
    """Have oauthlib rebuild and verify the signature of ``wire``; returns oauthlib's base string."""
    form = wire.body if wire.headers.get("Content-Type") == FORM else None
    params = signature.collect_parameters(uri_query=urlparse(wire.uri).query, body=form, headers=wire.headers)
    base_string = signature.signature_base_string(
        wire.method, signature.base_string_uri(wire.uri), signature.normalize_parameters(params)
    )
    sig = wire_signature(wire, form)
    if name in RSA_HASHES:
        # Raises cryptography's InvalidSignature if the signature is wrong.
        rsa_key().public_key().verify(
            base64.b64decode(sig), base_string.encode("utf-8"), padding.PKCS1v15(), RSA_HASHES[name]()
        )
    else:
        received = OauthlibRequest(wire.uri, wire.method, wire.body, wire.headers)
        received.params, received.signature = params, sig
        token_secret = creds.token_secret if creds.token_key is not None else None
        assert OAUTHLIB_VERIFY[name](received, creds.consumer_secret, token_secret)
    return base_string


def sign_with_oauthlib(call: TheirCall, name: str) -> Wire:
    """Sign ``call`` with oauthlib's Client; returns what it would send."""
    creds = call.credentials
    client = OauthlibClient(
        creds.consumer_key,
        client_secret=creds.consumer_secret,
        resource_owner_key=creds.token_key,
        resource_owner_secret=creds.token_secret if creds.token_key is not None else None,
        callback_uri=call.callback,
        verifier=call.verifier,
        signature_method=name,
        signature_type=call.placement,
        rsa_key=rsa_key_pems()["pkcs8"].decode() if name in RSA_HASHES else None,
        realm=call.realm,
        nonce=call.nonce,
        timestamp=str(call.timestamp),
    )
    typed = {"Content-Type": call.body.content_type} if call.body.content_type else {}
    uri, headers, body = client.sign(call.target.uri, call.method, call.body.text, typed)
    return Wire(call.method, uri, dict(headers), body)


def oauthlib_client(consumer: oauth.Consumer, token: Optional[oauth.Token] = None, **options: Any) -> oauth1.Client:
    """oauthlib's Client holding ``consumer``'s and ``token``'s credentials; ``options`` go to it as given."""
    return oauth1.Client(
        consumer.key,
        client_secret=consumer.secret,
        resource_owner_key=token.key if token else None,
        resource_owner_secret=token.secret if token else None,
        **options,
    )
